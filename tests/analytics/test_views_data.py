"""A shop with a history, for the analytics screens' tests (views and browser).

Elok Pratiwi buys Rp275.000 on the 5th and the 19th of every month (the 36 latest such days
up to the as-of date: 24 of them in the last 365 days), so her simple CLV is the textbook
Rp275.000 × 24 × 3 = Rp19.800.000 (DESIGN §1). Around her, 34 others with varied histories:
regular buyers, customers who used to buy every three weeks and stopped ("at risk"), new and
one-time buyers, occasional ones (two with discounts) and prospects without a purchase — 23
repeat buyers, enough for the BG/NBD fit (at least 20).

The tests in this module check that the shop is what the other tests rely on.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from relasi.accounts.models import Workspace
from relasi.analytics.enums import PurchaseSource, RunStatus
from relasi.analytics.models import CustomerMetrics, MetricsRun, Purchase
from relasi.analytics.purchases import purchases_add
from relasi.analytics.refresh import metrics_refresh
from relasi.contacts.models import Contact
from tests.factories import ContactFactory

AS_OF = dt.date(2026, 11, 20)
ELOK_CLV = Decimal("19800000")  # 275.000 × 24 × 3


def twice_monthly(as_of: dt.date, count: int) -> list[dt.date]:
    """The ``count`` latest 5ths and 19ths on or before ``as_of``, newest first."""
    days: list[dt.date] = []
    year, month = as_of.year, as_of.month
    while len(days) < count:
        for day in (19, 5):
            candidate = dt.date(year, month, day)
            if candidate <= as_of and len(days) < count:
                days.append(candidate)
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return days


@dataclass
class Shop:
    workspace: Workspace
    as_of: dt.date
    elok: Contact
    groups: dict[str, list[Contact]] = field(default_factory=dict)
    run: MetricsRun | None = None

    def names(self, group: str) -> set[str]:
        return {c.full_name for c in self.groups[group]}


SEED = 1  # the amounts below are drawn once from this seed: the same shop every run


def shop_build(
    workspace: Workspace, *, as_of: dt.date = AS_OF, refresh: bool = True, seed: int = SEED
) -> Shop:
    """The shop's customers and purchases, refreshed as of ``as_of``.

    Spends vary as they do in a shop (the Gamma-Gamma model's own assumptions): each
    customer has a typical spend drawn from Gamma(4, mean/4) and each purchase is that times
    Gamma(3, 1/3), to the thousand rupiah — customers who always spend the same leave the
    spend model nothing to learn."""
    rng = random.Random(seed)
    purchases: list[Purchase] = []

    def buy(contact: Contact, day: dt.date, amount: int, *, discount: int = 0, category: str = "") -> None:
        purchases.append(
            Purchase(
                workspace=workspace,
                contact=contact,
                purchased_on=day,
                amount=Decimal(amount),
                discount=Decimal(discount),
                category=category,
                source=PurchaseSource.IMPORT,
                source_ref=f"{contact.pk}-{len(purchases)}",
            )
        )

    def typical(mean: int) -> float:
        return mean * rng.gammavariate(4, 1 / 4)

    def spend(typical_spend: float) -> int:
        return max(1000, round(typical_spend * rng.gammavariate(3, 1 / 3) / 1000) * 1000)

    elok = ContactFactory(
        workspace=workspace, full_name="Elok Pratiwi", city="Yogyakarta", province="DI Yogyakarta"
    )
    elok.source = "instagram"
    elok.save(update_fields=["source"])
    for day in twice_monthly(as_of, 36):
        buy(elok, day, 275_000)
    shop = Shop(workspace=workspace, as_of=as_of, elok=elok)

    def people(group: str, count: int, name: str, city: str, source: str) -> list[Contact]:
        contacts = [
            ContactFactory(workspace=workspace, full_name=f"{name} {i + 1}", city=city, source=source)
            for i in range(count)
        ]
        shop.groups[group] = contacts
        return contacts

    # Regular: once a month for a year, the last one within the past month.
    for i, c in enumerate(people("regular", 8, "Rutin", "Bandung", "whatsapp")):
        usual = typical(150_000)
        for k in range(12):
            buy(c, as_of - dt.timedelta(days=3 + i + 30 * k), spend(usual))
    # Drifting: eight purchases three weeks apart, the last one 250–340 days ago.
    for i, c in enumerate(people("drifting", 10, "Menjauh", "Surabaya", "instagram")):
        usual = typical(60_000)
        last = as_of - dt.timedelta(days=250 + 10 * i)
        for k in range(8):
            buy(c, last - dt.timedelta(days=21 * k), spend(usual))
    # New: one purchase in the last two weeks.
    for i, c in enumerate(people("new", 5, "Baru", "Jakarta", "tiktok")):
        buy(c, as_of - dt.timedelta(days=3 + 2 * i), spend(typical(100_000)))
    # Gone: one purchase more than a year ago.
    for i, c in enumerate(people("gone", 5, "Hilang", "Medan", "walk_in")):
        buy(c, as_of - dt.timedelta(days=400 + 20 * i), spend(typical(80_000)))
    # Occasional: two or three purchases this year; the first two customers always with a
    # discount, the others always the same category.
    for i, c in enumerate(people("occasional", 4, "Kadang", "Semarang", "referral")):
        usual = typical(120_000)
        for k in range(2 + i % 2):
            buy(
                c,
                as_of - dt.timedelta(days=40 + 45 * k + 7 * i),
                spend(usual),
                discount=20_000 if i < 2 else 0,
                category="" if i < 2 else "Kue kering",
            )
    # Prospects: known, never bought.
    people("prospect", 2, "Calon", "Bogor", "website")
    purchases_add(workspace=workspace, purchases=purchases)
    if refresh:
        shop.run = metrics_refresh(workspace=workspace, as_of=as_of)
    return shop


@pytest.mark.django_db
def test_the_shop_gives_elok_the_textbook_clv_and_a_fitted_model(workspace: Workspace) -> None:
    shop = shop_build(workspace)
    assert shop.run is not None
    assert shop.run.status == RunStatus.DONE, shop.run.error
    assert shop.run.bgnbd, "the BG/NBD model was not fitted"
    elok = CustomerMetrics.objects.get(contact=shop.elok)
    assert elok.orders == 36
    assert elok.orders_last_year == 24
    assert elok.average_sale == Decimal("275000")
    assert elok.simple_clv == ELOK_CLV
    assert elok.p_alive is not None
    repeaters = CustomerMetrics.objects.filter(workspace=workspace, frequency__gt=0).count()
    assert repeaters == 1 + 8 + 10 + 4


@pytest.mark.django_db
def test_the_drifting_customers_are_the_at_risk_segment(workspace: Workspace) -> None:
    shop = shop_build(workspace)
    at_risk = set(
        CustomerMetrics.objects.filter(workspace=workspace, rfm_segment="at_risk").values_list(
            "contact__full_name", flat=True
        )
    )
    assert at_risk, "nobody in the at-risk segment"
    assert at_risk <= shop.names("drifting")


def test_twice_monthly_has_24_days_in_the_last_365() -> None:
    days = twice_monthly(AS_OF, 36)
    assert len(days) == 36
    assert days[0] == dt.date(2026, 11, 19)
    assert days[-1] == dt.date(2025, 6, 5)
    assert sum(1 for d in days if d > AS_OF - dt.timedelta(days=365)) == 24
