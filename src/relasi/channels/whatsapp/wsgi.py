"""A lean WSGI path for Meta's webhook calls (``/webhooks/whatsapp/…``): the same Django view,
request and response, the same database connection handling (``request_started`` /
``request_finished``), but only the middleware a server-to-server JSON endpoint needs and a
URLconf of one route.

Why: the POST is the hot path of DESIGN §8 (≥ 1,200 signed POSTs/s on two cores). Through the
site's full stack a webhook pays for sessions, auth, messages, language, CSRF, CSP, htmx and
clickjacking middleware it never uses, and for resolving its URL after every other app's
patterns (≈ 0.3 ms of the ≈ 0.75 ms a POST costs in Django; ``bench/README.md``). Kept:

- ``SecurityMiddleware`` (HTTPS redirect, HSTS, ``nosniff``) and ``CommonMiddleware``
  (``ALLOWED_HOSTS`` through ``get_host()``, refused user agents), as on every other page;
- the error handlers answer JSON (a 404 for an unknown or inactive inbox, 400, 403, 500),
  without the site's templates.

Wire it in ``relasi/config/wsgi.py``::

    application = webhook_lean_path(get_wsgi_application())

Every other path goes to the site's handler untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.urls import path
from django.utils.module_loading import import_string

from relasi.channels.whatsapp import webhook

PREFIX = "/webhooks/whatsapp/"
MIDDLEWARE = (
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
)

# This module is the lean handler's URLconf.
urlpatterns = [path("webhooks/whatsapp/<int:inbox_id>/", webhook.whatsapp_webhook, name="whatsapp_webhook")]


def _error(status: int) -> Callable[..., HttpResponse]:
    def handler(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
        return JsonResponse({"ok": False}, status=status)

    return handler


handler400 = _error(400)
handler403 = _error(403)
handler404 = _error(404)
handler500 = _error(500)


class WebhookHandler(WSGIHandler):
    """Django's WSGI handler with ``MIDDLEWARE`` instead of ``settings.MIDDLEWARE`` and this
    module as the URLconf."""

    def load_middleware(self, is_async: bool = False) -> None:
        # What BaseHandler.load_middleware does, for this short list of synchronous middleware.
        self._view_middleware: list[Any] = []
        self._template_response_middleware: list[Any] = []
        self._exception_middleware: list[Any] = []
        handler = convert_exception_to_response(self._get_response)  # type: ignore[attr-defined]
        for dotted in reversed(MIDDLEWARE):
            instance = import_string(dotted)(handler)
            if hasattr(instance, "process_view"):
                self._view_middleware.insert(0, instance.process_view)
            if hasattr(instance, "process_template_response"):
                self._template_response_middleware.append(instance.process_template_response)
            if hasattr(instance, "process_exception"):
                self._exception_middleware.append(instance.process_exception)
            handler = convert_exception_to_response(instance)
        self._middleware_chain = handler

    def get_response(self, request: HttpRequest) -> HttpResponseBase:
        request.urlconf = __name__
        return super().get_response(request)


StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def webhook_lean_path(application: WSGIApp) -> WSGIApp:
    """``application`` for every path but Meta's webhooks, which ``WebhookHandler`` serves."""
    lean = WebhookHandler()

    def dispatch(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").startswith(PREFIX):
            return lean(environ, start_response)
        return application(environ, start_response)

    return dispatch
