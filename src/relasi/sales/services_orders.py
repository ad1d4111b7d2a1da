"""Sales orders: the buyer's commitment, from an accepted quotation
(``services_quotations.quotation_convert``) or entered directly here. Invoicing an order is
the invoices area's job (``invoice_create_from_order``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from relasi.accounts.models import User, Workspace
from relasi.core.exceptions import Conflict, fields_invalid
from relasi.sales import documents, events, numbering
from relasi.sales.enums import DocumentEventKind, DocumentType, InvoiceStatus, OrderStatus, Series
from relasi.sales.inputs import (
    FORM,
    charges_clean,
    contact_clean,
    date_clean,
    lines_clean_collect,
    parsers_for,
)
from relasi.sales.models import SalesOrder
from relasi.sales.profile import sales_profile_get
from relasi.sales.tax import tax_rule_for


def _record(order: SalesOrder, kind: str, actor: User | None, data: dict[str, Any] | None = None) -> None:
    events.document_event_record(
        contact=order.contact,
        document_type=DocumentType.SALES_ORDER,
        document_id=order.pk,
        number=order.number,
        kind=kind,
        actor=actor,
        data=data,
    )


@transaction.atomic
def salesorder_create(
    *,
    workspace: Workspace,
    actor: User | None,
    values: Mapping[str, Any],
    lines: Sequence[Mapping[str, Any]],
    input_format: str = FORM,
) -> SalesOrder:
    """Enter a confirmed sales order directly (no quotation), numbered from the SO series on
    its date; PPN only when the seller is PKP on that date."""
    parsers = parsers_for(input_format)
    errors: dict[str, str] = {}
    contact = contact_clean(workspace=workspace, raw=values.get("contact"), errors=errors)
    order_date = (
        date_clean(values.get("order_date"), field="order_date", errors=errors) or timezone.localdate()
    )
    charges = charges_clean(values, parsers=parsers, errors=errors)
    cleaned = lines_clean_collect(workspace=workspace, rows=lines, parsers=parsers, errors=errors)
    if errors or contact is None:
        raise fields_invalid(errors)
    profile = sales_profile_get(workspace=workspace)
    order = SalesOrder(
        workspace=workspace,
        number=numbering.number_allocate(workspace=workspace, series=Series.SALES_ORDER, day=order_date),
        order_date=order_date,
        contact=contact,
        customer_po_number=charges.customer_po_number,
        payment_terms_days=(
            charges.payment_terms_days
            if charges.payment_terms_days is not None
            else profile.payment_terms_days
        ),
        notes=charges.notes,
        shipping_cost=charges.shipping_cost,
        other_costs=charges.other_costs,
        other_costs_label=charges.other_costs_label,
        created_by=actor,
        **documents.buyer_snapshot(contact),
    )
    order.save()
    documents.lines_store(document=order, lines=cleaned, rule=tax_rule_for(profile=profile, day=order_date))
    order.save()
    _record(order, DocumentEventKind.CREATED, actor, {"total": str(order.grand_total)})
    return order


@transaction.atomic
def salesorder_cancel(*, order: SalesOrder, actor: User | None, reason: str = "") -> SalesOrder:
    """Cancel a confirmed order that has no invoice (void the invoice first)."""
    locked = SalesOrder.objects.select_for_update().select_related("contact").get(pk=order.pk)
    if locked.status == OrderStatus.CANCELLED:
        raise Conflict(_("This sales order is already cancelled."), code="not_cancellable")
    invoiced = locked.invoices.exclude(status=InvoiceStatus.VOID).first()
    if locked.status == OrderStatus.INVOICED or invoiced is not None:
        raise Conflict(
            _("This sales order has an invoice (%(number)s). Void the invoice before cancelling the order.")
            % {"number": (invoiced.number or _("draft")) if invoiced else "?"},
            code="invoiced",
        )
    locked.status = OrderStatus.CANCELLED
    locked.save(update_fields=["status", "updated_at"])
    _record(locked, DocumentEventKind.CANCELLED, actor, {"reason": reason[:500]})
    return locked
