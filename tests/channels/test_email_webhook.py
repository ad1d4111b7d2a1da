"""The raw-MIME webhook: HMAC signature or token, 403 and nothing stored otherwise, raw body or
a relay's form field, stored once, processed after commit by the worker."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from relasi.accounts.models import Workspace
from relasi.channels.email import webhook as webhook_module
from relasi.channels.email.models import EmailAccount, InboundEmail
from relasi.channels.email.tasks import process_inbound_task
from relasi.conversations.models import Attachment, Message
from tests.channels.email_servers import mail, make_account

pytestmark = pytest.mark.django_db
SECRET = "rahasia-webhook"


@pytest.fixture
def account(workspace: Workspace) -> EmailAccount:
    return make_account(workspace)


def url(account: EmailAccount, **query: str) -> str:
    path = reverse("email:webhook", args=[account.inbox_id])
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post(target: str, body: bytes, signature: str | None = None, content_type: str = "message/rfc822") -> Any:
    headers = {"X-Relasi-Signature": signature} if signature is not None else {}
    return Client(enforce_csrf_checks=True).post(target, body, content_type=content_type, headers=headers)


def test_signed_raw_mail_is_stored_once_and_processed_after_commit(
    account: EmailAccount, django_capture_on_commit_callbacks: Any
) -> None:
    raw = mail(body="Halo, saya mau pesan 2 boneka. Terima kasih 🙏")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post(url(account), raw, sign(raw))
    assert response.status_code == 200
    assert response.json()["ok"] is True
    assert response.json()["duplicate"] is False
    inbound = InboundEmail.objects.get()
    assert bytes(inbound.raw) == raw
    assert inbound.raw_sha256 == hashlib.sha256(raw).hexdigest()
    assert (inbound.account, inbound.source, inbound.processed_at) == (account, "webhook", None)
    assert len(callbacks) == 1
    assert not Message.objects.exists()  # the request stores; the worker processes

    with django_capture_on_commit_callbacks(execute=False) as again:
        response = post(url(account), raw, sign(raw))
    assert response.status_code == 200
    assert response.json()["duplicate"] is True
    assert InboundEmail.objects.count() == 1
    assert again == []

    assert process_inbound_task(inbound.pk) is True
    assert process_inbound_task(inbound.pk) is False  # done already
    message = Message.objects.get()
    assert message.body == "Halo, saya mau pesan 2 boneka. Terima kasih 🙏"
    assert message.payload["source"] == "webhook"
    inbound.refresh_from_db()
    assert inbound.message == message
    assert inbound.processed_at is not None


def test_token_in_the_query_string_is_accepted(account: EmailAccount) -> None:
    assert post(url(account, token=SECRET), mail()).status_code == 200
    assert InboundEmail.objects.count() == 1


@pytest.mark.parametrize(
    "case",
    [
        "none",
        "empty",
        "prefix-only",
        "sha1",
        "zeros",
        "other-secret",
        "other-body",
        "bad-token",
        "empty-token",
    ],
)
def test_bad_credentials_are_refused_and_nothing_stored(account: EmailAccount, case: str) -> None:
    raw = mail()
    signature: str | None = {
        "none": None,
        "empty": "",
        "prefix-only": "sha256=",
        "sha1": "sha1=" + hmac.new(SECRET.encode(), raw, hashlib.sha1).hexdigest(),
        "zeros": "sha256=" + "0" * 64,
        "other-secret": sign(raw, "rahasia-lain"),
        "other-body": sign(raw + b" "),
    }.get(case)
    query = {"bad-token": {"token": "salah"}, "empty-token": {"token": ""}}.get(case, {})
    response = post(url(account, **query), raw, signature)
    assert response.status_code == 403
    assert InboundEmail.objects.count() == 0
    assert Message.objects.count() == 0


def test_form_field_mime_multipart(account: EmailAccount) -> None:
    raw = mail(attachments=(("foto.jpg", "image/jpeg", b"\xff\xd8\xff" + bytes(range(256))),))
    boundary = "----relasi-batas"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="recipient"\r\n\r\ncs@tokohero.test\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="mime"\r\n\r\n'
        ).encode()
        + raw
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = post(url(account), body, sign(body), content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 200, response.content
    inbound = InboundEmail.objects.get()
    assert bytes(inbound.raw) == raw
    process_inbound_task(inbound.pk)
    assert Attachment.objects.get().file_name == "foto.jpg"


def test_form_field_urlencoded(account: EmailAccount) -> None:
    from urllib.parse import quote_from_bytes

    raw = mail(body="Harga Rp 150.000 & ongkir?")
    body = b"sender=budi%40pelanggan.test&body-mime=" + quote_from_bytes(raw).encode()
    response = post(
        url(account, token=SECRET), body, content_type="application/x-www-form-urlencoded; charset=utf-8"
    )
    assert response.status_code == 200, response.content
    assert bytes(InboundEmail.objects.get().raw) == raw


def test_form_without_the_mail_is_a_400(account: EmailAccount) -> None:
    body = b"sender=budi%40pelanggan.test"
    response = post(url(account, token=SECRET), body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert InboundEmail.objects.count() == 0


def test_too_large_is_refused(account: EmailAccount, monkeypatch: Any) -> None:
    raw = mail(attachments=(("besar.bin", "application/octet-stream", b"\x00" * 5000),))
    monkeypatch.setattr(webhook_module, "MAX_RAW_BYTES", 2000)
    response = post(url(account), raw, sign(raw))
    assert response.status_code == 413
    monkeypatch.setattr(webhook_module, "MAX_BODY_BYTES", 3000)
    response = post(url(account), raw, sign(raw))
    assert response.status_code == 413
    assert InboundEmail.objects.count() == 0


def test_larger_than_djangos_upload_limit_is_accepted(account: EmailAccount, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    raw = mail(attachments=(("katalog.pdf", "application/pdf", b"%PDF" + b"\x01" * 20000),))
    response = post(url(account), raw, sign(raw))
    assert response.status_code == 200
    assert bytes(InboundEmail.objects.get().raw) == raw


def test_unknown_or_inactive_inbox_is_404(account: EmailAccount, workspace: Workspace) -> None:
    raw = mail()
    missing = reverse("email:webhook", args=[account.inbox_id + 100])
    assert post(missing, raw, sign(raw)).status_code == 404
    account.inbox.is_active = False
    account.inbox.save()
    assert post(url(account), raw, sign(raw)).status_code == 404
    assert InboundEmail.objects.count() == 0


def test_get_is_not_allowed(account: EmailAccount) -> None:
    assert Client().get(url(account)).status_code == 405


def test_secret_of_another_inbox_does_not_open_this_one(
    account: EmailAccount, other_workspace: Workspace
) -> None:
    other = make_account(other_workspace, address="halo@sebelah.test", webhook_secret="rahasia-sebelah")
    raw = mail()
    assert post(url(account), raw, sign(raw, "rahasia-sebelah")).status_code == 403
    assert post(url(other), raw, sign(raw, "rahasia-sebelah")).status_code == 200
    assert InboundEmail.objects.get().account == other
