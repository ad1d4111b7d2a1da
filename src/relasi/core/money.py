"""Rupiah: formatting and parsing (reference/indonesia.md R14, R18).

Money is ``Decimal``. Display follows PUEBI: ``Rp19.800.000`` — no space, no full stop
after "Rp", ``.`` for thousands, ``,`` for decimals — rounding half-up (Babel rounds
half-even, which turns Rp1.250.500,50 into Rp1.250.500).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

WHOLE = Decimal("1")
CENTS = Decimal("0.01")


def _group(digits: str, separator: str) -> str:
    parts = []
    while len(digits) > 3:
        parts.append(digits[-3:])
        digits = digits[:-3]
    parts.append(digits)
    return separator.join(reversed(parts))


def format_number(
    value: Decimal | int, *, decimals: int = 0, thousands: str = ".", decimal_mark: str = ","
) -> str:
    """Group a number: ``format_number(Decimal("1250500.75"), decimals=2)`` → ``1.250.500,75``."""
    quantum = Decimal(1).scaleb(-decimals)
    amount = Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    whole, _, fraction = f"{abs(amount):f}".partition(".")
    text = _group(whole, thousands)
    if decimals:
        text += decimal_mark + fraction.ljust(decimals, "0")
    return sign + text


def format_rupiah(value: Decimal | int, *, cents: bool = False, space: bool = False) -> str:
    """``Rp19.800.000``; with ``cents``: ``Rp19.800.000,00``; ``space``: ``Rp 19.800.000``."""
    amount = Decimal(value)
    sign = "-" if amount < 0 else ""
    body = format_number(abs(amount), decimals=2 if cents else 0)
    return f"{sign}Rp{' ' if space else ''}{body}"


class MoneyParseError(ValueError):
    """The text is not an amount, or it is ambiguous (``12.5``)."""


_ID_GROUPED = re.compile(r"^\d{1,3}(\.\d{3})+(,\d{1,2})?$")
_PLAIN = re.compile(r"^\d+(,\d{1,2})?$")


def parse_money(text: str) -> Decimal:
    """Parse an amount typed the Indonesian way.

    ``1.250.000,50`` → 1250000.50; ``1250000`` → 1250000; ``Rp 19.800.000`` → 19800000;
    ``1250,5`` → 1250.50. Ambiguous ``12.5`` or ``1.25`` (a full stop that is not a thousands
    separator) raise ``MoneyParseError`` rather than being guessed.
    """
    cleaned = re.sub(r"(?i)^\s*(rp\.?|idr)\s*", "", text.strip()).replace(" ", "")
    negative = cleaned.startswith("-")
    cleaned = cleaned.lstrip("-")
    if _ID_GROUPED.match(cleaned) or _PLAIN.match(cleaned):
        normalized = cleaned.replace(".", "").replace(",", ".")
    else:
        raise MoneyParseError(text)
    try:
        amount = Decimal(normalized)
    except InvalidOperation as exc:
        raise MoneyParseError(text) from exc
    return -amount if negative else amount


_API_DECIMAL = re.compile(r"^-?\d+(\.\d+)?$")


def parse_api_decimal(text: str | int | Decimal) -> Decimal:
    """An amount in the API's form: a decimal string with a full stop before the fraction and
    no grouping (``"19800000.00"``), or a JSON integer. ``"1.250.000,50"`` or ``"1,250.00"``
    raise ``MoneyParseError`` instead of being guessed."""
    if isinstance(text, Decimal | int) and not isinstance(text, bool):
        return Decimal(text)
    if not isinstance(text, str) or not _API_DECIMAL.match(text.strip()):
        raise MoneyParseError(str(text))
    return Decimal(text.strip())


_ID_DECIMAL = re.compile(r"^\d+(,\d+)?$")


def parse_quantity(text: str) -> Decimal:
    """A quantity typed the Indonesian way: ``2``, ``1,5``, ``1.000`` (a thousand) or
    ``1.000,25``. Ambiguous ``1.5`` raises ``MoneyParseError``."""
    cleaned = text.strip().replace(" ", "")
    negative = cleaned.startswith("-")
    cleaned = cleaned.lstrip("-")
    if re.match(r"^\d{1,3}(\.\d{3})+(,\d+)?$", cleaned) or _ID_DECIMAL.match(cleaned):
        value = Decimal(cleaned.replace(".", "").replace(",", "."))
        return -value if negative else value
    raise MoneyParseError(text)
