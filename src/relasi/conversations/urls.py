"""The inbox under ``/w/<slug>/percakapan/`` and the channel webhooks under ``/webhooks/``."""

from __future__ import annotations

from relasi.channels.whatsapp import urls_webhook
from relasi.conversations import urls_inbox, urls_reports, urls_settings

app_name = "conversations"

urlpatterns = [*urls_inbox.urlpatterns, *urls_settings.urlpatterns, *urls_webhook.urlpatterns]
urlpatterns += urls_reports.urlpatterns
