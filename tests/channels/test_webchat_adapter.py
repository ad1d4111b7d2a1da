"""The web-chat adapter through ``message_send``: what may be sent to a visitor, local
delivery (``sent`` with its own id ``wc:out:<id>``) and the real-time event the visitor's
socket pushes."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from relasi.accounts.models import User, Workspace
from relasi.channels.base import adapter_for
from relasi.channels.webchat import selectors, services
from relasi.contacts.models import ContactIdentity
from relasi.conversations.enums import DeliveryStatus, MessageKind
from relasi.conversations.models import Conversation, Message
from relasi.conversations.realtime import conversation_group
from relasi.conversations.services_outbound import OutboundFile, message_send
from relasi.core.exceptions import ValidationError
from tests.channels.test_webchat_common import make_visitor, make_widget

pytestmark = pytest.mark.django_db


def _conversation(workspace: Workspace) -> tuple[Conversation, Any]:
    visitor = make_visitor(make_widget(workspace))
    message, _c = services.visitor_message_receive(visitor=visitor, client_id=str(uuid.uuid4()), body="Halo")
    return Conversation.objects.get(pk=message.conversation_id), visitor


def _events(channel: str) -> list[dict[str, Any]]:
    layer = get_channel_layer()

    async def drain() -> list[dict[str, Any]]:
        found = []
        while True:
            try:
                found.append(await asyncio.wait_for(layer.receive(channel), timeout=0.2))
            except TimeoutError:
                return found

    return async_to_sync(drain)()


def test_the_adapter_is_registered_for_webchat() -> None:
    adapter = adapter_for("webchat")
    assert adapter is not None
    assert adapter.kinds == {"text", "image", "document"}


def test_a_reply_is_delivered_locally_and_announced(
    workspace: Workspace, owner: User, django_capture_on_commit_callbacks: Any
) -> None:
    conversation, visitor = _conversation(workspace)
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(conversation_group(conversation.pk), channel)
    with django_capture_on_commit_callbacks(execute=True):
        reply = message_send(conversation=conversation, actor=owner, kind=MessageKind.TEXT, body="Siap, kak")
        assert Message.objects.get(pk=reply.pk).status == DeliveryStatus.QUEUED  # until commit
    reply.refresh_from_db()
    assert reply.status == DeliveryStatus.SENT
    assert reply.sent_at is not None
    assert reply.external_id == f"wc:out:{reply.pk}"
    events = _events(channel)
    assert {"event": "message.created", "message_id": reply.pk} in [
        {"event": e["event"], "message_id": e["message_id"]} for e in events
    ]
    # Delivering again changes nothing and announces nothing.
    adapter = adapter_for("webchat")
    assert adapter is not None
    with django_capture_on_commit_callbacks(execute=True):
        adapter.delivery_schedule(message_id=reply.pk)
    assert [e for e in _events(channel) if e.get("message_id") == reply.pk] == []
    assert [m.pk for m in selectors.visitor_messages(visitor=visitor)][-1] == reply.pk


def test_a_document_reaches_the_visitor_as_a_link(
    workspace: Workspace, owner: User, django_capture_on_commit_callbacks: Any
) -> None:
    conversation, visitor = _conversation(workspace)
    pdf = b"%PDF-1.4 faktur INV/2026/0001"
    with django_capture_on_commit_callbacks(execute=True):
        sent = message_send(
            conversation=conversation,
            actor=owner,
            kind=MessageKind.DOCUMENT,
            body="Fakturnya, kak",
            attachment=OutboundFile(content=pdf, name="faktur.pdf", mime_type="application/pdf"),
        )
    sent.refresh_from_db()
    assert sent.status == DeliveryStatus.SENT
    row = selectors.message_for_visitor(selectors.visitor_messages(visitor=visitor)[-1], visitor=visitor)
    assert row["kind"] == "document"
    assert [(f["name"], f["type"], f["size"]) for f in row["files"]] == [
        ("faktur.pdf", "application/pdf", len(pdf))
    ]
    assert row["files"][0]["url"].startswith(f"/widget/{visitor.widget.public_token}/files/")


@pytest.mark.parametrize("kind", [MessageKind.TEMPLATE, MessageKind.INTERACTIVE, MessageKind.AUDIO])
def test_kinds_the_widget_cannot_show_are_refused(workspace: Workspace, owner: User, kind: str) -> None:
    conversation, _visitor = _conversation(workspace)
    with pytest.raises(ValidationError):
        message_send(conversation=conversation, actor=owner, kind=kind, body="Halo")
    assert not Message.objects.filter(conversation=conversation, kind=kind).exists()


def test_a_conversation_without_a_visitor_is_refused(workspace: Workspace, owner: User) -> None:
    conversation, _visitor = _conversation(workspace)
    other = ContactIdentity.objects.create(
        workspace=workspace, contact=conversation.contact, channel="whatsapp", address="6281299990000"
    )
    Conversation.objects.filter(pk=conversation.pk).update(identity=other)
    conversation.refresh_from_db()
    with pytest.raises(ValidationError, match="no web-chat visitor"):
        message_send(conversation=conversation, actor=owner, kind=MessageKind.TEXT, body="Halo")
