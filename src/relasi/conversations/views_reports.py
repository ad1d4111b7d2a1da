"""Report pages under ``/w/<slug>/laporan/``: conversations (volumes, first response and
resolution times, per day, channel, agent or inbox, with CSV/XLSX export) and customer
satisfaction (CSAT, with the survey settings of each inbox).

Reports show every agent's figures and export customer names, so they are for the people who
run the inboxes: ``Perm.INBOXES_MANAGE`` (owners and admins). Thin views: parse the query,
call one selector or service, render.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from relasi.accounts.decorators import WorkspaceRequest, workspace_view
from relasi.accounts.permissions import Perm
from relasi.conversations import csat, reports, selectors
from relasi.conversations.enums import ChannelType
from relasi.core.exceptions import ApplicationError, fields_invalid
from relasi.core.spreadsheets import XLSX_CONTENT_TYPE


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _date(value: str | None, field: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise fields_invalid({field: _("Use a date like 2026-01-31.")}) from None


def filters_from_request(request: WorkspaceRequest) -> reports.ReportFilters:
    """The report's filters from ``?from=&to=&inbox=&channel=&agent=``; raises
    ``ValidationError`` naming the bad field."""
    return reports.report_filters(
        workspace=request.workspace,
        date_from=_date(request.GET.get("from"), "from"),
        date_to=_date(request.GET.get("to"), "to"),
        inbox_id=_int(request.GET.get("inbox")),
        channel=request.GET.get("channel", ""),
        agent_id=_int(request.GET.get("agent")),
    )


def _filters_or_default(request: WorkspaceRequest) -> tuple[reports.ReportFilters, int]:
    """The asked filters, or the default period with the error shown (status 400)."""
    try:
        return filters_from_request(request), 200
    except ApplicationError as error:
        details = "; ".join(str(v) for v in error.fields.values())
        messages.error(request, f"{error.message} {details}".strip())
        return reports.report_filters(workspace=request.workspace), 400


def _choices(request: WorkspaceRequest) -> dict[str, Any]:
    return {
        "inboxes": selectors.inbox_list(workspace=request.workspace),
        "agents": selectors.member_list(workspace=request.workspace),
        "channels": ChannelType.choices,
    }


@require_GET
@workspace_view(Perm.INBOXES_MANAGE)
def conversation_report_view(request: WorkspaceRequest) -> HttpResponse:
    filters, status = _filters_or_default(request)
    group_by = request.GET.get("group_by", "day")
    if group_by not in reports.GROUPINGS:
        group_by = "day"
    report = reports.conversation_report(workspace=request.workspace, filters=filters, group_by=group_by)
    query = request.GET.copy()
    query.pop("format", None)
    context: dict[str, Any] = {
        "report": report,
        "filters": filters,
        "groupings": [
            ("day", _("Day")),
            ("channel", _("Channel")),
            ("agent", _("Agent")),
            ("inbox", _("Inbox")),
        ],
        "query_string": query.urlencode(),
        "reports_tab": "conversations",
        **_choices(request),
    }
    return render(request, "conversations/reports.html", context, status=status)


@require_GET
@workspace_view(Perm.INBOXES_MANAGE)
def conversation_export_view(request: WorkspaceRequest) -> HttpResponse:
    """``?format=csv|xlsx`` with the report's filters: one row per conversation opened in the
    period."""
    file_format = request.GET.get("format", "csv")
    if file_format not in ("csv", "xlsx"):
        return HttpResponse(_("Choose format=csv or format=xlsx."), status=400, content_type="text/plain")
    try:
        filters = filters_from_request(request)
    except ApplicationError as error:
        return HttpResponse(str(error.message), status=400, content_type="text/plain")
    name = reports.export_filename(workspace=request.workspace, filters=filters, file_format=file_format)
    return export_response(request, filters, file_format, name)


def export_response(
    request: Any, filters: reports.ReportFilters, file_format: str, filename: str
) -> HttpResponse:
    """The export as a download (shared by the page and the API)."""
    ip_address = request.META.get("REMOTE_ADDR")
    response: HttpResponse | StreamingHttpResponse
    if file_format == "xlsx":
        response = FileResponse(
            reports.conversation_export_xlsx(
                workspace=request.workspace, actor=request.user, filters=filters, ip_address=ip_address
            ),
            as_attachment=True,
            filename=filename,
            content_type=XLSX_CONTENT_TYPE,
        )
    else:
        response = StreamingHttpResponse(
            reports.conversation_export_csv(
                workspace=request.workspace, actor=request.user, filters=filters, ip_address=ip_address
            ),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["Cache-Control"] = "no-store"  # customer names: never kept by a shared cache
    return response  # type: ignore[return-value]


@require_GET
@workspace_view(Perm.INBOXES_MANAGE)
def csat_report_view(request: WorkspaceRequest) -> HttpResponse:
    filters, status = _filters_or_default(request)
    context: dict[str, Any] = {
        "report": reports.csat_report(workspace=request.workspace, filters=filters),
        "filters": filters,
        "scores": csat.SCORES,
        "score_labels": {score: csat.score_label(score) for score in csat.SCORES},
        "settings_rows": reports.csat_settings(workspace=request.workspace),
        "default_template": csat.DEFAULT_TEMPLATE_NAME,
        "link_days": csat.LINK_MAX_AGE.days,
        "placeholders": ("{{1}}", "{{2}}"),
        "reports_tab": "csat",
        **_choices(request),
    }
    return render(request, "conversations/reports_csat.html", context, status=status)


@require_POST
@workspace_view(Perm.INBOXES_MANAGE)
def csat_settings_view(request: WorkspaceRequest, inbox_id: int) -> HttpResponse:
    """Switch an inbox's survey on or off and choose its WhatsApp template."""
    inbox = selectors.inbox_get(workspace=request.workspace, inbox_id=inbox_id)
    if inbox is None:
        raise Http404(_("Inbox not found."))
    try:
        csat.inbox_csat_configure(
            inbox=inbox,
            actor=request.user,
            enabled=request.POST.get("csat_enabled") == "on",
            template_name=request.POST.get("template_name", ""),
            ip_address=request.META.get("REMOTE_ADDR"),
        )
    except ApplicationError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Survey settings of %(inbox)s saved.") % {"inbox": inbox.name})
    return redirect("conversations:reports_csat", request.workspace.slug)
