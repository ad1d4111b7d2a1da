"""``/api/v1/invoices`` and ``/api/v1/credit-notes``: create, issue, void, tax number,
Coretax XML, credit notes; permissions, isolation, bad input, list query count."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.contacts.enums import BuyerType
from relasi.contacts.models import Contact
from relasi.sales.enums import InvoiceStatus, OrderStatus
from relasi.sales.models import CreditNote, Invoice, Product, SalesOrder, SalesProfile
from tests.sales.test_invoices_services import draft, issued

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}


@pytest.fixture
def api(owner: User, workspace: Workspace, api_as: Callable[..., Any]) -> Any:
    return api_as(owner, workspace)


def _create_body(contact: Contact, **extra: Any) -> dict[str, Any]:
    return {
        "contact_id": contact.pk,
        "issue_date": "2026-11-20",
        "payment_terms_days": 30,
        "customer_po_number": "PO-1",
        "shipping_cost": "50000.00",
        "lines": [{"description": "Parsel", "quantity": "2", "unit_price": "9900000.00"}],
        **extra,
    }


def test_create_issue_and_read(api: Any, profile: SalesProfile, buyer: Contact) -> None:
    created = api.post("/api/v1/invoices", _create_body(buyer))
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == "draft"
    assert body["number"] == ""
    assert body["net_total"] == "19850000.00"
    assert body["lines"][0]["unit_price"] == "9900000.00"
    issued_response = api.post(f"/api/v1/invoices/{body['id']}/issue")
    assert issued_response.status_code == 200
    data = issued_response.json()
    assert data["number"] == "INV/0001/XI/2026"
    assert data["status"] == "unpaid"
    assert data["due_date"] == "2026-12-20"
    # 19.800.000 + 50.000 shipping: PPN = ⌊11% × 19.850.000⌋ = 2.183.500
    assert data["ppn_total"] == "2183500.00"
    assert data["balance_due"] == "22033500.00"
    assert data["transaction_code"] == "04"
    assert len(data["warnings"]) == 1  # an individual with neither NPWP nor NIK: a warning, not a block
    got = api.get(f"/api/v1/invoices/{body['id']}").json()
    assert got["number"] == "INV/0001/XI/2026"
    assert got["display_status"] in ("unpaid", "overdue")


def test_issue_warns_about_a_missing_npwp(api: Any, profile: SalesProfile, workspace: Workspace) -> None:
    from relasi.contacts.models import Company

    company = Company.objects.create(workspace=workspace, name="PT Tanpa NPWP")
    contact = Contact.objects.create(
        workspace=workspace, full_name="Sari", company=company, buyer_type=BuyerType.ID_ENTITY
    )
    invoice = draft(workspace, contact)
    response = api.post(f"/api/v1/invoices/{invoice.pk}/issue", **EN)
    assert response.status_code == 200
    assert any("NPWP" in w for w in response.json()["warnings"])


def test_create_from_a_sales_order_once(
    api: Any, profile: SalesProfile, workspace: Workspace, buyer: Contact
) -> None:
    order = SalesOrder.objects.create(
        workspace=workspace,
        number="SO/0001/XI/2026",
        contact=buyer,
        buyer_name="Budi",
        customer_po_number="PO-9",
    )
    order.lines.create(position=1, description="Parsel", quantity=Decimal("1"), unit_price=Decimal("1000000"))
    response = api.post("/api/v1/invoices", {"sales_order": order.pk})
    assert response.status_code == 201
    assert response.json()["sales_order_id"] == order.pk
    assert response.json()["customer_po_number"] == "PO-9"
    order.refresh_from_db()
    assert order.status == OrderStatus.INVOICED
    again = api.post("/api/v1/invoices", {"sales_order": order.pk}, **EN)
    assert again.status_code == 409
    assert "already been invoiced" in again.json()["message"]
    assert api.post("/api/v1/invoices", {"sales_order": 999999}).status_code == 404


def test_bad_input_names_the_fields_and_writes_nothing(
    api: Any, profile: SalesProfile, buyer: Contact
) -> None:
    body = _create_body(
        buyer,
        shipping_cost="1.250.000,00",
        lines=[{"description": "", "quantity": "abc", "unit_price": "1.000.000"}],
    )
    response = api.post("/api/v1/invoices", body, **EN)
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert {"shipping_cost", "lines.1.description", "lines.1.quantity", "lines.1.unit_price"} <= set(fields)
    assert "decimal string" in fields["shipping_cost"]
    assert Invoice.objects.count() == 0


def test_patch_a_draft_then_409_once_issued(
    api: Any, profile: SalesProfile, workspace: Workspace, buyer: Contact
) -> None:
    invoice = draft(workspace, buyer)
    patched = api.patch(f"/api/v1/invoices/{invoice.pk}", {"notes": "Kirim Senin", "payment_terms_days": 7})
    assert patched.status_code == 200
    assert patched.json()["notes"] == "Kirim Senin"
    assert patched.json()["due_date"] == "2026-11-27"
    api.post(f"/api/v1/invoices/{invoice.pk}/issue")
    refused = api.patch(f"/api/v1/invoices/{invoice.pk}", {"notes": "x"}, **EN)
    assert refused.status_code == 409
    assert "credit note" in refused.json()["message"]


def test_void_needs_a_reason(api: Any, profile: SalesProfile, workspace: Workspace, buyer: Contact) -> None:
    invoice = issued(workspace, buyer)
    missing = api.post(f"/api/v1/invoices/{invoice.pk}/void", {"reason": ""}, **EN)
    assert missing.status_code == 400
    assert "reason" in missing.json()["fields"]
    done = api.post(f"/api/v1/invoices/{invoice.pk}/void", {"reason": "Salah harga"})
    assert done.status_code == 200
    assert done.json()["status"] == "void"
    assert done.json()["number"] == invoice.number


def test_list_filters_overdue_and_customer_with_a_fixed_query_count(
    api: Any, profile: SalesProfile, workspace: Workspace, buyer: Contact
) -> None:
    other = Contact.objects.create(workspace=workspace, full_name="Sari")
    late = issued(workspace, buyer, issue_date=dt.date(2026, 1, 5))  # due 19 Jan 2026: overdue
    issued(workspace, other, issue_date=dt.date(2026, 11, 20))
    draft(workspace, buyer)
    overdue = api.get("/api/v1/invoices", {"status": "overdue"}).json()
    assert [i["id"] for i in overdue["items"]] == [late.pk]
    assert overdue["items"][0]["display_status"] == "overdue"
    assert len(api.get("/api/v1/invoices", {"contact": buyer.pk}).json()["items"]) == 2
    with CaptureQueriesContext(connection) as few:
        assert api.get("/api/v1/invoices").status_code == 200
    for _ in range(5):
        issued(workspace, other)
    with CaptureQueriesContext(connection) as many:
        response = api.get("/api/v1/invoices")
    assert len(response.json()["items"]) == 8
    assert len(many) == len(few)


def test_list_pages_with_a_cursor(
    api: Any, profile: SalesProfile, workspace: Workspace, buyer: Contact
) -> None:
    for _ in range(3):
        draft(workspace, buyer)
    first = api.get("/api/v1/invoices", {"limit": 2}).json()
    assert len(first["items"]) == 2
    assert first["next"]
    second = api.get("/api/v1/invoices", {"limit": 2, "cursor": first["next"]}).json()
    assert len(second["items"]) == 1
    assert second["next"] is None


def test_a_sales_role_cannot_issue_void_or_credit(
    profile: SalesProfile, workspace: Workspace, buyer: Contact, make_member: Callable[..., User], api_as: Any
) -> None:
    seller = api_as(make_member(workspace, Role.SALES), workspace)
    invoice = draft(workspace, buyer)
    assert seller.post(f"/api/v1/invoices/{invoice.pk}/issue").status_code == 403
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.DRAFT
    assert invoice.number == ""
    done = issued(workspace, buyer)
    assert seller.post(f"/api/v1/invoices/{done.pk}/void", {"reason": "x"}).status_code == 403
    assert (
        seller.post("/api/v1/credit-notes", {"invoice": done.pk, "reason": "x", "full": True}).status_code
        == 403
    )
    assert seller.get(f"/api/v1/invoices/coretax.xml?ids={done.pk}").status_code == 403
    assert CreditNote.objects.count() == 0
    assert Invoice.objects.get(pk=done.pk).status == InvoiceStatus.UNPAID
    viewer = api_as(make_member(workspace, Role.VIEWER), workspace)
    assert viewer.post("/api/v1/invoices", _create_body(buyer)).status_code == 403
    assert viewer.get("/api/v1/invoices").status_code == 200


def test_another_workspaces_invoices_are_not_found(
    profile: SalesProfile,
    workspace: Workspace,
    buyer: Contact,
    outsider: User,
    other_workspace: Workspace,
    api_as: Any,
) -> None:
    invoice = issued(workspace, buyer)
    stranger = api_as(outsider, other_workspace)
    assert stranger.get(f"/api/v1/invoices/{invoice.pk}").status_code == 404
    assert stranger.patch(f"/api/v1/invoices/{invoice.pk}", {"notes": "x"}).status_code == 404
    assert stranger.post(f"/api/v1/invoices/{invoice.pk}/void", {"reason": "x"}).status_code == 404
    assert (
        stranger.post(
            "/api/v1/credit-notes", {"invoice": invoice.pk, "full": True, "reason": "x"}
        ).status_code
        == 404
    )
    assert stranger.get("/api/v1/invoices").json()["items"] == []
    created = stranger.post("/api/v1/invoices", _create_body(buyer), **EN)
    assert created.status_code == 400
    assert "contact" in created.json()["fields"]


def test_tax_number_and_coretax_xml(
    api: Any, profile: SalesProfile, workspace: Workspace, product: Product
) -> None:
    contact = Contact.objects.create(
        workspace=workspace, full_name="Budi", npwp="0013121660091001", buyer_type=BuyerType.ID_INDIVIDUAL
    )
    invoice = issued(workspace, contact, lines=[{"product": product.pk, "quantity": "1"}])
    xml = api.get(f"/api/v1/invoices/coretax.xml?ids={invoice.pk}")
    assert xml.status_code == 200
    assert xml["Content-Type"].startswith("application/xml")
    parsed = ET.fromstring(xml.content)  # noqa: S314 - our own output
    assert parsed.findtext("ListOfTaxInvoice/TaxInvoice/RefDesc") == invoice.number
    bad = api.post(f"/api/v1/invoices/{invoice.pk}/tax-number", {"tax_invoice_number": "123"}, **EN)
    assert bad.status_code == 400
    assert "tax_invoice_number" in bad.json()["fields"]
    good = api.post(f"/api/v1/invoices/{invoice.pk}/tax-number", {"tax_invoice_number": "04002600000000123"})
    assert good.status_code == 200
    assert good.json()["tax_invoice_status"] == "approved"
    assert api.get("/api/v1/invoices/coretax.xml?ids=abc").status_code == 400


def test_coretax_xml_refused_for_non_pkp(
    api: Any, non_pkp_profile: SalesProfile, workspace: Workspace, buyer: Contact
) -> None:
    invoice = issued(workspace, buyer)
    response = api.get(f"/api/v1/invoices/coretax.xml?ids={invoice.pk}", **EN)
    assert response.status_code == 409
    assert "PKP" in response.json()["message"]


def test_credit_notes_api(api: Any, profile: SalesProfile, workspace: Workspace, buyer: Contact) -> None:
    invoice = issued(
        workspace, buyer, lines=[{"description": "Parsel", "quantity": "10", "unit_price": "100.000"}]
    )
    line_id = invoice.lines.get().pk
    over = api.post(
        "/api/v1/credit-notes",
        {"invoice": invoice.pk, "reason": "Retur", "lines": [{"invoice_line_id": line_id, "quantity": "11"}]},
        **EN,
    )
    assert over.status_code == 400
    assert "lines.1.quantity" in over.json()["fields"]
    created = api.post(
        "/api/v1/credit-notes",
        {
            "invoice": invoice.pk,
            "reason": "Retur",
            "lines": [{"invoice_line_id": line_id, "quantity": "2.5"}],
        },
    )
    assert created.status_code == 201
    note = created.json()
    assert note["number"] == "CN/0001/XI/2026"
    assert note["grand_total"] == "277500.00"  # 250.000 + 11% effective
    assert note["lines"][0]["quantity"] == "2.5"
    assert api.get(f"/api/v1/invoices/{invoice.pk}").json()["balance_due"] == "832500.00"
    assert api.get(f"/api/v1/credit-notes/{note['id']}").json()["invoice_id"] == invoice.pk
    listing = api.get("/api/v1/credit-notes", {"invoice": invoice.pk}).json()
    assert [n["id"] for n in listing["items"]] == [note["id"]]


def test_invoice_pdf(api: Any, profile: SalesProfile, workspace: Workspace, buyer: Contact) -> None:
    invoice = issued(workspace, buyer)
    response = api.get(f"/api/v1/invoices/{invoice.pk}/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
