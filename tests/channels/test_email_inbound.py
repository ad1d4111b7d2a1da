"""Inbound e-mail into conversations: threading, contacts, attachments, sanitised HTML,
duplicates, automatic mails and bounces, workspace isolation."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.test import Client

from relasi.accounts.models import User, Workspace
from relasi.channels.email.inbound import inbound_email_process, inbound_email_store
from relasi.channels.email.models import EmailAccount, InboundEmail, InboundSource
from relasi.contacts.models import Contact, ContactIdentity
from relasi.conversations.enums import ConversationStatus, DeliveryStatus, MessageDirection, MessageKind
from relasi.conversations.models import Attachment, Conversation, Message
from relasi.conversations.services import conversation_resolve
from tests.channels.email_servers import CUSTOMER, SHOP, mail, make_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(workspace: Workspace) -> EmailAccount:
    return make_account(workspace)


def receive(account: EmailAccount, raw: bytes, source: str = InboundSource.WEBHOOK) -> Message | None:
    inbound, _created = inbound_email_store(account=account, raw=raw, source=source, queue=False)
    inbound.refresh_from_db()
    if inbound.processed_at is None:
        inbound_email_process(inbound=inbound)
    inbound.refresh_from_db()
    return inbound.message


def first_mail_and_our_reply(
    account: EmailAccount, external_id: str, **reply: Any
) -> tuple[Message, Message]:
    """The customer's first mail, received, and our reply in its conversation, sent with the
    Message-ID ``external_id``."""
    first = receive(account, mail())
    assert first is not None
    ours = Message.objects.create(
        workspace=account.inbox.workspace,
        inbox=account.inbox,
        conversation=first.conversation,
        direction=MessageDirection.OUTBOUND,
        body=reply.pop("body", "Masih ada kak"),
        external_id=external_id,
        status=DeliveryStatus.SENT,
        **reply,
    )
    return first, ours


def test_first_mail_creates_contact_identity_and_conversation(account: EmailAccount) -> None:
    message = receive(account, mail())
    assert message is not None
    conversation = message.conversation
    assert conversation.inbox == account.inbox
    assert conversation.status == ConversationStatus.OPEN
    assert conversation.unread_count == 1
    contact = conversation.contact
    assert (contact.full_name, contact.email) == ("Budi Santoso", CUSTOMER)
    identity = ContactIdentity.objects.get(contact=contact)
    assert (identity.channel, identity.address) == ("email", CUSTOMER)
    assert message.external_id == "pesan-1@pelanggan.test"
    assert message.direction == MessageDirection.INBOUND
    assert message.kind == MessageKind.TEXT
    assert message.body == "Halo, apakah kado boneka masih ada?\n\nSalam,\nBudi"
    assert message.payload["subject"] == "Pesanan kado ulang tahun"
    assert message.payload["from"] == {"address": CUSTOMER, "name": "Budi Santoso"}
    assert message.payload["to"] == [SHOP]
    assert conversation.last_inbound_at is not None
    assert conversation.last_inbound_at.isoformat() == "2026-11-16T02:30:00+00:00"


def test_existing_contact_with_that_email_is_reused(account: EmailAccount, workspace: Workspace) -> None:
    from tests.factories import ContactFactory

    known: Contact = ContactFactory(workspace=workspace, full_name="Budi S.", email=CUSTOMER)  # type: ignore[no-untyped-call,assignment]
    message = receive(account, mail())
    assert message is not None
    assert message.conversation.contact_id == known.pk
    assert Contact.objects.filter(workspace=workspace).count() == 1


@pytest.mark.parametrize(
    ("headers", "answers_first"),
    [
        ({"subject": "Re: Pesanan kado ulang tahun", "in_reply_to": "<pesan-1@pelanggan.test>"}, True),
        ({"references": "<lain@tempat.test> <pesan-1@pelanggan.test>"}, False),
    ],
    ids=["in-reply-to", "references-only"],
)
def test_a_reply_threads_into_the_same_conversation(
    account: EmailAccount, headers: dict[str, str], answers_first: bool
) -> None:
    """The customer's colleague answers the thread from another address: same conversation.
    ``In-Reply-To`` also names the message answered; ``References`` alone only threads."""
    first = receive(account, mail())
    reply = receive(
        account, mail(from_="Siti <siti@pelanggan.test>", message_id="<pesan-2@pelanggan.test>", **headers)
    )
    assert first is not None
    assert reply is not None
    assert reply.conversation_id == first.conversation_id
    assert reply.reply_to_id == (first.pk if answers_first else None)
    assert Conversation.objects.count() == 1
    assert not ContactIdentity.objects.filter(address="siti@pelanggan.test").exists()


def test_reply_to_our_outbound_message_threads(account: EmailAccount, owner: User) -> None:
    first, ours = first_mail_and_our_reply(account, "relasi.1.abc@tokohero.test", sender=owner)
    reply = receive(
        account,
        mail(
            from_="Siti <siti@pelanggan.test>",
            message_id="<pesan-4@pelanggan.test>",
            in_reply_to="<relasi.1.abc@tokohero.test>",
        ),
    )
    assert reply is not None
    assert reply.conversation_id == first.conversation_id
    assert reply.reply_to_id == ours.pk


def test_mail_after_resolve_starts_a_new_conversation(account: EmailAccount, owner: User) -> None:
    first = receive(account, mail())
    assert first is not None
    conversation_resolve(conversation=first.conversation, actor=owner)
    reply = receive(
        account, mail(message_id="<pesan-5@pelanggan.test>", in_reply_to="<pesan-1@pelanggan.test>")
    )
    assert reply is not None
    assert reply.conversation_id != first.conversation_id
    assert reply.conversation.status == ConversationStatus.OPEN
    assert reply.conversation.contact_id == first.conversation.contact_id


def test_new_thread_of_the_same_customer_joins_the_open_conversation(account: EmailAccount) -> None:
    first = receive(account, mail())
    other = receive(account, mail(subject="Pertanyaan lain", message_id="<pesan-6@pelanggan.test>"))
    assert first is not None
    assert other is not None
    assert other.conversation_id == first.conversation_id


def test_quoted_history_is_stripped_from_the_body_and_kept(account: EmailAccount) -> None:
    body = "Baik, saya ambil yang merah.\n\nOn Mon, 16 Nov 2026, Toko Hero <cs@tokohero.test> wrote:\n"
    body += "> Ada merah."
    message = receive(account, mail(body=body))
    assert message is not None
    assert message.body == "Baik, saya ambil yang merah."
    assert "> Ada merah." in message.payload["full_text"]


def test_attachments_are_stored_with_size_type_and_hash(account: EmailAccount, owner: User) -> None:
    pdf = b"%PDF-1.4\n" + bytes(range(256)) * 40
    photo = b"\xff\xd8\xff\xe0JFIF" + b"\x00" * 500
    message = receive(
        account,
        mail(attachments=(("PO Januari.pdf", "application/pdf", pdf), ("foto.jpg", "image/jpeg", photo))),
    )
    assert message is not None
    stored = {a.file_name: a for a in Attachment.objects.filter(message=message)}
    assert set(stored) == {"PO Januari.pdf", "foto.jpg"}
    document = stored["PO Januari.pdf"]
    assert (document.content_type, document.size) == ("application/pdf", len(pdf))
    assert document.sha256 == hashlib.sha256(pdf).hexdigest()
    with document.file.open("rb") as handle:
        assert handle.read() == pdf
    assert stored["foto.jpg"].sha256 == hashlib.sha256(photo).hexdigest()

    # The agent downloads it through the workspace-scoped attachment URL.
    client = Client()
    client.force_login(owner)
    response = client.get(f"/w/hero/percakapan/lampiran/{document.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf  # type: ignore[attr-defined]


def test_attachment_only_mail_is_a_document(account: EmailAccount) -> None:
    message = receive(
        account, mail(body=None, html=None, attachments=(("a.pdf", "application/pdf", b"%PDF"),))
    )
    assert message is not None
    assert (message.kind, message.body) == (MessageKind.DOCUMENT, "")


def test_html_mail_is_sanitised_with_inline_image_mapped(account: EmailAccount) -> None:
    png = b"\x89PNG\r\n\x1a\nisi-gambar"
    raw = (
        b"From: Budi <budi@pelanggan.test>\r\nTo: cs@tokohero.test\r\nSubject: Foto produk\r\n"
        b"Message-ID: <html-1@pelanggan.test>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/related; boundary="R"\r\n\r\n'
        b"--R\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        b'<div onmouseover="x()"><p>Lihat <b>ini</b></p><img src="cid:gbr@p" alt="produk">'
        b'<img src="http://tracker.example/o.gif"><script>alert(1)</script>'
        b'<a href="javascript:alert(2)">klik</a></div>\r\n'
        b"--R\r\nContent-Type: image/png\r\nContent-ID: <gbr@p>\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + __import__("base64").encodebytes(png)
        + b"--R--\r\n"
    )
    message = receive(account, raw)
    assert message is not None
    attachment = Attachment.objects.get(message=message)
    html = message.payload["html"]
    assert f'src="/w/hero/percakapan/lampiran/{attachment.pk}/"' in html
    assert "tracker.example" not in html
    assert "script" not in html
    assert "alert" not in html
    assert "onmouseover" not in html
    assert message.payload["remote_images_blocked"] == 1
    # No text/plain part: the body is the text of the HTML.
    assert message.body == "Lihat ini\nklik"


def test_html_is_rendered_in_the_thread_only_sanitised(account: EmailAccount, owner: User) -> None:
    message = receive(
        account,
        mail(html='<p>Halo <i>kak</i></p><img src="x" onerror="alert(1)"><script>document.cookie</script>'),
    )
    assert message is not None
    client = Client()
    client.force_login(owner)
    page = client.get(f"/w/hero/percakapan/{message.conversation_id}/").content.decode()
    assert "<p>Halo <i>kak</i></p>" in page
    assert "Pesanan kado ulang tahun" in page  # the subject
    assert "onerror" not in page
    assert "document.cookie" not in page


def test_duplicate_mail_is_stored_once(account: EmailAccount) -> None:
    raw = mail()
    first = receive(account, raw)
    again = receive(account, raw)
    # The same mail with other transport headers (another route, another copy): same Message-ID.
    copy = receive(account, b"Received: from mx2.tokohero.test\r\n" + raw, source=InboundSource.IMAP)
    assert first is not None
    assert again == first
    assert copy == first
    assert Message.objects.filter(direction=MessageDirection.INBOUND).count() == 1
    assert InboundEmail.objects.count() == 2
    first.conversation.refresh_from_db()
    assert first.conversation.unread_count == 1


@pytest.mark.parametrize(
    "raw",
    [
        mail(headers={"Auto-Submitted": "auto-replied"}, subject="Out of office"),
        mail(headers={"Precedence": "bulk"}),
        mail(from_="MAILER-DAEMON@mx.pelanggan.test"),
        mail(from_=f"Toko Hero <{SHOP}>"),
        mail(from_="undisclosed-recipients:;"),
    ],
    ids=["auto-replied", "bulk", "mailer-daemon", "own-address", "no-sender"],
)
def test_automatic_and_own_mails_are_not_stored(account: EmailAccount, raw: bytes) -> None:
    assert receive(account, raw) is None
    assert not Message.objects.exists()
    assert not Conversation.objects.exists()
    inbound = InboundEmail.objects.get()
    assert inbound.processed_at is not None
    assert inbound.error  # says why


def test_copy_of_our_own_message_is_ignored(account: EmailAccount) -> None:
    _first, ours = first_mail_and_our_reply(account, "relasi.9.xyz@tokohero.test")
    copy = mail(from_="Siti <siti@pelanggan.test>", message_id="<relasi.9.xyz@tokohero.test>")
    assert receive(account, copy) is None
    assert Message.objects.count() == 2
    ours.refresh_from_db()
    assert ours.direction == MessageDirection.OUTBOUND


def test_bounce_marks_our_message_failed(account: EmailAccount) -> None:
    _first, ours = first_mail_and_our_reply(account, "kami-1@tokohero.test", body="Invoice terlampir")
    dsn = (
        b"From: MAILER-DAEMON@mx.tokohero.test\r\nTo: cs@tokohero.test\r\nSubject: Undelivered\r\n"
        b"Message-ID: <dsn-9@mx.tokohero.test>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="D"\r\n\r\n'
        b"--D\r\nContent-Type: text/plain\r\n\r\nGagal.\r\n"
        b"--D\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
        b"Final-Recipient: rfc822; budi@pelanggan.test\r\nAction: failed\r\nStatus: 5.2.2\r\n"
        b"Diagnostic-Code: smtp; 552 5.2.2 Mailbox full\r\n\r\n"
        b"--D\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <kami-1@tokohero.test>\r\n--D--\r\n"
    )
    assert receive(account, dsn) is None
    ours.refresh_from_db()
    assert ours.status == DeliveryStatus.FAILED
    assert ours.error_code == "5.2.2"
    assert "Mailbox full" in ours.error_title
    assert Message.objects.count() == 2  # the bounce itself is no message


def test_workspace_isolation(account: EmailAccount, other_workspace: Workspace) -> None:
    other = make_account(other_workspace, address="halo@tokosebelah.test", name="Email Sebelah")
    mine = receive(account, mail())
    # The same customer mail reaches both businesses (Cc): each stores its own copy.
    theirs = receive(other, mail())
    assert mine is not None
    assert theirs is not None
    assert mine.pk != theirs.pk
    assert mine.workspace_id == account.inbox.workspace_id
    assert theirs.workspace_id == other_workspace.pk
    assert theirs.conversation.contact.workspace_id == other_workspace.pk
    # A reply to the thread of one workspace never threads into the other's conversation.
    reply = receive(
        other, mail(message_id="<pesan-7@pelanggan.test>", in_reply_to="<pesan-1@pelanggan.test>")
    )
    assert reply is not None
    assert reply.conversation_id == theirs.conversation_id


def test_processing_failure_is_recorded_and_retried(account: EmailAccount, monkeypatch: Any) -> None:
    from relasi.channels.email import inbound as inbound_module

    inbound, _ = inbound_email_store(account=account, raw=mail(), source=InboundSource.WEBHOOK, queue=False)

    def broken(**kwargs: Any) -> Any:
        raise RuntimeError("database went away")

    monkeypatch.setattr(inbound_module, "email_receive", broken)
    with pytest.raises(RuntimeError):
        inbound_email_process(inbound=inbound)
    inbound.refresh_from_db()
    assert (inbound.attempts, inbound.processed_at) == (1, None)
    assert "database went away" in inbound.error
    monkeypatch.undo()
    inbound_email_process(inbound=inbound)
    inbound.refresh_from_db()
    assert inbound.processed_at is not None
    assert inbound.message is not None
    assert (inbound.attempts, inbound.error) == (2, "")


def test_overlong_html_is_cut_before_sanitising(account: EmailAccount, monkeypatch: Any) -> None:
    from relasi.channels.email import inbound as inbound_module

    monkeypatch.setattr(inbound_module, "MAX_HTML_CHARS", 40)
    message = receive(
        account, mail(html='<p>Lihat <a href="https://tokohero.test/katalog/boneka">katalog</a></p>')
    )
    assert message is not None
    html = message.payload["html"]
    # The cut fell inside the href: what is stored is still well-formed markup.
    assert html.count('"') % 2 == 0
    assert html.count("<") == html.count(">")
    assert html == "<p>Lihat </p>"  # the half tag is dropped, the paragraph closed
