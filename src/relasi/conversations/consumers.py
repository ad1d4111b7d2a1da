"""The agents' inbox websocket ``ws/inbox/<slug>/`` (served by uvicorn, ``relasi.config.asgi``).

* Signed in through the Django session cookie (``AuthMiddlewareStack``, origins checked against
  ``ALLOWED_HOSTS``: see ``routing``). A user who is not a member of the workspace, or whose role
  may not read conversations, is accepted and closed at once with code **4403** (so the page
  can tell "refused" from "the server is away" and stops reconnecting).
* The socket joins the workspace's group; ``{"watch": <conversation id>}`` also joins that
  conversation's group after checking it belongs to the workspace (``{"watch": null}`` leaves
  it); the answer is ``{"watching": id | null}`` or ``{"error": "not_found", "watch": id}``.
* Every event is forwarded as ``{"event", "conversation_id", "message_id"}`` — ids only; the page
  re-reads over HTTP with its own permissions. An event arriving through both groups is
  forwarded once.
* When the channel layer cannot bring other processes' publishes (in-memory, the embedded
  mode), the sockets of a workspace share one database watch (``_WorkspaceWatch``); see
  ``relasi.conversations.realtime``.
* Every ``RECHECK_SECONDS`` the socket checks the membership again (closing with 4403 when it
  is gone) and renews its group memberships (channel layers drop them after a day).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from importlib import import_module
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import BaseChannelLayer
from django.conf import settings
from django.contrib.auth import SESSION_KEY

from relasi.accounts.models import User, Workspace
from relasi.accounts.permissions import Perm
from relasi.accounts.selectors import membership_get
from relasi.conversations import realtime, selectors

logger = logging.getLogger(__name__)

REFUSED = 4403
RECHECK_SECONDS = 30 * 60
_SEEN_MAX = 256


def _workspace_for(user: Any, slug: str) -> Workspace | None:
    """The workspace ``slug`` when ``user`` is signed in, a member and may read conversations."""
    if not isinstance(user, User) or not user.is_authenticated or not user.is_active:
        return None
    membership = membership_get(user=user, slug=slug)
    if membership is None or not membership.can(Perm.CONVERSATIONS_VIEW):
        return None
    return membership.workspace


def _conversation_visible(user: Any, slug: str, conversation_id: int) -> bool:
    """Whether ``user`` may still read conversation ``conversation_id`` of workspace ``slug``."""
    workspace = _workspace_for(user, slug)
    return (
        workspace is not None
        and selectors.conversation_get(workspace=workspace, conversation_id=conversation_id) is not None
    )


def _still_allowed(session_key: str | None, user_id: int, slug: str) -> bool:
    """The socket's session still signs in the same user (not signed out since) and the user
    may still read the workspace's conversations."""
    if not session_key:
        return False
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    if str(session.get(SESSION_KEY)) != str(user_id):
        return False
    return _workspace_for(User.objects.filter(pk=user_id).first(), slug) is not None


class InboxConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    workspace: Workspace | None = None
    watching: int | None = None

    async def connect(self) -> None:
        self.seen: OrderedDict[str, None] = OrderedDict()
        self.slug = str(self.scope["url_route"]["kwargs"]["slug"])
        self.workspace = await database_sync_to_async(_workspace_for)(self.scope.get("user"), self.slug)
        if self.workspace is None:
            await self.accept()
            await self.close(code=REFUSED)
            return
        self.user_id = int(self.scope["user"].pk)
        self.group = realtime.workspace_group(self.workspace.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        self.watch = (
            await _watch_join(self.workspace.pk, self.channel_layer) if realtime.db_watch_enabled() else None
        )
        self.recheck = asyncio.get_running_loop().create_task(self._recheck_forever())

    async def disconnect(self, code: int) -> None:
        if self.workspace is None:
            return
        self.recheck.cancel()
        await self.channel_layer.group_discard(self.group, self.channel_name)
        if self.watching is not None:
            await self.channel_layer.group_discard(
                realtime.conversation_group(self.watching), self.channel_name
            )
        if self.watch is not None:
            _watch_leave(self.watch)
        self.workspace = None

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if self.workspace is None or not isinstance(content, dict) or "watch" not in content:
            return
        target = content["watch"]
        if self.watching is not None:
            await self.channel_layer.group_discard(
                realtime.conversation_group(self.watching), self.channel_name
            )
            self.watching = None
        if target is None:
            await self.send_json({"watching": None})
            return
        if (
            isinstance(target, bool)
            or not isinstance(target, int)
            or not await database_sync_to_async(_conversation_visible)(
                self.scope.get("user"), self.slug, target
            )
        ):
            await self.send_json({"error": "not_found", "watch": target})
            return
        self.watching = target
        await self.channel_layer.group_add(realtime.conversation_group(target), self.channel_name)
        await self.send_json({"watching": target})

    async def relasi_event(self, message: dict[str, Any]) -> None:
        """An event of the workspace or of the watched conversation (``type: relasi.event``)."""
        key = str(message.get("id", ""))
        if key:
            if key in self.seen:
                return
            self.seen[key] = None
            if len(self.seen) > _SEEN_MAX:
                self.seen.popitem(last=False)
        await self.send_json(
            {
                "event": message["event"],
                "conversation_id": message["conversation_id"],
                "message_id": message.get("message_id"),
            }
        )

    async def _recheck_forever(self) -> None:
        while True:
            await asyncio.sleep(RECHECK_SECONDS)
            session = self.scope.get("session")
            allowed = await database_sync_to_async(_still_allowed)(
                getattr(session, "session_key", None), self.user_id, self.slug
            )
            if not allowed:
                await self.close(code=REFUSED)
                return
            await self.channel_layer.group_add(self.group, self.channel_name)
            if self.watching is not None:
                await self.channel_layer.group_add(
                    realtime.conversation_group(self.watching), self.channel_name
                )


# The shared database watch -------------------------------------------------------------


class _WorkspaceWatch:
    """One database watch per workspace and event loop, shared by its sockets, stopped with the
    last of them. Each scan's events go to the local channel layer, to both groups."""

    def __init__(self, key: tuple[int, int], workspace_id: int, layer: BaseChannelLayer) -> None:
        self.key = key
        self.workspace_id = workspace_id
        self.layer = layer
        self.sockets = 0
        self.task = asyncio.get_running_loop().create_task(self.run())

    async def run(self) -> None:
        cursor: realtime.WatchCursor | None = None
        while True:
            try:
                if cursor is None:
                    cursor = await database_sync_to_async(realtime.watch_start)(
                        workspace_id=self.workspace_id
                    )
                else:
                    events = await database_sync_to_async(realtime.changes_since)(cursor=cursor)
                    for message in events:
                        await realtime.event_deliver(
                            self.layer, workspace_id=self.workspace_id, message=message
                        )
            except asyncio.CancelledError:
                raise
            except Exception:  # the database is away: try again on the next tick
                logger.warning("inbox watch of workspace %s failed", self.workspace_id, exc_info=True)
            await asyncio.sleep(realtime.watch_interval())


_watches: dict[tuple[int, int], _WorkspaceWatch] = {}


async def _watch_join(workspace_id: int, layer: BaseChannelLayer) -> _WorkspaceWatch:
    key = (id(asyncio.get_running_loop()), workspace_id)
    watch = _watches.get(key)
    if watch is None or watch.task.done():
        watch = _watches[key] = _WorkspaceWatch(key, workspace_id, layer)
    watch.sockets += 1
    return watch


def _watch_leave(watch: _WorkspaceWatch) -> None:
    watch.sockets -= 1
    if watch.sockets <= 0:
        watch.task.cancel()
        if _watches.get(watch.key) is watch:
            del _watches[watch.key]


def watches_running() -> int:
    """How many workspace watches run in this process (for tests and diagnostics)."""
    return sum(1 for watch in _watches.values() if not watch.task.done())
