"""Per-customer purchase totals, kept current by every writer of purchases, give exactly what
the purchases themselves give — after additions, sales documents, cancellations, merges, and
however far the last-year window moves."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from decimal import Decimal

import numpy as np
import pytest
from django.utils import timezone

from relasi.accounts.models import Workspace
from relasi.analytics.aggregates import PurchaseAggregates, purchase_aggregates, top_categories
from relasi.analytics.enums import PurchaseSource
from relasi.analytics.models import Purchase, PurchaseTotals, PurchaseWindow
from relasi.analytics.purchases import purchases_add, purchases_sync
from relasi.analytics.totals import purchase_totals_read
from relasi.contacts.models import Contact
from relasi.sales.enums import PaymentMethod
from relasi.sales.services_payments import payment_cancel, payment_record
from tests.factories import ContactFactory
from tests.sales.test_payments_services import make_invoice, make_proforma

pytestmark = pytest.mark.django_db
START = dt.date(2023, 1, 1)
LAST = dt.date(2025, 12, 31)  # the last purchase day of the random histories


def _same(left: PurchaseAggregates, right: PurchaseAggregates) -> None:
    for field in dataclasses.fields(PurchaseAggregates):
        assert np.array_equal(getattr(left, field.name), getattr(right, field.name)), field.name


def _assert_totals_match(workspace: Workspace, as_of: dt.date) -> None:
    bought = purchase_totals_read(workspace=workspace, as_of=as_of)
    _same(bought, purchase_aggregates(workspace=workspace, as_of=as_of))
    favourite = top_categories(workspace=workspace, as_of=as_of)
    assert favourite  # the histories have categories
    expected = [favourite.get(contact_id, ("", 0)) for contact_id in bought.contact_id.tolist()]
    assert list(zip(bought.top_category, bought.top_category_orders.tolist(), strict=True)) == expected


def _histories(workspace: Workspace, customers: int, seed: int) -> list[Contact]:
    """Random purchases between START and LAST: several on one day, discounts, categories."""
    rng = random.Random(seed)
    contacts = [ContactFactory(workspace=workspace) for _ in range(customers)]
    purchases = []
    for contact in contacts:
        for n in range(rng.randint(1, 12)):
            day = START + dt.timedelta(days=rng.randint(0, (LAST - START).days))
            purchases.append(
                Purchase(
                    workspace=workspace,
                    contact=contact,
                    purchased_on=day,
                    amount=Decimal(rng.randint(1, 400) * 2500) + Decimal("0.50") * rng.randint(0, 1),
                    discount=Decimal(5000) if rng.random() < 0.3 else Decimal(0),
                    category=rng.choice(["", "Kopi", "Teh", "Kue"]),
                    source=PurchaseSource.IMPORT,
                    source_ref=f"{contact.pk}-{n}",
                )
            )
    purchases_add(workspace=workspace, purchases=purchases)
    return contacts


def test_the_window_moves_forward_and_back_by_any_distance(workspace: Workspace) -> None:
    _histories(workspace, 40, seed=1)
    for as_of in [
        LAST,
        LAST + dt.timedelta(days=1),
        LAST + dt.timedelta(days=45),
        LAST + dt.timedelta(days=400),  # more than a year in one step
        LAST + dt.timedelta(days=30),  # back
        LAST + dt.timedelta(days=1200),  # every purchase out of the window
        LAST,  # back three years at once
    ]:
        _assert_totals_match(workspace, as_of)
        assert PurchaseWindow.objects.get(workspace=workspace).last_year_through == as_of


def test_every_writer_keeps_the_totals_current(workspace: Workspace) -> None:
    """Additions, a paid invoice, a deposit then cancelled, a customer merged into another."""
    ani, budi, citra = _histories(workspace, 3, seed=2)
    today = timezone.localdate()
    _assert_totals_match(workspace, today)
    invoice = make_invoice(workspace, ani, total=Decimal("500000"))
    payment_record(
        workspace=workspace, actor=None, invoice=invoice, amount=Decimal("500000"), paid_on=today,
        method=PaymentMethod.CASH,
    )  # fmt: skip
    deposit = payment_record(
        workspace=workspace, actor=None, quotation=make_proforma(workspace, budi, total=Decimal("900000")),
        amount=Decimal("300000"), paid_on=today, method=PaymentMethod.CASH,
    )  # fmt: skip
    purchases_sync(workspace=workspace)
    _assert_totals_match(workspace, today)
    assert PurchaseTotals.objects.get(contact=budi).last_on == today  # the deposit counts
    payment_cancel(actor=None, payment=deposit, reason="salah catat")
    purchases_sync(workspace=workspace)
    _assert_totals_match(workspace, today)
    assert PurchaseTotals.objects.get(contact=budi).last_on < today
    Contact.objects.filter(pk=citra.pk).update(merged_into=ani)
    orders = Purchase.objects.filter(contact__in=[ani, citra]).count()
    purchases_sync(workspace=workspace)
    _assert_totals_match(workspace, today)
    assert not PurchaseTotals.objects.filter(contact=citra).exists()
    assert PurchaseTotals.objects.get(contact=ani).orders == orders


def test_purchases_stored_before_the_totals_existed_are_counted(workspace: Workspace) -> None:
    """A workspace upgraded from before the totals: the first read builds them all."""
    contact = ContactFactory(workspace=workspace)
    Purchase.objects.bulk_create(
        Purchase(
            workspace=workspace, contact=contact, purchased_on=START + dt.timedelta(days=n),
            amount=Decimal(100000), source=PurchaseSource.IMPORT, source_ref=str(n),
        )
        for n in range(3)
    )  # fmt: skip
    bought = purchase_totals_read(workspace=workspace, as_of=LAST)
    assert bought.orders.tolist() == [3]
    assert bought.total_cents.tolist() == [30_000_000]


def test_a_refresh_as_of_a_past_day_ignores_later_purchases(workspace: Workspace) -> None:
    _histories(workspace, 10, seed=3)
    past = dt.date(2024, 6, 30)
    bought = purchase_totals_read(workspace=workspace, as_of=past)
    _same(bought, purchase_aggregates(workspace=workspace, as_of=past))
    assert int(bought.orders.sum()) < Purchase.objects.filter(workspace=workspace).count()
    # The totals were not used, nor their window moved.
    assert PurchaseWindow.objects.get(workspace=workspace).last_year_through == timezone.localdate()


def test_one_workspace_never_sees_another_workspaces_totals(
    workspace: Workspace, other_workspace: Workspace
) -> None:
    _histories(workspace, 5, seed=4)
    _histories(other_workspace, 7, seed=5)
    mine = purchase_totals_read(workspace=workspace, as_of=LAST)
    theirs = purchase_totals_read(workspace=other_workspace, as_of=LAST)
    assert len(mine) == 5
    assert len(theirs) == 7
    assert set(mine.contact_id.tolist()) == set(
        Contact.objects.filter(workspace=workspace).values_list("id", flat=True)
    )
