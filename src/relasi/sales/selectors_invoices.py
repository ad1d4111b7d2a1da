"""Reads for invoices and credit notes, always scoped to the workspace."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from relasi.accounts.models import Workspace
from relasi.sales.enums import ISSUED_INVOICE_STATUSES, OPEN_INVOICE_STATUSES, DocumentType, InvoiceStatus
from relasi.sales.models import CreditNote, CreditNoteLine, DocumentEvent, Invoice, InvoiceLine, Payment


@dataclass(frozen=True)
class InvoiceFilters:
    status: str = ""  # an InvoiceStatus value; "overdue" = open and past its due date
    contact: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    q: str = ""  # number or buyer name


def invoice_list(*, workspace: Workspace, filters: InvoiceFilters | None = None) -> QuerySet[Invoice]:
    """The workspace's invoices, newest first, filtered; the customer joined for the list."""
    filters = filters or InvoiceFilters()
    qs = Invoice.objects.filter(workspace=workspace).select_related("contact")
    if filters.status == InvoiceStatus.OVERDUE:
        qs = qs.filter(status__in=OPEN_INVOICE_STATUSES, due_date__lt=timezone.localdate())
    elif filters.status in InvoiceStatus.values:
        qs = qs.filter(status=filters.status)
    if filters.contact is not None:
        qs = qs.filter(contact_id=filters.contact)
    if filters.date_from is not None:
        qs = qs.filter(issue_date__gte=filters.date_from)
    if filters.date_to is not None:
        qs = qs.filter(issue_date__lte=filters.date_to)
    if filters.q:
        qs = qs.filter(Q(number__icontains=filters.q) | Q(buyer_name__icontains=filters.q))
    return qs.order_by("-id")


def invoice_get(*, workspace: Workspace, invoice_id: int) -> Invoice | None:
    return (
        Invoice.objects.filter(workspace=workspace, pk=invoice_id)
        .select_related("contact", "sales_order", "quotation", "issued_by", "voided_by")
        .first()
    )


def invoice_get_public(*, token: str) -> Invoice | None:
    """An issued (or void) invoice by its public link; drafts are never public."""
    if not token or len(token) > 64:
        return None
    return (
        Invoice.objects.filter(public_token=token)
        .exclude(status=InvoiceStatus.DRAFT)
        .select_related("workspace", "contact")
        .first()
    )


def invoice_lines(*, invoice: Invoice) -> list[InvoiceLine]:
    return list(invoice.lines.all())


def invoice_payments(*, invoice: Invoice) -> list[Payment]:
    return list(invoice.payments.order_by("paid_on", "id"))


def invoice_credit_notes(*, invoice: Invoice) -> list[CreditNote]:
    return list(invoice.credit_notes.order_by("id"))


def document_events(*, workspace: Workspace, document_type: str, document_id: int) -> list[DocumentEvent]:
    return list(
        DocumentEvent.objects.filter(
            workspace=workspace, document_type=document_type, document_id=document_id
        ).select_related("actor")
    )


def invoice_events(*, invoice: Invoice) -> list[DocumentEvent]:
    return document_events(
        workspace=invoice.workspace, document_type=DocumentType.INVOICE, document_id=invoice.pk
    )


def credited_quantities(*, invoice: Invoice) -> dict[int, Decimal]:
    """Quantity already credited per invoice line position (a credit note line keeps the
    position of the invoice line it credits)."""
    rows = (
        CreditNoteLine.objects.filter(credit_note__invoice=invoice)
        .values("position")
        .annotate(total=Sum("quantity"))
    )
    return {row["position"]: row["total"] for row in rows}


def credited_charges(*, invoice: Invoice) -> tuple[Decimal, Decimal]:
    """Shipping and other costs already credited."""
    sums = CreditNote.objects.filter(invoice=invoice).aggregate(s=Sum("shipping_cost"), o=Sum("other_costs"))
    return sums["s"] or Decimal("0"), sums["o"] or Decimal("0")


def credit_note_list(*, workspace: Workspace, invoice_id: int | None = None) -> QuerySet[CreditNote]:
    qs = CreditNote.objects.filter(workspace=workspace).select_related("invoice")
    if invoice_id is not None:
        qs = qs.filter(invoice_id=invoice_id)
    return qs.order_by("-id")


def credit_note_get(*, workspace: Workspace, credit_note_id: int) -> CreditNote | None:
    return (
        CreditNote.objects.filter(workspace=workspace, pk=credit_note_id)
        .select_related("invoice", "contact", "created_by")
        .first()
    )


def coretax_candidates(
    *, workspace: Workspace, date_from: dt.date | None, date_to: dt.date | None
) -> QuerySet[Invoice]:
    """Issued, non-void invoices with PPN in a period: what may go to Coretax."""
    qs = Invoice.objects.filter(workspace=workspace, status__in=ISSUED_INVOICE_STATUSES, tax_applied=True)
    if date_from is not None:
        qs = qs.filter(issue_date__gte=date_from)
    if date_to is not None:
        qs = qs.filter(issue_date__lte=date_to)
    return qs.order_by("issue_date", "id")
