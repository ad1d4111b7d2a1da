"""The reference for ``bench/webhook_ingest.py``: the same WhatsApp webhook POST as a raw WSGI
app, no Django. Run under the same gunicorn settings as the subject::

    BENCH_REF_DSN=postgres://postgres@127.0.0.1:5432/relasi_bench_webhook \\
    BENCH_REF_SECRET=… gunicorn -w 5 --chdir bench webhook_reference_app:application

Per POST to ``/webhooks/whatsapp/<inbox_id>/`` it does what the Django view has to do at the
least: look up the inbox's WhatsApp account (one SELECT, as the view does), read the body,
check ``X-Hub-Signature-256`` (HMAC-SHA256 of the raw bytes, constant-time compare), and insert
the body once into a table of the same shape as ``whatsapp_webhookevent``
(``INSERT … ON CONFLICT (body_sha256) DO NOTHING``, autocommit, one psycopg 3 connection per
worker process), then answer ``{"ok": true}``. It does not enqueue a job (the subject also
asks for a drain of the account after commit: a Celery message per burst, not per POST).
``GET /noop`` answers without touching the database: the ceiling of gunicorn plus the load
generator on this machine.

The secret comes from ``BENCH_REF_SECRET`` in plain text (the subject decrypts it from the
account row); the table name from ``BENCH_REF_TABLE`` (default ``bench_webhookevent``).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Callable, Iterable
from typing import Any

import psycopg

DSN = os.environ.get("BENCH_REF_DSN", "postgres://postgres@127.0.0.1:5432/relasi_bench_webhook")
SECRET = os.environ.get("BENCH_REF_SECRET", "").encode()
TABLE = os.environ.get("BENCH_REF_TABLE", "bench_webhookevent")
MAX_BODY_BYTES = 3 * 1024 * 1024
PATH = re.compile(r"^/webhooks/whatsapp/(\d+)/$")

ACCOUNT_SQL = (
    "SELECT a.id FROM whatsapp_whatsappaccount a JOIN conversations_inbox i ON i.id = a.inbox_id "
    "WHERE a.inbox_id = %s AND i.is_active LIMIT 1"
)
INSERT_SQL = (
    f"INSERT INTO {TABLE} (account_id, body, body_sha256, received_at, attempts, error) "
    "VALUES (%s, %s, %s, now(), 0, '') ON CONFLICT (body_sha256) DO NOTHING"
)

_conn: psycopg.Connection[Any] | None = None


def _connection() -> psycopg.Connection[Any]:
    """One autocommit connection per worker process, reopened when it broke."""
    global _conn
    if _conn is None or _conn.closed:
        _conn = psycopg.connect(DSN, autocommit=True)
    return _conn


StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def _json(start_response: StartResponse, status: str, body: bytes) -> Iterable[bytes]:
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    path = environ.get("PATH_INFO", "")
    if path == "/noop":
        return _json(start_response, "200 OK", b'{"ok": true}')
    match = PATH.match(path)
    if match is None or environ.get("REQUEST_METHOD") != "POST":
        return _json(start_response, "404 Not Found", b'{"ok": false}')
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY_BYTES:
        return _json(start_response, "413 Request Entity Too Large", b'{"ok": false, "error": "too large"}')
    conn = _connection()
    row = conn.execute(ACCOUNT_SQL, [int(match.group(1))]).fetchone()
    if row is None:
        return _json(start_response, "404 Not Found", b'{"ok": false}')
    body = environ["wsgi.input"].read(length) if length else b""
    header = environ.get("HTTP_X_HUB_SIGNATURE_256", "")
    expected = hmac.new(SECRET, body, hashlib.sha256).hexdigest()
    signed = header.startswith("sha256=") and hmac.compare_digest(header[7:].strip().lower(), expected)
    if not SECRET or not signed:
        return _json(start_response, "403 Forbidden", b'{"ok": false, "error": "bad signature"}')
    conn.execute(INSERT_SQL, [row[0], body, hashlib.sha256(body).hexdigest()])
    return _json(start_response, "200 OK", b'{"ok": true}')
