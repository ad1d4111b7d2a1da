"""Invoice services against the rules: PPN of the issue date (R5–R6), numbering (R9), buyer
copied at issue, deposits carried, balance and status, void, order → invoice once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from relasi.accounts.models import User, Workspace
from relasi.contacts.enums import BuyerType
from relasi.contacts.models import Company, Contact
from relasi.core.exceptions import Conflict, ValidationError
from relasi.sales.enums import DocumentEventKind, InvoiceStatus, OrderStatus, TaxTreatment
from relasi.sales.models import DocumentEvent, Invoice, Payment, Product, Quotation, SalesOrder, SalesProfile
from relasi.sales.services_invoices import (
    invoice_balance_refresh,
    invoice_create,
    invoice_create_from_order,
    invoice_issue,
    invoice_issue_warnings,
    invoice_update,
    invoice_void,
)

D = Decimal


def draft(
    workspace: Workspace,
    contact: Contact,
    *,
    lines: list[dict[str, Any]] | None = None,
    issue_date: dt.date | None = None,
    actor: User | None = None,
    **values: Any,
) -> Invoice:
    """A draft invoice through the service (Indonesian money as typed on the form)."""
    return invoice_create(
        workspace=workspace,
        actor=actor,
        values={"contact": contact.pk, "issue_date": issue_date or dt.date(2026, 11, 20), **values},
        lines=lines or [{"description": "Parsel Lebaran", "quantity": "1", "unit_price": "1.000.000"}],
    )


def issued(workspace: Workspace, contact: Contact, **kwargs: Any) -> Invoice:
    invoice = draft(workspace, contact, **kwargs)
    return invoice_issue(invoice=invoice, actor=None)


@pytest.mark.django_db
def test_rp1_000_000_non_luxury_for_a_pkp_seller_in_2026_gives_ppn_rp110_000(
    profile: SalesProfile, workspace: Workspace, buyer: Contact, owner: User
) -> None:
    invoice = issued(workspace, buyer)
    assert invoice.ppn_total == D("110000")  # 12% × 11/12 × 1.000.000, not 109.999 (R6)
    assert invoice.other_base_total == D("916666.67")
    assert invoice.grand_total == D("1110000")
    assert invoice.ppn_rate == D("12")
    assert invoice.transaction_code == "04"


@pytest.mark.django_db
def test_reference_example_rp19_800_000(profile: SalesProfile, workspace: Workspace, buyer: Contact) -> None:
    invoice = issued(
        workspace, buyer, lines=[{"description": "Barang", "quantity": "1", "unit_price": "19.800.000"}]
    )
    assert invoice.net_total == D("19800000")
    assert invoice.other_base_total == D("18150000")
    assert invoice.ppn_total == D("2178000")
    assert invoice.grand_total == D("21978000")


@pytest.mark.django_db
def test_luxury_line_dated_march_2026_pays_12_percent_of_full_price(
    profile: SalesProfile, workspace: Workspace, buyer: Contact
) -> None:
    invoice = issued(
        workspace,
        buyer,
        issue_date=dt.date(2026, 3, 1),
        lines=[
            {"description": "Mobil", "quantity": "1", "unit_price": "1.000.000", "tax_treatment": "luxury"}
        ],
    )
    assert invoice.ppn_total == D("120000")
    assert invoice.transaction_code == "01"


@pytest.mark.django_db
def test_invoice_dated_2024_pays_11_percent_of_full_price(
    profile: SalesProfile, workspace: Workspace, buyer: Contact
) -> None:
    invoice = issued(workspace, buyer, issue_date=dt.date(2024, 6, 10))
    assert invoice.ppn_rate == D("11")
    assert invoice.ppn_total == D("110000")
    assert invoice.other_base_total == D("1000000")  # full price is the base before 2025


@pytest.mark.django_db
def test_non_pkp_seller_never_charges_ppn(
    non_pkp_profile: SalesProfile, workspace: Workspace, buyer: Contact
) -> None:
    invoice = issued(workspace, buyer, shipping_cost="50.000")
    assert invoice.tax_applied is False
    assert invoice.ppn_total == 0
    assert all(line.ppn == 0 for line in invoice.lines.all())
    assert invoice.grand_total == D("1050000")


@pytest.mark.django_db
def test_issue_uses_the_rule_of_the_issue_date_not_the_draft_date(
    profile: SalesProfile, workspace: Workspace, buyer: Contact
) -> None:
    invoice = draft(workspace, buyer, issue_date=dt.date(2024, 12, 30))
    assert invoice.ppn_rate == D("11")
    invoice_update(invoice=invoice, actor=None, values={"issue_date": dt.date(2026, 11, 20)})
    invoice = invoice_issue(invoice=invoice, actor=None)
    assert invoice.ppn_rate == D("12")
    assert invoice.ppn_total == D("110000")


@pytest.mark.django_db
def test_issue_numbers_dates_and_fixes_the_buyer(
    profile: SalesProfile, workspace: Workspace, buyer: Contact, owner: User
) -> None:
    invoice = draft(workspace, buyer, payment_terms_days="30", issue_date=dt.date(2026, 11, 20))
    assert invoice.number == ""
    buyer.full_name = "Budi Santoso Wijaya"
    buyer.save()
    invoice = invoice_issue(invoice=invoice, actor=owner)
    assert invoice.number == "INV/0001/XI/2026"
    assert invoice.status == InvoiceStatus.UNPAID
    assert invoice.due_date == dt.date(2026, 12, 20)
    assert invoice.buyer_name == "Budi Santoso Wijaya"
    assert invoice.issued_by == owner
    assert invoice.issued_at is not None
    kinds = set(DocumentEvent.objects.filter(document_id=invoice.pk).values_list("kind", flat=True))
    assert {DocumentEventKind.CREATED, DocumentEventKind.ISSUED} <= kinds
    # the buyer changes later: the issued invoice does not
    buyer.full_name = "Someone Else"
    buyer.save()
    invoice.refresh_from_db()
    assert invoice.buyer_name == "Budi Santoso Wijaya"


@pytest.mark.django_db
def test_lines_copy_the_product_at_creation(
    profile: SalesProfile, workspace: Workspace, buyer: Contact, product: Product
) -> None:
    invoice = draft(workspace, buyer, lines=[{"product": product.pk, "quantity": "2"}])
    product.name = "Renamed"
    product.price = D("5")
    product.save()
    invoice = invoice_issue(invoice=invoice, actor=None)
    line = invoice.lines.get()
    assert (line.description, line.unit, line.unit_price) == ("Parsel Lebaran Premium", "paket", D("1000000"))
    assert line.djp_code == "000000"


@pytest.mark.django_db
def test_issuing_twice_is_refused(profile: SalesProfile, workspace: Workspace, buyer: Contact) -> None:
    invoice = issued(workspace, buyer)
    with pytest.raises(Conflict):
        invoice_issue(invoice=invoice, actor=None)


@pytest.mark.django_db
def test_pkp_warns_when_an_indonesian_entity_has_no_npwp(profile: SalesProfile, workspace: Workspace) -> None:
    company = Company.objects.create(workspace=workspace, name="PT Maju Jaya")
    contact = Contact.objects.create(
        workspace=workspace, full_name="Sari", company=company, buyer_type=BuyerType.ID_ENTITY
    )
    invoice = draft(workspace, contact)
    warnings = invoice_issue_warnings(invoice=invoice)
    assert any("NPWP" in w for w in warnings)
    invoice = invoice_issue(invoice=invoice, actor=None)  # a warning, not a block
    assert invoice.buyer_name == "PT Maju Jaya"
    company.npwp = "0013121660091000"
    company.save()
    assert invoice_issue_warnings(invoice=draft(workspace, contact)) == []


@pytest.mark.django_db
def test_create_refuses_bad_input_naming_the_fields(
    profile: SalesProfile, workspace: Workspace, buyer: Contact, other_workspace: Workspace
) -> None:
    stranger = Contact.objects.create(workspace=other_workspace, full_name="Orang Lain")
    with pytest.raises(ValidationError) as caught:
        invoice_create(
            workspace=workspace,
            actor=None,
            values={"contact": stranger.pk, "payment_terms_days": "-3", "shipping_cost": "12.5"},
            lines=[{"description": "", "quantity": "0", "unit_price": "abc"}],
        )
    assert {
        "contact",
        "payment_terms_days",
        "shipping_cost",
        "lines.1.description",
        "lines.1.quantity",
    } <= set(caught.value.fields)
    assert Invoice.objects.count() == 0


@pytest.mark.django_db
def test_update_changes_a_draft_but_never_an_issued_invoice(
    profile: SalesProfile, workspace: Workspace, buyer: Contact
) -> None:
    invoice = draft(workspace, buyer)
    invoice = invoice_update(
        invoice=invoice,
        actor=None,
        values={"notes": "Kirim Senin"},
        lines=[{"description": "Parsel", "quantity": "3", "unit_price": "100.000"}],
    )
    assert invoice.notes == "Kirim Senin"
    assert invoice.net_total == D("300000")
    invoice = invoice_issue(invoice=invoice, actor=None)
    with pytest.raises(Conflict) as caught:
        invoice_update(invoice=invoice, actor=None, values={"notes": "changed"})
    assert "credit note" in str(caught.value.message)
    invoice.refresh_from_db()
    assert invoice.notes == "Kirim Senin"


def _order(workspace: Workspace, buyer: Contact, *, quotation: Quotation | None = None) -> SalesOrder:
    order = SalesOrder.objects.create(
        workspace=workspace,
        number="SO/0001/XI/2026",
        contact=buyer,
        buyer_name="Budi Santoso",
        quotation=quotation,
        customer_po_number="PO-77",
        payment_terms_days=7,
        shipping_cost=D("20000"),
    )
    order.lines.create(
        position=1,
        description="Parsel",
        quantity=D("2"),
        unit="paket",
        unit_price=D("500000"),
        net=D("1000000"),
    )
    return order


def _quotation(workspace: Workspace, buyer: Contact) -> Quotation:
    return Quotation.objects.create(
        workspace=workspace,
        number="PI/0001/XI/2026",
        contact=buyer,
        buyer_name="Budi",
        valid_until=dt.date(2026, 12, 31),
        public_token="q-token",
    )


@pytest.mark.django_db
def test_invoice_from_order_copies_it_and_an_order_invoices_once(
    profile: SalesProfile, workspace: Workspace, buyer: Contact
) -> None:
    quotation = _quotation(workspace, buyer)
    order = _order(workspace, buyer, quotation=quotation)
    invoice = invoice_create_from_order(order=order, actor=None)
    assert invoice.status == InvoiceStatus.DRAFT
    assert invoice.sales_order == order
    assert invoice.quotation == quotation
    assert invoice.customer_po_number == "PO-77"
    assert invoice.payment_terms_days == 7
    assert invoice.net_total == D("1020000")  # 2 × 500.000 + shipping 20.000
    assert invoice.ppn_total == D("112200")  # 11% effective of 1.020.000
    order.refresh_from_db()
    assert order.status == OrderStatus.INVOICED
    with pytest.raises(Conflict):
        invoice_create_from_order(order=order, actor=None)
    assert Invoice.objects.count() == 1


@pytest.mark.django_db
def test_deposits_on_the_proforma_are_carried_at_issue(
    profile: SalesProfile, workspace: Workspace, buyer: Contact
) -> None:
    quotation = _quotation(workspace, buyer)
    deposit = Payment.objects.create(
        workspace=workspace, contact=buyer, quotation=quotation, amount=D("300000"), method="bank_transfer"
    )
    Payment.objects.create(
        workspace=workspace,
        contact=buyer,
        quotation=quotation,
        amount=D("999"),
        method="cash",
        cancelled_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
    )
    invoice = invoice_create_from_order(order=_order(workspace, buyer, quotation=quotation), actor=None)
    invoice = invoice_issue(invoice=invoice, actor=None)
    deposit.refresh_from_db()
    assert deposit.invoice_id == invoice.pk
    assert invoice.amount_paid == D("300000")
    assert invoice.status == InvoiceStatus.PARTIALLY_PAID
    assert invoice.balance_due == D("1132200") - D("300000")


@pytest.mark.django_db
def test_balance_refresh_moves_between_unpaid_partly_paid_and_paid(
    profile: SalesProfile, workspace: Workspace, buyer: Contact
) -> None:
    invoice = issued(workspace, buyer)  # total 1.110.000
    payment = Payment.objects.create(
        workspace=workspace, contact=buyer, invoice=invoice, amount=D("1000000"), method="cash"
    )
    invoice_balance_refresh(invoice=invoice)
    assert invoice.status == InvoiceStatus.PARTIALLY_PAID
    assert invoice.balance_due == D("110000")
    Payment.objects.create(
        workspace=workspace, contact=buyer, invoice=invoice, amount=D("110000"), method="cash"
    )
    invoice_balance_refresh(invoice=invoice)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert invoice.balance_due == 0
    Payment.objects.filter(pk=payment.pk).update(cancelled_at=dt.datetime(2026, 11, 21, tzinfo=dt.UTC))
    invoice_balance_refresh(invoice=invoice)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PARTIALLY_PAID
    assert invoice.amount_paid == D("110000")


@pytest.mark.django_db
def test_balance_refresh_leaves_drafts_alone(
    profile: SalesProfile, workspace: Workspace, buyer: Contact
) -> None:
    invoice = draft(workspace, buyer)
    invoice_balance_refresh(invoice=invoice)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.DRAFT


@pytest.mark.django_db
def test_void_needs_a_reason_and_no_payments_and_keeps_the_number(
    profile: SalesProfile, workspace: Workspace, buyer: Contact, owner: User
) -> None:
    invoice = issued(workspace, buyer)
    with pytest.raises(ValidationError) as caught:
        invoice_void(invoice=invoice, actor=owner, reason="  ")
    assert "reason" in caught.value.fields
    payment = Payment.objects.create(
        workspace=workspace, contact=buyer, invoice=invoice, amount=D("1000"), method="cash"
    )
    with pytest.raises(Conflict) as conflict:
        invoice_void(invoice=invoice, actor=owner, reason="Salah harga")
    assert "cancel the payments first or issue a credit note" in str(conflict.value.message)
    Payment.objects.filter(pk=payment.pk).update(cancelled_at=dt.datetime(2026, 11, 21, tzinfo=dt.UTC))
    invoice = invoice_void(invoice=invoice, actor=owner, reason="Salah harga")
    assert invoice.status == InvoiceStatus.VOID
    assert invoice.number == "INV/0001/XI/2026"
    assert invoice.void_reason == "Salah harga"
    assert invoice.voided_by == owner
    # the next invoice does not reuse the number
    assert issued(workspace, buyer).number == "INV/0002/XI/2026"
    with pytest.raises(Conflict):
        invoice_void(invoice=invoice, actor=owner, reason="again")


@pytest.mark.django_db
def test_voiding_an_order_invoice_lets_the_order_be_invoiced_again(
    profile: SalesProfile, workspace: Workspace, buyer: Contact
) -> None:
    order = _order(workspace, buyer)
    invoice = invoice_issue(invoice=invoice_create_from_order(order=order, actor=None), actor=None)
    invoice_void(invoice=invoice, actor=None, reason="Pesanan diubah")
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED
    assert invoice_create_from_order(order=order, actor=None).sales_order == order


@pytest.mark.django_db
def test_exempt_lines_pay_no_ppn_and_use_code_08(
    profile: SalesProfile, workspace: Workspace, buyer: Contact
) -> None:
    invoice = issued(
        workspace,
        buyer,
        lines=[
            {
                "description": "Buku",
                "quantity": "1",
                "unit_price": "100.000",
                "tax_treatment": TaxTreatment.EXEMPT,
            }
        ],
    )
    assert invoice.ppn_total == 0
    assert invoice.transaction_code == "08"
