"""PPN rules from the dated rate table (R5) and the workspace's PKP status (R1)."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from relasi.sales.calculations import TaxRule, rule_on
from relasi.sales.models import SalesProfile, TaxRate


def tax_rules() -> list[TaxRule]:
    """Every row of the PPN table as a pure ``TaxRule`` (a handful of rows)."""
    return [
        TaxRule(
            valid_from=row.valid_from,
            rate=Fraction(row.rate),
            standard_base=Fraction(row.standard_base_numerator, row.standard_base_denominator),
            luxury_base=Fraction(row.luxury_base_numerator, row.luxury_base_denominator),
        )
        for row in TaxRate.objects.all()
    ]


def tax_rule_for(*, profile: SalesProfile, day: date) -> TaxRule | None:
    """The PPN rule for a document dated ``day``; ``None`` for a non-PKP seller, who must
    never charge PPN (UU KUP Pasal 39A)."""
    if not profile.is_pkp:
        return None
    return rule_on(tax_rules(), day)
