"""The inbox websocket through the real ASGI application (session cookie, origin check, routing):
who is let in, what each socket hears (and never hears: other workspaces), the per-conversation
watch, and the database watch that stands in for publishes from other processes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.contrib.sessions.models import Session
from django.db import transaction
from django.test import Client
from django.utils import timezone

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.config.asgi import application
from relasi.conversations import consumers, realtime, services
from relasi.conversations.consumers import REFUSED
from relasi.conversations.models import Conversation
from tests.conversations import make_conversation, make_inbox, make_message
from tests.websockets import WebsocketCommunicator

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = b"http://localhost:8000"


@pytest.fixture(autouse=True)
def _fast_watch(settings: Any) -> None:
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    settings.RELASI_REALTIME_DB_WATCH = "off"
    settings.RELASI_REALTIME_WATCH_SECONDS = 0.1


def _cookie(user: User) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


def socket(cookie: bytes, slug: str = "hero", origin: bytes = ORIGIN) -> WebsocketCommunicator:
    """A websocket of a browser carrying ``cookie`` (see ``_cookie``, made outside the loop)."""
    headers = [(b"origin", origin), (b"host", b"localhost:8001")]
    if cookie:
        headers.append((b"cookie", cookie))
    return WebsocketCommunicator(application, f"/ws/inbox/{slug}/", headers=headers)


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    async_to_sync(scenario)()


async def opened(communicator: WebsocketCommunicator) -> WebsocketCommunicator:
    connected, _ = await communicator.connect()
    assert connected
    return communicator


@database_sync_to_async
def in_transaction(action: Callable[[], object]) -> Any:
    """A service call from another thread, committed (so its events are published)."""
    with transaction.atomic():
        return action()


async def refused_with(communicator: WebsocketCommunicator) -> int | None:
    connected, code = await communicator.connect()
    if not connected:
        return int(code) if code is not None else None
    closing = await communicator.receive_output(timeout=2)
    assert closing["type"] == "websocket.close"
    return int(closing["code"])


# Who is let in -------------------------------------------------------------------------------


def test_a_member_is_let_in_others_are_refused_with_4403(
    workspace: Workspace, owner: User, outsider: User, make_member: Callable[..., User]
) -> None:
    viewer = make_member(workspace, Role.VIEWER)
    inactive = make_member(workspace, Role.AGENT)
    let_in = [_cookie(owner), _cookie(viewer)]
    refused = [b"", b"sessionid=made-up", _cookie(outsider), _cookie(inactive)]
    User.objects.filter(pk=inactive.pk).update(is_active=False)
    owner_cookie = let_in[0]

    async def scenario() -> None:
        for cookie in let_in:  # reading conversations is enough
            communicator = await opened(socket(cookie))
            assert await communicator.receive_nothing(timeout=0.2)
            await communicator.disconnect()
        for cookie in refused:
            assert await refused_with(socket(cookie)) == REFUSED
        # a workspace that does not exist looks the same as one you are not in
        assert await refused_with(socket(owner_cookie, slug="tidak-ada")) == REFUSED

    run(scenario)


def test_a_page_of_another_site_may_not_open_it(workspace: Workspace, owner: User) -> None:
    cookie = _cookie(owner)

    async def scenario() -> None:
        connected, _code = await socket(cookie, origin=b"https://evil.example").connect()
        assert not connected

    run(scenario)


# What each socket hears ---------------------------------------------------------------------


def test_events_are_forwarded_with_ids_only_and_never_to_another_workspace(
    workspace: Workspace, other_workspace: Workspace, owner: User, outsider: User
) -> None:
    ours = make_conversation(make_inbox(workspace))
    theirs = make_conversation(make_inbox(other_workspace))
    ours_cookie, theirs_cookie = _cookie(owner), _cookie(outsider)

    async def scenario() -> None:
        hero = await opened(socket(ours_cookie))
        neighbour = await opened(socket(theirs_cookie, slug="sebelah"))
        note = await in_transaction(
            lambda: services.note_add(conversation=ours, author=owner, body="cek stok")
        )
        assert await hero.receive_json_from(timeout=2) == {
            "event": realtime.MESSAGE_CREATED,
            "conversation_id": ours.pk,
            "message_id": note.pk,
        }
        await in_transaction(lambda: services.conversation_resolve(conversation=theirs, actor=outsider))
        assert await neighbour.receive_json_from(timeout=2) == {
            "event": realtime.CONVERSATION_UPDATED,
            "conversation_id": theirs.pk,
            "message_id": None,
        }
        assert await hero.receive_nothing(timeout=0.3)
        assert await neighbour.receive_nothing(timeout=0.1)
        await hero.disconnect()
        await neighbour.disconnect()

    run(scenario)


def test_watching_a_conversation_checks_it_and_forwards_each_event_once(
    workspace: Workspace, other_workspace: Workspace, owner: User
) -> None:
    ours = make_conversation(make_inbox(workspace))
    theirs = make_conversation(make_inbox(other_workspace))
    cookie = _cookie(owner)

    async def scenario() -> None:
        hero = await opened(socket(cookie))
        for bad in (theirs.pk, 10**9, "1", True):
            await hero.send_json_to({"watch": bad})
            assert await hero.receive_json_from() == {"error": "not_found", "watch": bad}
        await hero.send_json_to({"watch": ours.pk})
        assert await hero.receive_json_from() == {"watching": ours.pk}
        # The other workspace's conversation group stays closed to this socket
        await in_transaction(lambda: services.conversation_resolve(conversation=theirs, actor=None))
        assert await hero.receive_nothing(timeout=0.3)
        # An event of the watched conversation comes through both groups and is forwarded once
        await in_transaction(lambda: services.conversation_resolve(conversation=ours, actor=owner))
        assert (await hero.receive_json_from(timeout=2))["conversation_id"] == ours.pk
        assert await hero.receive_nothing(timeout=0.3)
        await hero.send_json_to({"watch": None})
        assert await hero.receive_json_from() == {"watching": None}
        await hero.send_to(text_data='{"something": "else"}')
        assert await hero.receive_nothing(timeout=0.1)
        await hero.disconnect()

    run(scenario)


def test_the_conversation_group_alone_carries_the_conversations_events(
    workspace: Workspace, owner: User
) -> None:
    """What a web-chat visitor's socket relies on: the conversation group gets the event too."""
    ours = make_conversation(make_inbox(workspace))

    async def scenario() -> None:
        from channels.layers import get_channel_layer

        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(realtime.conversation_group(ours.pk), channel)
        await in_transaction(lambda: services.conversation_resolve(conversation=ours, actor=owner))
        message = await asyncio.wait_for(layer.receive(channel), timeout=2)
        assert (message["event"], message["conversation_id"]) == (realtime.CONVERSATION_UPDATED, ours.pk)

    run(scenario)


def test_a_signed_out_session_or_a_removed_member_is_no_longer_allowed(
    workspace: Workspace, owner: User
) -> None:
    client = Client()
    client.force_login(owner)
    key = client.cookies["sessionid"].value
    assert consumers._still_allowed(key, owner.pk, "hero")
    assert not consumers._still_allowed(key, owner.pk + 1, "hero")
    owner.memberships.all().delete()
    assert not consumers._still_allowed(key, owner.pk, "hero")
    Session.objects.filter(session_key=key).delete()
    assert not consumers._still_allowed(key, owner.pk, "hero")
    assert not consumers._still_allowed(None, owner.pk, "hero")


def test_an_open_socket_is_closed_once_its_session_ends(
    workspace: Workspace, owner: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(consumers, "RECHECK_SECONDS", 0.2)
    cookie = _cookie(owner)

    async def scenario() -> None:
        hero = await opened(socket(cookie))
        assert await hero.receive_nothing(timeout=0.5)  # still signed in: stays open
        await database_sync_to_async(lambda: Session.objects.all().delete())()  # signed out
        assert await hero.receive_output(timeout=3) == {"type": "websocket.close", "code": REFUSED}

    run(scenario)


# The database watch (no publish reaches this process) ---------------------------------------


def test_the_database_watch_turns_writes_of_other_processes_into_events(
    workspace: Workspace, other_workspace: Workspace, owner: User, outsider: User, settings: Any
) -> None:
    settings.RELASI_REALTIME_DB_WATCH = "on"
    ours = make_conversation(make_inbox(workspace))
    theirs = make_conversation(make_inbox(other_workspace))
    ours_cookie, theirs_cookie = _cookie(owner), _cookie(outsider)

    async def scenario() -> None:
        hero = await opened(socket(ours_cookie))
        second = await opened(socket(ours_cookie))
        neighbour = await opened(socket(theirs_cookie, slug="sebelah"))
        assert consumers.watches_running() == 2  # one per workspace, shared by its sockets
        await asyncio.sleep(0.3)  # the watch has taken its first look
        # Straight to the tables, no publish: as the worker process writes in the embedded mode
        message = await database_sync_to_async(make_message)(ours, "Kak, ready?")
        got = await hero.receive_json_from(timeout=3)
        assert got == {
            "event": realtime.MESSAGE_CREATED,
            "conversation_id": ours.pk,
            "message_id": message.pk,
        }
        assert await second.receive_json_from(timeout=3) == got
        await database_sync_to_async(
            lambda: Conversation.objects.filter(pk=ours.pk).update(assignee=owner, updated_at=timezone.now())
        )()
        assert await hero.receive_json_from(timeout=3) == {
            "event": realtime.CONVERSATION_UPDATED,
            "conversation_id": ours.pk,
            "message_id": None,
        }
        assert await neighbour.receive_nothing(timeout=0.5)
        await database_sync_to_async(make_message)(theirs, "tetangga")
        assert (await neighbour.receive_json_from(timeout=3))["conversation_id"] == theirs.pk
        assert await hero.receive_nothing(timeout=0.5)
        for communicator in (hero, second, neighbour):
            await communicator.disconnect()
        await asyncio.sleep(0)
        assert consumers.watches_running() == 0

    run(scenario)


def test_without_the_watch_a_write_without_publish_is_not_heard(workspace: Workspace, owner: User) -> None:
    """The control: with Redis the watch is off and only publishes count."""
    ours = make_conversation(make_inbox(workspace))
    cookie = _cookie(owner)

    async def scenario() -> None:
        hero = await opened(socket(cookie))
        assert consumers.watches_running() == 0
        await database_sync_to_async(make_message)(ours, "Kak, ready?")
        assert await hero.receive_nothing(timeout=1)
        await hero.disconnect()

    run(scenario)
