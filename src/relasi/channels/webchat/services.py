"""Writes of the web-chat channel: setting up a web-chat inbox and its widget, and what a
visitor does (pass the pre-chat form, write, read).

The visitor path is the channel-neutral inbound path (``conversations.services_inbound``):
the visitor's web-chat identity → ``conversation_for_identity`` → ``message_receive`` with
``external_id = "wc:<client_id>"`` (the widget's own id for the message, so a message sent
again after a reconnect is stored once), which announces it in real time. Greeting and away messages
follow through ``message_receive`` like on every channel."""

from __future__ import annotations

import datetime as dt
import ipaddress
import uuid
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from relasi.accounts.models import User, Workspace
from relasi.channels.webchat.enums import PrechatContact
from relasi.channels.webchat.models import DEFAULT_COLOR, WebChatVisitor, WebChatWidget
from relasi.channels.webchat.origins import origin_normalize
from relasi.contacts.enums import Channel, Source
from relasi.contacts.models import Contact, ContactIdentity
from relasi.contacts.services import contact_create, contact_identity_add
from relasi.conversations.enums import ChannelType, DeliveryStatus, MessageDirection, MessageKind
from relasi.conversations.inbox_settings import (
    InboxInput,
    account_apply,
    inbox_apply,
    inbox_audit,
    inbox_create,
    inbox_created_changes,
)
from relasi.conversations.models import Inbox, Message
from relasi.conversations.realtime import MESSAGE_UPDATED, event_publish
from relasi.conversations.services_inbound import (
    conversation_for_identity,
    message_receive,
    message_status_apply,
)
from relasi.conversations.services_outbound import TEXT_MAX
from relasi.core.exceptions import Conflict, ValidationError, fields_invalid
from relasi.core.models import AuditAction
from relasi.core.phone import PhoneNumber, normalize_phone

TEXT_LIMIT = 1000
ORIGINS_MAX = 20
EXTERNAL_PREFIX = "wc:"  # inbound: "wc:<client uuid>"; outbound: "wc:out:<message id>"
SEEN_EVERY = dt.timedelta(seconds=60)
RECEIPT_STATUSES = (DeliveryStatus.DELIVERED, DeliveryStatus.READ)
RECEIPT_IDS_MAX = 200


# Inbox and widget set-up ----------------------------------------------------------------


def origins_clean(raw: Any) -> list[str]:
    """Allowed websites from a list or from text with one per line (commas work too), each
    made canonical (``https://toko.example``, ``https://*.toko.example``), without
    duplicates. Raises ``ValidationError`` on ``allowed_origins``."""
    if raw is None:
        return []
    items = raw.replace(",", "\n").splitlines() if isinstance(raw, str) else [str(x) for x in raw]
    result: list[str] = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        origin = origin_normalize(item, wildcard=True)
        if origin is None:
            raise fields_invalid(
                {
                    "allowed_origins": _(
                        "'%(value)s' is not a website address. Type it like https://toko.example "
                        "or https://*.toko.example."
                    )
                    % {"value": item[:100]}
                }
            )
        if origin not in result:
            result.append(origin)
    if len(result) > ORIGINS_MAX:
        raise fields_invalid({"allowed_origins": _("List at most %(max)s websites.") % {"max": ORIGINS_MAX}})
    return result


def _values(
    workspace: Workspace, values: dict[str, Any], inbox: Inbox | None
) -> tuple[InboxInput, dict[str, Any]]:
    """Check the inbox and widget fields (a partial update keeps what is not given); every
    problem is reported at once."""
    given = InboxInput(
        workspace=workspace,
        values=values,
        inbox=inbox,
        account="webchat_widget",
        name_missing=_("Enter a name, e.g. Chat website."),
    )
    widget: WebChatWidget | None = given.account
    current, errors = given.account_value, given.errors
    widget_vals: dict[str, Any] = {
        "website_name": " ".join(str(current("website_name")).split()),
        "welcome_text": str(current("welcome_text")).strip(),
        "color": str(current("color", DEFAULT_COLOR)).strip().lower(),
        "prechat_contact": str(current("prechat_contact", PrechatContact.EITHER)),
        "offline_text": str(current("offline_text")).strip(),
    }
    if not widget_vals["website_name"]:
        errors["website_name"] = _("Enter the name visitors see at the top of the chat, e.g. Toko Hero.")
    elif len(widget_vals["website_name"]) > 120:
        errors["website_name"] = _("Use at most %(limit)d characters.") % {"limit": 120}
    for name in ("welcome_text", "offline_text"):
        if len(widget_vals[name]) > TEXT_LIMIT:
            errors[name] = _("Use at most %(limit)d characters.") % {"limit": TEXT_LIMIT}
    color = widget_vals["color"]
    if len(color) != 7 or color[0] != "#" or any(c not in "0123456789abcdef" for c in color[1:]):
        errors["color"] = _("Use a colour like #0b6e4f.")
    if widget_vals["prechat_contact"] not in PrechatContact.values:
        errors["prechat_contact"] = _("Choose one of: %(v)s.") % {"v": ", ".join(PrechatContact.values)}
    try:
        widget_vals["allowed_origins"] = (
            origins_clean(values["allowed_origins"])
            if values.get("allowed_origins") is not None
            else list(widget.allowed_origins if widget else [])
        )
    except ValidationError as error:
        given.add(error)
    given.raise_errors()
    return given, widget_vals


@transaction.atomic
def webchat_inbox_create(
    *, workspace: Workspace, actor: User, values: dict[str, Any], ip_address: str | None = None
) -> Inbox:
    """A web-chat inbox and its widget (a fresh random public token). Required: ``name`` and
    ``website_name``; the rest has defaults (any website may embed it, the pre-chat form asks
    for a WhatsApp number or an e-mail)."""
    checked, widget_vals = _values(workspace, values, None)
    inbox = inbox_create(workspace=workspace, channel_type=ChannelType.WEBCHAT, checked=checked)
    widget = WebChatWidget.objects.create(workspace=workspace, inbox=inbox, **widget_vals)
    inbox_audit(
        action=AuditAction.CREATE,
        actor=actor,
        inbox=inbox,
        changes={**inbox_created_changes(checked), **widget_vals, "public_token": widget.public_token},
        ip_address=ip_address,
    )
    return inbox


@transaction.atomic
def webchat_inbox_update(
    *, inbox: Inbox, actor: User, values: dict[str, Any], ip_address: str | None = None
) -> Inbox:
    """Change a web-chat inbox and its widget (only the fields given). The public token never
    changes: the script tag on the website keeps working."""
    checked, widget_vals = _values(inbox.workspace, values, inbox)
    changes = inbox_apply(inbox=inbox, checked=checked)
    changes.update(account_apply(inbox.webchat_widget, widget_vals))
    inbox_audit(action=AuditAction.UPDATE, actor=actor, inbox=inbox, changes=changes, ip_address=ip_address)
    return inbox


# Visitors -------------------------------------------------------------------------------


def ip_network_of(ip: str | None) -> str:
    """The client's network, never its address: IPv4 cut to /24, IPv6 to /48 (module
    docstring of ``models``)."""
    try:
        address = ipaddress.ip_address((ip or "").strip())
    except ValueError:
        return ""
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def prechat_clean(
    *, widget: WebChatWidget, name: str, whatsapp: str, email: str
) -> tuple[str, PhoneNumber | None, str]:
    """The pre-chat form: a name, and a WhatsApp number and/or an e-mail as the widget asks
    (``prechat_contact``). The number is normalised to E.164 and must be a mobile number; the
    e-mail is lower-cased. All problems are raised together, each on its field, in the active
    language."""
    errors: dict[str, str] = {}
    clean_name = " ".join((name or "").split())
    if not clean_name:
        errors["name"] = _("Tell us your name.")
    elif len(clean_name) > 200:
        errors["name"] = _("Use at most %(limit)d characters.") % {"limit": 200}
    number: PhoneNumber | None = None
    raw_number = (whatsapp or "").strip()
    if raw_number:
        number = normalize_phone(raw_number)
        if number is None or not number.is_mobile:
            number = None
            errors["whatsapp"] = _("This is not a WhatsApp number. Type it like 0812-3456-7890.")
    clean_email = (email or "").strip().lower()
    if clean_email:
        try:
            validate_email(clean_email)
        except DjangoValidationError:
            errors["email"] = _("This is not an e-mail address. Type it like nama@contoh.co.id.")
    wanted = widget.prechat_contact
    if wanted == PrechatContact.EITHER and not raw_number and not clean_email:
        both = _("Give your WhatsApp number or your e-mail, so that we can answer you.")
        errors["whatsapp"] = errors["email"] = both
    if wanted in (PrechatContact.WHATSAPP, PrechatContact.BOTH) and not raw_number:
        errors["whatsapp"] = _("Give your WhatsApp number, so that we can answer you.")
    if wanted in (PrechatContact.EMAIL, PrechatContact.BOTH) and not clean_email:
        errors["email"] = _("Give your e-mail, so that we can answer you.")
    if errors:
        raise ValidationError(_("Please check the form."), fields=errors)
    return clean_name, number, clean_email


def _live(contact: Contact | None) -> Contact | None:
    """Follow a merged contact to the one it was merged into."""
    hops = 0
    while contact is not None and contact.merged_into_id is not None and hops < 5:
        contact = contact.merged_into
        hops += 1
    return contact if contact is not None and contact.merged_into_id is None else None


def contact_for_details(*, workspace: Workspace, number: PhoneNumber | None, email: str) -> Contact | None:
    """The workspace's existing contact with this WhatsApp number or e-mail, in this order:
    the contact holding the WhatsApp identity → a contact with the number as its phone (or
    other phone) → the contact holding the e-mail identity → a contact with that e-mail
    (the oldest one when several match). ``None`` when nobody matches."""
    identities = ContactIdentity.objects.select_related("contact__merged_into").filter(workspace=workspace)
    contacts = Contact.objects.filter(workspace=workspace, merged_into__isnull=True).order_by("id")
    if number is not None:
        held = identities.filter(channel=Channel.WHATSAPP, address=number.whatsapp_id).first()
        found = _live(held.contact) if held else None
        found = found or contacts.filter(Q(phone=number.e164) | Q(phone_alt=number.e164)).first()
        if found is not None:
            return found
    if email:
        held = identities.filter(channel=Channel.EMAIL, address=email).first()
        found = _live(held.contact) if held else None
        return found or contacts.filter(email=email).first()
    return None


@transaction.atomic
def visitor_start(
    *,
    widget: WebChatWidget,
    name: str,
    whatsapp: str = "",
    email: str = "",
    origin: str = "",
    user_agent: str = "",
    ip: str | None = None,
    language: str = "id",
) -> WebChatVisitor:
    """A browser passed the pre-chat form: it becomes a visitor, i.e. a ``webchat`` identity
    (address = a new random visitor id) of a contact:

    * the workspace's existing contact with that WhatsApp number or e-mail
      (``contact_for_details``): no duplicate customer. Nothing else on that contact changes:
      what a visitor types is not verified, so it never overwrites or adds to a known
      customer's numbers or addresses (agents can merge or edit);
    * else a new contact (source *Website*) with the name, number and e-mail, linked to its
      WhatsApp and e-mail identities as well.

    Visitors of one widget are created one at a time (the widget row is locked), so two
    tabs sending the same new number at once do not make two contacts."""
    clean_name, number, clean_email = prechat_clean(widget=widget, name=name, whatsapp=whatsapp, email=email)
    widget = WebChatWidget.objects.select_for_update().select_related("inbox__workspace").get(pk=widget.pk)
    workspace = widget.inbox.workspace
    contact = contact_for_details(workspace=workspace, number=number, email=clean_email)
    if contact is None:
        contact = contact_create(
            workspace=workspace,
            actor=None,
            values={
                "full_name": clean_name,
                "phone": number.e164 if number else "",
                "email": clean_email,
                "source": Source.WEBSITE,
            },
            timeline_source=Channel.WEBCHAT,
        )
    visitor_id = uuid.uuid4()
    identity = contact_identity_add(
        contact=contact, channel=Channel.WEBCHAT, address=str(visitor_id), actor=None, display_name=clean_name
    )
    return WebChatVisitor.objects.create(
        workspace=workspace,
        widget=widget,
        visitor_id=visitor_id,
        identity=identity,
        origin=(origin_normalize(origin) or "")[:200],
        language=language[:5],
        user_agent=(user_agent or "")[:200],
        ip_network=ip_network_of(ip),
        last_seen_at=timezone.now(),
    )


def _client_id(value: Any) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except (TypeError, ValueError):
        raise ValidationError(
            _("The message has no valid id."), fields={"client_id": _("Send a UUID.")}
        ) from None


@transaction.atomic
def visitor_message_receive(*, visitor: WebChatVisitor, client_id: Any, body: Any) -> tuple[Message, bool]:
    """Store a visitor's text message once per ``client_id`` (the widget's UUID for it): a
    resend after a reconnect returns the stored message and ``created=False``. The message
    goes to the visitor's unresolved conversation in the widget's inbox, or a new one
    (``conversation_for_identity``), through ``message_receive`` (greeting and away message
    included; it announces the message in real time)."""
    cid = _client_id(client_id)
    text = str(body or "").strip()
    if not text:
        raise ValidationError(_("Write a message first."), fields={"body": _("Write a message first.")})
    if len(text) > TEXT_MAX:
        raise ValidationError(
            _("The message is too long."),
            fields={"body": _("Keep it under %(max)s characters.") % {"max": TEXT_MAX}},
        )
    inbox = visitor.widget.inbox
    external_id = EXTERNAL_PREFIX + cid
    stored = (
        Message.objects.filter(inbox=inbox, external_id=external_id).select_related("conversation").first()
    )
    if stored is not None:
        if stored.conversation.identity_id != visitor.identity_id:
            raise Conflict(_("This message id is already used."), fields={"client_id": _("Send a new UUID.")})
        return stored, False
    identity = ContactIdentity.objects.select_related("contact").get(pk=visitor.identity_id)
    conversation, _created = conversation_for_identity(
        inbox=inbox, identity=identity, contact=identity.contact
    )
    now = timezone.now()
    message, created = message_receive(
        inbox=inbox,
        conversation=conversation,
        external_id=external_id,
        kind=MessageKind.TEXT,
        body=text,
        payload={"client_id": cid},
        sent_at=now,
    )
    visitor_seen(visitor=visitor, at=now)
    return message, created


@transaction.atomic
def visitor_receipts_apply(*, visitor: WebChatVisitor, message_ids: Iterable[Any], status: str) -> list[int]:
    """The widget showed (``delivered``) or the visitor saw (``read``) these messages of the
    business. Only the visitor's own conversations' sent messages count; statuses only move
    forward and each change is announced (``message_status_apply``). Returns the ids whose
    status changed."""
    if status not in RECEIPT_STATUSES:
        raise ValidationError(_("Unknown status."), fields={"status": _("Use delivered or read.")})
    ids: list[int] = []
    for raw in list(message_ids)[:RECEIPT_IDS_MAX]:
        try:
            ids.append(int(raw))
        except (TypeError, ValueError):
            raise ValidationError(
                _("Unknown message."), fields={"ids": _("Send the ids of the messages.")}
            ) from None
    inbox = visitor.widget.inbox
    rows = list(
        Message.objects.filter(
            pk__in=ids,
            inbox=inbox,
            conversation__identity_id=visitor.identity_id,
            direction=MessageDirection.OUTBOUND,
            is_private=False,
            external_id__startswith=EXTERNAL_PREFIX + "out:",
        ).values_list("pk", "external_id", "status")
    )
    now = timezone.now()
    changed: list[int] = []
    for pk, external_id, before in rows:
        message = message_status_apply(inbox=inbox, external_id=external_id, status=status, at=now)
        if message is not None and message.status != before:
            changed.append(pk)
    return changed


def visitor_seen(*, visitor: WebChatVisitor, at: dt.datetime | None = None, force: bool = False) -> None:
    """Note that the visitor's widget is connected now (at most one write a minute, unless
    ``force``: the widget just disconnected)."""
    at = at or timezone.now()
    if force or visitor.last_seen_at is None or at - visitor.last_seen_at >= SEEN_EVERY:
        WebChatVisitor.objects.filter(pk=visitor.pk).update(last_seen_at=at)
        visitor.last_seen_at = at


# Outbound -------------------------------------------------------------------------------


@transaction.atomic
def outbound_mark_sent(*, message_id: int) -> Message | None:
    """Hand a queued outbound message to the widget: status ``sent``, its own provider id
    ``wc:out:<id>`` (receipts find it by that), and a ``message.updated`` event
    (``message_send`` announced ``message.created``; the visitor's websocket pushes the
    message on either, or its database poll finds it). A message that is not queued any more
    is left alone (idempotent)."""
    message = (
        Message.objects.select_for_update()
        .filter(pk=message_id, status=DeliveryStatus.QUEUED, direction=MessageDirection.OUTBOUND)
        .first()
    )
    if message is None:
        return None
    message.status = DeliveryStatus.SENT
    message.sent_at = timezone.now()
    message.external_id = f"{EXTERNAL_PREFIX}out:{message.pk}"
    message.save(update_fields=["status", "sent_at", "external_id"])
    event_publish(
        workspace_id=message.workspace_id,
        conversation_id=message.conversation_id,
        event=MESSAGE_UPDATED,
        message_id=message.pk,
    )
    return message
