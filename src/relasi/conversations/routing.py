"""Websocket routes of this app (gathered in ``relasi.web.routing``).

The inbox socket is for signed-in agents on our own pages: the session cookie signs it in
(``AuthMiddlewareStack``) and a browser page of another site may not open it
(``AllowedHostsOriginValidator``: the ``Origin`` must be one of ``ALLOWED_HOSTS``). The guards
wrap this route only: the web-chat widget's socket is opened from customers' own websites."""

from __future__ import annotations

from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.security.websocket import AllowedHostsOriginValidator
from django.urls import path

from relasi.conversations.consumers import InboxConsumer

websocket_urlpatterns: list[Any] = [
    path(
        "ws/inbox/<slug:slug>/",
        AllowedHostsOriginValidator(AuthMiddlewareStack(InboxConsumer.as_asgi())),
        name="inbox_socket",
    ),
]
