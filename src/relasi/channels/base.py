"""Channel adapters: what differs between WhatsApp, e-mail and web chat when the business
sends a message.

``conversations.services_outbound.message_send`` checks and stores an outbound message
channel-neutrally; it asks the inbox's adapter whether this kind of message may go to this
conversation now (``send_check``: an address to send to, the WhatsApp 24-hour window…) and,
after commit, hands the stored message to the adapter (``delivery_schedule``: usually a Celery
task). Each channel app registers its adapter in its ``AppConfig.ready``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from relasi.conversations.models import Conversation


class ChannelAdapter(Protocol):
    channel_type: str  # a ``conversations.enums.ChannelType`` value
    kinds: frozenset[str]  # the ``MessageKind`` values this channel can send

    def send_check(self, *, conversation: Conversation, kind: str) -> None:
        """Raise ``ValidationError`` or ``Conflict`` (with a message for the agent) when
        ``kind`` cannot be sent to this conversation now; return when it can."""

    def delivery_schedule(self, *, message_id: int) -> None:
        """Deliver the stored ``queued`` message (called after commit; must be idempotent)."""


_ADAPTERS: dict[str, ChannelAdapter] = {}


def adapter_register(adapter: ChannelAdapter) -> None:
    """Make ``adapter`` the one used for its channel type (the last registration wins)."""
    _ADAPTERS[adapter.channel_type] = adapter


def adapter_for(channel_type: str) -> ChannelAdapter | None:
    """The adapter of a channel type, ``None`` when no channel app registered one."""
    return _ADAPTERS.get(channel_type)
