"""Pages, public endpoints and webhooks of the E-mail channel (namespace ``email``)."""

from __future__ import annotations

from django.urls import URLPattern

app_name = "email"

urlpatterns: list[URLPattern] = []
