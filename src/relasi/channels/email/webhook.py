"""The raw-MIME webhook of an e-mail inbox: ``POST /webhooks/email/<inbox_id>/``.

The body is the mail itself (``message/rfc822``, or any type), or a form whose ``mime`` field
holds it (also ``body-mime`` and ``email``, as inbound-mail relays post them). Authenticated
with the inbox's webhook secret: ``X-Relasi-Signature: sha256=<HMAC-SHA256 of the raw body>``,
or ``?token=<secret>`` for relays that cannot sign. A bad or missing credential is a 403 and
nothing is stored. Thin: verify, store once, answer in milliseconds; the worker does the rest."""

from __future__ import annotations

import logging
from email import policy
from email.parser import BytesParser
from urllib.parse import unquote_to_bytes

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from relasi.channels.email.inbound import MAX_RAW_BYTES, inbound_email_store, signature_valid, token_valid
from relasi.channels.email.models import EmailAccount, InboundSource

logger = logging.getLogger(__name__)

FORM_FIELDS = ("mime", "body-mime", "email")
MAX_BODY_BYTES = MAX_RAW_BYTES + 2 * 1024 * 1024  # a form's own overhead on top of the mail


def mime_from_body(content_type: str, body: bytes) -> bytes:
    """The raw mail in a webhook body: a form's ``mime`` (``body-mime``, ``email``) field, or
    the body itself. ``b""`` when a form carries none of those fields."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == "multipart/form-data":
        form = BytesParser(policy=policy.HTTP).parsebytes(
            b"Content-Type: " + content_type.encode("latin-1", errors="replace") + b"\r\n\r\n" + body
        )
        fields: dict[str, bytes] = {}
        for part in form.iter_parts() if form.is_multipart() else []:
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            if isinstance(name, str) and isinstance(payload, bytes):
                fields.setdefault(name, payload)
        return next((fields[name] for name in FORM_FIELDS if name in fields), b"")
    if kind == "application/x-www-form-urlencoded":
        fields = {}
        for pair in body.split(b"&"):
            key, _sep, value = pair.partition(b"=")
            name = unquote_to_bytes(key.replace(b"+", b" ")).decode("utf-8", errors="replace")
            fields.setdefault(name, unquote_to_bytes(value.replace(b"+", b" ")))
        return next((fields[name] for name in FORM_FIELDS if name in fields), b"")
    return body


def _account(inbox_id: int) -> EmailAccount:
    account = (
        EmailAccount.objects.select_related("inbox").filter(inbox_id=inbox_id, inbox__is_active=True).first()
    )
    if account is None:
        raise Http404
    return account


def _error(status: int, error: str) -> JsonResponse:
    return JsonResponse({"ok": False, "error": error}, status=status)


@csrf_exempt
@require_POST
def email_webhook(request: HttpRequest, inbox_id: int) -> HttpResponse:
    account = _account(inbox_id)
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY_BYTES:
        logger.warning("e-mail webhook of inbox %s: %s bytes refused (too large)", inbox_id, length)
        return _error(413, "too large")
    # Read the stream ourselves: a mail may be larger than DATA_UPLOAD_MAX_MEMORY_SIZE.
    body = request.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        logger.warning("e-mail webhook of inbox %s: body over %s bytes refused", inbox_id, MAX_BODY_BYTES)
        return _error(413, "too large")
    secret = account.webhook_secret
    if not (
        signature_valid(secret=secret, body=body, header=request.headers.get("X-Relasi-Signature"))
        or token_valid(secret=secret, token=request.GET.get("token"))
    ):
        return _error(403, "bad signature")
    raw = mime_from_body(request.headers.get("Content-Type", ""), body)
    if not raw.strip():
        return _error(400, "no message")
    if len(raw) > MAX_RAW_BYTES:
        logger.warning("e-mail webhook of inbox %s: mail of %s bytes refused (too large)", inbox_id, len(raw))
        return _error(413, "too large")
    inbound, created = inbound_email_store(account=account, raw=raw, source=InboundSource.WEBHOOK)
    return JsonResponse({"ok": True, "id": inbound.pk, "duplicate": not created})
