"""Meta's webhook endpoint for one inbox: the subscription handshake (GET) and signed event
notifications (POST). Thin: verify, store once, answer 200 in milliseconds; a worker does the
rest (``tasks.whatsapp_events_drain_task`` → ``inbound.whatsapp_event_process``).

The POST is the hot path (DESIGN §8: ≥ 1,200/s on two cores), so it does the least work that
keeps every guarantee:

- the account (inbox id → account id, app secret) is cached per process for
  ``ACCOUNT_TTL_SECONDS``; the cached entry carries the secret *as stored* (its Fernet token,
  new at every save of the account), and the insert checks in the same statement that the
  token is still the stored one and the inbox still active. A rotated secret or a deactivated
  inbox therefore takes effect at the next POST in every process: the insert reports the
  entry stale, the view reloads the account and verifies the signature again;
- the signature (HMAC-SHA256 of the raw body, constant-time compare) is checked before
  anything is written: a bad one is answered 403 after one fresh look at the account (the
  secret may just have been rotated), nothing stored;
- the body is stored once: one ``INSERT … SELECT … ON CONFLICT (body_sha256) DO NOTHING
  RETURNING id`` in autocommit, the account check in its ``WHERE`` (``event_insert``);
- processing is asked for after commit (``tasks.events_drain_schedule``): one job per burst
  and process, not a broker message per POST.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError, connection, models, transaction
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models.functions import Cast
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from relasi.channels.whatsapp.inbound import signature_valid
from relasi.channels.whatsapp.models import WebhookEvent, WhatsAppAccount
from relasi.conversations.models import Inbox
from relasi.core.crypto import decrypt_text

MAX_BODY_BYTES = 3 * 1024 * 1024
# How long a process trusts its copy of an account before reading it again (the insert checks
# it anyway; this bounds only how long a deleted account's entry lingers in memory).
ACCOUNT_TTL_SECONDS = 60.0
OK_BODY = b'{"ok": true}'


@dataclass(frozen=True)
class WebhookAccount:
    """What a POST needs of the inbox's account. ``stamp`` is the app secret's stored token:
    the insert compares it to the row, so a changed account is never trusted."""

    account_id: int
    inbox_id: int
    app_secret: str
    stamp: str
    loaded_at: float


_accounts: dict[int, WebhookAccount] = {}


def account_cached(inbox_id: int, *, fresh: bool = False) -> WebhookAccount | None:
    """The active inbox's account, from this process's cache unless ``fresh`` or older than
    ``ACCOUNT_TTL_SECONDS``; ``None`` when the inbox has no account or is inactive."""
    now = time.monotonic()
    cached = _accounts.get(inbox_id)
    if cached is not None and not fresh and now - cached.loaded_at < ACCOUNT_TTL_SECONDS:
        return cached
    row = (
        WhatsAppAccount.objects.filter(inbox_id=inbox_id, inbox__is_active=True)
        .values_list("pk", Cast("app_secret", output_field=models.TextField()))
        .first()
    )
    if row is None:
        _accounts.pop(inbox_id, None)
        return None
    if len(_accounts) > 10_000:
        _accounts.clear()
    entry = WebhookAccount(
        account_id=row[0], inbox_id=inbox_id, app_secret=decrypt_text(row[1]), stamp=row[1], loaded_at=now
    )
    _accounts[inbox_id] = entry
    return entry


def accounts_forget() -> None:
    """Empty this process's account cache (tests; nothing else needs it)."""
    _accounts.clear()


STALE: Literal["stale"] = "stale"


@cache
def _insert_sql() -> str:
    # Table names from the models; every value is a parameter.
    event, acc, inbox = WebhookEvent._meta, WhatsAppAccount._meta, Inbox._meta
    return (
        f"INSERT INTO {event.db_table} (account_id, body, body_sha256, received_at, attempts, error) "  # noqa: S608
        f"SELECT a.id, %s, %s, %s, 0, '' FROM {acc.db_table} a JOIN {inbox.db_table} i ON i.id = a.inbox_id "
        "WHERE a.id = %s AND a.app_secret = %s AND i.is_active "
        "ON CONFLICT (body_sha256) DO NOTHING RETURNING id"
    )


def _account_current(account: WebhookAccount) -> bool:
    return (
        WhatsAppAccount.objects.filter(pk=account.account_id, inbox__is_active=True)
        .annotate(stamp=Cast("app_secret", output_field=models.TextField()))
        .filter(stamp=account.stamp)
        .exists()
    )


def event_insert(*, account: WebhookAccount, body: bytes) -> int | Literal["stale"] | None:
    """Store a verified body once for a cached account. Returns the new event's id, ``None``
    for a redelivery (stored before: nothing written, nothing queued), or ``STALE`` when the
    account changed (secret rotated, inbox deactivated or gone) since it was cached: nothing
    written. A new event asks for a drain of the account after commit.

    One statement (PostgreSQL, and SQLite ≥ 3.35): ``INSERT … SELECT`` from the account row
    only while it still carries the cached secret token and its inbox is active, ``ON CONFLICT
    (body_sha256) DO NOTHING RETURNING id``; autocommit, no transaction of its own. When it
    returns no row, one more query tells a redelivery from a changed account."""
    digest = hashlib.sha256(body).hexdigest()
    received_at = connection.ops.adapt_datetimefield_value(timezone.now())
    params = [body, digest, received_at, account.account_id, account.stamp]
    row, retried = _execute_once(_insert_sql(), params)
    if row is None:
        if not _account_current(account):
            return STALE
        if not retried:
            return None
        # The first try may have stored it before its connection broke: ask for a drain
        # anyway (a drain with nothing to do costs nothing).
    from relasi.channels.whatsapp.tasks import events_drain_schedule

    account_id = account.account_id
    if connection.in_atomic_block:
        transaction.on_commit(lambda: events_drain_schedule(account_id=account_id))
    else:  # autocommit: the row is committed already (what on_commit would check, cheaper)
        events_drain_schedule(account_id=account_id)
    return int(row[0]) if row is not None else None


def _statement_cursor() -> Any:
    """A cursor for the insert. On PostgreSQL a server-side-binding psycopg cursor on Django's
    connection (the body travels as a parameter instead of being escaped into the query text;
    the statement is prepared only where the deployment turns psycopg's ``prepare_threshold``
    on, which Django leaves off for connection poolers), wrapped as Django wraps its own
    (database errors, the query log). It skips the round trip Django spends on checking a
    kept-alive connection (``CONN_HEALTH_CHECKS``: ``SELECT 1`` before a request's first
    query); ``_execute_once`` handles a connection that died while idle."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    import psycopg

    connection.ensure_connection()
    raw = psycopg.Cursor(connection.connection)
    wrapper = CursorDebugWrapper if connection.queries_logged else CursorWrapper
    return wrapper(raw, connection)


def _execute_once(sql: str, params: list[Any]) -> tuple[tuple[Any, ...] | None, bool]:
    """Run one idempotent statement and fetch its row. A connection that died while idle
    fails the statement before it did anything; outside a transaction it is then closed and
    the statement runs once more on a new connection. Returns ``(row, retried)``."""
    try:
        with _statement_cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone(), False
    except (OperationalError, InterfaceError):
        if connection.in_atomic_block or connection.is_usable():
            raise
        connection.close()
    with _statement_cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone(), True


def _too_large() -> JsonResponse:
    return JsonResponse({"ok": False, "error": "too large"}, status=413)


def _forbidden() -> JsonResponse:
    return JsonResponse({"ok": False, "error": "bad signature"}, status=403)


def _handshake(request: HttpRequest, inbox_id: int) -> HttpResponse:
    account = WhatsAppAccount.objects.filter(inbox_id=inbox_id, inbox__is_active=True).first()
    if account is None:
        raise Http404
    token = request.GET.get("hub.verify_token", "")
    if request.GET.get("hub.mode") == "subscribe" and hmac.compare_digest(
        token.encode(), account.verify_token.encode()
    ):
        return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")
    return HttpResponse("Forbidden", status=403, content_type="text/plain")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def whatsapp_webhook(request: HttpRequest, inbox_id: int) -> HttpResponse:
    if request.method == "GET":
        return _handshake(request, inbox_id)
    account = account_cached(inbox_id)
    if account is None:
        raise Http404
    # request.META, not request.headers: the hot path need not parse every header.
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY_BYTES:
        return _too_large()
    try:
        body = request.body
    except RequestDataTooBig:
        return _too_large()
    if len(body) > MAX_BODY_BYTES:
        return _too_large()
    header = request.META.get("HTTP_X_HUB_SIGNATURE_256")
    fresh = False
    for _attempt in range(3):
        if not signature_valid(app_secret=account.app_secret, body=body, header=header):
            if fresh:
                return _forbidden()
            account, fresh = account_cached(inbox_id, fresh=True), True  # the secret may be new
            if account is None:
                raise Http404
            continue
        if event_insert(account=account, body=body) != STALE:
            return HttpResponse(OK_BODY, content_type="application/json")
        account, fresh = account_cached(inbox_id, fresh=True), True  # changed since cached
        if account is None:
            raise Http404
    # The account changed under us twice in a row (secret saved again and again): Meta retries.
    return JsonResponse({"ok": False, "error": "busy"}, status=503)
