"""Pages, public endpoints and webhooks of the Web chat channel (namespace ``webchat``)."""

from __future__ import annotations

from django.urls import URLPattern

app_name = "webchat"

urlpatterns: list[URLPattern] = []
