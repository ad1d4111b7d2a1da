"""API: ``/api/v1/payments`` (record, list, get, cancel, receivables ageing) and
``/api/v1/receipts`` (list, get, PDF). Thin endpoints over the services and selectors.

Money in and out is a decimal string (``"19800000.00"``). ``POST /payments`` honours an
``Idempotency-Key`` header: a retry answers 200 with the first payment; the same key for a
different payment answers 409.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from relasi.accounts.api_access import ErrorOut, api_access
from relasi.accounts.models import Workspace
from relasi.accounts.permissions import Perm
from relasi.core.exceptions import NotFound, fields_invalid
from relasi.core.money import MoneyParseError, parse_api_decimal
from relasi.sales import selectors_payments, selectors_receivables, services_payments
from relasi.sales.api_schemas import PageQuery, page_of
from relasi.sales.models import BankAccount, Invoice, Payment, Quotation, Receipt
from relasi.sales.pdf import pdf_response

payments_router = Router()
receipts_router = Router()


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


class ReceiptOut(Schema):
    id: int
    number: str
    payment_id: int
    contact_id: int
    received_from: str
    amount: str
    amount_in_words: str
    purpose: str
    place: str
    issue_date: dt.date
    signatory_name: str
    stamp_duty_due: bool
    stamp_duty_amount: str
    payment_cancelled: bool
    created_at: dt.datetime

    @staticmethod
    def resolve_amount(obj: Receipt) -> str:
        return _money(obj.amount)

    @staticmethod
    def resolve_stamp_duty_amount(obj: Receipt) -> str:
        return _money(obj.stamp_duty_amount)

    @staticmethod
    def resolve_payment_cancelled(obj: Receipt) -> bool:
        return obj.payment.cancelled_at is not None


class PaymentOut(Schema):
    id: int
    contact_id: int
    invoice_id: int | None
    invoice_number: str | None
    quotation_id: int | None
    quotation_number: str | None
    is_deposit: bool
    amount: str
    paid_on: dt.date
    method: str
    bank_account_id: int | None
    reference: str
    notes: str
    cancelled_at: dt.datetime | None
    cancel_reason: str
    receipt_id: int | None
    receipt_number: str | None
    created_at: dt.datetime

    @staticmethod
    def resolve_amount(obj: Payment) -> str:
        return _money(obj.amount)

    @staticmethod
    def resolve_invoice_number(obj: Payment) -> str | None:
        return obj.invoice.number if obj.invoice_id and obj.invoice else None

    @staticmethod
    def resolve_quotation_number(obj: Payment) -> str | None:
        return obj.quotation.number if obj.quotation_id and obj.quotation else None

    @staticmethod
    def _receipt(obj: Payment) -> Receipt | None:
        try:
            return obj.receipt
        except Receipt.DoesNotExist:
            return None

    @staticmethod
    def resolve_receipt_id(obj: Payment) -> int | None:
        receipt = PaymentOut._receipt(obj)
        return receipt.pk if receipt else None

    @staticmethod
    def resolve_receipt_number(obj: Payment) -> str | None:
        receipt = PaymentOut._receipt(obj)
        return receipt.number if receipt else None


class PaymentIn(Schema):
    """``invoice`` or ``quotation`` (a proforma, for a deposit); ``amount`` as a decimal
    string; ``method`` one of bank_transfer, qris, cash, ewallet, other; ``bank_account``
    required for a bank transfer."""

    invoice: int | None = None
    quotation: int | None = None
    amount: str | int = Field(..., description='Decimal string, e.g. "1250000.00"')
    paid_on: dt.date | None = None
    method: str
    bank_account: int | None = None
    reference: str = ""
    notes: str = ""
    issue_receipt: bool = True


class CancelIn(Schema):
    reason: str = ""


class PaymentPage(Schema):
    items: list[PaymentOut]
    next: str | None


class ReceiptPage(Schema):
    items: list[ReceiptOut]
    next: str | None


class PaymentQuery(PageQuery):
    method: str = ""
    paid_from: dt.date | None = None
    paid_to: dt.date | None = None
    invoice: int | None = None


class AgeingOut(Schema):
    as_of: dt.date
    current: str
    days_1_30: str
    days_31_60: str
    days_61_90: str
    days_over_90: str
    total: str


def _payment_or_404(workspace: Workspace, payment_id: int) -> Payment:
    payment = selectors_payments.payment_get(workspace=workspace, payment_id=payment_id)
    if payment is None:
        raise NotFound(_("Payment not found."), code="not_found")
    return payment


def _document(workspace: Workspace, payload: PaymentIn) -> tuple[Invoice | None, Quotation | None]:
    invoice = quotation = None
    if payload.invoice is not None:
        invoice = selectors_payments.payable_invoice_get(workspace=workspace, invoice_id=payload.invoice)
        if invoice is None:
            raise NotFound(
                _("Invoice not found."), fields={"invoice": _("Choose an invoice of this workspace.")}
            )
    if payload.quotation is not None:
        quotation = selectors_payments.deposit_proforma_get(
            workspace=workspace, quotation_id=payload.quotation
        )
        if quotation is None:
            raise NotFound(
                _("Proforma not found."), fields={"quotation": _("Choose a proforma of this workspace.")}
            )
    return invoice, quotation


def _record_args(workspace: Workspace, payload: PaymentIn) -> dict[str, Any]:
    errors: dict[str, str] = {}
    amount = Decimal("0")
    try:
        amount = parse_api_decimal(payload.amount)
    except MoneyParseError:
        errors["amount"] = _(
            'Send the amount as a decimal string with a full stop, for example "1250000.00".'
        )
    bank_account: BankAccount | None = None
    if payload.bank_account is not None:
        bank_account = selectors_payments.bank_account_get(
            workspace=workspace, bank_account_id=payload.bank_account
        )
        if bank_account is None:
            errors["bank_account"] = _("Choose one of this workspace's active bank accounts.")
    if errors:
        raise fields_invalid(errors)
    invoice, quotation = _document(workspace, payload)
    return {
        "invoice": invoice,
        "quotation": quotation,
        "amount": amount,
        "paid_on": payload.paid_on or selectors_receivables.workspace_today(workspace=workspace),
        "method": payload.method,
        "bank_account": bank_account,
        "reference": payload.reference,
        "notes": payload.notes,
        "issue_receipt": payload.issue_receipt,
    }


@payments_router.get("", response=PaymentPage, summary="List payments")
def payment_list_api(request: HttpRequest, query: Query[PaymentQuery]) -> dict[str, Any]:
    workspace, _user = api_access(request, Perm.SALES_VIEW)
    filters = selectors_payments.PaymentFilters(
        method=query.method, date_from=query.paid_from, date_to=query.paid_to, invoice_id=query.invoice
    )
    return page_of(
        selectors_payments.payment_list(workspace=workspace, filters=filters),
        cursor=query.cursor,
        limit=query.limit,
    )


@payments_router.post(
    "",
    response={200: PaymentOut, 201: PaymentOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Record a payment (and issue its receipt)",
)
def payment_create_api(request: HttpRequest, payload: PaymentIn) -> Status[Payment]:
    workspace, user = api_access(request, Perm.PAYMENTS_RECORD)
    payment, created = services_payments.payment_record_once(
        workspace=workspace,
        actor=user,
        idempotency_key=request.headers.get("Idempotency-Key") or None,
        **_record_args(workspace, payload),
    )
    return Status(201 if created else 200, _payment_or_404(workspace, payment.pk))


@payments_router.get("/receivables", response=AgeingOut, summary="Receivables ageing totals")
def receivables_api(request: HttpRequest) -> dict[str, Any]:
    """Balances due on issued invoices by days past due, as of today in the workspace's time
    zone: current (not yet due), 1–30, 31–60, 61–90, more than 90 days."""
    workspace, _user = api_access(request, Perm.SALES_VIEW)
    today = selectors_receivables.workspace_today(workspace=workspace)
    totals = selectors_receivables.ageing_totals(workspace=workspace, today=today)
    return {"as_of": today, **{key: _money(value) for key, value in totals.items()}}


@payments_router.get("/{int:payment_id}", response={200: PaymentOut, 404: ErrorOut})
def payment_get_api(request: HttpRequest, payment_id: int) -> Payment:
    workspace, _user = api_access(request, Perm.SALES_VIEW)
    return _payment_or_404(workspace, payment_id)


@payments_router.post(
    "/{int:payment_id}/cancel",
    response={200: PaymentOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
)
def payment_cancel_api(request: HttpRequest, payment_id: int, payload: CancelIn) -> Payment:
    workspace, user = api_access(request, Perm.PAYMENTS_RECORD)
    payment = _payment_or_404(workspace, payment_id)
    services_payments.payment_cancel(payment=payment, reason=payload.reason, actor=user)
    return _payment_or_404(workspace, payment_id)


# Receipts ---------------------------------------------------------------------------------


def _receipt_or_404(workspace: Workspace, receipt_id: int) -> Receipt:
    receipt = selectors_payments.receipt_get(workspace=workspace, receipt_id=receipt_id)
    if receipt is None:
        raise NotFound(_("Receipt not found."), code="not_found")
    return receipt


@receipts_router.get("", response=ReceiptPage, summary="List receipts (kwitansi)")
def receipt_list_api(request: HttpRequest, cursor: str | None = None, limit: int = 50) -> dict[str, Any]:
    workspace, _user = api_access(request, Perm.SALES_VIEW)
    return page_of(
        selectors_payments.receipt_list(workspace=workspace),
        cursor=cursor,
        limit=limit,
    )


@receipts_router.get("/{int:receipt_id}", response={200: ReceiptOut, 404: ErrorOut})
def receipt_get_api(request: HttpRequest, receipt_id: int) -> Receipt:
    workspace, _user = api_access(request, Perm.SALES_VIEW)
    return _receipt_or_404(workspace, receipt_id)


@receipts_router.get("/{int:receipt_id}/pdf", response={404: ErrorOut}, summary="The receipt as PDF")
def receipt_pdf_api(request: HttpRequest, receipt_id: int) -> HttpResponse:
    workspace, _user = api_access(request, Perm.SALES_VIEW)
    return pdf_response(document=_receipt_or_404(workspace, receipt_id), request=request)
