"""The worker side of inbound WhatsApp: a stored webhook POST becomes contacts, conversations,
messages, attachments and delivery receipts (DESIGN §5 "Inbound WhatsApp")."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import respx
from django.db import OperationalError

from relasi.accounts.models import Workspace
from relasi.channels.whatsapp import inbound
from relasi.channels.whatsapp.inbound import webhook_event_store
from relasi.channels.whatsapp.models import WebhookEvent, WhatsAppAccount, WhatsAppTemplate
from relasi.channels.whatsapp.tasks import whatsapp_attachment_fetch_task, whatsapp_process_event_task
from relasi.contacts.enums import Channel, Source, TimelineKind
from relasi.contacts.models import Contact, ContactIdentity, TimelineEvent
from relasi.conversations import services_inbound
from relasi.conversations.enums import (
    ChannelType,
    ConversationStatus,
    DeliveryStatus,
    MessageDirection,
    MessageKind,
)
from relasi.conversations.models import Attachment, Conversation, Inbox, Message
from tests.channels.test_whatsapp_payloads import load

API = "https://graph.test/v21.0"
TOKEN = "EAAG-test-token"
BUDI = "6281234567890"


def make_account(
    workspace: Workspace, *, phone_number_id: str = "100000000000001", name: str = "WA Toko"
) -> WhatsAppAccount:
    inbox = Inbox.objects.create(workspace=workspace, name=name, channel_type=ChannelType.WHATSAPP)
    return WhatsAppAccount.objects.create(
        inbox=inbox,
        phone_number_id=phone_number_id,
        business_account_id="200000000000001",
        display_phone_number="6281100000000",
        access_token=TOKEN,
        app_secret="rahasia-app",
        verify_token="token-verifikasi",
        api_base_url=API,
    )


@pytest.fixture
def account(workspace: Workspace) -> WhatsAppAccount:
    return make_account(workspace)


@pytest.fixture(autouse=True, name="meta_api")
def _meta_api() -> Any:
    """Meta is faked with respx; anything not routed fails loudly."""
    with respx.mock(assert_all_called=False) as router:
        yield router


def receive(account: WhatsAppAccount, data: dict[str, Any] | bytes) -> WebhookEvent:
    body = data if isinstance(data, bytes) else json.dumps(data).encode()
    event, _created = webhook_event_store(account=account, body=body)
    whatsapp_process_event_task(event.pk)
    event.refresh_from_db()
    return event


def outbound(account: WhatsAppAccount, wamid: str, status: str = DeliveryStatus.SENT) -> Message:
    identity, contact = services_inbound.identity_resolve(
        workspace=account.inbox.workspace, channel=Channel.WHATSAPP, address=BUDI
    )
    conversation, _ = services_inbound.conversation_for_identity(
        inbox=account.inbox, identity=identity, contact=contact
    )
    return Message.objects.create(
        workspace=account.inbox.workspace,
        inbox=account.inbox,
        conversation=conversation,
        direction=MessageDirection.OUTBOUND,
        body="Siap kak",
        external_id=wamid,
        status=status,
    )


def test_text_creates_contact_identity_conversation_and_message(account: WhatsAppAccount) -> None:
    event = receive(account, load("text"))

    assert event.processed_at is not None
    assert event.error == ""
    assert event.attempts == 1
    contact = Contact.objects.get(workspace=account.inbox.workspace)
    assert contact.full_name == "Budi Santoso"
    assert contact.phone == "+6281234567890"
    assert contact.source == Source.WHATSAPP
    identity = ContactIdentity.objects.get(channel=Channel.WHATSAPP, address=BUDI)
    assert identity.contact == contact
    assert identity.display_name == "Budi Santoso"
    assert TimelineEvent.objects.filter(contact=contact, kind=TimelineKind.IDENTITY_ADDED).count() == 1
    conversation = Conversation.objects.get(inbox=account.inbox)
    assert conversation.status == ConversationStatus.OPEN
    assert (conversation.contact, conversation.identity) == (contact, identity)
    message = Message.objects.get(conversation=conversation)
    assert message.direction == MessageDirection.INBOUND
    assert message.status == DeliveryStatus.RECEIVED
    assert message.kind == MessageKind.TEXT
    assert message.body == "Halo kak, kemeja ukuran L masih ready?"
    assert message.external_id == "wamid.TEST1"
    assert message.payload["text"]["body"] == message.body
    sent = datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC)
    assert message.sent_at == sent
    assert conversation.last_message_at == sent
    assert conversation.last_inbound_at == sent
    assert conversation.unread_count == 1


def test_existing_contact_with_the_number_is_linked_not_duplicated(
    account: WhatsAppAccount, workspace: Workspace
) -> None:
    known = Contact.objects.create(workspace=workspace, full_name="Pak Budi", phone="+6281234567890")
    receive(account, load("text"))
    assert Contact.objects.filter(workspace=workspace).count() == 1
    assert ContactIdentity.objects.get(address=BUDI).contact == known
    assert Conversation.objects.get().contact == known


@pytest.mark.parametrize(
    ("name", "kind", "body"),
    [
        ("location", MessageKind.LOCATION, "Toko Hero, Jl. Sudirman No. 1, Jakarta"),
        ("contacts", MessageKind.CONTACTS, "Siti Aminah"),
        ("interactive_button", MessageKind.INTERACTIVE, "Sangat puas"),
        ("interactive_list", MessageKind.INTERACTIVE, "Ukuran L"),
        ("interactive_nfm", MessageKind.INTERACTIVE, "flow"),
        ("button", MessageKind.BUTTON, "Berhenti promo"),
        ("unsupported", MessageKind.UNSUPPORTED, ""),
        ("unknown_type", MessageKind.UNSUPPORTED, ""),
        ("order", MessageKind.UNSUPPORTED, ""),
        ("system", MessageKind.UNSUPPORTED, ""),
    ],
)
def test_each_message_type(account: WhatsAppAccount, name: str, kind: str, body: str) -> None:
    data = load(name)
    event = receive(account, data)
    assert event.error == ""
    message = Message.objects.get()
    assert (message.kind, message.body) == (kind, body)
    # The provider's message is kept as sent, unknown fields included.
    assert message.payload["id"] == data["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
    assert message.payload["type"] == data["entry"][0]["changes"][0]["value"]["messages"][0]["type"]
    if name == "unknown_type":
        assert message.payload["new_field_2027"] == {"a": 1}


def test_referral_is_kept_for_lead_attribution(account: WhatsAppAccount) -> None:
    receive(account, load("referral"))
    payload = Message.objects.get().payload
    assert payload["_referral"]["ctwa_clid"] == "ARAkLkA8rmlFeiCktEJQ"
    assert payload["referral"]["source_url"] == "https://fb.me/ad-1"


@pytest.mark.parametrize(
    ("name", "kind", "mime", "body"),
    [
        ("image", MessageKind.IMAGE, "image/jpeg", "Yang ini kak"),
        ("audio", MessageKind.AUDIO, "audio/ogg; codecs=opus", ""),
        ("video", MessageKind.VIDEO, "video/mp4", "Videonya"),
        ("document", MessageKind.DOCUMENT, "application/pdf", "Bukti transfer"),
        ("sticker", MessageKind.STICKER, "image/webp", ""),
    ],
)
def test_media_is_stored_and_downloaded(
    account: WhatsAppAccount, meta_api: respx.MockRouter, name: str, kind: str, mime: str, body: str
) -> None:
    media_id = load(name)["entry"][0]["changes"][0]["value"]["messages"][0][name]["id"]
    meta = meta_api.get(f"{API}/{media_id}").mock(
        return_value=httpx.Response(
            200,
            json={
                "url": f"https://lookaside.test/{media_id}",
                "mime_type": mime,
                "sha256": "x",
                "file_size": 7,
            },
        )
    )
    download = meta_api.get(f"https://lookaside.test/{media_id}").mock(
        return_value=httpx.Response(200, content=b"\x89bytes!", headers={"Content-Type": mime})
    )
    receive(account, load(name))

    message = Message.objects.get()
    assert (message.kind, message.body) == (kind, body)
    attachment = Attachment.objects.get(message=message)
    assert attachment.external_media_id == media_id
    assert attachment.content_type == mime
    assert attachment.size == 7
    assert attachment.file.read() == b"\x89bytes!"
    if name == "document":
        assert attachment.file_name == "bukti-transfer.pdf"
    for route in (meta, download):
        assert route.call_count == 1
        assert route.calls[0].request.headers["Authorization"] == f"Bearer {TOKEN}"


def test_failed_download_keeps_the_message_and_retries_later(
    account: WhatsAppAccount, meta_api: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    queued: list[Any] = []
    monkeypatch.setattr(whatsapp_attachment_fetch_task, "apply_async", lambda *a, **k: queued.append((a, k)))
    route = meta_api.get(f"{API}/900000000000002").mock(return_value=httpx.Response(500, json={}))
    event = receive(account, load("image"))

    assert event.processed_at is not None
    attachment = Attachment.objects.get()
    assert not attachment.file
    assert attachment.external_media_id == "900000000000002"
    assert Message.objects.get().body == "Yang ini kak"
    assert queued == [((), {"args": (attachment.pk,), "countdown": 60})]

    # Later Meta answers: the retry task fills the file; a second run does nothing.
    route.mock(
        return_value=httpx.Response(200, json={"url": "https://lookaside.test/m2", "mime_type": "image/jpeg"})
    )
    meta_api.get("https://lookaside.test/m2").mock(return_value=httpx.Response(200, content=b"jpeg"))
    assert whatsapp_attachment_fetch_task(attachment.pk) is True
    assert whatsapp_attachment_fetch_task(attachment.pk) is False
    attachment.refresh_from_db()
    assert attachment.file.read() == b"jpeg"
    assert attachment.size == 4


def test_reaction_and_context_reply_link_the_earlier_message(account: WhatsAppAccount) -> None:
    receive(account, load("text"))
    receive(account, load("reaction"))
    receive(account, load("context_reply"))
    original = Message.objects.get(external_id="wamid.TEST1")
    reaction = Message.objects.get(external_id="wamid.TEST13")
    assert (reaction.kind, reaction.body, reaction.reply_to) == (MessageKind.REACTION, "\U0001f44d", original)
    assert Message.objects.get(external_id="wamid.TEST14").reply_to == original
    assert Conversation.objects.get().unread_count == 3


def test_batch_of_entries_messages_and_statuses(account: WhatsAppAccount) -> None:
    out20 = outbound(account, "wamid.OUT20")
    siti_out = outbound(account, "wamid.OUT21", status=DeliveryStatus.QUEUED)
    event = receive(account, load("batch"))

    assert event.error == ""
    inbound_messages = Message.objects.filter(direction=MessageDirection.INBOUND)
    assert sorted(inbound_messages.values_list("external_id", flat=True)) == [
        f"wamid.BATCH{i}" for i in range(1, 6)
    ]
    budi = Conversation.objects.get(identity__address=BUDI)
    siti = Conversation.objects.get(identity__address="6281299990000")
    assert budi.unread_count == 3
    assert siti.unread_count == 2
    assert siti.contact.full_name == "Siti Aminah"
    assert list(siti.messages.values_list("body", flat=True)) == ["Halo dari Siti", "Ada warna merah?"]
    out20.refresh_from_db()
    siti_out.refresh_from_db()
    assert out20.status == DeliveryStatus.READ
    assert out20.delivered_at is not None
    assert siti_out.status == DeliveryStatus.SENT


def test_same_wamid_in_another_post_is_stored_once(account: WhatsAppAccount) -> None:
    receive(account, load("text"))
    again = load("text")
    again["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"] = "changed bytes"
    second = receive(account, again)
    assert WebhookEvent.objects.count() == 2
    assert second.error == ""
    assert Message.objects.get().body == "Halo kak, kemeja ukuran L masih ready?"
    assert Conversation.objects.get().unread_count == 1


def test_worker_run_twice_doubles_nothing(account: WhatsAppAccount) -> None:
    event = receive(account, load("batch"))
    WebhookEvent.objects.filter(pk=event.pk).update(processed_at=None)
    whatsapp_process_event_task(event.pk)
    inbound.whatsapp_event_process(event=WebhookEvent.objects.get(pk=event.pk))
    assert Message.objects.count() == 5
    assert Contact.objects.count() == 2
    assert Conversation.objects.count() == 2
    assert sum(Conversation.objects.values_list("unread_count", flat=True)) == 5
    assert TimelineEvent.objects.filter(kind=TimelineKind.IDENTITY_ADDED).count() == 2
    # A processed event is skipped by the task.
    assert whatsapp_process_event_task(event.pk) is False


def test_out_of_order_statuses_end_read(account: WhatsAppAccount) -> None:
    message = outbound(account, "wamid.OUT9")
    receive(account, load("statuses_read_delivered_sent"))
    message.refresh_from_db()
    assert message.status == DeliveryStatus.READ
    assert message.read_at == datetime.fromtimestamp(1767225900, tz=UTC)
    assert message.delivered_at == datetime.fromtimestamp(1767225800, tz=UTC)


def test_failed_131047_keeps_code_and_title(account: WhatsAppAccount) -> None:
    message = outbound(account, "wamid.OUT10")
    receive(account, load("status_failed_131047"))
    message.refresh_from_db()
    assert message.status == DeliveryStatus.FAILED
    assert (message.error_code, message.error_title) == ("131047", "Re-engagement message")
    assert "24 hours" in message.error_detail


def test_status_rules_forward_only(account: WhatsAppAccount) -> None:
    message = outbound(account, "wamid.OUT11")
    at = datetime(2026, 1, 1, tzinfo=UTC)

    def apply(status: str) -> str:
        services_inbound.message_status_apply(
            inbox=account.inbox, external_id="wamid.OUT11", status=status, at=at
        )
        message.refresh_from_db()
        return message.status

    assert apply(DeliveryStatus.FAILED) == DeliveryStatus.FAILED
    assert apply(DeliveryStatus.SENT) == DeliveryStatus.FAILED  # a late "sent" never undoes failed
    assert apply(DeliveryStatus.DELIVERED) == DeliveryStatus.DELIVERED  # delivered wins over failed
    assert apply(DeliveryStatus.FAILED) == DeliveryStatus.DELIVERED
    assert apply(DeliveryStatus.READ) == DeliveryStatus.READ
    assert apply(DeliveryStatus.DELIVERED) == DeliveryStatus.READ


def test_status_for_unknown_wamid_is_ignored(account: WhatsAppAccount) -> None:
    event = receive(account, load("status_unknown_wamid"))
    assert event.processed_at is not None
    assert event.error == ""
    assert Message.objects.count() == 0


def test_malformed_items_skipped_rest_stored(account: WhatsAppAccount) -> None:
    event = receive(account, load("malformed"))
    assert list(Message.objects.values_list("external_id", flat=True)) == ["wamid.TEST20"]
    assert event.processed_at is not None
    assert event.error.count("skipped") == 3


def test_body_that_is_not_json_is_marked_not_retried(account: WhatsAppAccount) -> None:
    event = receive(account, b"{not json")
    assert event.processed_at is not None
    assert event.error == "body is not JSON"


def test_pending_or_snoozed_conversation_reopens(account: WhatsAppAccount) -> None:
    receive(account, load("text"))
    conversation = Conversation.objects.get()
    for status in (ConversationStatus.PENDING, ConversationStatus.SNOOZED):
        Conversation.objects.filter(pk=conversation.pk).update(status=status)
        data = load("text")
        data["entry"][0]["changes"][0]["value"]["messages"][0]["id"] = f"wamid.{status}"
        receive(account, data)
        conversation.refresh_from_db()
        assert conversation.status == ConversationStatus.OPEN
    assert Conversation.objects.count() == 1


def test_message_after_resolved_starts_a_new_conversation(account: WhatsAppAccount) -> None:
    receive(account, load("text"))
    old = Conversation.objects.get()
    Conversation.objects.filter(pk=old.pk).update(status=ConversationStatus.RESOLVED, unread_count=0)
    receive(account, load("context_reply"))
    new = Conversation.objects.exclude(pk=old.pk).get()
    old.refresh_from_db()
    assert old.status == ConversationStatus.RESOLVED
    assert old.messages.count() == 1
    assert new.status == ConversationStatus.OPEN
    assert new.contact == old.contact
    assert list(new.messages.values_list("external_id", flat=True)) == ["wamid.TEST14"]
    # The quoted message lives in the old thread; the link still holds.
    assert new.messages.get().reply_to == old.messages.get()


def test_workspace_isolation(workspace: Workspace, other_workspace: Workspace) -> None:
    ours = make_account(workspace)
    theirs = make_account(other_workspace, phone_number_id="100000000000002")
    receive(ours, load("text"))
    # Their number's payload arriving at our URL is not written anywhere.
    foreign = load("context_reply")
    foreign["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "100000000000002"
    receive(ours, foreign)
    assert Message.objects.filter(inbox=theirs.inbox).count() == 0
    assert Contact.objects.filter(workspace=other_workspace).count() == 0
    assert list(Message.objects.values_list("external_id", flat=True)) == ["wamid.TEST1"]
    # The same customer writing to both businesses is two contacts, one per workspace.
    foreign["x"] = 1  # other bytes, same message, now at their own URL
    receive(theirs, foreign)
    assert Contact.objects.filter(workspace=other_workspace, phone="+6281234567890").count() == 1
    assert Contact.objects.filter(workspace=workspace).count() == 1
    assert Message.objects.get(inbox=theirs.inbox).workspace == other_workspace


def test_template_status_update(account: WhatsAppAccount) -> None:
    template = WhatsAppTemplate.objects.create(
        account=account,
        name="invoice_reminder",
        language="id",
        category="UTILITY",
        status="PENDING",
        external_id="400000000000001",
    )
    receive(account, load("template_status_update"))
    event = receive(account, load("quality_update"))
    template.refresh_from_db()
    assert template.status == "APPROVED"
    assert event.processed_at is not None
    assert Message.objects.count() == 0


def test_failure_is_recorded_and_reraised(account: WhatsAppAccount, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(**kwargs: Any) -> Any:
        raise OperationalError("database went away")

    monkeypatch.setattr(inbound, "message_receive", broken)
    event, _ = webhook_event_store(account=account, body=json.dumps(load("text")).encode())
    with pytest.raises(OperationalError):
        inbound.whatsapp_event_process(event=event)
    event.refresh_from_db()
    assert event.processed_at is None
    assert event.attempts == 1
    assert "database went away" in event.error
    monkeypatch.undo()
    whatsapp_process_event_task(event.pk)
    event.refresh_from_db()
    assert event.processed_at is not None
    assert event.attempts == 2
    assert Message.objects.count() == 1


def test_sweep_requeues_only_stale_unprocessed_events(
    account: WhatsAppAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from relasi.channels.whatsapp.tasks import whatsapp_events_sweep_task

    queued: list[int] = []
    monkeypatch.setattr(whatsapp_process_event_task, "delay", queued.append)
    stale, _ = webhook_event_store(account=account, body=b'{"a": 1}')
    fresh, _ = webhook_event_store(account=account, body=b'{"a": 2}')
    done = receive(account, load("text"))
    gave_up, _ = webhook_event_store(account=account, body=b'{"a": 3}')
    old = timezone.now() - timedelta(hours=1)
    WebhookEvent.objects.filter(pk__in=[stale.pk, done.pk, gave_up.pk]).update(received_at=old)
    WebhookEvent.objects.filter(pk=gave_up.pk).update(attempts=6)
    assert fresh.processed_at is None

    assert whatsapp_events_sweep_task() == 1
    assert queued == [stale.pk]


@pytest.mark.django_db(transaction=True)
def test_concurrent_redeliveries_store_one_contact_conversation_and_message(workspace: Workspace) -> None:
    """Two workers process two POSTs carrying the same new customer's message at once."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL")
    account = make_account(workspace)
    events = []
    for extra in (1, 2):
        data = load("batch")
        data["extra"] = extra
        events.append(webhook_event_store(account=account, body=json.dumps(data).encode())[0])
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def work(event: WebhookEvent) -> None:
        try:
            barrier.wait()
            inbound.whatsapp_event_process(event=event)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(e,)) for e in events]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Message.objects.count() == 5
    assert Contact.objects.count() == 2
    assert ContactIdentity.objects.count() == 2
    assert Conversation.objects.count() == 2
    assert sum(Conversation.objects.values_list("unread_count", flat=True)) == 5


def test_new_conversations_go_round_robin_to_the_inbox_agents(
    account: WhatsAppAccount, make_member: Any
) -> None:
    workspace = account.inbox.workspace
    first = make_member(workspace, "agent", email="agen1@hero.test")
    second = make_member(workspace, "agent", email="agen2@hero.test")
    account.inbox.members.add(first, second)
    receive(account, load("text"))
    other = json.loads(json.dumps(load("text")))
    change = other["entry"][0]["changes"][0]["value"]
    change["contacts"][0]["wa_id"] = change["messages"][0]["from"] = "6281299990000"
    change["contacts"][0]["profile"]["name"] = "Sari Dewi"
    change["messages"][0]["id"] = "wamid.ROUNDROBIN2"
    receive(account, other)
    assignees = list(
        Conversation.objects.filter(inbox=account.inbox).order_by("id").values_list("assignee_id", flat=True)
    )
    assert assignees == [first.pk, second.pk]
