"""The mail outbox page: what the embedded mode "sent" to this workspace's members and
invitees, readable in the app (to copy an invitation link); nobody else's mail."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client

from relasi.accounts import services
from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.core.models import OutboxMail
from tests.accounts.conftest import in_english

OUTBOX = "relasi.core.mail.OutboxEmailBackend"


def _mail(to: str, subject: str, body: str = "Halo", *, workspace: Workspace | None) -> OutboxMail:
    return OutboxMail.objects.create(
        workspace=workspace, to=to, subject=subject, body=body, from_email="Relasi <noreply@relasi.local>"
    )


def test_lists_only_mail_sent_for_this_workspace(
    owner: User,
    workspace: Workspace,
    other_workspace: Workspace,
    make_member: Callable[..., User],
    client_as: Callable[[User], Client],
    url: Callable[..., str],
    django_capture_on_commit_callbacks: Any,
    settings: Any,
) -> None:
    # given: an invitation sent through the real outbox backend, and mail of another workspace
    # addressed to a member of both workspaces
    settings.EMAIL_BACKEND = OUTBOX
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_create(
            workspace=workspace, email="sari@contoh.co.id", role=Role.AGENT, invited_by=owner
        )
    both = make_member(workspace, Role.AGENT, email="ani@contoh.co.id")
    make_member(other_workspace, Role.AGENT, email="tmp@contoh.co.id")
    _mail(both.email, "Untuk toko sebelah", workspace=other_workspace)
    _mail(both.email, "Tanpa workspace", workspace=None)
    # when
    html = client_as(owner).get(url("outbox", workspace.slug)).content.decode()
    # then
    assert OutboxMail.objects.get(to="sari@contoh.co.id").workspace == workspace
    assert "sari@contoh.co.id" in html
    assert "Untuk toko sebelah" not in html
    assert "Tanpa workspace" not in html


def test_mail_is_readable_with_its_link_clickable(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client], url: Callable[..., str]
) -> None:
    # given
    mail = _mail(
        owner.email,
        "Undangan",
        "Buka tautan ini:\nhttp://127.0.0.1:8000/akun/undangan/abc-123/\n<b>tebal</b>",
        workspace=workspace,
    )
    # when
    response = client_as(owner).get(url("outbox_detail", workspace.slug, mail.pk))
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert '<a href="http://127.0.0.1:8000/akun/undangan/abc-123/"' in html
    assert "&lt;b&gt;tebal&lt;/b&gt;" in html  # the body is text, never HTML


def test_mail_of_another_workspace_is_404(
    owner: User,
    workspace: Workspace,
    other_workspace: Workspace,
    client_as: Callable[[User], Client],
    url: Callable[..., str],
) -> None:
    # given: mail to this owner, but sent for another workspace
    mail = _mail(owner.email, "Bukan untukmu", workspace=other_workspace)
    # when
    response = client_as(owner).get(url("outbox_detail", workspace.slug, mail.pk))
    # then
    assert response.status_code == 404


def test_page_says_whether_the_outbox_backend_is_active(
    owner: User,
    workspace: Workspace,
    client_as: Callable[[User], Client],
    url: Callable[..., str],
    settings: Any,
) -> None:
    # given
    client = client_as(in_english(owner))
    # when
    settings.EMAIL_BACKEND = OUTBOX
    active = client.get(url("outbox", workspace.slug)).content.decode()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    smtp = client.get(url("outbox", workspace.slug)).content.decode()
    # then
    assert "This installation does not send e-mail: it keeps it here" in active
    assert "E-mail is sent through the configured mail server" in smtp
    assert "E-mail is sent through the configured mail server" not in active


def test_outbox_is_keyset_paginated(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client], url: Callable[..., str]
) -> None:
    # given
    for number in range(55):
        _mail(owner.email, f"Surat nomor {number:02d}", workspace=workspace)
    client = client_as(owner)
    # when
    first = client.get(url("outbox", workspace.slug)).content.decode()
    cursor = first.split('rel="next"')[0].rsplit("cursor=", 1)[1].split('"')[0]
    second = client.get(url("outbox", workspace.slug), {"cursor": cursor}).content.decode()
    # then
    assert first.count("Surat nomor") == 50
    assert second.count("Surat nomor") == 5
    assert "Surat nomor 54" in first
    assert "Surat nomor 00" in second
