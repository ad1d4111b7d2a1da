"""Meta's webhook JSON as typed, frozen dataclasses (reference/whatsapp-cloud-api.md §3–§5).

``webhook_parse(data)`` walks every ``entry[].changes[]`` of one POST and returns the inbound
messages, status updates and template/quality updates it finds, in order. It never raises on
content: a malformed item is skipped with a logged reason (``Batch.skipped``) and the rest of the
batch is still returned; unknown fields are kept in each item's ``raw`` dict and unknown message
types become ``unsupported``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import UTC, datetime
from typing import Any

logger = logging.getLogger(__name__)

MEDIA_TYPES = frozenset({"image", "audio", "video", "document", "sticker"})
KNOWN_TYPES = MEDIA_TYPES | {"text", "location", "contacts", "interactive", "button", "reaction"}


class PayloadError(ValueError):
    """One item of the batch cannot be understood (it is skipped, the rest goes on)."""


@dataclass(frozen=True)
class Media:
    id: str
    mime_type: str = ""
    sha256: str = ""
    filename: str = ""
    caption: str = ""


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float
    name: str = ""
    address: str = ""
    url: str = ""


@dataclass(frozen=True)
class InteractiveReply:
    type: str  # button_reply, list_reply, nfm_reply…
    id: str = ""
    title: str = ""
    description: str = ""


@dataclass(frozen=True)
class TemplateButton:
    payload: str = ""
    text: str = ""


@dataclass(frozen=True)
class Reaction:
    message_id: str
    emoji: str = ""  # empty: the customer removed the reaction


@dataclass(frozen=True)
class Context:
    id: str
    from_: str = ""


@dataclass(frozen=True)
class Referral:
    source_url: str = ""
    source_id: str = ""
    source_type: str = ""
    headline: str = ""
    body: str = ""
    ctwa_clid: str = ""
    raw: dict[str, Any] = dataclass_field(default_factory=dict)


@dataclass(frozen=True)
class ApiError:
    code: str
    title: str = ""
    message: str = ""
    details: str = ""


@dataclass(frozen=True)
class InboundMessage:
    """One customer message. ``type`` is Meta's; anything we do not know is ``unsupported``."""

    phone_number_id: str
    wamid: str
    from_: str
    timestamp: datetime
    type: str
    profile_name: str = ""
    text: str = ""  # the text body, or the caption of a media message
    media: Media | None = None
    location: Location | None = None
    contacts: tuple[dict[str, Any], ...] = ()
    interactive: InteractiveReply | None = None
    button: TemplateButton | None = None
    reaction: Reaction | None = None
    context: Context | None = None
    referral: Referral | None = None
    errors: tuple[ApiError, ...] = ()
    raw: dict[str, Any] = dataclass_field(default_factory=dict)


@dataclass(frozen=True)
class StatusUpdate:
    """The fate of a message we sent: sent, delivered, read or failed."""

    phone_number_id: str
    wamid: str
    status: str
    timestamp: datetime
    recipient_id: str = ""
    errors: tuple[ApiError, ...] = ()
    pricing: dict[str, Any] | None = None
    conversation: dict[str, Any] | None = None
    biz_opaque_callback_data: str = ""
    raw: dict[str, Any] = dataclass_field(default_factory=dict)


@dataclass(frozen=True)
class TemplateStatusUpdate:
    """A non-``messages`` change: template approval or number quality. ``field`` says which."""

    business_account_id: str
    field: str
    event: str = ""
    template_name: str = ""
    template_language: str = ""
    template_id: str = ""
    reason: str = ""
    raw: dict[str, Any] = dataclass_field(default_factory=dict)


@dataclass(frozen=True)
class Batch:
    messages: tuple[InboundMessage, ...] = ()
    statuses: tuple[StatusUpdate, ...] = ()
    template_updates: tuple[TemplateStatusUpdate, ...] = ()
    skipped: tuple[str, ...] = ()  # why items were skipped, for the event's log


def _str(value: Any) -> str:
    if value is None:
        return ""
    return str(value)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def parse_timestamp(value: Any) -> datetime:
    """Meta sends Unix seconds as a string; the result is an aware UTC datetime."""
    try:
        return datetime.fromtimestamp(int(str(value)), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError) as error:
        raise PayloadError(f"bad timestamp {value!r}") from error


def _errors(value: Any) -> tuple[ApiError, ...]:
    out = []
    for item in _list(value):
        item = _dict(item)
        out.append(
            ApiError(
                code=_str(item.get("code")),
                title=_str(item.get("title")),
                message=_str(item.get("message")),
                details=_str(_dict(item.get("error_data")).get("details")),
            )
        )
    return tuple(out)


def _media(content: dict[str, Any]) -> Media:
    media_id = _str(content.get("id"))
    if not media_id:
        raise PayloadError("media without id")
    return Media(
        id=media_id,
        mime_type=_str(content.get("mime_type")),
        sha256=_str(content.get("sha256")),
        filename=_str(content.get("filename")),
        caption=_str(content.get("caption")),
    )


def _interactive(content: dict[str, Any]) -> InteractiveReply:
    kind = _str(content.get("type"))
    reply = _dict(content.get(kind))
    return InteractiveReply(
        type=kind,
        id=_str(reply.get("id")),
        title=_str(reply.get("title") or reply.get("name")),
        description=_str(reply.get("description") or reply.get("body")),
    )


def _referral(content: dict[str, Any]) -> Referral:
    return Referral(
        source_url=_str(content.get("source_url")),
        source_id=_str(content.get("source_id")),
        source_type=_str(content.get("source_type")),
        headline=_str(content.get("headline")),
        body=_str(content.get("body")),
        ctwa_clid=_str(content.get("ctwa_clid")),
        raw=content,
    )


def message_parse(item: Any, *, phone_number_id: str, profiles: dict[str, str]) -> InboundMessage:
    """One element of ``value.messages``. Raises ``PayloadError`` when it has no id, sender or
    valid timestamp (nothing to store it under)."""
    if not isinstance(item, dict):
        raise PayloadError("message is not an object")
    wamid = _str(item.get("id"))
    sender = _str(item.get("from"))
    if not wamid or not sender:
        raise PayloadError("message without id or from")
    timestamp = parse_timestamp(item.get("timestamp"))
    kind = _str(item.get("type")) or "unsupported"
    if kind not in KNOWN_TYPES:
        kind = "unsupported"
    content = _dict(item.get(kind))
    values: dict[str, Any] = {}
    if kind == "text":
        values["text"] = _str(content.get("body"))
    elif kind in MEDIA_TYPES:
        values["media"] = _media(content)
        values["text"] = values["media"].caption
    elif kind == "location":
        try:
            values["location"] = Location(
                latitude=float(content["latitude"]),
                longitude=float(content["longitude"]),
                name=_str(content.get("name")),
                address=_str(content.get("address")),
                url=_str(content.get("url")),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise PayloadError("location without valid latitude/longitude") from error
    elif kind == "contacts":
        values["contacts"] = tuple(_dict(c) for c in _list(item.get("contacts")))
    elif kind == "interactive":
        values["interactive"] = _interactive(content)
        values["text"] = values["interactive"].title
    elif kind == "button":
        values["button"] = TemplateButton(
            payload=_str(content.get("payload")), text=_str(content.get("text"))
        )
        values["text"] = values["button"].text
    elif kind == "reaction":
        reacted = _str(content.get("message_id"))
        if not reacted:
            raise PayloadError("reaction without message_id")
        values["reaction"] = Reaction(message_id=reacted, emoji=_str(content.get("emoji")))
        values["text"] = values["reaction"].emoji
    context = _dict(item.get("context"))
    if context.get("id"):
        values["context"] = Context(id=_str(context.get("id")), from_=_str(context.get("from")))
    if isinstance(item.get("referral"), dict):
        values["referral"] = _referral(item["referral"])
    return InboundMessage(
        phone_number_id=phone_number_id,
        wamid=wamid,
        from_=sender,
        timestamp=timestamp,
        type=kind,
        profile_name=profiles.get(sender, ""),
        errors=_errors(item.get("errors")),
        raw=item,
        **values,
    )


def status_parse(item: Any, *, phone_number_id: str) -> StatusUpdate:
    """One element of ``value.statuses``."""
    if not isinstance(item, dict):
        raise PayloadError("status is not an object")
    wamid = _str(item.get("id"))
    status = _str(item.get("status"))
    if not wamid or not status:
        raise PayloadError("status without id or status")
    return StatusUpdate(
        phone_number_id=phone_number_id,
        wamid=wamid,
        status=status,
        timestamp=parse_timestamp(item.get("timestamp")),
        recipient_id=_str(item.get("recipient_id")),
        errors=_errors(item.get("errors")),
        pricing=item.get("pricing") if isinstance(item.get("pricing"), dict) else None,
        conversation=item.get("conversation") if isinstance(item.get("conversation"), dict) else None,
        biz_opaque_callback_data=_str(item.get("biz_opaque_callback_data")),
        raw=item,
    )


def _other_change(
    *, business_account_id: str, field_name: str, value: dict[str, Any]
) -> TemplateStatusUpdate:
    return TemplateStatusUpdate(
        business_account_id=business_account_id,
        field=field_name,
        event=_str(value.get("event")),
        template_name=_str(value.get("message_template_name")),
        template_language=_str(value.get("message_template_language")),
        template_id=_str(value.get("message_template_id")),
        reason=_str(value.get("reason")),
        raw=value,
    )


def webhook_parse(data: Any) -> Batch:
    """Every message, status and template/quality update of one webhook POST, in order."""
    messages: list[InboundMessage] = []
    statuses: list[StatusUpdate] = []
    others: list[TemplateStatusUpdate] = []
    skipped: list[str] = []

    def skip(reason: str) -> None:
        logger.warning("whatsapp webhook item skipped: %s", reason)
        skipped.append(reason)

    if not isinstance(data, dict):
        skip("body is not a JSON object")
        return Batch(skipped=tuple(skipped))
    for entry in _list(data.get("entry")):
        entry = _dict(entry)
        business_account_id = _str(entry.get("id"))
        for change in _list(entry.get("changes")):
            change = _dict(change)
            field_name = _str(change.get("field"))
            value = _dict(change.get("value"))
            if field_name != "messages":
                if field_name:
                    others.append(
                        _other_change(
                            business_account_id=business_account_id, field_name=field_name, value=value
                        )
                    )
                else:
                    skip("change without field")
                continue
            phone_number_id = _str(_dict(value.get("metadata")).get("phone_number_id"))
            profiles = {
                _str(_dict(c).get("wa_id")): _str(_dict(_dict(c).get("profile")).get("name"))
                for c in _list(value.get("contacts"))
            }
            for item in _list(value.get("messages")):
                try:
                    messages.append(message_parse(item, phone_number_id=phone_number_id, profiles=profiles))
                except PayloadError as error:
                    skip(f"message: {error}")
            for item in _list(value.get("statuses")):
                try:
                    statuses.append(status_parse(item, phone_number_id=phone_number_id))
                except PayloadError as error:
                    skip(f"status: {error}")
            for api_error in _errors(value.get("errors")):
                skip(f"change error {api_error.code}: {api_error.title}")
    return Batch(
        messages=tuple(messages),
        statuses=tuple(statuses),
        template_updates=tuple(others),
        skipped=tuple(skipped),
    )
