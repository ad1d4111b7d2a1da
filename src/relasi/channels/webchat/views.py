"""The public side of the widget (no login; CSRF does not apply: nothing here is authorised
by a cookie, visitors carry a signed token in ``Authorization: Bearer``):

* ``GET /widget/<token>.js`` — the loader for the business's website (one script tag);
* ``GET /widget/<token>/`` — the frame page: pre-chat form and chat (see ``access`` for how
  the embedding website is checked);
* ``POST /widget/<token>/visitor`` — the pre-chat form → a visitor token;
* ``GET|POST /widget/<token>/messages`` — the HTTP fallback of the websocket (history and
  new messages after an id; send a message);
* ``POST /widget/<token>/receipts`` — delivered / read;
* ``GET /widget/<token>/files/<id>?t=…`` — an attachment, by a short-lived signed link.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import condition, require_GET, require_http_methods, require_POST

from relasi.channels.webchat import selectors, services
from relasi.channels.webchat.access import embed_parent, own_origins, parent_allowed, referer_origin
from relasi.channels.webchat.enums import PrechatContact
from relasi.channels.webchat.language import language_pick
from relasi.channels.webchat.models import WebChatVisitor, WebChatWidget
from relasi.channels.webchat.origins import origin_normalize
from relasi.channels.webchat.throttle import (
    MESSAGES_PER_VISITOR_MINUTE,
    VISITORS_PER_ADDRESS_HOUR,
    throttle_hit,
)
from relasi.channels.webchat.tokens import (
    embed_token_make,
    file_token_read,
    visitor_token_make,
    visitor_token_read,
)
from relasi.conversations.realtime import realtime_url
from relasi.core.exceptions import ApplicationError
from relasi.core.security import policy_for

LOADER_MAX_AGE = 60 * 60 * 24  # a day: the loader holds no settings, only code
EMBED_HEADER = "X-Relasi-Embed"


def _widget_or_404(token: str) -> WebChatWidget:
    widget = selectors.widget_get_public(token=token)
    if widget is None:
        raise Http404(_("This chat is not available."))
    return widget


def _loader_source() -> str:
    return render_to_string("webchat/loader.js")


def _loader_etag(request: HttpRequest, token: str) -> str:
    return hashlib.sha256(_loader_source().encode()).hexdigest()[:32]


@require_GET
@condition(etag_func=_loader_etag)
def loader_view(request: HttpRequest, token: str) -> HttpResponse:
    """The loader script: the same small file for every widget (it reads its token from its
    own address), so browsers and proxies may keep it a day."""
    _widget_or_404(token)
    response = HttpResponse(_loader_source(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = f"public, max-age={LOADER_MAX_AGE}"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


def websocket_base(request: HttpRequest) -> str:
    """Where the frame opens its websocket (scheme and host, no path), by the same rule as
    the agents' inbox (``realtime.realtime_url``, from ``RELASI_REALTIME_URL``): "" for the
    frame's own origin, ``ws(s)://host:port`` for a separate ASGI server, ``"off"`` when
    websockets are switched off (the widget then polls over HTTP)."""
    url = realtime_url(slug="-", request_host=request.get_host())
    if not url:
        return "off"
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme else ""


def _frame_policy(ancestors: str) -> str:
    """The site's policy (``core.security``, with the websocket's origin), except that the
    frame may be shown inside ``ancestors``."""
    policy = policy_for(str(getattr(settings, "RELASI_REALTIME_URL", "") or ""))
    return policy.replace("frame-ancestors 'none'", f"frame-ancestors {ancestors}")


@require_GET
@xframe_options_exempt
def frame_view(request: HttpRequest, token: str) -> HttpResponse:
    """The chat inside the website's frame (or on its own). Refused (403) when the website in
    ``?origin=`` is not allowed, or the browser's ``Referer`` names another website."""
    widget = _widget_or_404(token)
    language = language_pick(request.GET.get("lang", ""), request.headers.get("Accept-Language", ""))
    own = own_origins(host=request.get_host(), secure=request.is_secure())
    raw = request.GET.get("origin", "").strip()
    parent = origin_normalize(raw) if raw else ""
    referer = referer_origin(request.headers.get("Referer", ""))
    allowed = (
        parent is not None
        and parent_allowed(widget=widget, parent=parent, own=own)
        and (not parent or referer is None or referer == parent)
    )
    with translation.override(language):
        if not allowed:
            response = render(request, "webchat/refused.html", {"language": language}, status=403)
            response["Content-Security-Policy"] = _frame_policy("'none'")
            return response
        assert parent is not None
        availability = selectors.widget_availability(widget=widget, at=timezone.now(), language=language)
        context: dict[str, Any] = {
            "widget": widget,
            "language": language,
            "availability": availability,
            "parent": parent,
            "embed": embed_token_make(widget_token=widget.public_token, origin=parent),
            "ws_base": websocket_base(request),
            "needs_whatsapp": widget.prechat_contact in (PrechatContact.WHATSAPP, PrechatContact.BOTH),
            "needs_email": widget.prechat_contact in (PrechatContact.EMAIL, PrechatContact.BOTH),
            "either": widget.prechat_contact == PrechatContact.EITHER,
            "strings": _frame_strings(widget),
        }
        response = render(request, "webchat/frame.html", context)
    ancestors = "'self'" if not parent or parent in own else parent
    response["Content-Security-Policy"] = _frame_policy(ancestors)
    response["Cache-Control"] = "private, no-store"
    response["Content-Language"] = language
    return response


def _frame_strings(widget: WebChatWidget) -> dict[str, str]:
    """The texts the frame's script shows (in the active language)."""
    return {
        "launcher": _("Chat with %(name)s") % {"name": widget.website_name},
        "you": _("You"),
        "sending": _("Sending…"),
        "sent": _("Sent"),
        "delivered": _("Delivered"),
        "read": _("Read"),
        "failed": _("Not sent. Tap to try again."),
        "connecting": _("Connecting…"),
        "offline": _("No connection. Your messages will be sent when it is back."),
        "error": _("Something went wrong. Try again."),
        "too_fast": _("You are sending too fast. Wait a moment."),
        "file": _("File"),
        "unavailable": _("This chat is not available."),
    }


# JSON endpoints of the frame ------------------------------------------------------------


def _json_body(request: HttpRequest) -> dict[str, Any]:
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    return {k: request.POST.get(k) for k in request.POST}


def _json(data: dict[str, Any], status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _error(code: str, message: str, status: int, fields: dict[str, str] | None = None) -> JsonResponse:
    return _json({"code": code, "message": message, "fields": fields or {}}, status=status)


def _client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "")


def _language(request: HttpRequest, data: dict[str, Any] | None = None) -> str:
    requested = str((data or {}).get("lang") or request.GET.get("lang") or "")
    return language_pick(requested, request.headers.get("Accept-Language", ""))


def _parent(request: HttpRequest, widget: WebChatWidget, data: dict[str, Any]) -> str | None:
    """The website around the frame, from the call's embed token (``None``: no valid token,
    or a website that may not embed the widget any more)."""
    own = own_origins(host=request.get_host(), secure=request.is_secure())
    embed = str(data.get("embed") or request.headers.get(EMBED_HEADER, ""))
    return embed_parent(widget=widget, embed=embed, own=own)


def _visitor(request: HttpRequest, widget: WebChatWidget) -> WebChatVisitor | None:
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""
    visitor_id = visitor_token_read(token, widget_token=widget.public_token)
    return selectors.visitor_get(widget=widget, visitor_id=visitor_id) if visitor_id else None


@csrf_exempt
@require_POST
def visitor_start_view(request: HttpRequest, token: str) -> HttpResponse:
    """The pre-chat form: ``name``, ``whatsapp``, ``email`` (JSON or form), ``embed``, ``lang``
    → 201 ``{"token", "visitor"}``; 400 with a message per field."""
    widget = _widget_or_404(token)
    data = _json_body(request)
    language = _language(request, data)
    with translation.override(language):
        parent = _parent(request, widget, data)
        if parent is None:
            return _error("forbidden", _("This chat is not available on this website."), 403)
        client = _client_ip(request) or "unknown"
        if throttle_hit(key=f"start:{widget.pk}:{client}", limit=VISITORS_PER_ADDRESS_HOUR, seconds=3600):
            return _error(
                "rate_limited", _("Too many chats were started from your connection. Try again later."), 429
            )
        try:
            visitor = services.visitor_start(
                widget=widget,
                name=str(data.get("name") or ""),
                whatsapp=str(data.get("whatsapp") or ""),
                email=str(data.get("email") or ""),
                origin=parent,
                user_agent=request.headers.get("User-Agent", ""),
                ip=_client_ip(request),
                language=language,
            )
        except ApplicationError as error:
            return _json(error.as_dict(), status=error.status)
    return _json(
        {
            "token": visitor_token_make(widget_token=widget.public_token, visitor_id=visitor.visitor_id),
            "visitor": {"name": visitor.identity.display_name},
        },
        status=201,
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def messages_view(request: HttpRequest, token: str) -> HttpResponse:
    """The websocket's fallback. ``GET ?after=<id>``: the visitor's messages after that id
    (without it: the history) and whether the business is open. ``POST {"client_id",
    "body"}``: send one (stored once per ``client_id``: 201 the first time, 200 after)."""
    widget = _widget_or_404(token)
    data = _json_body(request) if request.method == "POST" else {}
    language = _language(request, data)
    with translation.override(language):
        if _parent(request, widget, data) is None:
            return _error("forbidden", _("This chat is not available on this website."), 403)
        visitor = _visitor(request, widget)
        if visitor is None:
            return _error("unauthorized", _("Start the chat again: fill in the form."), 401)
        if request.method == "GET":
            try:
                after = max(int(request.GET.get("after") or 0), 0)
            except ValueError:
                return _error("invalid", _("Unknown message."), 400, {"after": _("Send a message id.")})
            services.visitor_seen(visitor=visitor)
            rows = selectors.visitor_messages(visitor=visitor, after_id=after)
            return _json(
                {
                    "messages": [selectors.message_for_visitor(m, visitor=visitor) for m in rows],
                    "availability": selectors.widget_availability(
                        widget=widget, at=timezone.now(), language=language
                    ),
                }
            )
        if throttle_hit(key=f"msg:{visitor.visitor_id}", limit=MESSAGES_PER_VISITOR_MINUTE, seconds=60):
            return _error("rate_limited", _("You are sending too fast. Wait a moment."), 429)
        try:
            message, created = services.visitor_message_receive(
                visitor=visitor, client_id=data.get("client_id"), body=data.get("body")
            )
        except ApplicationError as error:
            return _json(error.as_dict(), status=error.status)
        row = selectors.message_for_visitor(message, visitor=visitor)
    return _json(
        {"type": "ack", "client_id": row["client_id"], "id": row["id"], "created": created, "message": row},
        status=201 if created else 200,
    )


@csrf_exempt
@require_POST
def receipts_view(request: HttpRequest, token: str) -> HttpResponse:
    """``{"status": "delivered" | "read", "ids": [...]}`` → ``{"changed": [...]}``."""
    widget = _widget_or_404(token)
    data = _json_body(request)
    with translation.override(_language(request, data)):
        if _parent(request, widget, data) is None:
            return _error("forbidden", _("This chat is not available on this website."), 403)
        visitor = _visitor(request, widget)
        if visitor is None:
            return _error("unauthorized", _("Start the chat again: fill in the form."), 401)
        ids = data.get("ids")
        try:
            changed = services.visitor_receipts_apply(
                visitor=visitor,
                message_ids=ids if isinstance(ids, list) else [],
                status=str(data.get("status") or ""),
            )
        except ApplicationError as error:
            return _json(error.as_dict(), status=error.status)
    return _json({"changed": changed})


@require_GET
def file_view(request: HttpRequest, token: str, attachment_id: int) -> FileResponse:
    """An attachment of the visitor's conversation, by the signed link the widget got with
    the message (valid a day). Served as a download, except images; never run as a page."""
    widget = _widget_or_404(token)
    visitor_id = file_token_read(request.GET.get("t", ""), attachment_id=attachment_id)
    visitor = selectors.visitor_get(widget=widget, visitor_id=visitor_id) if visitor_id else None
    attachment = (
        selectors.visitor_attachment_get(visitor=visitor, attachment_id=attachment_id) if visitor else None
    )
    if attachment is None or not attachment.file:
        raise Http404(_("File not found."))
    inline = attachment.content_type in ("image/jpeg", "image/png", "image/gif", "image/webp")
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=not inline,
        filename=attachment.file_name or "file",
        content_type=attachment.content_type or "application/octet-stream",
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
