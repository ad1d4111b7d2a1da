"""Sending a message to the customer of a conversation, channel-neutrally: what may be sent
on which channel and when (the WhatsApp 24-hour window, R22) is the inbox's channel adapter's
call (``relasi.channels.base``); its delivery too, after commit."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from relasi.accounts.models import User
from relasi.channels.base import adapter_for
from relasi.channels.whatsapp.models import WhatsAppTemplate
from relasi.channels.whatsapp.templating import template_fill, template_placeholder_count
from relasi.conversations.enums import DeliveryStatus, MessageDirection, MessageKind
from relasi.conversations.models import Attachment, Conversation, Message
from relasi.conversations.realtime import MESSAGE_CREATED, event_publish
from relasi.core.exceptions import ApplicationError, ValidationError

FILE_KINDS = frozenset({MessageKind.IMAGE, MessageKind.AUDIO, MessageKind.VIDEO, MessageKind.DOCUMENT})
TEXT_MAX = 4096
BUTTONS_MAX = 3
BUTTON_TITLE_MAX = 20
# Interactive list messages (Meta: up to 10 rows in all; row id ≤ 200, title ≤ 24, description
# ≤ 72 characters; the button that opens the list and section titles ≤ 20 / 24).
LIST_ROWS_MAX = 10
LIST_ROW_ID_MAX = 200
LIST_ROW_TITLE_MAX = 24
LIST_ROW_DESCRIPTION_MAX = 72
LIST_BUTTON_MAX = 20
LIST_SECTION_TITLE_MAX = 24
TEMPLATE_BUTTON_VALUE_MAX = 200

logger = logging.getLogger(__name__)


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
    stored: dict[str, Any] = {
        "template": {
            "id": template.pk,
            "name": template.name,
            "language": template.language,
            "body": body_values,
            "header": header_values,
        }
    }
    if payload.get("buttons"):
        stored["template"]["buttons"] = _template_buttons(payload["buttons"])
    return "\n\n".join(texts), stored


def _template_buttons(raw: Any) -> list[dict[str, Any]]:
    """The values of a template's buttons for this send: ``[{"index", "type", "value"}]`` with
    ``type`` ``quick_reply`` (``value`` comes back as the payload of the customer's tap) or
    ``url`` (``value`` fills the ``{{1}}`` at the end of the button's URL)."""
    buttons = []
    for item in raw if isinstance(raw, list) else []:
        index, kind, value = item.get("index"), item.get("type"), str(item.get("value") or "")
        if (
            not isinstance(index, int)
            or not 0 <= index < 10
            or kind not in ("quick_reply", "url")
            or not value
            or len(value) > TEMPLATE_BUTTON_VALUE_MAX
        ):
            raise ValidationError(
                _("A template button value is not valid."),
                fields={"buttons": _("Give each button its index (0–9), its type and a value.")},
            )
        buttons.append({"index": index, "type": kind, "value": value})
    return buttons


def _list_payload(body: str, raw: Any) -> dict[str, Any]:
    """Check an interactive list (``{"button", "sections": [{"title"?, "rows": [{"id", "title",
    "description"?}]}]}``) against Meta's limits; returns the list as stored."""
    raw = raw if isinstance(raw, dict) else {}
    button = str(raw.get("button") or "").strip()
    sections = raw.get("sections") if isinstance(raw.get("sections"), list) else []
    sections = [s for s in sections if isinstance(s, dict)]
    rows = [r for s in sections for r in (s.get("rows") or []) if isinstance(r, dict)]
    ids = [str(r.get("id") or "") for r in rows]
    titles = [str(r.get("title") or "").strip() for r in rows]
    valid = (
        bool(body)
        and 0 < len(button) <= LIST_BUTTON_MAX
        and 1 <= len(rows) <= LIST_ROWS_MAX
        and len(set(ids)) == len(ids)
        and all(0 < len(i) <= LIST_ROW_ID_MAX for i in ids)
        and all(0 < len(t) <= LIST_ROW_TITLE_MAX for t in titles)
        and all(len(str(r.get("description") or "")) <= LIST_ROW_DESCRIPTION_MAX for r in rows)
        and all(len(str(s.get("title") or "")) <= LIST_SECTION_TITLE_MAX for s in sections)
        and (len(sections) == 1 or all(s.get("title") for s in sections))
    )
    if not valid:
        raise ValidationError(
            _("A list needs a text, a button and 1 to 10 options."),
            fields={
                "list": _(
                    "Give the list a button of at most 20 characters and 1 to 10 options with "
                    "different ids, each titled in at most 24 characters."
                )
            },
        )
    stored_sections = []
    for section in sections:
        stored: dict[str, Any] = {"title": str(section["title"])} if section.get("title") else {}
        stored["rows"] = [
            {
                "id": str(r["id"]),
                "title": str(r["title"]).strip(),
                **({"description": str(r["description"])} if r.get("description") else {}),
            }
            for r in section.get("rows") or []
            if isinstance(r, dict)
        ]
        stored_sections.append(stored)
    return {"button": button, "sections": stored_sections}


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
    20 characters), ``{"list": {"button", "sections": [{"title"?, "rows": [{"id", "title",
    "description"?}]}]}}`` (interactive list, up to 10 rows) or ``{"variables": {"body": [...],
    "header": [...]}, "buttons": [{"index", "type", "value"}]}`` (template). What the
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
    if kind == MessageKind.INTERACTIVE and payload.get("list") is not None:
        stored_payload = {"list": _list_payload(body, payload["list"])}
    elif kind == MessageKind.INTERACTIVE:
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
    fields = ["last_message_at", "updated_at"]
    if conversation.first_response_at is None and actor is not None:
        conversation.first_response_at = now
        fields.append("first_response_at")
    conversation.save(update_fields=fields)
    event_publish(
        workspace_id=conversation.workspace_id,
        conversation_id=conversation.pk,
        event=MESSAGE_CREATED,
        message_id=message.pk,
        touch=False,
    )

    message_id = message.pk
    transaction.on_commit(lambda: adapter.delivery_schedule(message_id=message_id))
    return message


def message_send_quietly(
    conversation: Conversation, send: Callable[[], Message], *, what: str
) -> Message | None:
    """An automatic follow-up (a thank-you, a survey list) in the customer's language (the
    installation's default). Its own savepoint: a refusal (window closed, no template…) is
    logged and swallowed, never undoing or failing what the customer's message recorded."""
    try:
        with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
            return send()
    except ApplicationError as error:
        logging.getLogger(__name__).warning(
            "%s in conversation %s not sent: %s", what, conversation.pk, error
        )
        return None
