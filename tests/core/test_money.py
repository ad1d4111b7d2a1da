"""Rupiah formatting and parsing: reference/indonesia.md R14 and R18 (PUEBI)."""

from decimal import Decimal

import pytest

from relasi.core.money import MoneyParseError, format_number, format_rupiah, parse_money


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("19800000"), "Rp19.800.000"),  # the CLV example of DESIGN §1
        (Decimal("0"), "Rp0"),
        (Decimal("999"), "Rp999"),
        (Decimal("1000"), "Rp1.000"),
        (Decimal("1250500.50"), "Rp1.250.501"),  # half-up, where Babel's half-even gives 1.250.500
        (Decimal("-275000"), "-Rp275.000"),
    ],
)
def test_rupiah_display(value: Decimal, text: str) -> None:
    assert format_rupiah(value) == text


def test_rupiah_with_cents_and_space_options() -> None:
    assert format_rupiah(Decimal("19800000"), cents=True) == "Rp19.800.000,00"
    assert format_rupiah(Decimal("1250500.75"), cents=True) == "Rp1.250.500,75"
    assert format_rupiah(Decimal("19800000"), space=True) == "Rp 19.800.000"


def test_number_grouping() -> None:
    assert format_number(Decimal("1250500.75"), decimals=2) == "1.250.500,75"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1.250.000,50", Decimal("1250000.50")),
        ("1250000", Decimal("1250000")),
        ("Rp 19.800.000", Decimal("19800000")),
        ("Rp19.800.000", Decimal("19800000")),
        ("Rp. 275.000", Decimal("275000")),
        ("1250,5", Decimal("1250.5")),
        ("IDR 30.000", Decimal("30000")),
    ],
)
def test_money_parser_reads_indonesian_amounts(text: str, value: Decimal) -> None:
    assert parse_money(text) == value


@pytest.mark.parametrize("text", ["12.5", "1.25", "1,250.00", "abc", "", "1.2345"])
def test_money_parser_refuses_ambiguous_input(text: str) -> None:
    with pytest.raises(MoneyParseError):
        parse_money(text)
