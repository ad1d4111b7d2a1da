"""Reads of sales orders, always scoped to one workspace."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from relasi.accounts.models import Workspace
from relasi.sales.enums import DocumentType, OrderStatus
from relasi.sales.models import DocumentEvent, SalesOrder, SalesOrderLine
from relasi.sales.selectors_quotations import document_events


@dataclass(frozen=True)
class OrderFilters:
    status: str = ""
    contact_id: int | None = None


def salesorder_list(*, workspace: Workspace, filters: OrderFilters | None = None) -> QuerySet[SalesOrder]:
    f = filters or OrderFilters()
    qs = SalesOrder.objects.filter(workspace=workspace).select_related("contact", "quotation")
    if f.status in OrderStatus.values:
        qs = qs.filter(status=f.status)
    if f.contact_id:
        qs = qs.filter(contact_id=f.contact_id)
    return qs.order_by("-id")


def salesorder_get(*, workspace: Workspace, order_id: int) -> SalesOrder | None:
    return (
        SalesOrder.objects.filter(workspace=workspace, pk=order_id)
        .select_related("contact", "quotation", "workspace")
        .prefetch_related(
            Prefetch(
                "lines", queryset=SalesOrderLine.objects.select_related("product").order_by("position", "id")
            )
        )
        .first()
    )


def salesorder_events(*, order: SalesOrder) -> list[DocumentEvent]:
    return document_events(
        workspace=order.workspace, document_type=DocumentType.SALES_ORDER, document_id=order.pk
    )
