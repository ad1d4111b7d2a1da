"""Automatic answers of an inbox: the greeting for a new conversation and the away message
outside office hours, sent in the customer's channel through ``message_send``.

Rules:

* **Greeting** (``inbox.greeting_message``): once per conversation, when its first customer
  message arrives.
* **Away message** (``inbox.away_message``): when a customer message arrives while the inbox is
  closed (``office_hours.inbox_is_open``), at most once per conversation per closed period. A
  closed period is named by the moment it ends (``next_opening``), which is the same for every
  message of that period; the message carries the idempotency key
  ``away:<conversation>:<end>`` so a second message of the period finds the first away message
  and sends nothing.
* Only while the customer-service window is open (the customer just wrote); otherwise nothing
  is sent (a free-text message would be refused).

Variables as in quick replies: ``{{name}}``, ``{{first_name}}``, ``{{phone}}``, and in the away
message ``{{next_opening}}`` ("Senin, 08.00").
"""

from __future__ import annotations

import datetime as dt
import logging
import re

from django.db import transaction

from relasi.channels.whatsapp.adapter import window_open
from relasi.conversations.enums import ChannelType, MessageDirection, MessageKind
from relasi.conversations.models import Conversation, Inbox, Message
from relasi.conversations.office_hours import inbox_is_open, next_opening, opening_text
from relasi.conversations.services import quick_reply_fill
from relasi.conversations.services_outbound import message_send
from relasi.core.exceptions import ApplicationError

logger = logging.getLogger(__name__)

_NEXT_OPENING = re.compile(r"\{\{\s*next_opening\s*\}\}")


def _send(conversation: Conversation, body: str, key: str) -> Message | None:
    try:
        with transaction.atomic():
            return message_send(
                conversation=conversation, actor=None, kind=MessageKind.TEXT, body=body, idempotency_key=key
            )
    except ApplicationError as error:  # e.g. no WhatsApp number: the customer's message stays stored
        logger.warning("automatic message %s not sent: %s", key, error)
        return None


@transaction.atomic
def conversation_greet_or_away(
    *, conversation: Conversation, inbound_at: dt.datetime, inbox: Inbox | None = None
) -> list[Message]:
    """Send the greeting and/or the away message a customer message arriving at ``inbound_at``
    calls for (rules in the module docstring); returns the messages sent now (none when they
    were sent before). Call it after the inbound message is stored, in the same transaction.
    Passing the conversation's ``inbox`` makes the common case (no texts set) query-free."""
    if inbox is not None and not inbox.greeting_message.strip() and not inbox.away_message.strip():
        return []
    conversation = Conversation.objects.select_related("inbox__workspace", "contact", "identity").get(
        pk=conversation.pk
    )
    inbox = conversation.inbox
    if not inbox.greeting_message.strip() and not inbox.away_message.strip():
        return []
    if inbox.channel_type == ChannelType.WHATSAPP and not window_open(conversation):
        return []
    sent: list[Message] = []
    existing = set(
        Message.objects.filter(
            conversation=conversation, idempotency_key__startswith=f"auto:{conversation.pk}:"
        ).values_list("idempotency_key", flat=True)
    )
    greeting = inbox.greeting_message.strip()
    greet_key = f"auto:{conversation.pk}:greeting"
    if greeting and greet_key not in existing:
        first = not Message.objects.filter(conversation=conversation, direction=MessageDirection.INBOUND)[
            1:2
        ].exists()
        if first:
            message = _send(
                conversation, quick_reply_fill(body=greeting, contact=conversation.contact), greet_key
            )
            if message is not None:
                sent.append(message)
    away = inbox.away_message.strip()
    if away and not inbox_is_open(inbox=inbox, at=inbound_at):
        opens = next_opening(inbox=inbox, at=inbound_at)
        period = opens.astimezone(dt.UTC).strftime("%Y%m%dT%H%M") if opens else "never"
        away_key = f"auto:{conversation.pk}:away:{period}"
        if away_key not in existing:
            text = _NEXT_OPENING.sub(opening_text(moment=opens, at=inbound_at) if opens else "", away)
            message = _send(conversation, quick_reply_fill(body=text, contact=conversation.contact), away_key)
            if message is not None:
                sent.append(message)
    return sent
