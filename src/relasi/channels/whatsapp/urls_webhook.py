"""Channel webhooks under ``/webhooks/`` (names in the ``conversations`` namespace)."""

from __future__ import annotations

from django.urls import URLPattern, path

from relasi.channels.whatsapp import webhook

urlpatterns: list[URLPattern] = [
    path("webhooks/whatsapp/<int:inbox_id>/", webhook.whatsapp_webhook, name="whatsapp_webhook"),
]
