"""Sign-in: e-mail and password, throttled, every attempt and every sign-out audited."""

from __future__ import annotations

import time
from typing import Any

from django.test import Client
from django.urls import reverse

from relasi.accounts.models import User
from relasi.core.models import AuditAction, AuditLog
from tests.accounts.conftest import PASSWORD

LOGIN = "/akun/masuk/"


def test_sign_in_with_the_right_password_signs_in_and_is_audited(client: Client, owner: User) -> None:
    # when (the address is matched without regard to case)
    response = client.post(LOGIN, {"email": "Pemilik@Hero.test", "password": PASSWORD})
    # then
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(owner.pk)
    entry = AuditLog.objects.get(action=AuditAction.SIGN_IN)
    assert entry.actor == owner
    assert entry.actor_email == owner.email
    assert entry.ip_address == "127.0.0.1"


def test_wrong_password_answers_400_and_is_audited(client: Client, owner: User) -> None:
    # given
    client.cookies.load({"relasi_language": "en"})
    # when
    response = client.post(LOGIN, {"email": owner.email, "password": "salah-sekali"})
    # then
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session
    assert b"The e-mail address or password is wrong." in response.content
    entry = AuditLog.objects.get(action=AuditAction.SIGN_IN_FAILED)
    assert entry.actor is None
    assert entry.actor_email == owner.email
    assert entry.changes == {"reason": "credentials"}


def test_unknown_email_gets_the_same_answer_as_a_wrong_password(client: Client, owner: User) -> None:
    # given
    client.cookies.load({"relasi_language": "en"})
    # when
    unknown = client.post(LOGIN, {"email": "siapa@tidak.ada", "password": PASSWORD})
    wrong = client.post(LOGIN, {"email": owner.email, "password": "salah-sekali"})
    # then: nothing tells whether the address has an account
    assert unknown.status_code == wrong.status_code == 400
    assert b"The e-mail address or password is wrong." in unknown.content
    assert AuditLog.objects.filter(action=AuditAction.SIGN_IN_FAILED, actor_email="siapa@tidak.ada").exists()


def test_lockout_after_max_failures_answers_429_even_with_the_right_password(
    client: Client, owner: User, settings: Any
) -> None:
    # given
    for _attempt in range(settings.RELASI_LOGIN_MAX_FAILURES):
        assert client.post(LOGIN, {"email": owner.email, "password": "salah"}).status_code == 400
    # when
    response = client.post(LOGIN, {"email": owner.email, "password": PASSWORD})
    # then
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert (
        AuditLog.objects.filter(action=AuditAction.SIGN_IN_FAILED, changes={"reason": "locked"}).count() == 1
    )
    assert not AuditLog.objects.filter(action=AuditAction.SIGN_IN).exists()


def test_one_failure_less_than_the_limit_still_lets_the_right_password_in(
    client: Client, owner: User, settings: Any
) -> None:
    # given
    for _attempt in range(settings.RELASI_LOGIN_MAX_FAILURES - 1):
        client.post(LOGIN, {"email": owner.email, "password": "salah"})
    # when
    response = client.post(LOGIN, {"email": owner.email, "password": PASSWORD})
    # then
    assert response.status_code == 302


def test_lockout_counts_per_address_not_per_client(owner: User, settings: Any) -> None:
    # given: failures for one address from a client
    for _attempt in range(settings.RELASI_LOGIN_MAX_FAILURES):
        Client().post(LOGIN, {"email": owner.email, "password": "salah"})
    # when: a fresh browser (same address) tries the right password
    response = Client().post(LOGIN, {"email": owner.email, "password": PASSWORD})
    # then
    assert response.status_code == 429


def test_lockout_expires(client: Client, owner: User, settings: Any) -> None:
    # given: a short lockout, so the cache's own expiry (LocMem or Redis) can be used
    settings.RELASI_LOGIN_LOCKOUT_SECONDS = 2
    first_failure_done = 0.0
    for attempt in range(settings.RELASI_LOGIN_MAX_FAILURES):
        client.post(LOGIN, {"email": owner.email, "password": "salah"})
        if attempt == 0:  # the lockout's clock starts at the first failure
            first_failure_done = time.monotonic()
    assert client.post(LOGIN, {"email": owner.email, "password": PASSWORD}).status_code == 429
    # when: the lockout time has passed (measured from the first failure: slow hashing on a
    # busy machine must not make the test flaky)
    time.sleep(max(0.0, first_failure_done + 2.2 - time.monotonic()))
    response = client.post(LOGIN, {"email": owner.email, "password": PASSWORD})
    # then
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(owner.pk)


def test_sign_out_is_audited_and_ends_the_session(client_as: Any, owner: User) -> None:
    # given
    client = client_as(owner)
    # when
    response = client.post(reverse("accounts:logout"))
    # then
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    entry = AuditLog.objects.get(action=AuditAction.SIGN_OUT)
    assert entry.actor == owner


def test_sign_out_needs_a_post(client_as: Any, owner: User) -> None:
    # given
    client = client_as(owner)
    # when: a link or an image cannot sign someone out
    response = client.get(reverse("accounts:logout"))
    # then
    assert response.status_code == 405
    assert client.session["_auth_user_id"] == str(owner.pk)


def test_inactive_user_cannot_sign_in(client: Client, owner: User) -> None:
    # given
    User.objects.filter(pk=owner.pk).update(is_active=False)
    # when
    response = client.post(LOGIN, {"email": owner.email, "password": PASSWORD})
    # then
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session


def test_sign_in_does_not_redirect_to_another_site(client: Client, owner: User) -> None:
    # when
    response = client.post(
        LOGIN, {"email": owner.email, "password": PASSWORD, "next": "https://jahat.example/"}
    )
    # then
    assert response.status_code == 302
    assert response["Location"] == "/"
