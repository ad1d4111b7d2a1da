"""Reads of payments and receipts (kwitansi), always scoped to the workspace."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet

from relasi.accounts.models import Workspace
from relasi.sales.enums import (
    OPEN_INVOICE_STATUSES,
    DocumentType,
    InvoiceStatus,
    QuotationKind,
    QuotationStatus,
)
from relasi.sales.models import BankAccount, DocumentEvent, Invoice, Payment, Quotation, Receipt

CHOICES_SHOWN = 200
# A proforma takes deposits once the buyer has it and until an invoice is made from it.
DEPOSIT_QUOTATION_STATUSES = (QuotationStatus.SENT, QuotationStatus.ACCEPTED, QuotationStatus.CONVERTED)


@dataclass(frozen=True)
class PaymentFilters:
    method: str = ""
    date_from: date | None = None
    date_to: date | None = None
    invoice_id: int | None = None
    include_cancelled: bool = True


def payment_list(*, workspace: Workspace, filters: PaymentFilters | None = None) -> QuerySet[Payment]:
    """Payments, newest first, with their invoice, proforma, account and receipt (no N+1)."""
    filters = filters or PaymentFilters()
    qs = Payment.objects.filter(workspace=workspace).select_related(
        "invoice", "quotation", "bank_account", "receipt", "contact"
    )
    if filters.method:
        qs = qs.filter(method=filters.method)
    if filters.date_from:
        qs = qs.filter(paid_on__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(paid_on__lte=filters.date_to)
    if filters.invoice_id:
        qs = qs.filter(invoice_id=filters.invoice_id)
    if not filters.include_cancelled:
        qs = qs.filter(cancelled_at__isnull=True)
    return qs.order_by("-id")


def payment_get(*, workspace: Workspace, payment_id: int) -> Payment | None:
    return (
        Payment.objects.filter(workspace=workspace, pk=payment_id)
        .select_related("invoice", "quotation", "bank_account", "receipt", "contact", "created_by")
        .first()
    )


def receipt_list(*, workspace: Workspace) -> QuerySet[Receipt]:
    """Receipts, newest first, with their payment."""
    return (
        Receipt.objects.filter(workspace=workspace)
        .select_related("payment", "payment__invoice", "payment__quotation")
        .order_by("-id")
    )


def receipt_get(*, workspace: Workspace, receipt_id: int) -> Receipt | None:
    return (
        Receipt.objects.filter(workspace=workspace, pk=receipt_id)
        .select_related("payment", "payment__invoice", "payment__quotation", "contact", "workspace")
        .first()
    )


def payable_invoice_get(*, workspace: Workspace, invoice_id: int) -> Invoice | None:
    """An invoice of the workspace (any status: the service says why it cannot be paid)."""
    return Invoice.objects.filter(workspace=workspace, pk=invoice_id).first()


def deposit_proforma_get(*, workspace: Workspace, quotation_id: int) -> Quotation | None:
    return Quotation.objects.filter(workspace=workspace, pk=quotation_id).first()


def open_invoice_choices(*, workspace: Workspace) -> list[Invoice]:
    """Open invoices to pick from on the payment form, the most recent first."""
    return list(
        Invoice.objects.filter(workspace=workspace, status__in=OPEN_INVOICE_STATUSES)
        .only("id", "number", "buyer_name", "grand_total", "amount_paid", "amount_credited", "status")
        .order_by("-id")[:CHOICES_SHOWN]
    )


def deposit_proforma_choices(*, workspace: Workspace) -> list[Quotation]:
    return list(
        Quotation.objects.filter(
            workspace=workspace, kind=QuotationKind.PROFORMA, status__in=DEPOSIT_QUOTATION_STATUSES
        )
        .exclude(invoices__status__in=[s for s in InvoiceStatus.values if s not in ("draft", "void")])
        .only("id", "number", "buyer_name", "grand_total")
        .order_by("-id")[:CHOICES_SHOWN]
    )


def bank_account_choices(*, workspace: Workspace) -> list[BankAccount]:
    return list(BankAccount.objects.filter(workspace=workspace, is_active=True))


def bank_account_get(*, workspace: Workspace, bank_account_id: int) -> BankAccount | None:
    """Any bank account of the workspace (the service refuses an inactive one)."""
    return BankAccount.objects.filter(workspace=workspace, pk=bank_account_id).first()


def receipt_events(*, receipt: Receipt) -> list[DocumentEvent]:
    return list(
        DocumentEvent.objects.filter(
            workspace_id=receipt.workspace_id, document_type=DocumentType.RECEIPT, document_id=receipt.pk
        ).select_related("actor")
    )
