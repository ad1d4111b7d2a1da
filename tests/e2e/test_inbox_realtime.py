"""The inbox updates itself: an agent has a conversation open; customers write (stored through
the channel-neutral inbound services a channel adapter calls), a delivery receipt arrives and a
colleague takes the conversation — the thread, the list, the ticks and the header change
without a reload, within seconds.

Two servers, as in production: pytest-django's live server (WSGI) for the pages and uvicorn in a
thread for the websocket (``relasi.config.asgi``), on its own port (``RELASI_REALTIME_URL``,
as ``relasi run`` does). Run twice: with the in-memory layer and nothing published across
(the embedded mode: the worker process writes, so only the database watch can tell), and with
Redis and the publish path alone (production; skipped when no Redis answers)."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.conversations import realtime, services
from relasi.conversations.enums import DeliveryStatus, MessageDirection, MessageKind
from relasi.conversations.models import Conversation, Inbox, Message
from relasi.conversations.services_inbound import (
    conversation_for_identity,
    identity_resolve,
    message_receive,
    message_status_apply,
)
from tests.conversations import make_inbox
from tests.factories import MembershipFactory, UserFactory, WorkspaceFactory

# Three threads write here at once (the live server, the websocket server, the test itself as
# the channel). The SQLite *test* database is a shared-cache in-memory file whose table locks
# fail at once instead of waiting (a CI run saw the list partial answer 500); the embedded
# mode's real file (WAL, busy timeout) has no such limit. PostgreSQL runs both delivery paths.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the shared in-memory SQLite test database cannot take three writer threads",
    ),
]

PASSWORD = "rahasia-sekali-123"
SOON = 8_000  # ms: "within a few seconds", with room for a loaded CI machine


def _redis_url() -> str | None:
    import os

    import redis

    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        return None
    return url


@pytest.fixture(params=["database-watch", "redis-publish"])
def delivery(request: pytest.FixtureRequest, settings: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "database-watch":
        # The embedded mode: publishes of other processes never arrive; only the watch can tell.
        settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
        settings.RELASI_REALTIME_DB_WATCH = "on"
        settings.RELASI_REALTIME_WATCH_SECONDS = 0.3
        monkeypatch.setattr(realtime, "_send", lambda groups, message: None)
    else:
        url = _redis_url()
        if url is None:
            pytest.skip("no Redis at REDIS_URL or 127.0.0.1:6379 for the publish path")
        settings.CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {"hosts": [url], "prefix": f"relasi-test-{uuid.uuid4().hex[:8]}"},
            }
        }
        settings.RELASI_REALTIME_DB_WATCH = "off"
    return str(request.param)


@pytest.fixture
def shop(transactional_db: None) -> tuple[Workspace, User, User, Inbox]:
    workspace = WorkspaceFactory(name="Toko Hadiah Hero", slug="hero")
    owner = UserFactory(email="pemilik@hero.test", full_name="Pemilik Hero")
    MembershipFactory(user=owner, workspace=workspace, role=Role.OWNER)
    colleague = UserFactory(email="elok@hero.test", full_name="Elok Agen")
    MembershipFactory(user=colleague, workspace=workspace, role=Role.AGENT)
    inbox = make_inbox(workspace, name="WA Toko", auto_assign=False)
    return workspace, owner, colleague, inbox


def customer_writes(inbox: Inbox, number: str, name: str, text: str) -> tuple[Conversation, Message]:
    """What a channel adapter does with one customer message (WhatsApp's inbound does this)."""
    identity, contact = identity_resolve(
        workspace=inbox.workspace, channel="whatsapp", address=number, display_name=name
    )
    conversation, _created = conversation_for_identity(inbox=inbox, identity=identity, contact=contact)
    message, _new = message_receive(
        inbox=inbox,
        conversation=conversation,
        external_id=f"wamid.{uuid.uuid4().hex}",
        kind=MessageKind.TEXT,
        body=text,
        payload={"text": {"body": text}},
        sent_at=timezone.now(),
    )
    return conversation, message


def test_the_inbox_updates_without_reloading(
    page: Any,
    live_server: Any,
    asgi_server: str,
    delivery: str,
    shop: tuple[Workspace, User, User, Inbox],
    settings: Any,
) -> None:
    settings.RELASI_REALTIME_URL = asgi_server
    workspace, owner, colleague, inbox = shop
    budi, _first = customer_writes(inbox, "6281234567890", "Budi Santoso", "Halo kak, kaos merah ada?")
    reply = Message.objects.create(
        workspace=workspace,
        inbox=inbox,
        conversation=budi,
        direction=MessageDirection.OUTBOUND,
        kind=MessageKind.TEXT,
        body="Ada kak, ukuran apa?",
        sender=owner,
        status=DeliveryStatus.DELIVERED,
        external_id="wamid.balasan",
    )
    base = live_server.url
    problems: list[str] = []  # script errors, refused connections (CSP), failed loads
    page.on("pageerror", lambda error: problems.append(str(error)))

    def console(message: Any) -> None:
        if message.type == "error" and not str(message.location.get("url", "")).endswith("/favicon.ico"):
            problems.append(f"{message.text} ({message.location.get('url')})")

    page.on("console", console)

    # The agent signs in and opens Budi's conversation; the page's socket opens.
    page.goto(f"{base}/w/hero/percakapan/{budi.pk}/")
    page.get_by_label("Email").fill("pemilik@hero.test")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(re.compile(rf"/w/hero/percakapan/{budi.pk}/$"))
    page.locator('#realtime[data-state="open"]').wait_for(state="attached", timeout=SOON)
    page.evaluate("window.__notReloaded = true")
    tick = page.locator(f"#msg-{reply.pk} .ticks")
    assert "ticks-delivered" in (tick.get_attribute("class") or "")

    # Budi writes again: the message appears in the open thread.
    _budi, second = customer_writes(inbox, "6281234567890", "Budi Santoso", "Ukuran L ya kak")
    page.locator(f"#thread #msg-{second.pk}").get_by_text("Ukuran L ya kak").wait_for(timeout=SOON)

    # A new customer writes: her conversation appears in the list, unread, on top.
    sinta, _hello = customer_writes(inbox, "6285633334444", "Sinta Dewi", "Permisi, mau tanya harga")
    row = page.locator(f"#conv-{sinta.pk}")
    row.wait_for(timeout=SOON)
    assert row.locator(".badge.unread").inner_text() == "1"
    assert page.locator("#conv-list > li").first.get_attribute("id") == f"conv-{sinta.pk}"
    assert "Permisi, mau tanya harga" in row.inner_text()

    # Budi reads our reply: the ticks turn to "read".
    message_status_apply(inbox=inbox, external_id="wamid.balasan", status="read", at=timezone.now())
    page.locator(f"#msg-{reply.pk} .ticks.ticks-read").wait_for(timeout=SOON)

    # A colleague takes Budi's conversation: the header and the activity line show it.
    services.conversation_assign(conversation=budi, actor=colleague, assignee=colleague)
    page.locator("#thread-head").get_by_text("Elok Agen").wait_for(timeout=SOON)
    page.locator("#thread .msg-activity").get_by_text("Elok Agen").first.wait_for(timeout=SOON)

    # All of it without a reload, the socket open throughout; Budi's new message was read by
    # the agent looking at it.
    assert page.evaluate("window.__notReloaded") is True
    assert page.locator("#realtime").get_attribute("data-state") == "open"
    assert Conversation.objects.get(pk=budi.pk).unread_count == 0
    assert Conversation.objects.get(pk=sinta.pk).unread_count == 1
    assert problems == []
