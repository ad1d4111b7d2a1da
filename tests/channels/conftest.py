"""Fixtures of the channel tests: the fake Graph API served for real from a thread, and a
tiny server that captures the webhooks it posts."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.utils import translation

from relasi.channels.whatsapp.fake import FakeConfig, FakeGraph, serve_in_thread

PHONE_NUMBER_ID = "100000000000001"
WABA_ID = "200000000000001"
TOKEN = "fake-token"
APP_SECRET = "fake-app-secret"


@dataclass
class Capture:
    """Requests received by the capture server: (headers, body)."""

    url: str = ""
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        headers = {k[5:].replace("_", "-").title(): v for k, v in environ.items() if k.startswith("HTTP_")}
        with self.lock:
            self.requests.append((headers, body))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]


@dataclass
class FakeGraphHandle:
    fake: FakeGraph
    url: str  # server root
    base_url: str  # what goes into WhatsAppAccount.api_base_url
    capture: Capture


@pytest.fixture
def fake_graph() -> Iterator[FakeGraphHandle]:
    capture = Capture()
    capture_server, capture.url = serve_in_thread(capture)
    fake = FakeGraph(FakeConfig(webhook_url=capture.url + "/webhook", status_delay=0.0))
    server, url = serve_in_thread(fake)
    try:
        yield FakeGraphHandle(fake=fake, url=url, base_url=url + "/v21.0", capture=capture)
    finally:
        fake.close()
        server.shutdown()
        capture_server.shutdown()
        server.server_close()
        capture_server.server_close()


@pytest.fixture(autouse=True)
def _english_messages() -> Iterator[None]:
    """Service messages are read in English in these tests (pages follow the user's language)."""
    with translation.override("en"):
        yield


# E-mail channel: real SMTP (aiosmtpd) and IMAP (Dovecot) servers, see email_servers.py ------


@pytest.fixture
def smtp_server() -> Iterator[Any]:
    from tests.channels.email_servers import smtp_server_running

    with smtp_server_running() as server:
        yield server


@pytest.fixture
def smtp_server_auth() -> Iterator[Any]:
    """An SMTP server that requires AUTH (``email_servers.SMTP_USER`` / ``SMTP_PASSWORD``)."""
    from tests.channels.email_servers import smtp_server_running

    with smtp_server_running(require_auth=True) as server:
        yield server


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Any]:
    from tests.channels.email_servers import dovecot_running

    with dovecot_running() as server:
        yield server
