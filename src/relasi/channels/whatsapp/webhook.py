"""Meta's webhook endpoint for one inbox: the subscription handshake (GET) and signed event
notifications (POST). Thin: verify, store once, answer 200 in milliseconds; the worker does the
rest (``inbound.whatsapp_event_process``)."""

from __future__ import annotations

import hmac

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from relasi.channels.whatsapp.inbound import signature_valid, webhook_event_store
from relasi.channels.whatsapp.models import WhatsAppAccount

MAX_BODY_BYTES = 3 * 1024 * 1024


def _account(inbox_id: int) -> WhatsAppAccount:
    account = (
        WhatsAppAccount.objects.select_related("inbox")
        .filter(inbox_id=inbox_id, inbox__is_active=True)
        .first()
    )
    if account is None:
        raise Http404
    return account


@csrf_exempt
@require_http_methods(["GET", "POST"])
def whatsapp_webhook(request: HttpRequest, inbox_id: int) -> HttpResponse:
    account = _account(inbox_id)
    if request.method == "GET":
        token = request.GET.get("hub.verify_token", "")
        if request.GET.get("hub.mode") == "subscribe" and hmac.compare_digest(
            token.encode(), account.verify_token.encode()
        ):
            return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")
        return HttpResponse("Forbidden", status=403, content_type="text/plain")
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY_BYTES:
        return JsonResponse({"ok": False, "error": "too large"}, status=413)
    try:
        body = request.body
    except RequestDataTooBig:
        return JsonResponse({"ok": False, "error": "too large"}, status=413)
    if len(body) > MAX_BODY_BYTES:
        return JsonResponse({"ok": False, "error": "too large"}, status=413)
    if not signature_valid(
        app_secret=account.app_secret, body=body, header=request.headers.get("X-Hub-Signature-256")
    ):
        return JsonResponse({"ok": False, "error": "bad signature"}, status=403)
    webhook_event_store(account=account, body=body)
    return JsonResponse({"ok": True})
