"""``/api/v1/quotations`` and ``/api/v1/sales-orders``: shapes, actions, errors, permissions,
isolation and query counts."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.contacts.models import Contact
from relasi.sales.enums import QuotationStatus
from relasi.sales.models import DocumentEvent, Quotation, SalesOrder, SalesProfile
from relasi.sales.services_quotations import quotation_create

LINE = {"description": "Parsel Lebaran Premium", "quantity": "1", "unit_price": "1000000.00"}
URL = "/api/v1/quotations"


@pytest.fixture
def api(owner: User, workspace: Workspace, api_as: Callable[..., Any], profile: SalesProfile) -> Any:
    return api_as(owner, workspace)


def create(api: Any, buyer: Contact, **extra: Any) -> Any:
    return api.post(URL, {"contact_id": buyer.pk, "lines": [LINE], **extra})


def test_create_and_get_with_lines_and_decimal_strings(api: Any, buyer: Contact) -> None:
    response = create(api, buyer, kind="proforma", deposit_kind="percent", deposit_value="30")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"] == body["number"]
    assert body["number"].startswith("PI/0001/")
    assert (body["ppn_total"], body["grand_total"], body["deposit_amount"]) == (
        "110000.00",
        "1110000.00",
        "333000.00",
    )
    assert body["status"] == "draft"
    assert body["version"] == 1
    assert body["public_url"].endswith(f"/d/penawaran/{Quotation.objects.get().public_token}/")
    assert body["lines"][0]["quantity"] == "1"
    assert body["lines"][0]["unit_price"] == "1000000.00"
    got = api.get(f"{URL}/{body['id']}").json()
    assert got["grand_total"] == "1110000.00"
    assert len(got["lines"]) == 1


def test_negative_quantity_is_a_400_naming_the_field(api: Any, buyer: Contact) -> None:
    response = api.post(
        URL, {"contact_id": buyer.pk, "lines": [{**LINE, "quantity": "-2"}]}, **{"Accept-Language": "en"}
    )
    assert response.status_code == 400
    assert "lines.1.quantity" in response.json()["fields"]
    assert not Quotation.objects.exists()


def test_indonesian_grouping_is_refused_in_the_api(api: Any, buyer: Contact) -> None:
    response = api.post(URL, {"contact_id": buyer.pk, "lines": [{**LINE, "unit_price": "1.000.000"}]})
    assert response.status_code == 400
    assert "lines.1.unit_price" in response.json()["fields"]


def test_patch_a_draft_then_refuse_after_sending(api: Any, buyer: Contact) -> None:
    qid = create(api, buyer).json()["id"]
    response = api.patch(f"{URL}/{qid}", {"shipping_cost": "100000.00"})
    assert response.status_code == 200
    assert response.json()["grand_total"] == "1221000.00"
    assert response.json()["lines"][0]["description"] == "Parsel Lebaran Premium"  # lines kept
    assert api.post(f"{URL}/{qid}/send", {"channel": "link"}).status_code == 200
    assert api.patch(f"{URL}/{qid}", {"notes": "x"}).status_code == 409


def test_send_channels(api: Any, buyer: Contact, django_capture_on_commit_callbacks: Any) -> None:
    qid = create(api, buyer).json()["id"]
    whatsapp = api.post(f"{URL}/{qid}/send", {"channel": "whatsapp"}).json()
    assert whatsapp["status"] == "sent"
    assert whatsapp["whatsapp_url"].startswith("https://wa.me/6281234567890?text=")
    with django_capture_on_commit_callbacks(execute=True):
        email = api.post(f"{URL}/{qid}/send", {"channel": "email"})
    assert email.status_code == 200
    assert len(mail.outbox) == 1
    assert whatsapp["public_url"] in mail.outbox[0].body
    bad = api.post(f"{URL}/{qid}/send", {"channel": "fax"})
    assert bad.status_code == 400
    assert "channel" in bad.json()["fields"]


def test_full_flow_accept_convert_twice_is_409(api: Any, buyer: Contact) -> None:
    qid = create(api, buyer).json()["id"]
    api.post(f"{URL}/{qid}/send", {"channel": "link"})
    accepted = api.post(f"{URL}/{qid}/accept", {"name": "Budi Santoso", "po_number": "PO-1"})
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "accepted"
    order = api.post(f"{URL}/{qid}/convert")
    assert order.status_code == 201
    body = order.json()
    assert body["number"].startswith("SO/0001/")
    assert body["grand_total"] == "1110000.00"
    assert body["customer_po_number"] == "PO-1"
    assert body["quotation_id"] == qid
    assert len(body["lines"]) == 1
    again = api.post(f"{URL}/{qid}/convert")
    assert again.status_code == 409
    assert again.json()["code"] == "already_converted"
    assert SalesOrder.objects.count() == 1
    assert api.get(f"/api/v1/sales-orders/{body['id']}").json()["number"] == body["number"]


def test_revise_decline_cancel(api: Any, buyer: Contact) -> None:
    qid = create(api, buyer).json()["id"]
    api.post(f"{URL}/{qid}/send", {"channel": "link"})
    declined = api.post(f"{URL}/{qid}/decline", {"reason": "Mahal"})
    assert declined.json()["status"] == "declined"
    assert declined.json()["decline_reason"] == "Mahal"
    revised = api.post(f"{URL}/{qid}/revise")
    assert (revised.json()["status"], revised.json()["version"]) == ("draft", 2)
    cancelled = api.post(f"{URL}/{qid}/cancel")
    assert cancelled.json()["status"] == "cancelled"
    assert api.post(f"{URL}/{qid}/accept", {"name": "X"}).status_code == 409


def test_list_filters_and_query_count(
    api: Any, workspace: Workspace, owner: User, buyer: Contact, django_assert_max_num_queries: Any
) -> None:
    api.get(URL)  # the token's last-used update happens on the first call
    for _ in range(12):
        quotation_create(
            workspace=workspace,
            actor=owner,
            values={"contact": buyer.pk, "kind": "proforma"},
            lines=[{**LINE, "unit_price": "1000000"}],
        )
    with django_assert_max_num_queries(5):
        response = api.get(URL, {"limit": 10})
    body = response.json()
    assert len(body["items"]) == 10
    assert body["next"]
    assert body["items"][0]["grand_total"] == "1110000.00"
    rest = api.get(URL, {"limit": 10, "cursor": body["next"]}).json()
    assert len(rest["items"]) == 2
    assert rest["next"] is None
    assert api.get(URL, {"status": "sent"}).json()["items"] == []
    assert len(api.get(URL, {"kind": "proforma", "contact_id": buyer.pk}).json()["items"]) == 12


def test_sales_order_list_query_count(api: Any, buyer: Contact, django_assert_max_num_queries: Any) -> None:
    api.get("/api/v1/sales-orders")
    for _ in range(5):
        assert api.post("/api/v1/sales-orders", {"contact_id": buyer.pk, "lines": [LINE]}).status_code == 201
    with django_assert_max_num_queries(5):
        response = api.get("/api/v1/sales-orders")
    assert len(response.json()["items"]) == 5


def test_agent_may_read_but_not_write(
    workspace: Workspace, owner: User, buyer: Contact, profile: SalesProfile, make_member: Any, api_as: Any
) -> None:
    agent = make_member(workspace, Role.AGENT)
    api = api_as(agent, workspace)
    assert api.get(URL).status_code == 200
    response = api.post(URL, {"contact_id": buyer.pk, "lines": [LINE]})
    assert response.status_code == 403
    assert not Quotation.objects.exists()
    quotation = quotation_create(
        workspace=workspace,
        actor=owner,
        values={"contact": buyer.pk},
        lines=[{**LINE, "unit_price": "1000000"}],
    )
    before = DocumentEvent.objects.count()
    assert api.post(f"{URL}/{quotation.pk}/send", {"channel": "link"}).status_code == 403
    assert api.post("/api/v1/sales-orders", {"contact_id": buyer.pk, "lines": [LINE]}).status_code == 403
    quotation.refresh_from_db()
    assert quotation.status == QuotationStatus.DRAFT
    assert DocumentEvent.objects.count() == before
    assert not SalesOrder.objects.exists()


def test_another_workspaces_quotation_is_404(
    workspace: Workspace,
    owner: User,
    buyer: Contact,
    profile: SalesProfile,
    outsider: User,
    other_workspace: Workspace,
    api_as: Any,
) -> None:
    quotation = quotation_create(
        workspace=workspace,
        actor=owner,
        values={"contact": buyer.pk},
        lines=[{**LINE, "unit_price": "1000000"}],
    )
    api = api_as(outsider, other_workspace)
    assert api.get(f"{URL}/{quotation.pk}").status_code == 404
    assert api.patch(f"{URL}/{quotation.pk}", {"notes": "x"}).status_code == 404
    assert api.post(f"{URL}/{quotation.pk}/send", {"channel": "link"}).status_code == 404
    assert api.post(f"{URL}/{quotation.pk}/cancel").status_code == 404
    assert api.get(URL).json()["items"] == []
    # nor can the buyer of another workspace be used
    response = api.post(URL, {"contact_id": buyer.pk, "lines": [LINE]})
    assert response.status_code == 400
    assert "contact" in response.json()["fields"]
    quotation.refresh_from_db()
    assert quotation.status == QuotationStatus.DRAFT
    assert quotation.notes == ""


def test_sales_order_cancel(api: Any, buyer: Contact) -> None:
    order = api.post(
        "/api/v1/sales-orders", {"contact_id": buyer.pk, "lines": [LINE], "customer_po_number": "PO-9"}
    ).json()
    assert order["grand_total"] == "1110000.00"
    assert order["number"].startswith("SO/")
    response = api.post(f"/api/v1/sales-orders/{order['id']}/cancel")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert api.post(f"/api/v1/sales-orders/{order['id']}/cancel").status_code == 409
    assert Decimal(order["ppn_total"]) == Decimal("110000")


def test_pdf_of_a_quotation_and_an_order(
    api: Any, buyer: Contact, other_workspace: Workspace, outsider: User, api_as: Any
) -> None:
    qid = create(api, buyer).json()["id"]
    response = api.get(f"{URL}/{qid}/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    oid = api.post("/api/v1/sales-orders", {"contact_id": buyer.pk, "lines": [LINE]}).json()["id"]
    assert api.get(f"/api/v1/sales-orders/{oid}/pdf").status_code == 200
    stranger = api_as(outsider, other_workspace)
    assert stranger.get(f"{URL}/{qid}/pdf").status_code == 404
    assert stranger.get(f"/api/v1/sales-orders/{oid}/pdf").status_code == 404
