"""Outbound e-mail: the MIME mail of a stored outbound ``Message`` (threading headers, text and
HTML alternatives, attachments) and its delivery through the inbox's own SMTP server.

Threading headers (RFC 5322 §3.6.4): ``Message-ID`` is ours, made once per message and stored
as its ``external_id`` before the first attempt, so a retry sends the same id and a copy that
comes back (IMAP, webhook) is recognised; ``In-Reply-To`` is the customer's last mail;
``References`` is the thread's chain (the first id and the newest ones when it grows long);
the subject is ``Re: `` + the thread's first subject."""

from __future__ import annotations

import logging
import random
import re
from dataclasses import dataclass
from email.errors import MessageError
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

from django.db import transaction
from django.utils import timezone
from django.utils.html import linebreaks, urlize
from django.utils.translation import gettext as _

from relasi.channels.email.models import EmailAccount
from relasi.channels.email.parsing import msgid_is_synthetic, msgid_normalize
from relasi.channels.email.smtp import SmtpFailure, SmtpSettings, smtp_send
from relasi.conversations.enums import DeliveryStatus, MessageDirection, MessageKind
from relasi.conversations.models import Conversation, Message
from relasi.conversations.realtime import MESSAGE_UPDATED, event_publish

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF_BASE = 30.0  # seconds; attempt n waits BACKOFF_BASE * 2**(n-1) (+ jitter), capped
BACKOFF_MAX = 3600.0
MAX_REFERENCES = 20  # the first id of the thread + the newest ones (long headers get refused)
# Mail is built with CRLF lines and 7-bit transfer encodings (quoted-printable / base64), so
# any SMTP server takes it, with or without 8BITMIME.
MAIL_POLICY = SMTP.clone(cte_type="7bit")
_REPLY_PREFIX = re.compile(r"^\s*(re|aw|sv|antw|balas)\s*(\[\d+\])?\s*:", re.IGNORECASE)


@dataclass(frozen=True)
class DeliveryOutcome:
    """What a delivery attempt came to: ``retry_in`` seconds when the task must run again."""

    status: str
    retry_in: float | None = None


def smtp_settings(account: EmailAccount) -> SmtpSettings:
    return SmtpSettings(
        host=account.smtp_host,
        port=account.smtp_port,
        security=account.smtp_security,
        username=account.smtp_username,
        password=account.smtp_password,
    )


def msgid_make(*, account: EmailAccount, message_id: int) -> str:
    """A new Message-ID in the mailbox's own domain, without angle brackets."""
    domain = account.address.rsplit("@", 1)[-1].lower() or "relasi.local"
    return msgid_normalize(make_msgid(idstring=f"relasi.{message_id}", domain=domain))


def thread_subject(conversation: Conversation) -> str:
    """The subject we answer: the customer's last mail's, else the thread's first one."""
    subjects = [
        (direction, str((payload or {}).get("subject") or "").strip())
        for direction, payload in Message.objects.filter(
            conversation=conversation, payload__has_key="subject"
        )
        .order_by("-created_at", "-id")
        .values_list("direction", "payload")[:200]
    ]
    for direction, subject in subjects:
        if subject and direction == MessageDirection.INBOUND:
            return subject
    return next((subject for _d, subject in reversed(subjects) if subject), "")


def reply_subject(subject: str, fallback: str) -> str:
    """``Re: <subject>``, without stacking prefixes (``Re: Re:``, ``AW:``, ``Balas:``)."""
    subject = " ".join(subject.split())
    if not subject:
        return fallback
    return subject if _REPLY_PREFIX.match(subject) else f"Re: {subject}"


def _thread_ids(message: Message) -> tuple[str, list[str]]:
    """``(In-Reply-To, References)`` of an outbound message: the customer's last mail before
    it, and the chain of the conversation's earlier mails (theirs and ours)."""
    earlier = list(
        Message.objects.filter(conversation_id=message.conversation_id, created_at__lte=message.created_at)
        .exclude(pk=message.pk)
        .exclude(external_id="")
        .exclude(kind__in=(MessageKind.NOTE, MessageKind.ACTIVITY))
        .order_by("created_at", "id")
        .values_list("external_id", "direction", "payload")
    )
    chain: dict[str, None] = {}
    in_reply_to = ""
    for external_id, direction, payload in earlier:
        if msgid_is_synthetic(external_id):
            continue
        if direction == MessageDirection.INBOUND:
            for ref in (payload or {}).get("references") or []:
                if isinstance(ref, str) and ref and not msgid_is_synthetic(ref):
                    chain.setdefault(ref, None)
            in_reply_to = external_id
        chain.setdefault(external_id, None)
    references = list(chain)
    if len(references) > MAX_REFERENCES:
        references = [references[0], *references[-(MAX_REFERENCES - 1) :]]
    return in_reply_to, references


def _html_alternative(text: str) -> str:
    body = linebreaks(urlize(text, nofollow=True, autoescape=True), autoescape=False)
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"></head>'
        f'<body style="font-family:sans-serif;font-size:14px;line-height:1.5">{body}</body></html>'
    )


def mail_build(message: Message, account: EmailAccount) -> tuple[EmailMessage, str]:
    """The MIME mail of ``message`` and its recipient. ``message.external_id`` must be set."""
    conversation = message.conversation
    identity = conversation.identity
    recipient = identity.address if identity is not None else ""
    mail = EmailMessage(policy=MAIL_POLICY)
    mail["From"] = Address(display_name=account.display_name or account.inbox.name, addr_spec=account.address)
    mail["To"] = Address(display_name=conversation.contact.full_name or "", addr_spec=recipient)
    fallback = _("Message from %(name)s") % {"name": account.display_name or account.inbox.name}
    mail["Subject"] = reply_subject(thread_subject(conversation), fallback)
    mail["Date"] = format_datetime(timezone.localtime(message.created_at))
    mail["Message-ID"] = f"<{message.external_id}>"
    in_reply_to, references = _thread_ids(message)
    if in_reply_to:
        mail["In-Reply-To"] = f"<{in_reply_to}>"
    if references:
        mail["References"] = " ".join(f"<{ref}>" for ref in references)
    if message.sender_id is None:  # the inbox answered by itself (greeting, away, CSAT request)
        auto = "auto-replied" if (message.idempotency_key or "").startswith("auto:") else "auto-generated"
        mail["Auto-Submitted"] = auto
        mail["X-Auto-Response-Suppress"] = "All"
    text = message.body or ""
    files = [a for a in message.attachments.all() if a.file]
    if not text and files:
        text = "\n".join(a.file_name for a in files)
    mail.set_content(text + "\n", charset="utf-8")
    mail.add_alternative(_html_alternative(text), subtype="html", charset="utf-8")
    for attachment in files:
        attachment.file.open("rb")
        try:
            data = attachment.file.read()
        finally:
            attachment.file.close()
        maintype, _sep, subtype = (attachment.content_type or "application/octet-stream").partition("/")
        mail.add_attachment(
            data,
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=attachment.file_name or "attachment",
        )
    return mail, recipient


def _backoff(attempts: int) -> float:
    wait = min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_MAX)
    return float(wait + random.uniform(0, wait / 4))  # noqa: S311 - jitter: retries spread out


def _msgid_assign(message_id: int) -> None:
    """Give the message its Message-ID once, committed before any attempt (one UPDATE)."""
    message = Message.objects.select_related("inbox__email_account").filter(pk=message_id).first()
    if message is None or message.external_id:
        return
    account = getattr(message.inbox, "email_account", None)
    if account is None:
        return
    Message.objects.filter(pk=message_id, external_id="").update(
        external_id=msgid_make(account=account, message_id=message_id)
    )


def _attempt(
    message: Message, account: EmailAccount | None
) -> tuple[EmailMessage | None, SmtpFailure | None]:
    """Build the mail and hand it to the SMTP server once: ``(mail, None)`` when the server
    took it, else what went wrong."""
    if account is None or not message.external_id:
        return None, SmtpFailure(None, "The inbox has no e-mail account.", retryable=False)
    try:
        mail, recipient = mail_build(message, account)
    except (ValueError, OSError, MessageError) as error:  # an unusable address, a lost file
        return None, SmtpFailure(None, f"The mail cannot be built: {error}", retryable=False)
    if not recipient:
        return mail, SmtpFailure(None, "The conversation has no e-mail address.", retryable=False)
    try:
        smtp_send(smtp_settings(account), mail, sender=account.address, recipients=[recipient])
    except SmtpFailure as error:
        return mail, error
    return mail, None


def message_deliver(*, message_id: int) -> DeliveryOutcome:
    """Send a queued outbound message through its inbox's SMTP server, once.

    The row is claimed with ``select_for_update(skip_locked=True)`` for the SMTP conversation
    and only a ``queued`` message is sent, so a task delivered twice sends once (like the
    WhatsApp sender). Temporary failures (4xx replies, network, TLS handshake) retry with
    exponential backoff and jitter up to ``MAX_ATTEMPTS``; a 5xx reply is final: ``failed``
    with the server's code and text for the agent."""
    _msgid_assign(message_id)
    with transaction.atomic():
        message = (
            Message.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("inbox__email_account", "conversation__identity", "conversation__contact")
            .filter(pk=message_id)
            .first()
        )
        if message is None or message.status != DeliveryStatus.QUEUED:
            return DeliveryOutcome(message.status if message else "locked")
        account: EmailAccount | None = getattr(message.inbox, "email_account", None)
        message.attempts += 1
        mail, failure = _attempt(message, account)
        if failure is not None and failure.retryable and message.attempts < MAX_ATTEMPTS:
            logger.warning("e-mail message %s: attempt %s failed: %s", message.pk, message.attempts, failure)
            message.save(update_fields=["attempts"])
            return DeliveryOutcome(DeliveryStatus.QUEUED, _backoff(message.attempts))
        if failure is not None:
            message.status = DeliveryStatus.FAILED
            message.error_code = str(failure.code or "")[:20]
            message.error_title = failure.text[:200]
            message.error_detail = str(failure)
            message.save(update_fields=["attempts", "status", "error_code", "error_title", "error_detail"])
        else:
            assert mail is not None
            message.status = DeliveryStatus.SENT
            message.sent_at = timezone.now()
            message.error_code = message.error_title = message.error_detail = ""
            message.payload = {
                **(message.payload or {}),
                "subject": str(mail["Subject"]),
                "message_id": message.external_id,
                "in_reply_to": msgid_list_header(mail, "In-Reply-To"),
                "references": msgid_list_header(mail, "References"),
                "to": [str(mail["To"].addresses[0].addr_spec)] if mail["To"] else [],
            }
            message.save(
                update_fields=[
                    "attempts",
                    "status",
                    "sent_at",
                    "payload",
                    "error_code",
                    "error_title",
                    "error_detail",
                ]
            )
        event_publish(
            workspace_id=message.workspace_id,
            conversation_id=message.conversation_id,
            event=MESSAGE_UPDATED,
            message_id=message.pk,
        )
        return DeliveryOutcome(message.status)


def msgid_list_header(mail: EmailMessage, name: str) -> list[str]:
    """The ids of a threading header of a mail we built."""
    value = mail[name]
    return [msgid_normalize(part) for part in str(value).split()] if value else []
