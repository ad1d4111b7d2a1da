"""IMAP polling against a real Dovecot: new mail stored once, the resume point, a crash before
the resume point was saved, UIDVALIDITY changes, oversized mail, errors kept for the settings
page, the per-minute fan-out, and the same mail arriving by IMAP and by the webhook."""

from __future__ import annotations

import hashlib
import hmac
import imaplib
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from relasi.accounts.models import Workspace
from relasi.channels.email import imap as imap_module
from relasi.channels.email.imap import mailbox_poll
from relasi.channels.email.models import EmailAccount, InboundEmail
from relasi.channels.email.tasks import poll_mailbox_task, poll_mailboxes_task, process_inbound_task
from relasi.conversations.enums import MessageDirection
from relasi.conversations.models import Conversation, Message
from tests.channels.email_servers import Dovecot, mail, make_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def user(dovecot: Dovecot) -> str:
    return dovecot.new_user()


@pytest.fixture
def account(workspace: Workspace, dovecot: Dovecot, user: str) -> EmailAccount:
    return make_account(workspace, dovecot=dovecot, imap_user=user)


def inbound_messages() -> list[Message]:
    return list(Message.objects.filter(direction=MessageDirection.INBOUND).order_by("id"))


def test_poll_stores_new_mail_and_moves_the_resume_point(
    account: EmailAccount, dovecot: Dovecot, user: str
) -> None:
    first_uid = dovecot.append(user, mail())
    second_uid = dovecot.append(
        user,
        mail(
            from_="Siti <siti@pelanggan.test>",
            subject="Tanya ongkir",
            message_id="<siti-1@pelanggan.test>",
            body="Ongkir ke Medan berapa?",
        ),
    )
    result = mailbox_poll(account=account)
    assert (result.fetched, result.stored, result.error, result.restarted) == (2, 2, "", False)
    account.refresh_from_db()
    assert account.imap_last_uid == second_uid > first_uid
    assert account.imap_uid_validity == dovecot.uid_validity(user)
    assert account.last_polled_at is not None
    assert account.last_poll_error == ""
    messages = inbound_messages()
    assert [m.external_id for m in messages] == ["pesan-1@pelanggan.test", "siti-1@pelanggan.test"]
    assert messages[1].body == "Ongkir ke Medan berapa?"
    assert messages[0].payload["source"] == "imap"
    assert Conversation.objects.count() == 2
    assert set(InboundEmail.objects.values_list("imap_uid", flat=True)) == {first_uid, second_uid}

    # Nothing new: nothing fetched (IMAP answers "n:*" with the newest mail; it is filtered out).
    again = mailbox_poll(account=account)
    assert (again.fetched, again.stored) == (0, 0)

    # A reply arrives later and threads into the first conversation.
    reply_uid = dovecot.append(
        user,
        mail(
            message_id="<pesan-2@pelanggan.test>", in_reply_to="<pesan-1@pelanggan.test>", body="Jadi pesan."
        ),
    )
    assert mailbox_poll(account=account).fetched == 1
    account.refresh_from_db()
    assert account.imap_last_uid == reply_uid
    reply = inbound_messages()[-1]
    assert reply.conversation_id == messages[0].conversation_id


def test_poll_does_not_mark_mail_as_read(account: EmailAccount, dovecot: Dovecot, user: str) -> None:
    uid = dovecot.append(user, mail())
    mailbox_poll(account=account)
    with dovecot.session(user) as conn:
        conn.select('"INBOX"', readonly=True)
        _status, data = conn.uid("FETCH", str(uid), "(FLAGS)")
    assert b"\\Seen" not in data[0]


def test_crash_before_the_resume_point_was_saved_doubles_nothing(
    account: EmailAccount, dovecot: Dovecot, user: str
) -> None:
    for index in range(3):
        dovecot.append(user, mail(message_id=f"<pesan-crash-{index}@pelanggan.test>", body=f"Pesan {index}"))
    mailbox_poll(account=account)
    assert len(inbound_messages()) == 3
    # The worker died after storing the mails, before the resume point moved.
    EmailAccount.objects.filter(pk=account.pk).update(imap_last_uid=0)
    account.refresh_from_db()
    result = mailbox_poll(account=account)
    assert result.fetched == 3
    assert result.stored == 0
    assert len(inbound_messages()) == 3
    assert InboundEmail.objects.count() == 3


def test_uidvalidity_change_restarts_without_duplicates(
    workspace: Workspace, dovecot: Dovecot, user: str
) -> None:
    dovecot.create(user, "Pelanggan")
    account = make_account(workspace, dovecot=dovecot, imap_user=user, imap_folder="Pelanggan")
    dovecot.append(user, mail(), folder="Pelanggan")
    mailbox_poll(account=account)
    account.refresh_from_db()
    old_validity, old_last_uid = account.imap_uid_validity, account.imap_last_uid
    assert old_last_uid == 1

    # The mailbox is restored from a backup into a new folder: new UIDVALIDITY, UIDs from 1
    # again, the old mail among them plus a new one.
    dovecot.recreate(user, "Pelanggan")
    dovecot.append(user, mail(), folder="Pelanggan")
    dovecot.append(
        user,
        mail(message_id="<pesan-baru@pelanggan.test>", body="Pesan setelah pemulihan."),
        folder="Pelanggan",
    )
    assert dovecot.uid_validity(user, "Pelanggan") != old_validity
    result = mailbox_poll(account=account)
    assert result.restarted
    assert result.error == ""
    account.refresh_from_db()
    assert account.imap_uid_validity == dovecot.uid_validity(user, "Pelanggan")
    assert account.imap_last_uid == 2
    assert [m.external_id for m in inbound_messages()] == [
        "pesan-1@pelanggan.test",
        "pesan-baru@pelanggan.test",
    ]


def test_oversized_mail_is_skipped_with_a_log(
    account: EmailAccount, dovecot: Dovecot, user: str, monkeypatch: Any, caplog: Any
) -> None:
    big = mail(message_id="<besar@pelanggan.test>", attachments=(("video.mp4", "video/mp4", b"\x00" * 6000),))
    big_uid = dovecot.append(user, big)
    dovecot.append(user, mail())
    monkeypatch.setattr(imap_module, "MAX_RAW_BYTES", 4000)
    result = mailbox_poll(account=account)
    assert (result.skipped, result.fetched) == (1, 1)
    assert [m.external_id for m in inbound_messages()] == ["pesan-1@pelanggan.test"]
    assert any(f"UID {big_uid} skipped" in record.getMessage() for record in caplog.records)
    account.refresh_from_db()
    assert account.imap_last_uid == big_uid + 1  # the big one is not fetched again and again


def test_login_failure_is_kept_on_the_account(account: EmailAccount) -> None:
    account.imap_password = "salah"
    account.save()
    result = mailbox_poll(account=account)
    assert "Authentication failed" in result.error
    account.refresh_from_db()
    assert "Authentication failed" in account.last_poll_error
    assert account.last_polled_at is not None
    assert account.imap_uid_validity is None


def test_missing_folder_is_reported(workspace: Workspace, dovecot: Dovecot, user: str) -> None:
    account = make_account(workspace, dovecot=dovecot, imap_user=user, imap_folder="Tidak Ada")
    result = mailbox_poll(account=account)
    assert "Tidak Ada" in result.error
    account.refresh_from_db()
    assert account.last_poll_error == result.error


def test_unreachable_server_is_reported(workspace: Workspace, dovecot: Dovecot, user: str) -> None:
    from tests.channels.email_servers import free_port

    account = make_account(workspace, dovecot=dovecot, imap_user=user, imap_port=free_port())
    result = mailbox_poll(account=account)
    assert "refused" in result.error.lower()
    account.refresh_from_db()
    assert account.last_poll_error


def test_same_mail_by_imap_and_webhook_is_one_message(
    account: EmailAccount, dovecot: Dovecot, user: str, django_capture_on_commit_callbacks: Any
) -> None:
    raw = mail()
    # The relay posts the mail as it received it; the mailbox holds it with its own trace header.
    body = raw
    signature = "sha256=" + hmac.new(b"rahasia-webhook", body, hashlib.sha256).hexdigest()
    with django_capture_on_commit_callbacks(execute=False):
        response = Client().post(
            reverse("email:webhook", args=[account.inbox_id]),
            body,
            content_type="message/rfc822",
            headers={"X-Relasi-Signature": signature},
        )
    assert response.status_code == 200
    process_inbound_task(response.json()["id"])
    dovecot.append(user, b"Received: from mx.tokohero.test by imap.tokohero.test\r\n" + raw)
    mailbox_poll(account=account)
    assert len(inbound_messages()) == 1
    assert InboundEmail.objects.count() == 2


def test_poll_tasks(account: EmailAccount, dovecot: Dovecot, user: str, monkeypatch: Any) -> None:
    queued: list[int] = []
    monkeypatch.setattr(poll_mailbox_task, "delay", queued.append)
    other = make_account(account.inbox.workspace, name="Tanpa IMAP", address="info@tokohero.test")
    assert not other.imap_enabled
    assert poll_mailboxes_task() == 1
    assert queued == [account.pk]

    dovecot.append(user, mail())
    assert poll_mailbox_task(account.pk) is True
    assert len(inbound_messages()) == 1
    assert poll_mailbox_task(other.pk) is False  # IMAP off: nothing to poll

    # One worker at a time per mailbox.
    from django.core.cache import cache

    cache.add(f"email:poll:{account.pk}", "1", timeout=60)
    assert poll_mailbox_task(account.pk) is False


def test_stale_unprocessed_mail_is_queued_again(account: EmailAccount, monkeypatch: Any) -> None:
    import datetime as dt

    from django.utils import timezone

    from relasi.channels.email.inbound import inbound_email_store

    stale, _ = inbound_email_store(account=account, raw=mail(), source="webhook", queue=False)
    fresh, _ = inbound_email_store(
        account=account, raw=mail(message_id="<b@p.test>"), source="webhook", queue=False
    )
    InboundEmail.objects.filter(pk=stale.pk).update(received_at=timezone.now() - dt.timedelta(hours=1))
    queued: list[int] = []
    monkeypatch.setattr(process_inbound_task, "delay", queued.append)
    monkeypatch.setattr(poll_mailbox_task, "delay", lambda _id: None)
    poll_mailboxes_task()
    assert queued == [stale.pk]
    assert fresh.pk not in queued


def test_imap_library_errors_do_not_escape(account: EmailAccount, monkeypatch: Any) -> None:
    def broken(conn: Any, folder: str) -> Any:
        raise imaplib.IMAP4.abort("socket error: EOF")

    monkeypatch.setattr(imap_module, "imap_select", broken)
    result = mailbox_poll(account=account)
    assert result.error == "socket error: EOF"


def test_folder_with_a_non_ascii_name(workspace: Workspace, dovecot: Dovecot, user: str) -> None:
    from relasi.channels.email.imap import folder_encode

    name = "Pesanan Café & Toko"
    assert folder_encode(name) == "Pesanan Caf&AOk- &- Toko"
    assert folder_encode("日本") == "&ZeVnLA-"
    dovecot.create(user, folder_encode(name))
    dovecot.append(user, mail(), folder=folder_encode(name))
    account = make_account(workspace, dovecot=dovecot, imap_user=user, imap_folder=name)
    result = mailbox_poll(account=account)
    assert result.error == ""
    assert result.fetched == 1
    assert [m.external_id for m in inbound_messages()] == ["pesan-1@pelanggan.test"]
