"""Inbox set-up pages and services: secrets write-only, verify token, webhook URL, audit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.channels.whatsapp.models import WhatsAppAccount
from relasi.conversations.models import Inbox, Label, QuickReply, Team
from relasi.core.models import AuditLog
from tests.conversations import make_inbox

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}
BASE = "/w/hero/pengaturan/kotak-masuk/"


def _form(**overrides: Any) -> dict[str, Any]:
    data = {
        "name": "CS WhatsApp",
        "phone_number_id": "106540352242922",
        "business_account_id": "102290129340398",
        "display_phone_number": "+62 811-2345-678",
        "access_token": "EAAG-rahasia-token",
        "app_secret": "super-app-secret",
        "verify_token": "",
        "api_base_url": "https://graph.facebook.com/v21.0",
        "messages_per_second": "80",
        "recipient_spacing_seconds": "6",
        "auto_assign": "on",
        "assignment_capacity": "3",
        "is_active": "on",
    }
    data.update(overrides)
    return data


def test_create_stores_secrets_encrypted_and_generates_a_verify_token(
    client_as: Callable[[User], Client], owner: User, workspace: Workspace
) -> None:
    response = client_as(owner).post(BASE + "baru/", _form(member_ids=[str(owner.pk)]), headers=EN)
    assert response.status_code == 302
    inbox = Inbox.objects.get(workspace=workspace)
    account = inbox.whatsapp_account
    assert account.access_token == "EAAG-rahasia-token"
    assert account.app_secret == "super-app-secret"
    assert len(account.verify_token) >= 24
    assert list(inbox.members.all()) == [owner]
    assert inbox.assignment_capacity == 3
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT access_token, app_secret FROM whatsapp_whatsappaccount WHERE id = %s", [account.pk]
        )
        raw = cursor.fetchone()
    assert "rahasia" not in raw[0]
    assert "super-app" not in raw[1]
    audit = AuditLog.objects.get(object_type="conversations.inbox")
    assert "rahasia" not in str(audit.changes)
    assert "super-app" not in str(audit.changes)
    assert account.verify_token not in str(audit.changes)


def test_edit_page_shows_webhook_and_token_never_the_secrets(
    client_as: Callable[[User], Client], owner: User, workspace: Workspace
) -> None:
    inbox = make_inbox(workspace)
    html = client_as(owner).get(f"{BASE}{inbox.pk}/", headers=EN).content.decode()
    from django.conf import settings

    assert f"{settings.RELASI_BASE_URL.rstrip('/')}/webhooks/whatsapp/{inbox.pk}/" in html
    assert "verif" in html
    assert "EAAG-token-rahasia" not in html
    assert "app-secret-rahasia" not in html
    assert "•••• tersimpan" in html  # the page is in the user's language, Indonesian


def test_secrets_left_blank_are_kept(
    client_as: Callable[[User], Client], owner: User, workspace: Workspace
) -> None:
    inbox = make_inbox(workspace)
    account = inbox.whatsapp_account
    data = _form(
        name="Baru",
        phone_number_id=account.phone_number_id,
        access_token="",
        app_secret="",
        verify_token=account.verify_token,
    )
    assert client_as(owner).post(f"{BASE}{inbox.pk}/", data, headers=EN).status_code == 302
    account.refresh_from_db()
    assert account.access_token == "EAAG-token-rahasia"
    assert account.app_secret == "app-secret-rahasia"
    data["access_token"] = "EAAG-baru"
    client_as(owner).post(f"{BASE}{inbox.pk}/", data, headers=EN)
    account.refresh_from_db()
    assert account.access_token == "EAAG-baru"
    audit = AuditLog.objects.filter(object_type="conversations.inbox").latest("id")
    assert audit.changes.get("access_token") == "changed"
    assert "EAAG-baru" not in str(audit.changes)


def test_bad_input_names_the_field_and_writes_nothing(
    client_as: Callable[[User], Client], owner: User, workspace: Workspace
) -> None:
    response = client_as(owner).post(BASE + "baru/", _form(phone_number_id="abc"), headers=EN)
    assert response.status_code == 400
    assert 'id="id_phone_number_id_error"' in response.content.decode()
    response = client_as(owner).post(BASE + "baru/", _form(access_token=""), headers=EN)
    assert response.status_code == 400
    assert 'id="id_access_token_error"' in response.content.decode()
    assert not Inbox.objects.exists()
    assert not WhatsAppAccount.objects.exists()


def test_agent_may_not_manage_inboxes(
    client_as: Callable[[User], Client], workspace: Workspace, make_member: Callable[..., User]
) -> None:
    agent = make_member(workspace, Role.AGENT)
    assert client_as(agent).post(BASE + "baru/", _form(), headers=EN).status_code == 403
    assert not Inbox.objects.exists()


def test_other_workspace_inbox_is_404(
    client_as: Callable[[User], Client], owner: User, other_workspace: Workspace
) -> None:
    inbox = make_inbox(other_workspace)
    assert client_as(owner).get(f"{BASE}{inbox.pk}/", headers=EN).status_code == 404


def test_test_connection_shows_metas_answer(
    client_as: Callable[[User], Client], owner: User, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    from relasi.channels.whatsapp import client as wa_client

    inbox = make_inbox(workspace)

    def ok(self: Any, phone_number_id: str) -> dict[str, Any]:
        assert self.access_token == "EAAG-token-rahasia"
        return {"verified_name": "Toko Hero", "display_phone_number": "+62 811", "quality_rating": "GREEN"}

    monkeypatch.setattr(wa_client.GraphClient, "phone_number_info", ok)
    html = client_as(owner).post(f"{BASE}{inbox.pk}/uji-koneksi/", headers=EN).content.decode()
    assert "Toko Hero" in html
    assert "GREEN" in html

    def fail(self: Any, phone_number_id: str) -> dict[str, Any]:
        raise wa_client.GraphApiError(
            code=190,
            title="OAuthException",
            message="Error validating access token",
            http_status=401,
            retryable=False,
        )

    monkeypatch.setattr(wa_client.GraphClient, "phone_number_info", fail)
    html = client_as(owner).post(f"{BASE}{inbox.pk}/uji-koneksi/", headers=EN).content.decode()
    assert "Error validating access token" in html


def test_quick_replies_labels_teams_crud(
    client_as: Callable[[User], Client], owner: User, workspace: Workspace
) -> None:
    c = client_as(owner)
    assert (
        c.post(
            "/w/hero/pengaturan/balasan-cepat/", {"shortcut": "/Salam", "body": "Halo {{first_name}}"}
        ).status_code
        == 302
    )
    qr = QuickReply.objects.get(workspace=workspace)
    assert qr.shortcut == "salam"
    dup = c.post("/w/hero/pengaturan/balasan-cepat/", {"shortcut": "salam", "body": "x"}, headers=EN)
    assert dup.status_code == 400
    assert QuickReply.objects.count() == 1
    c.post(f"/w/hero/pengaturan/balasan-cepat/{qr.pk}/", {"shortcut": "halo", "body": "Hai"})
    qr.refresh_from_db()
    assert qr.shortcut == "halo"
    c.post(f"/w/hero/pengaturan/balasan-cepat/{qr.pk}/hapus/")
    assert not QuickReply.objects.exists()
    assert c.post("/w/hero/pengaturan/label/", {"name": "VIP", "color": "#cf222e"}).status_code == 302
    assert Label.objects.get().color == "#cf222e"
    assert (
        c.post("/w/hero/pengaturan/tim/", {"name": "Gudang", "member_ids": [str(owner.pk)]}).status_code
        == 302
    )
    assert list(Team.objects.get().members.all()) == [owner]
    assert "Kotak masuk" in c.get("/w/hero/pengaturan/", headers=EN).content.decode()
