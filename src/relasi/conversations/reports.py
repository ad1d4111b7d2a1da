"""Reports of the inbox: conversation volumes and times, customer satisfaction (CSAT), and the
export of one row per conversation. Every figure is aggregated in the database (a fixed
number of queries whatever the number of conversations); days are the workspace's calendar
days (``Asia/Jakarta`` by default), so a conversation opened at 23.30 WIB counts on that day.

Definitions (those of Chatwoot's and Zendesk's inbox reports):

- **Opened**: conversations created in the period (a conversation starts with the customer's
  first message). **Resolved**: conversations whose ``resolved_at`` falls in the period (one
  reopened and resolved again counts once, at its last resolution).
- **First response time** (FRT) = ``first_response_at`` − ``created_at``, over the conversations
  opened in the period that an agent answered. ``first_response_at`` is set by the first message
  an agent sends (``services_outbound.message_send`` with an actor): greetings, away messages and
  surveys are automatic and do not count, private notes are never sent. Grouped by the day the
  conversation was **opened**.
- **Resolution time** = ``resolved_at`` − ``created_at``, over the conversations resolved in the
  period, grouped by the day they were **resolved**.
- **Median**: the middle value, or the mean of the two middle values for an even count (the
  50th percentile with linear interpolation). PostgreSQL computes it with
  ``percentile_cont(0.5) WITHIN GROUP (ORDER BY …)``; SQLite, which has no percentile
  function, with window functions — rows numbered per group in value order and the one or two
  middle rows averaged (``rn IN ((n + 1) / 2, (n + 2) / 2)``) — which is the same number.
- **CSAT**, over the conversations whose survey was sent in the period: response rate =
  answered ÷ asked; average = mean score of the answers; satisfied = share of 4 and 5 among the
  answers (the usual "CSAT %"); per agent = the agent rated (assigned when it was resolved).

Filters: inbox, channel and agent (for CSAT: the agent rated). A period is at most
``MAX_PERIOD_DAYS`` long; by default the last ``DEFAULT_PERIOD_DAYS`` days up to today.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import tempfile
import zoneinfo
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import IO, Any

from django.db import NotSupportedError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Aggregate, Avg, Count, F, FloatField, Func, Max, Q, QuerySet
from django.db.models.expressions import Combinable
from django.db.models.functions import TruncDate
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from relasi.accounts.models import Membership, User, Workspace
from relasi.channels.whatsapp.models import WhatsAppTemplate
from relasi.conversations.csat import SCORES, score_label
from relasi.conversations.enums import ChannelType, ConversationStatus
from relasi.conversations.models import Conversation, Inbox
from relasi.core.audit import audit_record
from relasi.core.exceptions import fields_invalid
from relasi.core.models import AuditAction
from relasi.core.spreadsheets import Echo, ExportValue, csv_text, xlsx_value

DEFAULT_PERIOD_DAYS = 30
MAX_PERIOD_DAYS = 366
GROUPINGS = ("day", "channel", "agent", "inbox")
EXPORT_CHUNK = 1000
CSAT_COMMENTS = 10  # the latest comments shown with the CSAT report


# SQL pieces ------------------------------------------------------------------------------


class SecondsBetween(Func):
    """``end − start`` in seconds, as a float, for two datetime columns (SQLite: Julian days
    × 86 400; PostgreSQL: the epoch of the interval)."""

    output_field = FloatField()
    arity = 2

    def _operands(self, compiler: SQLCompiler) -> tuple[str, str, tuple[Any, ...]]:
        end_sql, end_params = compiler.compile(self.source_expressions[0])
        start_sql, start_params = compiler.compile(self.source_expressions[1])
        return end_sql, start_sql, (*end_params, *start_params)

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, tuple[Any, ...]]:
        end, start, params = self._operands(compiler)
        return f"((julianday({end}) - julianday({start})) * 86400.0)", params

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, tuple[Any, ...]]:
        end, start, params = self._operands(compiler)
        return f"CAST(EXTRACT(EPOCH FROM ({end} - {start})) AS double precision)", params

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, tuple[Any, ...]]:
        raise NotSupportedError("SecondsBetween supports SQLite and PostgreSQL")


class Median(Aggregate):
    """PostgreSQL's median: ``percentile_cont(0.5) WITHIN GROUP (ORDER BY value)``."""

    function = "percentile_cont"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def _medians(
    rows: QuerySet[Conversation], key: Combinable | None, value: Combinable
) -> dict[Any, float | None]:
    """The median of ``value`` per ``key`` over ``rows`` (``key=None``: one median, under the
    key ``None``), computed in the database (see the module docstring)."""
    base = rows.order_by()
    database = connections[base.db]
    if database.vendor == "postgresql":
        if key is None:
            return {None: base.aggregate(m=Median(value))["m"]}
        grouped = base.annotate(report_key=key).values("report_key").annotate(m=Median(value))
        return {row["report_key"]: row["m"] for row in grouped}
    inner: QuerySet[Any, Any]
    if key is None:
        inner = base.annotate(report_value=value).values_list("report_value")
        select, partition = "NULL AS report_key", "1"
    else:
        inner = base.annotate(report_key=key, report_value=value).values_list("report_key", "report_value")
        select, partition = "report_key", "report_key"
    sql, params = inner.query.sql_with_params()
    # Only SQL compiled by Django is interpolated; every value travels as a parameter.
    query = (
        f"SELECT report_key, AVG(report_value) FROM ("  # noqa: S608
        f" SELECT {select}, report_value,"
        f" ROW_NUMBER() OVER (PARTITION BY {partition} ORDER BY report_value) AS rn,"
        f" COUNT(*) OVER (PARTITION BY {partition}) AS n"
        f" FROM ({sql}) AS base"
        ") AS ranked WHERE rn IN ((n + 1) / 2, (n + 2) / 2) GROUP BY report_key"
    )
    with database.cursor() as cursor:
        cursor.execute(query, params)
        result = {row[0]: row[1] for row in cursor.fetchall()}
    if key is None:
        return {None: result.get(None)}
    if isinstance(key, TruncDate):  # raw SQLite hands back the ISO text of the date
        return {dt.date.fromisoformat(str(k)) if k is not None else None: v for k, v in result.items()}
    return result


# Filters and period ----------------------------------------------------------------------


@dataclass(frozen=True)
class ReportFilters:
    """A period (both days included, workspace calendar) and optional inbox, channel, agent."""

    date_from: dt.date
    date_to: dt.date
    time_zone: str
    inbox_id: int | None = None
    channel: str = ""
    agent_id: int | None = None

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.date_from, dt.time.min, tzinfo=zoneinfo.ZoneInfo(self.time_zone))

    @property
    def end(self) -> dt.datetime:
        """The first moment after the period."""
        next_day = self.date_to + dt.timedelta(days=1)
        return dt.datetime.combine(next_day, dt.time.min, tzinfo=zoneinfo.ZoneInfo(self.time_zone))

    def days(self) -> list[dt.date]:
        return [
            self.date_from + dt.timedelta(days=n) for n in range((self.date_to - self.date_from).days + 1)
        ]

    def as_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["date_from"], data["date_to"] = self.date_from.isoformat(), self.date_to.isoformat()
        return data


def report_filters(
    *,
    workspace: Workspace,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    inbox_id: int | None = None,
    channel: str = "",
    agent_id: int | None = None,
) -> ReportFilters:
    """Checked filters; a missing period is the last ``DEFAULT_PERIOD_DAYS`` days up to today
    in the workspace's time zone (or ending on ``date_to``)."""
    today = timezone.localdate(timezone=zoneinfo.ZoneInfo(workspace.timezone))
    date_to = date_to or (
        min(today, date_from + dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1)) if date_from else today
    )
    date_from = date_from or date_to - dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    errors: dict[str, str] = {}
    if date_from > date_to:
        errors["from"] = _("The start date is after the end date.")
    elif (date_to - date_from).days + 1 > MAX_PERIOD_DAYS:
        errors["from"] = _("Choose a period of at most %(days)s days.") % {"days": MAX_PERIOD_DAYS}
    channel = (channel or "").strip()
    if channel and channel not in ChannelType.values:
        errors["channel"] = _("Use one of: %(values)s.") % {"values": ", ".join(ChannelType.values)}
    if inbox_id is not None and not Inbox.objects.filter(workspace=workspace, pk=inbox_id).exists():
        errors["inbox_id"] = _("Choose an inbox of this workspace.")
    if agent_id is not None and not Membership.objects.filter(workspace=workspace, user_id=agent_id).exists():
        errors["agent_id"] = _("Choose a member of this workspace.")
    if errors:
        raise fields_invalid(errors)
    return ReportFilters(
        date_from=date_from,
        date_to=date_to,
        time_zone=workspace.timezone,
        inbox_id=inbox_id,
        channel=channel,
        agent_id=agent_id,
    )


def _scoped(workspace: Workspace, filters: ReportFilters, agent_field: str) -> QuerySet[Conversation]:
    rows = Conversation.objects.filter(workspace=workspace)
    if filters.inbox_id is not None:
        rows = rows.filter(inbox_id=filters.inbox_id)
    if filters.channel:
        rows = rows.filter(inbox__channel_type=filters.channel)
    if filters.agent_id is not None:
        rows = rows.filter(**{agent_field: filters.agent_id})
    return rows


def _seconds(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# Conversation report ---------------------------------------------------------------------


def duration_text(seconds: float | None) -> str:
    """A duration for people: "45 s", "12 min", "3 h 05 min", "2 d 4 h" ("—" when unknown)."""
    if seconds is None:
        return "—"
    whole = round(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return _("%(d)d d %(h)d h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)d h %(m)02d min") % {"h": hours, "m": minutes}
    if minutes:
        return _("%(m)d min %(s)02d s") % {"m": minutes, "s": secs}
    return _("%(s)d s") % {"s": secs}


@dataclass(frozen=True)
class DurationStats:
    """How many conversations a time was measured on, its mean and median (seconds)."""

    count: int
    average: float | None
    median: float | None

    @property
    def average_text(self) -> str:
        return duration_text(self.average)

    @property
    def median_text(self) -> str:
        return duration_text(self.median)


@dataclass(frozen=True)
class ConversationReportRow:
    key: Any  # the day (date), channel (str), agent or inbox id (int, None = unassigned)
    label: str
    opened: int
    resolved: int
    first_response: DurationStats
    resolution: DurationStats


@dataclass(frozen=True)
class ConversationReport:
    filters: ReportFilters
    group_by: str
    rows: list[ConversationReportRow]
    total: ConversationReportRow


_GROUP_FIELDS = {"channel": "inbox__channel_type", "agent": "assignee_id", "inbox": "inbox_id"}


def _group_key(group_by: str, field: str, zone: zoneinfo.ZoneInfo) -> Combinable:
    if group_by == "day":
        return TruncDate(field, tzinfo=zone)
    return F(_GROUP_FIELDS[group_by])


def _labels(workspace: Workspace, group_by: str, keys: set[Any]) -> dict[Any, str]:
    if group_by == "channel":
        return {value: str(label) for value, label in ChannelType.choices}
    if group_by == "agent":
        users = {u.pk: str(u) for u in User.objects.filter(pk__in=[k for k in keys if k is not None])}
        return {**users, None: _("Unassigned")}
    if group_by == "inbox":
        return dict(Inbox.objects.filter(workspace=workspace, pk__in=keys).values_list("pk", "name"))
    return {}


def conversation_report(
    *, workspace: Workspace, filters: ReportFilters, group_by: str = "day"
) -> ConversationReport:
    """Opened, resolved, first response and resolution times per day, channel, agent or inbox
    (definitions in the module docstring), with the period's total. Ten queries at most."""
    if group_by not in GROUPINGS:
        raise fields_invalid({"group_by": _("Use day, channel, agent or inbox.")})
    zone = zoneinfo.ZoneInfo(workspace.timezone)
    scoped = _scoped(workspace, filters, "assignee_id")
    opened = scoped.filter(created_at__gte=filters.start, created_at__lt=filters.end).order_by()
    resolved = scoped.filter(resolved_at__gte=filters.start, resolved_at__lt=filters.end).order_by()
    answered_q = Q(first_response_at__isnull=False, first_response_at__gte=F("created_at"))
    answered = opened.filter(answered_q)
    frt = SecondsBetween("first_response_at", "created_at")
    resolution = SecondsBetween("resolved_at", "created_at")
    opened_key = _group_key(group_by, "created_at", zone)
    resolved_key = _group_key(group_by, "resolved_at", zone)

    opened_stats = {
        row["report_key"]: row
        for row in opened.annotate(report_key=opened_key)
        .values("report_key")
        .annotate(n=Count("id"), frt_n=Count("id", filter=answered_q), frt_avg=Avg(frt, filter=answered_q))
    }
    resolved_stats = {
        row["report_key"]: row
        for row in resolved.annotate(report_key=resolved_key)
        .values("report_key")
        .annotate(n=Count("id"), avg=Avg(resolution))
    }
    frt_medians = _medians(answered, opened_key, frt)
    resolution_medians = _medians(resolved, resolved_key, resolution)

    def row(
        key: Any,
        label: str,
        opened_row: Mapping[str, Any],
        resolved_row: Mapping[str, Any],
        medians: tuple[Any, Any],
    ) -> ConversationReportRow:
        return ConversationReportRow(
            key=key,
            label=label,
            opened=opened_row.get("n") or 0,
            resolved=resolved_row.get("n") or 0,
            first_response=DurationStats(
                opened_row.get("frt_n") or 0, _seconds(opened_row.get("frt_avg")), _seconds(medians[0])
            ),
            resolution=DurationStats(
                resolved_row.get("n") or 0, _seconds(resolved_row.get("avg")), _seconds(medians[1])
            ),
        )

    keys = set(opened_stats) | set(resolved_stats)
    if group_by == "day":
        ordered: list[Any] = filters.days()
        labels = {day: day.isoformat() for day in ordered}
    else:
        labels = _labels(workspace, group_by, keys)
        ordered = sorted(keys, key=lambda k: (k is None, labels.get(k, str(k)).lower()))
    rows = [
        row(
            key,
            labels.get(key, str(key)),
            opened_stats.get(key, {}),
            resolved_stats.get(key, {}),
            (frt_medians.get(key), resolution_medians.get(key)),
        )
        for key in ordered
    ]
    opened_total = opened.aggregate(
        n=Count("id"), frt_n=Count("id", filter=answered_q), frt_avg=Avg(frt, filter=answered_q)
    )
    resolved_total = resolved.aggregate(n=Count("id"), avg=Avg(resolution))
    total = row(
        None,
        _("Total"),
        opened_total,
        resolved_total,
        (_medians(answered, None, frt)[None], _medians(resolved, None, resolution)[None]),
    )
    return ConversationReport(filters=filters, group_by=group_by, rows=rows, total=total)


# CSAT report -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CsatStats:
    requested: int
    answered: int
    average: Decimal | None  # mean score, two decimals
    distribution: dict[int, int]  # score (1–5) → answers

    @property
    def response_rate(self) -> Decimal | None:
        """Answered ÷ asked, in percent (one decimal)."""
        return _percent(self.answered, self.requested)

    @property
    def satisfied_rate(self) -> Decimal | None:
        """Answers of 4 or 5 ÷ answers, in percent (one decimal): the "CSAT %"."""
        return _percent(self.distribution[4] + self.distribution[5], self.answered)

    @property
    def distribution_rows(self) -> list[dict[str, Any]]:
        """``{"score", "label", "count", "percent"}`` from 5 down to 1, for the page."""
        return [
            {
                "score": score,
                "label": score_label(score),
                "count": self.distribution[score],
                "percent": _percent(self.distribution[score], self.answered),
            }
            for score in SCORES
        ]


@dataclass(frozen=True)
class CsatAgentRow:
    agent_id: int | None
    name: str
    stats: CsatStats


@dataclass(frozen=True)
class CsatComment:
    conversation_id: int
    customer: str
    agent: str
    score: int
    comment: str
    answered_at: dt.datetime


@dataclass(frozen=True)
class CsatReport:
    filters: ReportFilters
    total: CsatStats
    agents: list[CsatAgentRow]
    comments: list[CsatComment]


_ANSWERED = Q(csat_answered_at__isnull=False)
_CSAT_AGGREGATES: dict[str, Any] = {
    "asked": Count("id"),
    "answered": Count("id", filter=_ANSWERED),
    "avg": Avg("csat_score", filter=_ANSWERED),
    **{f"s{score}": Count("id", filter=_ANSWERED & Q(csat_score=score)) for score in range(1, 6)},
}


def _csat_stats(row: Mapping[str, Any]) -> CsatStats:
    average = None
    if row.get("avg") is not None:
        average = Decimal(str(row["avg"])).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return CsatStats(
        requested=row.get("asked") or 0,
        answered=row.get("answered") or 0,
        average=average,
        distribution={score: row.get(f"s{score}") or 0 for score in range(1, 6)},
    )


def csat_report(*, workspace: Workspace, filters: ReportFilters) -> CsatReport:
    """Satisfaction over the conversations surveyed in the period: the totals, one row per
    agent rated, and the latest comments. Four queries."""
    asked = (
        _scoped(workspace, filters, "csat_agent_id")
        .filter(csat_requested_at__gte=filters.start, csat_requested_at__lt=filters.end)
        .order_by()
    )
    total = _csat_stats(asked.aggregate(**_CSAT_AGGREGATES))
    per_agent = list(asked.values("csat_agent_id").annotate(**_CSAT_AGGREGATES))
    names = {
        u.pk: str(u)
        for u in User.objects.filter(pk__in=[r["csat_agent_id"] for r in per_agent if r["csat_agent_id"]])
    }
    agents = sorted(
        (
            CsatAgentRow(
                agent_id=r["csat_agent_id"],
                name=names.get(r["csat_agent_id"], _("Unassigned")),
                stats=_csat_stats(r),
            )
            for r in per_agent
        ),
        key=lambda a: (a.agent_id is None, a.name.lower()),
    )
    comments = [
        CsatComment(
            conversation_id=c.pk,
            customer=c.contact.full_name,
            agent=str(c.csat_agent) if c.csat_agent else "",
            score=c.csat_score or 0,
            comment=c.csat_comment,
            answered_at=c.csat_answered_at,
        )
        for c in asked.filter(_ANSWERED)
        .exclude(csat_comment="")
        .select_related("contact", "csat_agent")
        .order_by("-csat_answered_at", "-id")[:CSAT_COMMENTS]
        if c.csat_answered_at is not None
    ]
    return CsatReport(filters=filters, total=total, agents=agents, comments=comments)


@dataclass(frozen=True)
class CsatInboxSetting:
    inbox: Inbox
    is_whatsapp: bool
    templates: list[str]  # names of the number's approved UTILITY templates


def csat_settings(*, workspace: Workspace) -> list[CsatInboxSetting]:
    """Each inbox with its survey switch and, for WhatsApp, the templates it may ask with
    outside the 24-hour window. Two queries."""
    inboxes = list(
        Inbox.objects.filter(workspace=workspace).select_related("whatsapp_account").order_by("name")
    )
    names: dict[int, list[str]] = {}
    for name, inbox_id in (
        WhatsAppTemplate.objects.filter(
            account__inbox__workspace=workspace, status="APPROVED", category="UTILITY"
        )
        .order_by("name")
        .values_list("name", "account__inbox_id")
        .distinct()
    ):
        names.setdefault(inbox_id, []).append(name)
    return [
        CsatInboxSetting(
            inbox=inbox,
            is_whatsapp=inbox.channel_type == ChannelType.WHATSAPP,
            templates=names.get(inbox.pk, []),
        )
        for inbox in inboxes
    ]


# Export ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Column:
    header: str
    value: Callable[[Conversation], ExportValue]


def _duration(end: dt.datetime | None, start: dt.datetime) -> int | None:
    if end is None or end < start:
        return None
    return round((end - start).total_seconds())


def _export_columns(time_zone: str) -> list[_Column]:
    """One row per conversation, headers in the active language, times in the workspace's
    time zone (without offset, as spreadsheets want them)."""
    zone = zoneinfo.ZoneInfo(time_zone)
    channels = {value: str(label) for value, label in ChannelType.choices}
    statuses = {value: str(label) for value, label in ConversationStatus.choices}

    def local(moment: dt.datetime | None) -> dt.datetime | None:
        return moment.astimezone(zone).replace(tzinfo=None) if moment else None

    return [
        _Column(_("ID"), lambda c: c.pk),
        _Column(_("Inbox"), lambda c: c.inbox.name),
        _Column(_("Channel"), lambda c: channels.get(c.inbox.channel_type, c.inbox.channel_type)),
        _Column(_("Customer"), lambda c: c.contact.full_name),
        _Column(_("Agent"), lambda c: str(c.assignee) if c.assignee else ""),
        _Column(_("Team"), lambda c: c.team.name if c.team else ""),
        _Column(_("Status"), lambda c: statuses.get(c.status, c.status)),
        _Column(_("Opened"), lambda c: local(c.created_at)),
        _Column(_("First response"), lambda c: local(c.first_response_at)),
        _Column(_("Resolved"), lambda c: local(c.resolved_at)),
        _Column(_("First response time (seconds)"), lambda c: _duration(c.first_response_at, c.created_at)),
        _Column(_("Resolution time (seconds)"), lambda c: _duration(c.resolved_at, c.created_at)),
        _Column(_("CSAT"), lambda c: c.csat_score),
        _Column(_("CSAT comment"), lambda c: c.csat_comment),
        _Column(_("Labels"), lambda c: ", ".join(label.name for label in c.labels.all())),
    ]


def _export_rows(workspace: Workspace, filters: ReportFilters) -> QuerySet[Conversation]:
    return _scoped(workspace, filters, "assignee_id").filter(
        created_at__gte=filters.start, created_at__lt=filters.end
    )


def _export_record(
    *,
    workspace: Workspace,
    actor: User | None,
    filters: ReportFilters,
    file_format: str,
    ip_address: str | None,
) -> int:
    """Audit the export (customer names leave the system: UU PDP) before any row is read;
    returns the highest id covered, so the count audited is the count written."""
    rows = _export_rows(workspace, filters)
    upper_id = rows.aggregate(top=Max("id"))["top"] or 0
    audit_record(
        action=AuditAction.EXPORT,
        actor=actor,
        workspace=workspace,
        changes={
            "object_type": Conversation._meta.label_lower,
            "format": file_format,
            "filters": filters.as_dict(),
            "row_count": rows.filter(id__lte=upper_id).count(),
        },
        ip_address=ip_address,
    )
    return int(upper_id)


def _chunks(workspace: Workspace, filters: ReportFilters, upper_id: int) -> Iterator[list[Conversation]]:
    """The conversations of the export in id order, ``EXPORT_CHUNK`` at a time by keyset."""
    rows = (
        _export_rows(workspace, filters)
        .filter(id__lte=upper_id)
        .select_related("inbox", "contact", "assignee", "team")
        .prefetch_related("labels")
        .order_by("id")
    )
    last_id = 0
    while chunk := list(rows.filter(id__gt=last_id)[:EXPORT_CHUNK]):
        yield chunk
        last_id = chunk[-1].pk


def conversation_export_csv(
    *, workspace: Workspace, actor: User | None, filters: ReportFilters, ip_address: str | None = None
) -> Iterator[str]:
    """The conversations opened in the period (with the filters) as CSV, streamed: a UTF-8
    BOM and the header row first, then the lines of each chunk. Audited when called."""
    upper_id = _export_record(
        workspace=workspace, actor=actor, filters=filters, file_format="csv", ip_address=ip_address
    )
    columns = _export_columns(workspace.timezone)
    return _csv_lines(workspace, filters, upper_id, columns, translation.get_language())


def _csv_lines(
    workspace: Workspace, filters: ReportFilters, upper_id: int, columns: list[_Column], language: str | None
) -> Iterator[str]:
    writer = csv.writer(Echo(), lineterminator="\r\n")
    yield "\ufeff" + writer.writerow([c.header for c in columns])
    # The response streams after the view returned: keep the language of the headers.
    with translation.override(language):
        for chunk in _chunks(workspace, filters, upper_id):
            yield "".join(writer.writerow([csv_text(col.value(conv)) for col in columns]) for conv in chunk)


def conversation_export_xlsx(
    *, workspace: Workspace, actor: User | None, filters: ReportFilters, ip_address: str | None = None
) -> IO[bytes]:
    """The same rows as an Excel workbook (write-only mode, spilled to disk when large; the
    caller closes it). Audited first."""
    upper_id = _export_record(
        workspace=workspace, actor=actor, filters=filters, file_format="xlsx", ip_address=ip_address
    )
    columns = _export_columns(workspace.timezone)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Conversations")[:31])
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", column.header))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for chunk in _chunks(workspace, filters, upper_id):
        for conversation in chunk:
            sheet.append([xlsx_value(sheet, column.value(conversation)) for column in columns])
    output = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 - returned
    workbook.save(output)
    output.seek(0)
    return output  # type: ignore[return-value]


def export_filename(*, workspace: Workspace, filters: ReportFilters, file_format: str) -> str:
    """``percakapan-<workspace>-<from>-<to>.<format>`` (the first word in the active language)."""
    return (
        f"{slugify(_('conversations'))}-{workspace.slug}-"
        f"{filters.date_from:%Y%m%d}-{filters.date_to:%Y%m%d}.{file_format}"
    )
