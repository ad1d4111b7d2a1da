"""The pure maths: RFM scores and segments, simple CLV (the textbook example and the CDNOW
anchor), cycle time, customer types, lifecycle stages and churn bands. Expected values are
hand-computed or published; none is copied from the code."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relasi.analytics.metrics.churn import churn_band_assign
from relasi.analytics.metrics.clv import (
    average_sale,
    cycle_time,
    purchases_per_year,
    simple_clv,
    simple_clv_columns,
)
from relasi.analytics.metrics.customer_types import customer_type_assign
from relasi.analytics.metrics.lifecycle import lifecycle_stage_assign
from relasi.analytics.metrics.rfm import (
    DEFAULT_SEGMENT_RULES,
    quintile_cuts,
    rfm_summary,
    score,
    segment_assign,
)


def test_textbook_clv() -> None:
    """Rp275.000 × 24 a year × 3 years = Rp19.800.000 (DESIGN §1)."""
    assert simple_clv(
        average_sale=Decimal("275000"), purchases_per_year=Decimal("24"), retention_years=Decimal("3")
    ) == Decimal("19800000")


def test_clv_with_margin() -> None:
    # 19.800.000 × 30% = 5.940.000
    assert simple_clv(
        average_sale=Decimal("275000"),
        purchases_per_year=Decimal("24"),
        retention_years=Decimal("3"),
        margin=Decimal("0.30"),
    ) == Decimal("5940000")


def test_clv_cdnow_anchor() -> None:
    """reference/analytics.md §1.1: 6,919 orders worth $244,091.94 by 2,357 customers over
    1997-01-01..1998-06-30 (545 days = 1.492 years): AOV $35.2785 × 1.9673 purchases a year ×
    3 years = $208.21. In cents, so the rounding to whole units keeps the cents."""
    aov = Decimal("244091.94") / Decimal("6919")
    per_year = Decimal("6919") / Decimal("2357") / (Decimal("545") / Decimal("365.25"))
    assert round(aov, 4) == Decimal("35.2785")
    assert round(per_year, 4) == Decimal("1.9673")
    cents = simple_clv(average_sale=aov * 100, purchases_per_year=per_year, retention_years=Decimal("3"))
    assert abs(cents / 100 - Decimal("208.21")) <= Decimal("0.01")


def test_average_sale_and_purchases_per_year() -> None:
    assert average_sale(total_spend=Decimal("550000"), orders=2) == Decimal("275000")
    assert average_sale(total_spend=Decimal("0"), orders=0) == Decimal("0")
    # Known a year or more: the purchases of the last 365 days.
    assert purchases_per_year(orders_last_year=24, orders=60, tenure_days=900) == Decimal("24")
    # Newer: 6 purchases over 182 days → 6 × 365 / 182 = 12,03 a year.
    assert purchases_per_year(orders_last_year=6, orders=6, tenure_days=182) == Decimal("12.03")
    # Very new: counted over at least 90 days, 1 purchase → 365 / 90 = 4,06.
    assert purchases_per_year(orders_last_year=1, orders=1, tenure_days=3) == Decimal("4.06")


def test_cycle_time_textbook() -> None:
    """8 hours of net production for 40 units: 0,2 hours = 12 minutes a unit."""
    result = cycle_time(net_production_hours=Decimal("8"), units=40)
    assert result.hours_per_unit == Decimal("0.2")
    assert result.minutes_per_unit == Decimal("12")
    with pytest.raises(ValueError, match="units"):
        cycle_time(net_production_hours=Decimal("8"), units=0)


def test_summary_from_aggregates() -> None:
    # Customer A: first day 0 (spent 100), 3 purchase days, last day 20, total 250, as of day 30.
    # Customer B: one purchase day (two orders), day 25, total 80.
    s = rfm_summary(
        first_day=[0, 25],
        last_day=[20, 25],
        as_of_day=30,
        purchase_days=[3, 1],
        orders=[4, 2],
        total_spend=[250, 80],
        first_day_spend=[100, 80],
    )
    assert s.frequency.tolist() == [2, 0]
    assert s.recency.tolist() == [20, 0]
    assert s.T.tolist() == [30, 5]
    assert s.days_since_last.tolist() == [10, 5]
    assert s.monetary_repeat.tolist() == [75.0, 0.0]  # (250 − 100) / 2
    assert s.average_sale.tolist() == [62.5, 40.0]


def test_scores_against_cut_points() -> None:
    cuts = [30, 60, 120, 240]
    # Days since the last purchase: fewer is better; a value on a cut point stays on the better side.
    assert score([5, 30, 31, 100, 200, 500], cuts, lower_is_better=True).tolist() == [5, 5, 4, 3, 2, 1]
    assert score([1, 30, 31, 100, 200, 500], cuts, lower_is_better=False).tolist() == [1, 1, 2, 3, 4, 5]


def test_quintile_cuts_of_one_to_ten() -> None:
    # numpy's linear percentiles of 1..10: 2.8, 4.6, 6.4, 8.2
    assert quintile_cuts(range(1, 11)) == pytest.approx((2.8, 4.6, 6.4, 8.2))
    assert quintile_cuts([]) == (0.0, 0.0, 0.0, 0.0)


def test_default_segments_by_hand() -> None:
    r = [5, 3, 5, 3, 1, 2, 2, 1]
    f = [5, 3, 1, 2, 5, 3, 1, 1]
    m = [5, 3, 1, 1, 5, 2, 1, 1]
    assert segment_assign(r, f, m, DEFAULT_SEGMENT_RULES).tolist() == [
        "champions",
        "loyal",
        "new",
        "potential",
        "cant_lose",
        "at_risk",
        "hibernating",
        "lost",
    ]


def test_default_segments_cover_every_score() -> None:
    grid = np.array([(r, f, m) for r in range(1, 6) for f in range(1, 6) for m in range(1, 6)])
    names = segment_assign(grid[:, 0], grid[:, 1], grid[:, 2], DEFAULT_SEGMENT_RULES)
    assert "" not in names.tolist()


@settings(max_examples=50, deadline=None, derandomize=True)
@given(
    st.lists(st.floats(min_value=0, max_value=1e9, allow_nan=False), min_size=1, max_size=60), st.randoms()
)
def test_scores_do_not_depend_on_row_order(values: list[float], rnd: object) -> None:
    shuffled = list(values)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    cuts = quintile_cuts(values)
    assert cuts == quintile_cuts(shuffled)
    by_value = dict(zip(values, score(values, cuts, lower_is_better=False).tolist(), strict=True))
    again = dict(zip(shuffled, score(shuffled, cuts, lower_is_better=False).tolist(), strict=True))
    assert by_value == again


def test_customer_types_by_rule() -> None:
    types = customer_type_assign(
        orders=[5, 6, 4, 1, 0, 1, 2],
        discounted_orders=[4, 0, 0, 0, 0, 0, 0],
        top_category_share=[0.2, 0.5, 1.0, 1.0, 0, 1.0, 0.5],
        days_to_first_purchase=[30, 30, 30, 0, -1, 40, 60],
        conversations=[1, 2, 1, 1, 3, 1, 6],
        r_score=[5, 4, 1, 5, 0, 1, 2],
        f_score=[5, 4, 4, 1, 0, 1, 2],
    )
    assert types.tolist() == ["discount", "loyal", "need_based", "impulse", "wandering", "", "wandering"]


def test_lifecycle_stages() -> None:
    stages = lifecycle_stage_assign(
        purchase_days=[0, 0, 1, 3, 4, 4],
        engaged=[False, True, True, False, True, True],
        r_score=[0, 0, 5, 5, 5, 5],
        f_score=[0, 0, 1, 4, 5, 5],
        latest_nps=[-1, -1, 10, 8, 9, -1],
    )
    assert stages.tolist() == ["reach", "acquisition", "conversion", "retention", "loyalty", "retention"]


def test_churn_bands() -> None:
    bands = churn_band_assign(
        orders=[0, 3, 3, 3, 3, 1, 1, 1, 1],
        frequency=[0, 2, 2, 2, 2, 0, 0, 0, 0],
        p_alive=[1, 0.9, 0.7, 0.3, 0.1, 1, 1, 1, 1],
        days_since_last=[0, 5, 5, 5, 5, 30, 100, 200, 400],
    )
    assert bands.tolist() == ["", "low", "medium", "high", "lost", "low", "medium", "high", "lost"]


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    st.lists(
        st.tuples(
            st.integers(1, 10**14),  # total spend in sen
            st.integers(1, 500),  # orders
            st.integers(0, 500),  # orders in the last year
            st.integers(0, 4000),  # tenure in days
        ),
        min_size=1,
        max_size=30,
    ),
    st.decimals(min_value=Decimal("0.1"), max_value=Decimal("50"), places=2),
    st.one_of(st.none(), st.decimals(min_value=Decimal("0"), max_value=Decimal("1"), places=4)),
)
def test_the_column_clv_equals_the_decimal_clv(
    rows: list[tuple[int, int, int, int]], years: Decimal, margin: Decimal | None
) -> None:
    """The fast path used by the refresh gives exactly what the Decimal formulas give."""
    columns = simple_clv_columns(
        total_cents=[r[0] for r in rows],
        orders=[r[1] for r in rows],
        orders_last_year=[r[2] for r in rows],
        tenure_days=[r[3] for r in rows],
        retention_years=years,
        margin=margin,
    )
    for i, (cents, orders, last_year, tenure) in enumerate(rows):
        average = average_sale(total_spend=Decimal(cents).scaleb(-2), orders=orders)
        per_year = purchases_per_year(orders_last_year=last_year, orders=orders, tenure_days=tenure)
        assert columns.average_sale[i] == average
        assert columns.purchases_per_year_hundredths[i] == per_year * 100
        expected = simple_clv(
            average_sale=average, purchases_per_year=per_year, retention_years=years, margin=margin
        )
        assert columns.simple_clv[i] == expected
