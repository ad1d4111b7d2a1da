"""Customer lifetime value by the simple formula, and cycle time. Exact ``Decimal`` maths.

The probabilistic CLV (BG/NBD + Gamma-Gamma) is in ``bgnbd.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import numpy.typing as npt

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


@dataclass(frozen=True)
class SimpleClvColumns:
    """``simple_clv`` for many customers at once, exactly (integer arithmetic)."""

    average_sale: npt.NDArray[np.int64]  # rupiah
    purchases_per_year_hundredths: npt.NDArray[np.int64]
    simple_clv: npt.NDArray[np.int64]  # rupiah


def _divide_half_up(numerator: Any, denominator: Any) -> Any:
    """Round half up of numerator / denominator for non-negative integers (arrays of Python
    ints: no overflow, no float)."""
    return (2 * numerator + denominator) // (2 * denominator)


def simple_clv_columns(
    *,
    total_cents: npt.ArrayLike,
    orders: npt.ArrayLike,
    orders_last_year: npt.ArrayLike,
    tenure_days: npt.ArrayLike,
    retention_years: Decimal,
    margin: Decimal | None = None,
) -> SimpleClvColumns:
    """The same three figures as ``average_sale``, ``purchases_per_year`` and ``simple_clv``,
    with the same rounding (half up: rupiah, hundredths of a purchase, rupiah), for every
    customer in one pass: Python integers in NumPy object arrays, so a million customers take
    a fraction of a second and nothing is rounded twice. Customers have at least one order.
    ``retention_years`` and ``margin`` are exact decimals (margin a fraction, e.g. 0.3).
    """
    cents = np.asarray(total_cents, dtype=np.int64).astype(object)
    count = np.asarray(orders, dtype=np.int64).astype(object)
    last_year = np.asarray(orders_last_year, dtype=np.int64).astype(object)
    tenure = np.asarray(tenure_days, dtype=np.int64)
    average = _divide_half_up(cents, 100 * count)
    days = np.maximum(tenure, MIN_ANNUALISE_DAYS).astype(object)
    per_year = np.where(
        tenure >= DAYS_PER_YEAR, 100 * last_year, _divide_half_up(count * DAYS_PER_YEAR * 100, days)
    )
    # value = average × per_year/100 × years × margin, years and margin as exact fractions
    years_num, years_den = retention_years.as_integer_ratio()
    margin_num, margin_den = margin.as_integer_ratio() if margin is not None else (1, 1)
    value = _divide_half_up(average * per_year * years_num * margin_num, 100 * years_den * margin_den)
    return SimpleClvColumns(
        average_sale=np.asarray(average, dtype=np.int64),
        purchases_per_year_hundredths=np.asarray(per_year, dtype=np.int64),
        simple_clv=np.asarray(value, dtype=np.int64),
    )
