"""Security headers (CSP included), cookie flags, CSRF, and `relasi check --deploy`."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client

from relasi.accounts.models import User, Workspace
from tests.accounts.conftest import PASSWORD

LOGIN = "/akun/masuk/"


def _clean_env() -> dict[str, str]:
    """A process environment without this test run's settings (DATABASE_URL, RELASI_*,
    DJANGO_ALLOW_ASYNC_UNSAFE set by browser tests, …): only what a shell needs."""
    return {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR"}}


def _assert_security_headers(response: object) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    csp = headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_sign_in_page_sends_the_security_headers(client: Client, db: None) -> None:
    # when
    response = client.get(LOGIN)
    # then
    assert response.status_code == 200
    _assert_security_headers(response)


def test_a_signed_in_settings_page_sends_the_security_headers(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client], url: Callable[..., str]
) -> None:
    # when
    response = client_as(owner).get(url("members", workspace.slug))
    # then
    assert response.status_code == 200
    _assert_security_headers(response)


@pytest.mark.parametrize("page", ["members", "workspace", "tokens", "audit", "outbox", "profile"])
def test_settings_pages_have_no_inline_script_or_style(
    page: str,
    owner: User,
    workspace: Workspace,
    client_as: Callable[[User], Client],
    url: Callable[..., str],
) -> None:
    # when
    html = client_as(owner).get(url(page, workspace.slug)).content.decode()
    # then: the CSP (script-src 'self'; style-src 'self') would block them
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"<style[\s>]", html)
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)


def test_session_cookie_is_http_only_and_same_site_lax(client: Client, owner: User) -> None:
    # when
    response = client.post(LOGIN, {"email": owner.email, "password": PASSWORD})
    # then
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_csrf_cookie_is_same_site_lax(client: Client, db: None) -> None:
    # when
    response = client.get(LOGIN)
    # then
    cookie = response.cookies["csrftoken"]
    assert cookie["samesite"] == "Lax"


def test_csrf_cookie_is_http_only(client: Client, db: None) -> None:
    # given: pages send the token in forms and in hx-headers, so no script needs the cookie
    # when
    response = client.get(LOGIN)
    # then
    assert response.cookies["csrftoken"]["httponly"] is True


def test_sign_in_post_without_csrf_token_is_refused(owner: User) -> None:
    # given
    client = Client(enforce_csrf_checks=True)
    # when
    response = client.post(LOGIN, {"email": owner.email, "password": PASSWORD})
    # then
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_sign_in_post_with_the_form_csrf_token_is_accepted(owner: User) -> None:
    # given
    client = Client(enforce_csrf_checks=True)
    form = client.get(LOGIN).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
    assert token is not None
    # when
    response = client.post(
        LOGIN, {"email": owner.email, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)}
    )
    # then
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(owner.pk)


def test_check_deploy_reports_no_issues_with_production_settings(tmp_path: Path) -> None:
    # given: what a production installation sets (HTTPS, its own long key, DEBUG off)
    env = _clean_env()
    env.update(
        RELASI_DATA_DIR=str(tmp_path),
        RELASI_HTTPS="1",
        RELASI_SECRET_KEY=secrets.token_urlsafe(64),
        RELASI_DEBUG="0",
        RELASI_ALLOWED_HOSTS="crm.tokohero.co.id",
    )
    # when
    result = subprocess.run(
        [sys.executable, "-m", "relasi", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    # then
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNINGS" not in output


def test_check_deploy_warns_about_plain_http(tmp_path: Path) -> None:
    # given: the same without HTTPS (shows the check above can fail)
    env = _clean_env()
    env.update(RELASI_DATA_DIR=str(tmp_path), RELASI_SECRET_KEY=secrets.token_urlsafe(64), RELASI_DEBUG="0")
    # when
    result = subprocess.run(
        [sys.executable, "-m", "relasi", "check", "--deploy"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    # then
    output = result.stdout + result.stderr
    assert "security.W008" in output or "security.W012" in output
