"""Content-Security-Policy header (Django 5.2 has none built in). Everything is served from
our own origin: no CDN, no inline script."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse

POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)


@lru_cache(maxsize=8)
def policy_for(realtime_url: str) -> str:
    """The policy, with the origin of the inbox websocket in ``connect-src`` when it is served
    on another port (``RELASI_REALTIME_URL``; the host ``*`` or a bind-all address such as
    ``0.0.0.0`` allows any host on that port, since the page uses its own host there)."""
    parts = urlsplit(realtime_url)
    if parts.scheme not in ("ws", "wss") or parts.hostname is None:
        return POLICY
    host = parts.hostname
    host = "*" if host in ("*", "0.0.0.0", "::") else (f"[{host}]" if ":" in host else host)  # noqa: S104
    origin = f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")
    return POLICY.replace("connect-src 'self'", f"connect-src 'self' {origin}")


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith("/api/docs"):
            response.headers.setdefault(
                "Content-Security-Policy", policy_for(str(getattr(settings, "RELASI_REALTIME_URL", "")))
            )
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response
