"""Meta's webhook endpoint: handshake, signature, store-once, answer fast."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from relasi.accounts.models import Workspace
from relasi.channels.whatsapp.models import WebhookEvent, WhatsAppAccount
from relasi.channels.whatsapp.tasks import whatsapp_process_event_task
from relasi.conversations.models import Message
from tests.channels.test_whatsapp_inbound import make_account
from tests.channels.test_whatsapp_payloads import load

SECRET = "rahasia-app"


@pytest.fixture
def account(workspace: Workspace) -> WhatsAppAccount:
    return make_account(workspace)


def url(account: WhatsAppAccount) -> str:
    return reverse("conversations:whatsapp_webhook", args=[account.inbox_id])


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post(account: WhatsAppAccount, body: bytes, signature: str | None) -> Any:
    headers = {"X-Hub-Signature-256": signature} if signature is not None else {}
    return Client(enforce_csrf_checks=True).post(
        url(account), body, content_type="application/json", headers=headers
    )


def test_handshake(account: WhatsAppAccount) -> None:
    params = {"hub.mode": "subscribe", "hub.verify_token": "token-verifikasi", "hub.challenge": "1158201444"}
    response = Client().get(url(account), params)
    assert response.status_code == 200
    assert response.content == b"1158201444"
    assert response["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "salah", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": "token-verifikasi", "hub.challenge": "1"},
        {"hub.challenge": "1"},
    ],
)
def test_handshake_refused(account: WhatsAppAccount, params: dict[str, str]) -> None:
    response = Client().get(url(account), params)
    assert response.status_code == 403
    assert b"1" not in response.content


def test_signed_post_is_stored_once_and_queued(
    account: WhatsAppAccount, django_capture_on_commit_callbacks: Any
) -> None:
    # Emoji and accents: the signature is over the exact bytes Meta sent.
    data = load("reaction")
    body = json.dumps(data, ensure_ascii=False, indent=1).encode()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post(account, body, sign(body))
    assert response.status_code == 200
    assert response.json() == {"ok": True}
    event = WebhookEvent.objects.get()
    assert bytes(event.body) == body
    assert event.body_sha256 == hashlib.sha256(body).hexdigest()
    assert event.account == account
    assert event.processed_at is None
    assert len(callbacks) == 1

    # Meta redelivers the same bytes: one row, not queued again.
    with django_capture_on_commit_callbacks(execute=False) as again:
        response = post(account, body, sign(body))
    assert response.status_code == 200
    assert WebhookEvent.objects.count() == 1
    assert again == []


def test_duplicate_delivery_gives_one_message(account: WhatsAppAccount) -> None:
    body = json.dumps(load("text")).encode()
    for _ in range(2):
        assert post(account, body, sign(body)).status_code == 200
    for event in WebhookEvent.objects.all():
        whatsapp_process_event_task(event.pk)
    whatsapp_process_event_task(WebhookEvent.objects.get().pk)
    assert Message.objects.count() == 1


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        "sha256=",
        "sha1=" + "0" * 40,
        "sha256=" + "0" * 64,
        "wrong-secret",
    ],
)
def test_bad_signature_is_refused_and_nothing_stored(account: WhatsAppAccount, signature: str | None) -> None:
    body = json.dumps(load("text")).encode()
    if signature == "wrong-secret":
        signature = sign(body, "rahasia-lain")
    response = post(account, body, signature)
    assert response.status_code == 403
    assert WebhookEvent.objects.count() == 0


def test_signature_of_other_bytes_is_refused(account: WhatsAppAccount) -> None:
    body = json.dumps(load("text")).encode()
    tampered = body.replace(b"Halo", b"Hali")
    assert post(account, tampered, sign(body)).status_code == 403
    assert WebhookEvent.objects.count() == 0


def test_unknown_or_inactive_inbox_is_404(account: WhatsAppAccount) -> None:
    body = b"{}"
    response = Client().post(
        "/webhooks/whatsapp/999999/",
        body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": sign(body)},
    )
    assert response.status_code == 404
    account.inbox.is_active = False
    account.inbox.save()
    assert post(account, body, sign(body)).status_code == 404
    assert WebhookEvent.objects.count() == 0


def test_too_large_body_is_413(account: WhatsAppAccount) -> None:
    body = b'{"x": "' + b"a" * (3 * 1024 * 1024) + b'"}'
    response = post(account, body, sign(body))
    assert response.status_code == 413
    assert WebhookEvent.objects.count() == 0


def test_secret_of_another_inbox_does_not_open_this_one(
    account: WhatsAppAccount, other_workspace: Workspace
) -> None:
    theirs = make_account(other_workspace, phone_number_id="100000000000002")
    theirs.app_secret = "rahasia-sebelah"
    theirs.save()
    body = json.dumps(load("text")).encode()
    assert post(theirs, body, sign(body, SECRET)).status_code == 403
    assert post(account, body, sign(body, "rahasia-sebelah")).status_code == 403
    assert WebhookEvent.objects.count() == 0
