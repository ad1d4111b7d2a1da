"""Pages of quotations / proforma invoices and sales orders.

Thin views: ``workspace_view`` checks the permission (view: SALES_VIEW, everything else:
SALES_EDIT), the view parses the form, calls one service or selector and renders. Actions are
POSTs that come back to the document's page with a message.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from relasi.accounts.decorators import WorkspaceRequest, workspace_view
from relasi.accounts.permissions import Perm
from relasi.core.exceptions import ApplicationError
from relasi.core.pagination import paginate_keyset
from relasi.sales import selectors_orders, selectors_quotations, services_orders, services_quotations
from relasi.sales.enums import OrderStatus, QuotationKind, QuotationStatus
from relasi.sales.forms_quotations import (
    LineRows,
    QuotationForm,
    SalesOrderForm,
    contact_id_from,
    contact_label,
    money_text,
    number_text,
)
from relasi.sales.models import Quotation, SalesOrder
from relasi.sales.paper import paper_context
from relasi.sales.views_common import int_or_none, line_editor_context, lines_form_submit
from relasi.web.forms import form_status

PAGE_SIZE = 50
_GET_POST = require_http_methods(["GET", "POST"])


def _get_quotation(request: WorkspaceRequest, quotation_id: int) -> Quotation:
    quotation = selectors_quotations.quotation_get(workspace=request.workspace, quotation_id=quotation_id)
    if quotation is None:
        raise Http404(_("Quotation not found."))
    return quotation


def _get_order(request: WorkspaceRequest, order_id: int) -> SalesOrder:
    order = selectors_orders.salesorder_get(workspace=request.workspace, order_id=order_id)
    if order is None:
        raise Http404(_("Sales order not found."))
    return order


def _to_detail(request: WorkspaceRequest, quotation: Quotation) -> HttpResponseRedirect:
    return redirect("sales:quotation_detail", request.workspace.slug, quotation.pk)


def _contact_options(request: WorkspaceRequest, selected: str) -> list[dict[str, str]]:
    include = int_or_none(selected)
    return [
        {"id": str(c.pk), "label": contact_label(c)}
        for c in selectors_quotations.contact_choices(workspace=request.workspace, include_id=include)
    ]


# Quotations ------------------------------------------------------------------------------


@require_GET
@workspace_view(Perm.SALES_VIEW)
def quotation_list_view(request: WorkspaceRequest) -> HttpResponse:
    contact_text = request.GET.get("contact", "")[:240]
    filters = selectors_quotations.QuotationFilters(
        status=request.GET.get("status", ""),
        kind=request.GET.get("kind", ""),
        contact_id=int_or_none(contact_id_from(contact_text)),
    )
    try:
        page = paginate_keyset(
            selectors_quotations.quotation_list(workspace=request.workspace, filters=filters),
            cursor=request.GET.get("cursor") or None,
            limit=PAGE_SIZE,
        )
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return redirect("sales:quotation_list", request.workspace.slug)
    query = request.GET.copy()
    query.pop("cursor", None)
    context: dict[str, Any] = {
        "quotations": page.items,
        "next_cursor": page.next_cursor,
        "query_string": query.urlencode(),
        "filters": filters,
        "statuses": QuotationStatus.choices,
        "kinds": QuotationKind.choices,
        "contact_text": contact_text,
        "contact_options_url": reverse("sales:quotation_contact_options", args=[request.workspace.slug]),
        "can_edit": request.membership.can(Perm.SALES_EDIT),
        "sales_tab": "quotations",
    }
    if request.htmx and request.htmx.target in ("quotation-rows", "more-row"):
        return render(request, "sales/quotation_list_rows.html", context)
    context["contact_options"] = _contact_options(request, str(filters.contact_id or ""))
    return render(request, "sales/quotation_list.html", context)


@require_GET
@workspace_view(Perm.SALES_VIEW)
def quotation_contact_options_view(request: WorkspaceRequest) -> JsonResponse:
    """The customer picker's options for ``?q=`` (name, phone or e-mail)."""
    q = request.GET.get("q", "")[:100].strip()
    contacts = selectors_quotations.contact_choices(workspace=request.workspace, q=q, limit=20)
    return JsonResponse({"items": [{"id": c.pk, "label": contact_label(c)} for c in contacts]})


def _quotation_form_page(
    request: WorkspaceRequest,
    form: QuotationForm,
    rows: LineRows,
    quotation: Quotation | None,
    extra_blank: int,
) -> HttpResponse:
    context = {
        "form": form,
        "quotation": quotation,
        "contact_options": _contact_options(request, str(form["contact"].value() or "")),
        "sales_tab": "quotations",
        **line_editor_context(request, rows, extra_blank=extra_blank),
    }
    return render(request, "sales/quotation_form.html", context, status=form_status(request))


@_GET_POST
@workspace_view(Perm.SALES_EDIT)
def quotation_create_view(request: WorkspaceRequest) -> HttpResponse:
    deal_id = int_or_none(request.GET.get("deal") or request.POST.get("deal"))
    deals = selectors_quotations.deal_choices(workspace=request.workspace, include_id=deal_id)
    initial: dict[str, Any] = {}
    if request.method == "GET":
        deal = (
            selectors_quotations.deal_get(workspace=request.workspace, deal_id=deal_id) if deal_id else None
        )
        contact_id = int_or_none(request.GET.get("contact"))
        contact = deal.contact if deal else None
        if contact_id:
            contact = next(
                iter(
                    selectors_quotations.contact_choices(
                        workspace=request.workspace, include_id=contact_id, limit=0
                    )
                ),
                None,
            )
        if deal:
            initial["deal"] = str(deal.pk)
        if contact:
            initial["contact"] = contact_label(contact)
        initial["issue_date"] = timezone.localdate()
        if request.GET.get("kind") in QuotationKind.values:
            initial["kind"] = request.GET["kind"]
    form = QuotationForm(request.POST or None, initial=initial, deals=deals)
    rows = LineRows.from_post(request.POST) if request.method == "POST" else LineRows([])
    quotation, extra = lines_form_submit(
        request,
        form,
        rows,
        lambda: services_quotations.quotation_create(
            workspace=request.workspace, actor=request.user, values=form.values(), lines=rows.service_rows()
        ),
    )
    if quotation is not None:
        messages.success(request, _("%(number)s saved as a draft.") % {"number": quotation.number})
        return _to_detail(request, quotation)
    return _quotation_form_page(request, form, rows, None, extra)


@_GET_POST
@workspace_view(Perm.SALES_EDIT)
def quotation_edit_view(request: WorkspaceRequest, quotation_id: int) -> HttpResponse:
    quotation = _get_quotation(request, quotation_id)
    if quotation.status != QuotationStatus.DRAFT:
        messages.error(request, _("Only a draft can be changed. Revise the quotation to make a new version."))
        return _to_detail(request, quotation)
    initial = {
        "contact": contact_label(quotation.contact),
        "kind": quotation.kind,
        "deal": str(quotation.deal_id or ""),
        "issue_date": quotation.issue_date,
        "valid_until": quotation.valid_until,
        "payment_terms_days": str(quotation.payment_terms_days),
        "shipping_cost": money_text(quotation.shipping_cost) if quotation.shipping_cost else "",
        "other_costs": money_text(quotation.other_costs) if quotation.other_costs else "",
        "other_costs_label": quotation.other_costs_label,
        "deposit_kind": quotation.deposit_kind,
        "deposit_value": number_text(quotation.deposit_value) if quotation.deposit_value else "",
        "notes": quotation.notes,
        "terms": quotation.terms,
    }
    if quotation.deposit_kind == "amount" and quotation.deposit_value:
        initial["deposit_value"] = money_text(quotation.deposit_value)
    deals = selectors_quotations.deal_choices(workspace=request.workspace, include_id=quotation.deal_id)
    form = QuotationForm(request.POST or None, initial=initial, deals=deals)
    form.fields["kind"].disabled = True  # the number belongs to the kind's series
    rows = LineRows.from_post(request.POST) if request.method == "POST" else LineRows.from_document(quotation)
    saved, extra = lines_form_submit(
        request,
        form,
        rows,
        lambda: services_quotations.quotation_update(
            quotation=quotation, actor=request.user, values=form.values(), lines=rows.service_rows()
        ),
    )
    if saved is not None:
        messages.success(request, _("Changes saved."))
        return _to_detail(request, quotation)
    return _quotation_form_page(request, form, rows, quotation, extra)


@require_GET
@workspace_view(Perm.SALES_VIEW)
def quotation_detail_view(request: WorkspaceRequest, quotation_id: int) -> HttpResponse:
    quotation = _get_quotation(request, quotation_id)
    status = quotation.status
    can_edit = request.membership.can(Perm.SALES_EDIT)
    order = SalesOrder.objects.filter(quotation=quotation).only("pk", "number").first()
    context: dict[str, Any] = {
        "quotation": quotation,
        "versions": selectors_quotations.quotation_versions(quotation=quotation),
        "events": selectors_quotations.quotation_events(quotation=quotation),
        "public_url": services_quotations.public_url(quotation),
        "sales_order": order,
        "can_edit": can_edit,
        "can_update": can_edit and status == QuotationStatus.DRAFT,
        "can_send": can_edit and status in (QuotationStatus.DRAFT, QuotationStatus.SENT),
        "can_revise": can_edit and status in services_quotations.REVISABLE,
        "can_answer": can_edit and status == QuotationStatus.SENT,
        "can_cancel": can_edit and status in services_quotations.CANCELLABLE,
        "can_convert": can_edit and status == QuotationStatus.ACCEPTED and order is None,
        "sales_tab": "quotations",
    }
    context.update(paper_context(document=quotation))
    return render(request, "sales/quotation_detail.html", context)


@require_POST
@workspace_view(Perm.SALES_EDIT)
def quotation_send_view(request: WorkspaceRequest, quotation_id: int) -> HttpResponse:
    quotation = _get_quotation(request, quotation_id)
    channel = request.POST.get("channel", "")
    try:
        result = services_quotations.quotation_send(
            quotation=quotation, actor=request.user, channel=channel, email=request.POST.get("email") or None
        )
    except ApplicationError as error:
        messages.error(request, " ".join([str(error.message), *map(str, error.fields.values())]))
        return _to_detail(request, quotation)
    if channel == "whatsapp" and result.whatsapp_url:
        return HttpResponseRedirect(result.whatsapp_url)  # opens WhatsApp with the text filled in
    if channel == "email":
        messages.success(
            request,
            _("Sent by e-mail to %(to)s.") % {"to": request.POST.get("email") or quotation.buyer_email},
        )
    else:
        messages.success(request, _("Marked as sent. Share this link: %(url)s") % {"url": result.public_url})
    return _to_detail(request, quotation)


def _action(request: WorkspaceRequest, quotation: Quotation, run: Any, done: str) -> HttpResponse:
    try:
        run()
    except ApplicationError as error:
        messages.error(request, " ".join([str(error.message), *map(str, error.fields.values())]))
    else:
        messages.success(request, done)
    return _to_detail(request, quotation)


@require_POST
@workspace_view(Perm.SALES_EDIT)
def quotation_revise_view(request: WorkspaceRequest, quotation_id: int) -> HttpResponse:
    quotation = _get_quotation(request, quotation_id)
    return _action(
        request,
        quotation,
        lambda: services_quotations.quotation_revise(quotation=quotation, actor=request.user),
        _("A new draft version was opened; the previous version is kept."),
    )


@require_POST
@workspace_view(Perm.SALES_EDIT)
def quotation_cancel_view(request: WorkspaceRequest, quotation_id: int) -> HttpResponse:
    quotation = _get_quotation(request, quotation_id)
    return _action(
        request,
        quotation,
        lambda: services_quotations.quotation_cancel(
            quotation=quotation, actor=request.user, reason=request.POST.get("reason", "")
        ),
        _("Quotation cancelled. Its link no longer works."),
    )


@require_POST
@workspace_view(Perm.SALES_EDIT)
def quotation_accept_view(request: WorkspaceRequest, quotation_id: int) -> HttpResponse:
    """The seller records the buyer's acceptance on their behalf (by phone, in a meeting)."""
    quotation = _get_quotation(request, quotation_id)
    return _action(
        request,
        quotation,
        lambda: services_quotations.quotation_accept(
            quotation=quotation,
            actor=request.user,
            name=request.POST.get("name", ""),
            po_number=request.POST.get("po_number", ""),
        ),
        _("Recorded as accepted."),
    )


@require_POST
@workspace_view(Perm.SALES_EDIT)
def quotation_decline_view(request: WorkspaceRequest, quotation_id: int) -> HttpResponse:
    quotation = _get_quotation(request, quotation_id)
    return _action(
        request,
        quotation,
        lambda: services_quotations.quotation_decline(
            quotation=quotation, actor=request.user, reason=request.POST.get("reason", "")
        ),
        _("Recorded as declined."),
    )


@require_POST
@workspace_view(Perm.SALES_EDIT)
def quotation_convert_view(request: WorkspaceRequest, quotation_id: int) -> HttpResponse:
    quotation = _get_quotation(request, quotation_id)
    try:
        order = services_quotations.quotation_convert(quotation=quotation, actor=request.user)
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return _to_detail(request, quotation)
    messages.success(request, _("Sales order %(number)s created.") % {"number": order.number})
    return redirect("sales:order_detail", request.workspace.slug, order.pk)


# Sales orders ----------------------------------------------------------------------------


@require_GET
@workspace_view(Perm.SALES_VIEW)
def order_list_view(request: WorkspaceRequest) -> HttpResponse:
    filters = selectors_orders.OrderFilters(
        status=request.GET.get("status", ""), contact_id=int_or_none(request.GET.get("contact"))
    )
    try:
        page = paginate_keyset(
            selectors_orders.salesorder_list(workspace=request.workspace, filters=filters),
            cursor=request.GET.get("cursor") or None,
            limit=PAGE_SIZE,
        )
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return redirect("sales:order_list", request.workspace.slug)
    query = request.GET.copy()
    query.pop("cursor", None)
    context: dict[str, Any] = {
        "orders": page.items,
        "next_cursor": page.next_cursor,
        "query_string": query.urlencode(),
        "filters": filters,
        "statuses": OrderStatus.choices,
        "can_edit": request.membership.can(Perm.SALES_EDIT),
        "sales_tab": "orders",
    }
    if request.htmx and request.htmx.target in ("order-rows", "more-row"):
        return render(request, "sales/order_list_rows.html", context)
    return render(request, "sales/order_list.html", context)


@_GET_POST
@workspace_view(Perm.SALES_EDIT)
def order_create_view(request: WorkspaceRequest) -> HttpResponse:
    initial: dict[str, Any] = {}
    contact_id = int_or_none(request.GET.get("contact"))
    if request.method == "GET":
        initial["order_date"] = timezone.localdate()
    if request.method == "GET" and contact_id:
        found = selectors_quotations.contact_choices(
            workspace=request.workspace, include_id=contact_id, limit=0
        )
        if found:
            initial["contact"] = contact_label(found[0])
    form = SalesOrderForm(request.POST or None, initial=initial)
    rows = LineRows.from_post(request.POST) if request.method == "POST" else LineRows([])
    order, extra = lines_form_submit(
        request,
        form,
        rows,
        lambda: services_orders.salesorder_create(
            workspace=request.workspace, actor=request.user, values=form.values(), lines=rows.service_rows()
        ),
    )
    if order is not None:
        messages.success(request, _("Sales order %(number)s created.") % {"number": order.number})
        return redirect("sales:order_detail", request.workspace.slug, order.pk)
    context = {
        "form": form,
        "contact_options": _contact_options(request, str(form["contact"].value() or "")),
        "sales_tab": "orders",
        **line_editor_context(request, rows, extra_blank=extra),
    }
    return render(request, "sales/order_form.html", context, status=form_status(request))


@require_GET
@workspace_view(Perm.SALES_VIEW)
def order_detail_view(request: WorkspaceRequest, order_id: int) -> HttpResponse:
    order = _get_order(request, order_id)
    can_edit = request.membership.can(Perm.SALES_EDIT)
    context: dict[str, Any] = {
        "order": order,
        "events": selectors_orders.salesorder_events(order=order),
        "can_edit": can_edit,
        "can_cancel": can_edit and order.status == OrderStatus.CONFIRMED,
        "can_invoice": can_edit and order.status == OrderStatus.CONFIRMED,
        "sales_tab": "orders",
    }
    context.update(paper_context(document=order))
    return render(request, "sales/order_detail.html", context)


@require_POST
@workspace_view(Perm.SALES_EDIT)
def order_cancel_view(request: WorkspaceRequest, order_id: int) -> HttpResponse:
    order = _get_order(request, order_id)
    try:
        services_orders.salesorder_cancel(
            order=order, actor=request.user, reason=request.POST.get("reason", "")
        )
    except ApplicationError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Sales order cancelled."))
    return redirect("sales:order_detail", request.workspace.slug, order.pk)
