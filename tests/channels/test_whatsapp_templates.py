"""Templates sync from the fake Graph API's paged list, and the templates API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.channels.whatsapp.models import WhatsAppAccount, WhatsAppTemplate
from relasi.channels.whatsapp.templates_sync import templates_sync
from relasi.conversations.enums import ChannelType
from relasi.conversations.models import Inbox
from tests.channels.conftest import PHONE_NUMBER_ID, TOKEN, WABA_ID, FakeGraphHandle

URL = "/api/v1/whatsapp-templates"


def _account(
    workspace: Workspace, base_url: str, phone_number_id: str = PHONE_NUMBER_ID, token: str = TOKEN
) -> WhatsAppAccount:
    inbox = Inbox.objects.create(
        workspace=workspace, name=f"WA {phone_number_id}", channel_type=ChannelType.WHATSAPP
    )
    return WhatsAppAccount.objects.create(
        inbox=inbox,
        phone_number_id=phone_number_id,
        business_account_id=WABA_ID,
        access_token=token,
        app_secret="s",
        verify_token="v",
        api_base_url=base_url,
    )


@pytest.fixture
def account(workspace: Workspace, fake_graph: FakeGraphHandle) -> WhatsAppAccount:
    return _account(workspace, fake_graph.base_url)


@pytest.mark.django_db
def test_sync_reads_every_page_and_upserts(account: WhatsAppAccount, fake_graph: FakeGraphHandle) -> None:
    fake_graph.fake.config.templates_page_size = 2  # five templates → three pages
    assert templates_sync(account=account) == 5
    rows = {(t.name, t.language): t for t in WhatsAppTemplate.objects.filter(account=account)}
    assert len(rows) == 5
    invoice = rows[("pengingat_invoice", "id")]
    assert (invoice.category, invoice.status, invoice.external_id) == (
        "UTILITY",
        "APPROVED",
        "900000000000001",
    )
    assert invoice.components[0]["text"].startswith("Halo {{1}}")
    assert rows[("konfirmasi_pesanan", "id")].status == "PENDING"
    # Meta approves one and drops another: the next sync follows, nothing duplicated.
    fake_graph.fake.config.templates[4]["status"] = "APPROVED"
    del fake_graph.fake.config.templates[3]
    assert templates_sync(account=account) == 4
    assert WhatsAppTemplate.objects.filter(account=account).count() == 5
    assert WhatsAppTemplate.objects.get(account=account, name="konfirmasi_pesanan").status == "APPROVED"
    assert WhatsAppTemplate.objects.get(account=account, name="promo_akhir_tahun").status == "DELETED"


@pytest.mark.django_db
def test_api_sync_then_list(
    account: WhatsAppAccount, owner: User, workspace: Workspace, api_as: Callable[..., Any]
) -> None:
    api = api_as(owner, workspace)
    response = api.post(f"{URL}/sync", {"inbox": account.inbox_id})
    assert response.status_code == 200, response.content
    assert response.json() == {"synced": 5}
    with CaptureQueriesContext(connection) as queries:
        response = api.get(URL, {"inbox": account.inbox_id, "status": "approved", "limit": 2})
    assert response.status_code == 200
    body = response.json()
    assert len(body["items"]) == 2
    assert body["next"]
    assert all(
        item["status"] == "APPROVED" and item["inbox_id"] == account.inbox_id for item in body["items"]
    )
    assert len(queries) <= 5  # token + membership, ids, rows with the account: no N+1
    rest = api.get(URL, {"inbox": account.inbox_id, "status": "approved", "cursor": body["next"]}).json()
    assert len(body["items"]) + len(rest["items"]) == 4


@pytest.mark.django_db
def test_api_graph_error_is_502_with_message(
    workspace: Workspace, owner: User, fake_graph: FakeGraphHandle, api_as: Callable[..., Any]
) -> None:
    account = _account(workspace, fake_graph.base_url, token="revoked")
    response = api_as(owner, workspace).post(
        f"{URL}/sync", {"inbox": account.inbox_id}, **{"Accept-Language": "en"}
    )
    assert response.status_code == 502
    assert "WhatsApp did not give the templates" in response.json()["message"]
    assert WhatsAppTemplate.objects.count() == 0


@pytest.mark.django_db
def test_agent_may_list_but_not_sync(
    account: WhatsAppAccount,
    workspace: Workspace,
    make_member: Callable[..., User],
    api_as: Callable[..., Any],
) -> None:
    agent = make_member(workspace, Role.AGENT)
    api = api_as(agent, workspace)
    assert api.post(f"{URL}/sync", {"inbox": account.inbox_id}).status_code == 403
    assert WhatsAppTemplate.objects.count() == 0
    assert api.get(URL).status_code == 200


@pytest.mark.django_db
def test_other_workspace_sees_nothing_and_cannot_sync(
    account: WhatsAppAccount, outsider: User, other_workspace: Workspace, api_as: Callable[..., Any]
) -> None:
    templates_sync(account=account)
    api = api_as(outsider, other_workspace)
    assert api.post(f"{URL}/sync", {"inbox": account.inbox_id}).status_code == 404
    assert api.get(URL, {"inbox": account.inbox_id}).json()["items"] == []
    assert api.get(URL).json()["items"] == []


@pytest.mark.django_db
def test_sync_without_inbox_is_400_naming_the_field(
    account: WhatsAppAccount, owner: User, workspace: Workspace, api_as: Callable[..., Any]
) -> None:
    response = api_as(owner, workspace).post(f"{URL}/sync", {}, **{"Accept-Language": "en"})
    assert response.status_code in (400, 422)
    assert "inbox" in response.json()["fields"]
