"""A local stand-in for Meta's WhatsApp Cloud (Graph) API, as a plain WSGI app.

It behaves as documented (``/work/shared/reference/whatsapp-cloud-api.md``):

* ``POST /{version}/{phone_number_id}/messages`` checks the bearer token (unknown → 401, code
  190) and ``messaging_product``, validates the type's fields (code 100, template errors
  132000/132001), enforces the throughput per number (code 130429) and, when switched on, the
  pair rate per recipient (code 131056); it answers with ``contacts`` + ``messages[0].id``.
* Like Meta, a free-form message outside the customer's 24-hour window is *accepted* and then
  fails asynchronously: a ``failed`` status webhook with code 131047.
* Accepted messages get signed status webhooks (``sent`` → ``delivered`` → ``read``) posted to
  the configured Relasi webhook URL with ``X-Hub-Signature-256`` from a background thread.
* ``POST /{phone_number_id}/media``, ``GET /{media_id}`` and its download URL;
  ``GET /{waba_id}/message_templates`` (paged); ``GET /{phone_number_id}``.
* Control surface (no token): ``POST /_fake/inbound`` (a customer writes; posts a Meta-shaped
  inbound webhook; ``reply`` taps a button or a list row), ``GET /_fake/chat?wa_id=`` (the
  customer's side of the chat, for the demo's customer simulator), ``GET /_fake/state``,
  ``POST /_fake/config``, ``POST /_fake/fail`` (fail the next sends with an HTTP status /
  code), ``POST /_fake/window`` and ``POST /_fake/reset``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import queue
import re
import secrets
import socketserver
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qs, urlencode
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import httpx

from relasi.channels.whatsapp.templating import PLACEHOLDER, template_fill

WINDOW_SECONDS = 24 * 3600
FREE_FORM_TYPES = frozenset(
    {
        "text",
        "image",
        "audio",
        "video",
        "document",
        "sticker",
        "interactive",
        "location",
        "contacts",
        "reaction",
    }
)
MEDIA_TYPES = frozenset({"image", "audio", "video", "document", "sticker"})
_VERSION = re.compile(r"^v\d+(\.\d+)?$")

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def default_templates() -> list[dict[str, Any]]:
    """Templates a fresh fake account owns: approved utility / marketing ones, one pending."""

    def body(text: str) -> list[dict[str, Any]]:
        return [{"type": "BODY", "text": text}]

    return [
        {
            "id": "900000000000001",
            "name": "pengingat_invoice",
            "language": "id",
            "category": "UTILITY",
            "status": "APPROVED",
            "components": body(
                "Halo {{1}}, invoice {{2}} sebesar {{3}} jatuh tempo pada {{4}}. Terima kasih."
            ),
        },
        {
            "id": "900000000000002",
            "name": "pengingat_invoice",
            "language": "en",
            "category": "UTILITY",
            "status": "APPROVED",
            "components": body("Hello {{1}}, invoice {{2}} for {{3}} is due on {{4}}. Thank you."),
        },
        {
            "id": "900000000000003",
            "name": "sapaan_kembali",
            "language": "id",
            "category": "UTILITY",
            "status": "APPROVED",
            "components": body("Halo {{1}}, ada yang bisa kami bantu lagi?"),
        },
        {
            "id": "900000000000004",
            "name": "promo_akhir_tahun",
            "language": "id",
            "category": "MARKETING",
            "status": "APPROVED",
            "components": [
                {"type": "HEADER", "format": "TEXT", "text": "Promo akhir tahun"},
                *body("Hai {{1}}, diskon {{2}} untuk semua produk sampai 31 Desember!"),
                {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Berhenti promo"}]},
            ],
        },
        {
            "id": "900000000000005",
            "name": "konfirmasi_pesanan",
            "language": "id",
            "category": "UTILITY",
            "status": "PENDING",
            "components": body("Pesanan {{1}} sudah kami terima."),
        },
    ]


@dataclass
class FakeConfig:
    """Everything the fake can be told. ``phone_numbers`` maps the phone number id to its
    ``display_phone_number``, ``waba_id`` and ``verified_name``."""

    access_tokens: set[str] = field(default_factory=lambda: {"fake-token"})
    app_secret: str = "fake-app-secret"  # noqa: S105 - the fake's, not a real secret
    phone_numbers: dict[str, dict[str, str]] = field(
        default_factory=lambda: {
            "100000000000001": {
                "display_phone_number": "6281100000000",
                "waba_id": "200000000000001",
                "verified_name": "Toko Hadiah Hero",
            }
        }
    )
    webhook_url: str = ""
    messages_per_second: int = 80
    pair_rate_seconds: float = 0.0  # 0 = off (Meta's real pair limit is soft)
    status_delay: float = 0.02  # seconds between the sent / delivered / read webhooks
    send_read: bool = True
    templates_page_size: int = 2
    templates: list[dict[str, Any]] = field(default_factory=default_templates)


def sign(body: bytes, app_secret: str) -> str:
    """``X-Hub-Signature-256`` of a body: ``sha256=`` + HMAC-SHA256 hex keyed with the secret."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def _wamid() -> str:
    return "wamid." + base64.b64encode(b"HBgN" + secrets.token_bytes(24)).decode().rstrip("=")


def _error(code: int, message: str, *, kind: str = "OAuthException", details: str = "") -> dict[str, Any]:
    error: dict[str, Any] = {
        "message": message,
        "type": kind,
        "code": code,
        "fbtrace_id": secrets.token_urlsafe(12),
    }
    if details:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    return {"error": error}


class _Reply(Exception):
    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


def _bad(message: str, details: str = "", code: int = 100) -> _Reply:
    return _Reply(400, _error(code, message, details=details))


class FakeGraph:
    """The fake Graph API: call it as a WSGI app; tests read ``state()`` or the attributes."""

    def __init__(self, config: FakeConfig | None = None) -> None:
        self.config = config or FakeConfig()
        self.lock = threading.RLock()
        self._webhooks: queue.Queue[tuple[str, bytes] | None] = queue.Queue()
        self._worker: threading.Thread | None = None
        # The clock of the rate limits; a test can fix it so a second boundary can't split a burst.
        self.clock: Callable[[], float] = time.time
        self.reset()

    # -- state ---------------------------------------------------------------------------

    def reset(self) -> None:
        with self.lock:
            self.sent: list[dict[str, Any]] = []  # accepted messages
            self.received: list[dict[str, Any]] = []  # what customers wrote (``inbound``)
            self.rejected: list[dict[str, Any]] = []  # sends answered with an error
            self.webhooks: list[dict[str, Any]] = []  # posted webhooks and the answer
            self.media: dict[str, dict[str, Any]] = {}
            self.last_inbound: dict[tuple[str, str], float] = {}
            self.fail_queue: deque[tuple[int, int, str]] = deque()
            self._send_times: dict[str, deque[float]] = {}
            self._last_to: dict[tuple[str, str], float] = {}

    def state(self) -> dict[str, Any]:
        with self.lock:
            return {
                "sent": list(self.sent),
                "rejected": list(self.rejected),
                "webhooks": [{k: v for k, v in w.items() if k != "raw"} for w in self.webhooks],
                "media": {
                    k: {"mime_type": v["mime_type"], "file_name": v["file_name"]}
                    for k, v in self.media.items()
                },
                "windows": {f"{k[0]}:{k[1]}": v for k, v in self.last_inbound.items()},
                "config": {
                    "webhook_url": self.config.webhook_url,
                    "messages_per_second": self.config.messages_per_second,
                    "pair_rate_seconds": self.config.pair_rate_seconds,
                    "phone_numbers": self.config.phone_numbers,
                },
            }

    def open_window(self, phone_number_id: str, wa_id: str, at: float | None = None) -> None:
        """The customer ``wa_id`` wrote to ``phone_number_id`` at ``at`` (default now)."""
        with self.lock:
            self.last_inbound[(phone_number_id, wa_id)] = time.time() if at is None else at

    def fail_next(
        self, http_status: int, code: int, message: str = "Service temporarily unavailable", times: int = 1
    ) -> None:
        with self.lock:
            for _ in range(times):
                self.fail_queue.append((http_status, code, message))

    def wait_webhooks(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Block until ``count`` webhooks were posted (tests)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.webhooks) >= count:
                    return list(self.webhooks)
            time.sleep(0.01)
        with self.lock:
            return list(self.webhooks)

    # -- webhooks out --------------------------------------------------------------------

    def close(self) -> None:
        """Stop posting webhooks: drop what is still queued and end the delivery thread (a
        test's teardown, so that no late webhook reaches the next test's server)."""
        with self._webhooks.mutex:
            self._webhooks.queue.clear()
        worker, self._worker = self._worker, None
        if worker is not None and worker.is_alive():
            self._webhooks.put(None)
            worker.join(timeout=15)

    def _ensure_worker(self) -> None:
        if self._worker is None or not self._worker.is_alive():
            self._worker = threading.Thread(
                target=self._deliver_loop, name="fake-graph-webhooks", daemon=True
            )
            self._worker.start()

    def _deliver_loop(self) -> None:
        while True:
            item = self._webhooks.get()
            if item is None:
                return
            kind, body = item
            self._post(kind, body)
            if self.config.status_delay:
                time.sleep(self.config.status_delay)

    def _post(self, kind: str, body: bytes) -> None:
        url = self.config.webhook_url
        record: dict[str, Any] = {
            "kind": kind,
            "url": url,
            "body": json.loads(body),
            "raw": body,
            "signature": sign(body, self.config.app_secret),
            "response_status": None,
        }
        if url:
            for attempt in range(3):
                try:
                    response = httpx.post(
                        url,
                        content=body,
                        headers={
                            "Content-Type": "application/json",
                            "X-Hub-Signature-256": record["signature"],
                        },
                        timeout=10,
                    )
                    record["response_status"] = response.status_code
                    if response.status_code < 500:
                        break
                except httpx.HTTPError as exc:
                    record["response_status"] = f"error: {exc.__class__.__name__}"
                time.sleep(0.2 * (attempt + 1))
        with self.lock:
            self.webhooks.append(record)

    def _queue_webhook(self, kind: str, value: dict[str, Any], phone_number_id: str) -> None:
        number = self.config.phone_numbers[phone_number_id]
        envelope = {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": number["waba_id"],
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {
                                    "display_phone_number": number["display_phone_number"],
                                    "phone_number_id": phone_number_id,
                                },
                                **value,
                            },
                        }
                    ],
                }
            ],
        }
        body = json.dumps(envelope, ensure_ascii=False).encode()
        self._ensure_worker()
        self._webhooks.put((kind, body))

    def _statuses_after_send(
        self, phone_number_id: str, wamid: str, to: str, failure: dict[str, Any] | None, category: str
    ) -> None:
        def status(name: str, **extra: Any) -> dict[str, Any]:
            item: dict[str, Any] = {
                "id": wamid,
                "status": name,
                "timestamp": str(int(time.time())),
                "recipient_id": to,
            }
            item.update(extra)
            return {"statuses": [item]}

        pricing = {"billable": category != "service", "pricing_model": "PMP", "category": category}
        if failure:
            self._queue_webhook("status:failed", status("failed", errors=[failure]), phone_number_id)
            return
        self._queue_webhook("status:sent", status("sent", pricing=pricing), phone_number_id)
        self._queue_webhook("status:delivered", status("delivered", pricing=pricing), phone_number_id)
        if self.config.send_read:
            self._queue_webhook("status:read", status("read"), phone_number_id)

    def inbound(
        self,
        *,
        wa_id: str,
        text: str = "",
        name: str = "",
        phone_number_id: str | None = None,
        media: dict[str, Any] | None = None,
        context_id: str = "",
        reply: dict[str, Any] | None = None,
    ) -> str:
        """A customer writes: open their window and post the inbound webhook. Returns the wamid.

        ``reply`` = ``{"type": "button_reply" | "list_reply" | "button", "id", "title"}``: the
        customer tapped a reply button or a list row of an interactive message (``context_id``
        = that message), or a template's quick-reply button (type ``button``)."""
        pnid = phone_number_id or next(iter(self.config.phone_numbers))
        if pnid not in self.config.phone_numbers:
            raise _bad(f"Unknown phone number id {pnid}")
        wamid = _wamid()
        message: dict[str, Any] = {"from": wa_id, "id": wamid, "timestamp": str(int(time.time()))}
        if media:
            data = base64.b64decode(media.get("data_base64") or "")
            mime = str(media.get("mime_type") or "application/octet-stream")
            media_id = self._media_store(data, mime, str(media.get("filename") or ""))
            kind = str(media.get("type") or ("image" if mime.startswith("image/") else "document"))
            obj: dict[str, Any] = {
                "id": media_id,
                "mime_type": mime,
                "sha256": hashlib.sha256(data).hexdigest(),
            }
            if media.get("caption"):
                obj["caption"] = media["caption"]
            if kind == "document" and media.get("filename"):
                obj["filename"] = media["filename"]
            message.update({"type": kind, kind: obj})
        elif reply:
            reply_type = str(reply.get("type") or "button_reply")
            reply_id, title = str(reply.get("id") or ""), str(reply.get("title") or "")
            if not reply_id or not title:
                raise _bad("A reply needs its 'id' and 'title'")
            if reply_type == "button":
                message.update({"type": "button", "button": {"payload": reply_id, "text": title}})
            elif reply_type in ("button_reply", "list_reply"):
                answer = {"id": reply_id, "title": title}
                if reply.get("description"):
                    answer["description"] = str(reply["description"])
                message.update(
                    {"type": "interactive", "interactive": {"type": reply_type, reply_type: answer}}
                )
            else:
                raise _bad(f"Unknown reply type {reply_type}")
            text = title
        else:
            message.update({"type": "text", "text": {"body": text}})
        if context_id:
            message["context"] = {
                "from": self.config.phone_numbers[pnid]["display_phone_number"],
                "id": context_id,
            }
        self.open_window(pnid, wa_id)
        with self.lock:
            self.received.append(
                {
                    "wamid": wamid,
                    "phone_number_id": pnid,
                    "from": wa_id,
                    "type": message["type"],
                    "text": text or str((media or {}).get("caption") or (media or {}).get("filename") or ""),
                    "at": time.time(),
                }
            )
        value = {"contacts": [{"profile": {"name": name or wa_id}, "wa_id": wa_id}], "messages": [message]}
        self._queue_webhook("inbound", value, pnid)
        return wamid

    def chat(self, *, wa_id: str, phone_number_id: str | None = None) -> list[dict[str, Any]]:
        """The customer's side of the conversation with a business number, oldest first: what
        they wrote (``direction`` ``in``) and what the business sent them (``out``, with the
        text a phone would show, its buttons or list rows, and a file's name)."""
        pnid = phone_number_id or next(iter(self.config.phone_numbers))
        with self.lock:
            items = [
                {"direction": "in", **r}
                for r in self.received
                if r["from"] == wa_id and r["phone_number_id"] == pnid
            ]
            items += [
                {"direction": "out", **self._shown(s)}
                for s in self.sent
                if s["to"] == wa_id and s["phone_number_id"] == pnid
            ]
        return sorted(items, key=lambda item: item["at"])

    def _shown(self, sent: dict[str, Any]) -> dict[str, Any]:
        """What a phone shows of a message the business sent."""
        kind, data = sent["type"], sent["payload"]
        shown: dict[str, Any] = {"wamid": sent["wamid"], "type": kind, "at": sent["at"], "text": ""}
        content = data.get(kind) or {}
        if kind == "text":
            shown["text"] = str(content.get("body") or "")
        elif kind in MEDIA_TYPES:
            shown["text"] = str(content.get("caption") or "")
            shown["file_name"] = str(content.get("filename") or "")
            shown["media_id"] = str(content.get("id") or "")
        elif kind == "interactive":
            shown["text"] = str((content.get("body") or {}).get("text") or "")
            action = content.get("action") or {}
            shown["options"] = [
                {"type": "button_reply", "id": b["reply"]["id"], "title": b["reply"]["title"]}
                for b in action.get("buttons") or []
                if isinstance(b, dict) and isinstance(b.get("reply"), dict)
            ] + [
                {"type": "list_reply", "id": row.get("id"), "title": row.get("title")}
                for section in action.get("sections") or []
                for row in section.get("rows") or []
            ]
        elif kind == "template":
            shown["text"] = self._template_text(content)
            shown["options"] = [
                {"type": "button", "id": str(b.get("text")), "title": str(b.get("text"))}
                for component in self._template(content).get("components", [])
                if str(component.get("type")).upper() == "BUTTONS"
                for b in component.get("buttons") or []
                if str(b.get("type")).upper() == "QUICK_REPLY"
            ]
        return shown

    def _template(self, content: dict[str, Any]) -> dict[str, Any]:
        language = (content.get("language") or {}).get("code")
        for template in self.config.templates:
            if template["name"] == content.get("name") and template["language"] == language:
                return template
        return {}

    def _template_text(self, content: dict[str, Any]) -> str:
        """The template's header and body with the sent parameters filled in."""
        values: dict[str, list[str]] = {}
        for component in content.get("components") or []:
            values[str(component.get("type", "")).upper()] = [
                str(p.get("text", "")) for p in component.get("parameters") or []
            ]
        texts = []
        for component in self._template(content).get("components", []):
            kind = str(component.get("type", "")).upper()
            if kind in ("HEADER", "BODY") and component.get("text"):
                texts.append(template_fill(str(component["text"]), values.get(kind, [])))
        return "\n\n".join(texts)

    # -- media ---------------------------------------------------------------------------

    def _media_store(self, data: bytes, mime_type: str, file_name: str) -> str:
        media_id = str(secrets.randbelow(10**15) + 10**15)
        with self.lock:
            self.media[media_id] = {"data": data, "mime_type": mime_type, "file_name": file_name}
        return media_id

    # -- WSGI ----------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            status, body, headers = self._route(environ)
        except _Reply as reply:
            status, body, headers = reply.status, reply.body, reply.headers
        if isinstance(body, bytes):
            payload = body
        else:
            payload = json.dumps(body).encode()
            headers = {"Content-Type": "application/json", **headers}
        reason = {
            200: "OK",
            400: "Bad Request",
            401: "Unauthorized",
            404: "Not Found",
            500: "Internal Server Error",
            503: "Service Unavailable",
        }
        start_response(
            f"{status} {reason.get(status, 'Status')}",
            [*headers.items(), ("Content-Length", str(len(payload)))],
        )
        return [payload]

    def _route(self, environ: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        method = environ["REQUEST_METHOD"]
        parts = [p for p in environ.get("PATH_INFO", "").split("/") if p]
        query = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        if parts and parts[0] == "_fake":
            return self._control(method, parts[1:], raw, query)
        if parts and _VERSION.match(parts[0]):
            parts = parts[1:]
        self._check_token(environ)
        if method == "POST" and len(parts) == 2 and parts[1] == "messages":
            return 200, self._send(parts[0], raw), {}
        if method == "POST" and len(parts) == 2 and parts[1] == "media":
            return 200, self._upload(parts[0], environ, raw), {}
        if method == "GET" and len(parts) == 2 and parts[1] == "message_templates":
            return 200, self._templates(parts[0], query, environ), {}
        if method == "GET" and len(parts) == 3 and parts[0] == "_media":
            media = self.media.get(parts[1])
            if not media:
                raise _Reply(404, _error(100, "Media not found"))
            return 200, media["data"], {"Content-Type": media["mime_type"]}
        if method == "GET" and len(parts) == 1:
            return 200, self._object(parts[0], environ), {}
        if method == "DELETE" and len(parts) == 1 and parts[0] in self.media:
            with self.lock:
                self.media.pop(parts[0], None)
            return 200, {"success": True}, {}
        raise _bad("Unsupported request - method type: " + method.lower())

    def _check_token(self, environ: dict[str, Any]) -> None:
        header = environ.get("HTTP_AUTHORIZATION", "")
        token = header[7:] if header.startswith("Bearer ") else ""
        if token not in self.config.access_tokens:
            raise _Reply(401, _error(190, "Invalid OAuth access token - Cannot parse access token"))

    def _json(self, raw: bytes) -> dict[str, Any]:
        try:
            data = json.loads(raw or b"{}")
        except ValueError as exc:
            raise _bad("Invalid JSON") from exc
        if not isinstance(data, dict):
            raise _bad("Invalid JSON")
        return data

    def _number(self, phone_number_id: str) -> dict[str, str]:
        number = self.config.phone_numbers.get(phone_number_id)
        if number is None:
            raise _bad(
                f"Unsupported post request. Object with ID '{phone_number_id}' does not exist, "
                "cannot be loaded due to missing permissions, or does not support this operation."
            )
        return number

    def _base(self, environ: dict[str, Any]) -> str:
        return f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', 'localhost')}"

    def _send(self, phone_number_id: str, raw: bytes) -> dict[str, Any]:
        number = self._number(phone_number_id)
        data = self._json(raw)
        try:
            with self.lock:
                if self.fail_queue:
                    status, code, message = self.fail_queue.popleft()
                    raise _Reply(status, _error(code, message))
                if data.get("messaging_product") != "whatsapp":
                    raise _bad("(#100) The parameter messaging_product is required.")
                to = re.sub(r"\D", "", str(data.get("to") or ""))
                if not to:
                    raise _bad("(#100) The parameter to is required.")
                kind = str(data.get("type") or "text")
                category = self._validate(number, kind, data)
                now = self.clock()
                # Counted per calendar second, as Meta states the limit (messages per second).
                times = self._send_times.setdefault(phone_number_id, deque())
                while times and int(times[0]) != int(now):
                    times.popleft()
                if len(times) >= self.config.messages_per_second:
                    raise _bad(
                        "(#130429) Rate limit hit",
                        "Cloud API message throughput has been reached.",
                        code=130429,
                    )
                pair = self.config.pair_rate_seconds
                last = self._last_to.get((phone_number_id, to))
                if pair and last is not None and now - last < pair:
                    raise _bad(
                        "(#131056) (Business Account, Consumer Account) pair rate limit hit",
                        "Message failed to send because there were too many messages sent from this "
                        "phone number to the same phone number in a short period of time.",
                        code=131056,
                    )
                times.append(now)
                self._last_to[(phone_number_id, to)] = now
                wamid = _wamid()
                self.sent.append(
                    {
                        "wamid": wamid,
                        "phone_number_id": phone_number_id,
                        "to": to,
                        "type": kind,
                        "payload": data,
                        "at": now,
                    }
                )
                opened = self.last_inbound.get((phone_number_id, to))
        except _Reply as reply:
            with self.lock:
                self.rejected.append(
                    {
                        "phone_number_id": phone_number_id,
                        "payload": data,
                        "status": reply.status,
                        "error": reply.body["error"],
                    }
                )
            raise
        failure = None
        if kind != "template" and (opened is None or now - opened > WINDOW_SECONDS):
            failure = {
                "code": 131047,
                "title": "Re-engagement message",
                "message": "Re-engagement message",
                "error_data": {
                    "details": "Message failed to send because more than 24 hours have passed since "
                    "the customer last replied to this number."
                },
            }
        self._statuses_after_send(phone_number_id, wamid, to, failure, category)
        result: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "contacts": [{"input": str(data.get("to")), "wa_id": to}],
            "messages": [{"id": wamid}],
        }
        if kind == "template":
            result["messages"][0]["message_status"] = "accepted"
        return result

    def _validate(self, number: dict[str, str], kind: str, data: dict[str, Any]) -> str:
        """Check the type's own object; return the pricing category."""
        obj = data.get(kind)
        if kind not in FREE_FORM_TYPES | {"template"}:
            raise _bad(
                f"(#100) Param type must be one of {{{', '.join(sorted(FREE_FORM_TYPES | {'template'}))}}}"
            )
        if not isinstance(obj, dict) and kind != "contacts":
            raise _bad(f"(#100) The parameter {kind} is required.")
        if kind == "text":
            body = str(obj.get("body") or "")  # type: ignore[union-attr]
            if not body.strip():
                raise _bad("(#100) The parameter text['body'] is required.")
            if len(body) > 4096:
                raise _bad("(#100) Param text['body'] must be at most 4096 characters long.")
        elif kind in MEDIA_TYPES:
            media_id, link = obj.get("id"), obj.get("link")  # type: ignore[union-attr]
            if not media_id and not link:
                raise _bad(f"(#100) The parameter {kind}['id'] or {kind}['link'] is required.")
            if media_id and str(media_id) not in self.media:
                raise _bad("(#131053) Media upload error", "Unknown media id.", code=131053)
        elif kind == "interactive":
            assert isinstance(obj, dict)
            if not (obj.get("body") or {}).get("text"):
                raise _bad("(#100) The parameter interactive['body']['text'] is required.")
            if obj.get("type") == "button":
                buttons = (obj.get("action") or {}).get("buttons") or []
                if not 1 <= len(buttons) <= 3:
                    raise _bad(
                        "(#131009) Parameter value is not valid",
                        "Buttons count should be between 1 and 3.",
                        code=131009,
                    )
                for button in buttons:
                    reply = button.get("reply") or {}
                    if not reply.get("id") or not reply.get("title") or len(str(reply["title"])) > 20:
                        raise _bad(
                            "(#131009) Parameter value is not valid",
                            "A reply button needs an id and a title of at most 20 characters.",
                            code=131009,
                        )
        elif kind == "template":
            assert isinstance(obj, dict)
            return self._validate_template(number, obj)
        return "service"

    def _validate_template(self, number: dict[str, str], obj: dict[str, Any]) -> str:
        name = str(obj.get("name") or "")
        language = str((obj.get("language") or {}).get("code") or "")
        if not name or not language:
            raise _bad(
                "(#100) The parameters template['name'] and template['language']['code'] are required."
            )
        found = [t for t in self.config.templates if t["name"] == name and number.get("waba_id")]
        match = next((t for t in found if t["language"] == language), None)
        if match is None or match["status"] != "APPROVED":
            raise _bad(
                "(#132001) Template name does not exist in the translation",
                f"template name ({name}) does not exist in {language}",
                code=132001,
            )
        given: dict[str, int] = {}
        for component in obj.get("components") or []:
            given[str(component.get("type", "")).upper()] = len(component.get("parameters") or [])
        for component in match["components"]:
            kind = str(component.get("type", "")).upper()
            if kind in ("HEADER", "BODY"):
                expected = len(set(PLACEHOLDER.findall(str(component.get("text") or ""))))
                if expected != given.get(kind, 0):
                    raise _bad(
                        "(#132000) Number of parameters does not match the expected number of params",
                        f"{kind.lower()}: number of localizable_params ({given.get(kind, 0)}) does not match "
                        f"the expected number of params ({expected})",
                        code=132000,
                    )
        return str(match["category"]).lower()

    def _upload(self, phone_number_id: str, environ: dict[str, Any], raw: bytes) -> dict[str, Any]:
        self._number(phone_number_id)
        ctype = environ.get("CONTENT_TYPE", "")
        if not ctype.startswith("multipart/form-data"):
            raise _bad("(#100) The parameter file is required.")
        message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {ctype}\r\n\r\n".encode() + raw)
        fields: dict[str, str] = {}
        file_data, file_name, file_mime = None, "", ""
        for part in message.iter_parts():  # type: ignore[attr-defined]
            name = part.get_param("name", header="content-disposition")
            if name == "file":
                payload = part.get_payload(decode=True)
                file_data = payload if isinstance(payload, bytes) else None
                file_name = part.get_filename() or ""
                file_mime = part.get_content_type()
            elif name:
                fields[str(name)] = part.get_content().strip()
        if fields.get("messaging_product") != "whatsapp":
            raise _bad("(#100) The parameter messaging_product is required.")
        if not file_data:
            raise _bad("(#100) The parameter file is required.")
        return {"id": self._media_store(file_data, fields.get("type") or file_mime, file_name)}

    def _templates(self, waba_id: str, query: dict[str, str], environ: dict[str, Any]) -> dict[str, Any]:
        if waba_id not in {n["waba_id"] for n in self.config.phone_numbers.values()}:
            raise _bad(f"Unsupported get request. Object with ID '{waba_id}' does not exist.")
        size = int(query.get("limit") or self.config.templates_page_size)
        size = min(size, self.config.templates_page_size)
        start = int(query.get("after") or 0)
        page = self.config.templates[start : start + size]
        result: dict[str, Any] = {
            "data": page,
            "paging": {"cursors": {"before": str(start), "after": str(start + len(page))}},
        }
        if start + size < len(self.config.templates):
            next_query = urlencode({"limit": size, "after": start + size})
            result["paging"]["next"] = f"{self._base(environ)}/v21.0/{waba_id}/message_templates?{next_query}"
        return result

    def _object(self, object_id: str, environ: dict[str, Any]) -> dict[str, Any]:
        if object_id in self.media:
            media = self.media[object_id]
            return {
                "messaging_product": "whatsapp",
                "url": f"{self._base(environ)}/v21.0/_media/{object_id}/download",
                "mime_type": media["mime_type"],
                "sha256": hashlib.sha256(media["data"]).hexdigest(),
                "file_size": len(media["data"]),
                "id": object_id,
            }
        number = self.config.phone_numbers.get(object_id)
        if number is None:
            raise _bad(f"Unsupported get request. Object with ID '{object_id}' does not exist.")
        return {
            "id": object_id,
            "display_phone_number": number["display_phone_number"],
            "verified_name": number.get("verified_name", ""),
            "quality_rating": "GREEN",
            "code_verification_status": "VERIFIED",
            "throughput": {"level": "STANDARD"},
        }

    def _control(
        self, method: str, parts: list[str], raw: bytes, query: dict[str, str]
    ) -> tuple[int, Any, dict[str, str]]:
        action = parts[0] if parts else ""
        if method == "GET" and action == "state":
            return 200, self.state(), {}
        if method == "GET" and action == "chat":
            wa_id = re.sub(r"\D", "", query.get("wa_id", ""))
            if not wa_id:
                raise _bad("'wa_id' is required (the customer's number, e.g. 6281234567890)")
            return 200, {"messages": self.chat(wa_id=wa_id, phone_number_id=query.get("phone_number_id"))}, {}
        if method != "POST":
            raise _Reply(404, _error(100, "Unknown control endpoint"))
        data = self._json(raw)
        if action == "inbound":
            wa_id = re.sub(r"\D", "", str(data.get("from") or ""))
            if not wa_id:
                raise _bad("'from' is required (the customer's number, e.g. 6281234567890)")
            wamid = self.inbound(
                wa_id=wa_id,
                text=str(data.get("text") or ""),
                name=str(data.get("name") or ""),
                phone_number_id=data.get("phone_number_id"),
                media=data.get("media"),
                context_id=str(data.get("context_id") or ""),
                reply=data.get("reply"),
            )
            return 200, {"id": wamid}, {}
        if action == "window":
            self.open_window(str(data["phone_number_id"]), str(data["wa_id"]), data.get("at"))
            return 200, {"ok": True}, {}
        if action == "fail":
            self.fail_next(
                int(data.get("status", 500)),
                int(data.get("code", 1)),
                str(data.get("message", "Service temporarily unavailable")),
                int(data.get("times", 1)),
            )
            return 200, {"ok": True}, {}
        if action == "config":
            with self.lock:
                for key in (
                    "webhook_url",
                    "app_secret",
                    "messages_per_second",
                    "pair_rate_seconds",
                    "send_read",
                    "status_delay",
                ):
                    if key in data:
                        setattr(self.config, key, data[key])
            return 200, {"ok": True}, {}
        if action == "reset":
            self.reset()
            return 200, {"ok": True}, {}
        raise _Reply(404, _error(100, "Unknown control endpoint"))


class ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return


def serve_in_thread(
    app: Callable[..., Iterable[bytes]], host: str = "127.0.0.1", port: int = 0
) -> tuple[ThreadingWSGIServer, str]:
    """Serve ``app`` from a daemon thread; returns the server (``shutdown()`` it) and its URL."""
    server = make_server(host, port, app, server_class=ThreadingWSGIServer, handler_class=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="fake-graph", daemon=True)
    thread.start()
    return server, f"http://{host}:{server.server_port}"  # type: ignore[return-value]
