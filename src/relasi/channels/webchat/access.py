"""Who may use a widget from where.

The widget runs in an ``<iframe>`` served by Relasi, so its websocket and HTTP calls come
from Relasi's own origin; the website around it (the *parent*) is what ``allowed_origins``
restricts. How the parent is known, and the limits of each check:

1. The script tag's loader passes ``?origin=<location.origin>`` when it creates the frame.
2. The frame page compares it with the ``Referer`` of the frame request when the browser
   sends one (the default referrer policy sends the parent's origin; a page with
   ``Referrer-Policy: no-referrer`` sends none, and then this check is skipped).
3. The frame page answers with CSP ``frame-ancestors <that origin>``: the browser itself
   refuses to show the frame inside any other website, so a site cannot claim someone
   else's origin. This is the check that holds; (1) and (2) only fail early and clearly.
4. The frame then carries a signed *embed token* (widget + parent origin) in its websocket
   and HTTP calls, and every call checks the parent against the widget's current
   ``allowed_origins`` (a website removed from the list stops working at its next call).

A client that is not a browser can send any header it likes: it can chat as a visitor,
which anybody may do on an allowed website anyway; it can never read another visitor's
messages (those need that visitor's signed token). A frame opened on its own (no parent,
e.g. a "chat with us" link) works and cannot be framed by another website."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.http.request import validate_host

from relasi.channels.webchat.models import WebChatWidget
from relasi.channels.webchat.origins import origin_allowed, origin_normalize
from relasi.channels.webchat.selectors import widget_get_public
from relasi.channels.webchat.tokens import embed_token_read


def own_origins(*, host: str, secure: bool) -> set[str]:
    """Relasi's own origins: the one the request came to and ``RELASI_BASE_URL``'s."""
    found = set()
    if host:
        mine = origin_normalize(("https://" if secure else "http://") + host)
        if mine:
            found.add(mine)
    base = origin_normalize(str(settings.RELASI_BASE_URL))
    if base:
        found.add(base)
    return found


def parent_allowed(*, widget: WebChatWidget, parent: str, own: set[str]) -> bool:
    """Whether the frame may run inside ``parent`` ("" = on its own). Relasi's own pages (the
    live preview of the settings page) may always embed it."""
    if not parent:
        return True
    return parent in own or origin_allowed(parent, widget.allowed_origins or [])


def referer_origin(referer: str) -> str | None:
    """The origin of a ``Referer`` header (``None`` when absent or not http(s))."""
    if not referer:
        return None
    parts = urlsplit(referer)
    return origin_normalize(f"{parts.scheme}://{parts.netloc}") if parts.scheme and parts.netloc else None


def embed_parent(*, widget: WebChatWidget, embed: str, own: set[str]) -> str | None:
    """The parent origin of a call carrying an embed token, when the token is valid and the
    parent is (still) allowed; else ``None``."""
    parent = embed_token_read(embed, widget_token=widget.public_token)
    if parent is None or not parent_allowed(widget=widget, parent=parent, own=own):
        return None
    return parent


def _served_by_relasi(origin: str, own: set[str]) -> bool:
    """Whether a websocket's ``Origin`` is a Relasi page: one of ``own_origins`` or a host
    Relasi serves (``ALLOWED_HOSTS``, any port: the websocket server may listen on another
    port than the pages, as in the embedded mode)."""
    if origin in own:
        return True
    host = urlsplit(origin).hostname or ""
    return bool(host) and validate_host(host, list(settings.ALLOWED_HOSTS))


def socket_widget(*, token: str, embed: str, origin: str, host: str, secure: bool) -> WebChatWidget | None:
    """The widget a websocket may talk to, or ``None`` to refuse the handshake.

    From the frame (``Origin`` = a Relasi page, or no ``Origin``: not a browser) the embed
    token must name an allowed parent. A website opening the socket itself (``Origin`` = the
    website) must be one of the allowed websites (an empty list allows any). With
    ``ALLOWED_HOSTS = ["*"]`` every origin counts as Relasi's, so only the embed token
    decides."""
    widget = widget_get_public(token=token)
    if widget is None:
        return None
    own = own_origins(host=host, secure=secure)
    sender = origin_normalize(origin) if origin else None
    if origin and sender is None:
        return None
    if sender is None or _served_by_relasi(sender, own):
        return widget if embed_parent(widget=widget, embed=embed, own=own) is not None else None
    return widget if origin_allowed(sender, widget.allowed_origins or []) else None
