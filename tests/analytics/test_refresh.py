"""The metrics refresh end to end on the database: purchases from paid invoices and receipts,
the per-customer summary, the simple CLV of the textbook example, scores, types, stages,
transitions, and one customer refreshed without a fit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from relasi.accounts.models import Workspace
from relasi.analytics.enums import PurchaseSource, RunStatus
from relasi.analytics.models import CustomerMetrics, LifecycleTransition, MetricsRun, Purchase
from relasi.analytics.purchases import purchases_add, purchases_sync
from relasi.analytics.refresh import customer_metrics_refresh, metrics_refresh
from relasi.contacts.models import Contact
from relasi.sales.enums import InvoiceStatus, PaymentMethod
from relasi.sales.services_payments import payment_cancel, payment_record
from tests.factories import ContactFactory
from tests.sales.test_payments_services import make_invoice, make_proforma

AS_OF = dt.date(2026, 11, 20)


def _buy(
    workspace: Workspace, contact: Contact, day: dt.date, amount: str, *, ref: str, **extra: object
) -> None:
    purchase = Purchase(
        workspace=workspace,
        contact=contact,
        purchased_on=day,
        amount=Decimal(amount),
        source=PurchaseSource.IMPORT,
        source_ref=ref,
        **extra,
    )
    purchases_add(workspace=workspace, purchases=[purchase])


def _twice_a_month(workspace: Workspace, contact: Contact, *, months: int, amount: str = "275000") -> None:
    """Purchases on the 5th and the 19th of the as-of month and the ``months`` − 1 before it."""
    for k in range(months):
        index = AS_OF.year * 12 + AS_OF.month - 1 - k
        y, m = divmod(index, 12)
        m += 1
        for day in (5, 19):
            _buy(workspace, contact, dt.date(y, m, day), amount, ref=f"{contact.pk}-{y}-{m}-{day}")


@pytest.mark.django_db
def test_textbook_simple_clv_is_exact(workspace: Workspace) -> None:
    """Rp275.000 twice a month for three years: 275.000 × 24 × 3 = Rp19.800.000 (DESIGN §1)."""
    elok = ContactFactory(workspace=workspace, full_name="Elok Pratiwi")
    _twice_a_month(workspace, elok, months=18)  # 36 purchases over 18 months; 24 in the last year
    run = metrics_refresh(workspace=workspace, as_of=AS_OF)
    assert run.status == RunStatus.DONE, run.error
    metrics = CustomerMetrics.objects.get(contact=elok)
    assert metrics.orders == 36
    assert metrics.orders_last_year == 24
    assert metrics.average_sale == Decimal("275000")
    assert metrics.purchases_per_year == Decimal("24")
    assert metrics.simple_clv == Decimal("19800000")


@pytest.mark.django_db
def test_summary_follows_the_bgnbd_conventions(workspace: Workspace) -> None:
    """Two purchases on one day are one transaction for x, tₓ, T; counted as two orders."""
    ani = ContactFactory(workspace=workspace)
    _buy(workspace, ani, dt.date(2026, 1, 10), "100000", ref="a1")
    _buy(workspace, ani, dt.date(2026, 1, 10), "50000", ref="a2")  # same day
    _buy(workspace, ani, dt.date(2026, 3, 1), "80000", ref="a3")
    _buy(workspace, ani, dt.date(2026, 6, 9), "40000", ref="a4")
    _buy(workspace, ani, dt.date(2026, 12, 1), "999000", ref="future")  # after as-of: ignored
    metrics_refresh(workspace=workspace, as_of=AS_OF)
    m = CustomerMetrics.objects.get(contact=ani)
    assert m.orders == 4
    assert m.frequency == 2  # three purchase days → two repeats
    assert m.recency_days == (dt.date(2026, 6, 9) - dt.date(2026, 1, 10)).days  # 150
    assert m.tenure_days == (AS_OF - dt.date(2026, 1, 10)).days  # 314
    assert m.days_since_last == (AS_OF - dt.date(2026, 6, 9)).days  # 164
    assert m.total_spend == Decimal("270000")
    assert m.monetary_repeat == Decimal("60000")  # (80.000 + 40.000) / 2: the first day excluded
    assert m.first_purchase == dt.date(2026, 1, 10)
    assert m.last_purchase == dt.date(2026, 6, 9)
    # Known for 314 days (< a year): 4 purchases × 365 / 314 = 4,65 a year.
    assert m.purchases_per_year == Decimal("4.65")
    assert m.average_sale == Decimal("67500")
    assert m.simple_clv == Decimal("941625")  # 67.500 × 4,65 × 3


@pytest.mark.django_db
def test_paid_invoices_and_standing_receipts_become_purchases_once(
    workspace: Workspace, owner: object
) -> None:
    budi = ContactFactory(workspace=workspace)
    paid = make_invoice(workspace, budi, total=Decimal("500000"))
    payment_record(
        workspace=workspace,
        actor=None,
        invoice=paid,
        amount=Decimal("500000"),
        paid_on=timezone.localdate(),
        method=PaymentMethod.CASH,
    )
    make_invoice(workspace, budi, total=Decimal("700000"))  # unpaid: not a purchase
    proforma = make_proforma(workspace, budi, total=Decimal("2000000"))
    deposit = payment_record(
        workspace=workspace,
        actor=None,
        quotation=proforma,
        amount=Decimal("600000"),
        paid_on=timezone.localdate(),
        method=PaymentMethod.CASH,
    )
    assert purchases_sync(workspace=workspace) == 2
    assert purchases_sync(workspace=workspace) == 2  # again: nothing doubled
    rows = {(p.source, p.amount) for p in Purchase.objects.filter(workspace=workspace)}
    assert rows == {(PurchaseSource.INVOICE, Decimal("500000")), (PurchaseSource.RECEIPT, Decimal("600000"))}
    paid.refresh_from_db()
    assert paid.status == InvoiceStatus.PAID
    # The deposit is cancelled: its purchase goes.
    payment_cancel(actor=None, payment=deposit, reason="salah catat")
    purchases_sync(workspace=workspace)
    assert list(Purchase.objects.filter(workspace=workspace).values_list("source", flat=True)) == [
        PurchaseSource.INVOICE
    ]


@pytest.mark.django_db
def test_stage_changes_are_recorded_once(workspace: Workspace) -> None:
    sari = ContactFactory(workspace=workspace)
    metrics_refresh(workspace=workspace, as_of=AS_OF)
    assert CustomerMetrics.objects.get(contact=sari).lifecycle_stage == "reach"
    _buy(workspace, sari, dt.date(2026, 11, 1), "150000", ref="s1")
    metrics_refresh(workspace=workspace, as_of=AS_OF)
    metrics_refresh(workspace=workspace, as_of=AS_OF)  # twice: no second transition
    moves = list(
        LifecycleTransition.objects.filter(contact=sari).order_by("id").values_list("from_stage", "to_stage")
    )
    assert moves == [("", "reach"), ("reach", "conversion")]


@pytest.mark.django_db
def test_one_customer_is_refreshed_with_the_last_runs_scale(workspace: Workspace) -> None:
    dewi = ContactFactory(workspace=workspace)
    assert customer_metrics_refresh(contact=dewi, as_of=AS_OF) is None  # no run yet
    others = ContactFactory.create_batch(5, workspace=workspace)
    for i, other in enumerate(others):
        _buy(workspace, other, dt.date(2026, 10, 1) - dt.timedelta(days=60 * i), "100000", ref=f"o{i}")
    run = metrics_refresh(workspace=workspace, as_of=AS_OF)
    _buy(workspace, dewi, dt.date(2026, 11, 18), "100000", ref="d1")
    metrics = customer_metrics_refresh(contact=dewi, as_of=AS_OF)
    assert metrics is not None
    assert metrics.orders == 1
    assert metrics.days_since_last == 2
    assert metrics.r_score == 5  # more recent than every cut point of the run
    assert MetricsRun.objects.filter(workspace=workspace).count() == 1  # no new run
    assert run.cuts["recency"] == sorted(run.cuts["recency"])


@pytest.mark.django_db
def test_workspaces_do_not_mix(workspace: Workspace, other_workspace: Workspace) -> None:
    mine = ContactFactory(workspace=workspace)
    theirs = ContactFactory(workspace=other_workspace)
    _buy(workspace, mine, dt.date(2026, 11, 1), "100000", ref="m")
    _buy(other_workspace, theirs, dt.date(2026, 11, 1), "900000", ref="t")
    metrics_refresh(workspace=workspace, as_of=AS_OF)
    assert list(CustomerMetrics.objects.values_list("contact_id", flat=True)) == [mine.pk]
    assert CustomerMetrics.objects.get(contact=mine).total_spend == Decimal("100000")


@pytest.mark.django_db
def test_text_with_tabs_and_backslashes_survives_the_bulk_write(workspace: Workspace) -> None:
    odd = "Kaos\tPolos \\ Anak\nBaru"
    rina = ContactFactory(workspace=workspace)
    _buy(workspace, rina, dt.date(2026, 11, 1), "100000", ref="r1", category=odd)
    _buy(workspace, rina, dt.date(2026, 11, 2), "100000", ref="r2", category=odd)
    metrics_refresh(workspace=workspace, as_of=AS_OF)
    metrics = CustomerMetrics.objects.get(contact=rina)
    assert metrics.top_category == odd
    assert metrics.top_category_share == 1.0
    assert metrics.customer_type == "need_based"  # 2 purchases, all in one category


@pytest.mark.django_db
def test_a_failed_refresh_keeps_the_last_snapshots(
    workspace: Workspace, other_workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The old snapshots are deleted while the new ones are computed (on PostgreSQL from a
    second thread): maths that fail halfway leave every stored number as it was."""
    from relasi.analytics.metrics import churn

    sari = ContactFactory(workspace=workspace)
    theirs = ContactFactory(workspace=other_workspace)
    _buy(workspace, sari, dt.date(2026, 11, 1), "150000", ref="s1")
    _buy(other_workspace, theirs, dt.date(2026, 11, 1), "900000", ref="t1")
    assert metrics_refresh(workspace=other_workspace, as_of=AS_OF).status == RunStatus.DONE
    assert metrics_refresh(workspace=workspace, as_of=AS_OF).status == RunStatus.DONE
    moves = LifecycleTransition.objects.filter(workspace=workspace).count()
    _buy(workspace, sari, dt.date(2026, 11, 10), "50000", ref="s2")

    def broken(**kwargs: object) -> None:
        raise RuntimeError("the maths broke")

    monkeypatch.setattr(churn, "churn_band_assign", broken)
    run = metrics_refresh(workspace=workspace, as_of=AS_OF)

    assert run.status == RunStatus.FAILED
    assert "the maths broke" in run.error
    kept = CustomerMetrics.objects.get(contact=sari)
    assert (kept.orders, kept.total_spend) == (1, Decimal("150000"))
    assert CustomerMetrics.objects.get(contact=theirs).total_spend == Decimal("900000")
    assert LifecycleTransition.objects.filter(workspace=workspace).count() == moves


@pytest.mark.skipif(connection.vendor != "postgresql", reason="planner statistics are PostgreSQL's")
@pytest.mark.django_db
def test_a_refresh_that_rewrites_the_table_updates_its_statistics(workspace: Workspace) -> None:
    """The analytics pages are planned on the snapshot table's statistics: a refresh that
    rewrote a large share of the table brings them up to date (ANALYZE counts its rows)."""
    table = CustomerMetrics._meta.db_table

    def estimated_rows() -> float:
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
            return float(cursor.fetchone()[0])

    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table}")  # the table is empty: 0 rows estimated
    assert estimated_rows() == 0
    ContactFactory.create_batch(60, workspace=workspace)
    assert metrics_refresh(workspace=workspace, as_of=AS_OF).status == RunStatus.DONE
    assert estimated_rows() == 60


def test_the_at_risk_index_covers_exactly_the_at_risk_bands() -> None:
    """The home's at-risk list can read the partial index only if its condition is the list's
    filter: the bands of ``churn.AT_RISK_BANDS``."""
    from relasi.analytics.metrics.churn import AT_RISK_BANDS

    index = next(i for i in CustomerMetrics._meta.indexes if i.name == "metrics_at_risk")
    assert index.condition is not None
    ((lookup, bands),) = index.condition.children
    assert (lookup, sorted(bands)) == ("churn_risk__in", sorted(AT_RISK_BANDS))
