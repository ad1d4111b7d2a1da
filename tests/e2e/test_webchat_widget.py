"""The web-chat widget in a real browser, embedded the way a business does it: a plain HTML
page on its own website (another origin) with the one script tag. The visitor opens the chat,
fills the pre-chat form (a wrong number first), writes; the message lands in the web-chat
inbox; an agent's reply sent with ``message_send`` appears in the widget and is marked read;
after a reload the visitor is still known: its token is in the frame's localStorage or, where
the browser denies storage to a frame of another site (as this headless Chromium does), in
the website's own localStorage, kept by the loader.

Three servers, as in the embedded mode (``relasi run``): the business's page (a tiny WSGI
server), Relasi's pages (pytest-django's live server) and the websocket (``asgi_server``:
uvicorn in a thread serving ``relasi.config.asgi``, on its own port: ``RELASI_REALTIME_URL``).
Publishes of the web process never reach the websocket process there, so the reply arrives
through the consumer's database poll; publishing is switched off here to prove it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest

from relasi.accounts.enums import Role
from relasi.accounts.models import User
from relasi.channels.webchat.models import WebChatWidget
from relasi.channels.whatsapp.fake import serve_in_thread
from relasi.conversations import realtime
from relasi.conversations.enums import DeliveryStatus, MessageDirection, MessageKind
from relasi.conversations.models import Conversation, Message
from relasi.conversations.services_outbound import message_send
from tests.channels.test_webchat_common import make_widget
from tests.factories import MembershipFactory, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.browser
SOON = 10_000  # ms


def eventually(check: Callable[[], Any], seconds: float = SOON / 1000) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.1)


@pytest.fixture
def business_site() -> Iterator[tuple[str, dict[str, str]]]:
    """The business's own website: one HTML page whose script tag is set by the test."""
    page: dict[str, str] = {"html": ""}

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [page["html"].encode()]

    server, url = serve_in_thread(app)
    try:
        yield url, page
    finally:
        server.shutdown()
        server.server_close()


def test_a_visitor_chats_from_the_business_website(
    page: Any,
    live_server: Any,
    asgi_server: str,
    business_site: tuple[str, dict[str, str]],
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.RELASI_REALTIME_URL = asgi_server
    settings.RELASI_REALTIME_DB_WATCH = "auto"  # the in-memory layer: the consumer polls
    settings.RELASI_REALTIME_WATCH_SECONDS = 0.3
    monkeypatch.setattr(realtime, "_send", lambda groups, message: None)  # nothing crosses processes
    site_url, site = business_site
    workspace = WorkspaceFactory(name="Toko Hadiah Hero", slug="hero")
    owner: User = UserFactory(email="pemilik@hero.test", full_name="Elok Pemilik")
    MembershipFactory(user=owner, workspace=workspace, role=Role.OWNER)
    widget: WebChatWidget = make_widget(
        workspace,
        allowed_origins=[site_url],
        welcome_text="Halo! Ada yang bisa kami bantu?",
        color="#aa3300",
    )
    script = f"{live_server.url}/widget/{widget.public_token}.js"
    site["html"] = (
        '<!doctype html><html lang="id"><head><meta charset="utf-8"><title>Toko Hero</title></head>'
        "<body><h1>Toko Hero</h1><p>Vas bunga keramik.</p>"
        f'<script src="{script}" async></script></body></html>'
    )
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))

    # The launcher appears in the widget's colour; a click opens the chat.
    page.goto(site_url + "/")
    launcher = page.locator("[data-relasi-webchat-launcher]")
    launcher.wait_for(state="visible", timeout=SOON)
    assert launcher.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(170, 51, 0)"
    launcher.click()
    frame = page.frame_locator("iframe[data-relasi-webchat-frame]")
    assert frame.locator("html").get_attribute("lang") == "id"  # the page's language
    frame.locator("#wc-notice").get_by_text("Halo! Ada yang bisa kami bantu?").wait_for(timeout=SOON)

    # The pre-chat form: a landline is refused on its field, then a WhatsApp number.
    frame.locator("#wc-name").fill("Sari Dewi")
    frame.locator("#wc-whatsapp").fill("021-555-1234")
    frame.locator("#wc-start").click()
    frame.locator("#wc-whatsapp-error").wait_for(state="visible", timeout=SOON)
    assert frame.locator("#wc-whatsapp").get_attribute("aria-invalid") == "true"
    frame.locator("#wc-whatsapp").fill("0812-1111-2222")
    frame.locator("#wc-start").click()
    frame.locator("#wc-body").wait_for(state="visible", timeout=SOON)

    # The visitor writes; the widget shows the message as stored (it has its id).
    frame.locator("#wc-body").fill("Halo, vas bunga masih ada?")
    frame.locator("#wc-body").press("Enter")
    mine = frame.locator("#wc-messages li[data-from='visitor']")
    mine.get_by_text("Halo, vas bunga masih ada?").wait_for(timeout=SOON)
    eventually(lambda: mine.first.get_attribute("data-id"))
    message = eventually(
        lambda: Message.objects.filter(inbox=widget.inbox, direction=MessageDirection.INBOUND).first()
    )
    assert message is not None, "the visitor's message was not stored"
    assert message.body == "Halo, vas bunga masih ada?"
    assert mine.first.get_attribute("data-id") == str(message.pk)
    conversation = Conversation.objects.select_related("contact", "identity").get(pk=message.conversation_id)
    assert conversation.inbox_id == widget.inbox_id
    assert conversation.identity is not None
    assert conversation.identity.channel == "webchat"
    assert (conversation.contact.full_name, conversation.contact.phone) == ("Sari Dewi", "+6281211112222")
    assert any(url.startswith(f"{asgi_server}/ws/widget/{widget.public_token}/") for url in sockets)

    # The agent answers from Relasi: the reply appears in the open widget, and is read.
    reply = message_send(conversation=conversation, actor=owner, kind=MessageKind.TEXT, body="Masih ada, kak")
    theirs = frame.locator("#wc-messages li[data-from='business']")
    theirs.get_by_text("Masih ada, kak").wait_for(timeout=SOON)
    assert "Elok" in theirs.first.inner_text()

    assert eventually(lambda: Message.objects.get(pk=reply.pk).status == DeliveryStatus.READ)

    # A reload: the visitor is still known and sees the conversation, no form.
    page.reload()
    page.locator("[data-relasi-webchat-launcher]").click()
    frame = page.frame_locator("iframe[data-relasi-webchat-frame]")
    frame.locator("#wc-messages").get_by_text("Masih ada, kak").wait_for(timeout=SOON)
    assert frame.locator("#wc-prechat").is_hidden()
    assert Message.objects.filter(inbox=widget.inbox, direction=MessageDirection.INBOUND).count() == 1
