"""Invitations end to end: the owner invites by e-mail, the mail lands in the embedded
outbox, the invitee opens the link, creates an account and becomes a member with the role."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlparse

import pytest
import time_machine
from django.test import Client, override_settings
from django.utils import timezone

from relasi.accounts import services
from relasi.accounts.enums import Role
from relasi.accounts.models import Invitation, Membership, User, Workspace
from relasi.core.exceptions import Conflict, PermissionDenied, ValidationError
from relasi.core.models import AuditAction, AuditLog, OutboxMail
from tests.accounts.conftest import in_english

LINK = re.compile(r"https?://\S+/akun/undangan/[\w-]+/")


def _invite(
    owner_client: Client, url: Callable[..., str], workspace: Workspace, email: str, role: str, capture: Any
) -> str:
    """Invite through the members page; return the link from the mail in the outbox."""
    with capture(execute=True):
        response = owner_client.post(url("members", workspace.slug), {"email": email, "role": role})
    assert response.status_code == 302, response.content.decode()[:2000]
    mail = OutboxMail.objects.filter(to=email.lower()).latest("id")
    match = LINK.search(mail.body)
    assert match is not None, mail.body
    return urlparse(match.group(0)).path


@override_settings(EMAIL_BACKEND="relasi.core.mail.OutboxEmailBackend")
def test_invitation_end_to_end_makes_a_member_with_the_role(
    owner: User,
    workspace: Workspace,
    client_as: Callable[[User], Client],
    url: Callable[..., str],
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given: the owner invites a colleague as sales
    owner_client = client_as(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            url("members", workspace.slug), {"email": "Sari@Contoh.co.id", "role": Role.SALES}
        )
    assert response.status_code == 302
    mail = OutboxMail.objects.get()
    assert mail.to == "sari@contoh.co.id"
    assert workspace.name in mail.subject
    link = LINK.search(mail.body)
    assert link is not None
    # and the owner can read the mail, link included, in the app
    outbox = owner_client.get(url("outbox_detail", workspace.slug, mail.pk))
    assert outbox.status_code == 200
    assert link.group(0) in outbox.content.decode()
    # when: the invitee opens the link and creates an account
    invitee = Client()
    path = urlparse(link.group(0)).path
    assert invitee.get(path).status_code == 200
    response = invitee.post(path, {"full_name": "Sari Wulandari", "password": "kopi-tubruk-2024"})
    # then
    assert response.status_code == 302
    assert response["Location"] == f"/w/{workspace.slug}/pelanggan/"
    user = User.objects.get(email="sari@contoh.co.id")
    assert user.full_name == "Sari Wulandari"
    assert user.check_password("kopi-tubruk-2024")
    assert Membership.objects.get(user=user, workspace=workspace).role == Role.SALES
    assert invitee.session["_auth_user_id"] == str(user.pk)
    assert Invitation.objects.get().accepted_at is not None
    assert AuditLog.objects.filter(
        action=AuditAction.CREATE, object_type="accounts.invitation", actor=owner, workspace=workspace
    ).exists()
    assert AuditLog.objects.filter(
        action=AuditAction.CREATE, object_type="accounts.membership", actor=user, workspace=workspace
    ).exists()


@override_settings(EMAIL_BACKEND="relasi.core.mail.OutboxEmailBackend")
def test_invitation_is_mailed_only_after_commit(
    owner: User,
    workspace: Workspace,
    client_as: Callable[[User], Client],
    url: Callable[..., str],
    django_capture_on_commit_callbacks: Any,
) -> None:
    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client_as(owner).post(url("members", workspace.slug), {"email": "sari@contoh.co.id", "role": "agent"})
    # then: registered, not yet sent
    assert len(callbacks) == 1
    assert OutboxMail.objects.count() == 0


@override_settings(EMAIL_BACKEND="relasi.core.mail.OutboxEmailBackend")
def test_invitation_link_refuses_a_user_signed_in_with_another_address(
    owner: User,
    workspace: Workspace,
    other_workspace: Workspace,
    make_member: Callable[..., User],
    client_as: Callable[[User], Client],
    url: Callable[..., str],
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given
    path = _invite(
        client_as(owner), url, workspace, "sari@contoh.co.id", Role.SALES, django_capture_on_commit_callbacks
    )
    somebody = make_member(other_workspace, Role.OWNER, email="budi@contoh.co.id")
    # when
    response = client_as(somebody).post(path)
    # then
    assert response.status_code == 403
    assert not Membership.objects.filter(user=somebody, workspace=workspace).exists()
    assert Invitation.objects.get().accepted_at is None


@override_settings(EMAIL_BACKEND="relasi.core.mail.OutboxEmailBackend")
def test_expired_invitation_is_refused(
    owner: User,
    workspace: Workspace,
    client_as: Callable[[User], Client],
    url: Callable[..., str],
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given
    path = _invite(
        client_as(owner), url, workspace, "sari@contoh.co.id", Role.SALES, django_capture_on_commit_callbacks
    )
    # when: eight days later
    with time_machine.travel(timezone.now() + timedelta(days=services.INVITATION_DAYS, minutes=1)):
        opened = Client().get(path)
        posted = Client().post(path, {"full_name": "Sari", "password": "kopi-tubruk-2024"})
    # then
    assert opened.status_code == 404
    assert posted.status_code == 404
    assert not User.objects.filter(email="sari@contoh.co.id").exists()


@override_settings(EMAIL_BACKEND="relasi.core.mail.OutboxEmailBackend")
def test_used_invitation_cannot_be_used_again(
    owner: User,
    workspace: Workspace,
    client_as: Callable[[User], Client],
    url: Callable[..., str],
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given: the link was used
    path = _invite(
        client_as(owner), url, workspace, "sari@contoh.co.id", Role.AGENT, django_capture_on_commit_callbacks
    )
    assert Client().post(path, {"full_name": "Sari", "password": "kopi-tubruk-2024"}).status_code == 302
    # when: somebody opens it again
    again = Client()
    response = again.post(path, {"full_name": "Penyusup", "password": "kopi-tubruk-2025"})
    # then
    assert response.status_code == 404
    assert "_auth_user_id" not in again.session
    assert Membership.objects.filter(workspace=workspace, user__email="sari@contoh.co.id").count() == 1
    assert User.objects.get(email="sari@contoh.co.id").check_password("kopi-tubruk-2024")


def test_accepting_a_used_invitation_in_the_service_is_refused(owner: User, workspace: Workspace) -> None:
    # given
    _invitation, raw = services.invitation_create(
        workspace=workspace, email="sari@contoh.co.id", role=Role.AGENT, invited_by=owner
    )
    sari = services.user_create(email="sari@contoh.co.id", password="kopi-tubruk-2024")
    services.invitation_accept(raw=raw, user=sari)
    # when / then
    with pytest.raises(ValidationError) as error:
        services.invitation_accept(raw=raw, user=sari)
    assert error.value.code == "invitation_invalid"


@override_settings(EMAIL_BACKEND="relasi.core.mail.OutboxEmailBackend")
def test_existing_user_joins_after_signing_in(
    owner: User,
    workspace: Workspace,
    other_workspace: Workspace,
    make_member: Callable[..., User],
    client_as: Callable[[User], Client],
    url: Callable[..., str],
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given: the invited address already has an account (in another workspace)
    budi = make_member(other_workspace, Role.OWNER, email="budi@contoh.co.id")
    path = _invite(
        client_as(owner),
        url,
        workspace,
        "budi@contoh.co.id",
        Role.FINANCE,
        django_capture_on_commit_callbacks,
    )
    anonymous = Client().get(path)
    assert anonymous.status_code == 200
    assert b"/akun/masuk/?next=" in anonymous.content  # asked to sign in, not to sign up
    # when
    response = client_as(budi).post(path)
    # then
    assert response.status_code == 302
    assert Membership.objects.get(user=budi, workspace=workspace).role == Role.FINANCE


@override_settings(EMAIL_BACKEND="relasi.core.mail.OutboxEmailBackend")
def test_withdrawn_invitation_link_stops_working(
    owner: User,
    workspace: Workspace,
    client_as: Callable[[User], Client],
    url: Callable[..., str],
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given
    owner_client = client_as(owner)
    path = _invite(
        owner_client, url, workspace, "sari@contoh.co.id", Role.AGENT, django_capture_on_commit_callbacks
    )
    invitation = Invitation.objects.get()
    # when
    response = owner_client.post(url("invitation_revoke", workspace.slug, invitation.pk))
    # then
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert Client().get(path).status_code == 404
    entry = AuditLog.objects.get(action=AuditAction.UPDATE, object_type="accounts.invitation")
    assert entry.changes == {"status": ["pending", "revoked"]}
    assert entry.actor == owner


def test_members_page_lists_pending_invitations_only(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client], url: Callable[..., str]
) -> None:
    # given
    services.invitation_create(
        workspace=workspace, email="tunggu@contoh.co.id", role=Role.AGENT, invited_by=owner
    )
    withdrawn, _raw = services.invitation_create(
        workspace=workspace, email="batal@contoh.co.id", role=Role.AGENT, invited_by=owner
    )
    services.invitation_revoke(invitation=withdrawn, revoked_by=Membership.objects.get(user=owner))
    # when
    html = client_as(owner).get(url("members", workspace.slug)).content.decode()
    # then
    assert 'data-invitation="tunggu@contoh.co.id"' in html
    assert 'data-invitation="batal@contoh.co.id"' not in html


def test_a_new_invitation_to_the_same_address_withdraws_the_old_one(
    owner: User, workspace: Workspace
) -> None:
    # given
    first, first_raw = services.invitation_create(
        workspace=workspace, email="sari@contoh.co.id", role=Role.AGENT, invited_by=owner
    )
    # when
    second, _raw = services.invitation_create(
        workspace=workspace, email="SARI@contoh.co.id", role=Role.SALES, invited_by=owner
    )
    # then
    first.refresh_from_db()
    assert first.revoked_at is not None
    assert services.invitation_get_by_token(raw=first_raw) is None
    assert second.role == Role.SALES


def test_withdrawing_twice_is_a_conflict(
    owner_membership: Membership, owner: User, workspace: Workspace
) -> None:
    # given
    invitation, _raw = services.invitation_create(
        workspace=workspace, email="sari@contoh.co.id", role=Role.AGENT, invited_by=owner
    )
    services.invitation_revoke(invitation=invitation, revoked_by=owner_membership)
    # when / then
    with pytest.raises(Conflict) as error:
        services.invitation_revoke(invitation=invitation, revoked_by=owner_membership)
    assert error.value.code == "invitation_revoked"


def test_admin_cannot_invite_an_owner(
    admin: User, workspace: Workspace, client_as: Callable[[User], Client], url: Callable[..., str]
) -> None:
    # when: the owner role is not even offered; posting it anyway is refused
    client = client_as(admin)
    page = client.get(url("members", workspace.slug)).content.decode()
    response = client.post(url("members", workspace.slug), {"email": "bos@contoh.co.id", "role": Role.OWNER})
    # then
    assert '<option value="owner"' not in page.split('name="email"')[1]
    assert response.status_code == 400
    assert not Invitation.objects.exists()


def test_service_refuses_an_owner_invitation_from_an_admin(admin: User, workspace: Workspace) -> None:
    # when / then
    with pytest.raises(PermissionDenied):
        services.invitation_create(
            workspace=workspace, email="bos@contoh.co.id", role=Role.OWNER, invited_by=admin
        )
    assert not Invitation.objects.exists()


def test_service_refuses_an_invitation_from_a_role_without_members_manage(
    sales: User, workspace: Workspace
) -> None:
    # when / then
    with pytest.raises(PermissionDenied):
        services.invitation_create(
            workspace=workspace, email="x@contoh.co.id", role=Role.AGENT, invited_by=sales
        )
    assert not Invitation.objects.exists()


def test_inviting_a_member_is_a_conflict_shown_on_the_form(
    owner: User,
    admin: User,
    workspace: Workspace,
    client_as: Callable[[User], Client],
    url: Callable[..., str],
) -> None:
    # given
    client = client_as(in_english(owner))
    # when
    response = client.post(url("members", workspace.slug), {"email": admin.email, "role": Role.AGENT})
    # then
    assert response.status_code == 409
    assert b"This person can already sign in to the workspace." in response.content
    assert not Invitation.objects.exists()


def test_invalid_address_is_a_400_naming_the_field(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client], url: Callable[..., str]
) -> None:
    # when
    response = client_as(owner).post(
        url("members", workspace.slug), {"email": "bukan-alamat", "role": "agent"}
    )
    # then
    assert response.status_code == 400
    assert b'id="id_email_error"' in response.content
    assert not Invitation.objects.exists()
