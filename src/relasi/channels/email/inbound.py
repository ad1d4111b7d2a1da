"""Inbound e-mail: store a raw mail once (webhook POST or IMAP fetch), then turn it into a
contact, a conversation, a message and its attachments.

``inbound_email_store`` runs where the mail arrives (the webhook request, the IMAP poll):
one insert, unique per ``(account, sha256 of the bytes)``. ``inbound_email_process`` runs in
a worker and is safe to run twice: a message is unique per ``(inbox, Message-ID)``, so the same
mail fetched over IMAP and posted to the webhook is stored once.

Threading (which conversation a mail goes to):

* a mail whose In-Reply-To or References names a message of this inbox (one the customer sent,
  or one we sent) goes into that message's conversation while it is unresolved;
* otherwise, as on every channel: the sender's identity → its unresolved conversation in this
  inbox, or a new one (after *resolved*, a new conversation starts).

Not stored: automatic mails (RFC 3834 ``Auto-Submitted``, ``Precedence: bulk``, vacation
headers, mail-server senders) — answering them would start a loop; mails sent from the inbox's
own address or carrying one of our own Message-IDs (a copy of what we sent); a delivery status
notification instead marks the outbound message it reports on as failed."""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from relasi.channels.email.models import EmailAccount, InboundEmail
from relasi.channels.email.parsing import ParsedEmail, email_parse, msgid_is_synthetic, reply_strip
from relasi.channels.email.sanitize import html_sanitize, html_to_text
from relasi.contacts.enums import Channel
from relasi.conversations.enums import ConversationStatus, DeliveryStatus, MessageDirection, MessageKind
from relasi.conversations.models import Attachment, Conversation, Message
from relasi.conversations.services_inbound import (
    conversation_for_identity,
    identity_resolve,
    message_receive,
    message_status_apply,
)

logger = logging.getLogger(__name__)

PROCESS_INBOUND_TASK = "email.process_inbound"
MAX_RAW_BYTES = 25 * 1024 * 1024  # larger mails are refused (webhook) or skipped (IMAP), with a log line
MAX_BODY_CHARS = 20_000  # Message.body: what the thread and the lists show
MAX_TEXT_CHARS = 256_000  # payload["full_text"]: the whole plain text, quotes included
MAX_HTML_CHARS = 512_000  # of the HTML sanitised into payload["html"]
SIGNATURE_PREFIX = "sha256="


def signature_valid(*, secret: str, body: bytes, header: str | None) -> bool:
    """``X-Relasi-Signature: sha256=<hex>`` is HMAC-SHA256 of the raw request body keyed with
    the account's webhook secret; compared in constant time."""
    if not header or not secret or not header.startswith(SIGNATURE_PREFIX):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(header[len(SIGNATURE_PREFIX) :].strip().lower().encode(), expected.encode())


def token_valid(*, secret: str, token: str | None) -> bool:
    """``?token=<secret>`` for relays that cannot sign; compared in constant time."""
    return bool(token and secret) and hmac.compare_digest(str(token).encode(), secret.encode())


@transaction.atomic
def inbound_email_store(
    *, account: EmailAccount, raw: bytes, source: str, imap_uid: int | None = None, queue: bool = True
) -> tuple[InboundEmail, bool]:
    """Keep a raw mail once per account and bytes; with ``queue`` its processing is queued
    after commit. Returns ``(row, created)``; the same bytes again are neither stored nor
    queued again."""
    from relasi.channels.email.tasks import process_inbound_task

    digest = hashlib.sha256(raw).hexdigest()
    inbound, created = InboundEmail.objects.get_or_create(
        account=account,
        raw_sha256=digest,
        defaults={"raw": raw, "source": source, "imap_uid": imap_uid},
    )
    if created and queue:
        inbound_id = inbound.pk
        transaction.on_commit(lambda: process_inbound_task.delay(inbound_id))
    return inbound, created


@dataclass(frozen=True)
class Outcome:
    """What became of one mail: the message it is stored as (new or earlier), or why not."""

    message: Message | None
    created: bool
    note: str = ""


def _kind(parsed: ParsedEmail, body: str) -> str:
    if body or not parsed.attachments:
        return MessageKind.TEXT
    if all(a.content_type.startswith("image/") for a in parsed.attachments):
        return MessageKind.IMAGE
    return MessageKind.DOCUMENT


def _payload(parsed: ParsedEmail, source: str) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "subject": parsed.subject,
        "from": {"address": parsed.from_address, "name": parsed.from_name},
        "to": parsed.to,
        "cc": parsed.cc,
        "message_id": "" if parsed.message_id_synthesised else parsed.message_id,
        "in_reply_to": parsed.in_reply_to,
        "references": parsed.references,
        "date": parsed.date.isoformat() if parsed.date else None,
        "source": source,
    }
    if parsed.reply_to and parsed.reply_to != parsed.from_address:
        payload["reply_to"] = parsed.reply_to
    return payload


def _thread_conversation(account: EmailAccount, parsed: ParsedEmail) -> Conversation | None:
    """The unresolved conversation of the newest message of this inbox the mail answers."""
    ids = [i for i in parsed.thread_ids if i]
    if not ids:
        return None
    earlier = (
        Message.objects.filter(inbox_id=account.inbox_id, external_id__in=ids)
        .select_related("conversation")
        .order_by("-created_at", "-id")
        .first()
    )
    if earlier is None or earlier.conversation.status == ConversationStatus.RESOLVED:
        return None
    return earlier.conversation


def _attachments_store(message: Message, parsed: ParsedEmail) -> dict[str, str]:
    """Keep every attachment and inline image with the message; the URLs of the inline ones
    by Content-ID (for the HTML's ``cid:`` images)."""
    slug = message.conversation.workspace.slug
    urls: dict[str, str] = {}
    for item in parsed.attachments:
        record = Attachment(
            message=message,
            file_name=item.file_name,
            content_type=item.content_type,
            size=len(item.data),
            sha256=hashlib.sha256(item.data).hexdigest(),
        )
        record.file.save(item.file_name or "attachment", ContentFile(item.data), save=False)
        record.save()
        if item.content_id:
            urls[item.content_id] = reverse("conversations:attachment", args=[slug, record.pk])
    return urls


def _bounce_apply(account: EmailAccount, parsed: ParsedEmail) -> Outcome:
    bounce = parsed.bounce
    assert bounce is not None
    if bounce.action not in ("failed", ""):
        return Outcome(None, False, f"delivery report ({bounce.action}) for {bounce.original_message_id}")
    detail = bounce.diagnostic or parsed.subject
    updated = message_status_apply(
        inbox=account.inbox,
        external_id=bounce.original_message_id,
        status=DeliveryStatus.FAILED,
        at=parsed.date or timezone.now(),
        error={"code": bounce.status or "bounce", "title": detail[:200], "detail": detail},
    )
    if updated is None:
        return Outcome(None, False, f"bounce for an unknown message {bounce.original_message_id}")
    return Outcome(None, False, f"bounce: message {updated.pk} failed ({bounce.status})")


@transaction.atomic
def email_receive(*, account: EmailAccount, parsed: ParsedEmail, source: str) -> Outcome:
    """Store one parsed mail in the account's inbox (rules in the module docstring). Safe to
    call twice: the second call returns the message stored the first time."""
    inbox = account.inbox
    if parsed.bounce is not None:
        return _bounce_apply(account, parsed)
    earlier = Message.objects.filter(inbox=inbox, external_id=parsed.message_id).first()
    if earlier is not None:
        if earlier.direction == MessageDirection.OUTBOUND:
            return Outcome(None, False, "a copy of a mail this inbox sent")
        return Outcome(earlier, False, "already stored")
    if parsed.auto_reason:
        return Outcome(None, False, f"automatic mail ({parsed.auto_reason})")
    if not parsed.from_address:
        return Outcome(None, False, "no sender address")
    if parsed.from_address == account.address.lower():
        return Outcome(None, False, "sent from the inbox's own address")
    try:
        validate_email(parsed.from_address)
    except DjangoValidationError:
        return Outcome(None, False, f"sender address {parsed.from_address!r} is not valid")

    conversation = _thread_conversation(account, parsed)
    if conversation is None:
        identity, contact = identity_resolve(
            workspace=inbox.workspace,
            channel=Channel.EMAIL,
            address=parsed.from_address,
            display_name=parsed.from_name,
        )
        conversation, _created = conversation_for_identity(inbox=inbox, identity=identity, contact=contact)

    body_source = parsed.text
    if not body_source.strip() and parsed.html:
        body_source = html_to_text(html_sanitize(parsed.html)[0])
    body = reply_strip(body_source) if body_source.strip() else ""
    if len(body) > MAX_BODY_CHARS:
        body = body[:MAX_BODY_CHARS].rstrip() + "…"
    payload = _payload(parsed, source)
    if body_source.strip() and body != body_source.strip():
        payload["full_text"] = body_source[:MAX_TEXT_CHARS]  # with the quoted history
    reply_to = next((i for i in parsed.in_reply_to if not msgid_is_synthetic(i)), None)
    message, created = message_receive(
        inbox=inbox,
        conversation=conversation,
        external_id=parsed.message_id,
        kind=_kind(parsed, body),
        body=body,
        payload=payload,
        sent_at=parsed.date or timezone.now(),
        reply_to_external_id=reply_to,
    )
    if not created:
        return Outcome(message, False, "already stored")
    cid_urls = _attachments_store(message, parsed)
    if parsed.html.strip():
        # Cut the input, never the output: the sanitiser closes whatever the cut left open.
        html, blocked = html_sanitize(parsed.html[:MAX_HTML_CHARS], cid_urls=cid_urls)
        if html:
            message.payload["html"] = html
            if blocked:
                message.payload["remote_images_blocked"] = blocked
            message.save(update_fields=["payload"])
    return Outcome(message, True)


def inbound_email_process(*, inbound: InboundEmail) -> Outcome:
    """Process one stored mail (idempotent). Marks ``processed_at`` and notes what became of it;
    an exception is recorded in ``error`` with ``attempts`` + 1 and re-raised (the task retries)."""
    InboundEmail.objects.filter(pk=inbound.pk).update(attempts=inbound.attempts + 1)
    inbound.attempts += 1
    account = EmailAccount.objects.select_related("inbox__workspace").get(pk=inbound.account_id)
    raw = bytes(inbound.raw)
    try:
        parsed = email_parse(raw)
        outcome = email_receive(account=account, parsed=parsed, source=inbound.source)
    except Exception as error:
        inbound.error = f"{error.__class__.__name__}: {error}"[:2000]
        inbound.save(update_fields=["error"])
        raise
    if outcome.note and outcome.message is None:
        logger.info("e-mail %s of account %s not stored: %s", inbound.pk, account.pk, outcome.note)
    inbound.processed_at = timezone.now()
    inbound.error = "" if outcome.message is not None else outcome.note[:2000]
    inbound.message = outcome.message
    inbound.save(update_fields=["processed_at", "error", "message"])
    return outcome
