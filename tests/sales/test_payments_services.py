"""Payments and kwitansi, the services: partial and full payment, over-payment refused with
nothing written, idempotent retries, deposits on a proforma, bank accounts, cancelling, the
receipt's content (R11), its KW number (R9), the stamp-duty hint (R12: strictly more than
Rp5.000.000) and the amount in words (R15)."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone, translation
from django.utils.translation import gettext

from relasi.accounts.models import User, Workspace
from relasi.contacts.enums import TimelineKind
from relasi.contacts.models import Contact, TimelineEvent
from relasi.core.exceptions import Conflict, NotFound, ValidationError
from relasi.sales.documents import buyer_snapshot, public_token_new
from relasi.sales.enums import (
    DocumentEventKind,
    DocumentType,
    InvoiceStatus,
    PaymentMethod,
    QuotationKind,
    QuotationStatus,
)
from relasi.sales.models import BankAccount, DocumentEvent, Invoice, Payment, Quotation, Receipt, SalesProfile
from relasi.sales.services_payments import payment_cancel, payment_record, payment_record_once
from relasi.sales.services_receipts import receipt_issue

_numbers = itertools.count(1)


def make_invoice(
    workspace: Workspace,
    contact: Contact,
    *,
    total: Decimal = Decimal("1000000"),
    due_date: date | None = None,
    status: str = InvoiceStatus.UNPAID,
    **extra: Any,
) -> Invoice:
    """An issued invoice stored directly (the invoices area issues them for real)."""
    n = next(_numbers)
    today = timezone.localdate()
    return Invoice.objects.create(
        workspace=workspace,
        contact=contact,
        **buyer_snapshot(contact),
        number="" if status == InvoiceStatus.DRAFT else f"INV/{n:04d}/XI/2026",
        status=status,
        issue_date=today,
        due_date=due_date or today + timedelta(days=14),
        subtotal=total,
        net_total=total,
        grand_total=total,
        public_token=public_token_new(),
        **extra,
    )


def make_proforma(
    workspace: Workspace,
    contact: Contact,
    *,
    total: Decimal = Decimal("10000000"),
    status: str = QuotationStatus.SENT,
    kind: str = QuotationKind.PROFORMA,
) -> Quotation:
    n = next(_numbers)
    return Quotation.objects.create(
        workspace=workspace,
        contact=contact,
        **buyer_snapshot(contact),
        kind=kind,
        number=f"PI/{n:04d}/XI/2026",
        status=status,
        valid_until=timezone.localdate() + timedelta(days=14),
        subtotal=total,
        net_total=total,
        grand_total=total,
        public_token=public_token_new(),
    )


def pay(workspace: Workspace, actor: User | None, **kwargs: Any) -> Payment:
    kwargs.setdefault("paid_on", timezone.localdate())
    kwargs.setdefault("method", PaymentMethod.CASH)
    return payment_record(workspace=workspace, actor=actor, **kwargs)


def nothing_written() -> None:
    assert Payment.objects.count() == 0
    assert Receipt.objects.count() == 0
    assert DocumentEvent.objects.count() == 0


# Paying an invoice ------------------------------------------------------------------------


def test_a_partial_payment_then_the_rest_make_the_invoice_partly_paid_then_paid(
    owner: User, workspace: Workspace, profile: SalesProfile, buyer: Contact
) -> None:
    # given an invoice of Rp1.000.000
    invoice = make_invoice(workspace, buyer, total=Decimal("1000000"))
    # when Rp400.000 is received
    first = pay(workspace, owner, invoice=invoice, amount=Decimal("400000"))
    # then
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PARTIALLY_PAID
    assert invoice.amount_paid == Decimal("400000")
    assert invoice.balance_due == Decimal("600000")
    assert first.contact == buyer
    assert not first.is_deposit
    # when the remaining Rp600.000 is received
    pay(workspace, owner, invoice=invoice, amount=Decimal("600000"))
    # then
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert invoice.balance_due == 0
    paid_events = DocumentEvent.objects.filter(
        document_type=DocumentType.INVOICE, document_id=invoice.pk, kind=DocumentEventKind.PAID
    )
    assert sorted(e.data["amount"] for e in paid_events) == ["400000", "600000"]
    assert paid_events.first().actor == owner  # type: ignore[union-attr]
    # and the customer's timeline shows the payments
    assert (
        TimelineEvent.objects.filter(contact=buyer, kind=TimelineKind.DOCUMENT, data__event="paid").count()
        == 2
    )


def test_over_payment_is_refused_naming_amount_and_the_balance_and_nothing_is_written(
    owner: User, workspace: Workspace, profile: SalesProfile, buyer: Contact
) -> None:
    invoice = make_invoice(workspace, buyer, total=Decimal("1000000"))
    with translation.override("en"), pytest.raises(ValidationError) as error:
        pay(workspace, owner, invoice=invoice, amount=Decimal("1000001"))
    assert set(error.value.fields) == {"amount"}
    assert "Rp1.000.000" in str(error.value.fields["amount"])
    assert "balance due" in str(error.value.fields["amount"])
    nothing_written()
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.UNPAID
    assert invoice.amount_paid == 0


def test_over_payment_after_a_partial_payment_states_what_is_left(
    owner: User, workspace: Workspace, profile: SalesProfile, buyer: Contact
) -> None:
    invoice = make_invoice(workspace, buyer, total=Decimal("1000000"))
    pay(workspace, owner, invoice=invoice, amount=Decimal("750000"))
    with translation.override("en"), pytest.raises(ValidationError) as error:
        pay(workspace, owner, invoice=invoice, amount=Decimal("300000"))
    assert "Rp250.000" in str(error.value.fields["amount"])
    assert Payment.objects.count() == 1


@pytest.mark.parametrize("status", [InvoiceStatus.DRAFT, InvoiceStatus.VOID, InvoiceStatus.PAID])
def test_drafts_void_and_paid_invoices_cannot_be_paid(
    owner: User, workspace: Workspace, profile: SalesProfile, buyer: Contact, status: str
) -> None:
    extra: dict[str, Any] = {"amount_paid": Decimal("1000000")} if status == InvoiceStatus.PAID else {}
    invoice = make_invoice(workspace, buyer, status=status, **extra)
    with pytest.raises(ValidationError) as error:
        pay(workspace, owner, invoice=invoice, amount=Decimal("1000"))
    assert "invoice" in error.value.fields
    nothing_written()


def test_bad_input_names_each_field_and_writes_nothing(
    owner: User, workspace: Workspace, profile: SalesProfile, buyer: Contact
) -> None:
    invoice = make_invoice(workspace, buyer)
    tomorrow = timezone.localdate() + timedelta(days=2)
    with pytest.raises(ValidationError) as error:
        pay(workspace, owner, invoice=invoice, amount=Decimal("0"), paid_on=tomorrow, method="cheque")
    assert set(error.value.fields) == {"amount", "paid_on", "method"}
    with pytest.raises(ValidationError) as error:
        pay(workspace, owner, invoice=invoice, amount=Decimal("1000.005"))
    assert set(error.value.fields) == {"amount"}
    with pytest.raises(ValidationError) as error:
        payment_record(
            workspace=workspace,
            actor=owner,
            amount=Decimal("1000"),
            paid_on=timezone.localdate(),
            method="cash",
        )
    assert set(error.value.fields) == {"invoice"}
    nothing_written()


def test_a_bank_transfer_needs_one_of_the_workspace_s_active_accounts(
    owner: User,
    workspace: Workspace,
    other_workspace: Workspace,
    profile: SalesProfile,
    buyer: Contact,
    bank_account: BankAccount,
) -> None:
    invoice = make_invoice(workspace, buyer)
    theirs = BankAccount.objects.create(
        workspace=other_workspace, bank_name="BRI", account_number="999", account_holder="Toko Sebelah"
    )
    closed = BankAccount.objects.create(
        workspace=workspace,
        bank_name="Mandiri",
        account_number="111",
        account_holder="PT Hero",
        is_active=False,
    )
    for account in (None, theirs, closed):
        with pytest.raises(ValidationError) as error:
            pay(
                workspace,
                owner,
                invoice=invoice,
                amount=Decimal("1000"),
                method=PaymentMethod.BANK_TRANSFER,
                bank_account=account,
            )
        assert set(error.value.fields) == {"bank_account"}
    nothing_written()
    payment = pay(
        workspace,
        owner,
        invoice=invoice,
        amount=Decimal("1000"),
        method=PaymentMethod.BANK_TRANSFER,
        bank_account=bank_account,
        reference="BI-FAST 20261122",
    )
    assert payment.bank_account == bank_account
    assert payment.reference == "BI-FAST 20261122"


def test_qris_and_e_wallet_payments_are_recorded_by_hand(
    owner: User, workspace: Workspace, profile: SalesProfile, buyer: Contact
) -> None:
    invoice = make_invoice(workspace, buyer)
    for method in (PaymentMethod.QRIS, PaymentMethod.EWALLET, PaymentMethod.OTHER):
        pay(workspace, owner, invoice=invoice, amount=Decimal("100000"), method=method)
    assert set(Payment.objects.values_list("method", flat=True)) == {"qris", "ewallet", "other"}


def test_an_invoice_of_another_workspace_is_not_found(
    owner: User, workspace: Workspace, other_workspace: Workspace, profile: SalesProfile
) -> None:
    stranger = Contact.objects.create(workspace=other_workspace, full_name="Orang Lain")
    invoice = make_invoice(other_workspace, stranger)
    with pytest.raises(NotFound):
        pay(workspace, owner, invoice=invoice, amount=Decimal("1000"))
    nothing_written()


# Idempotency ------------------------------------------------------------------------------


def test_a_retry_with_the_same_key_returns_the_first_payment_and_records_nothing(
    owner: User, workspace: Workspace, profile: SalesProfile, buyer: Contact
) -> None:
    invoice = make_invoice(workspace, buyer, total=Decimal("1000000"))
    first, created = payment_record_once(
        workspace=workspace,
        actor=owner,
        invoice=invoice,
        amount=Decimal("1000000"),
        paid_on=timezone.localdate(),
        method=PaymentMethod.CASH,
        idempotency_key="bayar-1",
    )
    assert created
    # the invoice is now paid in full: a retry must not be refused as an over-payment
    again, created_again = payment_record_once(
        workspace=workspace,
        actor=owner,
        invoice=invoice,
        amount=Decimal("1000000"),
        paid_on=timezone.localdate(),
        method=PaymentMethod.CASH,
        idempotency_key="bayar-1",
    )
    assert again.pk == first.pk
    assert not created_again
    assert Payment.objects.count() == 1
    assert Receipt.objects.count() == 1
    assert DocumentEvent.objects.filter(kind=DocumentEventKind.PAID).count() == 1


def test_the_same_key_for_a_different_amount_is_a_conflict(
    owner: User, workspace: Workspace, profile: SalesProfile, buyer: Contact
) -> None:
    invoice = make_invoice(workspace, buyer, total=Decimal("1000000"))
    pay(workspace, owner, invoice=invoice, amount=Decimal("100000"), idempotency_key="k-7")
    with pytest.raises(Conflict):
        pay(workspace, owner, invoice=invoice, amount=Decimal("200000"), idempotency_key="k-7")
    other = make_invoice(workspace, buyer)
    with pytest.raises(Conflict):
        pay(workspace, owner, invoice=other, amount=Decimal("100000"), idempotency_key="k-7")
    assert Payment.objects.count() == 1


def test_keys_are_per_workspace(
    owner: User,
    outsider: User,
    workspace: Workspace,
    other_workspace: Workspace,
    profile: SalesProfile,
    buyer: Contact,
) -> None:
    pay(
        workspace,
        owner,
        invoice=make_invoice(workspace, buyer),
        amount=Decimal("1000"),
        idempotency_key="same",
    )
    stranger = Contact.objects.create(workspace=other_workspace, full_name="Orang Lain")
    theirs = pay(
        other_workspace,
        outsider,
        invoice=make_invoice(other_workspace, stranger),
        amount=Decimal("1000"),
        idempotency_key="same",
    )
    assert theirs.workspace == other_workspace
    assert Payment.objects.count() == 2


# Deposits against a proforma ----------------------------------------------------------------


def test_a_deposit_against_a_sent_proforma(
    owner: User, workspace: Workspace, profile: SalesProfile, buyer: Contact
) -> None:
    proforma = make_proforma(workspace, buyer, total=Decimal("10000000"))
    deposit = pay(workspace, owner, quotation=proforma, amount=Decimal("3000000"))
    assert deposit.is_deposit
    assert deposit.quotation == proforma
    assert deposit.invoice is None
    event = DocumentEvent.objects.get(document_type=DocumentType.QUOTATION, document_id=proforma.pk)
    assert event.kind == DocumentEventKind.PAID
    assert event.data["deposit"] is True
    with translation.override("id"):
        assert deposit.receipt.purpose == gettext("Deposit (down payment) for proforma %(number)s") % {
            "number": proforma.number
        }
    # at most the total minus the deposits already paid
    with translation.override("en"), pytest.raises(ValidationError) as error:
        pay(workspace, owner, quotation=proforma, amount=Decimal("7000001"))
    assert "Rp7.000.000" in str(error.value.fields["amount"])
    pay(workspace, owner, quotation=proforma, amount=Decimal("7000000"))
    assert Payment.objects.filter(quotation=proforma).count() == 2


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        (QuotationKind.QUOTATION, QuotationStatus.SENT),
        (QuotationKind.PROFORMA, QuotationStatus.DRAFT),
        (QuotationKind.PROFORMA, QuotationStatus.DECLINED),
        (QuotationKind.PROFORMA, QuotationStatus.CANCELLED),
    ],
)
def test_deposits_only_on_a_proforma_the_buyer_has(
    owner: User, workspace: Workspace, profile: SalesProfile, buyer: Contact, kind: str, status: str
) -> None:
    quotation = make_proforma(workspace, buyer, kind=kind, status=status)
    with pytest.raises(ValidationError) as error:
        pay(workspace, owner, quotation=quotation, amount=Decimal("1000"))
    assert "quotation" in error.value.fields
    nothing_written()


def test_no_deposit_on_a_proforma_already_invoiced(
    owner: User, workspace: Workspace, profile: SalesProfile, buyer: Contact
) -> None:
    proforma = make_proforma(workspace, buyer, status=QuotationStatus.CONVERTED)
    invoice = make_invoice(workspace, buyer, quotation=proforma)
    with pytest.raises(ValidationError) as error:
        pay(workspace, owner, quotation=proforma, amount=Decimal("1000"))
    assert invoice.number in str(error.value.fields["quotation"])


# Cancelling -------------------------------------------------------------------------------


def test_cancelling_a_payment_reopens_the_invoice_and_keeps_the_receipt(
    owner: User, workspace: Workspace, profile: SalesProfile, buyer: Contact
) -> None:
    invoice = make_invoice(workspace, buyer, total=Decimal("1000000"))
    payment = pay(workspace, owner, invoice=invoice, amount=Decimal("1000000"))
    receipt_number = payment.receipt.number
    with pytest.raises(ValidationError) as error:
        payment_cancel(payment=payment, reason="  ", actor=owner)
    assert set(error.value.fields) == {"reason"}
    payment_cancel(payment=payment, reason="Transfer ditolak bank", actor=owner)
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert payment.cancelled_at is not None
    assert payment.cancel_reason == "Transfer ditolak bank"
    assert invoice.status == InvoiceStatus.UNPAID
    assert invoice.amount_paid == 0
    assert Receipt.objects.get(payment=payment).number == receipt_number
    event = DocumentEvent.objects.get(kind=DocumentEventKind.PAYMENT_CANCELLED)
    assert event.document_id == invoice.pk
    assert event.data["reason"] == "Transfer ditolak bank"
    with pytest.raises(Conflict):
        payment_cancel(payment=payment, reason="lagi", actor=owner)
    # the invoice can be paid again
    pay(workspace, owner, invoice=invoice, amount=Decimal("1000000"))


# Kwitansi ---------------------------------------------------------------------------------


def test_the_receipt_carries_what_a_kwitansi_must_show(
    owner: User, workspace: Workspace, profile: SalesProfile, buyer: Contact
) -> None:
    invoice = make_invoice(workspace, buyer, total=Decimal("1500000"))
    day = timezone.localdate() - timedelta(days=1)
    payment = pay(workspace, owner, invoice=invoice, amount=Decimal("1500000"), paid_on=day)
    receipt = Receipt.objects.get(payment=payment)
    assert receipt.received_from == "Budi Santoso"
    assert receipt.amount == Decimal("1500000")
    assert receipt.amount_in_words == "Satu juta lima ratus ribu rupiah"
    assert receipt.place == "Bandung"
    assert receipt.signatory_name == "Elok Pratiwi"
    assert receipt.issue_date == day
    assert receipt.contact == buyer
    assert invoice.number in receipt.purpose
    with translation.override("id"):  # the documents' language, whatever the clerk's UI
        assert receipt.purpose == gettext("Payment of invoice %(number)s") % {"number": invoice.number}
    assert len(receipt.public_token) >= 40
    kinds = set(
        DocumentEvent.objects.filter(document_type=DocumentType.RECEIPT, document_id=receipt.pk).values_list(
            "kind", flat=True
        )
    )
    assert kinds == {DocumentEventKind.CREATED, DocumentEventKind.ISSUED}


def test_receipts_are_numbered_from_the_kw_series_without_gaps(
    owner: User, workspace: Workspace, profile: SalesProfile, buyer: Contact
) -> None:
    invoice = make_invoice(workspace, buyer, total=Decimal("3000000"))
    day = date(2026, 11, 20)
    with_day = {"paid_on": day}
    with time_machine.travel(datetime(2026, 11, 21, 10, 0, tzinfo=ZoneInfo("Asia/Jakarta")), tick=False):
        numbers = [
            pay(workspace, owner, invoice=invoice, amount=Decimal("1000000"), **with_day).receipt.number
            for _ in range(3)
        ]
    assert numbers == ["KW/0001/XI/2026", "KW/0002/XI/2026", "KW/0003/XI/2026"]


def test_no_receipt_when_not_asked_then_one_and_only_one(
    owner: User, workspace: Workspace, profile: SalesProfile, buyer: Contact
) -> None:
    payment = pay(
        workspace, owner, invoice=make_invoice(workspace, buyer), amount=Decimal("1000"), issue_receipt=False
    )
    assert not Receipt.objects.exists()
    receipt = receipt_issue(payment=payment, actor=owner, purpose="Pelunasan parsel")
    assert receipt.purpose == "Pelunasan parsel"
    with pytest.raises(Conflict):
        receipt_issue(payment=payment, actor=owner)
    assert Receipt.objects.count() == 1


@pytest.mark.parametrize(
    ("amount", "due"),
    [
        (Decimal("5000000"), False),  # exactly the threshold: not "more than Rp5.000.000"
        (Decimal("5000000.50"), True),
        (Decimal("5000001"), True),
        (Decimal("1000000"), False),
    ],
)
def test_stamp_duty_hint_only_strictly_above_the_threshold(
    owner: User, workspace: Workspace, profile: SalesProfile, buyer: Contact, amount: Decimal, due: bool
) -> None:
    invoice = make_invoice(workspace, buyer, total=Decimal("6000000"))
    receipt = pay(workspace, owner, invoice=invoice, amount=amount).receipt
    assert receipt.stamp_duty_due is due
    assert receipt.stamp_duty_amount == Decimal("10000")


def test_stamp_duty_threshold_and_tariff_are_settings(
    owner: User, workspace: Workspace, profile: SalesProfile, buyer: Contact
) -> None:
    profile.stamp_duty_threshold = Decimal("1000000")
    profile.stamp_duty_amount = Decimal("12000")
    profile.save()
    receipt = pay(workspace, owner, invoice=make_invoice(workspace, buyer), amount=Decimal("1000000")).receipt
    assert not receipt.stamp_duty_due
    receipt = pay(
        workspace,
        owner,
        invoice=make_invoice(workspace, buyer, total=Decimal("2000000")),
        amount=Decimal("1000001"),
    ).receipt
    assert receipt.stamp_duty_due
    assert receipt.stamp_duty_amount == Decimal("12000")


def test_amount_in_words_rounds_sen_half_up(
    owner: User, workspace: Workspace, profile: SalesProfile, buyer: Contact
) -> None:
    invoice = make_invoice(workspace, buyer, total=Decimal("1250500.50"))
    receipt = pay(workspace, owner, invoice=invoice, amount=Decimal("1250500.50")).receipt
    assert receipt.amount_in_words == "Satu juta dua ratus lima puluh ribu lima ratus satu rupiah"


def test_a_cancelled_payment_gets_no_receipt(
    owner: User, workspace: Workspace, profile: SalesProfile, buyer: Contact
) -> None:
    payment = pay(
        workspace, owner, invoice=make_invoice(workspace, buyer), amount=Decimal("1000"), issue_receipt=False
    )
    payment_cancel(payment=payment, reason="salah catat", actor=owner)
    with pytest.raises(ValidationError):
        receipt_issue(payment=payment, actor=owner)
    assert not Receipt.objects.exists()
