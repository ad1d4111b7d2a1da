"""Websocket routes. The inbox (issue 4) adds its consumers here."""

from typing import Any

websocket_urlpatterns: list[Any] = []
