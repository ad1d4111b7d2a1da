"""WhatsApp adapter of outbound messages: the Graph API payload of a stored ``Message`` and
its delivery (pacing, upload, send, retry with backoff, final failure)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from relasi.channels.whatsapp import pacing
from relasi.channels.whatsapp.client import GraphApiError, client_for
from relasi.channels.whatsapp.models import WhatsAppAccount
from relasi.conversations.enums import DeliveryStatus, MessageKind
from relasi.conversations.models import Attachment, Message
from relasi.conversations.realtime import MESSAGE_UPDATED, event_publish

MAX_ATTEMPTS = 5
BACKOFF_BASE = 2.0  # seconds; attempt n waits BACKOFF_BASE * 2**(n-1) (+ jitter), capped
BACKOFF_MAX = 300.0
MEDIA_KINDS = frozenset(
    {MessageKind.IMAGE, MessageKind.AUDIO, MessageKind.VIDEO, MessageKind.DOCUMENT, MessageKind.STICKER}
)


def _published(message: Message) -> None:
    """The agents' pages learn the new status (the ✓ tick or the failure) after commit."""
    event_publish(
        workspace_id=message.workspace_id,
        conversation_id=message.conversation_id,
        event=MESSAGE_UPDATED,
        message_id=message.pk,
    )


@dataclass(frozen=True)
class DeliveryOutcome:
    """What a delivery attempt came to: ``retry_in`` seconds when the task must run again."""

    status: str
    retry_in: float | None = None


def _text_params(values: list[str]) -> list[dict[str, str]]:
    return [{"type": "text", "text": v} for v in values]


def message_payload(message: Message, recipient: str, media_id: str = "") -> dict[str, Any]:
    """The Graph API body of ``message`` (without ``messaging_product``, the client adds it).
    ``message.payload`` holds the kind's extra data: ``buttons`` or ``list`` for interactive
    messages, ``template`` (``name``, ``language``, ``body``/``header`` variables, ``buttons``
    values) for templates."""
    data: dict[str, Any] = {"recipient_type": "individual", "to": recipient}
    extra = message.payload or {}
    if message.reply_to_id and message.reply_to and message.reply_to.external_id:
        data["context"] = {"message_id": message.reply_to.external_id}
    kind = message.kind
    if kind == MessageKind.TEXT:
        data.update(type="text", text={"body": message.body, "preview_url": "http" in message.body})
    elif kind in MEDIA_KINDS:
        media: dict[str, Any] = {"id": media_id}
        if message.body and kind != MessageKind.AUDIO and kind != MessageKind.STICKER:
            media["caption"] = message.body
        if kind == MessageKind.DOCUMENT and extra.get("file_name"):
            media["filename"] = extra["file_name"]
        data.update(type=str(kind), **{str(kind): media})
    elif kind == MessageKind.INTERACTIVE and extra.get("list"):
        listing = extra["list"]
        data.update(
            type="interactive",
            interactive={
                "type": "list",
                "body": {"text": message.body},
                "action": {"button": str(listing["button"]), "sections": listing["sections"]},
            },
        )
    elif kind == MessageKind.INTERACTIVE:
        buttons = [
            {"type": "reply", "reply": {"id": str(b["id"]), "title": str(b["title"])}}
            for b in extra.get("buttons", [])
        ]
        data.update(
            type="interactive",
            interactive={"type": "button", "body": {"text": message.body}, "action": {"buttons": buttons}},
        )
    elif kind == MessageKind.TEMPLATE:
        template = extra.get("template") or {}
        components = []
        if template.get("header"):
            components.append({"type": "header", "parameters": _text_params(template["header"])})
        if template.get("body"):
            components.append({"type": "body", "parameters": _text_params(template["body"])})
        for button in template.get("buttons") or []:
            # Quick-reply: our payload comes back when the customer taps it; URL: fills {{1}}.
            parameter = (
                {"type": "payload", "payload": button["value"]}
                if button["type"] == "quick_reply"
                else {"type": "text", "text": button["value"]}
            )
            components.append(
                {
                    "type": "button",
                    "sub_type": button["type"],
                    "index": str(button["index"]),
                    "parameters": [parameter],
                }
            )
        data.update(
            type="template",
            template={
                "name": template["name"],
                "language": {"code": template["language"]},
                "components": components,
            },
        )
    else:  # pragma: no cover - message_send refuses other kinds
        raise ValueError(f"cannot send a {kind} message over WhatsApp")
    return data


def _backoff(attempts: int, retry_after: float | None) -> float:
    wait = min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_MAX)
    wait += random.uniform(0, wait / 4)  # noqa: S311 - jitter: retries spread out
    return float(max(wait, retry_after or 0.0))


def _upload(account: WhatsAppAccount, attachment: Attachment) -> str:
    if attachment.external_media_id:
        return attachment.external_media_id
    attachment.file.open("rb")
    try:
        data = attachment.file.read()
    finally:
        attachment.file.close()
    media_id = client_for(account).media_upload(
        account.phone_number_id,
        data,
        attachment.content_type or "application/octet-stream",
        attachment.file_name,
    )
    attachment.external_media_id = media_id
    attachment.save(update_fields=["external_media_id", "updated_at"])
    return media_id


def message_deliver(*, message_id: int) -> DeliveryOutcome:
    """Send a queued outbound message through its inbox's WhatsApp number, once.

    The row is claimed with ``select_for_update(skip_locked=True)`` and only a ``queued``
    message is sent, so a task delivered twice sends once. Over the number's throughput or the
    customer's spacing, nothing is sent and the caller retries in ``retry_in`` seconds.
    Retryable Graph errors (5xx, network, 130429, 131056, rate limits) retry with exponential
    backoff and jitter (honouring ``retry_after``) up to ``MAX_ATTEMPTS``; others are final:
    ``failed`` with Meta's code, title and details."""
    with transaction.atomic():
        message = (
            Message.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("inbox__whatsapp_account", "conversation__identity", "reply_to")
            .filter(pk=message_id)
            .first()
        )
        if message is None or message.status != DeliveryStatus.QUEUED:
            return DeliveryOutcome(message.status if message else "locked")
        account: WhatsAppAccount = message.inbox.whatsapp_account
        identity = message.conversation.identity
        recipient = identity.address if identity else ""
        wait = pacing.recipient_turn(
            phone_number_id=account.phone_number_id,
            recipient=recipient,
            spacing_seconds=account.recipient_spacing_seconds,
            message_id=message.pk,
        )
        if not wait:
            wait = pacing.throughput_reserve(
                phone_number_id=account.phone_number_id,
                per_second=account.messages_per_second,
                message_id=message.pk,
            ).wait
        if wait:
            return DeliveryOutcome(DeliveryStatus.QUEUED, wait)
        message.attempts += 1
        try:
            media_id = ""
            if message.kind in MEDIA_KINDS:
                attachment = message.attachments.first()
                if attachment is None:
                    raise GraphApiError(
                        code=100,
                        title="No file",
                        message="The message has no attachment.",
                        http_status=0,
                        retryable=False,
                    )
                media_id = _upload(account, attachment)
            wamid = client_for(account).send_message(
                account.phone_number_id, message_payload(message, recipient, media_id)
            )
        except GraphApiError as error:
            if error.retryable and message.attempts < MAX_ATTEMPTS:
                message.save(update_fields=["attempts"])
                return DeliveryOutcome(DeliveryStatus.QUEUED, _backoff(message.attempts, error.retry_after))
            message.status = DeliveryStatus.FAILED
            message.error_code = str(error.code)
            message.error_title = error.title[:200]
            message.error_detail = error.details or error.message
            message.save(update_fields=["attempts", "status", "error_code", "error_title", "error_detail"])
            _published(message)
            return DeliveryOutcome(DeliveryStatus.FAILED)
        message.external_id = wamid
        message.status = DeliveryStatus.SENT
        message.sent_at = timezone.now()
        message.error_code = message.error_title = message.error_detail = ""
        message.save(
            update_fields=[
                "attempts",
                "external_id",
                "status",
                "sent_at",
                "error_code",
                "error_title",
                "error_detail",
            ]
        )
        _published(message)
        return DeliveryOutcome(DeliveryStatus.SENT)
