"""Real-time: which services publish which event (after commit, ids only, to the right
groups), the database watch of the embedded mode, the settings helpers, and the two small views
the page re-reads on an event (the thread's changes and the list)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from channels.layers import InMemoryChannelLayer
from django.test import Client
from django.utils import timezone

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.conversations import realtime, services
from relasi.conversations.enums import ConversationStatus, DeliveryStatus, MessageDirection, MessageKind
from relasi.conversations.models import Conversation, Label, Message
from relasi.conversations.realtime import CONVERSATION_UPDATED, MESSAGE_CREATED, MESSAGE_UPDATED
from relasi.conversations.services_inbound import message_receive, message_status_apply
from relasi.conversations.services_outbound import message_send
from relasi.core.exceptions import ValidationError
from relasi.core.security import policy_for
from tests.conversations import make_conversation, make_inbox, make_message

pytestmark = pytest.mark.django_db


class RecordingLayer(InMemoryChannelLayer):
    """The in-memory layer, remembering every group send (the test layer)."""

    sent: list[tuple[str, dict[str, Any]]] = []

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        RecordingLayer.sent.append((group, message))
        await super().group_send(group, message)


Published = Callable[[], list[tuple[str, int, int | None]]]


@pytest.fixture
def published(settings: Any) -> Iterator[Published]:
    """``published()`` → the events sent so far, once each, as ``(event, conversation, message)``;
    every event must have gone to exactly its workspace's and its conversation's group."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": f"{__name__}.RecordingLayer"}}
    RecordingLayer.sent = []

    def events() -> list[tuple[str, int, int | None]]:
        by_id: dict[str, list[str]] = {}
        found: list[tuple[str, int, int | None]] = []
        for group, message in RecordingLayer.sent:
            assert set(message) == {"type", "id", "event", "conversation_id", "message_id"}
            if message["id"] not in by_id:
                found.append((message["event"], message["conversation_id"], message["message_id"]))
            by_id.setdefault(message["id"], []).append(group)
        for message_id, groups in by_id.items():
            message = next(m for _g, m in RecordingLayer.sent if m["id"] == message_id)
            conversation = Conversation.objects.get(pk=message["conversation_id"])
            assert sorted(groups) == sorted(
                [f"relasi.ws.{conversation.workspace_id}", f"relasi.conv.{conversation.pk}"]
            )
        return found

    yield events
    RecordingLayer.sent = []


def _updated_at(conversation: Conversation) -> dt.datetime:
    return Conversation.objects.values_list("updated_at", flat=True).get(pk=conversation.pk)


# What the services publish -----------------------------------------------------------------


def test_a_new_customer_message_is_published_after_commit_and_a_redelivery_is_not(
    workspace: Workspace, published: Published, django_capture_on_commit_callbacks: Any
) -> None:
    inbox = make_inbox(workspace)
    conv = make_conversation(inbox)

    def receive() -> tuple[Message, bool]:
        return message_receive(
            inbox=inbox,
            conversation=conv,
            external_id="wamid.satu",
            kind=MessageKind.TEXT,
            body="Kak, ready?",
            payload={},
            sent_at=timezone.now(),
        )

    with django_capture_on_commit_callbacks() as callbacks:
        message, created = receive()
        assert published() == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    assert created
    assert published() == [(MESSAGE_CREATED, conv.pk, message.pk)]

    with django_capture_on_commit_callbacks(execute=True):
        again, created = receive()  # the same message delivered again
    assert not created
    assert again.pk == message.pk
    assert len(published()) == 1


def test_a_reply_and_a_note_are_published_and_move_the_conversation(
    workspace: Workspace, owner: User, published: Published, django_capture_on_commit_callbacks: Any
) -> None:
    conv = make_conversation(make_inbox(workspace), last_inbound_at=timezone.now())
    Conversation.objects.filter(pk=conv.pk).update(updated_at=timezone.now() - dt.timedelta(hours=1))
    before = _updated_at(conv)
    with django_capture_on_commit_callbacks(execute=True):
        reply = message_send(conversation=conv, actor=owner, kind=MessageKind.TEXT, body="Ready kak")
    assert _updated_at(conv) > before
    with django_capture_on_commit_callbacks(execute=True):
        note = services.note_add(conversation=conv, author=owner, body="cek gudang")
    assert published() == [(MESSAGE_CREATED, conv.pk, reply.pk), (MESSAGE_CREATED, conv.pk, note.pk)]


def test_a_status_that_moves_forward_is_published_a_repeated_one_is_not(
    workspace: Workspace, published: Published, django_capture_on_commit_callbacks: Any
) -> None:
    inbox = make_inbox(workspace)
    conv = make_conversation(inbox)
    sent = make_message(
        conv,
        "Ready kak",
        direction=MessageDirection.OUTBOUND,
        status=DeliveryStatus.SENT,
        external_id="wamid.k",
    )
    Conversation.objects.filter(pk=conv.pk).update(updated_at=timezone.now() - dt.timedelta(hours=1))
    before = _updated_at(conv)
    with django_capture_on_commit_callbacks(execute=True):
        message_status_apply(inbox=inbox, external_id="wamid.k", status="read", at=timezone.now())
    # the watch of the embedded mode sees it through the conversation
    assert _updated_at(conv) > before
    with django_capture_on_commit_callbacks(execute=True):
        message_status_apply(inbox=inbox, external_id="wamid.k", status="read", at=timezone.now())
        message_status_apply(inbox=inbox, external_id="wamid.unknown", status="read", at=timezone.now())
    assert published() == [(MESSAGE_UPDATED, conv.pk, sent.pk)]


def test_every_conversation_action_is_published(
    workspace: Workspace,
    owner: User,
    make_member: Callable[..., User],
    published: Published,
    django_capture_on_commit_callbacks: Any,
) -> None:
    agent = make_member(workspace, Role.AGENT)
    inbox = make_inbox(workspace)
    inbox.members.set([agent])
    conv = make_conversation(inbox, unread_count=2)
    label = Label.objects.create(workspace=workspace, name="VIP")
    actions: list[Callable[[], object]] = [
        lambda: services.conversation_assign(conversation=conv, actor=owner, assignee=agent),
        lambda: services.conversation_snooze(
            conversation=conv, actor=owner, until=timezone.now() + dt.timedelta(hours=2)
        ),
        lambda: services.conversation_reopen(conversation=conv, actor=owner),
        lambda: services.conversation_resolve(conversation=conv, actor=owner),
        lambda: services.conversation_set_labels(conversation=conv, actor=owner, labels=[label]),
        lambda: services.conversation_mark_read(conversation=conv),
        lambda: services.conversation_auto_assign(conversation=make_conversation(inbox)),
    ]
    for action in actions:
        with django_capture_on_commit_callbacks(execute=True):
            action()
    events = published()
    assert [e[0] for e in events] == [CONVERSATION_UPDATED] * len(actions)
    assert [e[1] for e in events][:-1] == [conv.pk] * (len(actions) - 1)
    assert events[-1][1] != conv.pk  # the auto-assigned new conversation
    # Nothing changed, nothing published: same labels, already read, already resolved.
    for action in actions[3:6]:
        with django_capture_on_commit_callbacks(execute=True):
            action()
    assert len(published()) == len(actions)


def test_a_refused_action_publishes_nothing(
    workspace: Workspace,
    owner: User,
    outsider: User,
    published: Published,
    django_capture_on_commit_callbacks: Any,
) -> None:
    conv = make_conversation(make_inbox(workspace))
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        services.conversation_assign(conversation=conv, actor=owner, assignee=outsider)
    assert published() == []


def test_publish_refuses_an_unknown_event(workspace: Workspace) -> None:
    conv = make_conversation(make_inbox(workspace))
    with pytest.raises(ValueError, match="unknown event"):
        realtime.event_publish(workspace_id=workspace.pk, conversation_id=conv.pk, event="message.deleted")


# The database watch ------------------------------------------------------------------------


def test_the_watch_finds_what_was_written_without_a_publish_once(
    workspace: Workspace, other_workspace: Workspace
) -> None:
    conv = make_conversation(make_inbox(workspace))
    already = make_message(conv, "sebelum")
    cursor = realtime.watch_start(workspace_id=workspace.pk)
    assert realtime.changes_since(cursor=cursor) == []  # what was there is not announced
    # Another process writes straight to the tables: a message, and an assignment
    message = make_message(conv, "Kak, ready?")
    other = make_conversation(make_inbox(workspace))
    Conversation.objects.filter(pk=other.pk).update(
        status=ConversationStatus.PENDING, updated_at=timezone.now()
    )
    # and something happens in another workspace.
    make_message(make_conversation(make_inbox(other_workspace)), "tetangga")
    events = realtime.changes_since(cursor=cursor)
    assert [(e["event"], e["conversation_id"], e["message_id"]) for e in events] == [
        (MESSAGE_CREATED, conv.pk, message.pk),
        (CONVERSATION_UPDATED, other.pk, None),
    ]
    assert all(e["type"] == "relasi.event" and e["id"] for e in events)
    assert realtime.changes_since(cursor=cursor) == []
    assert already.pk not in [e["message_id"] for e in events]


def test_the_watch_finds_a_row_that_commits_after_a_later_one(workspace: Workspace) -> None:
    """A row written before the last scan but committed after it (ids and timestamps are taken
    at write time) is still found: each scan looks WATCH_LOOKBACK back."""
    conv = make_conversation(make_inbox(workspace))
    cursor = realtime.watch_start(workspace_id=workspace.pk)
    realtime.changes_since(cursor=cursor)
    written_earlier = timezone.now() - realtime.WATCH_LOOKBACK / 2
    late = make_message(conv, "telat")
    Message.objects.filter(pk=late.pk).update(created_at=written_earlier)
    Conversation.objects.filter(pk=conv.pk).update(updated_at=written_earlier)
    events = realtime.changes_since(cursor=cursor)
    assert [(e["event"], e["message_id"]) for e in events] == [(MESSAGE_CREATED, late.pk)]


def test_the_watch_announces_a_conversation_again_when_it_changes_again(workspace: Workspace) -> None:
    conv = make_conversation(make_inbox(workspace))
    cursor = realtime.watch_start(workspace_id=workspace.pk)
    stamps = [timezone.now() + dt.timedelta(milliseconds=n) for n in (1, 2)]
    found = []
    for stamp in stamps:
        Conversation.objects.filter(pk=conv.pk).update(updated_at=stamp)
        found.append([e["event"] for e in realtime.changes_since(cursor=cursor)])
    assert found == [[CONVERSATION_UPDATED], [CONVERSATION_UPDATED]]


# Settings ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("configured", "host", "expected"),
    [
        ("", "127.0.0.1:8000", "/ws/inbox/hero/"),
        ("off", "127.0.0.1:8000", ""),
        ("ws://127.0.0.1:8001", "localhost:8000", "ws://127.0.0.1:8001/ws/inbox/hero/"),
        ("ws://*:8101", "localhost:8100", "ws://localhost:8101/ws/inbox/hero/"),
        ("ws://0.0.0.0:8101/", "192.168.1.20:8100", "ws://192.168.1.20:8101/ws/inbox/hero/"),
        ("ws://*:8101", "[::1]:8100", "ws://[::1]:8101/ws/inbox/hero/"),
        ("wss://rt.tokoku.id/live", "crm.tokoku.id", "wss://rt.tokoku.id/live/ws/inbox/hero/"),
    ],
)
def test_realtime_url(settings: Any, configured: str, host: str, expected: str) -> None:
    settings.RELASI_REALTIME_URL = configured
    assert realtime.realtime_url(slug="hero", request_host=host) == expected


def test_csp_allows_the_websocket_port() -> None:
    assert "connect-src 'self';" in policy_for("")
    assert "connect-src 'self' ws://127.0.0.1:8101;" in policy_for("ws://127.0.0.1:8101")
    assert "connect-src 'self' ws://*:8101;" in policy_for("ws://*:8101")
    assert "connect-src 'self' wss://rt.tokoku.id;" in policy_for("wss://rt.tokoku.id/live")
    assert "connect-src 'self';" in policy_for("off")


def test_db_watch_follows_the_channel_layer(settings: Any) -> None:
    settings.RELASI_REALTIME_DB_WATCH = "auto"
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    assert realtime.db_watch_enabled()
    # Redis brings every process's publishes: no watch (the layer connects lazily; no server needed)
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:6379/0"]},
        }
    }
    assert not realtime.db_watch_enabled()
    settings.RELASI_REALTIME_DB_WATCH = "on"
    assert realtime.db_watch_enabled()
    settings.RELASI_REALTIME_DB_WATCH = "off"
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    assert not realtime.db_watch_enabled()


# The page and what it re-reads -------------------------------------------------------------

EN = {"Accept-Language": "en"}


def _poll(client: Client, conv: Conversation, **params: Any) -> Any:
    return client.get(f"/w/hero/percakapan/{conv.pk}/pesan/", params, headers=EN)


def _cursor(html: str) -> tuple[int, str]:
    match = re.search(r'id="poll-cursor" data-after="(\d+)" data-version="(\d+)"', html)
    assert match, html
    return int(match.group(1)), match.group(2)


def _old(message: Message) -> Message:
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - dt.timedelta(minutes=5))
    message.refresh_from_db()
    return message


def test_page_carries_the_socket_address_and_the_cursor(
    client_as: Callable[[User], Client], owner: User, workspace: Workspace, settings: Any
) -> None:
    settings.RELASI_REALTIME_URL = "ws://*:8101"
    conv = make_conversation(make_inbox(workspace))
    old = _old(make_message(conv, "lama"))
    make_message(conv, "baru")
    response = client_as(owner).get(
        f"/w/hero/percakapan/{conv.pk}/", headers={**EN, "host": "localhost:8100"}
    )
    html = response.content.decode()
    assert 'data-ws-url="ws://localhost:8101/ws/inbox/hero/"' in html
    assert f'data-conversation="{conv.pk}"' in html
    assert "connect-src 'self' ws://*:8101" in response.headers["Content-Security-Policy"]
    # the cursor stays before the message written seconds ago
    assert _cursor(html)[0] == old.pk


def test_the_thread_update_returns_only_what_the_page_lacks(
    client_as: Callable[[User], Client], owner: User, workspace: Workspace
) -> None:
    conv = make_conversation(make_inbox(workspace))
    first = _old(make_message(conv, "satu"))
    c = client_as(owner)
    version = _cursor(c.get(f"/w/hero/percakapan/{conv.pk}/").content.decode())[1]
    assert _poll(c, conv, after=first.pk, v=version).status_code == 204
    second = make_message(conv, "dua")
    html = _poll(c, conv, after=first.pk).content.decode()
    assert f'id="msg-{second.pk}"' in html
    assert f'id="msg-{first.pk}"' not in html
    # the recent message stays after the cursor; the page says it has it
    after, _v = _cursor(html)
    assert after == first.pk
    assert _poll(c, conv, after=after, have=str(second.pk)).status_code == 204
    # once it is old, the cursor passes it
    _old(second)
    assert _cursor(_poll(c, conv, after=after, have=str(second.pk)).content.decode())[0] == second.pk


def test_the_thread_update_returns_changed_ticks(
    client_as: Callable[[User], Client], owner: User, workspace: Workspace
) -> None:
    conv = make_conversation(make_inbox(workspace))
    out = _old(
        make_message(conv, "Ready kak", direction=MessageDirection.OUTBOUND, status=DeliveryStatus.DELIVERED)
    )
    c = client_as(owner)
    assert _poll(c, conv, after=out.pk, st=f"{out.pk}:delivered").status_code == 204
    Message.objects.filter(pk=out.pk).update(status=DeliveryStatus.READ)
    html = _poll(c, conv, after=out.pk, st=f"{out.pk}:delivered").content.decode()
    assert f'id="msg-{out.pk}"' in html
    assert "ticks-read" in html


def test_the_thread_update_sends_the_header_when_the_conversation_changed(
    client_as: Callable[[User], Client], owner: User, workspace: Workspace
) -> None:
    conv = make_conversation(make_inbox(workspace))
    last = _old(make_message(conv, "satu"))
    c = client_as(owner)
    version = _cursor(c.get(f"/w/hero/percakapan/{conv.pk}/").content.decode())[1]
    assert _poll(c, conv, after=last.pk, v=version).status_code == 204
    services.conversation_assign(conversation=conv, actor=owner, assignee=owner)
    html = _poll(c, conv, after=last.pk, v=version).content.decode()
    assert 'id="thread-head"' in html
    assert "Pemilik Hero" in html
    assert _cursor(html)[1] != version


def test_the_thread_update_marks_read_only_while_the_agent_looks(
    client_as: Callable[[User], Client], owner: User, workspace: Workspace
) -> None:
    conv = make_conversation(make_inbox(workspace))
    c = client_as(owner)
    c.get(f"/w/hero/percakapan/{conv.pk}/")
    make_message(conv, "Kak?")
    Conversation.objects.filter(pk=conv.pk).update(unread_count=1)
    _poll(c, conv, after=0, read="0")
    assert Conversation.objects.get(pk=conv.pk).unread_count == 1
    _poll(c, conv, after=0, read="1")
    assert Conversation.objects.get(pk=conv.pk).unread_count == 0


def test_a_viewer_reading_does_not_mark_read(
    client_as: Callable[[User], Client], workspace: Workspace, make_member: Callable[..., User]
) -> None:
    viewer = make_member(workspace, Role.VIEWER)
    conv = make_conversation(make_inbox(workspace), unread_count=1)
    assert _poll(client_as(viewer), conv, after=0, read="1").status_code in (200, 204)
    assert Conversation.objects.get(pk=conv.pk).unread_count == 1


def test_the_list_fragment_has_the_rows_the_counts_and_the_current_one(
    client_as: Callable[[User], Client], owner: User, workspace: Workspace
) -> None:
    inbox = make_inbox(workspace)
    mine = make_conversation(inbox, assignee=owner, unread_count=3)
    other = make_conversation(inbox)
    c = client_as(owner)
    html = c.get(
        "/w/hero/percakapan/daftar/", {"view": "mine", "current": mine.pk}, headers=EN
    ).content.decode()
    assert f'id="conv-{mine.pk}"' in html
    assert f'id="conv-{other.pk}"' not in html
    assert re.search(rf'class="conv-item current" id="conv-{mine.pk}"', html)
    assert '<span class="badge unread">3</span>' in html
    assert re.search(r'id="count-mine" hx-swap-oob="true">1<', html)
    assert re.search(r'id="count-all" hx-swap-oob="true">2<', html)
    # links keep the filters but not the "current" parameter
    assert f"/w/hero/percakapan/{mine.pk}/?view=mine" in html
    assert "current=" not in html


def test_the_live_views_are_scoped_to_the_workspace(
    client_as: Callable[[User], Client], owner: User, outsider: User, other_workspace: Workspace
) -> None:
    theirs = make_conversation(make_inbox(other_workspace))
    make_message(theirs, "rahasia tetangga")
    c = client_as(owner)
    assert c.get(f"/w/hero/percakapan/{theirs.pk}/pesan/", {"after": 0}).status_code == 404
    html = c.get("/w/hero/percakapan/daftar/").content.decode()
    assert f'id="conv-{theirs.pk}"' not in html
    assert client_as(outsider).get("/w/hero/percakapan/daftar/").status_code == 404
