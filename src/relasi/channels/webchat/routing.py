"""Websocket routes of this app (gathered in ``relasi.web.routing``): the visitor's socket of
a widget (``consumers.WidgetConsumer``)."""

from __future__ import annotations

from typing import Any

from django.urls import re_path

from relasi.channels.webchat.consumers import WidgetConsumer

websocket_urlpatterns: list[Any] = [
    re_path(r"^ws/widget/(?P<token>[A-Za-z0-9_-]{16,64})/$", WidgetConsumer.as_asgi()),
]
