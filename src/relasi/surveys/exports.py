"""A survey's answers as CSV or XLSX (the responses table with its filters): one row per
answer, headers in the active language, times in the workspace's time zone, text guarded
against spreadsheet formulas (``core.spreadsheets``). Audited before any row is read: customer
names and comments leave the system (UU PDP)."""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
import zoneinfo
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO

from django.db.models import Max, QuerySet
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from relasi.accounts.models import User, Workspace
from relasi.core.audit import audit_record
from relasi.core.models import AuditAction
from relasi.core.spreadsheets import Echo, ExportValue, csv_text, xlsx_value
from relasi.surveys import selectors
from relasi.surveys.enums import ResponseCategory, ResponseSource
from relasi.surveys.models import Survey, SurveyResponse
from relasi.surveys.selectors import ResponseFilters

EXPORT_CHUNK = 1000


@dataclass(frozen=True)
class _Column:
    header: str
    value: Callable[[SurveyResponse], ExportValue]


def _columns(workspace: Workspace) -> list[_Column]:
    zone = zoneinfo.ZoneInfo(workspace.timezone)
    categories = dict(ResponseCategory.choices)
    sources = dict(ResponseSource.choices)
    labels = selectors.topic_labels(workspace=workspace)

    def local(moment: dt.datetime | None) -> dt.datetime | None:
        return moment.astimezone(zone).replace(tzinfo=None) if moment else None

    def topics(r: SurveyResponse) -> str:
        return ", ".join(labels.get(key, key) for key in r.topics or [])

    def reasons(r: SurveyResponse) -> str:
        return "; ".join(
            f"{labels.get(key, key)}: {', '.join(words)}" for key, words in (r.topic_keywords or {}).items()
        )

    return [
        _Column(_("ID"), lambda r: r.pk),
        _Column(_("Answered"), lambda r: local(r.answered_at)),
        _Column(_("Survey"), lambda r: r.survey.name),
        _Column(_("Kind"), lambda r: r.kind.upper()),
        _Column(_("Score"), lambda r: r.score),
        _Column(_("Category"), lambda r: str(categories.get(r.category, r.category))),
        _Column(_("Customer ID"), lambda r: r.contact_id),
        _Column(_("Customer"), lambda r: r.contact.full_name if r.contact else ""),
        _Column(_("Phone"), lambda r: r.contact.phone if r.contact else ""),
        _Column(_("Agent"), lambda r: str(r.agent) if r.agent else ""),
        _Column(_("Source"), lambda r: str(sources.get(r.source, r.source))),
        _Column(_("Comment"), lambda r: r.comment),
        _Column(_("Topics"), topics),
        _Column(_("Topic keywords"), reasons),
        _Column(_("Conversation ID"), lambda r: r.conversation_id),
        _Column(_("Followed up"), lambda r: local(r.followed_up_at)),
        _Column(_("Followed up by"), lambda r: str(r.followed_up_by) if r.followed_up_by else ""),
        _Column(_("Follow-up note"), lambda r: r.follow_up_note),
    ]


def _rows(workspace: Workspace, survey: Survey, filters: ResponseFilters) -> QuerySet[SurveyResponse]:
    return selectors.response_list(workspace=workspace, survey=survey, filters=filters)


def _record(
    *,
    workspace: Workspace,
    survey: Survey,
    actor: User | None,
    filters: ResponseFilters,
    file_format: str,
    ip_address: str | None,
) -> int:
    """Audit the export; returns the highest id covered so the rows written are the rows
    counted."""
    rows = _rows(workspace, survey, filters)
    upper_id = rows.order_by().aggregate(top=Max("id"))["top"] or 0
    audit_record(
        action=AuditAction.EXPORT,
        actor=actor,
        workspace=workspace,
        instance=survey,
        changes={
            "object_type": SurveyResponse._meta.label_lower,
            "format": file_format,
            "filters": filters.as_query(),
            "row_count": rows.filter(id__lte=upper_id).count(),
        },
        ip_address=ip_address,
    )
    return int(upper_id)


def _chunks(
    workspace: Workspace, survey: Survey, filters: ResponseFilters, upper_id: int
) -> Iterator[list[SurveyResponse]]:
    rows = (
        _rows(workspace, survey, filters)
        .filter(id__lte=upper_id)
        .select_related("followed_up_by")
        .order_by("id")
    )
    last_id = 0
    while chunk := list(rows.filter(id__gt=last_id)[:EXPORT_CHUNK]):
        yield chunk
        last_id = chunk[-1].pk


def responses_export_csv(
    *,
    workspace: Workspace,
    survey: Survey,
    actor: User | None,
    filters: ResponseFilters,
    ip_address: str | None = None,
) -> Iterator[str]:
    """The answers as CSV, streamed: a UTF-8 BOM and the header row, then the rows in id
    order. Audited when called."""
    upper_id = _record(
        workspace=workspace,
        survey=survey,
        actor=actor,
        filters=filters,
        file_format="csv",
        ip_address=ip_address,
    )
    columns = _columns(workspace)
    language = translation.get_language()

    def lines() -> Iterator[str]:
        writer = csv.writer(Echo(), lineterminator="\r\n")
        yield "\ufeff" + writer.writerow([c.header for c in columns])
        with translation.override(language):
            for chunk in _chunks(workspace, survey, filters, upper_id):
                yield "".join(writer.writerow([csv_text(c.value(r)) for c in columns]) for r in chunk)

    return lines()


def responses_export_xlsx(
    *,
    workspace: Workspace,
    survey: Survey,
    actor: User | None,
    filters: ResponseFilters,
    ip_address: str | None = None,
) -> IO[bytes]:
    """The same rows as an Excel workbook (spilled to disk when large; the caller closes it)."""
    upper_id = _record(
        workspace=workspace,
        survey=survey,
        actor=actor,
        filters=filters,
        file_format="xlsx",
        ip_address=ip_address,
    )
    columns = _columns(workspace)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Answers")[:31])
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", column.header))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for chunk in _chunks(workspace, survey, filters, upper_id):
        for response in chunk:
            sheet.append([xlsx_value(sheet, c.value(response)) for c in columns])
    output = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 - returned
    workbook.save(output)
    output.seek(0)
    return output  # type: ignore[return-value]


def export_filename(*, survey: Survey, file_format: str) -> str:
    """``survei-<id>-<name>.<format>`` (the first word in the active language)."""
    return f"{slugify(_('survey'))}-{survey.pk}-{slugify(survey.name)[:40] or 'answers'}.{file_format}"
