"""Outbound e-mail through a real SMTP server (aiosmtpd): threading headers, attachments,
AUTH, retries on 4xx and network failures, final failure on 5xx, send-once, no 24-hour window,
and sending from the composer and the API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from relasi.accounts.models import User, Workspace
from relasi.channels.email.models import EmailAccount, InboundSource
from relasi.channels.email.sending import MAX_ATTEMPTS, message_deliver
from relasi.channels.email.tasks import deliver_message_task
from relasi.contacts.models import ContactIdentity
from relasi.conversations.enums import DeliveryStatus, MessageKind
from relasi.conversations.models import Conversation, Message
from relasi.conversations.services_outbound import OutboundFile, message_send
from relasi.core.exceptions import ValidationError
from tests.channels.email_servers import (
    CUSTOMER,
    SHOP,
    SMTP_PASSWORD,
    SMTP_USER,
    SmtpServer,
    free_port,
    mail,
    make_account,
)
from tests.channels.test_email_inbound import receive

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning"),
]


@pytest.fixture
def account(workspace: Workspace, smtp_server: SmtpServer) -> EmailAccount:
    return make_account(workspace, smtp=smtp_server)


def _thread(account: EmailAccount) -> Conversation:
    message = receive(account, mail(references="<awal@pelanggan.test>"))
    assert message is not None
    return message.conversation


def _send(
    conversation: Conversation, actor: User | None, body: str = "Masih ada kak, warna merah.", **kw: Any
) -> Message:
    return message_send(
        conversation=conversation, actor=actor, kind=kw.pop("kind", MessageKind.TEXT), body=body, **kw
    )


def _deliver_until_done(message_id: int, limit: int = 10) -> list[float | None]:
    """Run the delivery as the worker would, without waiting: the retries' countdowns."""
    waits: list[float | None] = []
    for _ in range(limit):
        outcome = message_deliver(message_id=message_id)
        waits.append(outcome.retry_in)
        if outcome.retry_in is None:
            break
    return waits


def test_reply_carries_the_threading_headers(
    account: EmailAccount, owner: User, smtp_server: SmtpServer
) -> None:
    conversation = _thread(account)
    message = _send(conversation, owner)
    assert message.status == DeliveryStatus.QUEUED
    assert _deliver_until_done(message.pk) == [None]
    message.refresh_from_db()
    assert message.status == DeliveryStatus.SENT
    assert message.sent_at is not None
    assert message.attempts == 1

    (received,) = smtp_server.received
    assert received.mail_from == SHOP
    assert received.rcpt_tos == [CUSTOMER]
    sent = received.message
    assert sent["From"] == f"Toko Hero <{SHOP}>"
    assert sent["To"] == f"Budi Santoso <{CUSTOMER}>"
    assert sent["Subject"] == "Re: Pesanan kado ulang tahun"
    assert sent["Message-ID"] == f"<{message.external_id}>"
    assert message.external_id.endswith("@tokohero.test")
    assert sent["In-Reply-To"] == "<pesan-1@pelanggan.test>"
    assert sent["References"].split() == ["<awal@pelanggan.test>", "<pesan-1@pelanggan.test>"]
    assert sent["Auto-Submitted"] is None
    assert sent.get_body(preferencelist=("plain",)).get_content().strip() == "Masih ada kak, warna merah."
    html = sent.get_body(preferencelist=("html",)).get_content()
    assert "<p>Masih ada kak, warna merah.</p>" in html
    assert message.payload["subject"] == "Re: Pesanan kado ulang tahun"

    # The next reply references our first one too; the customer's answer to it threads, and
    # the reply after that answers the customer's newest mail.
    second = _send(conversation, owner, body="Sudah kami kirim.")
    _deliver_until_done(second.pk)
    headers = smtp_server.received[1].message
    assert headers["In-Reply-To"] == "<pesan-1@pelanggan.test>"
    assert headers["References"].split() == [
        "<awal@pelanggan.test>",
        "<pesan-1@pelanggan.test>",
        f"<{message.external_id}>",
    ]
    answer = receive(
        account,
        mail(
            subject="Re: Pesanan kado ulang tahun",
            message_id="<pesan-2@pelanggan.test>",
            in_reply_to=f"<{second.external_id}>",
            references=f"<awal@pelanggan.test> <pesan-1@pelanggan.test> <{second.external_id}>",
            body="Terima kasih!\n\nOn Mon, Toko Hero wrote:\n> Sudah kami kirim.",
        ),
    )
    assert answer is not None
    assert answer.conversation_id == conversation.pk
    assert answer.body == "Terima kasih!"
    third = _send(conversation, owner, body="Sama-sama.")
    _deliver_until_done(third.pk)
    last = smtp_server.received[2].message
    assert last["In-Reply-To"] == "<pesan-2@pelanggan.test>"
    assert last["Subject"] == "Re: Pesanan kado ulang tahun"  # no "Re: Re:"
    assert last["References"].split()[-1] == "<pesan-2@pelanggan.test>"


def test_document_goes_as_an_attachment(account: EmailAccount, owner: User, smtp_server: SmtpServer) -> None:
    conversation = _thread(account)
    pdf = b"%PDF-1.7\n" + b"invoice INV/2026/00012 " * 200
    message = _send(
        conversation,
        owner,
        body="Invoice terlampir.",
        kind=MessageKind.DOCUMENT,
        attachment=OutboundFile(content=pdf, name="INV-2026-00012.pdf", mime_type="application/pdf"),
    )
    _deliver_until_done(message.pk)
    sent = smtp_server.received[0].message
    (attached,) = list(sent.iter_attachments())
    assert attached.get_filename() == "INV-2026-00012.pdf"
    assert attached.get_content_type() == "application/pdf"
    assert attached.get_content() == pdf
    assert sent.get_body(preferencelist=("plain",)).get_content().strip() == "Invoice terlampir."


def test_smtp_auth(workspace: Workspace, owner: User, smtp_server_auth: SmtpServer) -> None:
    account = make_account(
        workspace, smtp=smtp_server_auth, smtp_username=SMTP_USER, smtp_password=SMTP_PASSWORD
    )
    message = _send(_thread(account), owner)
    _deliver_until_done(message.pk)
    message.refresh_from_db()
    assert message.status == DeliveryStatus.SENT
    assert smtp_server_auth.received[0].login == SMTP_USER

    account.smtp_password = "salah"
    account.save()
    refused = _send(message.conversation, owner, body="lagi")
    assert _deliver_until_done(refused.pk) == [None]
    refused.refresh_from_db()
    assert refused.status == DeliveryStatus.FAILED
    assert refused.error_code == "535"
    assert len(smtp_server_auth.received) == 1


def test_temporary_failure_retries_with_the_same_message_id(
    account: EmailAccount, owner: User, smtp_server: SmtpServer
) -> None:
    smtp_server.handler.data_replies.append("451 4.3.0 Server sibuk, coba lagi nanti")
    message = _send(_thread(account), owner)
    first = message_deliver(message_id=message.pk)
    assert first.status == DeliveryStatus.QUEUED
    assert first.retry_in is not None
    assert first.retry_in >= 30
    message.refresh_from_db()
    message_id = message.external_id
    assert message_id
    assert message.attempts == 1
    assert message.status == DeliveryStatus.QUEUED
    assert smtp_server.received == []

    second = message_deliver(message_id=message.pk)
    assert (second.status, second.retry_in) == (DeliveryStatus.SENT, None)
    message.refresh_from_db()
    assert (message.status, message.attempts, message.external_id) == (DeliveryStatus.SENT, 2, message_id)
    assert smtp_server.handler.attempts == 2
    assert smtp_server.received[0].message["Message-ID"] == f"<{message_id}>"


def test_5xx_is_final(account: EmailAccount, owner: User, smtp_server: SmtpServer) -> None:
    smtp_server.handler.data_replies.append("550 5.7.1 Pesan ditolak sebagai spam")
    message = _send(_thread(account), owner)
    assert _deliver_until_done(message.pk) == [None]
    message.refresh_from_db()
    assert message.status == DeliveryStatus.FAILED
    assert message.error_code == "550"
    assert message.error_title == "5.7.1 Pesan ditolak sebagai spam"
    assert message.attempts == 1


def test_refused_recipient_is_final(account: EmailAccount, owner: User, smtp_server: SmtpServer) -> None:
    smtp_server.handler.rcpt_replies[CUSTOMER] = "550 5.1.1 Mailbox tidak ada"
    message = _send(_thread(account), owner)
    _deliver_until_done(message.pk)
    message.refresh_from_db()
    assert (message.status, message.error_code, message.error_title) == (
        DeliveryStatus.FAILED,
        "550",
        "5.1.1 Mailbox tidak ada",
    )


def test_unreachable_server_retries_then_fails(workspace: Workspace, owner: User) -> None:
    account = make_account(workspace, smtp_host="127.0.0.1", smtp_port=free_port())
    message = _send(_thread(account), owner)
    waits = _deliver_until_done(message.pk)
    assert len(waits) == MAX_ATTEMPTS
    assert all(w is not None and w > 0 for w in waits[:-1])
    assert waits[-1] is None
    assert waits[1] is not None
    assert waits[0] is not None
    assert waits[1] > waits[0] * 1.5
    message.refresh_from_db()
    assert (message.status, message.attempts, message.error_code) == (DeliveryStatus.FAILED, MAX_ATTEMPTS, "")
    assert "Connection" in message.error_title or "refused" in message.error_title.lower()


def test_delivery_is_safe_to_run_twice(account: EmailAccount, owner: User, smtp_server: SmtpServer) -> None:
    message = _send(_thread(account), owner)
    deliver_message_task(message.pk)
    deliver_message_task(message.pk)
    assert len(smtp_server.received) == 1
    message.refresh_from_db()
    assert message.attempts == 1


def test_task_schedules_itself_again_on_a_temporary_failure(
    account: EmailAccount, owner: User, smtp_server: SmtpServer, monkeypatch: Any
) -> None:
    smtp_server.handler.data_replies.append("421 4.7.0 Coba lagi")
    scheduled: list[dict[str, Any]] = []
    monkeypatch.setattr(deliver_message_task, "apply_async", lambda **kw: scheduled.append(kw))
    message = _send(_thread(account), owner)
    deliver_message_task(message.pk)
    assert scheduled
    assert scheduled[0]["args"] == (message.pk,)
    assert scheduled[0]["countdown"] >= 30


def test_send_is_queued_on_commit(
    account: EmailAccount,
    owner: User,
    django_capture_on_commit_callbacks: Callable[..., Any],
    monkeypatch: Any,
) -> None:
    queued: list[int] = []
    monkeypatch.setattr(deliver_message_task, "delay", queued.append)
    conversation = _thread(account)
    with django_capture_on_commit_callbacks(execute=True):
        message = _send(conversation, owner)
    assert queued == [message.pk]


def test_no_email_address_no_send(workspace: Workspace, owner: User, account: EmailAccount) -> None:
    conversation = _thread(account)
    ContactIdentity.objects.filter(pk=conversation.identity_id).update(
        channel="whatsapp", address="6281234567890"
    )
    conversation.refresh_from_db()
    with pytest.raises(ValidationError):
        _send(conversation, owner)
    assert not Message.objects.filter(direction="outbound").exists()


def test_no_24_hour_window_on_email(account: EmailAccount, owner: User, smtp_server: SmtpServer) -> None:
    conversation = _thread(account)
    Conversation.objects.filter(pk=conversation.pk).update(
        last_inbound_at=timezone.now() - dt.timedelta(days=30)
    )
    conversation.refresh_from_db()
    message = _send(conversation, owner, body="Kabar baik: stok boneka datang lagi.")
    _deliver_until_done(message.pk)
    message.refresh_from_db()
    assert message.status == DeliveryStatus.SENT
    assert len(smtp_server.received) == 1


def test_greeting_goes_out_by_email_as_an_auto_reply(
    account: EmailAccount, smtp_server: SmtpServer, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    inbox = account.inbox
    inbox.greeting_message = "Halo {{first_name}}, terima kasih sudah menghubungi Toko Hero."
    inbox.save()
    receive(account, mail())
    greeting = Message.objects.get(direction="outbound", kind=MessageKind.TEXT)
    assert greeting.body == "Halo Budi, terima kasih sudah menghubungi Toko Hero."
    _deliver_until_done(greeting.pk)
    sent = smtp_server.received[0].message
    assert sent["Auto-Submitted"] == "auto-replied"
    assert sent["In-Reply-To"] == "<pesan-1@pelanggan.test>"


def test_composer_and_api_send_email(
    account: EmailAccount,
    owner: User,
    workspace: Workspace,
    smtp_server: SmtpServer,
    api_as: Callable[[User, Workspace], Any],
    monkeypatch: Any,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    queued: list[int] = []
    monkeypatch.setattr(deliver_message_task, "delay", queued.append)
    conversation = _thread(account)
    client = Client()
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/w/hero/percakapan/{conversation.pk}/kirim/",
            {"body": "Dari composer"},
            headers={"Accept-Language": "en"},
        )
    assert response.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(owner, workspace).post(
            f"/api/v1/conversations/{conversation.pk}/messages", {"kind": "text", "body": "Dari API"}
        )
    assert response.status_code == 201, response.content
    assert len(queued) == 2
    for message_id in queued:
        _deliver_until_done(message_id)
    bodies = [
        r.message.get_body(preferencelist=("plain",)).get_content().strip() for r in smtp_server.received
    ]
    assert bodies == ["Dari composer", "Dari API"]


def test_sent_copy_fetched_back_is_not_a_new_message(
    account: EmailAccount, owner: User, smtp_server: SmtpServer
) -> None:
    message = _send(_thread(account), owner)
    _deliver_until_done(message.pk)
    # The customer's server copies our mail back (a Cc to the shop, a "Sent" folder on IMAP).
    assert receive(account, smtp_server.received[0].data, source=InboundSource.IMAP) is None
    assert Message.objects.filter(conversation=message.conversation).count() == 2


def test_lost_attachment_file_fails_the_message(
    account: EmailAccount, owner: User, smtp_server: SmtpServer
) -> None:
    message = _send(
        _thread(account),
        owner,
        body="Invoice",
        kind=MessageKind.DOCUMENT,
        attachment=OutboundFile(content=b"%PDF-1.7", name="INV.pdf", mime_type="application/pdf"),
    )
    attachment = message.attachments.get()
    attachment.file.storage.delete(attachment.file.name)
    assert _deliver_until_done(message.pk) == [None]
    message.refresh_from_db()
    assert message.status == DeliveryStatus.FAILED
    assert message.error_title.startswith("The mail cannot be built")
    assert smtp_server.received == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_send_once(workspace: Workspace, owner: User, smtp_server: SmtpServer) -> None:
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; SKIP LOCKED needs PostgreSQL")
    account = make_account(workspace, smtp=smtp_server)
    message = _send(_thread(account), owner)
    smtp_server.handler.data_delay = 0.5  # the first worker holds the row while the server thinks
    barrier = threading.Barrier(3)
    outcomes: list[str] = []

    def deliver() -> None:
        try:
            barrier.wait()
            outcomes.append(message_deliver(message_id=message.pk).status)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(smtp_server.received) == 1
    assert sorted(outcomes).count(DeliveryStatus.SENT) >= 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (DeliveryStatus.SENT, 1)
