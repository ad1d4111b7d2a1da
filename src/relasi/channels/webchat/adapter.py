"""The web-chat channel adapter (see ``relasi.channels.base``).

No provider and no 24-hour window: the business may write to a visitor at any time; the
visitor reads it the next time the widget is open (history) or at once when it is connected.
Delivery is local: the message is marked ``sent`` and announced (``message.created``), the
visitor's websocket pushes it, the widget's receipts move it to ``delivered`` and ``read``."""

from __future__ import annotations

from django.utils.translation import gettext as _

from relasi.contacts.enums import Channel
from relasi.conversations.enums import MessageKind
from relasi.conversations.models import Conversation
from relasi.core.exceptions import ValidationError


class WebChatAdapter:
    channel_type = "webchat"
    kinds: frozenset[str] = frozenset({MessageKind.TEXT, MessageKind.IMAGE, MessageKind.DOCUMENT})

    def send_check(self, *, conversation: Conversation, kind: str) -> None:
        """A web-chat visitor to write to (the conversation's identity is a ``webchat`` one)."""
        identity = conversation.identity
        if identity is None or identity.channel != Channel.WEBCHAT:
            raise ValidationError(_("This conversation has no web-chat visitor to send to."))

    def delivery_schedule(self, *, message_id: int) -> None:
        from relasi.channels.webchat.services import outbound_mark_sent

        outbound_mark_sent(message_id=message_id)
