"""Credit notes: part or all of an issued invoice, priced with the invoice's own PPN, never
more than remains per line, numbered from the CN series, balance refreshed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from relasi.accounts.models import Workspace
from relasi.contacts.models import Contact
from relasi.core.exceptions import Conflict, ValidationError
from relasi.sales.enums import DocumentEventKind, DocumentType, InvoiceStatus
from relasi.sales.models import CreditNote, DocumentEvent, Invoice, SalesProfile
from relasi.sales.services_credit_notes import credit_note_create
from relasi.sales.services_invoices import invoice_void
from tests.sales.test_invoices_services import draft, issued

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def invoice(profile: SalesProfile, workspace: Workspace, buyer: Contact) -> Invoice:
    """Two lines: 10 × Rp100.000 and 1 × Rp19.800.000, dated 2026 (PPN 12% × 11/12)."""
    return issued(
        workspace,
        buyer,
        lines=[
            {"description": "Parsel kecil", "quantity": "10", "unit_price": "100.000"},
            {"description": "Parsel besar", "quantity": "1", "unit_price": "19.800.000"},
        ],
    )


def test_partial_credit_reduces_the_balance(invoice: Invoice) -> None:
    assert invoice.grand_total == D("1110000") + D("21978000")
    small = invoice.lines.get(position=1)
    note = credit_note_create(
        invoice=invoice,
        actor=None,
        reason="Retur 4 parsel",
        lines=[{"invoice_line_id": small.pk, "quantity": "4"}],
    )
    assert note.number == "CN/0001/XI/2026"
    assert note.net_total == D("400000")
    assert note.ppn_total == D("44000")  # 11% effective of 400.000
    assert note.grand_total == D("444000")
    invoice.refresh_from_db()
    assert invoice.amount_credited == D("444000")
    assert invoice.balance_due == D("23088000") - D("444000")
    assert invoice.status == InvoiceStatus.PARTIALLY_PAID
    assert DocumentEvent.objects.filter(
        document_type=DocumentType.INVOICE, document_id=invoice.pk, kind=DocumentEventKind.CREDITED
    ).exists()
    assert DocumentEvent.objects.filter(
        document_type=DocumentType.CREDIT_NOTE, document_id=note.pk, kind=DocumentEventKind.CREATED
    ).exists()


def test_over_credit_is_refused_naming_the_field(invoice: Invoice) -> None:
    small = invoice.lines.get(position=1)
    big = invoice.lines.get(position=2)
    credit_note_create(
        invoice=invoice, actor=None, reason="Retur", lines=[{"invoice_line_id": small.pk, "quantity": "8"}]
    )
    with pytest.raises(ValidationError) as caught:
        credit_note_create(
            invoice=invoice,
            actor=None,
            reason="Retur lagi",
            lines=[
                {"invoice_line_id": big.pk, "quantity": "1"},
                {"invoice_line_id": small.pk, "quantity": "3"},
            ],
        )
    assert set(caught.value.fields) == {"lines.2.quantity"}
    assert "2" in str(caught.value.fields["lines.2.quantity"])  # at most 2 remain
    assert CreditNote.objects.count() == 1


def test_bad_input_is_refused(invoice: Invoice) -> None:
    small = invoice.lines.get(position=1)
    with pytest.raises(ValidationError) as caught:
        credit_note_create(
            invoice=invoice,
            actor=None,
            reason=" ",
            lines=[
                {"invoice_line_id": 999999, "quantity": "1"},
                {"invoice_line_id": small.pk, "quantity": "-1"},
            ],
        )
    assert {"reason", "lines.1.invoice_line_id", "lines.2.quantity"} <= set(caught.value.fields)
    with pytest.raises(ValidationError) as empty:
        credit_note_create(invoice=invoice, actor=None, reason="x", lines=[])
    assert "lines" in empty.value.fields
    assert CreditNote.objects.count() == 0


def test_full_credit_settles_the_invoice_and_then_nothing_remains(invoice: Invoice) -> None:
    small = invoice.lines.get(position=1)
    credit_note_create(
        invoice=invoice, actor=None, reason="Retur", lines=[{"invoice_line_id": small.pk, "quantity": "2"}]
    )
    rest = credit_note_create(invoice=invoice, actor=None, reason="Batal semua", full=True)
    assert rest.number == "CN/0002/XI/2026"
    invoice.refresh_from_db()
    assert invoice.amount_credited == invoice.grand_total
    assert invoice.status == InvoiceStatus.PAID
    assert invoice.balance_due == 0
    with pytest.raises(Conflict):
        credit_note_create(invoice=invoice, actor=None, reason="Lagi", full=True)


def test_credit_uses_the_invoice_rate_not_today(
    profile: SalesProfile, workspace: Workspace, buyer: Contact
) -> None:
    old = issued(workspace, buyer, issue_date=dt.date(2024, 6, 10))  # 11% of the full price
    line = old.lines.get()
    note = credit_note_create(
        invoice=old, actor=None, reason="Retur", lines=[{"invoice_line_id": line.pk, "quantity": "0.5"}]
    )
    assert note.ppn_rate == D("11")
    assert note.other_base_total == D("500000")
    assert note.ppn_total == D("55000")


def test_shipping_is_credited_by_a_full_credit(
    profile: SalesProfile, workspace: Workspace, buyer: Contact
) -> None:
    invoice = issued(workspace, buyer, shipping_cost="100.000")
    note = credit_note_create(invoice=invoice, actor=None, reason="Batal", full=True)
    assert note.grand_total == invoice.grand_total == D("1221000")


def test_drafts_and_void_invoices_cannot_be_credited(
    profile: SalesProfile, workspace: Workspace, buyer: Contact
) -> None:
    with pytest.raises(Conflict):
        credit_note_create(invoice=draft(workspace, buyer), actor=None, reason="x", full=True)
    voided = invoice_void(invoice=issued(workspace, buyer), actor=None, reason="Salah")
    with pytest.raises(Conflict):
        credit_note_create(invoice=voided, actor=None, reason="x", full=True)


def test_non_pkp_credit_note_has_no_ppn(
    non_pkp_profile: SalesProfile, workspace: Workspace, buyer: Contact
) -> None:
    invoice = issued(workspace, buyer)
    note = credit_note_create(invoice=invoice, actor=None, reason="Retur", full=True)
    assert note.ppn_total == 0
    assert note.grand_total == D("1000000")
