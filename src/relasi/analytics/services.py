"""Writes the owner makes by hand: acquisition costs and production runs (cycle time)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from relasi.accounts.models import User, Workspace
from relasi.analytics.models import AcquisitionCost, CycleTimeRecord
from relasi.contacts.enums import Source
from relasi.core.exceptions import NotFound, fields_invalid
from relasi.core.money import MoneyParseError, parse_money


def _amount(value: Any, errors: dict[str, str | Promise], name: str, message: str) -> Decimal:
    """A rupiah amount: a number as such, or text the Indonesian way ("1.500.000",
    "1500000,50", "Rp 1.500.000"); never negative."""
    try:
        number = parse_money(value) if isinstance(value, str) else Decimal(value)
    except (MoneyParseError, InvalidOperation, ValueError, TypeError):
        errors[name] = message
        return Decimal("0")
    if number < 0:
        errors[name] = message
    return number


@transaction.atomic
def acquisition_cost_set(
    *, workspace: Workspace, source: str, month: dt.date | str, amount: Any, note: str = ""
) -> AcquisitionCost:
    """Record what one source cost in one month (setting it again replaces the amount).
    Amounts typed as "1.500.000" or "1500000,50" are read the Indonesian way."""
    errors: dict[str, str | Promise] = {}
    if source not in Source.values or not source:
        errors["source"] = _("Choose where the customers came from.")
    try:
        day = month if isinstance(month, dt.date) else dt.date.fromisoformat(f"{str(month)[:7]}-01")
    except ValueError:
        errors["month"] = _("Give the month as YYYY-MM, e.g. 2026-11.")
        day = timezone.localdate()
    value = _amount(amount, errors, "amount", _("Give the cost in rupiah, e.g. 1.500.000."))
    if errors:
        raise fields_invalid(errors)
    cost, _created = AcquisitionCost.objects.update_or_create(
        workspace=workspace,
        source=source,
        month=day.replace(day=1),
        defaults={"amount": value, "note": str(note)[:200]},
    )
    return cost


@transaction.atomic
def acquisition_cost_delete(*, workspace: Workspace, cost_id: int) -> None:
    deleted, _rows = AcquisitionCost.objects.filter(workspace=workspace, pk=cost_id).delete()
    if not deleted:
        raise NotFound(_("This cost does not exist in this workspace."))


@transaction.atomic
def cycle_time_record_create(
    *,
    workspace: Workspace,
    actor: User | None,
    process: str,
    recorded_on: dt.date | str,
    net_production_hours: Any,
    units: Any,
    note: str = "",
) -> CycleTimeRecord:
    """Record a production run: its net production time (working time without breaks and
    stoppages) and the units it produced. Cycle time = hours / units."""
    errors: dict[str, str | Promise] = {}
    name = " ".join(str(process or "").split())[:120]
    if not name:
        errors["process"] = _("Name the process, e.g. Sablon kaos.")
    try:
        day = recorded_on if isinstance(recorded_on, dt.date) else dt.date.fromisoformat(str(recorded_on))
    except ValueError:
        errors["recorded_on"] = _("Give the date as YYYY-MM-DD.")
        day = timezone.localdate()
    try:
        hours = Decimal(str(net_production_hours).replace(",", "."))
    except (InvalidOperation, ValueError):
        hours = Decimal("-1")
    if not Decimal("0") < hours <= Decimal("10000"):
        errors["net_production_hours"] = _("Give the net production time in hours, more than 0, e.g. 7,5.")
    try:
        count = int(str(units))
    except ValueError:
        count = 0
    if count < 1:
        errors["units"] = _("Give the number of units produced, at least 1.")
    if errors:
        raise fields_invalid(errors)
    return CycleTimeRecord.objects.create(
        workspace=workspace,
        process=name,
        recorded_on=day,
        net_production_hours=hours,
        units=count,
        note=str(note)[:200],
        created_by=actor,
    )


@transaction.atomic
def cycle_time_record_delete(*, workspace: Workspace, record_id: int) -> None:
    deleted, _rows = CycleTimeRecord.objects.filter(workspace=workspace, pk=record_id).delete()
    if not deleted:
        raise NotFound(_("This record does not exist in this workspace."))
