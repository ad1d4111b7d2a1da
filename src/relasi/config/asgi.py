"""ASGI entry point: HTTP through Django, websockets through Channels (routes added by the
apps that push in real time)."""

import os

from channels.routing import ProtocolTypeRouter, URLRouter
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relasi.config.settings")
django_asgi_app = get_asgi_application()

from relasi.web.routing import websocket_urlpatterns  # noqa: E402  (needs apps loaded)

application = ProtocolTypeRouter({"http": django_asgi_app, "websocket": URLRouter(websocket_urlpatterns)})
