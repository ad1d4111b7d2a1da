"""The demo's customer simulator: the fake Graph API's customer side (interactive replies,
the chat transcript) and the Relasi page that plays a customer through it."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest
from django.test import Client
from django.urls import reverse

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.channels.whatsapp.inbound import whatsapp_event_process
from relasi.channels.whatsapp.models import WebhookEvent, WhatsAppAccount
from relasi.channels.whatsapp.sending import message_deliver
from relasi.conversations.enums import ChannelType, MessageKind
from relasi.conversations.models import Conversation, Inbox, Message
from relasi.conversations.services_outbound import message_send
from tests.channels.conftest import APP_SECRET, PHONE_NUMBER_ID, TOKEN, WABA_ID, FakeGraphHandle

CUSTOMER = "6281234567890"


def _payload(hook: dict[str, object]) -> dict[str, object]:
    body = hook["body"]
    return body["entry"][0]["changes"][0]["value"]  # type: ignore[index, no-any-return]


def test_fake_chat_shows_both_sides_and_replies_carry_the_tapped_option(fake_graph: FakeGraphHandle) -> None:
    fake = fake_graph.fake
    fake.inbound(wa_id=CUSTOMER, text="Halo, stok ada?", name="Budi")
    headers = {"Authorization": f"Bearer {TOKEN}"}
    sent = httpx.post(
        f"{fake_graph.base_url}/{PHONE_NUMBER_ID}/messages",
        headers=headers,
        json={
            "messaging_product": "whatsapp",
            "to": CUSTOMER,
            "type": "interactive",
            "interactive": {
                "type": "list",
                "body": {"text": "Seberapa puas Anda?"},
                "action": {
                    "button": "Pilih nilai",
                    "sections": [
                        {
                            "title": "Nilai",
                            "rows": [{"id": "r5", "title": "5 Sangat puas"}, {"id": "r1", "title": "1"}],
                        }
                    ],
                },
            },
        },
    )
    assert sent.status_code == 200, sent.text
    wamid = sent.json()["messages"][0]["id"]

    chat = httpx.get(f"{fake_graph.url}/_fake/chat", params={"wa_id": CUSTOMER}).json()["messages"]
    assert [(m["direction"], m["text"]) for m in chat] == [
        ("in", "Halo, stok ada?"),
        ("out", "Seberapa puas Anda?"),
    ]
    assert chat[1]["options"] == [
        {"type": "list_reply", "id": "r5", "title": "5 Sangat puas"},
        {"type": "list_reply", "id": "r1", "title": "1"},
    ]

    answer = httpx.post(
        f"{fake_graph.url}/_fake/inbound",
        json={
            "from": CUSTOMER,
            "reply": {"type": "list_reply", "id": "r5", "title": "5 Sangat puas"},
            "context_id": wamid,
        },
    )
    assert answer.status_code == 200
    hooks = fake.wait_webhooks(5)  # inbound, sent, delivered, read, the list reply
    inbound = [_payload(h) for h in hooks if h["kind"] == "inbound"]
    message = inbound[-1]["messages"][0]  # type: ignore[index]
    assert message["type"] == "interactive"
    assert message["interactive"] == {
        "type": "list_reply",
        "list_reply": {"id": "r5", "title": "5 Sangat puas"},
    }
    assert message["context"]["id"] == wamid


def test_fake_rejects_a_reply_without_id_and_a_chat_without_number(fake_graph: FakeGraphHandle) -> None:
    bad = httpx.post(
        f"{fake_graph.url}/_fake/inbound", json={"from": CUSTOMER, "reply": {"type": "button_reply"}}
    )
    assert bad.status_code == 400
    assert "id" in bad.json()["error"]["message"]
    assert httpx.get(f"{fake_graph.url}/_fake/chat").status_code == 400


def test_fake_chat_fills_template_parameters(fake_graph: FakeGraphHandle) -> None:
    response = httpx.post(
        f"{fake_graph.base_url}/{PHONE_NUMBER_ID}/messages",
        headers={"Authorization": f"Bearer {TOKEN}"},
        json={
            "messaging_product": "whatsapp",
            "to": CUSTOMER,
            "type": "template",
            "template": {
                "name": "sapaan_kembali",
                "language": {"code": "id"},
                "components": [{"type": "body", "parameters": [{"type": "text", "text": "Budi"}]}],
            },
        },
    )
    assert response.status_code == 200, response.text
    chat = fake_graph.fake.chat(wa_id=CUSTOMER)
    assert chat[-1]["text"] == "Halo Budi, ada yang bisa kami bantu lagi?"


@pytest.fixture
def fake_inbox(workspace: Workspace, fake_graph: FakeGraphHandle) -> Inbox:
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
    return inbox


def _process_events(expected: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while WebhookEvent.objects.count() < expected and time.monotonic() < deadline:
        time.sleep(0.02)
    for event in WebhookEvent.objects.filter(processed_at__isnull=True).order_by("pk"):
        whatsapp_event_process(event=event)


@pytest.mark.django_db(transaction=True)
def test_simulator_page_plays_the_customer_and_shows_the_agents_reply(
    live_server: object,
    workspace: Workspace,
    owner: User,
    fake_inbox: Inbox,
    fake_graph: FakeGraphHandle,
    client_as: Callable[[User], Client],
    settings: object,
) -> None:
    settings.RELASI_SIMULATOR = True  # type: ignore[attr-defined]
    path = reverse("conversations:whatsapp_webhook", kwargs={"inbox_id": fake_inbox.pk})
    fake_graph.fake.config.webhook_url = f"{live_server.url}{path}"  # type: ignore[attr-defined]
    client = client_as(owner)
    params = {"inbox": fake_inbox.pk, "number": "0812-3456-7890", "name": "Budi"}

    page = client.get(
        reverse("whatsapp_simulator:simulator", args=[workspace.slug]), {**params, "start": "1"}
    )
    assert page.status_code == 200
    assert b"+6281234567890" in page.content

    written = client.post(
        reverse("whatsapp_simulator:simulator_write", args=[workspace.slug]), {**params, "text": "Halo kak"}
    )
    assert written.status_code == 200
    assert b"Halo kak" in written.content
    _process_events(1)
    conversation = Conversation.objects.get(inbox=fake_inbox)
    assert conversation.contact.full_name == "Budi"
    assert Message.objects.get(conversation=conversation).body == "Halo kak"

    reply = message_send(
        conversation=conversation,
        actor=owner,
        kind=MessageKind.INTERACTIVE,
        body="Mau dikirim hari ini?",
        payload={"buttons": [{"id": "ya", "title": "Ya"}, {"id": "tidak", "title": "Tidak"}]},
    )
    message_deliver(message_id=reply.pk)
    chat = client.get(reverse("whatsapp_simulator:simulator_chat", args=[workspace.slug]), params)
    assert b"Mau dikirim hari ini?" in chat.content
    assert b'name="reply_id" value="ya"' in chat.content

    wamid = fake_graph.fake.state()["sent"][0]["wamid"]
    tapped = client.post(
        reverse("whatsapp_simulator:simulator_write", args=[workspace.slug]),
        {**params, "reply_type": "button_reply", "reply_id": "ya", "reply_title": "Ya", "context_id": wamid},
    )
    assert tapped.status_code == 200
    deadline = time.monotonic() + 5
    while not Message.objects.filter(
        conversation=conversation, kind=MessageKind.INTERACTIVE, direction="inbound"
    ).exists():
        _process_events(0)
        assert time.monotonic() < deadline, "the button reply never arrived"
        time.sleep(0.05)
    answer = Message.objects.get(conversation=conversation, kind=MessageKind.INTERACTIVE, direction="inbound")
    assert answer.body == "Ya"
    assert answer.reply_to_id == reply.pk


@pytest.mark.django_db
def test_simulator_is_off_unless_switched_on_and_needs_membership(
    workspace: Workspace, owner: User, outsider: User, client_as: Callable[[User], Client], settings: object
) -> None:
    url = reverse("whatsapp_simulator:simulator", args=[workspace.slug])
    settings.RELASI_SIMULATOR = False  # type: ignore[attr-defined]
    assert client_as(owner).get(url).status_code == 404
    settings.RELASI_SIMULATOR = True  # type: ignore[attr-defined]
    assert client_as(owner).get(url).status_code == 200
    assert client_as(outsider).get(url).status_code in (403, 404)


@pytest.mark.django_db
def test_simulator_names_the_bad_field_and_refuses_an_inbox_of_meta(
    workspace: Workspace,
    owner: User,
    client_as: Callable[[User], Client],
    settings: object,
    make_member: Callable[..., User],
) -> None:
    settings.RELASI_SIMULATOR = True  # type: ignore[attr-defined]
    inbox = Inbox.objects.create(workspace=workspace, name="WA Meta", channel_type=ChannelType.WHATSAPP)
    WhatsAppAccount.objects.create(
        inbox=inbox,
        phone_number_id="123",
        business_account_id="456",
        access_token=TOKEN,
        app_secret=APP_SECRET,
        verify_token="v",
        api_base_url="http://127.0.0.1:9/v21.0",  # nothing listens on the discard port
    )
    agent = make_member(workspace, Role.AGENT)
    url = reverse("whatsapp_simulator:simulator_chat", args=[workspace.slug])
    bad_number = client_as(agent).get(url, {"inbox": inbox.pk, "number": "12"})
    assert bad_number.status_code == 400
    unreachable = client_as(owner).get(url, {"inbox": inbox.pk, "number": "081234567890"})
    assert unreachable.status_code == 409
    assert b"relasi fake-whatsapp" in unreachable.content
