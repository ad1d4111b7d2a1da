"""Websocket routes of this app (gathered in ``relasi.web.routing``)."""

from __future__ import annotations

from typing import Any

websocket_urlpatterns: list[Any] = []
