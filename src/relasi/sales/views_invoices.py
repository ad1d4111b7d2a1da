"""Invoice, credit note and Coretax pages. Thin: check the permission (``workspace_view``),
parse the form, call one service or selector, render.

Permissions: reading SALES_VIEW; drafts SALES_EDIT; issue, void, credit notes, the Faktur
Pajak number and the Coretax export INVOICES_ISSUE.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template.loader import select_template
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from relasi.accounts.decorators import WorkspaceRequest, workspace_view
from relasi.accounts.permissions import Perm
from relasi.contacts.models import Contact
from relasi.core.exceptions import ApplicationError
from relasi.core.pagination import paginate_keyset
from relasi.sales import coretax, selectors_invoices, services_credit_notes, services_invoices
from relasi.sales.enums import ISSUED_INVOICE_STATUSES, DocumentType, InvoiceStatus, OrderStatus
from relasi.sales.forms_invoices import CoretaxForm, CreditNoteForm, InvoiceForm, TaxNumberForm, VoidForm
from relasi.sales.forms_quotations import LineRows, contact_label
from relasi.sales.models import Invoice, InvoiceLine, SalesOrder
from relasi.sales.paper import paper_context
from relasi.sales.profile import sales_profile_get
from relasi.sales.selectors_settings import turnover_warning
from relasi.sales.views_common import int_or_none, line_editor_context, lines_form_submit, url_or_none
from relasi.web.forms import apply_errors, form_status

PAGE_SIZE = 50
CONTACT_CHOICES = 200
LINES_EDITOR = ("sales/_lines_editor.html", "sales/invoice_lines_fallback.html")

_GET_POST = require_http_methods(["GET", "POST"])


def _date_or_none(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _get_invoice(request: WorkspaceRequest, invoice_id: int) -> Invoice:
    invoice = selectors_invoices.invoice_get(workspace=request.workspace, invoice_id=invoice_id)
    if invoice is None:
        raise Http404(_("Invoice not found."))
    return invoice


def _to_detail(request: WorkspaceRequest, invoice: Invoice) -> HttpResponseRedirect:
    return redirect("sales:invoice_detail", request.workspace.slug, invoice.pk)


def _status_choices() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in InvoiceStatus.choices]


# List ------------------------------------------------------------------------------------


@require_GET
@workspace_view(Perm.SALES_VIEW)
def invoice_list_view(request: WorkspaceRequest) -> HttpResponse:
    filters = selectors_invoices.InvoiceFilters(
        status=request.GET.get("status", "")[:20],
        contact=int_or_none(request.GET.get("contact")),
        date_from=_date_or_none(request.GET.get("date_from")),
        date_to=_date_or_none(request.GET.get("date_to")),
        q=request.GET.get("q", "")[:100].strip(),
    )
    try:
        page = paginate_keyset(
            selectors_invoices.invoice_list(workspace=request.workspace, filters=filters),
            cursor=request.GET.get("cursor") or None,
            limit=PAGE_SIZE,
        )
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return redirect("sales:invoice_list", request.workspace.slug)
    query = request.GET.copy()
    query.pop("cursor", None)
    context: dict[str, Any] = {
        "invoices": page.items,
        "next_cursor": page.next_cursor,
        "query_string": query.urlencode(),
        "filters": filters,
        "statuses": _status_choices(),
        "can_edit": request.membership.can(Perm.SALES_EDIT),
        "can_issue": request.membership.can(Perm.INVOICES_ISSUE),
        "is_pkp": sales_profile_get(workspace=request.workspace).is_pkp,
        "turnover_warning": turnover_warning(workspace=request.workspace),
        "sales_tab": "invoices",
        "today": timezone.localdate(),
    }
    if request.htmx and request.htmx.target in ("invoice-rows", "more-row"):
        return render(request, "sales/invoice_list_rows.html", context)
    return render(request, "sales/invoice_list.html", context)


# Create and edit drafts ------------------------------------------------------------------


def _contact_options(request: WorkspaceRequest) -> list[dict[str, str]]:
    contacts = Contact.objects.filter(workspace=request.workspace, merged_into__isnull=True).order_by(
        "full_name"
    )[:CONTACT_CHOICES]
    return [{"id": str(c.pk), "label": contact_label(c)} for c in contacts]


def _form_page(
    request: WorkspaceRequest, form: InvoiceForm, rows: LineRows, invoice: Invoice | None, extra_blank: int
) -> HttpResponse:
    context = {
        "form": form,
        "invoice": invoice,
        "contact_options": _contact_options(request),
        "sales_tab": "invoices",
        **line_editor_context(request, rows, extra_blank=extra_blank),
        "lines_editor": select_template(list(LINES_EDITOR)).template.name,
    }
    status = 400 if request.method == "POST" and "add_line" not in request.POST else 200
    return render(request, "sales/invoice_form.html", context, status=status)


@_GET_POST
@workspace_view(Perm.SALES_EDIT)
def invoice_create_view(request: WorkspaceRequest) -> HttpResponse:
    initial: dict[str, Any] = {}
    contact_id = int_or_none(request.GET.get("contact"))
    if request.method == "GET" and contact_id:
        contact = Contact.objects.filter(workspace=request.workspace, pk=contact_id).first()
        if contact is not None:
            initial["contact"] = contact_label(contact)
    form = InvoiceForm(request.POST or None, initial=initial)
    rows = LineRows.from_post(request.POST) if request.method == "POST" else LineRows([])
    invoice, extra = lines_form_submit(
        request,
        form,
        rows,
        lambda: services_invoices.invoice_create(
            workspace=request.workspace, actor=request.user, values=form.values(), lines=rows.service_rows()
        ),
    )
    if invoice is not None:
        messages.success(request, _("Draft invoice saved. Issue it to give it a number."))
        return _to_detail(request, invoice)
    return _form_page(request, form, rows, None, extra)


@_GET_POST
@workspace_view(Perm.SALES_EDIT)
def invoice_edit_view(request: WorkspaceRequest, invoice_id: int) -> HttpResponse:
    invoice = _get_invoice(request, invoice_id)
    if invoice.is_issued:
        messages.error(
            request,
            _(
                "This invoice has been issued and can no longer be changed. "
                "Correct it with a credit note, or void it and make a new one."
            ),
        )
        response = _to_detail(request, invoice)
        if request.method == "POST":
            response.status_code = 303
        return response
    form = InvoiceForm(request.POST or None, initial=InvoiceForm.initial_for(invoice))
    rows = LineRows.from_post(request.POST) if request.method == "POST" else LineRows.from_document(invoice)
    saved, extra = lines_form_submit(
        request,
        form,
        rows,
        lambda: services_invoices.invoice_update(
            invoice=invoice, actor=request.user, values=form.values(), lines=rows.service_rows()
        ),
    )
    if saved is not None:
        messages.success(request, _("Changes saved."))
        return _to_detail(request, saved)
    return _form_page(request, form, rows, invoice, extra)


@_GET_POST
@workspace_view(Perm.SALES_EDIT)
def invoice_create_from_order_view(request: WorkspaceRequest, order_id: int) -> HttpResponse:
    order = (
        SalesOrder.objects.filter(workspace=request.workspace, pk=order_id).select_related("contact").first()
    )
    if order is None:
        raise Http404(_("Sales order not found."))
    if request.method == "POST":
        try:
            invoice = services_invoices.invoice_create_from_order(order=order, actor=request.user)
        except ApplicationError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("Draft invoice made from %(order)s.") % {"order": order.number})
            return _to_detail(request, invoice)
    context = {
        "order": order,
        "can_invoice": order.status == OrderStatus.CONFIRMED,
        "order_url": url_or_none("sales:order_detail", request.workspace.slug, order.pk),
        "sales_tab": "invoices",
    }
    return render(
        request, "sales/invoice_from_order.html", context, status=409 if request.method == "POST" else 200
    )


# Detail and actions ----------------------------------------------------------------------


@require_GET
@workspace_view(Perm.SALES_VIEW)
def invoice_detail_view(request: WorkspaceRequest, invoice_id: int) -> HttpResponse:
    invoice = _get_invoice(request, invoice_id)
    profile = sales_profile_get(workspace=request.workspace)
    membership = request.membership
    context: dict[str, Any] = paper_context(document=invoice)
    issued_open = invoice.status in ISSUED_INVOICE_STATUSES
    payment_url = url_or_none("sales:payment_create", request.workspace.slug)
    context.update(
        {
            "invoice": invoice,
            "invoice_lines": selectors_invoices.invoice_lines(invoice=invoice),
            "payments": selectors_invoices.invoice_payments(invoice=invoice),
            "credit_notes": selectors_invoices.invoice_credit_notes(invoice=invoice),
            "events": selectors_invoices.invoice_events(invoice=invoice),
            "warnings": services_invoices.invoice_issue_warnings(invoice=invoice)
            if not invoice.is_issued
            else [],
            "is_pkp": profile.is_pkp,
            "can_edit": membership.can(Perm.SALES_EDIT) and not invoice.is_issued,
            "can_issue": membership.can(Perm.INVOICES_ISSUE),
            "can_credit": membership.can(Perm.INVOICES_ISSUE) and issued_open,
            "can_void": membership.can(Perm.INVOICES_ISSUE)
            and invoice.is_issued
            and invoice.status != InvoiceStatus.VOID,
            "can_tax_number": membership.can(Perm.INVOICES_ISSUE)
            and profile.is_pkp
            and issued_open
            and invoice.tax_applied,
            "payment_create_url": (
                f"{payment_url}?invoice={invoice.pk}"
                if payment_url and membership.can(Perm.PAYMENTS_RECORD) and invoice.balance_due > 0
                else None
            ),
            "pdf_url": url_or_none(
                "sales:document_pdf", request.workspace.slug, DocumentType.INVOICE, invoice.pk
            ),
            "public_url": (
                request.build_absolute_uri(reverse("sales:public_invoice", args=[invoice.public_token]))
                if invoice.is_issued
                else None
            ),
            "void_form": VoidForm(),
            "tax_number_form": TaxNumberForm(initial={"tax_invoice_number": invoice.tax_invoice_number}),
            "has_paper": paper_context is not None,
            "sales_tab": "invoices",
        }
    )
    return render(request, "sales/invoice_detail.html", context)


@require_POST
@workspace_view(Perm.INVOICES_ISSUE)
def invoice_issue_view(request: WorkspaceRequest, invoice_id: int) -> HttpResponse:
    invoice = _get_invoice(request, invoice_id)
    warnings = services_invoices.invoice_issue_warnings(invoice=invoice) if not invoice.is_issued else []
    try:
        invoice = services_invoices.invoice_issue(invoice=invoice, actor=request.user)
    except ApplicationError as error:
        messages.error(request, " ".join([str(error.message), *(str(m) for m in error.fields.values())]))
    else:
        messages.success(request, _("Invoice %(number)s issued.") % {"number": invoice.number})
        for warning in warnings:
            messages.warning(request, warning)
    return _to_detail(request, invoice)


@_GET_POST
@workspace_view(Perm.INVOICES_ISSUE)
def invoice_void_view(request: WorkspaceRequest, invoice_id: int) -> HttpResponse:
    invoice = _get_invoice(request, invoice_id)
    form = VoidForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services_invoices.invoice_void(
                invoice=invoice, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Invoice %(number)s voided.") % {"number": invoice.number})
            return _to_detail(request, invoice)
    context = {"invoice": invoice, "form": form, "sales_tab": "invoices"}
    return render(request, "sales/invoice_void.html", context, status=form_status(request))


@require_POST
@workspace_view(Perm.INVOICES_ISSUE)
def invoice_tax_number_view(request: WorkspaceRequest, invoice_id: int) -> HttpResponse:
    invoice = _get_invoice(request, invoice_id)
    form = TaxNumberForm(request.POST)
    form.is_valid()
    try:
        coretax.tax_invoice_number_record(
            invoice=invoice, number=form.cleaned_data.get("tax_invoice_number", ""), actor=request.user
        )
    except ApplicationError as error:
        messages.error(request, " ".join(str(m) for m in error.fields.values()) or str(error.message))
    else:
        messages.success(request, _("Faktur Pajak number recorded."))
    return _to_detail(request, invoice)


# Credit notes ----------------------------------------------------------------------------


@dataclass
class CreditRow:
    """One invoice line on the credit note form."""

    line: InvoiceLine
    credited: Decimal
    remaining: Decimal
    value: str
    error: str = ""


@_GET_POST
@workspace_view(Perm.INVOICES_ISSUE)
def credit_note_create_view(request: WorkspaceRequest, invoice_id: int) -> HttpResponse:
    invoice = _get_invoice(request, invoice_id)
    form = CreditNoteForm(request.POST or None)
    lines = selectors_invoices.invoice_lines(invoice=invoice)
    credited = selectors_invoices.credited_quantities(invoice=invoice)
    rows = [
        CreditRow(
            line=line,
            credited=credited.get(line.position, Decimal(0)),
            remaining=line.quantity - credited.get(line.position, Decimal(0)),
            value=request.POST.get(f"qty-{line.pk}", "").strip(),
        )
        for line in lines
    ]
    if request.method == "POST" and form.is_valid():
        # Quantities typed the Indonesian way (1,5) are sent to the service as 1.5.
        chosen = [row for row in rows if row.value]
        requested = [
            {"invoice_line_id": row.line.pk, "quantity": row.value.replace(".", "").replace(",", ".")}
            for row in chosen
        ]
        try:
            note = services_credit_notes.credit_note_create(
                invoice=invoice,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                lines=requested,
                full=form.cleaned_data["full"],
            )
        except ApplicationError as error:
            for name, message in list(error.fields.items()):
                parts = name.split(".")
                if parts[0] == "lines" and len(parts) == 3 and parts[1].isdigit():
                    n = int(parts[1]) - 1
                    if 0 <= n < len(chosen):
                        chosen[n].error = str(message)
                        del error.fields[name]
            if error.fields or not any(row.error for row in rows):
                apply_errors(form, error)
        else:
            messages.success(request, _("Credit note %(number)s issued.") % {"number": note.number})
            return redirect("sales:credit_note_detail", request.workspace.slug, note.pk)
    context = {"invoice": invoice, "form": form, "rows": rows, "sales_tab": "invoices"}
    return render(request, "sales/credit_note_form.html", context, status=form_status(request))


@require_GET
@workspace_view(Perm.SALES_VIEW)
def credit_note_detail_view(request: WorkspaceRequest, credit_note_id: int) -> HttpResponse:
    note = selectors_invoices.credit_note_get(workspace=request.workspace, credit_note_id=credit_note_id)
    if note is None:
        raise Http404(_("Credit note not found."))
    context: dict[str, Any] = paper_context(document=note)
    context.update(
        {
            "note": note,
            "note_lines": list(note.lines.all()),
            "events": selectors_invoices.document_events(
                workspace=request.workspace, document_type=DocumentType.CREDIT_NOTE, document_id=note.pk
            ),
            "pdf_url": url_or_none(
                "sales:document_pdf", request.workspace.slug, DocumentType.CREDIT_NOTE, note.pk
            ),
            "has_paper": paper_context is not None,
            "sales_tab": "invoices",
        }
    )
    return render(request, "sales/credit_note_detail.html", context)


# Coretax ---------------------------------------------------------------------------------


@_GET_POST
@workspace_view(Perm.INVOICES_ISSUE)
def coretax_export_view(request: WorkspaceRequest) -> HttpResponse:
    """GET: a period's issued PPN invoices with what blocks each; POST: the chosen invoices'
    XML as a download (PKP only)."""
    profile = sales_profile_get(workspace=request.workspace)
    if request.method == "POST":
        ids = [int(i) for i in request.POST.getlist("invoice") if i.isdigit()]
        try:
            content = coretax.coretax_export(workspace=request.workspace, invoice_ids=ids, actor=request.user)
        except ApplicationError as error:
            messages.error(request, str(error.message))
            query = request.POST.get("query", "")[:200]
            target = reverse("sales:coretax_export", args=[request.workspace.slug])
            return redirect(f"{target}?{query}" if query else target)
        response = HttpResponse(content, content_type="application/xml; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = (
            f'attachment; filename="coretax-{request.workspace.slug}-{stamp}.xml"'
        )
        return response
    form = CoretaxForm(request.GET or None)
    today = timezone.localdate()
    date_from = today.replace(day=1)
    date_to = today
    if form.is_valid():
        date_from = form.cleaned_data["date_from"] or date_from
        date_to = form.cleaned_data["date_to"] or date_to
    invoices = list(
        selectors_invoices.coretax_candidates(
            workspace=request.workspace, date_from=date_from, date_to=date_to
        )[:500]
    )
    problems = (
        coretax.export_problems(workspace=request.workspace, invoices=invoices) if profile.is_pkp else {}
    )
    context = {
        "form": form,
        "is_pkp": profile.is_pkp,
        "rows": [{"invoice": i, "problems": problems.get(i.number, [])} for i in invoices],
        "seller_problems": problems.get("", []),
        "date_from": date_from,
        "date_to": date_to,
        "query": request.GET.urlencode(),
        "sales_tab": "invoices",
    }
    return render(request, "sales/invoice_coretax.html", context)
