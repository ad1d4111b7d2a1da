"""HTTP client of Meta's WhatsApp Cloud (Graph) API. HTTP only, no ORM: callers pass the base
URL (``WhatsAppAccount.api_base_url``, e.g. ``https://graph.facebook.com/v21.0`` or the local
``relasi fake_whatsapp``) and the access token.

Errors come back as :class:`GraphApiError` parsed from Meta's body
``{"error": {"message", "type", "code", "error_subcode", "error_data": {"details"}, "fbtrace_id"}}``
with ``retryable`` telling the sender whether to try again later.
"""

from __future__ import annotations

import mimetypes
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from relasi.channels.whatsapp.models import WhatsAppAccount

DEFAULT_TIMEOUT = 20.0

# Meta error codes that go away by waiting: throughput (130429), pair rate (131056), the
# Graph API's application / account rate limits (4, 80007, 613), and "temporarily
# unavailable" style errors (1, 2, 131000 "something went wrong", 131016 service unavailable).
RETRYABLE_CODES = frozenset({1, 2, 4, 613, 80007, 130429, 131000, 131016, 131056})
# Seconds to wait on a rate-limit error when Meta gives no Retry-After header.
RATE_LIMIT_WAIT = {130429: 1.0, 131056: 6.0, 4: 60.0, 80007: 60.0, 613: 60.0}


class GraphApiError(Exception):
    """A failed Graph API call. ``code`` is Meta's error code (0 for network errors)."""

    def __init__(
        self,
        *,
        code: int,
        title: str,
        message: str,
        http_status: int,
        retryable: bool,
        retry_after: float | None = None,
        details: str = "",
    ) -> None:
        super().__init__(f"[{code}] {title}: {message}")
        self.code = code
        self.title = title
        self.message = message
        self.http_status = http_status
        self.retryable = retryable
        self.retry_after = retry_after
        self.details = details


def error_is_retryable(code: int, http_status: int) -> bool:
    """Retry server errors and rate limits; never retry a closed window (131047), template
    errors (132xxx), invalid parameters (100) or a bad token (190)."""
    if code in RETRYABLE_CODES:
        return True
    if code == 131047 or 132000 <= code < 133000 or code in (100, 190):
        return False
    return http_status >= 500 or http_status == 429


def _error_from_response(response: httpx.Response) -> GraphApiError:
    try:
        body = response.json()
    except ValueError:
        body = {}
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        error = {}
    code = int(error.get("code") or 0)
    message = str(error.get("message") or response.reason_phrase or "")
    data = error.get("error_data") if isinstance(error.get("error_data"), dict) else {}
    details = str((data or {}).get("details") or "")
    title = str(error.get("error_user_title") or error.get("type") or f"HTTP {response.status_code}")
    retry_after: float | None = None
    header = response.headers.get("Retry-After")
    if header:
        try:
            retry_after = float(header)
        except ValueError:
            retry_after = None
    if retry_after is None and code in RATE_LIMIT_WAIT:
        retry_after = RATE_LIMIT_WAIT[code]
    return GraphApiError(
        code=code,
        title=title,
        message=message,
        http_status=response.status_code,
        retryable=error_is_retryable(code, response.status_code),
        retry_after=retry_after,
        details=details,
    )


class GraphClient:
    """One access token against one Graph API base URL (including the version)."""

    def __init__(self, base_url: str, access_token: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.base_url = base_url.rstrip("/")
        self.access_token = access_token
        self.timeout = timeout

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}

    def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        if not url.startswith(("http://", "https://")):
            url = f"{self.base_url}/{url.lstrip('/')}"
        try:
            response = httpx.request(method, url, headers=self._headers(), timeout=self.timeout, **kwargs)
        except httpx.HTTPError as exc:
            raise GraphApiError(
                code=0,
                title="Network error",
                message=str(exc) or exc.__class__.__name__,
                http_status=0,
                retryable=True,
            ) from exc
        if response.status_code >= 400:
            raise _error_from_response(response)
        return response

    def _json(self, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        response = self._request(method, url, **kwargs)
        try:
            body = response.json()
        except ValueError as exc:
            raise GraphApiError(
                code=0,
                title="Bad response",
                message="The Graph API answered with something that is not JSON.",
                http_status=response.status_code,
                retryable=True,
            ) from exc
        return body if isinstance(body, dict) else {}

    def send_message(self, phone_number_id: str, payload: dict[str, Any]) -> str:
        """POST ``/{phone_number_id}/messages``; returns the ``wamid`` of the accepted message."""
        body = {"messaging_product": "whatsapp", **payload}
        data = self._json("POST", f"{phone_number_id}/messages", json=body)
        messages = data.get("messages") or []
        if not messages or not messages[0].get("id"):
            raise GraphApiError(
                code=0,
                title="Bad response",
                message="The Graph API accepted the message but returned no id.",
                http_status=200,
                retryable=False,
            )
        return str(messages[0]["id"])

    def media_upload(self, phone_number_id: str, data: bytes, mime_type: str, file_name: str) -> str:
        """POST ``/{phone_number_id}/media`` (multipart); returns the media id."""
        body = self._json(
            "POST",
            f"{phone_number_id}/media",
            data={"messaging_product": "whatsapp", "type": mime_type},
            files={"file": (file_name, data, mime_type)},
        )
        return str(body["id"])

    def media_download(self, media_id: str) -> tuple[bytes, str]:
        """GET ``/{media_id}`` for the short-lived URL, then the URL itself (both with the
        bearer token). Returns the bytes and the MIME type."""
        meta = self._json("GET", media_id)
        url = str(meta.get("url") or "")
        if not url:
            raise GraphApiError(
                code=100, title="Bad response", message="No media URL.", http_status=200, retryable=False
            )
        response = self._request("GET", url)
        mime = str(meta.get("mime_type") or response.headers.get("Content-Type") or "")
        return response.content, mime

    def templates_list(self, waba_id: str) -> list[dict[str, Any]]:
        """Every message template of a WhatsApp Business Account, following ``paging.next``."""
        items: list[dict[str, Any]] = []
        url: str | None = f"{waba_id}/message_templates"
        params: dict[str, Any] | None = {
            "fields": "name,language,category,status,components,id",
            "limit": 100,
        }
        seen = 0
        while url and seen < 1000:
            seen += 1
            body = self._json("GET", url, params=params)
            items.extend(d for d in body.get("data") or [] if isinstance(d, dict))
            paging = body.get("paging") or {}
            url = paging.get("next") if isinstance(paging, dict) else None
            params = None  # ``next`` carries its own query string
        return items

    def phone_number_info(self, phone_number_id: str) -> dict[str, Any]:
        """GET ``/{phone_number_id}``: display number, verified name, quality rating."""
        return self._json(
            "GET",
            phone_number_id,
            params={"fields": "display_phone_number,verified_name,quality_rating,throughput"},
        )


def client_for(account: WhatsAppAccount, timeout: float = DEFAULT_TIMEOUT) -> GraphClient:
    """The client of an account's number (its base URL and decrypted token)."""
    return GraphClient(account.api_base_url, account.access_token, timeout)


def media_download(account: WhatsAppAccount, media_id: str) -> tuple[bytes, str, str]:
    """Download an inbound media file of ``account``: ``(bytes, mime_type, file_name)``. The
    Graph API gives no file name for media; the name is the id plus the type's extension."""
    data, mime = client_for(account).media_download(media_id)
    base_mime = mime.split(";")[0].strip()
    extension = (mimetypes.guess_extension(base_mime) or "") if base_mime else ""
    return data, mime, f"{media_id}{extension}"
