"""API: ``/api/v1/quotations`` and ``/api/v1/sales-orders``. Thin endpoints over
``services_quotations``, ``services_orders`` and their selectors. Money in and out is a
decimal string (``"1110000.00"``); lists are cursor-paginated (``?cursor=``, ``next``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from relasi.accounts.api_access import ErrorOut, api_access
from relasi.accounts.models import Workspace
from relasi.accounts.permissions import Perm
from relasi.core.exceptions import NotFound
from relasi.sales import inputs, selectors_orders, selectors_quotations, services_orders, services_quotations
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
from relasi.sales.models import Quotation, SalesOrder

quotations_router = Router()
sales_orders_router = Router()


class QuotationIn(Schema):
    """On create ``contact_id`` (or ``deal_id``) and ``lines`` are required; on PATCH send only
    what changes (``lines`` replaces every line)."""

    contact_id: int | None = None
    kind: str | None = Field(None, description="quotation or proforma")
    deal_id: int | None = None
    issue_date: dt.date | None = None
    valid_until: dt.date | None = Field(None, description="Default: issue date + the profile's validity")
    payment_terms_days: int | None = None
    shipping_cost: AmountIn = None
    other_costs: AmountIn = None
    other_costs_label: str | None = None
    deposit_kind: str | None = Field(None, description="none, percent or amount (proforma only)")
    deposit_value: AmountIn = None
    notes: str | None = None
    terms: str | None = None
    customer_po_number: str | None = None
    lines: list[LineIn] | None = None


class QuotationOut(Schema):
    id: int
    kind: str
    number: str
    version: int
    status: str
    contact_id: int
    deal_id: int | None
    buyer_name: str
    buyer_address: str
    buyer_email: str
    buyer_phone: str
    buyer_npwp: str
    issue_date: dt.date
    valid_until: dt.date
    payment_terms_days: int
    tax_applied: bool
    ppn_rate: Number
    shipping_cost: Money
    other_costs: Money
    other_costs_label: str
    subtotal: Money
    discount_total: Money
    net_total: Money
    other_base_total: Money
    ppn_total: Money
    grand_total: Money
    deposit_kind: str
    deposit_value: Number
    deposit_amount: Money
    notes: str
    terms: str
    customer_po_number: str
    sent_at: dt.datetime | None
    viewed_at: dt.datetime | None
    answered_at: dt.datetime | None
    answered_by_name: str
    decline_reason: str
    public_url: str
    created_at: dt.datetime
    lines: list[LineOut]

    @staticmethod
    def resolve_public_url(obj: Quotation) -> str:
        return services_quotations.public_url(obj)

    @staticmethod
    def resolve_lines(obj: Quotation) -> list[Any]:
        return list(obj.lines.all())


class QuotationSummaryOut(Schema):
    id: int
    kind: str
    number: str
    version: int
    status: str
    contact_id: int
    buyer_name: str
    issue_date: dt.date
    valid_until: dt.date
    grand_total: Money
    deposit_amount: Money
    created_at: dt.datetime


class QuotationPage(Schema):
    items: list[QuotationSummaryOut]
    next: str | None


class QuotationQuery(PageQuery):
    status: str = ""
    kind: str = ""
    contact_id: int | None = None


class SendIn(Schema):
    channel: str = Field(..., description="email, whatsapp or link")
    email: str | None = Field(None, description="Default: the buyer's e-mail")


class SendOut(Schema):
    status: str
    public_url: str
    whatsapp_url: str | None = None


class AcceptIn(Schema):
    name: str = ""
    po_number: str = ""


class ReasonIn(Schema):
    reason: str = ""


class SalesOrderIn(Schema):
    contact_id: int | None = None
    order_date: dt.date | None = None
    customer_po_number: str | None = None
    payment_terms_days: int | None = None
    shipping_cost: AmountIn = None
    other_costs: AmountIn = None
    other_costs_label: str | None = None
    notes: str | None = None
    lines: list[LineIn] = []


class SalesOrderOut(Schema):
    id: int
    number: str
    status: str
    quotation_id: int | None
    contact_id: int
    buyer_name: str
    buyer_address: str
    buyer_npwp: str
    order_date: dt.date
    customer_po_number: str
    payment_terms_days: int
    tax_applied: bool
    ppn_rate: Number
    shipping_cost: Money
    other_costs: Money
    other_costs_label: str
    subtotal: Money
    discount_total: Money
    net_total: Money
    other_base_total: Money
    ppn_total: Money
    grand_total: Money
    notes: str
    created_at: dt.datetime
    lines: list[LineOut]

    @staticmethod
    def resolve_lines(obj: SalesOrder) -> list[Any]:
        return list(obj.lines.all())


class SalesOrderSummaryOut(Schema):
    id: int
    number: str
    status: str
    quotation_id: int | None
    contact_id: int
    buyer_name: str
    order_date: dt.date
    customer_po_number: str
    grand_total: Money
    created_at: dt.datetime


class SalesOrderPage(Schema):
    items: list[SalesOrderSummaryOut]
    next: str | None


def _header_values(payload: Schema) -> dict[str, Any]:
    values = payload.model_dump(exclude_unset=True, exclude={"lines"})
    for api_name, name in (("contact_id", "contact"), ("deal_id", "deal")):
        if api_name in values:
            values[name] = values.pop(api_name)
    return values


def _quotation_or_404(workspace: Workspace, quotation_id: int) -> Quotation:
    quotation = selectors_quotations.quotation_get(workspace=workspace, quotation_id=quotation_id)
    if quotation is None:
        raise NotFound(_("Quotation not found."), code="not_found")
    return quotation


def _order_or_404(workspace: Workspace, order_id: int) -> SalesOrder:
    order = selectors_orders.salesorder_get(workspace=workspace, order_id=order_id)
    if order is None:
        raise NotFound(_("Sales order not found."), code="not_found")
    return order


_ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


# Quotations ------------------------------------------------------------------------------


@quotations_router.get("", response=QuotationPage, summary="List quotations and proforma invoices")
def quotation_list_api(request: HttpRequest, query: Query[QuotationQuery]) -> dict[str, Any]:
    workspace, _user = api_access(request, Perm.SALES_VIEW)
    filters = selectors_quotations.QuotationFilters(
        status=query.status, kind=query.kind, contact_id=query.contact_id
    )
    return page_of(
        selectors_quotations.quotation_list(workspace=workspace, filters=filters),
        cursor=query.cursor,
        limit=query.limit,
    )


@quotations_router.post("", response={201: QuotationOut, **_ERRORS}, summary="Create a draft quotation")
def quotation_create_api(request: HttpRequest, payload: QuotationIn) -> Status[Quotation]:
    workspace, user = api_access(request, Perm.SALES_EDIT)
    quotation = services_quotations.quotation_create(
        workspace=workspace,
        actor=user,
        values=_header_values(payload),
        lines=line_rows(payload.lines or []),
        input_format=inputs.API,
    )
    return Status(201, _quotation_or_404(workspace, quotation.pk))


@quotations_router.get("/{int:quotation_id}", response={200: QuotationOut, 404: ErrorOut})
def quotation_get_api(request: HttpRequest, quotation_id: int) -> Quotation:
    workspace, _user = api_access(request, Perm.SALES_VIEW)
    return _quotation_or_404(workspace, quotation_id)


@quotations_router.patch(
    "/{int:quotation_id}", response={200: QuotationOut, **_ERRORS}, summary="Change a draft"
)
def quotation_update_api(request: HttpRequest, quotation_id: int, payload: QuotationIn) -> Quotation:
    workspace, user = api_access(request, Perm.SALES_EDIT)
    quotation = _quotation_or_404(workspace, quotation_id)
    services_quotations.quotation_update(
        quotation=quotation,
        actor=user,
        values=_header_values(payload),
        lines=line_rows(payload.lines) if payload.lines is not None else None,
        input_format=inputs.API,
    )
    return _quotation_or_404(workspace, quotation_id)


@quotations_router.post("/{int:quotation_id}/send", response={200: SendOut, **_ERRORS})
def quotation_send_api(request: HttpRequest, quotation_id: int, payload: SendIn) -> SendOut:
    workspace, user = api_access(request, Perm.SALES_EDIT)
    result = services_quotations.quotation_send(
        quotation=_quotation_or_404(workspace, quotation_id),
        actor=user,
        channel=payload.channel,
        email=payload.email,
    )
    return SendOut(status=result.status, public_url=result.public_url, whatsapp_url=result.whatsapp_url)


@quotations_router.post("/{int:quotation_id}/revise", response={200: QuotationOut, **_ERRORS})
def quotation_revise_api(request: HttpRequest, quotation_id: int) -> Quotation:
    workspace, user = api_access(request, Perm.SALES_EDIT)
    services_quotations.quotation_revise(quotation=_quotation_or_404(workspace, quotation_id), actor=user)
    return _quotation_or_404(workspace, quotation_id)


@quotations_router.post("/{int:quotation_id}/accept", response={200: QuotationOut, **_ERRORS})
def quotation_accept_api(request: HttpRequest, quotation_id: int, payload: AcceptIn) -> Quotation:
    """Record the buyer's acceptance on their behalf."""
    workspace, user = api_access(request, Perm.SALES_EDIT)
    services_quotations.quotation_accept(
        quotation=_quotation_or_404(workspace, quotation_id),
        actor=user,
        name=payload.name,
        po_number=payload.po_number,
    )
    return _quotation_or_404(workspace, quotation_id)


@quotations_router.post("/{int:quotation_id}/decline", response={200: QuotationOut, **_ERRORS})
def quotation_decline_api(request: HttpRequest, quotation_id: int, payload: ReasonIn) -> Quotation:
    workspace, user = api_access(request, Perm.SALES_EDIT)
    services_quotations.quotation_decline(
        quotation=_quotation_or_404(workspace, quotation_id), actor=user, reason=payload.reason
    )
    return _quotation_or_404(workspace, quotation_id)


@quotations_router.post("/{int:quotation_id}/cancel", response={200: QuotationOut, **_ERRORS})
def quotation_cancel_api(
    request: HttpRequest, quotation_id: int, payload: ReasonIn | None = None
) -> Quotation:
    workspace, user = api_access(request, Perm.SALES_EDIT)
    services_quotations.quotation_cancel(
        quotation=_quotation_or_404(workspace, quotation_id),
        actor=user,
        reason=payload.reason if payload else "",
    )
    return _quotation_or_404(workspace, quotation_id)


@quotations_router.post("/{int:quotation_id}/convert", response={201: SalesOrderOut, **_ERRORS})
def quotation_convert_api(request: HttpRequest, quotation_id: int) -> Status[SalesOrder]:
    """Make the sales order of an accepted quotation (once; again → 409)."""
    workspace, user = api_access(request, Perm.SALES_EDIT)
    order = services_quotations.quotation_convert(
        quotation=_quotation_or_404(workspace, quotation_id), actor=user
    )
    return Status(201, _order_or_404(workspace, order.pk))


@quotations_router.get("/{int:quotation_id}/pdf", response={200: None, 404: ErrorOut})
def quotation_pdf_api(request: HttpRequest, quotation_id: int) -> HttpResponse:
    workspace, _user = api_access(request, Perm.SALES_VIEW)
    from relasi.sales.pdf import pdf_response

    return pdf_response(document=_quotation_or_404(workspace, quotation_id), request=request)


# Sales orders ----------------------------------------------------------------------------


@sales_orders_router.get("", response=SalesOrderPage, summary="List sales orders")
def salesorder_list_api(
    request: HttpRequest,
    status: str = "",
    contact_id: int | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> dict[str, Any]:
    workspace, _user = api_access(request, Perm.SALES_VIEW)
    return page_of(
        selectors_orders.salesorder_list(
            workspace=workspace, filters=selectors_orders.OrderFilters(status=status, contact_id=contact_id)
        ),
        cursor=cursor,
        limit=limit,
    )


@sales_orders_router.post(
    "", response={201: SalesOrderOut, **_ERRORS}, summary="Create a sales order directly"
)
def salesorder_create_api(request: HttpRequest, payload: SalesOrderIn) -> Status[SalesOrder]:
    workspace, user = api_access(request, Perm.SALES_EDIT)
    order = services_orders.salesorder_create(
        workspace=workspace,
        actor=user,
        values=_header_values(payload),
        lines=line_rows(payload.lines),
        input_format=inputs.API,
    )
    return Status(201, _order_or_404(workspace, order.pk))


@sales_orders_router.get("/{int:order_id}", response={200: SalesOrderOut, 404: ErrorOut})
def salesorder_get_api(request: HttpRequest, order_id: int) -> SalesOrder:
    workspace, _user = api_access(request, Perm.SALES_VIEW)
    return _order_or_404(workspace, order_id)


@sales_orders_router.post("/{int:order_id}/cancel", response={200: SalesOrderOut, **_ERRORS})
def salesorder_cancel_api(request: HttpRequest, order_id: int, payload: ReasonIn | None = None) -> SalesOrder:
    workspace, user = api_access(request, Perm.SALES_EDIT)
    services_orders.salesorder_cancel(
        order=_order_or_404(workspace, order_id), actor=user, reason=payload.reason if payload else ""
    )
    return _order_or_404(workspace, order_id)


@sales_orders_router.get("/{int:order_id}/pdf", response={200: None, 404: ErrorOut})
def salesorder_pdf_api(request: HttpRequest, order_id: int) -> HttpResponse:
    workspace, _user = api_access(request, Perm.SALES_VIEW)
    from relasi.sales.pdf import pdf_response

    return pdf_response(document=_order_or_404(workspace, order_id), request=request)
