"""Setting up e-mail inboxes from the settings pages and the API: secrets write-only and
encrypted, validation, the connection test against real servers, the webhook address and
secret, permissions and workspace isolation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.channels.email.models import EmailAccount
from relasi.channels.email.tasks import poll_mailbox_task
from relasi.conversations.models import Inbox
from relasi.core.models import AuditLog
from tests.channels.email_servers import (
    IMAP_PASSWORD,
    SMTP_PASSWORD,
    SMTP_USER,
    Dovecot,
    SmtpServer,
    free_port,
    make_account,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning"),
]
EN = {"Accept-Language": "en"}
BASE = "/w/hero/pengaturan/kotak-masuk/email/"


def _form(**overrides: Any) -> dict[str, Any]:
    data = {
        "name": "CS E-mail",
        "address": "CS@TokoHero.test",
        "display_name": "Toko Hero",
        "smtp_host": "smtp.tokohero.test",
        "smtp_port": "587",
        "smtp_security": "starttls",
        "smtp_username": "cs@tokohero.test",
        "smtp_password": "sandi-smtp-rahasia",
        "imap_enabled": "on",
        "imap_host": "imap.tokohero.test",
        "imap_port": "993",
        "imap_ssl": "on",
        "imap_username": "",
        "imap_password": "",
        "imap_folder": "INBOX",
        "auto_assign": "on",
        "assignment_capacity": "0",
        "is_active": "on",
    }
    data.update(overrides)
    return data


def _raw_columns(account: EmailAccount) -> tuple[str, str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT smtp_password, imap_password, webhook_secret FROM email_emailaccount WHERE id = %s",
            [account.pk],
        )
        row = cursor.fetchone()
    return row[0], row[1], row[2]


def test_create_from_the_page(client_as: Callable[[User], Client], owner: User, workspace: Workspace) -> None:
    response = client_as(owner).post(BASE + "baru/", _form(member_ids=[str(owner.pk)]), headers=EN)
    assert response.status_code == 302
    inbox = Inbox.objects.get(workspace=workspace)
    assert inbox.channel_type == "email"
    assert response["Location"] == f"{BASE}{inbox.pk}/"
    account = inbox.email_account
    assert account.address == "cs@tokohero.test"
    assert account.smtp_password == "sandi-smtp-rahasia"
    assert account.imap_password == "sandi-smtp-rahasia"  # the SMTP one by default
    assert account.imap_username == "cs@tokohero.test"
    assert len(account.webhook_secret) >= 32
    assert list(inbox.members.all()) == [owner]
    for stored in _raw_columns(account):
        assert stored
        assert "rahasia" not in stored
        assert stored != account.webhook_secret
    audit = AuditLog.objects.get(object_id=str(inbox.pk))
    assert "sandi-smtp-rahasia" not in str(audit.changes)
    assert account.webhook_secret not in str(audit.changes)


def test_edit_page_never_shows_passwords_and_blank_keeps_them(
    client_as: Callable[[User], Client], owner: User, workspace: Workspace
) -> None:
    account = make_account(workspace, smtp_password="sandi-smtp-lama", imap_password="sandi-imap-lama")
    client = client_as(owner)
    page = client.get(f"{BASE}{account.inbox_id}/", headers=EN).content.decode()
    assert "sandi-smtp-lama" not in page
    assert "sandi-imap-lama" not in page
    assert f"/webhooks/email/{account.inbox_id}/" in page
    assert "rahasia-webhook" in page  # the secret is shown to whoever manages the inbox
    response = client.post(
        f"{BASE}{account.inbox_id}/",
        _form(name="CS Baru", address="cs@tokohero.test", smtp_password="", imap_password="", imap_ssl=""),
        headers=EN,
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert (account.smtp_password, account.imap_password) == ("sandi-smtp-lama", "sandi-imap-lama")
    assert account.inbox.name == "CS Baru"
    assert account.imap_ssl is False
    audit = AuditLog.objects.filter(object_id=str(account.inbox_id)).latest("id")
    assert "sandi" not in str(audit.changes)


def test_moving_the_mailbox_restarts_polling(
    client_as: Callable[[User], Client], owner: User, workspace: Workspace
) -> None:
    account = make_account(workspace, imap_enabled=True, imap_host="imap.lama.test", imap_password="p")
    EmailAccount.objects.filter(pk=account.pk).update(imap_uid_validity=77, imap_last_uid=500)
    client_as(owner).post(f"{BASE}{account.inbox_id}/", _form(address=account.address), headers=EN)
    account.refresh_from_db()
    assert (account.imap_uid_validity, account.imap_last_uid) == (None, 0)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": ""}, "name"),
        ({"address": "bukan-alamat"}, "address"),
        ({"smtp_host": "https://smtp.tokohero.test"}, "smtp_host"),
        ({"smtp_port": "70000"}, "smtp_port"),
        ({"smtp_security": "rot13"}, "smtp_security"),
        ({"smtp_password": ""}, "smtp_password"),
        ({"imap_host": ""}, "imap_host"),
        ({"smtp_username": "", "smtp_password": "", "imap_password": ""}, "imap_password"),
    ],
)
def test_create_validation(
    client_as: Callable[[User], Client], owner: User, overrides: dict[str, str], field: str
) -> None:
    response = client_as(owner).post(BASE + "baru/", _form(**overrides), headers=EN)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Inbox.objects.exists()


def test_imap_off_needs_no_imap_server(client_as: Callable[[User], Client], owner: User) -> None:
    data = _form(imap_enabled="", imap_host="", smtp_security="none", smtp_username="", smtp_password="")
    assert client_as(owner).post(BASE + "baru/", data, headers=EN).status_code == 302
    account = EmailAccount.objects.get()
    assert not account.imap_enabled
    assert account.smtp_password == ""


def test_same_address_twice_in_a_workspace_is_refused(
    client_as: Callable[[User], Client], owner: User, workspace: Workspace
) -> None:
    make_account(workspace, address="cs@tokohero.test")
    response = client_as(owner).post(BASE + "baru/", _form(name="Lain"), headers=EN)
    assert response.status_code == 400
    assert "address" in response.context["form"].errors


def test_connection_test_against_real_servers(
    client_as: Callable[[User], Client],
    owner: User,
    workspace: Workspace,
    smtp_server_auth: SmtpServer,
    dovecot: Dovecot,
) -> None:
    user = dovecot.new_user()
    dovecot.append(user, b"From: a@p.test\r\nSubject: x\r\nMessage-ID: <t@p>\r\n\r\nhalo\r\n")
    account = make_account(
        workspace,
        smtp=smtp_server_auth,
        dovecot=dovecot,
        imap_user=user,
        smtp_username=SMTP_USER,
        smtp_password=SMTP_PASSWORD,
    )
    owner.language = "en"  # pages follow the user's language, not Accept-Language
    owner.save(update_fields=["language"])
    client = client_as(owner)
    response = client.post(f"{BASE}{account.inbox_id}/uji-koneksi/", headers={**EN, "HX-Request": "true"})
    assert response.status_code == 200
    assert response.context["result"]["ok"] is True
    assert response.context["result"]["imap"]["messages"] == 1
    assert b"SMTP: logged in" in response.content

    account.smtp_password = "salah"
    account.imap_password = "salah"
    account.save()
    result = client.post(f"{BASE}{account.inbox_id}/uji-koneksi/", headers=EN).context["result"]
    assert result["ok"] is False
    assert result["smtp"]["code"] == 535
    assert "Authentication failed" in result["imap"]["detail"]
    assert smtp_server_auth.received == []  # a test sends nothing


def test_connection_test_reports_an_unreachable_server(
    client_as: Callable[[User], Client], owner: User, workspace: Workspace
) -> None:
    account = make_account(workspace, smtp_port=free_port())
    owner.language = "en"  # pages follow the user's language, not Accept-Language
    owner.save(update_fields=["language"])
    response = client_as(owner).post(f"{BASE}{account.inbox_id}/uji-koneksi/", headers=EN)
    assert response.context["result"]["smtp"]["ok"] is False
    assert b"SMTP failed" in response.content


def test_new_secret_and_poll_now(
    client_as: Callable[[User], Client],
    owner: User,
    workspace: Workspace,
    monkeypatch: Any,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    account = make_account(workspace, imap_enabled=True, imap_host="imap.tokohero.test", imap_password="p")
    client = client_as(owner)
    assert client.post(f"{BASE}{account.inbox_id}/rahasia-baru/", headers=EN).status_code == 302
    account.refresh_from_db()
    assert account.webhook_secret != "rahasia-webhook"
    assert len(account.webhook_secret) >= 32
    queued: list[int] = []
    monkeypatch.setattr(poll_mailbox_task, "delay", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"{BASE}{account.inbox_id}/ambil-surat/", headers=EN).status_code == 302
    assert queued == [account.pk]


def test_inbox_list_links_to_the_email_pages(
    client_as: Callable[[User], Client], owner: User, workspace: Workspace
) -> None:
    account = make_account(workspace)
    page = client_as(owner).get("/w/hero/pengaturan/kotak-masuk/", headers=EN).content.decode()
    assert f'href="{BASE}baru/"' in page
    assert f'href="{BASE}{account.inbox_id}/"' in page
    assert account.address in page


def test_poll_error_is_shown_on_the_page(
    client_as: Callable[[User], Client], owner: User, workspace: Workspace
) -> None:
    account = make_account(workspace, imap_enabled=True, imap_host="imap.tokohero.test", imap_password="p")
    EmailAccount.objects.filter(pk=account.pk).update(
        last_poll_error="[AUTHENTICATIONFAILED] Authentication failed."
    )
    page = client_as(owner).get(f"{BASE}{account.inbox_id}/", headers=EN).content.decode()
    assert "[AUTHENTICATIONFAILED] Authentication failed." in page


@pytest.mark.parametrize("role", [Role.AGENT, Role.SALES, Role.VIEWER])
def test_only_inbox_managers_reach_the_pages(
    client_as: Callable[[User], Client], make_member: Callable[..., User], workspace: Workspace, role: str
) -> None:
    account = make_account(workspace)
    client = client_as(make_member(workspace, role))
    for method, path in [
        ("get", BASE + "baru/"),
        ("post", BASE + "baru/"),
        ("get", f"{BASE}{account.inbox_id}/"),
        ("post", f"{BASE}{account.inbox_id}/uji-koneksi/"),
        ("post", f"{BASE}{account.inbox_id}/rahasia-baru/"),
        ("post", f"{BASE}{account.inbox_id}/ambil-surat/"),
    ]:
        response = getattr(client, method)(path, _form() if method == "post" else None, headers=EN)
        assert response.status_code == 403, (method, path)
    account.refresh_from_db()
    assert account.webhook_secret == "rahasia-webhook"
    assert Inbox.objects.count() == 1


def test_other_workspaces_inbox_is_not_found(
    client_as: Callable[[User], Client], owner: User, outsider: User, other_workspace: Workspace
) -> None:
    theirs = make_account(other_workspace, address="halo@sebelah.test")
    client = client_as(owner)
    assert client.get(f"{BASE}{theirs.inbox_id}/", headers=EN).status_code == 404
    assert client.post(f"{BASE}{theirs.inbox_id}/rahasia-baru/", headers=EN).status_code == 404
    assert client.post(f"{BASE}{theirs.inbox_id}/uji-koneksi/", headers=EN).status_code == 404
    # Nor through their workspace's address, which the owner is no member of.
    assert client.get(f"/w/sebelah/pengaturan/kotak-masuk/email/{theirs.inbox_id}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.webhook_secret == "rahasia-webhook"


# API ---------------------------------------------------------------------------------------


def _api_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "CS E-mail",
        "address": "cs@tokohero.test",
        "smtp_host": "smtp.tokohero.test",
        "smtp_username": "cs@tokohero.test",
        "smtp_password": "sandi-smtp",
        "imap_host": "imap.tokohero.test",
    }
    body.update(overrides)
    return body


def test_api_create_patch_and_read(
    api_as: Callable[[User, Workspace], Any], owner: User, workspace: Workspace
) -> None:
    api = api_as(owner, workspace)
    response = api.post("/api/v1/email-inboxes", _api_body(member_ids=[owner.pk]))
    assert response.status_code == 201, response.content
    created = response.json()
    inbox = Inbox.objects.get(pk=created["id"])
    assert created["webhook_secret"] == inbox.email_account.webhook_secret
    assert created["channel_type"] == "email"
    assert created["member_ids"] == [owner.pk]
    email = created["email"]
    assert email["address"] == "cs@tokohero.test"
    assert email["smtp_password_saved"] is True
    assert email["imap_password_saved"] is True
    assert email["webhook_url"].endswith(f"/webhooks/email/{inbox.pk}/")
    assert "sandi-smtp" not in response.content.decode()

    listed = api.get("/api/v1/inboxes").json()
    (item,) = listed
    assert item["email"]["address"] == "cs@tokohero.test"
    assert "webhook_secret" not in item
    assert "sandi-smtp" not in str(listed)
    assert inbox.email_account.webhook_secret not in str(listed)

    response = api.patch(f"/api/v1/email-inboxes/{inbox.pk}", {"display_name": "Toko Hero", "smtp_port": 465})
    assert response.status_code == 200, response.content
    assert response.json()["email"]["smtp_port"] == 465
    inbox.email_account.refresh_from_db()
    assert inbox.email_account.smtp_password == "sandi-smtp"
    assert inbox.email_account.display_name == "Toko Hero"

    response = api.post(f"/api/v1/email-inboxes/{inbox.pk}/webhook-secret")
    assert response.status_code == 200
    inbox.email_account.refresh_from_db()
    assert (
        response.json()["webhook_secret"] == inbox.email_account.webhook_secret != created["webhook_secret"]
    )


def test_api_validation_errors(
    api_as: Callable[[User, Workspace], Any], owner: User, workspace: Workspace
) -> None:
    response = api_as(owner, workspace).post(
        "/api/v1/email-inboxes", _api_body(address="bukan", smtp_port=0, smtp_password=None)
    )
    assert response.status_code == 400
    assert {"address", "smtp_port", "smtp_password"} <= set(response.json()["fields"])
    assert not Inbox.objects.exists()


def test_api_connection_test(
    api_as: Callable[[User, Workspace], Any],
    owner: User,
    workspace: Workspace,
    smtp_server: SmtpServer,
    dovecot: Dovecot,
) -> None:
    account = make_account(workspace, smtp=smtp_server, dovecot=dovecot, imap_user=dovecot.new_user())
    response = api_as(owner, workspace).post(f"/api/v1/email-inboxes/{account.inbox_id}/test")
    assert response.status_code == 200
    result = response.json()
    assert result["ok"] is True
    assert result["smtp"]["ok"] is True
    assert result["imap"]["ok"] is True
    assert result["imap"]["messages"] == 0
    assert IMAP_PASSWORD not in response.content.decode()


def test_api_permissions_and_isolation(
    api_as: Callable[[User, Workspace], Any],
    make_member: Callable[..., User],
    owner: User,
    workspace: Workspace,
    other_workspace: Workspace,
) -> None:
    theirs = make_account(other_workspace, address="halo@sebelah.test")
    mine = make_account(workspace)
    agent_api = api_as(make_member(workspace, Role.AGENT), workspace)
    assert agent_api.post("/api/v1/email-inboxes", _api_body(name="X", address="x@t.test")).status_code == 403
    assert agent_api.patch(f"/api/v1/email-inboxes/{mine.inbox_id}", {"name": "X"}).status_code == 403
    assert agent_api.post(f"/api/v1/email-inboxes/{mine.inbox_id}/webhook-secret").status_code == 403
    owner_api = api_as(owner, workspace)
    assert owner_api.patch(f"/api/v1/email-inboxes/{theirs.inbox_id}", {"name": "X"}).status_code == 404
    assert owner_api.post(f"/api/v1/email-inboxes/{theirs.inbox_id}/webhook-secret").status_code == 404
    assert owner_api.post(f"/api/v1/email-inboxes/{theirs.inbox_id}/test").status_code == 404
    theirs.refresh_from_db()
    assert theirs.inbox.name == "CS E-mail"
    assert theirs.webhook_secret == "rahasia-webhook"
