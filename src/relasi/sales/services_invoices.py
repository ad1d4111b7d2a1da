"""Invoices (R8–R9): drafts, issue (number, tax, buyer fixed for good), balance, void.

An invoice is a draft until ``invoice_issue``: then it gets the next gap-free number of the
INV series, its lines are priced with the PPN rule of the issue date, the buyer is copied
again, deposits paid against its proforma are carried onto it, and it can no longer be
changed. It is corrected by a credit note or voided with a reason; the number stays used.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from relasi.accounts.models import User, Workspace
from relasi.contacts.enums import BuyerType
from relasi.core.exceptions import Conflict, fields_invalid
from relasi.sales import documents, numbering
from relasi.sales.calculations import TRANSACTION_CODES, TaxRule
from relasi.sales.enums import DocumentEventKind, DocumentType, InvoiceStatus, OrderStatus, Series
from relasi.sales.events import document_event_record
from relasi.sales.inputs import (
    FORM,
    MAX_TEXT,
    Parsers,
    contact_clean,
    date_clean,
    lines_clean_collect,
    parsers_for,
    terms_days_clean,
    text_clean,
)
from relasi.sales.models import CreditNote, Invoice, Payment, SalesOrder
from relasi.sales.pdf import pdf_render_later
from relasi.sales.profile import sales_profile_get
from relasi.sales.tax import tax_rule_for

ZERO = Decimal("0")
BUYER_FIELDS = ("contact_id", *documents.BUYER_FIELDS)
HEADER_TEXT_FIELDS = {"customer_po_number": 60, "notes": MAX_TEXT, "other_costs_label": 100}


def _issued_conflict() -> Conflict:
    return Conflict(
        _(
            "This invoice has been issued and can no longer be changed. "
            "Correct it with a credit note, or void it and make a new one."
        ),
        code="invoice_issued",
    )


# Input -----------------------------------------------------------------------------------


def _header(
    *,
    workspace: Workspace,
    values: Mapping[str, Any],
    parsers: Parsers,
    partial: bool,
    errors: dict[str, str],
) -> dict[str, Any]:
    """Checked header fields present in ``values`` (all of them unless ``partial``)."""
    header: dict[str, Any] = {}
    if not partial or "contact" in values:
        header["contact"] = contact_clean(
            workspace=workspace,
            raw=values.get("contact"),
            errors=errors,
            missing=_("Choose the customer to invoice."),
        )
    for name in ("issue_date", "delivery_date"):
        if not partial or name in values:
            header[name] = date_clean(
                values.get(name),
                field=name,
                errors=errors,
                message=_("Write the date as YYYY-MM-DD, for example 2026-11-30."),
            )
    if not partial or "payment_terms_days" in values:
        header["payment_terms_days"] = terms_days_clean(values.get("payment_terms_days"), errors=errors)
    for name in ("shipping_cost", "other_costs"):
        if not partial or name in values:
            header[name] = documents.money_clean(
                values.get(name), field=name, parse=parsers.money, hint=parsers.money_hint, errors=errors
            )
    for name, limit in HEADER_TEXT_FIELDS.items():
        if not partial or name in values:
            header[name] = text_clean(values.get(name), field=name, errors=errors, max_length=limit)
    return header


def _rule(*, workspace: Workspace, day: dt.date) -> TaxRule | None:
    try:
        return tax_rule_for(profile=sales_profile_get(workspace=workspace), day=day)
    except LookupError as error:
        raise fields_invalid(
            {"issue_date": _("No PPN rate is known for this date. Check the date.")}
        ) from error


def transaction_code_for(lines: Sequence[documents.LineData] | Sequence[Any]) -> str:
    """The Faktur Pajak transaction code (§1.3) of an invoice from its lines' treatments: the
    one code they share; 04 (DPP nilai lain) when standard lines are mixed with others."""
    codes = {TRANSACTION_CODES.get(str(line.tax_treatment), "04") for line in lines}
    if len(codes) == 1:
        return codes.pop()
    return "04" if "04" in codes else sorted(codes)[0]


def _apply_header(invoice: Invoice, header: Mapping[str, Any], *, default_terms: int) -> None:
    contact = header.get("contact")
    if contact is not None:
        invoice.contact = contact
        for name, value in documents.buyer_snapshot(contact).items():
            setattr(invoice, name, value)
    if "issue_date" in header:
        invoice.issue_date = header["issue_date"] or timezone.localdate()
    if "delivery_date" in header:
        invoice.delivery_date = header["delivery_date"]
    if "payment_terms_days" in header:
        terms = header["payment_terms_days"]
        invoice.payment_terms_days = default_terms if terms is None else terms
    for name in ("shipping_cost", "other_costs", *HEADER_TEXT_FIELDS):
        if name in header:
            setattr(invoice, name, header[name])
    invoice.due_date = invoice.issue_date + dt.timedelta(days=invoice.payment_terms_days)


# Services --------------------------------------------------------------------------------


@transaction.atomic
def invoice_create(
    *,
    workspace: Workspace,
    actor: User | None,
    values: Mapping[str, Any],
    lines: Sequence[Mapping[str, Any]],
    input_format: str = FORM,
) -> Invoice:
    """A draft invoice typed directly: ``values`` holds ``contact`` (id), ``issue_date``,
    ``delivery_date``, ``payment_terms_days`` (default: the profile's), ``customer_po_number``,
    ``notes``, ``shipping_cost``, ``other_costs``, ``other_costs_label``; ``lines`` as
    ``documents.lines_clean`` takes them. Priced with the PPN rule of its date; no number yet."""
    parsers = parsers_for(input_format)
    errors: dict[str, str] = {}
    header = _header(workspace=workspace, values=values, parsers=parsers, partial=False, errors=errors)
    cleaned = lines_clean_collect(workspace=workspace, rows=lines, parsers=parsers, errors=errors)
    if errors:
        raise fields_invalid(errors)
    profile = sales_profile_get(workspace=workspace)
    invoice = Invoice(workspace=workspace, created_by=actor, public_token=documents.public_token_new())
    _apply_header(invoice, header, default_terms=profile.payment_terms_days)
    invoice.transaction_code = transaction_code_for(cleaned)
    invoice.save()
    documents.lines_store(
        document=invoice, lines=cleaned, rule=_rule(workspace=workspace, day=invoice.issue_date)
    )
    invoice.save()
    _event(invoice, DocumentEventKind.CREATED, actor)
    return invoice


@transaction.atomic
def invoice_create_from_order(*, order: SalesOrder, actor: User | None) -> Invoice:
    """A draft invoice for a confirmed sales order: its buyer, lines, charges, terms and PO
    number are copied, the invoice points at the order and its quotation, and the order
    becomes INVOICED. An order is invoiced once (Conflict otherwise)."""
    order = SalesOrder.objects.select_for_update().get(pk=order.pk)
    if order.status == OrderStatus.CANCELLED:
        raise Conflict(_("This order was cancelled and cannot be invoiced."), code="order_cancelled")
    if order.status == OrderStatus.INVOICED or order.invoices.exclude(status=InvoiceStatus.VOID).exists():
        raise Conflict(_("This order has already been invoiced."), code="order_invoiced")
    workspace = order.workspace
    invoice = Invoice(
        workspace=workspace,
        created_by=actor,
        public_token=documents.public_token_new(),
        sales_order=order,
        quotation_id=order.quotation_id,
        issue_date=timezone.localdate(),
        payment_terms_days=order.payment_terms_days,
        customer_po_number=order.customer_po_number,
        notes=order.notes,
        shipping_cost=order.shipping_cost,
        other_costs=order.other_costs,
        other_costs_label=order.other_costs_label,
    )
    for name in BUYER_FIELDS:
        setattr(invoice, name, getattr(order, name))
    invoice.due_date = invoice.issue_date + dt.timedelta(days=invoice.payment_terms_days)
    lines = documents.lines_of(order)
    invoice.transaction_code = transaction_code_for(lines)
    invoice.save()
    documents.lines_store(
        document=invoice, lines=lines, rule=_rule(workspace=workspace, day=invoice.issue_date)
    )
    invoice.save()
    order.status = OrderStatus.INVOICED
    order.save(update_fields=["status", "updated_at"])
    _event(invoice, DocumentEventKind.CREATED, actor, {"sales_order": order.number})
    document_event_record(
        contact=order.contact,
        document_type=DocumentType.SALES_ORDER,
        document_id=order.pk,
        number=order.number,
        kind=DocumentEventKind.CONVERTED,
        actor=actor,
        data={"invoice_id": invoice.pk},
    )
    return invoice


@transaction.atomic
def invoice_update(
    *,
    invoice: Invoice,
    actor: User | None,
    values: Mapping[str, Any],
    lines: Sequence[Mapping[str, Any]] | None = None,
    input_format: str = FORM,
) -> Invoice:
    """Change a draft: the header fields given in ``values`` and, when ``lines`` is given, all
    lines. An issued invoice cannot be changed (Conflict): correct it with a credit note."""
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if locked.status != InvoiceStatus.DRAFT:
        raise _issued_conflict()
    parsers = parsers_for(input_format)
    errors: dict[str, str] = {}
    header = _header(workspace=locked.workspace, values=values, parsers=parsers, partial=True, errors=errors)
    cleaned = (
        lines_clean_collect(workspace=locked.workspace, rows=lines, parsers=parsers, errors=errors)
        if lines is not None
        else None
    )
    if errors:
        raise fields_invalid(errors)
    profile = sales_profile_get(workspace=locked.workspace)
    _apply_header(locked, header, default_terms=profile.payment_terms_days)
    if cleaned is None:
        cleaned = documents.lines_of(locked)
    locked.transaction_code = transaction_code_for(cleaned)
    documents.lines_store(
        document=locked, lines=cleaned, rule=_rule(workspace=locked.workspace, day=locked.issue_date)
    )
    locked.save()
    _event(locked, DocumentEventKind.UPDATED, actor)
    return locked


def invoice_issue_warnings(*, invoice: Invoice) -> list[str]:
    """What a PKP seller should fix before a Faktur Pajak can be made for this invoice (§1.2):
    an Indonesian entity needs an NPWP, an individual an NPWP or NIK, a foreign individual a
    passport number. Warnings only: the commercial invoice may still be issued."""
    profile = sales_profile_get(workspace=invoice.workspace)
    if not profile.is_pkp:
        return []
    warnings: list[str] = []
    kind = invoice.buyer_type
    contact = invoice.contact
    snapshot = documents.buyer_snapshot(contact) if invoice.status == InvoiceStatus.DRAFT else None
    npwp = snapshot["buyer_npwp"] if snapshot else invoice.buyer_npwp
    nik = snapshot["buyer_nik"] if snapshot else invoice.buyer_nik
    passport = snapshot["buyer_passport"] if snapshot else invoice.buyer_passport
    kind = snapshot["buyer_type"] if snapshot else kind
    if kind == BuyerType.ID_ENTITY and not npwp:
        warnings.append(
            _(
                "The buyer is an Indonesian entity without an NPWP: "
                "add it to the customer before the Faktur Pajak."
            )
        )
    elif kind == BuyerType.ID_INDIVIDUAL and not (npwp or nik):
        warnings.append(
            _("The buyer has neither NPWP nor NIK: add one to the customer before the Faktur Pajak.")
        )
    elif kind == BuyerType.FOREIGN_INDIVIDUAL and not passport:
        warnings.append(_("The foreign buyer has no passport number: add it before the Faktur Pajak."))
    if not profile.npwp:
        warnings.append(_("Your workspace has no NPWP yet: add it in the sales settings."))
    return warnings


@transaction.atomic
def invoice_issue(*, invoice: Invoice, actor: User | None) -> Invoice:
    """Issue a draft: in ONE transaction lock the invoice, price its lines with the PPN rule of
    the issue date (R5–R6), copy the buyer again, take the next number of the INV series
    (gap-free: a failure rolls the number back with everything else), set the due date
    (issue date + terms), carry the deposits paid on its proforma, refresh the balance and
    record ISSUED. The PDF is rendered after commit."""
    locked = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("workspace", "contact__company")
        .get(pk=invoice.pk)
    )
    if locked.status != InvoiceStatus.DRAFT:
        raise Conflict(_("This invoice has already been issued."), code="invoice_issued")
    workspace = locked.workspace
    # Heavy work first, while only this invoice is locked; the series row is locked last and
    # held only for the few statements that follow.
    for name, value in documents.buyer_snapshot(locked.contact).items():
        setattr(locked, name, value)
    lines = documents.lines_of(locked)
    if not lines:
        raise fields_invalid({"lines": _("Add at least one line before issuing.")})
    documents.lines_store(
        document=locked, lines=lines, rule=_rule(workspace=workspace, day=locked.issue_date)
    )
    locked.transaction_code = transaction_code_for(lines)
    locked.due_date = locked.issue_date + dt.timedelta(days=locked.payment_terms_days)
    if locked.quotation_id is not None:
        Payment.objects.filter(
            workspace=workspace,
            quotation_id=locked.quotation_id,
            invoice__isnull=True,
            cancelled_at__isnull=True,
        ).update(invoice=locked)
    _settle(locked)  # the balance, deposits included: the same as invoice_balance_refresh
    # The series row is locked from here to the commit: only the number, one UPDATE of the
    # invoice and the two event rows happen while it is held.
    locked.number = numbering.number_allocate(
        workspace=workspace, series=Series.INVOICE, day=locked.issue_date
    )
    locked.issued_at = timezone.now()
    locked.issued_by = actor
    locked.save()
    _event(locked, DocumentEventKind.ISSUED, actor, {"total": str(locked.grand_total)})
    pdf_render_later(document=locked)
    return locked


@transaction.atomic
def invoice_balance_refresh(*, invoice: Invoice) -> Invoice:
    """Recompute what was paid and credited and the status from it (H5 calls this after every
    payment and cancellation): paid = Σ non-cancelled payments on the invoice, credited = Σ
    credit notes' totals; PAID when paid + credited ≥ total, PARTIALLY_PAID when > 0, else
    UNPAID. A draft or void invoice is left alone."""
    current = Invoice.objects.select_for_update().filter(pk=invoice.pk).values("status").first()
    if current is None or current["status"] in (InvoiceStatus.DRAFT, InvoiceStatus.VOID):
        return invoice
    _settle(invoice)
    invoice.save(update_fields=["amount_paid", "amount_credited", "status", "updated_at"])
    return invoice


def _settle(invoice: Invoice) -> None:
    """Set ``amount_paid``, ``amount_credited`` and the issued status from the stored
    payments and credit notes (the caller saves)."""
    paid = Payment.objects.filter(invoice_id=invoice.pk, cancelled_at__isnull=True).aggregate(
        s=Sum("amount")
    )["s"]
    credited = CreditNote.objects.filter(invoice_id=invoice.pk).aggregate(s=Sum("grand_total"))["s"]
    invoice.amount_paid = paid or ZERO
    invoice.amount_credited = credited or ZERO
    settled = invoice.amount_paid + invoice.amount_credited
    if settled >= invoice.grand_total:
        invoice.status = InvoiceStatus.PAID
    elif settled > 0:
        invoice.status = InvoiceStatus.PARTIALLY_PAID
    else:
        invoice.status = InvoiceStatus.UNPAID


@transaction.atomic
def invoice_void(*, invoice: Invoice, actor: User | None, reason: str) -> Invoice:
    """Void an issued invoice with a reason. Not while payments stand on it (cancel them or
    issue a credit note). The number stays used; an order it came from may be invoiced again."""
    reason = (reason or "").strip()
    if not reason:
        raise fields_invalid({"reason": _("Say why the invoice is voided.")})
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if locked.status == InvoiceStatus.DRAFT:
        raise Conflict(_("A draft has no number yet: change it instead of voiding it."), code="invoice_draft")
    if locked.status == InvoiceStatus.VOID:
        raise Conflict(_("This invoice is already void."), code="invoice_void")
    if Payment.objects.filter(invoice=locked, cancelled_at__isnull=True).exists():
        raise Conflict(
            _("Payments are recorded on this invoice: cancel the payments first or issue a credit note."),
            code="invoice_has_payments",
        )
    locked.status = InvoiceStatus.VOID
    locked.voided_at = timezone.now()
    locked.voided_by = actor
    locked.void_reason = reason[:2000]
    locked.save(update_fields=["status", "voided_at", "voided_by", "void_reason", "updated_at"])
    if locked.sales_order_id is not None:
        SalesOrder.objects.filter(pk=locked.sales_order_id, status=OrderStatus.INVOICED).update(
            status=OrderStatus.CONFIRMED
        )
    _event(locked, DocumentEventKind.VOIDED, actor, {"reason": locked.void_reason})
    return locked


def _event(invoice: Invoice, kind: str, actor: User | None, data: dict[str, Any] | None = None) -> None:
    document_event_record(
        contact=invoice.contact,
        document_type=DocumentType.INVOICE,
        document_id=invoice.pk,
        number=invoice.number,
        kind=kind,
        actor=actor,
        data=data,
    )
