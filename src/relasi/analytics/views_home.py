"""The analytics home (``/w/<slug>/analitik/``) and its "refresh now" button.

Every figure is read from the last refresh's snapshot (never a model fit on page load) and is
a link to the customers behind it. The period filter applies to the satisfaction tiles (and is
carried to the acquisition and cohort pages); the segment filter restricts every figure to the
customers of a saved segment or an RFM segment.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from relasi.accounts.decorators import WorkspaceRequest, workspace_view
from relasi.accounts.models import Workspace
from relasi.accounts.permissions import Perm
from relasi.analytics import charts
from relasi.analytics.enums import RunStatus
from relasi.analytics.forms import PERIODS, Period, period_default, period_from_query
from relasi.analytics.metrics.churn import AT_RISK_BANDS
from relasi.analytics.models import CustomerMetrics
from relasi.analytics.segments import segment_members
from relasi.analytics.selectors import (
    Distribution,
    analytics_home,
    customers_at_risk,
    metrics_run_last_any,
    metrics_run_latest,
)
from relasi.analytics.tasks import metrics_refresh_task
from relasi.analytics.views import (
    SegmentChoice,
    all_customers,
    can_see_money,
    count_text,
    customers_url,
    narrowed,
    segment_choice,
    segment_options,
    show_error,
)
from relasi.core.exceptions import ApplicationError
from relasi.surveys.enums import SurveyKind
from relasi.surveys.selectors import (
    SatisfactionSummary,
    period_bounds,
    satisfaction_summary,
)

# A refresh started less than this long ago and still running is not started again.
REFRESH_RUNNING_WINDOW = dt.timedelta(minutes=15)


def distribution_chart(
    distribution: Distribution, *, slug: str, filters: dict[str, Any], title: str, centered: bool = False
) -> Any:
    """A bar per key: its customers, linked to them (a bar of nobody links nowhere)."""
    bars = []
    for row in distribution.rows:
        link = narrowed(filters, distribution.filter_key, [row["key"]]) if row["count"] else None
        bars.append(
            charts.Bar(
                label=row["label"],
                value=row["count"],
                display=count_text(row["count"]),
                href=customers_url(slug, link) if link is not None else "",
                key=row["key"],
            )
        )
    return charts.bar_chart(
        bars, title=title, centered=centered, css_class=f"chart-{distribution.filter_key}"
    )


def satisfaction_tiles(
    *, workspace: Workspace, period: Period, base: QuerySet[CustomerMetrics] | None
) -> list[SatisfactionSummary]:
    """NPS, CSAT and CES of the answers given in the period; with a segment (``base``), of
    its customers only. The segment's customers stay a subquery: a list of ids would not fit
    in one SQL statement for a large segment (SQLite takes 32.766 parameters)."""
    since, until = period_bounds(workspace=workspace, date_from=period.since, date_to=period.until)
    customers = base.values("contact_id") if base is not None else None
    return [
        satisfaction_summary(workspace=workspace, kind=kind, since=since, until=until, contact_ids=customers)
        for kind in (SurveyKind.NPS, SurveyKind.CSAT, SurveyKind.CES)
    ]


@require_GET
@workspace_view(Perm.CONTACTS_VIEW)
def analytics_home_view(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    slug = workspace.slug
    today = timezone.localdate()
    status = 200
    try:
        period = period_from_query(request.GET, today=today)
    except ApplicationError as error:
        show_error(request, error)
        period, status = period_default(today), 400
    try:
        choice = segment_choice(request)
    except ApplicationError as error:
        show_error(request, error)
        choice, status = SegmentChoice("", "", {}), 400
    filters = choice.filters
    base = segment_members(workspace=workspace, filters=filters) if filters else all_customers(workspace)
    home = analytics_home(workspace=workspace, base=base)
    at_risk_filters = narrowed(filters, "churn_risk", list(AT_RISK_BANDS))
    buyers_filters = {**filters, "min_orders": "1"}
    show_money = can_see_money(request)
    query = {**period.as_query(), **({"segment": choice.value} if choice.value else {})}
    context: dict[str, Any] = {
        "run": metrics_run_latest(workspace=workspace),
        "last_run": metrics_run_last_any(workspace=workspace),
        "home": home,
        "show_money": show_money,
        "period": period,
        "periods": PERIODS,
        "choice": choice,
        "segment_options": segment_options(workspace),
        "query_string": urlencode(query),
        "period_query": urlencode(period.as_query()),
        "links": {
            "customers": customers_url(slug, filters),
            "buyers": customers_url(slug, buyers_filters),
            "at_risk": customers_url(slug, at_risk_filters) if at_risk_filters is not None else "",
        },
        "charts": {
            "segments": distribution_chart(
                home.segments, slug=slug, filters=filters, title=_("Buyers per RFM segment")
            ),
            "types": distribution_chart(home.types, slug=slug, filters=filters, title=_("Customer types")),
            "stages": distribution_chart(
                home.stages, slug=slug, filters=filters, title=_("Lifecycle stages"), centered=True
            ),
            "churn": distribution_chart(
                home.churn, slug=slug, filters=filters, title=_("Churn risk of buyers")
            ),
        },
        "at_risk": customers_at_risk(workspace=workspace, base=base),
        "satisfaction": satisfaction_tiles(
            workspace=workspace, period=period, base=base if filters else None
        ),
        "can_refresh": request.membership.can(Perm.CONTACTS_EDIT),
        "analytics_tab": "home",
    }
    return render(request, "analytics/home.html", context, status=status)


@require_POST
@workspace_view(Perm.CONTACTS_EDIT)
def metrics_refresh_view(request: WorkspaceRequest) -> HttpResponse:
    """ "Refresh now": queue a full refresh (a worker runs it; the page never waits for it)."""
    workspace = request.workspace
    last = metrics_run_last_any(workspace=workspace)
    if (
        last is not None
        and last.status == RunStatus.RUNNING
        and last.created_at > timezone.now() - REFRESH_RUNNING_WINDOW
    ):
        messages.info(request, _("A refresh is already running. Reload the page in a moment."))
    else:
        workspace_id = workspace.pk
        transaction.on_commit(lambda: metrics_refresh_task.delay(workspace_id))
        messages.success(
            request, _("Refresh started. The figures update when it is done: reload the page in a moment.")
        )
    return redirect(reverse("analytics:home", args=[workspace.slug]))
