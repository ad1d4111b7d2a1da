"""The PPN table (reference/indonesia.md §1.6, R5).

* 10% until 31 March 2022 (UU 42/2009);
* 11% from 1 April 2022 (UU HPP Pasal 7(1));
* 12% from 1 January 2025 (PMK 131/2024): non-luxury on DPP nilai lain = 11/12 of the price;
  luxury (PPnBM) goods on 11/12 in January 2025 only, on the full price from 1 February 2025.
"""

from datetime import date
from decimal import Decimal

from django.db import migrations

RATES = [
    (date(2010, 4, 1), Decimal("10"), (1, 1), (1, 1), "UU 42/2009 Pasal 7"),
    (date(2022, 4, 1), Decimal("11"), (1, 1), (1, 1), "UU 7/2021 (HPP) Pasal 7(1)"),
    (date(2025, 1, 1), Decimal("12"), (11, 12), (11, 12), "PMK 131/2024 (transition for luxury goods)"),
    (date(2025, 2, 1), Decimal("12"), (11, 12), (1, 1), "PMK 131/2024 Pasal 2–3"),
]


def add_rates(apps, schema_editor):
    TaxRate = apps.get_model("sales", "TaxRate")
    for valid_from, rate, standard, luxury, basis in RATES:
        TaxRate.objects.update_or_create(
            valid_from=valid_from,
            defaults={
                "rate": rate,
                "standard_base_numerator": standard[0],
                "standard_base_denominator": standard[1],
                "luxury_base_numerator": luxury[0],
                "luxury_base_denominator": luxury[1],
                "legal_basis": basis,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("sales", "0001_initial")]
    operations = [migrations.RunPython(add_rates, migrations.RunPython.noop)]
