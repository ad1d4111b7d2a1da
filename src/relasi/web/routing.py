"""Websocket routes, gathered from the apps that push in real time: the agents' inbox
(``conversations.routing``) and the web-chat widget (``channels.webchat.routing``)."""

from __future__ import annotations

from typing import Any

from relasi.channels.webchat.routing import websocket_urlpatterns as webchat_routes
from relasi.conversations.routing import websocket_urlpatterns as inbox_routes

websocket_urlpatterns: list[Any] = [*inbox_routes, *webchat_routes]
