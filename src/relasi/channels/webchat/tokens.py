"""Signed values of the widget (``django.core.signing``: HMAC-SHA256 with ``SECRET_KEY``, a
salt per purpose, a timestamp checked against a maximum age).

* **Visitor token**: who the browser is. Kept in the widget frame's ``localStorage`` (no
  cookie) and sent with every call (websocket ``hello``, ``Authorization: Bearer`` over HTTP).
  Bound to one widget; renewed at every connection, so it lapses only after
  ``VISITOR_MAX_AGE`` without a visit.
* **Embed token**: "widget W is shown inside website O", issued by the frame page once the
  browser was told (CSP ``frame-ancestors``) to refuse any other parent. Not secret.
* **File token**: a link to one attachment for one visitor, short-lived.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.core import signing

VISITOR_SALT = "relasi.webchat.visitor"
EMBED_SALT = "relasi.webchat.embed"
FILE_SALT = "relasi.webchat.file"
VISITOR_MAX_AGE = dt.timedelta(days=180)
EMBED_MAX_AGE = dt.timedelta(days=30)
FILE_MAX_AGE = dt.timedelta(days=1)


def _load(value: str, *, salt: str, max_age: dt.timedelta) -> dict[str, Any] | None:
    try:
        data = signing.loads(value, salt=salt, max_age=max_age)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return data if isinstance(data, dict) else None


def visitor_token_make(*, widget_token: str, visitor_id: uuid.UUID) -> str:
    return signing.dumps({"w": widget_token, "v": str(visitor_id)}, salt=VISITOR_SALT)


def visitor_token_read(value: str, *, widget_token: str) -> uuid.UUID | None:
    """The visitor id in a valid, unexpired token of this widget; else ``None``."""
    data = _load(value or "", salt=VISITOR_SALT, max_age=VISITOR_MAX_AGE)
    if data is None or data.get("w") != widget_token:
        return None
    try:
        return uuid.UUID(str(data.get("v")))
    except ValueError:
        return None


def embed_token_make(*, widget_token: str, origin: str) -> str:
    return signing.dumps({"w": widget_token, "o": origin}, salt=EMBED_SALT)


def embed_token_read(value: str, *, widget_token: str) -> str | None:
    """The embedding website's origin ("" = the frame was opened on its own); ``None`` when
    the token is invalid, expired or of another widget."""
    data = _load(value or "", salt=EMBED_SALT, max_age=EMBED_MAX_AGE)
    if data is None or data.get("w") != widget_token or not isinstance(data.get("o"), str):
        return None
    return str(data["o"])


def file_token_make(*, attachment_id: int, visitor_id: uuid.UUID) -> str:
    return signing.dumps({"a": attachment_id, "v": str(visitor_id)}, salt=FILE_SALT)


def file_token_read(value: str, *, attachment_id: int) -> uuid.UUID | None:
    data = _load(value or "", salt=FILE_SALT, max_age=FILE_MAX_AGE)
    if data is None or data.get("a") != attachment_id:
        return None
    try:
        return uuid.UUID(str(data.get("v")))
    except ValueError:
        return None
