"""Document arithmetic: line amounts, PPN and totals. Pure: no Django, no database.

Sources (reference/indonesia.md §1.6, R5–R6):

* PMK 131/2024: a non-luxury line pays PPN = rate × DPP nilai lain, where DPP nilai lain =
  11/12 × the selling price (effective 11% at the 12% rate). A luxury (PPnBM) line pays the
  rate on the full price.
* PPN is stated in whole rupiah, **rounded down** (PER-29/PJ/2015, SE-22/PJ.24/1990).
* The 1-rupiah trap: flooring DPP nilai lain before multiplying turns Rp1.000.000 into PPN
  Rp109.999. We compute PPN from the exact fraction (price × 11/12 × 12/100 = price × 11/100)
  and floor only the result; DPP nilai lain is kept to the sen.

A non-PKP seller never charges PPN (R1): callers pass ``rule=None``.

Shipping and other costs charged by the seller are part of the selling price (Harga Jual), so
they are taxed like a standard line; they are added as pseudo-lines so that the document's
totals are always the sum of its lines.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

SEN = Decimal("0.01")
WHOLE = Decimal("1")
ZERO = Decimal("0")

# Tax treatments, as in ``sales.enums.TaxTreatment`` (kept as plain strings: no Django here).
STANDARD = "standard"
LUXURY = "luxury"
EXEMPT = "exempt"
NOT_COLLECTED = "not_collected"

# Faktur Pajak transaction code per treatment (§1.3).
TRANSACTION_CODES = {STANDARD: "04", LUXURY: "01", EXEMPT: "08", NOT_COLLECTED: "07"}


@dataclass(frozen=True)
class TaxRule:
    """The PPN rate in force on a date and the share of the price it is charged on.

    ``rate`` is a percentage (12 for 12%); ``standard_base`` and ``luxury_base`` are the
    fractions of the price that form the tax base (11/12 and 1 from 1 February 2025).
    """

    valid_from: date
    rate: Fraction
    standard_base: Fraction
    luxury_base: Fraction

    def base_fraction(self, treatment: str) -> Fraction:
        if treatment == LUXURY:
            return self.luxury_base
        if treatment == STANDARD:
            return self.standard_base
        return Fraction(0)


def rule_on(rules: Iterable[TaxRule], day: date) -> TaxRule:
    """The rule in force on ``day``: the latest ``valid_from`` not after it."""
    in_force = [rule for rule in rules if rule.valid_from <= day]
    if not in_force:
        raise LookupError(f"no PPN rate in force on {day.isoformat()}")
    return max(in_force, key=lambda rule: rule.valid_from)


@dataclass(frozen=True)
class LineInput:
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal = ZERO  # 0–100, applied to quantity × price
    discount_amount: Decimal = ZERO  # a further fixed discount on the line
    tax_treatment: str = STANDARD


@dataclass(frozen=True)
class LineAmounts:
    gross: Decimal  # quantity × unit price, to the sen
    discount: Decimal  # total discount on the line, to the sen
    net: Decimal  # gross − discount: Harga Jual / DPP
    other_base: Decimal  # DPP nilai lain (11/12 of net for standard lines), to the sen
    ppn: Decimal  # whole rupiah, rounded down
    total: Decimal  # net + ppn


def _sen(value: Fraction | Decimal) -> Decimal:
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return value.quantize(SEN, rounding=ROUND_HALF_UP)


def line_amounts(line: LineInput, *, rule: TaxRule | None) -> LineAmounts:
    """Amounts of one line.

    gross = quantity × unit price; discount = gross × percent/100 + amount; net = gross −
    discount; for a PKP seller (``rule`` given) other_base = net × base fraction and
    PPN = ⌊net × base fraction × rate/100⌋ computed exactly before the floor.
    """
    gross = _sen(line.quantity * line.unit_price)
    discount = _sen(gross * line.discount_percent / Decimal(100)) + _sen(line.discount_amount)
    net = gross - discount
    if rule is None or line.tax_treatment in (EXEMPT, NOT_COLLECTED):
        return LineAmounts(gross, discount, net, ZERO, ZERO, net)
    base = rule.base_fraction(line.tax_treatment)
    exact_net = Fraction(net)
    other_base = _sen(exact_net * base)
    ppn = Decimal(math.floor(exact_net * base * rule.rate / 100))
    return LineAmounts(gross, discount, net, other_base, ppn, net + ppn)


@dataclass(frozen=True)
class Totals:
    lines: tuple[LineAmounts, ...]  # the document's own lines
    charges: tuple[LineAmounts, ...]  # shipping and other costs, in that order
    subtotal: Decimal  # sum of gross
    discount: Decimal  # sum of discounts
    net: Decimal  # sum of net (DPP), charges included
    other_base: Decimal  # sum of DPP nilai lain
    ppn: Decimal  # sum of the lines' PPN
    total: Decimal  # net + ppn


def document_totals(
    lines: Sequence[LineInput],
    *,
    rule: TaxRule | None,
    shipping: Decimal = ZERO,
    other_costs: Decimal = ZERO,
) -> Totals:
    """Totals of a document: every figure is the sum of the same figure over its lines and
    charges, so the printed lines always add up to the printed totals."""
    line_results = tuple(line_amounts(line, rule=rule) for line in lines)
    charges = tuple(
        line_amounts(LineInput(quantity=WHOLE, unit_price=amount), rule=rule)
        for amount in (shipping, other_costs)
    )
    every = line_results + charges
    return Totals(
        lines=line_results,
        charges=charges,
        subtotal=sum((a.gross for a in line_results), ZERO),
        discount=sum((a.discount for a in every), ZERO),
        net=sum((a.net for a in every), ZERO),
        other_base=sum((a.other_base for a in every), ZERO),
        ppn=sum((a.ppn for a in every), ZERO),
        total=sum((a.total for a in every), ZERO),
    )


def deposit_amount(*, total: Decimal, kind: str, value: Decimal) -> Decimal:
    """The deposit a proforma asks for: ``percent`` of the total rounded half-up to the whole
    rupiah, or a fixed ``amount`` (never more than the total); ``none`` is zero."""
    if kind == "percent":
        return min(total, (total * value / Decimal(100)).quantize(WHOLE, rounding=ROUND_HALF_UP))
    if kind == "amount":
        return min(total, value)
    return ZERO
