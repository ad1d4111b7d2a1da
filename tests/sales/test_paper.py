"""The paper templates and their context (``sales.paper``): what each document shows, by the
rules of reference/indonesia.md §1.7–1.11 (R1, R8, R10–R12, R14, R16, R34–R35).

Documents are made here directly with the models and ``documents.lines_store`` (the tiny
factory below), so these tests do not depend on the services of the other areas.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from relasi.accounts.models import Workspace
from relasi.contacts.models import Contact
from relasi.core.qris import qris_crc
from relasi.sales.documents import (
    LineData,
    buyer_snapshot,
    lines_store,
    public_token_new,
    totals_apply,
    totals_compute,
)
from relasi.sales.enums import (
    DepositKind,
    InvoiceStatus,
    PaymentMethod,
    QuotationKind,
    QuotationStatus,
)
from relasi.sales.models import (
    BankAccount,
    CreditNote,
    Invoice,
    Payment,
    Quotation,
    Receipt,
    SalesOrder,
    SalesProfile,
)
from relasi.sales.paper import paper_context, quantity_text
from relasi.sales.profile import sales_profile_get
from relasi.sales.tax import tax_rule_for

DAY = dt.date(2025, 1, 31)

# Factory ------------------------------------------------------------------------------------


def _lines(amounts: list[str] | None) -> list[LineData]:
    return [
        LineData(
            description=f"Parsel Lebaran {n}",
            quantity=Decimal("1"),
            unit="paket",
            unit_price=Decimal(amount),
        )
        for n, amount in enumerate(amounts or ["1000000"], start=1)
    ]


def make_invoice(
    workspace: Workspace,
    buyer: Contact,
    *,
    amounts: list[str] | None = None,
    status: str = InvoiceStatus.UNPAID,
    number: str = "INV/0001/I/2025",
    **extra: Any,
) -> Invoice:
    """An invoice priced under the workspace's current tax status, then moved to ``status``
    the way the services do (lines stored while a draft, then only mutable columns)."""
    profile = sales_profile_get(workspace=workspace)
    invoice = Invoice.objects.create(
        workspace=workspace,
        contact=buyer,
        number=number,
        issue_date=DAY,
        due_date=DAY + dt.timedelta(days=14),
        public_token=public_token_new(),
        **buyer_snapshot(buyer),
    )
    lines_store(document=invoice, lines=_lines(amounts), rule=tax_rule_for(profile=profile, day=DAY))
    for key, value in extra.items():
        setattr(invoice, key, value)
    invoice.save()
    if status != InvoiceStatus.DRAFT:
        invoice.status = status
        fields = ["status", "updated_at"]
        if status == InvoiceStatus.PAID:
            invoice.amount_paid = invoice.grand_total
            fields.append("amount_paid")
        invoice.save(update_fields=fields)
    return invoice


def make_quotation(
    workspace: Workspace,
    buyer: Contact,
    *,
    kind: str = QuotationKind.PROFORMA,
    status: str = QuotationStatus.SENT,
    amounts: list[str] | None = None,
    number: str = "PI/0001/I/2025",
    **extra: Any,
) -> Quotation:
    profile = sales_profile_get(workspace=workspace)
    quotation = Quotation.objects.create(
        workspace=workspace,
        contact=buyer,
        kind=kind,
        status=status,
        number=number,
        issue_date=DAY,
        valid_until=DAY + dt.timedelta(days=14),
        public_token=public_token_new(),
        **buyer_snapshot(buyer),
        **extra,
    )
    lines_store(document=quotation, lines=_lines(amounts), rule=tax_rule_for(profile=profile, day=DAY))
    quotation.save()
    return quotation


def make_sales_order(workspace: Workspace, buyer: Contact, **extra: Any) -> SalesOrder:
    profile = sales_profile_get(workspace=workspace)
    order = SalesOrder.objects.create(
        workspace=workspace,
        contact=buyer,
        number="SO/0001/I/2025",
        order_date=DAY,
        **buyer_snapshot(buyer),
        **extra,
    )
    lines_store(document=order, lines=_lines(None), rule=tax_rule_for(profile=profile, day=DAY))
    order.save()
    return order


def make_credit_note(invoice: Invoice, *, amount: str = "500000") -> CreditNote:
    """A credit note is immutable from its insert (trigger): totals are computed first."""
    profile = sales_profile_get(workspace=invoice.workspace)
    rule = tax_rule_for(profile=profile, day=DAY)
    lines = _lines([amount])
    note = CreditNote(
        workspace=invoice.workspace,
        contact=invoice.contact,
        number="CN/0001/I/2025",
        invoice=invoice,
        issue_date=DAY,
        reason="Dua paket rusak saat pengiriman",
        **{k: getattr(invoice, k) for k in buyer_snapshot(invoice.contact)},
    )
    totals_apply(
        document=note,
        totals=totals_compute(
            lines=lines, rule=rule, shipping=note.shipping_cost, other_costs=note.other_costs
        ),
        rule=rule,
    )
    note.save()
    lines_store(document=note, lines=lines, rule=rule)
    return note


def make_receipt(
    workspace: Workspace,
    buyer: Contact,
    *,
    amount: str = "21978000",
    words: str = "Dua puluh satu juta sembilan ratus tujuh puluh delapan ribu rupiah",
    stamp_duty_due: bool | None = None,
    number: str = "KW/0001/I/2025",
) -> Receipt:
    invoice = make_invoice(workspace, buyer, amounts=[amount], number=f"INV-{number}")
    payment = Payment.objects.create(
        workspace=workspace,
        contact=buyer,
        invoice=invoice,
        amount=Decimal(amount),
        paid_on=DAY,
        method=PaymentMethod.BANK_TRANSFER,
    )
    return Receipt.objects.create(
        workspace=workspace,
        number=number,
        payment=payment,
        contact=buyer,
        received_from=buyer.full_name,
        amount=Decimal(amount),
        amount_in_words=words,
        purpose=f"Pelunasan invoice {invoice.number}",
        place="Bandung",
        issue_date=DAY,
        signatory_name="Elok Pratiwi",
        stamp_duty_due=Decimal(amount) > Decimal("5000000") if stamp_duty_due is None else stamp_duty_due,
        stamp_duty_amount=Decimal("10000"),
        public_token=public_token_new(),
    )


def qris_payload() -> str:
    """A valid static QRIS (tag 01 = 11) with a correct CRC, for the QRIS tests."""

    def tlv(fields: list[tuple[str, str]]) -> str:
        return "".join(f"{tag}{len(value):02d}{value}" for tag, value in fields)

    merchant = tlv([("00", "ID.CO.QRIS.WWW"), ("02", "ID1020021123456"), ("03", "UMI")])
    fields = [
        ("00", "01"),
        ("01", "11"),
        ("51", merchant),
        ("52", "5947"),
        ("53", "360"),
        ("58", "ID"),
        ("59", "TOKO HADIAH HERO"),
        ("60", "BANDUNG"),
    ]
    body = tlv(fields) + "6304"
    return body + qris_crc(body)


def paper_html(document: Any, language: str = "id") -> str:
    with translation.override(language):
        context = paper_context(document=document)
        return render_to_string(context["paper_template"], context)


# Context ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_invoice_context_has_the_contract_keys(
    profile: SalesProfile, buyer: Contact, bank_account: BankAccount
) -> None:
    invoice = make_invoice(profile.workspace, buyer, amounts=["1000000", "250000"])

    context = paper_context(document=invoice)

    assert context["doc"] == invoice
    assert context["paper_template"] == "sales/paper/invoice.html"
    assert [line.description for line in context["lines"]] == ["Parsel Lebaran 1", "Parsel Lebaran 2"]
    assert context["profile"] == profile
    assert context["workspace"] == profile.workspace
    assert context["bank_accounts"] == [bank_account]
    assert context["qris_svg"] is None  # no QRIS payload in the profile
    assert context["stamp_duty"] is False
    assert context["title"] == "INVOICE / FAKTUR PENJUALAN INV/0001/I/2025"
    # Rp1.250.000 + PPN 12% × 11/12 = Rp137.500 → Rp1.387.500
    assert invoice.grand_total == Decimal("1387500")
    assert context["amount_in_words"] == "Satu juta tiga ratus delapan puluh tujuh ribu lima ratus rupiah"


@pytest.mark.django_db
def test_inactive_bank_accounts_are_not_printed(
    profile: SalesProfile, buyer: Contact, bank_account: BankAccount
) -> None:
    BankAccount.objects.create(
        workspace=profile.workspace, bank_name="BRI", account_number="99", account_holder="X", is_active=False
    )
    invoice = make_invoice(profile.workspace, buyer)

    assert paper_context(document=invoice)["bank_accounts"] == [bank_account]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "shown"),
    [("9000000", True), ("10000000", True), ("10000001", False)],
)
def test_qris_only_up_to_the_qris_limit(
    profile: SalesProfile, non_pkp_profile: SalesProfile, buyer: Contact, amount: str, shown: bool
) -> None:
    """R35: a QRIS payment is capped at Rp10.000.000; above it the QR is hidden."""
    non_pkp_profile.qris_payload = qris_payload()
    non_pkp_profile.save()
    invoice = make_invoice(non_pkp_profile.workspace, buyer, amounts=[amount])

    context = paper_context(document=invoice)

    assert (context["qris_svg"] is not None) is shown
    if shown:
        assert context["qris_svg"].startswith("<svg")


@pytest.mark.django_db
def test_qris_amount_is_the_balance_due(non_pkp_profile: SalesProfile, buyer: Contact) -> None:
    non_pkp_profile.qris_payload = qris_payload()
    non_pkp_profile.save()
    invoice = make_invoice(non_pkp_profile.workspace, buyer, amounts=["12000000"])
    invoice.amount_paid = Decimal("4000000")
    invoice.status = InvoiceStatus.PARTIALLY_PAID
    invoice.save(update_fields=["amount_paid", "status", "updated_at"])

    context = paper_context(document=invoice)

    assert context["qris_amount"] == Decimal("8000000")
    assert context["qris_svg"] is not None


@pytest.mark.django_db
def test_a_broken_qris_payload_degrades_to_no_qr(non_pkp_profile: SalesProfile, buyer: Contact) -> None:
    non_pkp_profile.qris_payload = "00020101021126not-a-qris6304ABCD"
    non_pkp_profile.save()
    invoice = make_invoice(non_pkp_profile.workspace, buyer)

    assert paper_context(document=invoice)["qris_svg"] is None


@pytest.mark.django_db
def test_proforma_qris_is_for_the_deposit(non_pkp_profile: SalesProfile, buyer: Contact) -> None:
    non_pkp_profile.qris_payload = qris_payload()
    non_pkp_profile.save()
    quotation = make_quotation(
        non_pkp_profile.workspace,
        buyer,
        amounts=["20000000"],
        deposit_kind=DepositKind.PERCENT,
        deposit_value=Decimal("30"),
        deposit_amount=Decimal("6000000"),
    )

    context = paper_context(document=quotation)

    assert context["qris_amount"] == Decimal("6000000")
    assert context["qris_svg"] is not None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "status", "stamp"),
    [
        ("5000001", InvoiceStatus.PAID, True),
        ("5000000", InvoiceStatus.PAID, False),
        ("9000000", InvoiceStatus.UNPAID, False),  # a request for payment states no receipt of money
    ],
)
def test_stamp_duty_on_a_paid_invoice_strictly_above_the_threshold(
    non_pkp_profile: SalesProfile, buyer: Contact, amount: str, status: str, stamp: bool
) -> None:
    """R12: UU 10/2020 Pasal 3(2)(g) — more than Rp5.000.000, stating money received."""
    invoice = make_invoice(non_pkp_profile.workspace, buyer, amounts=[amount], status=status)

    context = paper_context(document=invoice)
    html = paper_html(invoice)

    assert context["stamp_duty"] is stamp
    assert ("Meterai Rp10.000" in html) is stamp


@pytest.mark.django_db
@pytest.mark.parametrize(("amount", "stamp"), [("5000001", True), ("5000000", False)])
def test_stamp_duty_on_a_kwitansi(
    non_pkp_profile: SalesProfile, buyer: Contact, amount: str, stamp: bool
) -> None:
    receipt = make_receipt(non_pkp_profile.workspace, buyer, amount=amount, words="x", stamp_duty_due=False)

    assert paper_context(document=receipt)["stamp_duty"] is stamp
    assert ("Meterai Rp10.000" in paper_html(receipt)) is stamp


def test_quantity_text() -> None:
    assert quantity_text(Decimal("2.000")) == "2"
    assert quantity_text(Decimal("1.500")) == "1,5"
    assert quantity_text(Decimal("1000")) == "1.000"
    assert quantity_text(Decimal("0.125")) == "0,125"


# Templates (HTML, the same fragment the pages include) --------------------------------------


@pytest.mark.django_db
def test_invoice_html_follows_r8(profile: SalesProfile, buyer: Contact, bank_account: BankAccount) -> None:
    buyer.nik = "3273010101900001"
    buyer.save()
    invoice = make_invoice(profile.workspace, buyer, delivery_date=DAY)

    html = paper_html(invoice)

    assert '<article class="paper paper-invoice' in html
    assert "<html" not in html
    assert "INVOICE / FAKTUR PENJUALAN" in html
    assert "INV/0001/I/2025" in html
    assert "PT Hadiah Hero Nusantara" in html
    assert "NPWP 0013121660091000" in html
    assert "Budi Santoso" in html
    assert "NIK 3273010101900001" in html
    assert "31 Januari 2025" in html
    assert "14 Februari 2025" in html
    assert "DPP nilai lain" in html
    assert "Rp916.667" in html
    assert "PPN 12%" in html
    assert "Rp110.000" in html
    assert "Rp1.110.000" in html
    assert "Satu juta seratus sepuluh ribu rupiah" in html
    assert "BCA" in html
    assert "1234567890" in html
    assert "a.n. PT Hadiah Hero Nusantara" in html
    assert "style=" not in html  # CSP: no inline styles
    assert "<script" not in html


@pytest.mark.django_db
def test_non_pkp_invoice_never_shows_ppn(non_pkp_profile: SalesProfile, buyer: Contact) -> None:
    """R1: a non-PKP seller's invoice never shows PPN (UU KUP Pasal 39A)."""
    invoice = make_invoice(non_pkp_profile.workspace, buyer)

    html = paper_html(invoice)

    assert "PPN" not in html
    assert "DPP" not in html
    assert "Rp1.000.000" in html


@pytest.mark.django_db
def test_show_cents_prints_sen(non_pkp_profile: SalesProfile, buyer: Contact) -> None:
    non_pkp_profile.show_cents = True
    non_pkp_profile.save()
    invoice = make_invoice(non_pkp_profile.workspace, buyer, amounts=["1250000.50"])

    html = paper_html(invoice, language="en")

    assert "Rp1.250.000,50" in html
    assert "Rp1,250" not in html


@pytest.mark.django_db
def test_void_invoice_shows_batal_and_the_reason(profile: SalesProfile, buyer: Contact) -> None:
    invoice = make_invoice(profile.workspace, buyer)
    invoice.status = InvoiceStatus.VOID
    invoice.void_reason = "Salah harga"
    invoice.save(update_fields=["status", "void_reason", "updated_at"])

    html = paper_html(invoice)

    assert "BATAL" in html
    assert "Salah harga" in html
    assert "paper-payment" not in html  # no payment instructions on a void invoice


@pytest.mark.django_db
def test_paid_invoice_shows_lunas(profile: SalesProfile, buyer: Contact) -> None:
    html = paper_html(make_invoice(profile.workspace, buyer, status=InvoiceStatus.PAID))

    assert "LUNAS" in html


@pytest.mark.django_db
def test_faktur_pajak_number_when_recorded(profile: SalesProfile, buyer: Contact) -> None:
    invoice = make_invoice(profile.workspace, buyer)
    assert "Faktur Pajak" not in paper_html(invoice)
    invoice.tax_invoice_number = "04002500000000123"
    invoice.save(update_fields=["tax_invoice_number", "updated_at"])

    assert "04002500000000123" in paper_html(invoice)


@pytest.mark.django_db
def test_quotation_titled_penawaran_harga(profile: SalesProfile, buyer: Contact) -> None:
    quotation = make_quotation(
        profile.workspace, buyer, kind=QuotationKind.QUOTATION, number="QUO/0007/I/2025"
    )

    html = paper_html(quotation)

    assert "PENAWARAN HARGA" in html
    assert "PROFORMA" not in html
    assert "QUO/0007/I/2025" in html
    assert "Dokumen ini bukan faktur pajak dan bukan bukti pembayaran." in html


@pytest.mark.django_db
def test_english_note_under_the_disclaimer(profile: SalesProfile, buyer: Contact) -> None:
    quotation = make_quotation(profile.workspace, buyer)

    html = paper_html(quotation, language="en")

    assert "This document is not a tax invoice and not proof of payment." in html


@pytest.mark.django_db
def test_sales_order_html(profile: SalesProfile, buyer: Contact) -> None:
    order = make_sales_order(profile.workspace, buyer, customer_po_number="PO-778")

    html = paper_html(order)

    assert "PESANAN PENJUALAN / SALES ORDER" in html
    assert "SO/0001/I/2025" in html
    assert "PO-778" in html


@pytest.mark.django_db
def test_credit_note_html(profile: SalesProfile, buyer: Contact) -> None:
    invoice = make_invoice(profile.workspace, buyer)
    note = make_credit_note(invoice)

    html = paper_html(note)

    assert "NOTA KREDIT" in html
    assert "CN/0001/I/2025" in html
    assert "INV/0001/I/2025" in html  # the invoice it corrects
    assert "Dua paket rusak saat pengiriman" in html
    assert "Rp555.000" in html  # Rp500.000 + PPN Rp55.000


@pytest.mark.django_db
def test_logo_is_printed(profile: SalesProfile, buyer: Contact, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    profile.logo.name = "logos/hero.png"
    profile.save()

    html = paper_html(make_invoice(profile.workspace, buyer))

    assert 'class="paper-logo" src="/media/logos/hero.png"' in html


@pytest.mark.django_db
def test_the_page_fragment_links_the_stylesheet_the_pdf_gets_it_parsed(
    profile: SalesProfile, buyer: Contact
) -> None:
    from relasi.sales.pdf import pdf_html

    invoice = make_invoice(profile.workspace, buyer)

    assert 'href="/static/sales/paper.css"' in paper_html(invoice)
    full = pdf_html(document=invoice)
    assert full.startswith("<!doctype html>")
    assert "<link" not in full
    assert '<article class="paper paper-invoice' in full
