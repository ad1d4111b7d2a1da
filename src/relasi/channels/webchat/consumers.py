"""The visitor's websocket ``ws/widget/<token>/`` (the widget frame connects to it).

Protocol (JSON text frames):

* connect with ``?embed=<embed token>&lang=<id|en>``; the handshake is refused (4403) for an
  unknown widget or a parent website that is not allowed (``access.socket_widget``);
* client → ``{"type": "hello", "token": <visitor token>}`` first (within 15 s) →
  ``{"type": "ready", "token": <renewed token>, "availability": …, "messages": [history]}``;
  a bad token gets ``{"type": "error", "code": "unauthorized"}`` and close code 4401;
* client → ``{"type": "message", "client_id": <uuid>, "body": …}`` → stored once
  (``visitor_message_receive``) → ``{"type": "ack", "client_id", "id", "message"}``;
* server → ``{"type": "message", "message": …}`` for every new message of the visitor's
  conversations (the business's replies, and the visitor's own from other tabs),
  ``{"type": "update", "message": …}`` when one changed;
* client → ``{"type": "receipt", "status": "delivered" | "read", "ids": [...]}``;
* client → ``{"type": "ping"}`` → ``{"type": "pong"}``.

New messages arrive by the ``conversation_group`` events of ``conversations.realtime``
(ids only; the consumer re-reads them from the database with the visitor's scope). With the
in-memory channel layer of the embedded mode, a reply stored by another process (the web
server) sends no event here, so while ``realtime.db_watch_enabled()`` the consumer also polls
the database every ``RELASI_REALTIME_WATCH_SECONDS`` (1.5 s: one indexed query for the
visitor's messages after the last one pushed); with Redis it polls only every
``safety_poll_seconds`` as a safety net."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from relasi.channels.webchat import selectors, services
from relasi.channels.webchat.access import socket_widget
from relasi.channels.webchat.language import language_pick
from relasi.channels.webchat.models import WebChatVisitor, WebChatWidget
from relasi.channels.webchat.throttle import MESSAGES_PER_VISITOR_MINUTE, throttle_hit
from relasi.channels.webchat.tokens import visitor_token_make, visitor_token_read
from relasi.conversations.realtime import (
    MESSAGE_CREATED,
    MESSAGE_UPDATED,
    conversation_group,
    db_watch_enabled,
    watch_interval,
)
from relasi.core.exceptions import ApplicationError

logger = logging.getLogger(__name__)

CLOSE_FORBIDDEN = 4403
CLOSE_UNAUTHORIZED = 4401


class WidgetConsumer(AsyncJsonWebsocketConsumer):
    safety_poll_seconds = 30.0  # with a shared layer (Redis) the events suffice; this is a net
    auth_timeout_seconds = 15.0

    widget: WebChatWidget | None
    visitor: WebChatVisitor | None

    async def connect(self) -> None:
        self.widget = None
        self.visitor = None
        self.last_id = 0
        self.joined: set[str] = set()
        self.tasks: list[asyncio.Future[Any]] = []
        self.push_lock = asyncio.Lock()
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in self.scope.get("headers", [])}
        self.language = language_pick(query.get("lang", [""])[0], headers.get("accept-language", ""))
        self.widget = await database_sync_to_async(socket_widget)(
            token=self.scope["url_route"]["kwargs"]["token"],
            embed=query.get("embed", [""])[0],
            origin=headers.get("origin", ""),
            host=headers.get("host", ""),
            secure=self.scope.get("scheme") == "wss",
        )
        if self.widget is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await self.accept()
        self.tasks.append(asyncio.ensure_future(self._auth_deadline()))

    async def disconnect(self, code: int) -> None:
        for task in getattr(self, "tasks", []):
            task.cancel()
        for group in list(getattr(self, "joined", set())):
            await self.channel_layer.group_discard(group, self.channel_name)
        visitor = getattr(self, "visitor", None)
        if visitor is not None:
            await database_sync_to_async(services.visitor_seen)(visitor=visitor, force=True)

    # Incoming frames ------------------------------------------------------------------

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any
    ) -> None:
        try:
            content = json.loads(text_data or "")
        except ValueError:
            content = None
        if not isinstance(content, dict):
            with translation.override(self.language):
                text = _("Send JSON messages.")
            await self._error("invalid", text)
            return
        await self.receive_json(content)

    async def receive_json(self, content: dict[str, Any], **kwargs: Any) -> None:
        kind = content.get("type")
        if kind == "ping":
            await self.send_json({"type": "pong"})
            return
        if self.visitor is None:
            if kind == "hello":
                await self._hello(str(content.get("token") or ""))
            else:
                await self._refuse()
            return
        if kind == "message":
            await self._message(content)
        elif kind == "receipt":
            await self._receipt(content)
        elif kind != "hello":
            with translation.override(self.language):
                text = _("Unknown message type.")
            await self._error("invalid", text)

    async def _hello(self, token: str) -> None:
        ready = await database_sync_to_async(self._hello_sync)(token)
        if ready is None:
            await self._refuse()
            return
        for conversation_id in ready.pop("conversation_ids"):
            await self._join(conversation_id)
        await self.send_json(ready)
        await self._push_new()  # what arrived between reading the history and joining the group
        poll = watch_interval() if db_watch_enabled() else self.safety_poll_seconds
        self.tasks.append(asyncio.ensure_future(self._poll(poll)))

    def _hello_sync(self, token: str) -> dict[str, Any] | None:
        assert self.widget is not None
        visitor_id = visitor_token_read(token, widget_token=self.widget.public_token)
        visitor = selectors.visitor_get(widget=self.widget, visitor_id=visitor_id) if visitor_id else None
        if visitor is None:
            return None
        self.visitor = visitor
        services.visitor_seen(visitor=visitor)
        with translation.override(self.language):
            rows = selectors.visitor_messages(visitor=visitor)
            self.last_id = max((m.pk for m in rows), default=0)
            current = selectors.visitor_current_conversation(visitor=visitor)
            return {
                "type": "ready",
                "token": visitor_token_make(
                    widget_token=self.widget.public_token, visitor_id=visitor.visitor_id
                ),
                "visitor": {"name": visitor.identity.display_name or visitor.identity.contact.full_name},
                "availability": selectors.widget_availability(
                    widget=self.widget, at=timezone.now(), language=self.language
                ),
                "messages": [selectors.message_for_visitor(m, visitor=visitor) for m in rows],
                "conversation_ids": [current.pk] if current else [],
            }

    async def _message(self, content: dict[str, Any]) -> None:
        assert self.visitor is not None
        client_id = str(content.get("client_id") or "")
        if await sync_to_async(throttle_hit)(
            key=f"msg:{self.visitor.visitor_id}", limit=MESSAGES_PER_VISITOR_MINUTE, seconds=60
        ):
            with translation.override(self.language):
                text = _("You are sending too fast. Wait a moment.")
            await self._error("rate_limited", text, client_id=client_id)
            return
        try:
            message, created, conversation_id = await database_sync_to_async(self._message_sync)(
                client_id, content.get("body")
            )
        except ApplicationError as error:
            await self._error(
                error.code,
                str(error.message),
                client_id=client_id,
                fields={k: str(v) for k, v in error.fields.items()},
            )
            return
        await self._join(conversation_id)
        await self.send_json(
            {
                "type": "ack",
                "client_id": message["client_id"],
                "id": message["id"],
                "created": created,
                "message": message,
            }
        )
        await self._push_new()  # a greeting or away message written with a new conversation

    def _message_sync(self, client_id: str, body: Any) -> tuple[dict[str, Any], bool, int]:
        assert self.visitor is not None
        with translation.override(self.language):
            message, created = services.visitor_message_receive(
                visitor=self.visitor, client_id=client_id, body=body
            )
            return (
                selectors.message_for_visitor(message, visitor=self.visitor),
                created,
                message.conversation_id,
            )

    async def _receipt(self, content: dict[str, Any]) -> None:
        assert self.visitor is not None
        ids = content.get("ids")
        try:
            await database_sync_to_async(self._receipt_sync)(
                ids if isinstance(ids, list) else [], str(content.get("status") or "")
            )
        except ApplicationError as error:
            await self._error(error.code, str(error.message))

    def _receipt_sync(self, ids: list[Any], status: str) -> None:
        assert self.visitor is not None
        with translation.override(self.language):
            services.visitor_receipts_apply(visitor=self.visitor, message_ids=ids, status=status)

    # Outgoing: events and the database poll --------------------------------------------

    async def relasi_event(self, event: dict[str, Any]) -> None:
        """An event of ``conversations.realtime`` for one of the visitor's conversations."""
        if self.visitor is None:
            return
        name = event.get("event")
        if name == MESSAGE_CREATED:
            await self._push_new()
        elif name == MESSAGE_UPDATED and event.get("message_id"):
            row = await database_sync_to_async(self._message_row)(int(event["message_id"]))
            if row is not None:
                await self.send_json({"type": "update", "message": row})

    def _message_row(self, message_id: int) -> dict[str, Any] | None:
        assert self.visitor is not None
        message = selectors.visitor_message_get(visitor=self.visitor, message_id=message_id)
        return selectors.message_for_visitor(message, visitor=self.visitor) if message else None

    async def _push_new(self) -> None:
        """Send every visible message after the last one sent (both the event and the poll
        come here; the lock keeps them from sending one message twice)."""
        async with self.push_lock:
            rows = await database_sync_to_async(self._after_sync)(self.last_id)
            for conversation_id, row in rows:
                await self._join(conversation_id)
                await self.send_json({"type": "message", "message": row})
                self.last_id = max(self.last_id, row["id"])

    def _after_sync(self, after_id: int) -> list[tuple[int, dict[str, Any]]]:
        assert self.visitor is not None
        return [
            (m.conversation_id, selectors.message_for_visitor(m, visitor=self.visitor))
            for m in selectors.visitor_messages(visitor=self.visitor, after_id=after_id)
        ]

    async def _poll(self, seconds: float) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await self._push_new()
            except asyncio.CancelledError:
                raise
            except Exception:  # a database hiccup: try again on the next tick
                logger.warning("web chat poll failed", exc_info=True)

    # Helpers ----------------------------------------------------------------------------

    async def _join(self, conversation_id: int) -> None:
        group = conversation_group(conversation_id)
        if group not in self.joined:
            await self.channel_layer.group_add(group, self.channel_name)
            self.joined.add(group)

    async def _auth_deadline(self) -> None:
        await asyncio.sleep(self.auth_timeout_seconds)
        if self.visitor is None:
            await self._refuse()

    async def _refuse(self) -> None:
        with translation.override(self.language):
            text = _("Start the chat again: fill in the form.")
        await self._error("unauthorized", text)
        with contextlib.suppress(Exception):
            await self.close(code=CLOSE_UNAUTHORIZED)

    async def _error(self, code: str, message: str, **extra: Any) -> None:
        await self.send_json({"type": "error", "code": code, "message": message, **extra})
