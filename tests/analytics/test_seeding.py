"""The demo history: Elok's textbook CLV whatever day the demo is seeded, and a re-run adds
nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from relasi.accounts.models import User, Workspace
from relasi.analytics.models import CustomerMetrics, Purchase
from relasi.analytics.seeding import _fifth_and_nineteenth, demo_analytics_ensure
from tests.factories import ContactFactory


@pytest.mark.parametrize(
    "today",
    [
        dt.date(2026, 11, 22),
        dt.date(2026, 11, 5),
        dt.date(2026, 11, 4),
        dt.date(2028, 3, 19),
        dt.date(2028, 2, 29),
    ],
)
def test_any_365_days_hold_24_fifths_and_nineteenths(today: dt.date) -> None:
    days = _fifth_and_nineteenth(today, 36)
    assert len(days) == 36
    assert days[-1] <= today
    assert all(d.day in (5, 19) for d in days)
    assert sum(1 for d in days if d > today - dt.timedelta(days=365)) == 24


@pytest.mark.django_db
def test_demo_gives_elok_the_textbook_clv(workspace: Workspace, owner: User) -> None:
    elok = ContactFactory(workspace=workspace, full_name="Elok Pratiwi")
    ContactFactory.create_batch(30, workspace=workspace)
    demo_analytics_ensure(workspace=workspace, owner=owner)
    count = Purchase.objects.filter(workspace=workspace).count()
    demo_analytics_ensure(workspace=workspace, owner=owner)
    assert Purchase.objects.filter(workspace=workspace).count() == count  # nothing twice
    metrics = CustomerMetrics.objects.get(contact=elok)
    assert metrics.simple_clv == Decimal("19800000")
    assert metrics.purchases_per_year == Decimal("24")
    assert metrics.customer_type == "loyal"
    assert CustomerMetrics.objects.filter(workspace=workspace, churn_risk__in=["high", "lost"]).exists()
