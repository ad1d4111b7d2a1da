"""The WhatsApp channel adapter (see ``relasi.channels.base``).

Rule R22 (the 24-hour customer-service window): free-form messages (text, media, documents,
buttons) only while the customer's last message is less than 24 hours old; an approved
template may always be sent. Sending a template does not reopen the window."""

from __future__ import annotations

import datetime as dt

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from relasi.conversations.enums import MessageKind
from relasi.conversations.models import Conversation
from relasi.core.exceptions import Conflict, ValidationError

WINDOW = dt.timedelta(hours=24)
FREE_FORM_KINDS: frozenset[str] = frozenset(
    {
        MessageKind.TEXT,
        MessageKind.IMAGE,
        MessageKind.AUDIO,
        MessageKind.VIDEO,
        MessageKind.DOCUMENT,
        MessageKind.INTERACTIVE,
    }
)


def window_closes_at(conversation: Conversation) -> dt.datetime | None:
    """When the customer-service window closes: 24 h after the customer's last message
    (``None``: the customer never wrote)."""
    if conversation.last_inbound_at is None:
        return None
    return conversation.last_inbound_at + WINDOW


def window_open(conversation: Conversation, now: dt.datetime | None = None) -> bool:
    """Whether free-form messages may be sent now."""
    closes = window_closes_at(conversation)
    return closes is not None and (now or timezone.now()) < closes


class WhatsAppAdapter:
    channel_type = "whatsapp"
    kinds: frozenset[str] = FREE_FORM_KINDS | {MessageKind.TEMPLATE}

    def send_check(self, *, conversation: Conversation, kind: str) -> None:
        """A WhatsApp number to send to, and the window open for a free-form kind."""
        if not hasattr(conversation.inbox, "whatsapp_account") or conversation.identity is None:
            raise ValidationError(_("This conversation has no WhatsApp number to send to."))
        if kind in FREE_FORM_KINDS and not window_open(conversation):
            closes = window_closes_at(conversation)
            if closes is None:
                reason = _(
                    "The customer has not written to this number yet; send an approved template instead."
                )
            else:
                reason = _("The 24-hour window closed at %(time)s; send an approved template instead.") % {
                    "time": formats.date_format(timezone.localtime(closes), "DATETIME_FORMAT")
                }
            raise Conflict(reason, code="window_closed", fields={"kind": reason})

    def delivery_schedule(self, *, message_id: int) -> None:
        from relasi.channels.whatsapp.tasks_outbound import deliver_message_task

        deliver_message_task.delay(message_id)
