"""WSGI entry point (gunicorn). Meta's webhook POSTs (``/webhooks/whatsapp/…``) take a lean
path with only the middleware a server-to-server endpoint needs (``channels/whatsapp/wsgi.py``,
the hot path of DESIGN §8); every other request goes through the whole site."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relasi.config.settings")
site = get_wsgi_application()

from relasi.channels.whatsapp.wsgi import webhook_lean_path  # noqa: E402  (needs the apps loaded)

application = webhook_lean_path(site)
