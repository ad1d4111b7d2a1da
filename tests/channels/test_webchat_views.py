"""The widget's public side over HTTP: the loader script, the frame page (who may embed it,
its language, its policy headers), the pre-chat form, the websocket's HTTP fallback,
receipts and attachment links."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from relasi.accounts.models import User, Workspace
from relasi.channels.webchat.models import WebChatVisitor, WebChatWidget
from relasi.channels.webchat.services import visitor_message_receive
from relasi.channels.webchat.tokens import embed_token_read
from relasi.contacts.models import Contact
from relasi.conversations.enums import DeliveryStatus, MessageKind
from relasi.conversations.models import Message, OfficeHours
from relasi.conversations.services_outbound import OutboundFile, message_send
from tests.channels.test_webchat_common import WEBSITE, embed_token, make_visitor, make_widget, visitor_token

pytestmark = pytest.mark.django_db
WIB = ZoneInfo("Asia/Jakarta")


@pytest.fixture
def widget(workspace: Workspace) -> WebChatWidget:
    return make_widget(workspace, welcome_text="Halo! Ada yang bisa kami bantu?")


@pytest.fixture
def visitor(widget: WebChatWidget) -> WebChatVisitor:
    return make_visitor(widget)


def _auth(widget: WebChatWidget, visitor: WebChatVisitor | None = None) -> dict[str, str]:
    headers = {"X-Relasi-Embed": embed_token(widget)}
    if visitor is not None:
        headers["Authorization"] = f"Bearer {visitor_token(visitor)}"
    return headers


# The loader -------------------------------------------------------------------------------


def test_the_loader_is_javascript_cached_for_a_day(widget: WebChatWidget) -> None:
    response = Client().get(f"/widget/{widget.public_token}.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Cache-Control"] == "public, max-age=86400"
    assert b"document.currentScript" in response.content
    etag = response["ETag"]
    again = Client().get(f"/widget/{widget.public_token}.js", headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_no_loader_for_an_unknown_or_inactive_widget(widget: WebChatWidget) -> None:
    assert Client().get("/widget/AAAAAAAAAAAAAAAAAAAAAAAA.js").status_code == 404
    widget.inbox.is_active = False
    widget.inbox.save()
    assert Client().get(f"/widget/{widget.public_token}.js").status_code == 404
    assert Client().get(f"/widget/{widget.public_token}/").status_code == 404


# The frame --------------------------------------------------------------------------------


def test_the_frame_may_be_framed_by_the_allowed_website_only(widget: WebChatWidget) -> None:
    response = Client().get(
        f"/widget/{widget.public_token}/",
        {"origin": WEBSITE, "lang": "en"},
        headers={"Referer": WEBSITE + "/produk"},
    )
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert f"frame-ancestors {WEBSITE};" in policy
    assert "connect-src 'self';" in policy
    assert "X-Frame-Options" not in response
    assert response["Cache-Control"] == "private, no-store"
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Start chat" in html
    assert "Halo! Ada yang bisa kami bantu?" in html
    embed = re.search(r'data-embed="([^"]+)"', html)
    assert embed is not None
    assert embed_token_read(embed.group(1), widget_token=widget.public_token) == WEBSITE


def test_the_frame_finds_a_websocket_server_on_its_own_port(widget: WebChatWidget, settings: Any) -> None:
    settings.RELASI_REALTIME_URL = "ws://*:8001"  # what `relasi run` sets
    response = Client().get(f"/widget/{widget.public_token}/", {"origin": WEBSITE})
    assert "connect-src 'self' ws://*:8001;" in response["Content-Security-Policy"]
    assert 'data-ws-base="ws://testserver:8001"' in response.content.decode()
    settings.RELASI_REALTIME_URL = "off"
    response = Client().get(f"/widget/{widget.public_token}/", {"origin": WEBSITE})
    assert 'data-ws-base="off"' in response.content.decode()


@pytest.mark.parametrize(
    ("params", "referer"),
    [
        ({"origin": "https://toko-tetangga.example"}, None),
        ({"origin": WEBSITE}, "https://toko-tetangga.example/halaman"),  # the browser names another site
        ({"origin": "javascript:alert(1)"}, None),
    ],
)
def test_the_frame_is_refused_elsewhere(
    widget: WebChatWidget, params: dict[str, str], referer: str | None
) -> None:
    headers = {"Referer": referer} if referer else {}
    response = Client().get(f"/widget/{widget.public_token}/", {**params, "lang": "en"}, headers=headers)
    assert response.status_code == 403
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert b"not available on this website" in response.content


def test_any_website_when_none_is_listed_and_the_frame_on_its_own(workspace: Workspace) -> None:
    widget = make_widget(workspace, allowed_origins=[])
    anywhere = Client().get(f"/widget/{widget.public_token}/", {"origin": "https://mana.saja.example"})
    assert anywhere.status_code == 200
    assert "frame-ancestors https://mana.saja.example;" in anywhere["Content-Security-Policy"]
    alone = Client().get(f"/widget/{widget.public_token}/")
    assert alone.status_code == 200
    assert "frame-ancestors 'self';" in alone["Content-Security-Policy"]


def test_the_frame_speaks_indonesian_by_default_and_follows_the_browser(widget: WebChatWidget) -> None:
    default = Client().get(f"/widget/{widget.public_token}/", {"origin": WEBSITE})
    assert '<html lang="id">' in default.content.decode()
    browser = Client().get(
        f"/widget/{widget.public_token}/", {"origin": WEBSITE}, headers={"Accept-Language": "en-US,en;q=0.9"}
    )
    assert '<html lang="en">' in browser.content.decode()
    asked = Client().get(
        f"/widget/{widget.public_token}/",
        {"origin": WEBSITE, "lang": "id"},
        headers={"Accept-Language": "en"},
    )
    assert '<html lang="id">' in asked.content.decode()


def test_the_frame_shows_the_offline_text_and_the_next_opening(widget: WebChatWidget) -> None:
    widget.offline_text = "Kami sedang tutup, tinggalkan pesan ya."
    widget.save()
    for day in range(5):
        OfficeHours.objects.create(inbox=widget.inbox, weekday=day, opens=dt.time(8), closes=dt.time(17))
    with time_machine.travel(dt.datetime(2026, 8, 9, 20, 0, tzinfo=WIB), tick=False):  # Sunday evening
        response = Client().get(f"/widget/{widget.public_token}/", {"origin": WEBSITE, "lang": "en"})
    html = response.content.decode()
    assert "Kami sedang tutup, tinggalkan pesan ya." in html
    assert "We are back Monday, 08:00." in html
    assert 'data-open="0"' in html
    assert "Leave a message" in html


# The pre-chat form ------------------------------------------------------------------------


def test_the_prechat_form_makes_a_visitor_and_returns_its_token(widget: WebChatWidget) -> None:
    response = Client().post(
        f"/widget/{widget.public_token}/visitor",
        {
            "name": "Sari Dewi",
            "whatsapp": "0812-1111-2222",
            "email": "",
            "lang": "en",
            "embed": embed_token(widget),
        },
        content_type="application/json",
        headers={"User-Agent": "Mozilla/5.0 (iPhone)"},
        REMOTE_ADDR="198.51.100.9",
    )
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    data = response.json()
    visitor = WebChatVisitor.objects.get(widget=widget)
    assert data["visitor"] == {"name": "Sari Dewi"}
    assert data["token"]
    assert visitor.identity.contact.phone == "+6281211112222"
    assert (visitor.origin, visitor.user_agent, visitor.ip_network) == (
        WEBSITE,
        "Mozilla/5.0 (iPhone)",
        "198.51.100.0/24",
    )
    # The token is the visitor's key to its messages.
    listing = Client().get(
        f"/widget/{widget.public_token}/messages",
        headers={"Authorization": f"Bearer {data['token']}", "X-Relasi-Embed": embed_token(widget)},
    )
    assert listing.status_code == 200


def test_prechat_errors_are_per_field_in_the_visitors_language(widget: WebChatWidget) -> None:
    url = f"/widget/{widget.public_token}/visitor"
    body = {"name": "", "whatsapp": "12345", "email": "bukan-email", "embed": embed_token(widget)}
    english = Client().post(url, {**body, "lang": "en"}, content_type="application/json")
    assert english.status_code == 400
    assert english.json()["fields"] == {
        "name": "Tell us your name.",
        "whatsapp": "This is not a WhatsApp number. Type it like 0812-3456-7890.",
        "email": "This is not an e-mail address. Type it like nama@contoh.co.id.",
    }
    indonesian = Client().post(url, body, content_type="application/json")
    assert indonesian.status_code == 400
    assert set(indonesian.json()["fields"]) == {"name", "whatsapp", "email"}
    assert not Contact.objects.exists()


def test_prechat_needs_a_valid_embed_and_is_throttled(
    widget: WebChatWidget, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"/widget/{widget.public_token}/visitor"
    body = {"name": "Sari", "whatsapp": "0812-1111-2222", "lang": "en"}
    refused = Client().post(
        url,
        {**body, "embed": embed_token(widget, "https://toko-tetangga.example")},
        content_type="application/json",
    )
    assert refused.status_code == 403
    monkeypatch.setattr("relasi.channels.webchat.views.VISITORS_PER_ADDRESS_HOUR", 2)
    codes = [
        Client()
        .post(url, {**body, "embed": embed_token(widget)}, content_type="application/json")
        .status_code
        for _ in range(3)
    ]
    assert codes == [201, 201, 429]
    assert WebChatVisitor.objects.count() == 2


# The HTTP fallback ------------------------------------------------------------------------


def test_messages_over_http_are_stored_once_and_listed_after_an_id(
    widget: WebChatWidget, visitor: WebChatVisitor, owner: User, django_capture_on_commit_callbacks: Any
) -> None:
    url = f"/widget/{widget.public_token}/messages"
    client_id = str(uuid.uuid4())
    first = Client().post(
        url,
        {"client_id": client_id, "body": "Halo"},
        content_type="application/json",
        headers=_auth(widget, visitor),
    )
    again = Client().post(
        url,
        {"client_id": client_id, "body": "Halo"},
        content_type="application/json",
        headers=_auth(widget, visitor),
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["client_id"] == client_id
    assert Message.objects.filter(inbox=widget.inbox).count() == 1
    stored = Message.objects.get(inbox=widget.inbox)
    with django_capture_on_commit_callbacks(execute=True):
        reply = message_send(
            conversation=stored.conversation, actor=owner, kind=MessageKind.TEXT, body="Siap"
        )
    listing = Client().get(url, {"after": stored.pk, "lang": "en"}, headers=_auth(widget, visitor))
    assert listing.status_code == 200
    data = listing.json()
    assert [(m["id"], m["from"], m["body"]) for m in data["messages"]] == [(reply.pk, "business", "Siap")]
    assert data["availability"]["open"] is True
    history = Client().get(url, headers=_auth(widget, visitor)).json()["messages"]
    assert [m["id"] for m in history] == [stored.pk, reply.pk]
    receipt = Client().post(
        f"/widget/{widget.public_token}/receipts",
        {"status": "read", "ids": [reply.pk, stored.pk]},
        content_type="application/json",
        headers=_auth(widget, visitor),
    )
    assert receipt.json() == {"changed": [reply.pk]}
    reply.refresh_from_db()
    assert reply.status == DeliveryStatus.READ


def test_the_fallback_needs_the_visitor_token_and_the_embed(
    widget: WebChatWidget, visitor: WebChatVisitor
) -> None:
    url = f"/widget/{widget.public_token}/messages"
    assert Client().get(url, headers=_auth(widget)).status_code == 401
    bad = {**_auth(widget), "Authorization": "Bearer " + visitor_token(visitor)[:-3] + "abc"}
    assert Client().get(url, headers=bad).status_code == 401
    no_embed = {"Authorization": f"Bearer {visitor_token(visitor)}"}
    assert Client().get(url, headers=no_embed).status_code == 403
    # A visitor token of one widget is worth nothing on another (other workspace included).
    from relasi.accounts.models import Workspace as WorkspaceModel

    elsewhere = make_widget(WorkspaceModel.objects.create(name="Toko Lain", slug="lain"))
    stolen = {"X-Relasi-Embed": embed_token(elsewhere), "Authorization": f"Bearer {visitor_token(visitor)}"}
    assert Client().get(f"/widget/{elsewhere.public_token}/messages", headers=stolen).status_code == 401


def test_a_file_link_works_for_its_visitor_only(
    widget: WebChatWidget, visitor: WebChatVisitor, owner: User, django_capture_on_commit_callbacks: Any
) -> None:
    first, _c = visitor_message_receive(visitor=visitor, client_id=str(uuid.uuid4()), body="Minta faktur")
    pdf = b"%PDF-1.4 faktur"
    with django_capture_on_commit_callbacks(execute=True):
        message_send(
            conversation=first.conversation,
            actor=owner,
            kind=MessageKind.DOCUMENT,
            attachment=OutboundFile(content=pdf, name="faktur.pdf", mime_type="application/pdf"),
        )
    listing = Client().get(f"/widget/{widget.public_token}/messages", headers=_auth(widget, visitor)).json()
    url = listing["messages"][-1]["files"][0]["url"]
    response = Client().get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf
    assert response["Content-Disposition"].startswith("attachment")
    assert "sandbox" in response["Content-Security-Policy"]
    assert Client().get(url.split("?")[0] + "?t=forged").status_code == 404


# The agent's side -------------------------------------------------------------------------


def test_an_agent_answers_from_the_inbox_page(
    client_as: Any,
    owner: User,
    widget: WebChatWidget,
    visitor: WebChatVisitor,
    django_capture_on_commit_callbacks: Any,
) -> None:
    first, _c = visitor_message_receive(visitor=visitor, client_id=str(uuid.uuid4()), body="Ada vas biru?")
    agent = client_as(owner)
    page = agent.get(f"/w/hero/percakapan/{first.conversation_id}/")
    assert page.status_code == 200
    assert "Ada vas biru?" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        sent = agent.post(f"/w/hero/percakapan/{first.conversation_id}/kirim/", {"body": "Ada, kak"})
    assert sent.status_code in (200, 302)
    reply = Message.objects.get(conversation_id=first.conversation_id, body="Ada, kak")
    assert reply.status == DeliveryStatus.SENT
    shown = Client().get(f"/widget/{widget.public_token}/messages", headers=_auth(widget, visitor)).json()
    assert [m["body"] for m in shown["messages"]] == ["Ada vas biru?", "Ada, kak"]
