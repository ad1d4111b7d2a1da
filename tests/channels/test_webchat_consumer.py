"""The visitor's websocket against the real ASGI application (``relasi.config.asgi``):
refused tokens and websites, a message stored once after a resend, an agent's reply pushed by
the real-time event, and the database poll that finds a reply stored without any event (the
embedded mode, where the web server's in-memory events never reach the ASGI process)."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.db import connections
from django.utils import timezone

from relasi.accounts.models import User, Workspace
from relasi.channels.webchat.consumers import WidgetConsumer
from relasi.channels.webchat.models import WebChatVisitor, WebChatWidget
from relasi.config.asgi import application
from relasi.conversations.enums import DeliveryStatus, MessageDirection, MessageKind
from relasi.conversations.models import Conversation, Message
from relasi.conversations.services_outbound import message_send
from tests.channels.test_webchat_common import WEBSITE, embed_token, make_visitor, make_widget, visitor_token
from tests.websockets import WebsocketCommunicator

pytestmark = pytest.mark.django_db(transaction=True)
RELASI = [(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")]


@pytest.fixture(autouse=True)
def _quick_consumer(monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    """No database poll unless a test asks for one; a short wait for the hello."""
    settings.RELASI_REALTIME_DB_WATCH = "off"
    monkeypatch.setattr(WidgetConsumer, "safety_poll_seconds", 3600.0)
    monkeypatch.setattr(WidgetConsumer, "auth_timeout_seconds", 5.0)


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    """Run an async scenario from this sync test. When this thread already runs an event loop
    (Playwright's sync API, after a browser test in the same session), from a thread of its
    own, closing that thread's database connections at the end."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        async_to_sync(scenario)()
        return
    failures: list[BaseException] = []

    def target() -> None:
        try:
            async_to_sync(scenario)()
        except BaseException as error:
            failures.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(60)
    assert not thread.is_alive(), "the scenario did not finish within 60 s"
    if failures:
        raise failures[0]


def _socket(
    widget: WebChatWidget, *, embed: str | None = None, headers: list[Any] | None = None
) -> WebsocketCommunicator:
    token = embed if embed is not None else embed_token(widget)
    return WebsocketCommunicator(
        application,
        f"/ws/widget/{widget.public_token}/?embed={token}&lang=en",
        headers=RELASI if headers is None else headers,
    )


async def _hello(socket: WebsocketCommunicator, visitor: WebChatVisitor) -> dict[str, Any]:
    connected, _code = await socket.connect()
    assert connected
    await socket.send_json_to({"type": "hello", "token": visitor_token(visitor)})
    ready = await socket.receive_json_from(timeout=5)
    assert ready["type"] == "ready", ready
    return ready


@pytest.fixture
def widget(workspace: Workspace) -> WebChatWidget:
    return make_widget(workspace)


@pytest.fixture
def visitor(widget: WebChatWidget) -> WebChatVisitor:
    return make_visitor(widget)


def test_a_bad_visitor_token_is_refused(widget: WebChatWidget, visitor: WebChatVisitor) -> None:
    other = make_widget(widget.workspace, name="Chat kedua")
    of_another_widget = visitor_token(make_visitor(other, whatsapp="0813-1234-5678"))

    async def scenario() -> None:
        for token in ("not-a-token", of_another_widget):
            socket = _socket(widget)
            connected, _code = await socket.connect()
            assert connected
            await socket.send_json_to({"type": "hello", "token": token})
            error = await socket.receive_json_from(timeout=5)
            assert (error["type"], error["code"]) == ("error", "unauthorized")
            assert error["message"] == "Start the chat again: fill in the form."
            closed = await socket.receive_output(timeout=5)
            assert closed == {"type": "websocket.close", "code": 4401}
            await socket.disconnect()

    run(scenario)


def test_a_message_before_hello_and_a_silent_socket_are_refused(
    widget: WebChatWidget, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(WidgetConsumer, "auth_timeout_seconds", 0.2)

    async def scenario() -> None:
        socket = _socket(widget)
        assert (await socket.connect())[0]
        await socket.send_json_to({"type": "message", "client_id": str(uuid.uuid4()), "body": "Halo"})
        assert (await socket.receive_json_from(timeout=5))["code"] == "unauthorized"
        await socket.disconnect()
        silent = _socket(widget)
        assert (await silent.connect())[0]
        assert (await silent.receive_json_from(timeout=5))["code"] == "unauthorized"
        assert (await silent.receive_output(timeout=5))["code"] == 4401
        await silent.disconnect()

    run(scenario)
    assert not Message.objects.exists()


def test_unknown_widgets_and_websites_that_may_not_embed_are_refused(widget: WebChatWidget) -> None:
    stranger = "https://toko-tetangga.example"

    async def scenario() -> None:
        attempts = [
            # An unknown widget.
            WebsocketCommunicator(
                application, "/ws/widget/AAAAAAAAAAAAAAAAAAAAAAAA/?embed=x", headers=RELASI
            ),
            # The frame inside a website that is not allowed.
            _socket(widget, embed=embed_token(widget, stranger)),
            # No embed token, or a forged one.
            _socket(widget, embed=""),
            _socket(widget, embed=embed_token(widget)[:-2] + "xx"),
            # A website opening the socket itself, not on the list.
            _socket(widget, embed="", headers=[(b"origin", stranger.encode()), (b"host", b"127.0.0.1:8000")]),
        ]
        for socket in attempts:
            connected, code = await socket.connect()
            assert (connected, code) == (False, 4403)
        # An allowed website opening the socket itself is let in.
        direct = _socket(
            widget, embed="", headers=[(b"origin", WEBSITE.encode()), (b"host", b"127.0.0.1:8000")]
        )
        assert (await direct.connect())[0]
        await direct.disconnect()

    run(scenario)


def test_a_message_is_acknowledged_and_stored_once_after_a_resend(
    widget: WebChatWidget, visitor: WebChatVisitor
) -> None:
    client_id = str(uuid.uuid4())
    acks: list[dict[str, Any]] = []

    async def scenario() -> None:
        for _attempt in range(2):  # the widget reconnects and sends the unacknowledged message again
            socket = _socket(widget)
            ready = await _hello(socket, visitor)
            assert ready["token"]
            assert ready["availability"]["open"] is True
            await socket.send_json_to({"type": "message", "client_id": client_id, "body": "Vas bunga ready?"})
            while True:
                frame = await socket.receive_json_from(timeout=5)
                if frame["type"] == "ack":
                    acks.append(frame)
                    break
            await socket.disconnect()

    run(scenario)
    stored = Message.objects.get(inbox=widget.inbox)
    assert stored.external_id == f"wc:{client_id}"
    assert stored.body == "Vas bunga ready?"
    assert [(a["client_id"], a["id"], a["created"]) for a in acks] == [
        (client_id, stored.pk, True),
        (client_id, stored.pk, False),
    ]
    assert Conversation.objects.get(pk=stored.conversation_id).identity_id == visitor.identity_id


def test_history_then_an_agent_reply_is_pushed(
    widget: WebChatWidget, visitor: WebChatVisitor, owner: User
) -> None:
    def write_first() -> Conversation:
        from relasi.channels.webchat.services import visitor_message_receive

        message, _c = visitor_message_receive(visitor=visitor, client_id=str(uuid.uuid4()), body="Halo")
        return message.conversation

    conversation = write_first()

    @database_sync_to_async
    def reply() -> int:
        return message_send(
            conversation=conversation, actor=owner, kind=MessageKind.TEXT, body="Siap, kak"
        ).pk

    async def scenario() -> None:
        socket = _socket(widget)
        ready = await _hello(socket, visitor)
        assert [(m["from"], m["body"]) for m in ready["messages"]] == [("visitor", "Halo")]
        reply_id = await reply()
        pushed = await socket.receive_json_from(timeout=5)
        assert pushed["type"] == "message"
        assert (pushed["message"]["id"], pushed["message"]["from"], pushed["message"]["body"]) == (
            reply_id,
            "business",
            "Siap, kak",
        )
        assert pushed["message"]["sender"] == "Pemilik"
        # The widget showed it and the visitor read it.
        await socket.send_json_to({"type": "receipt", "status": "delivered", "ids": [reply_id]})
        await socket.send_json_to({"type": "receipt", "status": "read", "ids": [reply_id]})
        statuses = []
        while "read" not in statuses and len(statuses) < 6:
            frame = await socket.receive_json_from(timeout=5)
            assert (frame["type"], frame["message"]["id"]) == ("update", reply_id)
            statuses.append(frame["message"]["status"])
        assert statuses[-1] == "read"
        await socket.disconnect()

    run(scenario)
    stored = Message.objects.get(conversation=conversation, direction=MessageDirection.OUTBOUND, kind="text")
    assert stored.status == DeliveryStatus.READ
    assert stored.delivered_at is not None
    assert stored.read_at is not None


def test_the_database_poll_finds_a_reply_stored_without_an_event(
    widget: WebChatWidget, visitor: WebChatVisitor, owner: User, settings: Any
) -> None:
    # The embedded mode: an in-memory layer, so the consumer watches the database.
    settings.RELASI_REALTIME_DB_WATCH = "auto"
    settings.RELASI_REALTIME_WATCH_SECONDS = 0.2
    from relasi.channels.webchat.services import visitor_message_receive

    first, _c = visitor_message_receive(visitor=visitor, client_id=str(uuid.uuid4()), body="Halo")

    @database_sync_to_async
    def store_elsewhere() -> int:
        # As the web server process does: a row in the database, no event in this process.
        return Message.objects.create(
            workspace_id=widget.workspace_id,
            inbox_id=widget.inbox_id,
            conversation_id=first.conversation_id,
            direction=MessageDirection.OUTBOUND,
            kind=MessageKind.TEXT,
            body="Dari proses lain",
            sender=owner,
            status=DeliveryStatus.SENT,
            external_id="wc:out:elsewhere",
            sent_at=timezone.now(),
        ).pk

    async def scenario() -> None:
        socket = _socket(widget)
        await _hello(socket, visitor)
        assert await socket.receive_nothing(timeout=0.5)
        stored = await store_elsewhere()
        pushed = await socket.receive_json_from(timeout=5)
        assert (pushed["type"], pushed["message"]["id"], pushed["message"]["body"]) == (
            "message",
            stored,
            "Dari proses lain",
        )
        assert await socket.receive_nothing(timeout=0.6)  # pushed once, not at every poll
        await socket.disconnect()

    run(scenario)


def test_ping_bad_frames_and_field_errors(widget: WebChatWidget, visitor: WebChatVisitor) -> None:
    async def scenario() -> None:
        socket = _socket(widget)
        await _hello(socket, visitor)
        await socket.send_json_to({"type": "ping"})
        assert await socket.receive_json_from(timeout=5) == {"type": "pong"}
        await socket.send_to(text_data="not json")
        assert (await socket.receive_json_from(timeout=5))["code"] == "invalid"
        await socket.send_json_to({"type": "message", "client_id": str(uuid.uuid4()), "body": "   "})
        error = await socket.receive_json_from(timeout=5)
        assert (error["type"], error["fields"]) == ("error", {"body": "Write a message first."})
        await socket.disconnect()

    run(scenario)
    assert not Message.objects.exists()
    visitor.refresh_from_db()
    assert visitor.last_seen_at is not None


def test_the_greeting_of_a_new_conversation_reaches_the_visitor(
    widget: WebChatWidget, visitor: WebChatVisitor
) -> None:
    widget.inbox.greeting_message = "Halo {{first_name}}, terima kasih sudah menghubungi Toko Hero!"
    widget.inbox.save()

    async def scenario() -> None:
        socket = _socket(widget)
        await _hello(socket, visitor)  # no conversation yet: the socket is in no group
        await socket.send_json_to({"type": "message", "client_id": str(uuid.uuid4()), "body": "Halo"})
        frames = [await socket.receive_json_from(timeout=5) for _ in range(3)]
        business = [
            f["message"]["body"]
            for f in frames
            if f["type"] == "message" and f["message"]["from"] == "business"
        ]
        assert business == ["Halo Sari, terima kasih sudah menghubungi Toko Hero!"]
        assert await socket.receive_nothing(timeout=0.3)
        await socket.disconnect()

    run(scenario)
