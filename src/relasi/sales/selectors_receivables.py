"""Receivables (piutang): what customers still owe on issued invoices, aged by days past due,
and the overdue list with the last reminder sent.

Ageing buckets by days past due as of today in the workspace's time zone: current (not yet
due), 1–30, 31–60, 61–90 and more than 90 days. Computed in SQL (``Case``/``When`` on the
due date inside ``Sum``), one query for the totals and one for the rows per customer.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Max,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relasi.accounts.models import Workspace
from relasi.sales.enums import OPEN_INVOICE_STATUSES
from relasi.sales.models import Invoice

ZERO = Decimal("0")
OVERDUE_SHOWN = 200

# (key, label, lowest days past due, highest days past due or None for open-ended)
BUCKETS: tuple[tuple[str, Any, int | None, int | None], ...] = (
    ("current", _("Not yet due"), None, 0),
    ("days_1_30", _("1–30 days"), 1, 30),
    ("days_31_60", _("31–60 days"), 31, 60),
    ("days_61_90", _("61–90 days"), 61, 90),
    ("days_over_90", _("More than 90 days"), 91, None),
)

_MONEY = DecimalField(max_digits=18, decimal_places=2)


def workspace_today(*, workspace: Workspace) -> date:
    """Today's date where the workspace is (WIB, WITA or WIT)."""
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(workspace.timezone))


def _balance() -> ExpressionWrapper[Any]:
    """Balance due = total − credited − paid (stored on the invoice by
    ``invoice_balance_refresh``)."""
    return ExpressionWrapper(F("grand_total") - F("amount_credited") - F("amount_paid"), output_field=_MONEY)


def _bucket_condition(*, today: date, low: int | None, high: int | None) -> Q:
    """Days past due = today − due date; ``low ≤ days ≤ high`` as a condition on the due date."""
    condition = Q()
    if high is not None:
        condition &= Q(due_date__gte=today - timedelta(days=high))
    if low is not None:
        condition &= Q(due_date__lte=today - timedelta(days=low))
    return condition


def _bucket_sums(today: date) -> dict[str, Any]:
    sums: dict[str, Any] = {
        key: Coalesce(
            Sum(
                Case(
                    When(_bucket_condition(today=today, low=low, high=high), then=_balance()),
                    default=Value(ZERO),
                    output_field=_MONEY,
                )
            ),
            Value(ZERO),
            output_field=_MONEY,
        )
        for key, _label, low, high in BUCKETS
    }
    sums["total"] = Coalesce(Sum(_balance()), Value(ZERO), output_field=_MONEY)
    return sums


def open_invoices(*, workspace: Workspace) -> QuerySet[Invoice]:
    """Issued invoices with something left to pay."""
    return Invoice.objects.filter(workspace=workspace, status__in=OPEN_INVOICE_STATUSES).filter(
        grand_total__gt=F("amount_credited") + F("amount_paid")
    )


@dataclass
class AgeingRow:
    contact_id: int | None
    name: str
    amounts: dict[str, Decimal]
    total: Decimal
    invoices: int = 0


@dataclass
class Ageing:
    today: date
    total: AgeingRow
    customers: list[AgeingRow] = field(default_factory=list)

    @property
    def buckets(self) -> list[tuple[str, Any]]:
        return [(key, label) for key, label, _low, _high in BUCKETS]


def _row(values: dict[str, Any], *, contact_id: int | None, name: str) -> AgeingRow:
    return AgeingRow(
        contact_id=contact_id,
        name=name,
        amounts={key: values[key] or ZERO for key, _label, _low, _high in BUCKETS},
        total=values["total"] or ZERO,
        invoices=values.get("invoices") or 0,
    )


def receivables_ageing(*, workspace: Workspace, today: date | None = None, customers: int = 100) -> Ageing:
    """Balances due per ageing bucket, in total and for the ``customers`` customers who owe
    the most (two queries)."""
    today = today or workspace_today(workspace=workspace)
    sums = _bucket_sums(today)
    invoices = open_invoices(workspace=workspace)
    totals = invoices.aggregate(**sums, invoices=Count("id"))
    grouped: Any = invoices.values("contact_id").annotate(
        name=Max("buyer_name"), invoices=Count("id"), **sums
    )
    per_customer = grouped.order_by("-total", "contact_id")[:customers]
    return Ageing(
        today=today,
        total=_row(totals, contact_id=None, name=str(_("Total"))),
        customers=[_row(v, contact_id=v["contact_id"], name=v["name"]) for v in per_customer],
    )


def ageing_totals(*, workspace: Workspace, today: date | None = None) -> dict[str, Decimal]:
    """The totals row only (one query): bucket key → balance due, plus ``total``."""
    today = today or workspace_today(workspace=workspace)
    values = open_invoices(workspace=workspace).aggregate(**_bucket_sums(today))
    return {key: values[key] or ZERO for key in values}


@dataclass
class OverdueInvoice:
    invoice: Invoice
    balance: Decimal
    days_overdue: int


def overdue_list(
    *, workspace: Workspace, today: date | None = None, limit: int = OVERDUE_SHOWN
) -> list[OverdueInvoice]:
    """Open invoices past their due date, most overdue first (then the oldest number), with
    the balance due, the customer and the last reminder. At most ``limit`` rows (one query)."""
    today = today or workspace_today(workspace=workspace)
    rows = (
        open_invoices(workspace=workspace)
        .filter(due_date__lt=today)
        .select_related("contact")
        .annotate(balance=_balance())
        .order_by("due_date", "id")[:limit]
    )
    return [
        OverdueInvoice(invoice=row, balance=row.balance, days_overdue=(today - row.due_date).days)  # type: ignore[attr-defined]
        for row in rows
    ]
