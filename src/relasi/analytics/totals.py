"""Per-customer purchase totals, kept current as purchases are written.

The nightly refresh needs, for every customer, the figures of ``aggregates.purchase_totals_sql``
(first and last purchase day, purchase days, purchases, discounted purchases, total and
first-day spend, the favourite category, purchases of the last 365 days). Computing them from
ten million purchases takes half a minute; reading them from ``PurchaseTotals`` takes one
second. So:

* every writer of purchases (``purchases_add``, ``purchases_sync``, the import) recomputes
  the totals of the customers it touched, in the same transaction (``purchase_totals_rebuild``,
  one SQL statement, the same query as the direct path);
* the last-year count belongs to a window per workspace (``PurchaseWindow``). Moving the
  window from day A to day B adds the purchases of (A, B] and takes away those of
  (A − 365, B − 365]: two short range scans, whatever the number of customers
  (``purchase_window_move``);
* ``purchase_totals_read`` hands the refresh the same arrays as
  ``aggregates.purchase_aggregates``. When purchases exist after the as-of date (a refresh
  "as of" a past day) the totals do not apply and the direct path is used.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from relasi.accounts.models import Workspace
from relasi.analytics import aggregates
from relasi.analytics.models import Purchase, PurchaseTotals, PurchaseWindow

YEAR = dt.timedelta(days=aggregates.YEAR_DAYS)
CHUNK = 5000  # customers per statement (SQLite's limit on parameters)
TOTALS = PurchaseTotals._meta.db_table
COLUMNS = (
    "contact_id, first_on, last_on, purchase_days, orders, orders_last_year, discounted_orders, "
    "total_cents, first_day_cents"
)


def _window(workspace: Workspace) -> tuple[PurchaseWindow, bool]:
    """The workspace's window, locked for this transaction, and whether every total was just
    built: the first time (a new workspace, or purchases stored before the totals existed)
    the window ends today and all totals are built."""
    window, created = PurchaseWindow.objects.select_for_update().get_or_create(
        workspace=workspace, defaults={"last_year_through": timezone.localdate()}
    )
    if created:
        _rebuild(workspace, window.last_year_through, None)
    return window, created


def _rebuild(workspace: Workspace, through: dt.date, contact_ids: list[int] | None) -> None:
    totals_sql, totals_params = aggregates.purchase_totals_sql(
        workspace_id=workspace.pk, last_year=(through - YEAR, through), until=None, contact_ids=contact_ids
    )
    top_sql, top_params = aggregates.top_categories_sql(
        workspace_id=workspace.pk, until=None, contact_ids=contact_ids
    )
    only, ids = aggregates.contacts_filter("contact_id", contact_ids)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TOTALS} WHERE workspace_id = %s {only}", [workspace.pk, *ids])  # noqa: S608
        with aggregates.streamed_grouping(cursor):
            cursor.execute(
                f"""
                INSERT INTO {TOTALS} (workspace_id, {COLUMNS}, top_category, top_category_orders)
                SELECT %s, t.*, COALESCE(c.category, ''), COALESCE(c.n, 0)
                FROM ({totals_sql}) t LEFT JOIN ({top_sql}) c ON c.contact_id = t.contact_id
                """,  # noqa: S608
                [workspace.pk, *totals_params, *top_params],
            )


@transaction.atomic
def purchase_totals_rebuild(*, workspace: Workspace, contact_ids: Iterable[int] | None = None) -> None:
    """Recompute the totals of these customers (every customer when None) from their
    purchases; a customer left without purchases loses the row."""
    window, built = _window(workspace)
    if built:
        return
    if contact_ids is None:
        _rebuild(workspace, window.last_year_through, None)
        return
    ids = sorted(set(contact_ids))
    for start in range(0, len(ids), CHUNK):
        _rebuild(workspace, window.last_year_through, ids[start : start + CHUNK])


@transaction.atomic
def purchase_window_move(*, workspace: Workspace, through: dt.date) -> None:
    """Make ``orders_last_year`` count the 365 days up to ``through``.

    From A to a later B: + purchases of (A, B], − purchases of (A − 365, B − 365]; to an
    earlier B the same with the roles swapped. Exact for any distance (past a year the two
    ranges overlap and the arithmetic still gives the new window's count)."""
    window, _ = _window(workspace)
    old = window.last_year_through
    if through == old:
        return
    if through > old:
        enter, leave = (old, through), (old - YEAR, through - YEAR)
    else:
        enter, leave = (through - YEAR, old - YEAR), (through, old)
    param = aggregates.date_param()
    inside = outside = f"(purchased_on > {param} AND purchased_on <= {param})"
    delta = f"""
        SELECT contact_id, SUM(CASE WHEN {inside} THEN 1 ELSE 0 END)
                           - SUM(CASE WHEN {outside} THEN 1 ELSE 0 END) AS n
        FROM analytics_purchase
        WHERE workspace_id = %s AND ({inside} OR {outside})
        GROUP BY contact_id
    """  # noqa: S608
    params: list[Any] = [*enter, *leave, workspace.pk, *enter, *leave]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {TOTALS} SET orders_last_year = orders_last_year + d.n "  # noqa: S608
            f"FROM ({delta}) d WHERE {TOTALS}.contact_id = d.contact_id AND d.n <> 0",
            params,
        )
    window.last_year_through = through
    window.save(update_fields=["last_year_through"])


def purchase_totals_read(*, workspace: Workspace, as_of: dt.date) -> aggregates.PurchaseAggregates:
    """Every customer's purchase figures as of ``as_of`` — from the totals (moving the window
    to ``as_of``), or from the purchases themselves when some are dated after ``as_of``."""
    latest = Purchase.objects.filter(workspace=workspace).aggregate(day=Max("purchased_on"))["day"]
    if latest is not None and latest > as_of:
        return aggregates.purchase_aggregates(workspace=workspace, as_of=as_of)
    purchase_window_move(workspace=workspace, through=as_of)
    param = aggregates.date_param()
    since_first = aggregates.days_between(param, "first_on")
    since_last = aggregates.days_between(param, "last_on")
    columns = (
        f"contact_id, {since_first}, {since_last}, purchase_days, orders, orders_last_year, "
        "discounted_orders, total_cents, first_day_cents, top_category_orders"
    )
    where = f"FROM {TOTALS} WHERE workspace_id = %s ORDER BY contact_id"
    with connection.cursor() as cursor:
        table = aggregates.int_table(cursor, f"SELECT {columns} {where}", [as_of, as_of, workspace.pk], 10)
        cursor.execute(f"SELECT top_category {where}", [workspace.pk])
        names = [name for (name,) in cursor.fetchall()]
    return aggregates.PurchaseAggregates.from_columns(table, names)
