"""The metrics refresh: per-customer totals → pure maths → ``CustomerMetrics`` snapshots.

``metrics_refresh`` (nightly and on demand) syncs the purchases, reads every customer's
purchase totals (kept current as purchases are written, ``totals``), scores RFM against the
cut points (the owner's, or quintiles of today's customers), fits BG/NBD and Gamma-Gamma,
and writes one snapshot row per customer plus a lifecycle transition for every customer
whose stage changed. ``customer_metrics_refresh`` recomputes one customer
with the cut points and fitted parameters of the last run: instant, no model fit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from relasi.accounts.models import Workspace
from relasi.analytics import aggregates
from relasi.analytics.enums import RunStatus
from relasi.analytics.metrics import bgnbd, churn, clv, customer_types, lifecycle, rfm
from relasi.analytics.metrics.bgnbd import BgNbdParams, GammaGammaParams
from relasi.analytics.models import AnalyticsSettings, CustomerMetrics, LifecycleTransition, MetricsRun
from relasi.analytics.purchases import purchases_sync
from relasi.analytics.selectors import metrics_run_latest
from relasi.analytics.settings import analytics_settings_get, segment_rules
from relasi.analytics.totals import purchase_totals_read
from relasi.contacts.models import Contact
from relasi.core.pgcopy import columns_insert

logger = logging.getLogger(__name__)

# The models need repeat buyers to learn from; below this they are not fitted.
MIN_REPEAT_BUYERS = 20
DAYS_PER_MONTH = 30
FIT_SAMPLE = 200_000
FALLBACK_PENALIZER = 0.001  # the model's time unit is the day; lifetimes' "D" multiplier is 30 too


@dataclass(frozen=True)
class RunModel:
    """What a full run learnt, reused to score one customer later."""

    cuts: dict[str, list[float]]
    bgnbd: BgNbdParams | None
    gamma_gamma: GammaGammaParams | None


def _cuts(settings: AnalyticsSettings, summary: rfm.RfmSummary) -> dict[str, list[float]]:
    return {
        "recency": list(settings.recency_cuts or rfm.quintile_cuts(summary.days_since_last)),
        "frequency": list(settings.frequency_cuts or rfm.quintile_cuts(summary.orders)),
        "monetary": list(settings.monetary_cuts or rfm.quintile_cuts(summary.total_spend)),
    }


def fit_sample(contact_ids: npt.NDArray[np.int64], limit: int = FIT_SAMPLE) -> npt.NDArray[np.bool_]:
    """Which customers the models are fitted on: all of them up to ``limit``, else a fixed
    pseudo-random share chosen by a hash of the customer id (the same customers every run,
    whatever the row order). Maximum likelihood on 200,000 customers already pins the four
    parameters far tighter than they move from month to month; scoring still covers everyone."""
    if len(contact_ids) <= limit:
        return np.ones(len(contact_ids), dtype=bool)
    # Knuth's multiplicative hash, to 32 bits: spreads consecutive ids evenly.
    hashed = (contact_ids.astype(np.uint64) * np.uint64(2654435761)) % np.uint64(2**32)
    return hashed < np.uint64(int(2**32 * limit / len(contact_ids)))


def _fit(
    summary: rfm.RfmSummary, contact_ids: npt.NDArray[np.int64]
) -> tuple[BgNbdParams | None, GammaGammaParams | None]:
    repeaters = summary.frequency > 0
    if int(repeaters.sum()) < MIN_REPEAT_BUYERS:
        return None, None
    chosen = fit_sample(contact_ids)
    spenders = chosen & repeaters
    arrays = (
        summary.frequency[chosen].astype(np.float64),
        summary.recency[chosen].astype(np.float64),
        summary.T[chosen].astype(np.float64),
    )
    try:
        purchases = bgnbd.bgnbd_fit(*arrays)
    except bgnbd.ConvergenceError:
        # A history the plain maximum likelihood cannot pin (everyone regular, nobody
        # stops): lifetimes' remedy, a small penalty on the parameters' size.
        try:
            purchases = bgnbd.bgnbd_fit(*arrays, penalizer=FALLBACK_PENALIZER)
        except (ValueError, ArithmeticError, RuntimeError):
            logger.warning("BG/NBD could not be fitted to this history", exc_info=True)
            return None, None
    except (ValueError, ArithmeticError):
        logger.warning("BG/NBD could not be fitted to this history", exc_info=True)
        return None, None
    # The spend model fails more often on small shops (near-constant spend): P(alive) and the
    # expected purchases stay; only the probabilistic CLV is then left out.
    try:
        spend: GammaGammaParams | None = bgnbd.gamma_gamma_fit(
            summary.frequency[spenders].astype(np.float64), summary.monetary_repeat[spenders]
        )
    except (ValueError, ArithmeticError, RuntimeError):
        logger.warning("Gamma-Gamma could not be fitted to this history", exc_info=True)
        spend = None
    return purchases, spend


def _compute(
    *,
    settings: AnalyticsSettings,
    as_of: dt.date,
    facts: aggregates.ContactFacts,
    bought: aggregates.PurchaseAggregates,
    nps: dict[int, int],
    model: RunModel | None,
) -> tuple[dict[str, Any], RunModel]:
    """Every snapshot column for the customers in ``facts``."""
    size = len(facts.contact_id)
    at = np.searchsorted(facts.contact_id, bought.contact_id)  # purchase rows → customer rows
    # A purchase of a customer no longer live (merged since) is not in facts: drop it.
    live = (at < size) & (facts.contact_id[np.minimum(at, size - 1)] == bought.contact_id) if size else at < 0
    at = at[live]
    summary = rfm.rfm_summary(
        first_day=-bought.days_since_first[live],
        last_day=-bought.days_since_last[live],
        as_of_day=0,
        purchase_days=bought.purchase_days[live],
        orders=bought.orders[live],
        total_spend=bought.total_cents[live] / 100,
        first_day_spend=bought.first_day_cents[live] / 100,
    )
    if model is None:
        purchases_model, spend_model = _fit(summary, bought.contact_id[live])
        model = RunModel(cuts=_cuts(settings, summary), bgnbd=purchases_model, gamma_gamma=spend_model)

    def full(values: Any, fill: Any, dtype: Any) -> npt.NDArray[Any]:
        column = np.full(size, fill, dtype=dtype)
        column[at] = values
        return column

    r = rfm.score(summary.days_since_last, model.cuts["recency"], lower_is_better=True)
    f = rfm.score(summary.orders, model.cuts["frequency"], lower_is_better=False)
    m = rfm.score(summary.total_spend, model.cuts["monetary"], lower_is_better=False)
    columns: dict[str, Any] = {
        "contact_id": facts.contact_id,
        "orders": full(summary.orders, 0, np.int64),
        "orders_last_year": full(bought.orders_last_year[live], 0, np.int64),
        "discounted_orders": full(bought.discounted_orders[live], 0, np.int64),
        "frequency": full(summary.frequency, 0, np.int64),
        "recency_days": full(summary.recency, 0, np.int64),
        "tenure_days": full(summary.T, 0, np.int64),
        "days_since_last": full(summary.days_since_last, -1, np.int64),
        "r_score": full(r, 0, np.int64),
        "f_score": full(f, 0, np.int64),
        "m_score": full(m, 0, np.int64),
        "conversations": facts.conversations,
        "quotations": facts.quotations,
    }
    columns["rfm_segment"] = full(rfm.segment_assign(r, f, m, segment_rules(settings)), "", "<U20")
    # Money: exact integers (sen, rupiah, hundredths), never floats, for what is shown in rupiah.
    margin = settings.margin_percent / 100 if settings.margin_percent is not None else None
    simple = clv.simple_clv_columns(
        total_cents=bought.total_cents[live],
        orders=summary.orders,
        orders_last_year=bought.orders_last_year[live],
        tenure_days=summary.T,
        retention_years=settings.retention_years,
        margin=margin,
    )
    # Money as whole sen (the snapshot's two decimals), never floats or Decimal objects.
    columns["total_spend"] = full(bought.total_cents[live], 0, np.int64)
    columns["average_sale"] = full(100 * simple.average_sale, 0, np.int64)
    columns["purchases_per_year"] = full(simple.purchases_per_year_hundredths, 0, np.int64)
    columns["simple_clv"] = full(100 * simple.simple_clv, 0, np.int64)
    columns["monetary_repeat"] = full(_sen(summary.monetary_repeat), 0, np.int64)
    # Categories, first purchase lead time, NPS.
    orders_all = columns["orders"]
    columns["top_category"] = full(np.asarray(bought.top_category, dtype=object)[live], "", object)
    columns["top_category_share"] = np.divide(
        full(bought.top_category_orders[live], 0, np.float64),
        orders_all,
        out=np.zeros(size, dtype=np.float64),
        where=orders_all > 0,
    )
    lead = np.full(size, -1, dtype=np.int64)
    lead[at] = facts.days_known[at] - summary.T  # days from first record to first purchase
    columns["days_to_first_purchase"] = lead
    columns["latest_nps"] = np.asarray([nps.get(int(cid), -1) for cid in facts.contact_id], dtype=np.int64)
    columns["customer_type"] = customer_types.customer_type_assign(
        orders=orders_all,
        discounted_orders=columns["discounted_orders"],
        top_category_share=columns["top_category_share"],
        days_to_first_purchase=np.where(orders_all > 0, lead, -1),
        conversations=facts.conversations,
        r_score=columns["r_score"],
        f_score=columns["f_score"],
    )
    columns["lifecycle_stage"] = lifecycle.lifecycle_stage_assign(
        purchase_days=full(bought.purchase_days[live], 0, np.int64),
        engaged=(facts.conversations + facts.quotations) > 0,
        r_score=columns["r_score"],
        f_score=columns["f_score"],
        latest_nps=columns["latest_nps"],
    )
    # The probabilistic model.
    p_alive = np.full(size, np.nan)
    expected = np.full(size, np.nan)
    spend = np.full(size, np.nan)
    value = np.full(size, np.nan)
    if model.bgnbd is not None:
        x = summary.frequency.astype(np.float64)
        t_x = summary.recency.astype(np.float64)
        big_t = summary.T.astype(np.float64)
        horizon_days = settings.clv_horizon_months * DAYS_PER_MONTH
        p_alive[at] = bgnbd.bgnbd_probability_alive(model.bgnbd, x, t_x, big_t)
        expected[at] = bgnbd.bgnbd_expected_purchases(model.bgnbd, horizon_days, x, t_x, big_t)
        if model.gamma_gamma is not None:
            spend[at] = bgnbd.gamma_gamma_expected_spend(model.gamma_gamma, x, summary.monetary_repeat)
            value[at] = bgnbd.discounted_clv(
                model.bgnbd,
                model.gamma_gamma,
                x,
                t_x,
                big_t,
                summary.monetary_repeat,
                horizon_months=settings.clv_horizon_months,
                monthly_discount_rate=float(settings.monthly_discount_rate) / 100,
                periods_per_month=bgnbd.PERIODS_PER_MONTH_DAYS,
            )
    columns.update(p_alive=p_alive, expected_purchases=expected, expected_average_spend=spend)
    columns["clv_probabilistic"] = value
    columns["churn_risk"] = churn.churn_band_assign(
        orders=orders_all,
        frequency=columns["frequency"],
        p_alive=np.where(np.isnan(p_alive), 1.0, p_alive),
        days_since_last=columns["days_since_last"],
    )
    return columns, model


def _sen(values: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """Rupiah from the models, rounded to the sen, as whole sen (NaN becomes 0: masked)."""
    return np.round(np.nan_to_num(values) * 100).astype(np.int64)


def _snapshot_columns(
    workspace: Workspace, as_of: dt.date, columns: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, npt.NDArray[np.bool_]]]:
    """The snapshot rows as NumPy columns named like the table's, and their NULL masks."""
    size = len(columns["contact_id"])
    none = ~(columns["orders"] > 0)
    day = np.datetime64(as_of, "D")
    lead = columns["days_to_first_purchase"]
    values = {name: columns[name] for name in SNAPSHOT_COPIED}
    values.update(
        workspace_id=np.full(size, workspace.pk, dtype=np.int64),
        as_of=np.full(size, day),
        first_purchase=day - columns["tenure_days"].astype("timedelta64[D]"),
        last_purchase=day - np.maximum(columns["days_since_last"], 0).astype("timedelta64[D]"),
        expected_average_spend=_sen(columns["expected_average_spend"]),
        clv_probabilistic=_sen(columns["clv_probabilistic"]),
    )
    nulls = {
        "first_purchase": none,
        "last_purchase": none,
        "days_since_last": none,
        "days_to_first_purchase": none | (lead < 0),
        "latest_nps": columns["latest_nps"] < 0,
        "expected_average_spend": np.isnan(columns["expected_average_spend"]),
        "clv_probabilistic": np.isnan(columns["clv_probabilistic"]),
    }
    return values, nulls


# Snapshot columns taken as computed (the rest are derived above).
SNAPSHOT_COPIED = [
    "contact_id", "orders", "orders_last_year", "discounted_orders", "frequency", "recency_days",
    "tenure_days", "days_since_last", "total_spend", "average_sale", "monetary_repeat", "top_category",
    "top_category_share", "conversations", "quotations", "days_to_first_purchase", "latest_nps",
    "r_score", "f_score", "m_score", "rfm_segment", "customer_type", "lifecycle_stage",
    "purchases_per_year", "simple_clv", "p_alive", "expected_purchases", "churn_risk",
]  # fmt: skip


def _lock(workspace: Workspace) -> None:
    """One writer of a workspace's snapshot at a time (the nightly run, "refresh now" and one
    customer's refresh): the rows carry no unique constraint to fall back on. SQLite
    serialises writers by itself."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [SNAPSHOT_LOCK, workspace.pk])


SNAPSHOT_LOCK = 5001  # advisory lock class: the analytics snapshot of a workspace


def _snapshots_clear(cursor: Any, workspace: Workspace, contact_ids: list[int] | None) -> dict[int, str]:
    """Delete the workspace's snapshots (all, or these customers') before they are written
    again; the stored stages come back, to find the stage changes."""
    only, ids = aggregates.contacts_filter("contact_id", contact_ids)
    table = CustomerMetrics._meta.db_table
    cursor.execute(
        f"DELETE FROM {table} WHERE workspace_id = %s {only} RETURNING contact_id, lifecycle_stage",  # noqa: S608
        [workspace.pk, *ids],
    )
    return dict(cursor.fetchall())


def _snapshots_write(
    workspace: Workspace,
    as_of: dt.date,
    snapshot: tuple[dict[str, Any], dict[str, npt.NDArray[np.bool_]]],
    before: dict[int, str],
) -> None:
    """Store the snapshots (their old rows already cleared, with ``before`` the stages they
    held) and record a lifecycle transition for every customer whose stage differs.

    The rows are written with binary COPY: no conflict probes and no unique index to check
    against the rows just deleted (that check alone cost 10 s a million rows); the lock keeps
    one writer."""
    values, nulls = snapshot
    ids = np.asarray(values["contact_id"], dtype=np.int64)
    stages = np.asarray(values["lifecycle_stage"]).astype(str)
    # a customer not stored before moves from "" to its stage
    old = np.asarray([before.get(contact_id, "") for contact_id in ids.tolist()], dtype=object)
    changed = np.flatnonzero(old.astype(str) != stages)
    with connection.cursor() as cursor:
        columns_insert(cursor, CustomerMetrics, values, nulls)
        columns_insert(
            cursor,
            LifecycleTransition,
            {
                "workspace_id": np.full(len(changed), workspace.pk, dtype=np.int64),
                "contact_id": ids[changed],
                "from_stage": old[changed].tolist(),
                "to_stage": stages[changed].tolist(),
                "changed_on": np.full(len(changed), np.datetime64(as_of, "D")),
            },
        )


@contextmanager
def _snapshots_cleared(workspace: Workspace) -> Iterator[Callable[[], dict[int, str]]]:
    """Clear every snapshot of the workspace while the caller computes the new ones; the
    context gives a function that waits for the old stages.

    On PostgreSQL the DELETE runs on this transaction's connection from a second thread:
    the server deletes a million rows (seconds) on one core while the maths run on the
    other. The caller must not use the connection until it has the stages."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            before = _snapshots_clear(cursor, workspace, None)
        yield lambda: before
        return
    raw = connection.connection

    def clear() -> dict[int, str]:
        with raw.cursor() as cursor:
            return _snapshots_clear(cursor, workspace, None)

    with ThreadPoolExecutor(max_workers=1) as pool:
        cleared = pool.submit(clear)
        yield cleared.result


def _statistics_update(written: int) -> None:
    """Fresh planner statistics once a refresh has rewritten a tenth or more of the snapshot
    table (autovacuum's own threshold, which it may reach only later or, switched off, never).
    PostgreSQL samples 30,000 rows: half a second at a million. With statistics of the old
    table the planner guesses a few thousand rows where a million were written, and the
    analytics pages join and sort on disk: the home took 1.5 s instead of 0.6 s, a segment's
    first page 600 ms instead of 4 ms. Run after the commit, in a transaction of its own:
    ANALYZE holds its lock to the end of the transaction."""
    if connection.vendor != "postgresql":
        return
    table = CustomerMetrics._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
        (estimate,) = cursor.fetchone()
        if estimate < 0 or written >= ANALYZE_SHARE * estimate + ANALYZE_BASE:
            cursor.execute(f"ANALYZE {table}")


ANALYZE_SHARE = 0.1  # autovacuum_analyze_scale_factor's default
ANALYZE_BASE = 50  # autovacuum_analyze_threshold's default


def _nps(workspace: Workspace, contact_ids: list[int] | None = None) -> dict[int, int]:
    from relasi.surveys.selectors import latest_nps_by_contact

    return latest_nps_by_contact(workspace=workspace, contact_ids=contact_ids)


def metrics_refresh(*, workspace: Workspace, as_of: dt.date | None = None) -> MetricsRun:
    """Recompute every customer's numbers (the nightly job and the "refresh now" button).

    Purchases are synced from the sales documents changed since the previous run (all of
    them the first time); the aggregation and scoring cover every customer, because
    recency moves for everyone every day. Safe to run twice: the snapshot is an upsert and a
    stage change is recorded once (the second run sees the new stage).
    """
    as_of = as_of or timezone.localdate()
    started = time.perf_counter()
    previous = metrics_run_latest(workspace=workspace)
    run = MetricsRun.objects.create(workspace=workspace, as_of=as_of)
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # A nightly batch (this transaction only): sort and hash in memory, not on
                # disk, and no JIT compilation (seconds of it for each big query).
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL work_mem = '256MB'")
                    cursor.execute("SET LOCAL jit = off")
            _lock(workspace)
            synced = purchases_sync(workspace=workspace, since=previous.created_at if previous else None)
            settings = analytics_settings_get(workspace=workspace)
            facts = aggregates.contact_facts(workspace=workspace, as_of=as_of)
            bought = purchase_totals_read(workspace=workspace, as_of=as_of)
            nps = _nps(workspace)
            with _snapshots_cleared(workspace) as stored_stages:
                columns, model = _compute(
                    settings=settings, as_of=as_of, facts=facts, bought=bought, nps=nps, model=None
                )
                snapshot = _snapshot_columns(workspace, as_of, columns)
                before = stored_stages()
            _snapshots_write(workspace, as_of, snapshot, before)
            run.purchases_synced = synced
            run.customers = len(facts.contact_id)
            run.purchases = int(bought.orders.sum()) if len(bought) else 0
            run.cuts = model.cuts
            run.bgnbd = dataclasses.asdict(model.bgnbd) if model.bgnbd else {}
            run.gamma_gamma = dataclasses.asdict(model.gamma_gamma) if model.gamma_gamma else {}
            run.status = RunStatus.DONE
    except Exception as error:
        run.status = RunStatus.FAILED
        run.error = f"{type(error).__name__}: {error}"[:2000]
        logger.exception("metrics refresh failed for workspace %s", workspace.pk)
    if run.status == RunStatus.DONE:
        try:
            with transaction.atomic():
                _statistics_update(run.customers)
        except DatabaseError:  # the numbers are stored; only the pages' plans may suffer
            logger.warning("ANALYZE of the snapshots failed for workspace %s", workspace.pk, exc_info=True)
    run.finished_at = timezone.now()
    run.duration_ms = int((time.perf_counter() - started) * 1000)
    run.save()
    return run


def _run_model(run: MetricsRun) -> RunModel:
    return RunModel(
        cuts=run.cuts,
        bgnbd=BgNbdParams(**run.bgnbd) if run.bgnbd else None,
        gamma_gamma=GammaGammaParams(**run.gamma_gamma) if run.gamma_gamma else None,
    )


@transaction.atomic
def customer_metrics_refresh(*, contact: Contact, as_of: dt.date | None = None) -> CustomerMetrics | None:
    """Recompute one customer now with the last run's cut points and fitted models (no
    fit: instant). None before the first full run — there is nothing to score against."""
    workspace = contact.workspace
    run = metrics_run_latest(workspace=workspace)
    if run is None:
        return None
    as_of = as_of or timezone.localdate()
    _lock(workspace)
    purchases_sync(workspace=workspace, since=run.created_at)
    ids = [contact.pk]
    columns, _ = _compute(
        settings=analytics_settings_get(workspace=workspace),
        as_of=as_of,
        facts=aggregates.contact_facts(workspace=workspace, as_of=as_of, contact_ids=ids),
        bought=aggregates.purchase_aggregates(workspace=workspace, as_of=as_of, contact_ids=ids),
        nps=_nps(workspace, ids),
        model=_run_model(run),
    )
    with connection.cursor() as cursor:
        before = _snapshots_clear(cursor, workspace, ids)
    _snapshots_write(workspace, as_of, _snapshot_columns(workspace, as_of, columns), before)
    return CustomerMetrics.objects.filter(contact=contact).first()
