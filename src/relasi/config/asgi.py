"""ASGI entry point, served by uvicorn for the websockets (HTTP goes to gunicorn: DESIGN §2).

``relasi run`` starts it on the web port + 1; in production route ``/ws/`` to it. Websocket
routes come from the apps that push in real time (``relasi.web.routing``): the agents' inbox
(``conversations.routing``, signed in by the session cookie and refused to other sites'
pages) and the web-chat widget (``channels.webchat.routing``). Each app guards its own routes,
because the widget's socket is opened from customers' websites. HTTP is routed to Django too,
so that one ASGI server alone also works (tests, development)."""

import os

from channels.routing import ProtocolTypeRouter, URLRouter
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relasi.config.settings")
django_asgi_app = get_asgi_application()

from relasi.web.routing import websocket_urlpatterns  # noqa: E402  (needs apps loaded)

application = ProtocolTypeRouter({"http": django_asgi_app, "websocket": URLRouter(websocket_urlpatterns)})
