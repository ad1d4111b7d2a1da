"""Website origins: which sites may embed a widget.

An origin is ``scheme://host[:port]`` (lower case, no default port, no path), as browsers send
it in ``Origin`` and as CSP ``frame-ancestors`` reads it. An allowed-origin pattern is an
origin, or ``scheme://*.domain`` for every subdomain of ``domain`` (not ``domain`` itself:
list it too when the main site embeds the widget as well, as in CSP)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

_HOST = re.compile(
    r"^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$|^\[[0-9a-f:.]+\]$"
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_normalize(value: str, *, wildcard: bool = False) -> str | None:
    """The canonical origin of ``value`` (an origin or a full URL), or ``None`` when it is not
    an http(s) address. ``wildcard`` accepts ``*.`` before the host (allowed-origin
    patterns)."""
    text = (value or "").strip()
    if not text or len(text) > 300:
        return None
    if "://" not in text:
        return None
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in _DEFAULT_PORTS or not host or parts.username or parts.password:
        return None
    if "[" in parts.netloc:
        host = f"[{host}]"
    if not _HOST.match(host) or (host.startswith("*.") and not wildcard):
        return None
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}:{port}"
    return f"{scheme}://{host}"


def origin_matches(origin: str, pattern: str) -> bool:
    """Whether the canonical ``origin`` is covered by the canonical ``pattern``."""
    if origin == pattern:
        return True
    scheme, sep, rest = pattern.partition("://*.")
    if not sep:
        return False
    o_scheme, o_sep, o_rest = origin.partition("://")
    if not o_sep or o_scheme != scheme:
        return False
    domain, _colon, port = rest.partition(":")
    host, _c, o_port = o_rest.partition(":")
    return port == o_port and host.endswith("." + domain)


def origin_allowed(origin: str, patterns: Iterable[str]) -> bool:
    """Whether a website may embed the widget: any when ``patterns`` is empty."""
    listed = list(patterns)
    return not listed or any(origin_matches(origin, pattern) for pattern in listed)
