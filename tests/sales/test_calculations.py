"""PPN and totals against the rules (reference/indonesia.md §1.6, R5–R6), not against the code."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relasi.sales.calculations import (
    EXEMPT,
    LUXURY,
    NOT_COLLECTED,
    STANDARD,
    LineInput,
    TaxRule,
    deposit_amount,
    document_totals,
    line_amounts,
    rule_on,
)

# The table as published: 10% (UU 42/2009), 11% from 1 Apr 2022 (UU HPP), 12% from 1 Jan 2025
# with DPP nilai lain 11/12 for non-luxury goods (PMK 131/2024); luxury on the full price
# from 1 Feb 2025.
RULES = [
    TaxRule(date(2010, 4, 1), Fraction(10), Fraction(1), Fraction(1)),
    TaxRule(date(2022, 4, 1), Fraction(11), Fraction(1), Fraction(1)),
    TaxRule(date(2025, 1, 1), Fraction(12), Fraction(11, 12), Fraction(11, 12)),
    TaxRule(date(2025, 2, 1), Fraction(12), Fraction(11, 12), Fraction(1)),
]
RULE_2026 = rule_on(RULES, date(2026, 11, 22))


def one(price: str, treatment: str = STANDARD, rule: TaxRule | None = RULE_2026) -> Decimal:
    return line_amounts(LineInput(Decimal(1), Decimal(price), tax_treatment=treatment), rule=rule).ppn


def test_one_million_non_luxury_at_12_percent_on_11_12_base_is_110_000() -> None:
    # R6: flooring DPP nilai lain first would give 109.999.
    assert one("1000000") == Decimal("110000")


def test_reference_worked_example_19_800_000() -> None:
    amounts = line_amounts(LineInput(Decimal(1), Decimal("19800000")), rule=RULE_2026)
    assert amounts.other_base == Decimal("18150000.00")
    assert amounts.ppn == Decimal("2178000")
    assert amounts.total == Decimal("21978000")


def test_luxury_goods_pay_12_percent_of_the_full_price_from_february_2025() -> None:
    assert one("1000000", LUXURY) == Decimal("120000")
    january = rule_on(RULES, date(2025, 1, 15))
    assert one("1000000", LUXURY, january) == Decimal("110000")


def test_rate_in_force_by_date() -> None:
    assert one("1000000", rule=rule_on(RULES, date(2024, 12, 31))) == Decimal("110000")  # 11% × full
    assert one("1000000", rule=rule_on(RULES, date(2022, 3, 31))) == Decimal("100000")  # 10%
    with pytest.raises(LookupError):
        rule_on(RULES, date(2000, 1, 1))


def test_ppn_is_rounded_down_to_the_whole_rupiah() -> None:
    # 11% of 1.009 = 110,99 → 110 (down, never up).
    assert one("1009") == Decimal("110")
    assert one("999.99") == Decimal("109")  # 109,9989


def test_exempt_and_not_collected_lines_and_non_pkp_sellers_pay_no_ppn() -> None:
    assert one("1000000", EXEMPT) == 0
    assert one("1000000", NOT_COLLECTED) == 0
    assert one("1000000", rule=None) == 0  # a non-PKP seller (R1)


def test_discounts_reduce_the_tax_base() -> None:
    amounts = line_amounts(
        LineInput(
            Decimal(4), Decimal("250000"), discount_percent=Decimal(10), discount_amount=Decimal("100000")
        ),
        rule=RULE_2026,
    )
    assert amounts.gross == Decimal("1000000")
    assert amounts.discount == Decimal("200000")  # 10% of 1.000.000 + 100.000
    assert amounts.net == Decimal("800000")
    assert amounts.ppn == Decimal("88000")  # 11% effective


def test_shipping_is_part_of_the_selling_price_and_taxed() -> None:
    totals = document_totals(
        [LineInput(Decimal(1), Decimal("1000000"))], rule=RULE_2026, shipping=Decimal("100000")
    )
    assert totals.net == Decimal("1100000")
    assert totals.ppn == Decimal("121000")
    assert totals.total == Decimal("1221000")


def test_deposit() -> None:
    d = deposit_amount
    assert deposit_amount(total=Decimal("1110000"), kind="percent", value=Decimal(30)) == Decimal("333000")
    assert d(total=Decimal("1000001"), kind="percent", value=Decimal(50)) == Decimal("500001")  # half-up
    assert d(total=Decimal("500000"), kind="amount", value=Decimal("900000")) == Decimal("500000")
    assert d(total=Decimal("500000"), kind="none", value=Decimal(30)) == 0


money = st.decimals(
    min_value=0, max_value=Decimal("999999999"), places=2, allow_nan=False, allow_infinity=False
)
lines = st.lists(
    st.builds(
        LineInput,
        quantity=st.decimals(min_value=Decimal("0.001"), max_value=Decimal(1000), places=3),
        unit_price=money,
        discount_percent=st.decimals(min_value=0, max_value=100, places=2),
        discount_amount=st.just(Decimal(0)),
        tax_treatment=st.sampled_from([STANDARD, LUXURY, EXEMPT, NOT_COLLECTED]),
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=200, deadline=None)
@given(lines=lines, shipping=money, other=money, pkp=st.booleans())
def test_totals_are_the_sum_of_the_lines_for_any_lines(
    lines: list[LineInput], shipping: Decimal, other: Decimal, pkp: bool
) -> None:
    rule = RULE_2026 if pkp else None
    totals = document_totals(lines, rule=rule, shipping=shipping, other_costs=other)
    each = [line_amounts(line, rule=rule) for line in lines]
    assert totals.subtotal == sum(a.gross for a in each)
    assert totals.net == sum(a.net for a in each) + shipping + other
    assert totals.total == totals.net + totals.ppn
    for amounts in each:
        assert amounts.net == amounts.gross - amounts.discount
        assert amounts.ppn == amounts.ppn.to_integral_value()  # whole rupiah
        assert 0 <= amounts.ppn <= amounts.net * Decimal("0.12")
        if not pkp:
            assert amounts.ppn == 0
