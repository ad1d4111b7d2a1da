"""The demo shop's purchase history, costs and production runs, then a first refresh
(``relasi seed_analytics --demo``; safe to run again: purchases are keyed by a fixed
reference, costs by source and month).

Elok Pratiwi buys Rp275.000 on the 5th and the 19th of every month for the last 18 months —
24 purchases in any 365 days — so her simple CLV is the textbook Rp275.000 × 24 × 3 =
Rp19.800.000. The other customers get seeded histories drawn from the BG/NBD process (see
``_history``), some with a taste for discounts or for one category.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from decimal import Decimal
from typing import Protocol

from django.db import transaction
from django.utils import timezone

from relasi.accounts.models import User, Workspace
from relasi.analytics.enums import PurchaseSource
from relasi.analytics.models import AcquisitionCost, CycleTimeRecord, MetricsRun, Purchase
from relasi.analytics.purchases import purchases_add
from relasi.analytics.refresh import metrics_refresh
from relasi.contacts.enums import ContactKind, Source
from relasi.contacts.models import Contact

ELOK_NAME = "Elok Pratiwi"
ELOK_AMOUNT = Decimal("275000")


class _Writer(Protocol):
    def write(self, text: str, /) -> object: ...


CATEGORIES = ("Hampers", "Bunga", "Parsel", "Kue kering", "Souvenir", "Kartu ucapan")


def _fifth_and_nineteenth(today: dt.date, count: int) -> list[dt.date]:
    """The last ``count`` 5ths and 19ths on or before ``today``."""
    days: list[dt.date] = []
    year, month = today.year, today.month
    while len(days) < count:
        for day in (19, 5):
            date = dt.date(year, month, day)
            if date <= today and len(days) < count:
                days.append(date)
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return sorted(days)


def _history(rng: random.Random, today: dt.date, style: str) -> Iterator[tuple[dt.date, int, int, str]]:
    """(date, amount, discount, category) of one customer's purchases.

    Drawn from the buy-till-you-die process the BG/NBD model assumes (Fader, Hardie & Lee
    2005): a purchase rate λ ~ Gamma(0.9, mean one purchase a month) and, after each
    purchase, a chance p ~ Beta(0.8, 4) of never coming back — so the demo has regulars,
    one-time buyers and good customers who stopped. ``style`` adds the habits the customer
    types look for: discounts, or always the same category."""
    favourite = rng.choice(CATEGORIES)
    rate = rng.gammavariate(0.9, 1 / (0.9 * 30))  # purchases a day
    dropout = rng.betavariate(0.8, 4)
    day = today - dt.timedelta(days=rng.randint(30, 720))
    while day <= today:
        amount = rng.randrange(100_000, 900_000, 5000)
        discount = amount // 10 if style == "discount" and rng.random() < 0.8 else 0
        category = favourite if style == "need" or rng.random() < 0.3 else rng.choice(CATEGORIES)
        yield day, amount, discount, category
        if rng.random() < dropout:
            return
        day += dt.timedelta(days=max(1, round(rng.expovariate(rate))))


@transaction.atomic
def demo_purchases_ensure(*, workspace: Workspace, today: dt.date) -> int:
    """Elok's purchases and the other customers' histories (purchases keyed ``demo-…``)."""
    rng = random.Random(2026)  # noqa: S311 - demo data, not security
    contacts = list(
        Contact.objects.filter(
            workspace=workspace, kind=ContactKind.EXTERNAL, merged_into__isnull=True
        ).order_by("id")
    )
    rows: list[Purchase] = []
    styles = ("plain", "plain", "discount", "need", "plain", "plain", "need", "plain", "discount", "plain")
    for index, contact in enumerate(contacts):
        if contact.full_name == ELOK_NAME:
            rows.extend(
                Purchase(
                    workspace=workspace,
                    contact=contact,
                    purchased_on=day,
                    amount=ELOK_AMOUNT,
                    category="Hampers",
                    source=PurchaseSource.IMPORT,
                    source_ref=f"demo-elok-{day.isoformat()}",
                )
                for day in _fifth_and_nineteenth(today, 36)
            )
            continue
        if index % 7 == 6:
            continue  # some customers never bought: they talk, or are only known
        style = styles[index % len(styles)]
        for number, (day, amount, discount, category) in enumerate(_history(rng, today, style)):
            rows.append(
                Purchase(
                    workspace=workspace,
                    contact=contact,
                    purchased_on=day,
                    amount=Decimal(amount - discount),
                    discount=Decimal(discount),
                    category=category,
                    source=PurchaseSource.IMPORT,
                    source_ref=f"demo-{contact.pk}-{number}",
                )
            )
    return purchases_add(workspace=workspace, purchases=rows, ignore_conflicts=True)


@transaction.atomic
def demo_costs_and_runs_ensure(*, workspace: Workspace, owner: User, today: dt.date) -> None:
    """Three months of acquisition costs and a week of production runs (8 hours for 40 units
    is the textbook 12 minutes a unit)."""
    month = today.replace(day=1)
    for back in range(3):
        first = (month - dt.timedelta(days=31 * back)).replace(day=1)
        for source, amount in (
            (Source.INSTAGRAM, 1_500_000),
            (Source.TIKTOK, 900_000),
            (Source.MARKETPLACE, 600_000),
        ):
            AcquisitionCost.objects.get_or_create(
                workspace=workspace, source=source, month=first, defaults={"amount": Decimal(amount)}
            )
    if not CycleTimeRecord.objects.filter(workspace=workspace).exists():
        for back, (hours, units) in enumerate(((Decimal("8"), 40), (Decimal("7.5"), 36), (Decimal("8"), 42))):
            CycleTimeRecord.objects.create(
                workspace=workspace,
                process="Rangkai hampers",
                recorded_on=today - dt.timedelta(days=back),
                net_production_hours=hours,
                units=units,
                created_by=owner,
            )


def demo_analytics_ensure(*, workspace: Workspace, owner: User, stdout: _Writer | None = None) -> MetricsRun:
    today = timezone.localdate()
    added = demo_purchases_ensure(workspace=workspace, today=today)
    demo_costs_and_runs_ensure(workspace=workspace, owner=owner, today=today)
    run = metrics_refresh(workspace=workspace, as_of=today)
    if stdout is not None:
        stdout.write(
            f"Analytics: {added} purchases in the history, {run.customers} customers refreshed "
            f"({run.status}, {run.duration_ms} ms).\n"
        )
    return run
