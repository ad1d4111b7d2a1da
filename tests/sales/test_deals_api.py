"""``/api/v1/deals``: create, list (cursor, filters, fixed query count), get with the next
activity, patch, move, delete, statistics; bad input, permissions, isolation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.contacts.models import Contact
from relasi.sales.models import Activity, Deal, DealStageChange
from relasi.sales.services_deals import deal_create
from tests.factories import ContactFactory

ApiAs = Callable[..., Any]
EN = {"Accept-Language": "en"}


def _deal(
    workspace: Workspace, owner: User, contact: Contact, title: str = "Parsel", value: str = "1000000"
) -> Deal:
    return deal_create(
        workspace=workspace,
        actor=owner,
        values={"title": title, "contact_id": contact.pk, "value": Decimal(value)},
    )


def test_create_get_patch_move_delete(
    api_as: ApiAs, owner: User, workspace: Workspace, buyer: Contact
) -> None:
    api = api_as(owner, workspace)

    created = api.post(
        "/api/v1/deals",
        {
            "title": "Seragam 100 pcs",
            "contact_id": buyer.pk,
            "value": "19800000.00",
            "expected_close_date": "2025-06-30",
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["value"], body["probability"], body["stage"], body["owner_id"]) == (
        "19800000.00",
        10,
        "lead",
        owner.pk,
    )
    assert body["weighted_value"] == "1980000.00"  # 19.800.000 × 10 %
    assert body["contact_name"] == "Budi Santoso"
    deal_id = body["id"]

    patched = api.patch(f"/api/v1/deals/{deal_id}", {"probability": 35, "notes": "Minta contoh"})
    assert (patched.status_code, patched.json()["probability"], patched.json()["notes"]) == (
        200,
        35,
        "Minta contoh",
    )

    moved = api.post(
        f"/api/v1/deals/{deal_id}/move", {"stage": "won", "reason": "Harga cocok", "note": "PO masuk"}
    )
    assert moved.status_code == 200
    assert (moved.json()["stage"], moved.json()["close_reason"], moved.json()["probability"]) == (
        "won",
        "Harga cocok",
        100,
    )
    assert moved.json()["closed_at"] is not None

    assert api.delete(f"/api/v1/deals/{deal_id}").status_code == 204
    assert api.get(f"/api/v1/deals/{deal_id}").status_code == 404


def test_get_includes_the_next_activity(
    api_as: ApiAs, owner: User, workspace: Workspace, buyer: Contact
) -> None:
    deal = _deal(workspace, owner, buyer)
    due = timezone.now() + dt.timedelta(days=1)
    Activity.objects.create(
        workspace=workspace, kind="call", subject="Telepon Pak Budi", deal=deal, owner=owner, due_at=due
    )

    body = api_as(owner, workspace).get(f"/api/v1/deals/{deal.pk}").json()

    assert body["next_activity"]["subject"] == "Telepon Pak Budi"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"value": "1,250.000"}, "value"),
        ({"value": "1.250.000,00"}, "value"),
        ({"value": "-5"}, "value"),
        ({"probability": 150}, "probability"),
        ({"title": ""}, "title"),
        ({"stage": "won"}, "stage"),
        ({"expected_close_date": "30 Juni"}, "expected_close_date"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(
    api_as: ApiAs, owner: User, workspace: Workspace, buyer: Contact, payload: dict[str, Any], field: str
) -> None:
    data = {"title": "Seragam", "contact_id": buyer.pk, "value": "1000000.00", **payload}

    response = api_as(owner, workspace).post("/api/v1/deals", data, **EN)

    assert response.status_code == 400, response.content
    assert field in response.json()["fields"]
    assert not Deal.objects.exists()


def test_move_to_lost_without_reason_is_400_naming_reason(
    api_as: ApiAs, owner: User, workspace: Workspace, buyer: Contact
) -> None:
    deal = _deal(workspace, owner, buyer)

    response = api_as(owner, workspace).post(f"/api/v1/deals/{deal.pk}/move", {"stage": "lost"}, **EN)

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["reason"]
    assert "lost" in response.json()["fields"]["reason"]
    deal.refresh_from_db()
    assert deal.stage == "lead"
    assert DealStageChange.objects.filter(deal=deal).count() == 1


def test_list_filters_and_pages(
    api_as: ApiAs, owner: User, workspace: Workspace, buyer: Contact, make_member: Callable[..., User]
) -> None:
    sales = make_member(workspace, Role.SALES)
    other = ContactFactory(workspace=workspace)
    first = _deal(workspace, owner, buyer, "A")
    second = _deal(workspace, sales, other, "B")
    third = _deal(workspace, owner, buyer, "C")
    api = api_as(owner, workspace)
    api.post(f"/api/v1/deals/{third.pk}/move", {"stage": "proposal"})

    assert [d["title"] for d in api.get("/api/v1/deals").json()["items"]] == ["C", "B", "A"]
    assert [d["title"] for d in api.get("/api/v1/deals", {"stage": "proposal"}).json()["items"]] == ["C"]
    assert [d["title"] for d in api.get("/api/v1/deals", {"owner": "me"}).json()["items"]] == ["C", "A"]
    assert [d["title"] for d in api.get("/api/v1/deals", {"owner": sales.pk}).json()["items"]] == ["B"]
    assert [d["id"] for d in api.get("/api/v1/deals", {"contact": other.pk}).json()["items"]] == [second.pk]
    page = api.get("/api/v1/deals", {"limit": 2}).json()
    rest = api.get("/api/v1/deals", {"limit": 2, "cursor": page["next"]}).json()
    assert [d["id"] for d in rest["items"]] == [first.pk]
    assert rest["next"] is None
    assert api.get("/api/v1/deals", {"stage": "closed"}, **EN).status_code == 400


def test_list_query_count_does_not_grow_with_rows(
    api_as: ApiAs, owner: User, workspace: Workspace, buyer: Contact, django_assert_max_num_queries: Any
) -> None:
    api = api_as(owner, workspace)
    for index in range(12):
        deal = _deal(workspace, owner, ContactFactory(workspace=workspace), f"Deal {index}")
        Activity.objects.create(
            workspace=workspace, kind="call", subject="x", deal=deal, owner=owner, due_at=timezone.now()
        )

    with django_assert_max_num_queries(6):  # token, membership, touch; page ids; the rows
        response = api.get("/api/v1/deals")

    assert len(response.json()["items"]) == 12


def test_stats_endpoint(api_as: ApiAs, owner: User, workspace: Workspace, buyer: Contact) -> None:
    api = api_as(owner, workspace)
    deal = _deal(workspace, owner, buyer, value="5000000")
    api.post(f"/api/v1/deals/{deal.pk}/move", {"stage": "won"})
    lost = _deal(workspace, owner, buyer)
    api.post(f"/api/v1/deals/{lost.pk}/move", {"stage": "lost", "reason": "Mahal"})

    body = api.get("/api/v1/deals/stats").json()

    assert (body["won"], body["lost"], body["win_rate_percent"], body["won_value"]) == (
        1,
        1,
        "50.0",
        "5000000.00",
    )
    assert body["lost_reasons"] == [{"reason": "Mahal", "count": 1}]
    lead = next(c for c in body["conversions"] if c["stage"] == "lead")
    assert (lead["entered"], lead["advanced"], lead["rate_percent"]) == (2, 1, "50.0")
    past = api.get("/api/v1/deals/stats", {"from": "2020-01-01", "to": "2020-01-31"}).json()
    assert (past["won"], past["date_from"]) == (0, "2020-01-01")


def test_viewer_cannot_write(
    api_as: ApiAs, workspace: Workspace, owner: User, buyer: Contact, make_member: Callable[..., User]
) -> None:
    deal = _deal(workspace, owner, buyer)
    api = api_as(make_member(workspace, Role.VIEWER), workspace)

    assert api.get("/api/v1/deals").status_code == 200
    assert api.post(f"/api/v1/deals/{deal.pk}/move", {"stage": "won"}).status_code == 403
    assert api.post("/api/v1/deals", {"title": "X", "contact_id": buyer.pk, "value": "1"}).status_code == 403
    assert api.patch(f"/api/v1/deals/{deal.pk}", {"title": "Y"}).status_code == 403
    assert api.delete(f"/api/v1/deals/{deal.pk}").status_code == 403
    deal.refresh_from_db()
    assert (deal.stage, deal.title, Deal.objects.count()) == ("lead", "Parsel", 1)


def test_other_workspace_is_invisible(
    api_as: ApiAs,
    workspace: Workspace,
    owner: User,
    buyer: Contact,
    other_workspace: Workspace,
    outsider: User,
) -> None:
    deal = _deal(workspace, owner, buyer)
    api = api_as(outsider, other_workspace)

    assert api.get(f"/api/v1/deals/{deal.pk}").status_code == 404
    assert api.patch(f"/api/v1/deals/{deal.pk}", {"title": "Y"}).status_code == 404
    assert api.post(f"/api/v1/deals/{deal.pk}/move", {"stage": "won"}).status_code == 404
    assert api.delete(f"/api/v1/deals/{deal.pk}").status_code == 404
    assert api.get("/api/v1/deals").json()["items"] == []
    # and another workspace's customer or member cannot be used
    created = api.post(
        "/api/v1/deals", {"title": "X", "contact_id": buyer.pk, "value": "1", "owner_id": owner.pk}
    )
    assert created.status_code == 400
    assert set(created.json()["fields"]) == {"contact_id", "owner_id"}
    deal.refresh_from_db()
    assert (deal.stage, Deal.objects.count()) == ("lead", 1)
