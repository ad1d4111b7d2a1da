"""Channel-neutral writes for what customers send us (WhatsApp today, e-mail and web chat later).

A channel adapter calls, per sender and in order: ``identity_resolve`` (who is it?) →
``conversation_for_identity`` (which thread?) → ``message_receive`` (store it once); and
``message_status_apply`` for delivery receipts of what we sent.

Which conversation a new customer message goes to (our rule, documented in the inbox help):

* an unresolved conversation of the same identity in the same inbox (open, pending or snoozed)
  is reused; a pending or snoozed one goes back to **open**;
* after a conversation was **resolved**, a new customer message starts a **new** conversation
  (the resolved thread keeps its CSAT, resolution time and reports intact).

Every service is safe to call twice with the same input and under concurrency: uniqueness is
enforced by the database (identity per address, one unresolved conversation per identity, one
message per ``(inbox, external_id)``) and a lost race reads the winner's row.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F

from relasi.accounts.models import Workspace
from relasi.contacts import events
from relasi.contacts.enums import Channel, Source
from relasi.contacts.models import Contact, ContactIdentity
from relasi.contacts.services import contact_create, identity_address_normalize
from relasi.conversations.automations import conversation_greet_or_away
from relasi.conversations.enums import (
    DELIVERY_RANK,
    ConversationStatus,
    DeliveryStatus,
    MessageDirection,
)
from relasi.conversations.models import Conversation, Inbox, Message
from relasi.conversations.realtime import MESSAGE_CREATED, MESSAGE_UPDATED, event_publish
from relasi.conversations.services import conversation_auto_assign
from relasi.core.exceptions import ValidationError
from relasi.core.phone import format_phone_national, normalize_phone

logger = logging.getLogger(__name__)

_SOURCE_BY_CHANNEL: dict[str, str] = {Channel.WHATSAPP: Source.WHATSAPP}


class _LostRace(Exception):
    """Another worker linked the same address first; roll our contact back and use theirs."""


def _address_normalize(*, channel: str, address: str) -> str:
    """The stored form of an address. A WhatsApp id is taken as Meta sends it (digits of the
    E.164 number) even when the number is not a mobile number by our phone library."""
    try:
        return identity_address_normalize(channel=channel, address=address)
    except ValidationError:
        if channel == Channel.WHATSAPP:
            return "".join(ch for ch in address if ch.isdigit())
        raise


def _new_contact_values(*, channel: str, address: str, display_name: str) -> dict[str, Any]:
    values: dict[str, Any] = {"source": _SOURCE_BY_CHANNEL.get(channel, Source.UNKNOWN)}
    name = " ".join(display_name.split())[:200]
    if channel == Channel.WHATSAPP:
        number = normalize_phone("+" + address)
        if number is not None:
            values["phone"] = number.e164
        name = name or (format_phone_national(number.e164) if number else "+" + address)
    elif channel == Channel.EMAIL:
        values["email"] = address
        name = name or address
    values["full_name"] = name or address
    return values


@transaction.atomic
def identity_resolve(
    *, workspace: Workspace, channel: str, address: str, display_name: str = ""
) -> tuple[ContactIdentity, Contact]:
    """The contact behind a channel address, creating it on first contact.

    Order: the identity already linked → a contact of the workspace with that phone number
    (WhatsApp) or e-mail (e-mail) and no identity on this channel → a new contact named from the
    channel profile (or the number), ``source`` set to the channel, with the identity linked and
    a timeline event."""
    address = _address_normalize(channel=channel, address=address)
    identity = (
        ContactIdentity.objects.select_related("contact")
        .filter(workspace=workspace, channel=channel, address=address)
        .first()
    )
    if identity is not None:
        if display_name and identity.display_name != display_name[:200]:
            identity.display_name = display_name[:200]
            identity.save(update_fields=["display_name", "updated_at"])
        return identity, identity.contact

    values = _new_contact_values(channel=channel, address=address, display_name=display_name)
    known = Contact.objects.filter(workspace=workspace)
    if channel == Channel.WHATSAPP and values.get("phone"):
        known = known.filter(phone=values["phone"])
    elif channel == Channel.EMAIL:
        known = known.filter(email=address)
    else:
        known = known.none()
    existing = known.exclude(identities__channel=channel).order_by("id").first()
    try:
        with transaction.atomic():
            if existing is not None:
                contact = existing
            else:
                contact = contact_create(
                    workspace=workspace, actor=None, values=values, timeline_source=channel
                )
            identity, _created = ContactIdentity.objects.get_or_create(
                workspace=workspace,
                channel=channel,
                address=address,
                defaults={"contact": contact, "display_name": display_name[:200]},
            )
            if identity.contact_id != contact.pk:
                raise _LostRace
            if display_name and identity.display_name != display_name[:200]:
                identity.display_name = display_name[:200]
                identity.save(update_fields=["display_name", "updated_at"])
            # contact_create links a mobile number itself; record the link once either way.
            events.contact_identity_added_event(contact=contact, actor=None, channel=channel, address=address)
    except (_LostRace, IntegrityError):
        identity = ContactIdentity.objects.select_related("contact").get(
            workspace=workspace, channel=channel, address=address
        )
    return identity, identity.contact


@transaction.atomic
def conversation_for_identity(
    *, inbox: Inbox, identity: ContactIdentity, contact: Contact
) -> tuple[Conversation, bool]:
    """The unresolved conversation of ``identity`` in ``inbox``, or a new open one (see the
    module docstring: a resolved conversation is never reused). Returns ``(conversation,
    created)``; the row is locked for the rest of the caller's transaction."""
    found = (
        Conversation.objects.select_for_update()
        .filter(inbox=inbox, identity=identity)
        .exclude(status=ConversationStatus.RESOLVED)
        .first()
    )
    if found is not None:
        return found, False
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(
                workspace_id=inbox.workspace_id,
                inbox=inbox,
                contact=contact,
                identity=identity,
                status=ConversationStatus.OPEN,
            )
            # A new conversation goes to the next available agent of the inbox (round-robin).
            conversation_auto_assign(conversation=conversation)
        return conversation, True
    except IntegrityError:
        found = (
            Conversation.objects.select_for_update()
            .filter(inbox=inbox, identity=identity)
            .exclude(status=ConversationStatus.RESOLVED)
            .get()
        )
        return found, False


def inbound_message_store(
    *,
    inbox: Inbox,
    conversation: Conversation,
    external_id: str,
    kind: str,
    body: str,
    payload: dict[str, Any],
    sent_at: datetime,
    reply_to: Message | None = None,
) -> tuple[Message, bool]:
    """The customer message row, stored once per ``(inbox, external_id)``: ``(message,
    created)``; a concurrent insert of the same message reads the winner's row. Nothing else
    changes: the caller moves the conversation forward (``message_receive``)."""
    try:
        with transaction.atomic():
            return Message.objects.get_or_create(
                inbox=inbox,
                external_id=external_id,
                defaults={
                    "workspace_id": inbox.workspace_id,
                    "conversation": conversation,
                    "direction": MessageDirection.INBOUND,
                    "kind": kind,
                    "body": body,
                    "payload": payload,
                    "reply_to": reply_to,
                    "status": DeliveryStatus.RECEIVED,
                    "sent_at": sent_at,
                },
            )
    except IntegrityError:
        return Message.objects.get(inbox=inbox, external_id=external_id), False


def _conversation_received(
    conversation: Conversation, message: Message, sent_at: datetime, *, fields: list[str]
) -> None:
    """A new customer message moves its (locked) conversation's times forward — the last
    inbound time opens the WhatsApp window — saves them with ``fields``, and tells the agents."""
    conversation.last_message_at = max(filter(None, [conversation.last_message_at, sent_at]))
    conversation.last_inbound_at = max(filter(None, [conversation.last_inbound_at, sent_at]))
    conversation.save(update_fields=["last_message_at", "last_inbound_at", *fields, "updated_at"])
    event_publish(
        workspace_id=conversation.workspace_id,
        conversation_id=conversation.pk,
        event=MESSAGE_CREATED,
        message_id=message.pk,
        touch=False,
    )


def survey_tap_store(
    *,
    inbox: Inbox,
    conversation: Conversation,
    external_id: str,
    kind: str,
    body: str,
    payload: dict[str, Any],
    sent_at: datetime,
) -> tuple[Message, bool]:
    """A customer's tap on a survey option (the inbox CSAT or a survey), stored once in the
    rated conversation, which stays as it is: no unread count, no greeting or away message.
    Its times move forward (the tap opens the WhatsApp window) and the agents see it live.
    Call it with the conversation row locked."""
    message, created = inbound_message_store(
        inbox=inbox,
        conversation=conversation,
        external_id=external_id,
        kind=kind,
        body=body,
        payload=payload,
        sent_at=sent_at,
    )
    if not created:
        return message, False
    _conversation_received(conversation, message, sent_at, fields=[])
    return message, True


@transaction.atomic
def message_receive(
    *,
    inbox: Inbox,
    conversation: Conversation,
    external_id: str,
    kind: str,
    body: str,
    payload: dict[str, Any],
    sent_at: datetime,
    reply_to_external_id: str | None = None,
) -> tuple[Message, bool]:
    """Store one customer message, once per ``(inbox, external_id)``; returns ``(message,
    created)``. A new message moves the conversation forward: ``last_message_at``,
    ``last_inbound_at`` (the start of the 24-hour service window is the customer's own
    timestamp), ``unread_count`` + 1, and a pending or snoozed conversation back to open.
    A redelivered message changes nothing."""
    if conversation.inbox_id != inbox.pk:
        raise ValueError("conversation belongs to another inbox")
    reply_to = None
    if reply_to_external_id:
        reply_to = Message.objects.filter(inbox=inbox, external_id=reply_to_external_id).first()
    message, created = inbound_message_store(
        inbox=inbox,
        conversation=conversation,
        external_id=external_id,
        kind=kind,
        body=body,
        payload=payload,
        sent_at=sent_at,
        reply_to=reply_to,
    )
    if not created:
        return message, False
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    conversation.unread_count = F("unread_count") + 1
    fields = ["unread_count"]
    if conversation.status in (ConversationStatus.PENDING, ConversationStatus.SNOOZED):
        conversation.status = ConversationStatus.OPEN
        conversation.snoozed_until = None
        fields += ["status", "snoozed_until"]
    _conversation_received(conversation, message, sent_at, fields=fields)
    conversation_greet_or_away(conversation=conversation, inbound_at=sent_at, inbox=inbox)
    return message, True


def _status_moves_forward(current: str, new: str) -> bool:
    """sent < delivered < read, never backwards. ``failed`` replaces queued or sent; a later
    ``delivered``/``read`` wins over ``failed``, a late ``sent`` does not."""
    if new == current:
        return False
    if new == DeliveryStatus.FAILED:
        return current in (DeliveryStatus.QUEUED, DeliveryStatus.SENT)
    if current == DeliveryStatus.FAILED:
        return new in (DeliveryStatus.DELIVERED, DeliveryStatus.READ)
    return DELIVERY_RANK.get(new, -1) > DELIVERY_RANK.get(current, 0)


_STATUS_TIME_FIELD: dict[str, str] = {
    DeliveryStatus.SENT: "sent_at",
    DeliveryStatus.DELIVERED: "delivered_at",
    DeliveryStatus.READ: "read_at",
}


@transaction.atomic
def message_status_apply(
    *,
    inbox: Inbox,
    external_id: str,
    status: str,
    at: datetime,
    error: dict[str, str] | None = None,
) -> Message | None:
    """Apply a delivery receipt to the message we sent with this provider id. Statuses only move
    forward (``_status_moves_forward``); a late receipt still fills its own empty timestamp
    (``delivered_at`` when ``read`` came first). ``failed`` stores ``error`` (keys ``code``,
    ``title``, ``detail``). A receipt for an unknown id is logged and ignored (``None``)."""
    if status not in (*_STATUS_TIME_FIELD, DeliveryStatus.FAILED):
        logger.info("ignored status %r for %s", status, external_id)
        return None
    message = (
        Message.objects.select_for_update()
        .filter(inbox=inbox, external_id=external_id, direction=MessageDirection.OUTBOUND)
        .first()
    )
    if message is None:
        logger.info("status %r for unknown message %s in inbox %s", status, external_id, inbox.pk)
        return None
    fields: list[str] = []
    time_field = _STATUS_TIME_FIELD.get(status)
    if time_field and getattr(message, time_field) is None:
        setattr(message, time_field, at)
        fields.append(time_field)
    if _status_moves_forward(message.status, status):
        message.status = status
        fields.append("status")
        if status == DeliveryStatus.FAILED:
            error = error or {}
            message.error_code = str(error.get("code", ""))[:20]
            message.error_title = str(error.get("title", ""))[:200]
            message.error_detail = str(error.get("detail", ""))
            fields += ["error_code", "error_title", "error_detail"]
    if fields:
        message.save(update_fields=fields)
        event_publish(
            workspace_id=message.workspace_id,
            conversation_id=message.conversation_id,
            event=MESSAGE_UPDATED,
            message_id=message.pk,
        )
    return message
