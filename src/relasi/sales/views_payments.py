"""Pages for payments and kwitansi: list, record, detail, cancel; receipts list and detail.

Thin views: check the permission (``workspace_view``), parse the form, call one service or
selector, render.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from relasi.accounts.decorators import WorkspaceRequest, workspace_view
from relasi.accounts.permissions import Perm
from relasi.core.exceptions import ApplicationError
from relasi.core.pagination import paginate_keyset
from relasi.sales import selectors_payments, services_payments
from relasi.sales.enums import DocumentType, PaymentMethod
from relasi.sales.forms_payments import PaymentCancelForm, PaymentForm
from relasi.sales.models import Invoice, Payment, Quotation, Receipt
from relasi.sales.paper import paper_context
from relasi.sales.selectors_receivables import workspace_today
from relasi.sales.views_common import int_or_none, url_or_none
from relasi.web.forms import apply_errors, form_status

PAGE_SIZE = 50

_GET_POST = require_http_methods(["GET", "POST"])


def _date(raw: str | None) -> date | None:
    try:
        return parse_date(raw or "")
    except ValueError:
        return None


def _get_payment(request: WorkspaceRequest, payment_id: int) -> Payment:
    payment = selectors_payments.payment_get(workspace=request.workspace, payment_id=payment_id)
    if payment is None:
        raise Http404(_("Payment not found."))
    return payment


def _list_page(request: WorkspaceRequest, queryset: Any) -> tuple[Any, str]:
    page = paginate_keyset(queryset, cursor=request.GET.get("cursor") or None, limit=PAGE_SIZE)
    query = request.GET.copy()
    query.pop("cursor", None)
    return page, query.urlencode()


@workspace_view(Perm.SALES_VIEW)
def payment_list_view(request: WorkspaceRequest) -> HttpResponse:
    method = request.GET.get("method", "")
    filters = selectors_payments.PaymentFilters(
        method=method if method in PaymentMethod.values else "",
        date_from=_date(request.GET.get("from")),
        date_to=_date(request.GET.get("to")),
    )
    try:
        page, query_string = _list_page(
            request, selectors_payments.payment_list(workspace=request.workspace, filters=filters)
        )
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return redirect("sales:payment_list", request.workspace.slug)
    context: dict[str, Any] = {
        "payments": page.items,
        "next_cursor": page.next_cursor,
        "query_string": query_string,
        "filters": filters,
        "methods": PaymentMethod.choices,
        "can_record": request.membership.can(Perm.PAYMENTS_RECORD),
        "sales_tab": "payments",
    }
    if request.htmx and request.htmx.target in ("payment-rows", "more-row"):
        return render(request, "sales/payment_list_rows.html", context)
    return render(request, "sales/payment_list.html", context)


@_GET_POST
@workspace_view(Perm.PAYMENTS_RECORD)
def payment_create_view(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    source = request.POST if request.method == "POST" else request.GET
    invoice_id, quotation_id = int_or_none(source.get("invoice")), int_or_none(source.get("quotation"))
    invoice: Invoice | None = None
    quotation: Quotation | None = None
    if invoice_id:
        invoice = selectors_payments.payable_invoice_get(workspace=workspace, invoice_id=invoice_id)
    elif quotation_id:
        quotation = selectors_payments.deposit_proforma_get(workspace=workspace, quotation_id=quotation_id)
    has_bank = bool(selectors_payments.bank_account_choices(workspace=workspace))
    form = PaymentForm(
        request.POST or None,
        workspace=workspace,
        extra_invoice=invoice,
        extra_quotation=quotation,
        initial=PaymentForm.initial_for(
            invoice=invoice,
            quotation=quotation,
            has_bank=has_bank,
            today=workspace_today(workspace=workspace),
        ),
    )
    payment: Payment | None = None
    if request.method == "POST" and form.is_valid():
        try:
            payment = services_payments.payment_record(
                workspace=workspace, actor=request.user, **form.values()
            )
        except ApplicationError as error:
            apply_errors(form, error)
    if payment is not None:
        receipt = Receipt.objects.filter(payment=payment).only("number").first()
        if receipt is not None:
            messages.success(
                request, _("Payment recorded. Receipt %(number)s issued.") % {"number": receipt.number}
            )
        else:
            messages.success(request, _("Payment recorded."))
        return redirect("sales:payment_detail", workspace.slug, payment.pk)
    context = {
        "form": form,
        "invoice": invoice,
        "quotation": quotation,
        "sales_tab": "payments",
    }
    return render(request, "sales/payment_form.html", context, status=form_status(request))


@workspace_view(Perm.SALES_VIEW)
def payment_detail_view(request: WorkspaceRequest, payment_id: int) -> HttpResponse:
    payment = _get_payment(request, payment_id)
    receipt = getattr(payment, "receipt", None)
    slug = request.workspace.slug
    context = {
        "payment": payment,
        "receipt": receipt,
        "invoice_url": url_or_none("sales:invoice_detail", slug, payment.invoice_id)
        if payment.invoice_id
        else None,
        "quotation_url": url_or_none("sales:quotation_detail", slug, payment.quotation_id)
        if payment.quotation_id
        else None,
        "can_cancel": request.membership.can(Perm.PAYMENTS_RECORD) and payment.cancelled_at is None,
        "cancel_form": PaymentCancelForm(),
        "sales_tab": "payments",
    }
    return render(request, "sales/payment_detail.html", context)


@_GET_POST
@workspace_view(Perm.PAYMENTS_RECORD)
def payment_cancel_view(request: WorkspaceRequest, payment_id: int) -> HttpResponse:
    payment = _get_payment(request, payment_id)
    form = PaymentCancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services_payments.payment_cancel(
                payment=payment, reason=form.cleaned_data["reason"], actor=request.user
            )
        except ApplicationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request, _("Payment cancelled. Its receipt stays on record, marked as cancelled.")
            )
            return redirect("sales:payment_detail", request.workspace.slug, payment.pk)
    context = {"payment": payment, "form": form, "sales_tab": "payments"}
    return render(request, "sales/payment_cancel.html", context, status=form_status(request))


@workspace_view(Perm.SALES_VIEW)
def receipt_list_view(request: WorkspaceRequest) -> HttpResponse:
    try:
        page, query_string = _list_page(request, selectors_payments.receipt_list(workspace=request.workspace))
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return redirect("sales:receipt_list", request.workspace.slug)
    context: dict[str, Any] = {
        "receipts": page.items,
        "next_cursor": page.next_cursor,
        "query_string": query_string,
        "sales_tab": "payments",
    }
    if request.htmx and request.htmx.target in ("receipt-rows", "more-row"):
        return render(request, "sales/receipt_list_rows.html", context)
    return render(request, "sales/receipt_list.html", context)


@workspace_view(Perm.SALES_VIEW)
def receipt_detail_view(request: WorkspaceRequest, receipt_id: int) -> HttpResponse:
    receipt = selectors_payments.receipt_get(workspace=request.workspace, receipt_id=receipt_id)
    if receipt is None:
        raise Http404(_("Receipt not found."))
    context = paper_context(document=receipt)
    context.update(
        {
            "receipt": receipt,
            "payment": receipt.payment,
            "events": selectors_payments.receipt_events(receipt=receipt),
            "pdf_url": url_or_none(
                "sales:document_pdf", request.workspace.slug, DocumentType.RECEIPT, receipt.pk
            ),
            "sales_tab": "payments",
        }
    )
    return render(request, "sales/receipt_detail.html", context)
