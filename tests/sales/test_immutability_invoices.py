"""An issued invoice cannot be changed through any path: service, API, web page, admin,
``save()``, raw ``QuerySet.update()`` and line inserts/updates (the database trigger).
The columns that may change after issue (payment state, tax number) still do."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import DatabaseError, transaction
from django.test import Client
from django.urls import reverse

from relasi.accounts.models import User, Workspace
from relasi.contacts.models import Contact
from relasi.core.exceptions import Conflict
from relasi.sales.enums import InvoiceStatus, TaxInvoiceStatus
from relasi.sales.models import CreditNote, ImmutableDocumentError, Invoice, InvoiceLine, SalesProfile
from relasi.sales.services_credit_notes import credit_note_create
from relasi.sales.services_invoices import invoice_update
from tests.sales.test_invoices_services import issued

pytestmark = pytest.mark.django_db


def _unchanged(invoice: Invoice) -> None:
    fresh = Invoice.objects.get(pk=invoice.pk)
    assert fresh.notes == invoice.notes
    assert fresh.grand_total == invoice.grand_total
    assert fresh.buyer_name == invoice.buyer_name
    assert [(line.description, line.quantity) for line in fresh.lines.all()] == [
        (line.description, line.quantity) for line in invoice.lines.all()
    ]


@pytest.fixture
def invoice(profile: SalesProfile, workspace: Workspace, buyer: Contact) -> Invoice:
    return issued(workspace, buyer, notes="Asli")


def test_service_refuses(invoice: Invoice) -> None:
    with pytest.raises(Conflict) as caught:
        invoice_update(
            invoice=invoice,
            actor=None,
            values={"notes": "Diubah"},
            lines=[{"description": "X", "quantity": "1", "unit_price": "1"}],
        )
    assert "credit note" in str(caught.value.message)
    _unchanged(invoice)


def test_api_patch_is_409_with_a_clear_message(
    invoice: Invoice, owner: User, workspace: Workspace, api_as: Callable[..., object]
) -> None:
    api = api_as(owner, workspace)
    response = api.patch(  # type: ignore[attr-defined]
        f"/api/v1/invoices/{invoice.pk}", {"notes": "Diubah"}, **{"Accept-Language": "en"}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "invoice_issued"
    assert "can no longer be changed" in response.json()["message"]
    _unchanged(invoice)


def test_web_edit_post_is_refused(
    invoice: Invoice, owner: User, workspace: Workspace, client_as: Callable[[User], Client]
) -> None:
    client = client_as(owner)
    url = reverse("sales:invoice_edit", args=[workspace.slug, invoice.pk])
    response = client.post(
        url,
        {
            "contact": str(invoice.contact_id),
            "notes": "Diubah",
            "lines-count": "1",
            "lines-0-description": "X",
            "lines-0-quantity": "5",
            "lines-0-unit_price": "1",
        },
    )
    assert response.status_code == 303
    assert response["Location"] == reverse("sales:invoice_detail", args=[workspace.slug, invoice.pk])
    _unchanged(invoice)
    assert client.get(url).status_code == 302  # no edit form for an issued invoice


def test_admin_change_form_is_refused(invoice: Invoice, make_member: Callable[..., User]) -> None:
    operator = User.objects.create_superuser(email="ops@relasi.test", password="x-very-secret-1")
    client = Client()
    client.force_login(operator)
    url = reverse("admin:sales_invoice_change", args=[invoice.pk])
    page = client.get(url)
    assert page.status_code == 200  # view only
    assert b'name="notes"' not in page.content
    response = client.post(url, {"notes": "Diubah", "grand_total": "1", "buyer_name": "X"})
    assert response.status_code == 403
    delete = client.post(reverse("admin:sales_invoice_delete", args=[invoice.pk]), {"post": "yes"})
    assert delete.status_code == 403
    _unchanged(invoice)
    assert Invoice.objects.filter(pk=invoice.pk).exists()


def test_admin_may_still_change_a_draft(profile: SalesProfile, workspace: Workspace, buyer: Contact) -> None:
    from tests.sales.test_invoices_services import draft

    operator = User.objects.create_superuser(email="ops2@relasi.test", password="x-very-secret-1")
    client = Client()
    client.force_login(operator)
    page = client.get(reverse("admin:sales_invoice_change", args=[draft(workspace, buyer).pk]))
    assert b'name="notes"' in page.content


def test_model_save_refuses(invoice: Invoice) -> None:
    invoice.notes = "Diubah"
    with pytest.raises(ImmutableDocumentError):
        invoice.save()
    with pytest.raises(ImmutableDocumentError):
        invoice.save(update_fields=["notes"])
    invoice.refresh_from_db()
    assert invoice.notes == "Asli"


@pytest.mark.parametrize(
    "change",
    [
        {"notes": "Diubah"},
        {"grand_total": Decimal("1")},
        {"number": "INV/9999/XI/2026"},
        {"buyer_name": "Orang Lain"},
        {"issue_date": "2026-01-01"},
    ],
)
def test_raw_update_is_refused_by_the_trigger(invoice: Invoice, change: dict[str, object]) -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(**change)
    _unchanged(invoice)


def test_lines_cannot_be_updated_or_added(invoice: Invoice) -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        InvoiceLine.objects.filter(invoice=invoice).update(quantity=Decimal("99"))
    with pytest.raises(DatabaseError), transaction.atomic():
        InvoiceLine.objects.create(invoice=invoice, description="Selundupan", quantity=Decimal("1"))
    _unchanged(invoice)
    assert invoice.lines.count() == 1


def test_allowed_columns_still_change(invoice: Invoice) -> None:
    Invoice.objects.filter(pk=invoice.pk).update(
        amount_paid=Decimal("1000"),
        status=InvoiceStatus.PARTIALLY_PAID,
        tax_invoice_number="04002600000000001",
        tax_invoice_status=TaxInvoiceStatus.APPROVED,
    )
    fresh = Invoice.objects.get(pk=invoice.pk)
    assert fresh.amount_paid == Decimal("1000")
    assert fresh.tax_invoice_number == "04002600000000001"
    fresh.amount_paid = Decimal("2000")
    fresh.save(update_fields=["amount_paid", "updated_at"])  # allowed through save() too
    assert Invoice.objects.get(pk=invoice.pk).amount_paid == Decimal("2000")


def test_credit_notes_are_immutable(invoice: Invoice) -> None:
    note = credit_note_create(invoice=invoice, actor=None, reason="Retur", full=True)
    with pytest.raises(DatabaseError), transaction.atomic():
        CreditNote.objects.filter(pk=note.pk).update(grand_total=Decimal("1"))
    with pytest.raises(DatabaseError), transaction.atomic():
        note.lines.update(quantity=Decimal("5"))
    assert CreditNote.objects.get(pk=note.pk).grand_total == note.grand_total
