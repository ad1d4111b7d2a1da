"""The report pages of analytics: the lifecycle board (``/analitik/siklus/``), cohort
retention (``/analitik/kohort/``, with CSV/XLSX export), acquisition cost against CLV
(``/analitik/akuisisi/``, with the owner's monthly costs) and cycle time
(``/analitik/waktu-siklus/``, with the recorded production runs and the sales cycle).

Thin views: parse the period, call the lead's selectors, render. Acquisition costs are the
owner's settings (``Perm.SETTINGS_MANAGE``); production runs are recorded by anyone who edits
customers (``Perm.CONTACTS_EDIT``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from relasi.accounts.decorators import WorkspaceRequest, workspace_view
from relasi.accounts.models import Workspace
from relasi.accounts.permissions import Perm
from relasi.analytics import charts, exports
from relasi.analytics.enums import LifecycleStage
from relasi.analytics.forms import (
    MAX_PERIOD_MONTHS,
    PERIODS,
    AcquisitionCostForm,
    CycleTimeForm,
    Period,
    period_default,
    period_from_query,
)
from relasi.analytics.selectors import (
    acquisition_cost_list,
    acquisition_report,
    cohort_retention,
    cycle_time_records,
    lifecycle_board,
    process_cycle_times,
    sales_cycle_time,
)
from relasi.analytics.services import (
    acquisition_cost_delete,
    acquisition_cost_set,
    cycle_time_record_create,
    cycle_time_record_delete,
)
from relasi.analytics.views import all_customers, can_see_money, count_text, customers_url, show_error
from relasi.core.exceptions import ApplicationError
from relasi.core.spreadsheets import XLSX_CONTENT_TYPE
from relasi.web.forms import apply_errors

BOARD_WEEKS = 8
HEAT_STEPS = 10  # the colour scale of the cohort table: classes heat-0 … heat-10


def _period(request: WorkspaceRequest) -> tuple[Period, int]:
    """The asked period, or the default one with the error shown (status 400)."""
    today = timezone.localdate()
    try:
        return period_from_query(request.GET, today=today), 200
    except ApplicationError as error:
        show_error(request, error)
        return period_default(today), 400


def _period_context(period: Period) -> dict[str, Any]:
    return {"period": period, "periods": PERIODS, "period_query": urlencode(period.as_query())}


# Lifecycle board ---------------------------------------------------------------------------------


def stage_counts(*, workspace: Workspace) -> dict[str, int]:
    """Customers per stage now (one grouped query over the live customers)."""
    rows = all_customers(workspace).values_list("lifecycle_stage").annotate(n=Count("id")).order_by()
    return dict(rows)


@require_GET
@workspace_view(Perm.CONTACTS_VIEW)
def lifecycle_board_view(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    counts = stage_counts(workspace=workspace)
    labels = {key: str(label) for key, label in LifecycleStage.choices}
    order = {key: position for position, key in enumerate(labels)}
    columns = [
        {
            "key": key,
            "label": label,
            "count": counts.get(key, 0),
            "url": customers_url(workspace.slug, {"lifecycle_stage": [key]}),
        }
        for key, label in labels.items()
    ]
    weeks = list(reversed(lifecycle_board(workspace=workspace, weeks=BOARD_WEEKS)))  # oldest first
    pairs = sorted(
        {pair for week in weeks for pair in week.moves},
        key=lambda pair: (order.get(pair[1], 9), order.get(pair[0], -1)),
    )
    moves = [
        {
            "from": labels.get(source, _("(new record)")) if source else _("(new record)"),
            "to": labels.get(target, target),
            "counts": [week.moves.get((source, target), 0) for week in weeks],
        }
        for source, target in pairs
    ]
    trend = charts.column_chart(
        [
            charts.Bar(
                label=week.week_start.strftime("%d/%m"), value=week.total, display=count_text(week.total)
            )
            for week in weeks
        ],
        title=_("Stage changes per week"),
        line=True,
    )
    context: dict[str, Any] = {
        "columns": columns,
        "weeks": weeks,
        "moves": moves,
        "trend": trend,
        "analytics_tab": "lifecycle",
    }
    return render(request, "analytics/lifecycle.html", context)


# Cohorts -----------------------------------------------------------------------------------------


def _cohorts(request: WorkspaceRequest, period: Period) -> tuple[list[Any], int]:
    months = min(period.months, MAX_PERIOD_MONTHS)
    return cohort_retention(workspace=request.workspace, months=months, as_of=period.until), months


def heat_class(share: float | None) -> str:
    """The cell's colour step: ``heat-0`` (nobody came back) … ``heat-10`` (everyone). A class
    of ``analytics.css``, not an inline style (the CSP allows no ``style=""``)."""
    if share is None:
        return "heat-none"
    step = round(max(0.0, min(1.0, share)) * HEAT_STEPS)
    return f"heat-{step}"


@require_GET
@workspace_view(Perm.CONTACTS_VIEW)
def cohort_view(request: WorkspaceRequest) -> HttpResponse:
    period, status = _period(request)
    cohorts, months = _cohorts(request, period)
    rows = [
        {
            "cohort": cohort,
            "cells": [{"share": share, "css": heat_class(share)} for share in cohort.retention],
        }
        for cohort in cohorts
    ]
    context: dict[str, Any] = {
        "rows": rows,
        "offsets": list(range(months)),
        "can_export": request.membership.can(Perm.CONTACTS_EXPORT),
        "analytics_tab": "cohorts",
        **_period_context(period),
    }
    return render(request, "analytics/cohorts.html", context, status=status)


@require_GET
@workspace_view(Perm.CONTACTS_EXPORT)
def cohort_export_view(request: WorkspaceRequest) -> HttpResponse:
    file_format = request.GET.get("format", "csv")
    if file_format not in ("csv", "xlsx"):
        return HttpResponse(_("Choose format=csv or format=xlsx."), status=400, content_type="text/plain")
    try:
        period = period_from_query(request.GET, today=timezone.localdate())
    except ApplicationError as error:
        return HttpResponse(str(error.message), status=400, content_type="text/plain")
    cohorts, months = _cohorts(request, period)
    filename = f"{slugify(_('cohorts'))}-{request.workspace.slug}-{period.until:%Y%m%d}.{file_format}"
    if file_format == "xlsx":
        return FileResponse(  # type: ignore[return-value]
            exports.cohort_export_xlsx(cohorts=cohorts, months=months),
            as_attachment=True,
            filename=filename,
            content_type=XLSX_CONTENT_TYPE,
        )
    response = HttpResponse(
        exports.cohort_export_csv(cohorts=cohorts, months=months), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


# Acquisition -------------------------------------------------------------------------------------


def _acquisition_page(
    request: WorkspaceRequest, form: AcquisitionCostForm | None = None, status: int = 200
) -> HttpResponse:
    workspace = request.workspace
    period, period_status = _period(request)
    rows = acquisition_report(workspace=workspace, since=period.since, until=period.until)
    show_money = can_see_money(request)
    context: dict[str, Any] = {
        "rows": [
            {"row": row, "url": customers_url(workspace.slug, {"source": [row.source]}) if row.source else ""}
            for row in rows
        ],
        "show_money": show_money,
        "can_manage": request.membership.can(Perm.SETTINGS_MANAGE),
        "form": form or AcquisitionCostForm(initial={"month": timezone.localdate().strftime("%Y-%m")}),
        "costs": list(acquisition_cost_list(workspace=workspace)[:120]) if show_money else [],
        "analytics_tab": "acquisition",
        **_period_context(period),
    }
    return render(request, "analytics/acquisition.html", context, status=max(status, period_status))


@require_GET
@workspace_view(Perm.CONTACTS_VIEW)
def acquisition_view(request: WorkspaceRequest) -> HttpResponse:
    return _acquisition_page(request)


@require_POST
@workspace_view(Perm.SETTINGS_MANAGE)
def acquisition_cost_set_view(request: WorkspaceRequest) -> HttpResponse:
    """Record what a source cost in a month (again for the same month replaces it)."""
    form = AcquisitionCostForm(request.POST)
    if form.is_valid():
        try:
            cost = acquisition_cost_set(
                workspace=request.workspace,
                source=form.cleaned_data["source"],
                month=form.cleaned_data["month"],
                amount=form.cleaned_data["amount"],
                note=form.cleaned_data["note"],
            )
        except ApplicationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                _("Cost of %(source)s for %(month)s saved.")
                % {"source": cost.get_source_display(), "month": cost.month.strftime("%m/%Y")},
            )
            return redirect("analytics:acquisition", request.workspace.slug)
    return _acquisition_page(request, form, status=400)


@require_POST
@workspace_view(Perm.SETTINGS_MANAGE)
def acquisition_cost_delete_view(request: WorkspaceRequest, cost_id: int) -> HttpResponse:
    try:
        acquisition_cost_delete(workspace=request.workspace, cost_id=cost_id)
    except ApplicationError as error:
        raise Http404(str(error.message)) from error
    messages.success(request, _("Cost deleted."))
    return redirect("analytics:acquisition", request.workspace.slug)


# Cycle time --------------------------------------------------------------------------------------


def _cycle_page(
    request: WorkspaceRequest, form: CycleTimeForm | None = None, status: int = 200
) -> HttpResponse:
    workspace = request.workspace
    period, period_status = _period(request)
    show_sales = request.membership.can(Perm.SALES_VIEW)
    context: dict[str, Any] = {
        "processes": process_cycle_times(workspace=workspace),
        "records": cycle_time_records(workspace=workspace, limit=50),
        "sales_cycle": sales_cycle_time(workspace=workspace, since=period.since) if show_sales else None,
        "form": form or CycleTimeForm(initial={"recorded_on": timezone.localdate().isoformat()}),
        "can_edit": request.membership.can(Perm.CONTACTS_EDIT),
        "analytics_tab": "cycle",
        **_period_context(period),
    }
    return render(request, "analytics/cycle_time.html", context, status=max(status, period_status))


@require_GET
@workspace_view(Perm.CONTACTS_VIEW)
def cycle_time_view(request: WorkspaceRequest) -> HttpResponse:
    return _cycle_page(request)


@require_POST
@workspace_view(Perm.CONTACTS_EDIT)
def cycle_time_record_create_view(request: WorkspaceRequest) -> HttpResponse:
    form = CycleTimeForm(request.POST)
    if form.is_valid():
        try:
            record = cycle_time_record_create(
                workspace=request.workspace,
                actor=request.user,
                process=form.cleaned_data["process"],
                recorded_on=form.cleaned_data["recorded_on"],
                net_production_hours=form.cleaned_data["net_production_hours"],
                units=form.cleaned_data["units"],
                note=form.cleaned_data["note"],
            )
        except ApplicationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Run of %(process)s recorded.") % {"process": record.process})
            return redirect("analytics:cycle_time", request.workspace.slug)
    return _cycle_page(request, form, status=400)


@require_POST
@workspace_view(Perm.CONTACTS_EDIT)
def cycle_time_record_delete_view(request: WorkspaceRequest, record_id: int) -> HttpResponse:
    try:
        cycle_time_record_delete(workspace=request.workspace, record_id=record_id)
    except ApplicationError as error:
        raise Http404(str(error.message)) from error
    messages.success(request, _("Record deleted."))
    return redirect("analytics:cycle_time", request.workspace.slug)
