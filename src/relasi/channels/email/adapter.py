"""The e-mail channel adapter (see ``relasi.channels.base``): text and files (as attachments)
to the conversation's e-mail address, at any time — e-mail has no service window."""

from __future__ import annotations

from django.utils.translation import gettext as _

from relasi.contacts.enums import Channel
from relasi.conversations.enums import MessageKind
from relasi.conversations.models import Conversation
from relasi.core.exceptions import ValidationError


class EmailAdapter:
    channel_type = "email"
    kinds: frozenset[str] = frozenset(
        {MessageKind.TEXT, MessageKind.IMAGE, MessageKind.AUDIO, MessageKind.VIDEO, MessageKind.DOCUMENT}
    )

    def send_check(self, *, conversation: Conversation, kind: str) -> None:
        """A mailbox to send from and an e-mail address to send to; no time window."""
        identity = conversation.identity
        if (
            not hasattr(conversation.inbox, "email_account")
            or identity is None
            or identity.channel != Channel.EMAIL
            or not identity.address
        ):
            raise ValidationError(_("This conversation has no e-mail address to send to."))

    def delivery_schedule(self, *, message_id: int) -> None:
        from relasi.channels.email.tasks import deliver_message_task

        deliver_message_task.delay(message_id)
