"""Customer lifetime value by the simple formula, and cycle time. Exact ``Decimal`` maths.

The probabilistic CLV (BG/NBD + Gamma-Gamma) is in ``bgnbd.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

RUPIAH = Decimal("1")
HUNDREDTHS = Decimal("0.01")
DAYS_PER_YEAR = 365
# A customer known for less than this is annualised over this many days, so one purchase
# last week does not read as 52 a year.
MIN_ANNUALISE_DAYS = 90


def simple_clv(
    *,
    average_sale: Decimal,
    purchases_per_year: Decimal,
    retention_years: Decimal,
    margin: Decimal | None = None,
) -> Decimal:
    """CLV = average sale × transactions per year × retention years (× margin, a fraction).

    The textbook example (DESIGN §1): Rp275.000 twice a month for three years is
    275.000 × 24 × 3 = Rp19.800.000. Rounded half-up to whole rupiah.
    """
    value = average_sale * purchases_per_year * retention_years
    if margin is not None:
        value *= margin
    return value.quantize(RUPIAH, rounding=ROUND_HALF_UP)


def purchases_per_year(*, orders_last_year: int, orders: int, tenure_days: int) -> Decimal:
    """Transactions per year for the simple CLV.

    A customer known for a year or more: the purchases of the last 365 days (what they buy in
    a year now). A newer customer: purchases so far annualised over their tenure, with the
    tenure counted as at least 90 days: orders × 365 / max(tenure, 90), to hundredths.
    """
    if tenure_days >= DAYS_PER_YEAR:
        return Decimal(orders_last_year)
    days = max(tenure_days, MIN_ANNUALISE_DAYS)
    return (Decimal(orders) * DAYS_PER_YEAR / Decimal(days)).quantize(HUNDREDTHS, rounding=ROUND_HALF_UP)


def average_sale(*, total_spend: Decimal, orders: int) -> Decimal:
    """Average sale = total spend / purchases, to whole rupiah (0 without purchases)."""
    if orders <= 0:
        return Decimal("0")
    return (total_spend / orders).quantize(RUPIAH, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class CycleTime:
    hours_per_unit: Decimal
    minutes_per_unit: Decimal


def cycle_time(*, net_production_hours: Decimal, units: int) -> CycleTime:
    """Cycle time = net production time / units produced.

    The textbook example: 8 hours of net production for 40 units is 8 / 40 = 0,2 hours per
    unit = 12 minutes. Net production time is the working time minus breaks and stoppages,
    entered by the owner. Kept to 4 decimals of an hour and 2 of a minute.
    """
    if units <= 0:
        raise ValueError("units must be positive")
    hours = net_production_hours / units
    return CycleTime(
        hours_per_unit=hours.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP),
        minutes_per_unit=(hours * 60).quantize(HUNDREDTHS, rounding=ROUND_HALF_UP),
    )
