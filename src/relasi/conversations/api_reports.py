"""API of the inbox reports and the satisfaction survey:

* ``GET /api/v1/reports/conversations?from=&to=&group_by=day|channel|agent|inbox`` (filters
  ``inbox_id``, ``channel``, ``agent_id``)
* ``GET /api/v1/reports/conversations.csv`` and ``.xlsx`` (same filters, one row per conversation)
* ``GET /api/v1/reports/csat?from=&to=&inbox_id=&channel=&agent_id=``
* ``POST /api/v1/conversations/{id}/csat`` — record a rating the customer gave by phone or in
  person (``source=agent``)
* ``GET``/``PATCH /api/v1/inboxes/{id}/csat`` — the inbox's survey switch and WhatsApp template

Reports and recorded ratings are for the people who run the inboxes (``inboxes.manage``:
owners and admins) — an agent does not rate their own conversations. The CSAT routes are added
to the conversations and inboxes routers when this module is imported (``config/api.py``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from relasi.accounts.api_access import ErrorOut, api_access
from relasi.accounts.models import Workspace
from relasi.accounts.permissions import Perm
from relasi.conversations import csat, reports, selectors
from relasi.conversations.api import conversations_router, inboxes_router
from relasi.conversations.models import Conversation, CsatSource, Inbox
from relasi.conversations.views_reports import export_response
from relasi.core.exceptions import NotFound

reports_router = Router()


class ReportQuery(Schema):
    date_from: dt.date | None = Field(None, alias="from", description="First day (ISO); default 30 days ago.")
    date_to: dt.date | None = Field(None, alias="to", description="Last day, included (ISO); default today.")
    inbox_id: int | None = None
    channel: str = Field("", description="whatsapp, email or webchat")
    agent_id: int | None = Field(None, description="The agent assigned (CSAT: the agent rated).")


class ConversationReportQuery(ReportQuery):
    group_by: str = Field("day", description="day, channel, agent or inbox")


def _filters(workspace: Workspace, query: ReportQuery) -> reports.ReportFilters:
    return reports.report_filters(
        workspace=workspace,
        date_from=query.date_from,
        date_to=query.date_to,
        inbox_id=query.inbox_id,
        channel=query.channel,
        agent_id=query.agent_id,
    )


# Conversations ---------------------------------------------------------------------------


class DurationOut(Schema):
    count: int = Field(description="Conversations the time was measured on.")
    average_seconds: float | None
    median_seconds: float | None


class ConversationReportRowOut(Schema):
    key: str | int | None = Field(description="The day (ISO), channel, agent id or inbox id.")
    label: str
    opened: int
    resolved: int
    first_response: DurationOut
    resolution: DurationOut


class ConversationReportOut(Schema):
    date_from: dt.date
    date_to: dt.date
    time_zone: str
    group_by: str
    rows: list[ConversationReportRowOut]
    total: ConversationReportRowOut


def _duration(stats: reports.DurationStats) -> dict[str, Any]:
    return {"count": stats.count, "average_seconds": stats.average, "median_seconds": stats.median}


def _row(row: reports.ConversationReportRow) -> dict[str, Any]:
    return {
        "key": row.key.isoformat() if isinstance(row.key, dt.date) else row.key,
        "label": row.label,
        "opened": row.opened,
        "resolved": row.resolved,
        "first_response": _duration(row.first_response),
        "resolution": _duration(row.resolution),
    }


@reports_router.get(
    "/conversations",
    response={200: ConversationReportOut, 400: ErrorOut, 403: ErrorOut},
    summary="Conversation report",
)
def conversation_report_api(request: HttpRequest, query: Query[ConversationReportQuery]) -> dict[str, Any]:
    """Opened and resolved conversations, first response and resolution times (median and
    average, in seconds) per day (workspace time zone), channel, agent or inbox, with the
    total. First response time counts from the customer's first message to the first reply an
    agent wrote (automatic messages excluded), on the day the conversation was opened;
    resolution time on the day it was resolved."""
    workspace, _user = api_access(request, Perm.INBOXES_MANAGE)
    filters = _filters(workspace, query)
    report = reports.conversation_report(workspace=workspace, filters=filters, group_by=query.group_by)
    return {
        "date_from": filters.date_from,
        "date_to": filters.date_to,
        "time_zone": filters.time_zone,
        "group_by": report.group_by,
        "rows": [_row(r) for r in report.rows],
        "total": _row(report.total),
    }


def _export(request: HttpRequest, query: ReportQuery, file_format: str) -> HttpResponse:
    workspace, _user = api_access(request, Perm.INBOXES_MANAGE)
    filters = _filters(workspace, query)
    name = reports.export_filename(workspace=workspace, filters=filters, file_format=file_format)
    return export_response(request, filters, file_format, name)


@reports_router.get(
    "/conversations.csv",
    response={200: None, 400: ErrorOut, 403: ErrorOut},
    summary="Conversations as CSV",
)
def conversation_export_csv_api(request: HttpRequest, query: Query[ReportQuery]) -> HttpResponse:
    """One row per conversation opened in the period (UTF-8 with BOM, comma separated)."""
    return _export(request, query, "csv")


@reports_router.get(
    "/conversations.xlsx",
    response={200: None, 400: ErrorOut, 403: ErrorOut},
    summary="Conversations as XLSX",
)
def conversation_export_xlsx_api(request: HttpRequest, query: Query[ReportQuery]) -> HttpResponse:
    """One row per conversation opened in the period, as an Excel workbook."""
    return _export(request, query, "xlsx")


# CSAT ------------------------------------------------------------------------------------


class CsatStatsOut(Schema):
    requested: int
    answered: int
    average: str | None = Field(description="Mean score, two decimals.")
    response_rate_percent: str | None
    satisfied_percent: str | None = Field(description="Answers of 4 or 5 among the answers.")
    distribution: dict[str, int] = Field(description="Answers per score, '1' to '5'.")


class CsatAgentOut(Schema):
    agent_id: int | None
    name: str
    stats: CsatStatsOut


class CsatCommentOut(Schema):
    conversation_id: int
    customer: str
    agent: str
    score: int
    comment: str
    answered_at: dt.datetime


class CsatReportOut(Schema):
    date_from: dt.date
    date_to: dt.date
    time_zone: str
    total: CsatStatsOut
    agents: list[CsatAgentOut]
    comments: list[CsatCommentOut]


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _stats(stats: reports.CsatStats) -> dict[str, Any]:
    return {
        "requested": stats.requested,
        "answered": stats.answered,
        "average": _text(stats.average),
        "response_rate_percent": _text(stats.response_rate),
        "satisfied_percent": _text(stats.satisfied_rate),
        "distribution": {str(score): count for score, count in sorted(stats.distribution.items())},
    }


@reports_router.get(
    "/csat", response={200: CsatReportOut, 400: ErrorOut, 403: ErrorOut}, summary="CSAT report"
)
def csat_report_api(request: HttpRequest, query: Query[ReportQuery]) -> dict[str, Any]:
    """Satisfaction over the conversations whose survey was sent in the period: average,
    response rate, share of 4–5, answers per score, per agent rated, latest comments."""
    workspace, _user = api_access(request, Perm.INBOXES_MANAGE)
    filters = _filters(workspace, query)
    report = reports.csat_report(workspace=workspace, filters=filters)
    return {
        "date_from": filters.date_from,
        "date_to": filters.date_to,
        "time_zone": filters.time_zone,
        "total": _stats(report.total),
        "agents": [{"agent_id": a.agent_id, "name": a.name, "stats": _stats(a.stats)} for a in report.agents],
        "comments": [
            {
                "conversation_id": c.conversation_id,
                "customer": c.customer,
                "agent": c.agent,
                "score": c.score,
                "comment": c.comment,
                "answered_at": c.answered_at,
            }
            for c in report.comments
        ],
    }


class CsatIn(Schema):
    score: int = Field(description="1 (very dissatisfied) to 5 (very satisfied).")
    comment: str = ""


class CsatOut(Schema):
    conversation_id: int
    score: int | None
    comment: str
    source: str
    agent_id: int | None = Field(description="The agent rated.")
    requested_at: dt.datetime | None
    answered_at: dt.datetime | None


def _csat_out(conversation: Conversation) -> dict[str, Any]:
    return {
        "conversation_id": conversation.pk,
        "score": conversation.csat_score,
        "comment": conversation.csat_comment,
        "source": conversation.csat_source,
        "agent_id": conversation.csat_agent_id,
        "requested_at": conversation.csat_requested_at,
        "answered_at": conversation.csat_answered_at,
    }


@conversations_router.post(
    "/{int:conversation_id}/csat",
    response={200: CsatOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Record a rating",
)
def conversation_csat_api(request: HttpRequest, conversation_id: int, payload: CsatIn) -> dict[str, Any]:
    """Record the rating a customer gave outside the survey (by phone, in the shop). The first
    rating of a conversation is final: a second one is a 409."""
    workspace, user = api_access(request, Perm.INBOXES_MANAGE)
    conversation = selectors.conversation_get(workspace=workspace, conversation_id=conversation_id)
    if conversation is None:
        raise NotFound(_("Conversation not found."), code="not_found")
    recorded = csat.csat_record(
        conversation=conversation,
        score=payload.score,
        comment=payload.comment,
        source=CsatSource.AGENT,
        actor=user,
    )
    return _csat_out(recorded)


class InboxCsatIn(Schema):
    enabled: bool | None = None
    template_name: str | None = Field(
        None, description="WhatsApp template used outside the 24-hour window; '' = csat_request."
    )


class InboxCsatOut(Schema):
    inbox_id: int
    enabled: bool
    template_name: str = Field(description="The template asked for ('' = the default name).")
    template_in_use: str | None = Field(
        description="The approved UTILITY template that would be sent now (name and language)."
    )


def _inbox(workspace: Workspace, inbox_id: int) -> Inbox:
    inbox = selectors.inbox_get(workspace=workspace, inbox_id=inbox_id)
    if inbox is None:
        raise NotFound(_("Inbox not found."), code="not_found")
    return inbox


def _inbox_csat_out(inbox: Inbox) -> dict[str, Any]:
    template = csat.csat_template_for(inbox=inbox)
    return {
        "inbox_id": inbox.pk,
        "enabled": inbox.csat_enabled,
        "template_name": inbox.csat_template_name,
        "template_in_use": f"{template.name} ({template.language})" if template else None,
    }


@inboxes_router.get("/{int:inbox_id}/csat", response={200: InboxCsatOut, 403: ErrorOut, 404: ErrorOut})
def inbox_csat_get_api(request: HttpRequest, inbox_id: int) -> dict[str, Any]:
    workspace, _user = api_access(request, Perm.INBOXES_MANAGE)
    return _inbox_csat_out(_inbox(workspace, inbox_id))


@inboxes_router.patch(
    "/{int:inbox_id}/csat", response={200: InboxCsatOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut}
)
def inbox_csat_update_api(request: HttpRequest, inbox_id: int, payload: InboxCsatIn) -> dict[str, Any]:
    """Switch the inbox's satisfaction survey on or off, choose its WhatsApp template."""
    workspace, user = api_access(request, Perm.INBOXES_MANAGE)
    inbox = _inbox(workspace, inbox_id)
    csat.inbox_csat_configure(
        inbox=inbox,
        actor=user,
        enabled=inbox.csat_enabled if payload.enabled is None else payload.enabled,
        template_name=inbox.csat_template_name if payload.template_name is None else payload.template_name,
        ip_address=request.META.get("REMOTE_ADDR"),
    )
    return _inbox_csat_out(inbox)
