"""Outbound sending (R22 window, retries, idempotency, pacing, documents) against the fake
Graph API served for real from a thread."""

from __future__ import annotations

import collections
import datetime as dt
import time

import pytest
from django.utils import timezone

from relasi.accounts.models import User, Workspace
from relasi.channels.whatsapp.adapter import window_closes_at
from relasi.channels.whatsapp.models import WhatsAppAccount, WhatsAppTemplate
from relasi.channels.whatsapp.sending import MAX_ATTEMPTS, message_deliver
from relasi.channels.whatsapp.tasks_outbound import deliver_message_task
from relasi.contacts.models import Contact, ContactIdentity
from relasi.conversations.enums import ChannelType, DeliveryStatus, MessageKind
from relasi.conversations.models import Conversation, Inbox, Message
from relasi.conversations.services_outbound import OutboundFile, message_send
from relasi.core.exceptions import Conflict, ValidationError
from tests.channels.conftest import PHONE_NUMBER_ID, TOKEN, WABA_ID, FakeGraphHandle
from tests.factories import ContactFactory

CUSTOMER = "6281234567890"


@pytest.fixture
def account(workspace: Workspace, fake_graph: FakeGraphHandle) -> WhatsAppAccount:
    inbox = Inbox.objects.create(workspace=workspace, name="WA Toko", channel_type=ChannelType.WHATSAPP)
    return WhatsAppAccount.objects.create(
        inbox=inbox,
        phone_number_id=PHONE_NUMBER_ID,
        business_account_id=WABA_ID,
        access_token=TOKEN,
        app_secret="fake-app-secret",
        verify_token="v",
        api_base_url=fake_graph.base_url,
        recipient_spacing_seconds=0,
    )


def _conversation(
    account: WhatsAppAccount, wa_id: str = CUSTOMER, last_inbound: dt.datetime | None = None
) -> Conversation:
    workspace = account.inbox.workspace
    contact: Contact = ContactFactory(workspace=workspace, full_name=f"Budi {wa_id[-3:]}")  # type: ignore[no-untyped-call,assignment]
    identity = ContactIdentity.objects.create(
        workspace=workspace, contact=contact, channel="whatsapp", address=wa_id
    )
    return Conversation.objects.create(
        workspace=workspace,
        inbox=account.inbox,
        contact=contact,
        identity=identity,
        last_inbound_at=last_inbound,
    )


@pytest.fixture
def template(account: WhatsAppAccount) -> WhatsAppTemplate:
    return WhatsAppTemplate.objects.create(
        account=account,
        name="pengingat_invoice",
        language="id",
        category="UTILITY",
        status="APPROVED",
        components=[
            {
                "type": "BODY",
                "text": "Halo {{1}}, invoice {{2}} sebesar {{3}} jatuh tempo pada {{4}}. Terima kasih.",
            }
        ],
    )


def _deliver_until_done(message_id: int, limit: int = 10) -> list[float | None]:
    """Run the delivery like the worker would, without waiting: the retries' countdowns."""
    countdowns: list[float | None] = []
    for _ in range(limit):
        outcome = message_deliver(message_id=message_id)
        countdowns.append(outcome.retry_in)
        if outcome.retry_in is None:
            break
    return countdowns


@pytest.mark.django_db(transaction=True)
def test_text_inside_the_window_becomes_sent_with_the_wamid(
    account: WhatsAppAccount, owner: User, fake_graph: FakeGraphHandle
) -> None:
    conversation = _conversation(account, last_inbound=timezone.now() - dt.timedelta(hours=23))
    fake_graph.fake.open_window(PHONE_NUMBER_ID, CUSTOMER)
    message = message_send(
        conversation=conversation, actor=owner, kind=MessageKind.TEXT, body="Masih ready kak"
    )
    assert message.status == DeliveryStatus.QUEUED
    conversation.refresh_from_db()
    assert conversation.last_message_at is not None
    assert conversation.first_response_at is not None
    deliver_message_task.apply(args=(message.pk,))
    message.refresh_from_db()
    sent = fake_graph.fake.state()["sent"]
    assert len(sent) == 1
    assert (message.status, message.external_id, message.attempts) == (
        DeliveryStatus.SENT,
        sent[0]["wamid"],
        1,
    )
    assert message.sent_at is not None
    assert sent[0]["payload"]["text"]["body"] == "Masih ready kak"
    assert sent[0]["to"] == CUSTOMER


def test_send_is_queued_on_commit(
    account: WhatsAppAccount,
    owner: User,
    django_capture_on_commit_callbacks: object,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from relasi.channels.whatsapp import tasks_outbound

    queued: list[int] = []
    monkeypatch.setattr(tasks_outbound.deliver_message_task, "delay", queued.append)
    conversation = _conversation(account, last_inbound=timezone.now())
    with django_capture_on_commit_callbacks() as callbacks:  # type: ignore[operator]
        message = message_send(conversation=conversation, actor=owner, kind=MessageKind.TEXT, body="Halo")
        assert queued == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    assert queued == [message.pk]


@pytest.mark.django_db
def test_outside_the_window_free_text_is_refused_and_nothing_stored(
    account: WhatsAppAccount, owner: User
) -> None:
    last = timezone.now() - dt.timedelta(hours=24, minutes=1)
    conversation = _conversation(account, last_inbound=last)
    assert window_closes_at(conversation) == last + dt.timedelta(hours=24)
    with pytest.raises(Conflict) as info:
        message_send(conversation=conversation, actor=owner, kind=MessageKind.TEXT, body="Halo")
    assert "24-hour window closed" in str(info.value.message)
    assert "template" in str(info.value.message)
    assert Message.objects.count() == 0
    conversation.refresh_from_db()
    assert conversation.last_message_at is None


@pytest.mark.django_db
def test_never_written_customer_gets_templates_only(account: WhatsAppAccount, owner: User) -> None:
    conversation = _conversation(account, last_inbound=None)
    with pytest.raises(Conflict):
        message_send(
            conversation=conversation,
            actor=owner,
            kind=MessageKind.INTERACTIVE,
            body="Pilih",
            payload={"buttons": [{"id": "a", "title": "Ya"}]},
        )
    assert Message.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_template_outside_the_window_is_sent_with_variables(
    account: WhatsAppAccount, owner: User, template: WhatsAppTemplate, fake_graph: FakeGraphHandle
) -> None:
    conversation = _conversation(account, last_inbound=timezone.now() - dt.timedelta(days=3))
    variables = ["Budi", "INV-2026-0042", "Rp19.800.000", "31 Januari 2026"]
    message = message_send(
        conversation=conversation,
        actor=owner,
        kind=MessageKind.TEMPLATE,
        template=template,
        payload={"variables": variables},
    )
    assert (
        message.body
        == "Halo Budi, invoice INV-2026-0042 sebesar Rp19.800.000 jatuh tempo pada 31 Januari 2026. "
        "Terima kasih."
    )
    assert _deliver_until_done(message.pk) == [None]
    message.refresh_from_db()
    assert message.status == DeliveryStatus.SENT
    sent = fake_graph.fake.state()["sent"][0]["payload"]["template"]
    assert sent["name"] == "pengingat_invoice"
    assert sent["language"] == {"code": "id"}
    assert [p["text"] for p in sent["components"][0]["parameters"]] == variables
    # A template does not fail asynchronously outside the window.
    hooks = fake_graph.fake.wait_webhooks(2)
    assert all(
        h["body"]["entry"][0]["changes"][0]["value"]["statuses"][0]["status"] != "failed" for h in hooks
    )


@pytest.mark.django_db
def test_template_with_missing_variables_is_refused(
    account: WhatsAppAccount, owner: User, template: WhatsAppTemplate
) -> None:
    conversation = _conversation(account, last_inbound=None)
    with pytest.raises(ValidationError) as info:
        message_send(
            conversation=conversation,
            actor=owner,
            kind=MessageKind.TEMPLATE,
            template=template,
            payload={"variables": ["Budi"]},
        )
    assert "variables.body" in info.value.fields
    assert Message.objects.count() == 0


@pytest.mark.django_db
def test_pending_template_is_refused(
    account: WhatsAppAccount, owner: User, template: WhatsAppTemplate
) -> None:
    template.status = "PENDING"
    template.save()
    conversation = _conversation(account, last_inbound=None)
    with pytest.raises(ValidationError) as info:
        message_send(
            conversation=conversation,
            actor=owner,
            kind=MessageKind.TEMPLATE,
            template=template,
            payload={"variables": ["a", "b", "c", "d"]},
        )
    assert "template" in info.value.fields
    assert Message.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_server_error_twice_then_success_sends_once_in_three_attempts(
    account: WhatsAppAccount, owner: User, fake_graph: FakeGraphHandle
) -> None:
    conversation = _conversation(account, last_inbound=timezone.now())
    fake_graph.fake.open_window(PHONE_NUMBER_ID, CUSTOMER)
    fake_graph.fake.fail_next(500, 1, times=2)
    message = message_send(conversation=conversation, actor=owner, kind=MessageKind.TEXT, body="Halo")
    countdowns = _deliver_until_done(message.pk)
    assert len(countdowns) == 3
    assert countdowns[-1] is None
    assert countdowns[0] is not None
    assert countdowns[1] is not None
    assert countdowns[1] > countdowns[0] > 0
    message.refresh_from_db()
    assert (message.status, message.attempts) == (DeliveryStatus.SENT, 3)
    assert len(fake_graph.fake.state()["sent"]) == 1


@pytest.mark.django_db(transaction=True)
def test_retryable_error_every_time_fails_after_max_attempts(
    account: WhatsAppAccount, owner: User, fake_graph: FakeGraphHandle
) -> None:
    conversation = _conversation(account, last_inbound=timezone.now())
    fake_graph.fake.fail_next(503, 1, times=MAX_ATTEMPTS)
    message = message_send(conversation=conversation, actor=owner, kind=MessageKind.TEXT, body="Halo")
    _deliver_until_done(message.pk)
    message.refresh_from_db()
    assert (message.status, message.attempts, message.error_code) == (
        DeliveryStatus.FAILED,
        MAX_ATTEMPTS,
        "1",
    )


@pytest.mark.django_db(transaction=True)
def test_final_error_fails_at_once_with_meta_code(
    account: WhatsAppAccount, owner: User, fake_graph: FakeGraphHandle
) -> None:
    account.access_token = "revoked"
    account.save()
    conversation = _conversation(account, last_inbound=timezone.now())
    message = message_send(conversation=conversation, actor=owner, kind=MessageKind.TEXT, body="Halo")
    assert _deliver_until_done(message.pk) == [None]
    message.refresh_from_db()
    assert (message.status, message.error_code, message.attempts) == (DeliveryStatus.FAILED, "190", 1)
    assert message.error_detail


@pytest.mark.django_db(transaction=True)
def test_task_run_twice_sends_once(
    account: WhatsAppAccount, owner: User, fake_graph: FakeGraphHandle
) -> None:
    conversation = _conversation(account, last_inbound=timezone.now())
    message = message_send(conversation=conversation, actor=owner, kind=MessageKind.TEXT, body="Halo")
    deliver_message_task.apply(args=(message.pk,))
    deliver_message_task.apply(args=(message.pk,))
    assert len(fake_graph.fake.state()["sent"]) == 1
    message.refresh_from_db()
    assert message.attempts == 1


@pytest.mark.django_db(transaction=True)
def test_pacing_spreads_six_sends_at_two_per_second(
    account: WhatsAppAccount, owner: User, fake_graph: FakeGraphHandle
) -> None:
    account.messages_per_second = 2
    account.save()
    fake_graph.fake.config.messages_per_second = 2
    ids = [
        message_send(
            conversation=_conversation(account, wa_id=f"62812000000{i}", last_inbound=timezone.now()),
            actor=owner,
            kind=MessageKind.TEXT,
            body=f"Pesan {i}",
        ).pk
        for i in range(6)
    ]
    due: list[tuple[float, int]] = []
    countdowns: list[float] = []
    for message_id in ids:
        outcome = message_deliver(message_id=message_id)
        countdowns.append(outcome.retry_in or 0.0)
        if outcome.retry_in:
            # The countdown runs from inside the call: wake up after it (a few ms late).
            due.append((time.time() + outcome.retry_in, message_id))
    assert countdowns[0] == 0.0
    assert len(due) >= 4
    for at, message_id in sorted(due):
        time.sleep(max(at - time.time(), 0) + 0.01)
        outcome = message_deliver(message_id=message_id)
        # On a busy machine a wake-up after its half-second slot has passed reserves a new
        # one rather than exceed the rate, which the fake would have answered with 130429
        # (``rejected`` stays empty below).
        for _ in range(3):
            if outcome.retry_in is None:
                break
            time.sleep(outcome.retry_in + 0.01)
            outcome = message_deliver(message_id=message_id)
        assert outcome.retry_in is None
    state = fake_graph.fake.state()
    assert len(state["sent"]) == 6
    assert state["rejected"] == []
    # Two a second, as Meta counts them (calendar seconds): six messages take three seconds.
    per_second = collections.Counter(int(sent["at"]) for sent in state["sent"])
    assert max(per_second.values()) <= 2
    assert len(per_second) >= 3
    assert Message.objects.filter(status=DeliveryStatus.SENT).count() == 6


@pytest.mark.django_db(transaction=True)
def test_recipient_spacing_defers_the_second_message(
    account: WhatsAppAccount, owner: User, fake_graph: FakeGraphHandle
) -> None:
    account.recipient_spacing_seconds = 6
    account.save()
    conversation = _conversation(account, last_inbound=timezone.now())
    first = message_send(conversation=conversation, actor=owner, kind=MessageKind.TEXT, body="Satu")
    second = message_send(conversation=conversation, actor=owner, kind=MessageKind.TEXT, body="Dua")
    assert message_deliver(message_id=first.pk).retry_in is None
    wait = message_deliver(message_id=second.pk).retry_in
    assert wait is not None
    assert 5.0 < wait <= 6.0
    assert len(fake_graph.fake.state()["sent"]) == 1


@pytest.mark.django_db(transaction=True)
def test_invoice_pdf_is_uploaded_then_sent_as_document(
    account: WhatsAppAccount, owner: User, fake_graph: FakeGraphHandle, settings: object, tmp_path: object
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)  # type: ignore[attr-defined]
    conversation = _conversation(account, last_inbound=timezone.now())
    pdf = b"%PDF-1.4\n% invoice INV-2026-0042\n"
    message = message_send(
        conversation=conversation,
        actor=owner,
        kind=MessageKind.DOCUMENT,
        body="Invoice INV-2026-0042",
        attachment=OutboundFile(content=pdf, name="INV-2026-0042.pdf", mime_type="application/pdf"),
    )
    assert _deliver_until_done(message.pk) == [None]
    state = fake_graph.fake.state()
    [media_id] = state["media"]
    assert state["media"][media_id] == {"mime_type": "application/pdf", "file_name": "INV-2026-0042.pdf"}
    assert fake_graph.fake.media[media_id]["data"] == pdf
    document = state["sent"][0]["payload"]["document"]
    assert document == {"id": media_id, "caption": "Invoice INV-2026-0042", "filename": "INV-2026-0042.pdf"}
    message.refresh_from_db()
    assert message.status == DeliveryStatus.SENT
    assert message.attachments.get().external_media_id == media_id


@pytest.mark.django_db(transaction=True)
def test_interactive_buttons_are_sent(
    account: WhatsAppAccount, owner: User, fake_graph: FakeGraphHandle
) -> None:
    conversation = _conversation(account, last_inbound=timezone.now())
    buttons = [{"id": "ya", "title": "Ya, kirim"}, {"id": "tidak", "title": "Tidak"}]
    message = message_send(
        conversation=conversation,
        actor=owner,
        kind=MessageKind.INTERACTIVE,
        body="Kirim sekarang?",
        payload={"buttons": buttons},
    )
    _deliver_until_done(message.pk)
    interactive = fake_graph.fake.state()["sent"][0]["payload"]["interactive"]
    assert [b["reply"] for b in interactive["action"]["buttons"]] == buttons


@pytest.mark.django_db
def test_four_buttons_are_refused(account: WhatsAppAccount, owner: User) -> None:
    conversation = _conversation(account, last_inbound=timezone.now())
    with pytest.raises(ValidationError) as info:
        message_send(
            conversation=conversation,
            actor=owner,
            kind=MessageKind.INTERACTIVE,
            body="?",
            payload={"buttons": [{"title": str(i)} for i in range(4)]},
        )
    assert "buttons" in info.value.fields
    assert Message.objects.count() == 0


@pytest.mark.django_db
def test_same_idempotency_key_stores_once(account: WhatsAppAccount, owner: User) -> None:
    conversation = _conversation(account, last_inbound=timezone.now())
    first = message_send(
        conversation=conversation, actor=owner, kind=MessageKind.TEXT, body="Halo", idempotency_key="k1"
    )
    again = message_send(
        conversation=conversation, actor=owner, kind=MessageKind.TEXT, body="Halo", idempotency_key="k1"
    )
    assert first.pk == again.pk
    assert Message.objects.count() == 1
