"""The whole local loop: the fake Graph API posts signed webhooks to Relasi's real webhook
view (``live_server``); a customer writes, an agent replies, the receipts come back."""

from __future__ import annotations

import time

import httpx
import pytest
from django.urls import reverse

from relasi.accounts.models import User, Workspace
from relasi.channels.whatsapp.inbound import whatsapp_event_process
from relasi.channels.whatsapp.models import WebhookEvent, WhatsAppAccount
from relasi.channels.whatsapp.sending import message_deliver
from relasi.conversations.enums import ChannelType, DeliveryStatus, MessageDirection, MessageKind
from relasi.conversations.models import Conversation, Inbox, Message
from relasi.conversations.services_outbound import message_send
from tests.channels.conftest import APP_SECRET, PHONE_NUMBER_ID, TOKEN, WABA_ID, FakeGraphHandle


def _process_events(expected: int, timeout: float = 5.0) -> None:
    """Run the worker's job on every stored event (the broker is not running in tests)."""
    deadline = time.monotonic() + timeout
    while WebhookEvent.objects.count() < expected and time.monotonic() < deadline:
        time.sleep(0.02)
    for event in WebhookEvent.objects.filter(processed_at__isnull=True).order_by("pk"):
        whatsapp_event_process(event=event)


@pytest.mark.django_db(transaction=True)
def test_customer_writes_agent_replies_receipts_come_back(
    live_server: object, workspace: Workspace, owner: User, fake_graph: FakeGraphHandle
) -> None:
    inbox = Inbox.objects.create(workspace=workspace, name="WA Toko", channel_type=ChannelType.WHATSAPP)
    WhatsAppAccount.objects.create(
        inbox=inbox,
        phone_number_id=PHONE_NUMBER_ID,
        business_account_id=WABA_ID,
        access_token=TOKEN,
        app_secret=APP_SECRET,
        verify_token="v",
        api_base_url=fake_graph.base_url,
        recipient_spacing_seconds=0,
    )
    path = reverse("conversations:whatsapp_webhook", kwargs={"inbox_id": inbox.pk})
    fake_graph.fake.config.webhook_url = f"{live_server.url}{path}"  # type: ignore[attr-defined]

    httpx.post(
        f"{fake_graph.url}/_fake/inbound", json={"from": "6281234567890", "text": "Halo kak", "name": "Budi"}
    )
    _process_events(1)
    assert [h["response_status"] for h in fake_graph.fake.wait_webhooks(1)] == [200]
    conversation = Conversation.objects.get(inbox=inbox)
    assert conversation.last_inbound_at is not None
    assert Message.objects.get(direction=MessageDirection.INBOUND).body == "Halo kak"

    reply = message_send(conversation=conversation, actor=owner, kind=MessageKind.TEXT, body="Ready kak")
    assert message_deliver(message_id=reply.pk).retry_in is None
    hooks = fake_graph.fake.wait_webhooks(4)
    assert [h["response_status"] for h in hooks] == [200, 200, 200, 200]
    _process_events(4)
    reply.refresh_from_db()
    assert reply.status == DeliveryStatus.READ
    assert reply.external_id == fake_graph.fake.state()["sent"][0]["wamid"]
