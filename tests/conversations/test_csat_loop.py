"""The satisfaction survey through the local WhatsApp loop: the fake Graph API receives what
Relasi sends, and Meta-shaped, signed webhooks come back to Relasi's real webhook view."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

import httpx
import pytest
from django.urls import reverse
from django.utils import timezone

from relasi.accounts.models import User, Workspace
from relasi.channels.whatsapp.fake import sign
from relasi.channels.whatsapp.inbound import batch_process, whatsapp_event_process
from relasi.channels.whatsapp.models import WebhookEvent, WhatsAppAccount
from relasi.channels.whatsapp.payloads import webhook_parse
from relasi.channels.whatsapp.sending import message_deliver
from relasi.channels.whatsapp.templates_sync import templates_sync
from relasi.contacts.models import Contact, ContactIdentity
from relasi.conversations import csat, services
from relasi.conversations.enums import ChannelType, ConversationStatus, DeliveryStatus, MessageKind
from relasi.conversations.models import Conversation, CsatSource, Inbox, Message
from relasi.conversations.services_outbound import message_send
from relasi.conversations.tasks_csat import csat_request_task
from tests.channels.conftest import (  # noqa: F401 - fake_graph is a fixture
    APP_SECRET,
    PHONE_NUMBER_ID,
    TOKEN,
    WABA_ID,
    FakeGraphHandle,
    fake_graph,
)
from tests.conversations import make_message

pytestmark = pytest.mark.usefixtures("customer_texts_in_english")

CUSTOMER = "6281234567890"
DISPLAY_NUMBER = "6281100000000"


def _inbox(workspace: Workspace, graph: FakeGraphHandle) -> Inbox:
    inbox = Inbox.objects.create(workspace=workspace, name="WA Toko", channel_type=ChannelType.WHATSAPP)
    WhatsAppAccount.objects.create(
        inbox=inbox,
        phone_number_id=PHONE_NUMBER_ID,
        business_account_id=WABA_ID,
        access_token=TOKEN,
        app_secret=APP_SECRET,
        verify_token="v",
        api_base_url=graph.base_url,
        recipient_spacing_seconds=0,
    )
    return inbox


def _process_events(expected: int, timeout: float = 5.0) -> None:
    """Run the worker's job on every stored event (no broker in tests)."""
    deadline = time.monotonic() + timeout
    while WebhookEvent.objects.count() < expected and time.monotonic() < deadline:
        time.sleep(0.02)
    for event in WebhookEvent.objects.filter(processed_at__isnull=True).order_by("pk"):
        whatsapp_event_process(event=event)


def _envelope(message: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": WABA_ID,
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": DISPLAY_NUMBER,
                                "phone_number_id": PHONE_NUMBER_ID,
                            },
                            "contacts": [{"profile": {"name": "Budi"}, "wa_id": CUSTOMER}],
                            "messages": [message],
                        },
                    }
                ],
            }
        ],
    }


def _customer_message(wamid: str, context_id: str, **content: Any) -> dict[str, Any]:
    return {
        "from": CUSTOMER,
        "id": wamid,
        "timestamp": str(int(time.time())),
        "context": {"from": DISPLAY_NUMBER, "id": context_id},
        **content,
    }


@pytest.mark.django_db(transaction=True)
def test_resolve_inside_the_window_sends_a_list_and_the_customers_tap_is_the_rating(
    live_server: Any,
    workspace: Workspace,
    owner: User,
    fake_graph: FakeGraphHandle,  # noqa: F811 - the fixture
    csat_queued: list[int],
) -> None:
    inbox = _inbox(workspace, fake_graph)
    webhook = live_server.url + reverse("conversations:whatsapp_webhook", kwargs={"inbox_id": inbox.pk})
    fake_graph.fake.config.webhook_url = webhook

    # The customer writes, an agent answers and resolves.
    httpx.post(
        f"{fake_graph.url}/_fake/inbound", json={"from": CUSTOMER, "text": "Stok ada kak?", "name": "Budi"}
    )
    _process_events(1)
    conversation = Conversation.objects.get(inbox=inbox)
    reply = message_send(conversation=conversation, actor=owner, kind=MessageKind.TEXT, body="Ada kak")
    assert message_deliver(message_id=reply.pk).status == DeliveryStatus.SENT
    services.conversation_resolve(conversation=conversation, actor=owner)
    assert csat_queued == [conversation.pk]

    # The worker asks; the list goes out to the Graph API.
    assert csat_request_task.apply(args=(conversation.pk,)).get() == "sent"
    survey = Message.objects.get(conversation=conversation, kind=MessageKind.INTERACTIVE)
    assert message_deliver(message_id=survey.pk).status == DeliveryStatus.SENT
    sent = fake_graph.fake.state()["sent"][-1]
    assert sent["type"] == "interactive"
    interactive = sent["payload"]["interactive"]
    assert interactive["type"] == "list"
    assert interactive["action"]["button"] == "Rate us"
    rows = interactive["action"]["sections"][0]["rows"]
    assert len(rows) == 5
    assert all(len(r["title"]) <= 24 and len(r["id"]) <= 200 for r in rows)
    five = rows[0]
    assert five["title"] == "5 – Very satisfied"

    # Every receipt so far arrives (1 inbound + 3 per sent message), then the customer taps 5.
    fake_graph.fake.wait_webhooks(7)
    tap = _customer_message(
        "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFjNFQjBDMEE4",
        survey.external_id,
        type="interactive",
        interactive={"type": "list_reply", "list_reply": {"id": five["id"], "title": five["title"]}},
    )
    body = json.dumps(_envelope(tap)).encode()
    answer = httpx.post(
        webhook,
        content=body,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": sign(body, APP_SECRET)},
    )
    assert answer.status_code == 200
    _process_events(8)

    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.RESOLVED
    assert (conversation.csat_score, conversation.csat_source) == (5, CsatSource.WHATSAPP)
    assert conversation.csat_agent_id is None  # nobody was assigned when it was resolved
    assert Conversation.objects.filter(inbox=inbox).count() == 1
    thanks = Message.objects.get(idempotency_key=f"csat-thanks:{conversation.pk}")
    assert message_deliver(message_id=thanks.pk).status == DeliveryStatus.SENT
    last = fake_graph.fake.state()["sent"][-1]
    assert last["type"] == "text"
    assert last["payload"]["text"]["body"].startswith("Thank you for your rating")


@pytest.mark.django_db
def test_outside_the_window_the_template_goes_out_and_its_button_is_the_rating(
    workspace: Workspace,
    owner: User,
    fake_graph: FakeGraphHandle,  # noqa: F811 - the fixture
    csat_queued: list[int],
) -> None:
    fake_graph.fake.config.templates.append(
        {
            "id": "900000000000077",
            "name": "csat_request",
            "language": "en",
            "category": "UTILITY",
            "status": "APPROVED",
            "components": [
                {"type": "BODY", "text": "Hi {{1}}, how did we do? You can also answer here: {{2}}"},
                {
                    "type": "BUTTONS",
                    "buttons": [
                        {"type": "QUICK_REPLY", "text": "5 Very good"},
                        {"type": "QUICK_REPLY", "text": "3 OK"},
                        {"type": "QUICK_REPLY", "text": "1 Bad"},
                    ],
                },
            ],
        }
    )
    inbox = _inbox(workspace, fake_graph)
    templates_sync(account=inbox.whatsapp_account)
    contact = Contact.objects.create(workspace=workspace, full_name="Budi Santoso", phone="+6281234567890")
    identity = ContactIdentity.objects.create(
        workspace=workspace, contact=contact, channel="whatsapp", address=CUSTOMER
    )
    two_days_ago = timezone.now() - dt.timedelta(days=2)
    conversation = Conversation.objects.create(
        workspace=workspace,
        inbox=inbox,
        contact=contact,
        identity=identity,
        last_inbound_at=two_days_ago,
        last_message_at=two_days_ago,
    )
    make_message(conversation, "Barang sudah sampai, terima kasih", sent_at=two_days_ago)
    services.conversation_resolve(conversation=conversation, actor=owner)

    outcome = csat.csat_request_send(conversation_id=conversation.pk)
    assert outcome.status == "sent"
    assert outcome.message_id is not None
    assert message_deliver(message_id=outcome.message_id).status == DeliveryStatus.SENT
    sent = fake_graph.fake.state()["sent"][-1]
    assert sent["type"] == "template"
    components = sent["payload"]["template"]["components"]
    body = next(c for c in components if c["type"] == "body")
    assert body["parameters"][0]["text"] == "Budi"
    assert "/d/survei/" in body["parameters"][1]["text"]
    buttons = sorted((c for c in components if c["type"] == "button"), key=lambda c: c["index"])
    assert [(b["sub_type"], b["index"]) for b in buttons] == [
        ("quick_reply", "0"),
        ("quick_reply", "1"),
        ("quick_reply", "2"),
    ]
    ok_payload = buttons[1]["parameters"][0]["payload"]

    # The customer taps "3 OK": Meta posts a ``button`` message carrying our payload.
    fake_graph.fake.open_window(PHONE_NUMBER_ID, CUSTOMER)
    template_message = Message.objects.get(pk=outcome.message_id)
    tap = _customer_message(
        "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFkJVVFRPTjAx",
        template_message.external_id,
        type="button",
        button={"payload": ok_payload, "text": "3 OK"},
    )
    batch_process(account=inbox.whatsapp_account, batch=webhook_parse(_envelope(tap)))

    conversation.refresh_from_db()
    assert conversation.csat_score == 3
    stored = Message.objects.get(external_id=tap["id"])
    assert (stored.conversation_id, stored.kind) == (conversation.pk, MessageKind.BUTTON)
    thanks = Message.objects.get(idempotency_key=f"csat-thanks:{conversation.pk}")
    assert message_deliver(message_id=thanks.pk).status == DeliveryStatus.SENT
