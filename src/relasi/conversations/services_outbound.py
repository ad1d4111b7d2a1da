"""Sending a message to the customer of a conversation, channel-neutrally: what may be sent
on which channel and when (the WhatsApp 24-hour window, R22) is the inbox's channel adapter's
call (``relasi.channels.base``); its delivery too, after commit."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile, File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from relasi.accounts.models import User
from relasi.channels.base import adapter_for
from relasi.channels.whatsapp.models import WhatsAppTemplate
from relasi.channels.whatsapp.templating import template_fill, template_placeholder_count
from relasi.conversations.enums import DeliveryStatus, MessageDirection, MessageKind
from relasi.conversations.models import Attachment, Conversation, Message
from relasi.core.exceptions import ValidationError

FILE_KINDS = frozenset({MessageKind.IMAGE, MessageKind.AUDIO, MessageKind.VIDEO, MessageKind.DOCUMENT})
TEXT_MAX = 4096
BUTTONS_MAX = 3
BUTTON_TITLE_MAX = 20


@dataclass(frozen=True)
class OutboundFile:
    """A file to send: bytes (or an open ``File``/``FieldFile``), its name and MIME type."""

    content: bytes | File  # type: ignore[type-arg]
    name: str
    mime_type: str


def _file_bytes(attachment: OutboundFile) -> bytes:
    content = attachment.content
    if isinstance(content, bytes):
        return content
    content.open("rb")
    try:
        data = content.read()
    finally:
        content.close()
    return data if isinstance(data, bytes) else data.encode()


def _template_payload(
    conversation: Conversation, template: WhatsAppTemplate | None, payload: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """Check the template and its variables; the rendered text and the stored payload."""
    account = getattr(conversation.inbox, "whatsapp_account", None)
    if template is None or account is None or template.account_id != account.pk:
        raise ValidationError(
            _("Choose one of this inbox's WhatsApp templates."), fields={"template": _("Choose a template.")}
        )
    if template.status != "APPROVED":
        raise ValidationError(
            _("Template %(name)s is %(status)s; only templates approved by Meta can be sent.")
            % {"name": template.name, "status": template.status.lower()},
            fields={"template": _("Choose an approved template.")},
        )
    variables = payload.get("variables") or {}
    if isinstance(variables, list):
        variables = {"body": variables}
    body_values = [str(v).strip() for v in variables.get("body") or []]
    header_values = [str(v).strip() for v in variables.get("header") or []]
    errors: dict[str, str] = {}
    for part, values in (("BODY", body_values), ("HEADER", header_values)):
        expected = template_placeholder_count(template.components, part)
        if len(values) != expected or any(not v for v in values):
            errors[f"variables.{part.lower()}"] = _(
                "Fill in all %(count)s variables of the template's %(part)s ({{1}}, {{2}}…)."
            ) % {"count": expected, "part": part.lower()}
    if errors:
        raise ValidationError(_("Some template variables are missing."), fields=errors)
    texts = []
    for component in template.components:
        kind = str(component.get("type", "")).upper()
        if kind in ("HEADER", "BODY") and component.get("text"):
            texts.append(
                template_fill(str(component["text"]), header_values if kind == "HEADER" else body_values)
            )
    stored = {
        "template": {
            "id": template.pk,
            "name": template.name,
            "language": template.language,
            "body": body_values,
            "header": header_values,
        }
    }
    return "\n\n".join(texts), stored


@transaction.atomic
def message_send(
    *,
    conversation: Conversation,
    actor: User | None,
    kind: str,
    body: str = "",
    payload: dict[str, Any] | None = None,
    attachment: OutboundFile | None = None,
    template: WhatsAppTemplate | None = None,
    idempotency_key: str | None = None,
) -> Message:
    """Store an outbound message ``queued`` and hand it to the channel after commit.

    ``payload``: ``{"buttons": [{"id", "title"}…]}`` (interactive, up to 3 buttons of at most
    20 characters) or ``{"variables": {"body": [...], "header": [...]}}`` (template). What the
    channel refuses now (WhatsApp: a free-form kind once the 24-hour window closed) raises
    ``Conflict`` or ``ValidationError`` and stores nothing. The same ``idempotency_key`` returns the
    message stored the first time."""
    payload = dict(payload or {})
    body = (body or "").strip()
    if idempotency_key:
        existing = Message.objects.filter(
            workspace_id=conversation.workspace_id, idempotency_key=idempotency_key
        ).first()
        if existing is not None:
            return existing
    adapter = adapter_for(conversation.inbox.channel_type)
    if adapter is None or kind not in adapter.kinds:
        raise ValidationError(
            _("This kind of message cannot be sent."),
            fields={"kind": _("Choose text, a file, buttons or a template.")},
        )
    adapter.send_check(conversation=conversation, kind=kind)
    stored_payload: dict[str, Any] = {}
    if kind == MessageKind.TEXT and not body:
        raise ValidationError(_("Write a message first."), fields={"body": _("Write a message first.")})
    if kind in (MessageKind.TEXT, MessageKind.INTERACTIVE) and len(body) > TEXT_MAX:
        raise ValidationError(
            _("The message is too long."),
            fields={"body": _("Keep it under %(max)s characters.") % {"max": TEXT_MAX}},
        )
    if kind == MessageKind.INTERACTIVE:
        buttons = payload.get("buttons") or []
        if (
            not body
            or not 1 <= len(buttons) <= BUTTONS_MAX
            or any(
                not str(b.get("title", "")).strip() or len(str(b.get("title"))) > BUTTON_TITLE_MAX
                for b in buttons
            )
        ):
            raise ValidationError(
                _("Buttons need a text and 1 to 3 buttons."),
                fields={"buttons": _("Give 1 to 3 buttons, each with a title of at most 20 characters.")},
            )
        stored_payload = {
            "buttons": [
                {"id": str(b.get("id") or f"btn_{i + 1}"), "title": str(b["title"]).strip()}
                for i, b in enumerate(buttons)
            ]
        }
    if kind in FILE_KINDS:
        if attachment is None:
            raise ValidationError(_("Attach a file."), fields={"attachment": _("Attach a file.")})
        stored_payload = {"file_name": attachment.name}
    if kind == MessageKind.TEMPLATE:
        body, stored_payload = _template_payload(conversation, template, payload)
    now = timezone.now()
    message = Message.objects.create(
        workspace_id=conversation.workspace_id,
        inbox_id=conversation.inbox_id,
        conversation=conversation,
        direction=MessageDirection.OUTBOUND,
        kind=kind,
        body=body,
        payload=stored_payload,
        sender=actor,
        status=DeliveryStatus.QUEUED,
        idempotency_key=idempotency_key or None,
    )
    if attachment is not None and kind in FILE_KINDS:
        data = _file_bytes(attachment)
        record = Attachment(
            message=message,
            file_name=attachment.name,
            content_type=attachment.mime_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
        )
        record.file.save(attachment.name, ContentFile(data), save=False)
        record.save()
    conversation.last_message_at = now
    fields = ["last_message_at"]
    if conversation.first_response_at is None and actor is not None:
        conversation.first_response_at = now
        fields.append("first_response_at")
    conversation.save(update_fields=fields)

    message_id = message.pk
    transaction.on_commit(lambda: adapter.delivery_schedule(message_id=message_id))
    return message
