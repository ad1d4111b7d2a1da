"""Sales order services: direct orders, PPN by PKP status, cancel only when not invoiced."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from relasi.accounts.models import User, Workspace
from relasi.contacts.models import Contact
from relasi.core.exceptions import Conflict, ValidationError
from relasi.sales.documents import buyer_snapshot, public_token_new
from relasi.sales.enums import DocumentEventKind, DocumentType, InvoiceStatus, OrderStatus
from relasi.sales.models import DocumentEvent, Invoice, SalesOrder, SalesProfile
from relasi.sales.services_orders import salesorder_cancel, salesorder_create

LINE = {"description": "Jasa Desain Kartu", "quantity": "10", "unit": "jam", "unit_price": "150.000"}


def create(workspace: Workspace, owner: User, buyer: Contact, **values: str) -> SalesOrder:
    return salesorder_create(
        workspace=workspace,
        actor=owner,
        values={"contact": buyer.pk, "order_date": dt.date(2026, 5, 4), **values},
        lines=[LINE],
    )


def test_direct_order_from_a_pkp_seller(
    workspace: Workspace, owner: User, buyer: Contact, profile: SalesProfile
) -> None:
    # 10 h × Rp150.000 = Rp1.500.000; PPN 12% × 11/12 = Rp165.000
    order = create(workspace, owner, buyer, customer_po_number="PO-2026-01")
    assert order.number == "SO/0001/V/2026"
    assert (order.net_total, order.ppn_total, order.grand_total) == (
        Decimal("1500000"),
        Decimal("165000"),
        Decimal("1665000"),
    )
    assert order.status == OrderStatus.CONFIRMED
    assert order.customer_po_number == "PO-2026-01"
    assert order.payment_terms_days == profile.payment_terms_days
    assert DocumentEvent.objects.filter(
        document_type=DocumentType.SALES_ORDER, document_id=order.pk, kind=DocumentEventKind.CREATED
    ).exists()


def test_non_pkp_order_has_no_ppn(
    workspace: Workspace, owner: User, buyer: Contact, non_pkp_profile: SalesProfile
) -> None:
    order = create(workspace, owner, buyer)
    assert (order.ppn_total, order.grand_total, order.tax_applied) == (
        Decimal("0"),
        Decimal("1500000"),
        False,
    )


def test_bad_lines_write_nothing(
    workspace: Workspace, owner: User, buyer: Contact, profile: SalesProfile
) -> None:
    with pytest.raises(ValidationError) as caught:
        salesorder_create(
            workspace=workspace,
            actor=owner,
            values={"contact": buyer.pk},
            lines=[LINE, {**LINE, "quantity": "-3"}],
        )
    assert "lines.2.quantity" in caught.value.fields
    assert not SalesOrder.objects.exists()
    with pytest.raises(ValidationError) as caught:
        salesorder_create(workspace=workspace, actor=owner, values={"contact": buyer.pk}, lines=[])
    assert "lines" in caught.value.fields


def test_cancel_only_when_not_invoiced(
    workspace: Workspace, owner: User, buyer: Contact, profile: SalesProfile
) -> None:
    order = create(workspace, owner, buyer)
    Invoice.objects.create(
        workspace=workspace,
        contact=buyer,
        sales_order=order,
        status=InvoiceStatus.DRAFT,
        due_date=dt.date(2026, 5, 18),
        public_token=public_token_new(),
        **buyer_snapshot(buyer),
    )
    with pytest.raises(Conflict):
        salesorder_cancel(order=order, actor=owner)
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED
    free = create(workspace, owner, buyer)
    salesorder_cancel(order=free, actor=owner, reason="Dibatalkan pembeli")
    free.refresh_from_db()
    assert free.status == OrderStatus.CANCELLED
    with pytest.raises(Conflict):
        salesorder_cancel(order=free, actor=owner)
