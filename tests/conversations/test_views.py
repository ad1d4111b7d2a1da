"""The inbox page: list, open conversation, composer (window), actions, permissions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.channels.whatsapp.models import WhatsAppTemplate
from relasi.conversations.enums import ConversationStatus, DeliveryStatus, MessageDirection, MessageKind
from relasi.conversations.models import Conversation, Message
from tests.conversations import make_conversation, make_inbox, make_message

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}


def _url(conv: Conversation, action: str = "") -> str:
    return f"/w/hero/percakapan/{conv.pk}/" + (f"{action}/" if action else "")


def test_agent_sees_the_inbox_and_the_conversation(
    client_as: Callable[[User], Client], workspace: Workspace, make_member: Callable[..., User]
) -> None:
    agent = make_member(workspace, Role.AGENT)
    conv = make_conversation(make_inbox(workspace), unread_count=2)
    make_message(conv, "Kak, kaos merah ukuran L ada?")
    failed = make_message(
        conv,
        "Promo",
        direction=MessageDirection.OUTBOUND,
        status=DeliveryStatus.FAILED,
        error_code="131047",
        error_title="Re-engagement message",
    )
    make_message(
        conv, "cek gudang", kind=MessageKind.NOTE, is_private=True, direction=MessageDirection.OUTBOUND
    )
    c = client_as(agent)
    listing = c.get("/w/hero/percakapan/", headers=EN)
    assert listing.status_code == 200
    assert conv.contact.full_name in listing.content.decode()
    page = c.get(_url(conv), headers=EN)
    html = page.content.decode()
    assert page.status_code == 200
    assert "kaos merah" in html
    assert "msg-note" in html
    assert f'id="msg-{failed.pk}"' in html
    assert "Jendela 24 jam sudah tertutup" in html
    conv.refresh_from_db()
    assert conv.unread_count == 0


def test_composer_says_window_closed_after_25_hours(
    client_as: Callable[[User], Client], owner: User, workspace: Workspace
) -> None:
    inbox = make_inbox(workspace)
    old = timezone.now() - dt.timedelta(hours=25)
    conv = make_conversation(inbox, at=old)
    make_message(conv)
    WhatsAppTemplate.objects.create(
        account=inbox.whatsapp_account, name="follow_up", language="id", category="UTILITY", status="APPROVED"
    )
    WhatsAppTemplate.objects.create(
        account=inbox.whatsapp_account, name="ditolak", language="id", category="MARKETING", status="REJECTED"
    )
    html = client_as(owner).get(_url(conv), headers=EN).content.decode()
    assert 'data-testid="window-closed"' in html
    assert "follow_up" in html
    assert "ditolak" not in html
    assert 'name="template_id"' in html
    fresh = make_conversation(inbox)
    html = client_as(owner).get(_url(fresh), headers=EN).content.decode()
    assert 'data-testid="window-closed"' not in html
    assert 'data-testid="window-open"' in html


def test_viewer_can_read_but_not_reply(
    client_as: Callable[[User], Client], workspace: Workspace, make_member: Callable[..., User]
) -> None:
    viewer = make_member(workspace, Role.VIEWER)
    conv = make_conversation(make_inbox(workspace))
    c = client_as(viewer)
    assert c.get(_url(conv), headers=EN).status_code == 200
    before = Message.objects.count()
    assert c.post(_url(conv, "kirim"), {"body": "halo", "mode": "note"}).status_code == 403
    assert c.post(_url(conv, "selesai")).status_code == 403
    assert c.post(_url(conv, "tugaskan"), {"assignee": "me"}).status_code == 403
    assert Message.objects.count() == before
    conv.refresh_from_db()
    assert conv.status == ConversationStatus.OPEN
    assert conv.assignee is None


def test_actions_from_the_page(
    client_as: Callable[[User], Client], owner: User, workspace: Workspace
) -> None:
    conv = make_conversation(make_inbox(workspace))
    c = client_as(owner)
    assert c.post(_url(conv, "tugaskan"), {"assignee": "me"}).status_code == 302
    assert c.post(_url(conv, "kirim"), {"body": "@Pemilik cek", "mode": "note"}).status_code == 302
    note = Message.objects.get(conversation=conv, kind=MessageKind.NOTE)
    assert note.payload["mentions"] == [owner.pk]
    until = (timezone.localtime() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    c.post(_url(conv, "tunda"), {"until": until})
    conv.refresh_from_db()
    assert conv.assignee == owner
    assert conv.status == ConversationStatus.SNOOZED
    c.post(_url(conv, "selesai"))
    conv.refresh_from_db()
    assert conv.status == ConversationStatus.RESOLVED
    c.post(_url(conv, "buka"))
    conv.refresh_from_db()
    assert conv.status == ConversationStatus.OPEN


def test_reply_goes_through_message_send(
    client_as: Callable[[User], Client], owner: User, workspace: Workspace
) -> None:
    conv = make_conversation(make_inbox(workspace))
    response = client_as(owner).post(_url(conv, "kirim"), {"body": "Ada kak, stok 3", "mode": "reply"})
    assert response.status_code == 302
    sent = Message.objects.get(conversation=conv, direction=MessageDirection.OUTBOUND, kind=MessageKind.TEXT)
    assert sent.body == "Ada kak, stok 3"
    assert sent.sender == owner
    assert sent.status == DeliveryStatus.QUEUED


def test_free_text_after_the_window_is_refused_and_nothing_written(
    client_as: Callable[[User], Client], owner: User, workspace: Workspace
) -> None:
    conv = make_conversation(make_inbox(workspace), at=timezone.now() - dt.timedelta(hours=25))
    client_as(owner).post(_url(conv, "kirim"), {"body": "halo", "mode": "reply"})
    assert not Message.objects.filter(conversation=conv).exists()


def test_poll_returns_only_new_messages(
    client_as: Callable[[User], Client], owner: User, workspace: Workspace
) -> None:
    conv = make_conversation(make_inbox(workspace))
    first = make_message(conv, "satu")
    c = client_as(owner)
    assert c.get(_url(conv, "pesan"), {"after": first.pk}).status_code == 204
    second = make_message(conv, "dua")
    html = c.get(_url(conv, "pesan"), {"after": first.pk}).content.decode()
    assert f"msg-{second.pk}" in html
    assert f"msg-{first.pk}" not in html


def test_other_workspace_conversation_is_404(
    client_as: Callable[[User], Client], owner: User, other_workspace: Workspace
) -> None:
    conv = make_conversation(make_inbox(other_workspace))
    c = client_as(owner)
    assert c.get(_url(conv)).status_code == 404
    assert c.post(_url(conv, "selesai")).status_code == 404
    conv.refresh_from_db()
    assert conv.status == ConversationStatus.OPEN
