"""Helpers of the web-chat tests (no tests here): a web-chat inbox written straight to the
tables, a visitor made through the pre-chat service, and their tokens. The websocket test
client is ``tests.websockets.WebsocketCommunicator``."""

from __future__ import annotations

from typing import Any

from relasi.accounts.models import Workspace
from relasi.channels.webchat.models import WebChatVisitor, WebChatWidget
from relasi.channels.webchat.services import visitor_start
from relasi.channels.webchat.tokens import embed_token_make, visitor_token_make
from relasi.conversations.enums import ChannelType
from relasi.conversations.models import Inbox

WEBSITE = "https://toko-hero.example"


def make_widget(workspace: Workspace, name: str = "Chat website", **widget: Any) -> WebChatWidget:
    inbox = Inbox.objects.create(workspace=workspace, name=name, channel_type=ChannelType.WEBCHAT)
    widget.setdefault("website_name", "Toko Hero")
    widget.setdefault("allowed_origins", [WEBSITE])
    return WebChatWidget.objects.create(workspace=workspace, inbox=inbox, **widget)


def make_visitor(
    widget: WebChatWidget, name: str = "Sari Dewi", whatsapp: str = "0812-1111-2222", email: str = ""
) -> WebChatVisitor:
    return visitor_start(widget=widget, name=name, whatsapp=whatsapp, email=email, origin=WEBSITE)


def visitor_token(visitor: WebChatVisitor) -> str:
    return visitor_token_make(widget_token=visitor.widget.public_token, visitor_id=visitor.visitor_id)


def embed_token(widget: WebChatWidget, origin: str = WEBSITE) -> str:
    return embed_token_make(widget_token=widget.public_token, origin=origin)
