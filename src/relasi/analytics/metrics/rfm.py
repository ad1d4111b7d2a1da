"""Recency, frequency, monetary value: the per-customer summary and the 1–5 scores.

Pure maths on NumPy arrays; no Django. The database hands over one row of aggregates per
customer (``rfm_summary`` below says which), so the 10 million purchases never leave it.

Conventions (the BG/NBD literature; Fader, Hardie & Lee 2005, and ``lifetimes``'
``summary_data_from_transaction_data``), everything in **days**:

* a *purchase day* is a calendar day with at least one purchase; several purchases on one day
  are one transaction for the models;
* ``frequency`` (x) is the number of **repeat** purchase days: purchase days − 1;
* ``recency`` (tₓ) is the age of the customer at the last purchase: last − first purchase day;
* ``T`` is the age of the customer at the end of the observation: as-of − first purchase day;
* ``monetary_repeat`` is the mean value of the repeat purchase days (the first day excluded),
  the input of the Gamma-Gamma spend model; 0 when there is no repeat.

Counting weeks instead of days loses repeats inside the same week: on CDNOW that gives 2,248
repeat transactions instead of the published 2,457 (``reference/analytics.md`` §1.2).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

QUINTILES = (0.2, 0.4, 0.6, 0.8)


@dataclass(frozen=True)
class RfmSummary:
    """One entry per customer, in the order of the aggregates given."""

    frequency: IntArray  # x: repeat purchase days
    recency: IntArray  # tₓ, days
    T: IntArray  # days
    days_since_last: IntArray  # as-of − last purchase day (the "R" of RFM)
    orders: IntArray  # purchases (several a day count one by one)
    total_spend: FloatArray
    average_sale: FloatArray  # total / orders
    monetary_repeat: FloatArray  # mean value of the repeat days (0 without repeat)


def rfm_summary(
    *,
    first_day: npt.ArrayLike,
    last_day: npt.ArrayLike,
    as_of_day: int,
    purchase_days: npt.ArrayLike,
    orders: npt.ArrayLike,
    total_spend: npt.ArrayLike,
    first_day_spend: npt.ArrayLike,
) -> RfmSummary:
    """The BG/NBD summary from per-customer aggregates.

    Days are integers (for example days since 1970-01-01). ``purchase_days`` is the number of
    distinct days with a purchase, ``first_day_spend`` the value bought on the first day.
    monetary_repeat = (total − first-day spend) / x for x > 0 (the repeat days' mean).
    """
    first = np.asarray(first_day, dtype=np.int64)
    last = np.asarray(last_day, dtype=np.int64)
    days = np.asarray(purchase_days, dtype=np.int64)
    count = np.asarray(orders, dtype=np.int64)
    total = np.asarray(total_spend, dtype=np.float64)
    first_spend = np.asarray(first_day_spend, dtype=np.float64)
    frequency = days - 1
    repeat = frequency > 0
    monetary = np.zeros(len(first), dtype=np.float64)
    monetary[repeat] = (total[repeat] - first_spend[repeat]) / frequency[repeat]
    return RfmSummary(
        frequency=frequency,
        recency=last - first,
        T=as_of_day - first,
        days_since_last=as_of_day - last,
        orders=count,
        total_spend=total,
        average_sale=np.divide(total, count, out=np.zeros_like(total), where=count > 0),
        monetary_repeat=monetary,
    )


def quintile_cuts(values: npt.ArrayLike) -> tuple[float, float, float, float]:
    """The four cut points that split ``values`` into five groups of about equal size
    (the 20th, 40th, 60th and 80th percentiles, linear interpolation). Depends only on the
    values, never on their order."""
    array = np.asarray(values, dtype=np.float64)
    if array.size == 0:
        return (0.0, 0.0, 0.0, 0.0)
    cuts = np.quantile(array, QUINTILES)
    return (float(cuts[0]), float(cuts[1]), float(cuts[2]), float(cuts[3]))


def score(values: npt.ArrayLike, cuts: tuple[float, ...] | list[float], *, lower_is_better: bool) -> IntArray:
    """Score 1–5 against four ascending cut points.

    Higher is better (frequency, money): score = 1 + the number of cut points the value
    exceeds, so a value above all four scores 5. Lower is better (days since the last purchase):
    score = 5 − the number of cut points the value exceeds. Equal values get equal scores.
    """
    array = np.asarray(values, dtype=np.float64)
    edges = np.sort(np.asarray(cuts, dtype=np.float64))
    above = np.searchsorted(edges, array, side="left")  # cut points strictly below the value
    if lower_is_better:
        # a value on a cut point still belongs to the better side of it
        return (5 - above).astype(np.int64)
    return (1 + above).astype(np.int64)


@dataclass(frozen=True)
class SegmentRule:
    """A named RFM segment: the first rule (in order) whose score ranges hold wins."""

    key: str
    r_min: int = 1
    r_max: int = 5
    f_min: int = 1
    f_max: int = 5
    m_min: int = 1
    m_max: int = 5

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SegmentRule:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__ if name in data})

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


# The default map (R × F, M only to tell "can't lose" from "at risk"); the owner may edit it.
# Every (R, F, M) falls in exactly one rule: R ≥ 3 splits by F into champions, loyal, new and
# potential; R ≤ 2 into can't lose, at risk, hibernating and lost.
DEFAULT_SEGMENT_RULES: tuple[SegmentRule, ...] = (
    SegmentRule("champions", r_min=4, f_min=4),
    SegmentRule("loyal", r_min=3, f_min=3),
    SegmentRule("new", r_min=4, f_max=1),
    SegmentRule("potential", r_min=3, f_max=2),
    SegmentRule("cant_lose", r_max=2, f_min=4, m_min=4),
    SegmentRule("at_risk", r_max=2, f_min=3),
    SegmentRule("hibernating", r_min=2, r_max=2, f_max=2),
    SegmentRule("lost", r_max=1, f_max=2),
)


def segment_assign(
    r: npt.ArrayLike, f: npt.ArrayLike, m: npt.ArrayLike, rules: tuple[SegmentRule, ...] | list[SegmentRule]
) -> npt.NDArray[np.str_]:
    """Name each customer's segment: the first matching rule; "" when none matches (an edited
    rule table may leave gaps — the screen shows them as "other")."""
    r_arr, f_arr, m_arr = (np.asarray(v, dtype=np.int64) for v in (r, f, m))
    width = max([len(rule.key) for rule in rules] + [1])
    names = np.full(len(r_arr), "", dtype=f"<U{width}")
    open_ = np.ones(len(r_arr), dtype=bool)
    for rule in rules:
        hit = (
            open_
            & (r_arr >= rule.r_min)
            & (r_arr <= rule.r_max)
            & (f_arr >= rule.f_min)
            & (f_arr <= rule.f_max)
            & (m_arr >= rule.m_min)
            & (m_arr <= rule.m_max)
        )
        names[hit] = rule.key
        open_ &= ~hit
    return names
