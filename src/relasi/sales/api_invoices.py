"""API: ``/api/v1/invoices`` and ``/api/v1/credit-notes``. Thin endpoints over
``services_invoices``, ``services_credit_notes``, ``coretax`` and ``selectors_invoices``.
Money in and out is a decimal string (``"1110000.00"``); lists are cursor-paginated."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from relasi.accounts.api_access import ErrorOut, api_access
from relasi.accounts.models import Workspace
from relasi.accounts.permissions import Perm
from relasi.core.exceptions import NotFound, ValidationError
from relasi.sales import coretax, inputs, selectors_invoices, services_credit_notes, services_invoices
from relasi.sales.api_schemas import (
    AmountIn,
    LineIn,
    LineOut,
    Money,
    Number,
    PageQuery,
    line_rows,
    page_of,
)
from relasi.sales.models import CreditNote, Invoice, SalesOrder
from relasi.sales.pdf import pdf_response

invoices_router = Router()
credit_notes_router = Router()


class InvoiceLineOut(LineOut):
    """A line of an invoice or credit note, with its id and Coretax codes."""

    id: int
    djp_code: str
    djp_unit_code: str


class InvoiceIn(Schema):
    """Create: ``sales_order`` (an order id: everything is copied from it) or ``contact_id``
    and ``lines``. PATCH (drafts only): send what changes; ``lines`` replaces every line."""

    sales_order: int | None = None
    contact_id: int | None = None
    issue_date: dt.date | None = None
    delivery_date: dt.date | None = None
    payment_terms_days: int | None = None
    customer_po_number: str | None = None
    notes: str | None = None
    shipping_cost: AmountIn = None
    other_costs: AmountIn = None
    other_costs_label: str | None = None
    lines: list[LineIn] | None = None


class InvoiceOut(Schema):
    id: int
    number: str
    status: str
    display_status: str
    contact_id: int
    sales_order_id: int | None
    quotation_id: int | None
    buyer_name: str
    buyer_address: str
    buyer_email: str
    buyer_phone: str
    buyer_npwp: str
    buyer_nik: str
    buyer_nitku: str
    buyer_type: str
    issue_date: dt.date
    delivery_date: dt.date | None
    due_date: dt.date
    payment_terms_days: int
    customer_po_number: str
    notes: str
    tax_applied: bool
    ppn_rate: Number
    transaction_code: str
    shipping_cost: Money
    other_costs: Money
    other_costs_label: str
    subtotal: Money
    discount_total: Money
    net_total: Money
    other_base_total: Money
    ppn_total: Money
    grand_total: Money
    amount_paid: Money
    amount_credited: Money
    balance_due: Money
    tax_invoice_number: str
    tax_invoice_status: str
    tax_exported_at: dt.datetime | None
    issued_at: dt.datetime | None
    voided_at: dt.datetime | None
    void_reason: str
    created_at: dt.datetime
    lines: list[InvoiceLineOut]

    @staticmethod
    def resolve_lines(obj: Invoice) -> list[Any]:
        return list(obj.lines.all())


class InvoiceIssueOut(InvoiceOut):
    warnings: list[str]


class InvoicePage(Schema):
    items: list[InvoiceOut]
    next: str | None


class InvoiceQuery(PageQuery):
    status: str = Field("", description="draft, unpaid, partially_paid, paid, void or overdue")
    contact: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    q: str = ""


class VoidIn(Schema):
    reason: str = ""


class TaxNumberIn(Schema):
    tax_invoice_number: str = Field("", description="17 digits from Coretax")


def _values(payload: InvoiceIn) -> dict[str, Any]:
    values = payload.model_dump(exclude_unset=True, exclude={"lines", "sales_order"})
    if "contact_id" in values:
        values["contact"] = values.pop("contact_id")
    return values


def _invoice_or_404(workspace: Workspace, invoice_id: int) -> Invoice:
    invoice = selectors_invoices.invoice_get(workspace=workspace, invoice_id=invoice_id)
    if invoice is None:
        raise NotFound(_("Invoice not found."), code="not_found")
    return invoice


@invoices_router.get("", response={200: InvoicePage, 400: ErrorOut}, summary="List invoices")
def invoice_list_api(request: HttpRequest, query: Query[InvoiceQuery]) -> dict[str, Any]:
    workspace, _user = api_access(request, Perm.SALES_VIEW)
    filters = selectors_invoices.InvoiceFilters(
        status=query.status,
        contact=query.contact,
        date_from=query.date_from,
        date_to=query.date_to,
        q=query.q[:100],
    )
    return page_of(
        selectors_invoices.invoice_list(workspace=workspace, filters=filters).prefetch_related("lines"),
        cursor=query.cursor,
        limit=query.limit,
    )


@invoices_router.post(
    "", response={201: InvoiceOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}
)
def invoice_create_api(request: HttpRequest, payload: InvoiceIn) -> Status[Invoice]:
    workspace, user = api_access(request, Perm.SALES_EDIT)
    if payload.sales_order is not None:
        order = SalesOrder.objects.filter(workspace=workspace, pk=payload.sales_order).first()
        if order is None:
            raise NotFound(
                _("Sales order not found."), fields={"sales_order": _("Choose an order of this workspace.")}
            )
        invoice = services_invoices.invoice_create_from_order(order=order, actor=user)
    else:
        invoice = services_invoices.invoice_create(
            workspace=workspace,
            actor=user,
            values=_values(payload),
            lines=line_rows(payload.lines),
            input_format=inputs.API,
        )
    return Status(201, _invoice_or_404(workspace, invoice.pk))


@invoices_router.get(
    "/coretax.xml", response={200: None, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}
)
def coretax_xml_api(request: HttpRequest, ids: str = "") -> HttpResponse:
    """Coretax bulk XML (TaxInvoiceBulk) of the invoices ``ids`` (comma-separated); marks them
    exported. PKP workspaces only."""
    workspace, user = api_access(request, Perm.INVOICES_ISSUE)
    parts = [p.strip() for p in ids.split(",") if p.strip()]
    if not all(p.isdigit() for p in parts):
        raise ValidationError(
            _("List invoice ids separated by commas, e.g. ids=12,13."),
            fields={"ids": _("List invoice ids separated by commas, e.g. ids=12,13.")},
        )
    content = coretax.coretax_export(workspace=workspace, invoice_ids=[int(p) for p in parts], actor=user)
    response = HttpResponse(content, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="coretax.xml"'
    return response


@invoices_router.get("/{int:invoice_id}", response={200: InvoiceOut, 404: ErrorOut})
def invoice_get_api(request: HttpRequest, invoice_id: int) -> Invoice:
    workspace, _user = api_access(request, Perm.SALES_VIEW)
    return _invoice_or_404(workspace, invoice_id)


@invoices_router.patch(
    "/{int:invoice_id}",
    response={200: InvoiceOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
)
def invoice_update_api(request: HttpRequest, invoice_id: int, payload: InvoiceIn) -> Invoice:
    workspace, user = api_access(request, Perm.SALES_EDIT)
    invoice = _invoice_or_404(workspace, invoice_id)
    services_invoices.invoice_update(
        invoice=invoice,
        actor=user,
        values=_values(payload),
        lines=line_rows(payload.lines) if payload.lines is not None else None,
        input_format=inputs.API,
    )
    return _invoice_or_404(workspace, invoice_id)


@invoices_router.post(
    "/{int:invoice_id}/issue",
    response={200: InvoiceIssueOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
)
def invoice_issue_api(request: HttpRequest, invoice_id: int) -> Invoice:
    """Issue a draft: number, PPN of the issue date, buyer fixed. ``warnings`` lists what a
    Faktur Pajak will still need (buyer NPWP/NIK)."""
    workspace, user = api_access(request, Perm.INVOICES_ISSUE)
    invoice = _invoice_or_404(workspace, invoice_id)
    warnings = services_invoices.invoice_issue_warnings(invoice=invoice) if not invoice.is_issued else []
    services_invoices.invoice_issue(invoice=invoice, actor=user)
    issued = _invoice_or_404(workspace, invoice_id)
    issued.warnings = [str(w) for w in warnings]  # type: ignore[attr-defined]
    return issued


@invoices_router.post(
    "/{int:invoice_id}/void",
    response={200: InvoiceOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
)
def invoice_void_api(request: HttpRequest, invoice_id: int, payload: VoidIn) -> Invoice:
    workspace, user = api_access(request, Perm.INVOICES_ISSUE)
    services_invoices.invoice_void(
        invoice=_invoice_or_404(workspace, invoice_id), actor=user, reason=payload.reason
    )
    return _invoice_or_404(workspace, invoice_id)


@invoices_router.post(
    "/{int:invoice_id}/tax-number",
    response={200: InvoiceOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
)
def invoice_tax_number_api(request: HttpRequest, invoice_id: int, payload: TaxNumberIn) -> Invoice:
    """Record the 17-digit Faktur Pajak number Coretax returned (PKP only)."""
    workspace, user = api_access(request, Perm.INVOICES_ISSUE)
    coretax.tax_invoice_number_record(
        invoice=_invoice_or_404(workspace, invoice_id), number=payload.tax_invoice_number, actor=user
    )
    return _invoice_or_404(workspace, invoice_id)


def _pdf(document: Invoice | CreditNote, request: HttpRequest) -> HttpResponse:
    return pdf_response(document=document, request=request)


@invoices_router.get("/{int:invoice_id}/pdf", response={200: None, 404: ErrorOut})
def invoice_pdf_api(request: HttpRequest, invoice_id: int) -> HttpResponse:
    workspace, _user = api_access(request, Perm.SALES_VIEW)
    return _pdf(_invoice_or_404(workspace, invoice_id), request)


# Credit notes ----------------------------------------------------------------------------


class CreditLineIn(Schema):
    invoice_line_id: int | None = None
    quantity: AmountIn = Field(None, description='Decimal string, e.g. "1" or "0.5"')


class CreditNoteIn(Schema):
    invoice: int
    reason: str = ""
    full: bool = Field(False, description="Credit everything not yet credited")
    lines: list[CreditLineIn] | None = None


class CreditNoteOut(Schema):
    id: int
    number: str
    invoice_id: int
    contact_id: int
    buyer_name: str
    issue_date: dt.date
    reason: str
    tax_applied: bool
    ppn_rate: Number
    shipping_cost: Money
    other_costs: Money
    subtotal: Money
    discount_total: Money
    net_total: Money
    other_base_total: Money
    ppn_total: Money
    grand_total: Money
    created_at: dt.datetime
    lines: list[InvoiceLineOut]

    @staticmethod
    def resolve_lines(obj: CreditNote) -> list[Any]:
        return list(obj.lines.all())


class CreditNotePage(Schema):
    items: list[CreditNoteOut]
    next: str | None


def _note_or_404(workspace: Workspace, credit_note_id: int) -> CreditNote:
    note = selectors_invoices.credit_note_get(workspace=workspace, credit_note_id=credit_note_id)
    if note is None:
        raise NotFound(_("Credit note not found."), code="not_found")
    return note


@credit_notes_router.get("", response={200: CreditNotePage, 400: ErrorOut}, summary="List credit notes")
def credit_note_list_api(
    request: HttpRequest, invoice: int | None = None, cursor: str | None = None, limit: int = 50
) -> dict[str, Any]:
    workspace, _user = api_access(request, Perm.SALES_VIEW)
    return page_of(
        selectors_invoices.credit_note_list(workspace=workspace, invoice_id=invoice).prefetch_related(
            "lines"
        ),
        cursor=cursor,
        limit=limit,
    )


@credit_notes_router.post(
    "", response={201: CreditNoteOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}
)
def credit_note_create_api(request: HttpRequest, payload: CreditNoteIn) -> Status[CreditNote]:
    workspace, user = api_access(request, Perm.INVOICES_ISSUE)
    invoice = selectors_invoices.invoice_get(workspace=workspace, invoice_id=payload.invoice)
    if invoice is None:
        raise NotFound(_("Invoice not found."), fields={"invoice": _("Choose an invoice of this workspace.")})
    note = services_credit_notes.credit_note_create(
        invoice=invoice,
        actor=user,
        reason=payload.reason,
        full=payload.full,
        lines=[line.model_dump() for line in payload.lines or []],
    )
    return Status(201, _note_or_404(workspace, note.pk))


@credit_notes_router.get("/{int:credit_note_id}", response={200: CreditNoteOut, 404: ErrorOut})
def credit_note_get_api(request: HttpRequest, credit_note_id: int) -> CreditNote:
    workspace, _user = api_access(request, Perm.SALES_VIEW)
    return _note_or_404(workspace, credit_note_id)


@credit_notes_router.get("/{int:credit_note_id}/pdf", response={200: None, 404: ErrorOut})
def credit_note_pdf_api(request: HttpRequest, credit_note_id: int) -> HttpResponse:
    workspace, _user = api_access(request, Perm.SALES_VIEW)
    return _pdf(_note_or_404(workspace, credit_note_id), request)
