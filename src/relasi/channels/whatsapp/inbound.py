"""Inbound WhatsApp: store a signed webhook POST once, then (in a worker) turn it into contacts,
conversations, messages, attachments and delivery receipts.

The request side (``webhook.py``, or ``webhook_event_store`` here) inserts the body once and,
after commit, asks for a drain of the account (``tasks.events_drain_schedule``: one job per
burst, not one per POST). ``events_drain`` runs in the worker: it claims the account's
unprocessed events in order, a batch at a time, and hands each to ``whatsapp_event_process``,
which is safe to run twice: messages are unique per ``(inbox, wamid)``, statuses only move
forward, media already downloaded is not fetched again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import asdict
from datetime import timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from relasi.channels.whatsapp.models import WebhookEvent, WhatsAppAccount, WhatsAppTemplate
from relasi.channels.whatsapp.payloads import (
    MEDIA_TYPES,
    Batch,
    InboundMessage,
    StatusUpdate,
    TemplateStatusUpdate,
    webhook_parse,
)
from relasi.contacts.enums import Channel
from relasi.conversations.csat import REPLY_PREFIX as CSAT_REPLY_PREFIX
from relasi.conversations.csat import csat_whatsapp_answer
from relasi.conversations.enums import MessageKind
from relasi.conversations.models import Attachment
from relasi.conversations.realtime import MESSAGE_UPDATED, event_publish
from relasi.conversations.services_inbound import (
    conversation_for_identity,
    identity_resolve,
    message_receive,
    message_status_apply,
)

logger = logging.getLogger(__name__)

PROCESS_EVENT_TASK = "whatsapp.process_event"
ATTACHMENT_FETCH_TASK = "whatsapp.attachment_fetch"
EVENTS_DRAIN_TASK = "whatsapp.events_drain"

# An event that failed this many times is left alone (kept, with its error, for a person).
EVENT_MAX_ATTEMPTS = 6
# Events a drain takes at a time, and how long they stay its own (then another may take them).
DRAIN_BATCH = 100
DRAIN_LEASE = timedelta(minutes=10)

_KIND_BY_TYPE: dict[str, str] = {
    "text": MessageKind.TEXT,
    "image": MessageKind.IMAGE,
    "audio": MessageKind.AUDIO,
    "video": MessageKind.VIDEO,
    "document": MessageKind.DOCUMENT,
    "sticker": MessageKind.STICKER,
    "location": MessageKind.LOCATION,
    "contacts": MessageKind.CONTACTS,
    "interactive": MessageKind.INTERACTIVE,
    "button": MessageKind.BUTTON,
    "reaction": MessageKind.REACTION,
    "unsupported": MessageKind.UNSUPPORTED,
}


def signature_valid(*, app_secret: str, body: bytes, header: str | None) -> bool:
    """``X-Hub-Signature-256: sha256=<hex>`` is HMAC-SHA256 of the raw body keyed with the app
    secret (reference §2); compared in constant time."""
    if not header or not header.startswith("sha256=") or not app_secret:
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(header[len("sha256=") :].strip().lower(), expected)


@transaction.atomic
def webhook_event_store(*, account: WhatsAppAccount, body: bytes) -> tuple[WebhookEvent, bool]:
    """Store a verified POST once per body (Meta redelivers the same bytes for up to 7 days)
    and ask for a drain of the account after commit. Returns ``(event, created)``; a
    redelivery is neither stored nor queued again. (The webhook view has a faster path to the
    same row: ``webhook.event_insert``.)"""
    from relasi.channels.whatsapp.tasks import events_drain_schedule

    digest = hashlib.sha256(body).hexdigest()
    event, created = WebhookEvent.objects.get_or_create(
        body_sha256=digest, defaults={"account": account, "body": body}
    )
    if created:
        account_id = account.pk
        transaction.on_commit(lambda: events_drain_schedule(account_id=account_id))
    return event, created


def events_claim(*, account_id: int, limit: int = DRAIN_BATCH) -> list[int]:
    """Take the oldest unprocessed, unclaimed events of an account (at most ``limit``, in
    arrival order) for ``DRAIN_LEASE``: ``SELECT … FOR UPDATE SKIP LOCKED`` then a short
    update, so two drains at once never take the same rows. Returns their ids."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            WebhookEvent.objects.select_for_update(skip_locked=True)
            .filter(account_id=account_id, processed_at__isnull=True, attempts__lt=EVENT_MAX_ATTEMPTS)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .order_by("pk")
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            WebhookEvent.objects.filter(pk__in=ids).update(claimed_until=now + DRAIN_LEASE)
    return ids


def events_drain(*, account_id: int) -> tuple[int, list[int]]:
    """Process every unprocessed event of an account, oldest first, until none is left.
    Returns ``(processed, failed_ids)``: a failed event keeps its error and ``attempts``
    (``whatsapp_event_process`` records them) and stays claimed, so this drain does not spin
    on it; the caller queues its retry."""
    account = WhatsAppAccount.objects.select_related("inbox__workspace").filter(pk=account_id).first()
    processed = 0
    failed: list[int] = []
    while ids := events_claim(account_id=account_id):
        events = WebhookEvent.objects.filter(pk__in=ids, processed_at__isnull=True).order_by("pk")
        for event in events:
            try:
                whatsapp_event_process(event=event, account=account)
            except Exception:
                logger.warning("whatsapp event %s failed; retrying later", event.pk, exc_info=True)
                failed.append(event.pk)
            else:
                processed += 1
    return processed, failed


def _message_body(message: InboundMessage) -> str:
    if message.location is not None:
        loc = message.location
        return ", ".join(p for p in (loc.name, loc.address) if p) or f"{loc.latitude}, {loc.longitude}"
    if message.contacts:
        names = [str((c.get("name") or {}).get("formatted_name") or "") for c in message.contacts]
        return ", ".join(n for n in names if n)
    return message.text


def _message_payload(message: InboundMessage) -> dict[str, Any]:
    """The provider's message as sent (``raw``), plus our parsed view for the UI."""
    payload: dict[str, Any] = dict(message.raw)
    if message.referral is not None:
        payload["_referral"] = {k: v for k, v in asdict(message.referral).items() if k != "raw"}
    if message.profile_name:
        payload["_profile_name"] = message.profile_name
    return payload


def _message_store(*, account: WhatsAppAccount, message: InboundMessage) -> list[int]:
    """One customer message → identity, contact, conversation, message (and its attachment).
    Returns the ids of attachments still to download."""
    inbox = account.inbox
    with transaction.atomic():
        identity, contact = identity_resolve(
            workspace=inbox.workspace,
            channel=Channel.WHATSAPP,
            address=message.from_,
            display_name=message.profile_name,
        )
        option_id = (
            message.interactive.id
            if message.interactive
            else (message.button.payload if message.button else "")
        )
        if option_id.startswith(CSAT_REPLY_PREFIX) and csat_whatsapp_answer(
            inbox=inbox,
            identity=identity,
            reply_id=option_id,
            external_id=message.wamid,
            kind=_KIND_BY_TYPE.get(message.type, MessageKind.UNSUPPORTED),
            body=_message_body(message),
            payload=_message_payload(message),
            sent_at=message.timestamp,
        ):
            return []  # a survey answer: stored in the rated conversation (conversations.csat)
        conversation, _created = conversation_for_identity(inbox=inbox, identity=identity, contact=contact)
        reply_to = message.reaction.message_id if message.reaction else None
        if reply_to is None and message.context is not None:
            reply_to = message.context.id
        stored, created = message_receive(
            inbox=inbox,
            conversation=conversation,
            external_id=message.wamid,
            kind=_KIND_BY_TYPE.get(message.type, MessageKind.UNSUPPORTED),
            body=_message_body(message),
            payload=_message_payload(message),
            sent_at=message.timestamp,
            reply_to_external_id=reply_to,
        )
        if created and message.type in MEDIA_TYPES and message.media is not None:
            Attachment.objects.create(
                message=stored,
                external_media_id=message.media.id,
                content_type=message.media.mime_type[:120],
                file_name=message.media.filename[:255],
                sha256=message.media.sha256[:64],
            )
        return list(
            Attachment.objects.filter(message=stored, file="")
            .exclude(external_media_id="")
            .values_list("pk", flat=True)
        )


def _status_store(*, account: WhatsAppAccount, status: StatusUpdate) -> None:
    error = None
    if status.errors:
        first = status.errors[0]
        error = {"code": first.code, "title": first.title, "detail": first.details or first.message}
    message_status_apply(
        inbox=account.inbox, external_id=status.wamid, status=status.status, at=status.timestamp, error=error
    )


def _template_update_store(*, account: WhatsAppAccount, update: TemplateStatusUpdate) -> None:
    """``message_template_status_update`` sets the synced template's status; other fields (number
    quality, account updates) are logged only."""
    if update.field != "message_template_status_update" or not update.event:
        logger.info("whatsapp %s for account %s: %s", update.field, account.pk, update.raw)
        return
    templates = WhatsAppTemplate.objects.filter(account=account)
    if update.template_id:
        templates = templates.filter(external_id=update.template_id)
    else:
        templates = templates.filter(name=update.template_name, language=update.template_language)
    templates.update(status=update.event[:20])


def attachment_fetch(*, attachment_id: int) -> bool:
    """Download one inbound media file through the Graph API and keep it with its message.
    HTTP happens outside any transaction; returns False when there was nothing to fetch.
    Raises ``GraphApiError`` when Meta fails (the caller retries later)."""
    from relasi.channels.whatsapp.client import media_download

    attachment = (
        Attachment.objects.select_related("message__inbox__whatsapp_account").filter(pk=attachment_id).first()
    )
    if attachment is None or attachment.file or not attachment.external_media_id:
        return False
    account = attachment.message.inbox.whatsapp_account
    data, mime_type, file_name = media_download(account, attachment.external_media_id)
    name = attachment.file_name or file_name
    with transaction.atomic():
        locked = Attachment.objects.select_for_update().get(pk=attachment_id)
        if locked.file:
            return False
        locked.file.save(name, ContentFile(data), save=False)
        locked.file_name = name[:255]
        locked.content_type = (locked.content_type or mime_type.split(";")[0].strip())[:120]
        locked.size = len(data)
        locked.save(update_fields=["file", "file_name", "content_type", "size", "updated_at"])
        message = attachment.message
        event_publish(
            workspace_id=message.workspace_id,
            conversation_id=message.conversation_id,
            event=MESSAGE_UPDATED,
            message_id=message.pk,
        )
    return True


def _attachments_fetch_or_queue(attachment_ids: list[int]) -> None:
    """Try each download now; a failure is queued for a later retry (the message is kept)."""
    from relasi.channels.whatsapp.tasks import whatsapp_attachment_fetch_task

    for attachment_id in attachment_ids:
        try:
            attachment_fetch(attachment_id=attachment_id)
        except Exception:
            logger.warning(
                "media download failed for attachment %s; retrying later", attachment_id, exc_info=True
            )
            whatsapp_attachment_fetch_task.apply_async(args=(attachment_id,), countdown=60)


def batch_process(*, account: WhatsAppAccount, batch: Batch) -> None:
    """Store every item of a parsed batch, in order. Items for another phone number than the
    account's are skipped: a webhook only ever writes into its own inbox and workspace."""
    downloads: list[int] = []
    for message in batch.messages:
        if message.phone_number_id and message.phone_number_id != account.phone_number_id:
            logger.warning("message %s for number %s skipped", message.wamid, message.phone_number_id)
            continue
        downloads += _message_store(account=account, message=message)
    for status in batch.statuses:
        if status.phone_number_id and status.phone_number_id != account.phone_number_id:
            logger.warning("status %s for number %s skipped", status.wamid, status.phone_number_id)
            continue
        _status_store(account=account, status=status)
    for update in batch.template_updates:
        if update.business_account_id and update.business_account_id != account.business_account_id:
            continue
        _template_update_store(account=account, update=update)
    _attachments_fetch_or_queue(downloads)


def whatsapp_event_process(*, event: WebhookEvent, account: WhatsAppAccount | None = None) -> None:
    """Process one stored webhook POST (idempotent). Marks ``processed_at``; an exception is
    recorded in ``event.error`` with ``attempts`` + 1 and re-raised so Celery retries.
    ``account`` may be passed when already loaded (a drain handles one account's events)."""
    if account is None or account.pk != event.account_id:
        accounts = WhatsAppAccount.objects.select_related("inbox__workspace")
        account = accounts.filter(pk=event.account_id).first() if event.account_id else None
    WebhookEvent.objects.filter(pk=event.pk).update(attempts=event.attempts + 1)
    event.attempts += 1
    if account is None:
        _event_finish(event, error="no WhatsApp account")
        return
    try:
        data = json.loads(bytes(event.body))
    except ValueError:
        _event_finish(event, error="body is not JSON")
        return
    batch = webhook_parse(data)
    try:
        batch_process(account=account, batch=batch)
    except Exception as error:
        event.error = f"{error.__class__.__name__}: {error}"[:2000]
        event.save(update_fields=["error"])
        raise
    _event_finish(event, error="; ".join(f"skipped {reason}" for reason in batch.skipped))


def _event_finish(event: WebhookEvent, *, error: str) -> None:
    event.processed_at = timezone.now()
    event.error = error[:2000]
    event.save(update_fields=["processed_at", "error"])
