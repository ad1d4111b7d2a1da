"""Real-time events of the inbox, published over the Channels layer after commit.

Events carry ids only (never content): a consumer re-reads what it shows through the
selectors, with the permissions of its own user. Groups:

* ``workspace_group(workspace_id)``: every agent's inbox page of the workspace;
* ``conversation_group(conversation_id)``: whoever watches one conversation (an agent's open
  thread, the web-chat visitor of that conversation).

Event names: ``message.created``, ``message.updated`` (a delivery status), ``conversation.updated``
(assignment, status, labels, read). A message is ``{"type": "relasi.event", "event": name,
"conversation_id": …, "message_id": … or None}``.

Publishing never fails the caller: a channel layer that is down is logged. With the in-memory
layer of the embedded mode, events reach only consumers of the same process; consumers
therefore also look for changes in the database (see the consumers)."""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

EVENT_TYPE = "relasi.event"
MESSAGE_CREATED = "message.created"
MESSAGE_UPDATED = "message.updated"
CONVERSATION_UPDATED = "conversation.updated"


def workspace_group(workspace_id: int) -> str:
    return f"relasi.ws.{workspace_id}"


def conversation_group(conversation_id: int) -> str:
    return f"relasi.conv.{conversation_id}"


def _send(groups: list[str], message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    for group in groups:
        try:
            async_to_sync(layer.group_send)(group, message)
        except Exception:  # a push is best effort; the data is committed already
            logger.warning("event %s to %s not published", message.get("event"), group, exc_info=True)


def event_publish(
    *, workspace_id: int, conversation_id: int, event: str, message_id: int | None = None
) -> None:
    """Publish ``event`` to the workspace's and the conversation's groups after the current
    transaction commits (at once outside a transaction)."""
    message = {
        "type": EVENT_TYPE,
        "event": event,
        "conversation_id": conversation_id,
        "message_id": message_id,
    }
    groups = [workspace_group(workspace_id), conversation_group(conversation_id)]
    transaction.on_commit(lambda: _send(groups, message))
