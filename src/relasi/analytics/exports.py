"""Exports of the analytics screens: the customer list (exactly the filtered rows) and the
cohort table, as CSV (streamed, UTF-8 with BOM) or XLSX (openpyxl write-only).

The customer list carries personal data: each export writes one ``AuditAction.EXPORT`` entry
(UU PDP: who took which customers out, with the filter and the row count) before the first
row leaves — as ``contacts.exports`` does. Rows are read in keyset chunks (``id < last``, no
OFFSET) up to the highest id counted in the audit, so the rows written are the rows counted.
Text cells are guarded against formulas (``core.spreadsheets``).
"""

from __future__ import annotations

import csv
import dataclasses
import tempfile
from collections.abc import Callable, Iterator, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import IO, Any

from django.db import transaction
from django.db.models import Max
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from relasi.accounts.models import User, Workspace
from relasi.analytics.enums import ChurnRisk, CustomerType, LifecycleStage, RfmSegment
from relasi.analytics.models import CustomerMetrics
from relasi.analytics.segments import segment_members
from relasi.analytics.selectors import Cohort
from relasi.core.audit import audit_record
from relasi.core.models import AuditAction
from relasi.core.pagination import keyset_chunks
from relasi.core.phone import format_phone_national
from relasi.core.spreadsheets import Echo, ExportValue, csv_text, xlsx_value

EXPORT_CHUNK = 1000


@dataclasses.dataclass(frozen=True)
class _Column:
    header: str
    value: Callable[[CustomerMetrics], ExportValue]


def _ratio(value: float | None, places: str = "0.0001") -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def customer_columns(*, include_money: bool) -> list[_Column]:
    """The columns in the active language; the rupiah columns only for readers allowed to
    see sales figures."""
    segments = {k: str(v) for k, v in RfmSegment.choices}
    types = {k: str(v) for k, v in CustomerType.choices}
    stages = {k: str(v) for k, v in LifecycleStage.choices}
    bands = {k: str(v) for k, v in ChurnRisk.choices}
    columns = [
        _Column(_("Full name"), lambda m: m.contact.full_name),
        _Column(
            _("Phone / WhatsApp"), lambda m: format_phone_national(m.contact.phone) if m.contact.phone else ""
        ),
        _Column(_("E-mail"), lambda m: m.contact.email),
        _Column(_("City / regency"), lambda m: m.contact.city),
        _Column(_("RFM segment"), lambda m: segments.get(m.rfm_segment, m.rfm_segment)),
        _Column(_("R score"), lambda m: m.r_score),
        _Column(_("F score"), lambda m: m.f_score),
        _Column(_("M score"), lambda m: m.m_score),
        _Column(_("Customer type"), lambda m: types.get(m.customer_type, m.customer_type)),
        _Column(_("Lifecycle stage"), lambda m: stages.get(m.lifecycle_stage, m.lifecycle_stage)),
        _Column(_("Churn risk"), lambda m: bands.get(m.churn_risk, m.churn_risk)),
        _Column(_("Purchases"), lambda m: m.orders),
        _Column(_("First purchase"), lambda m: m.first_purchase),
        _Column(_("Last purchase"), lambda m: m.last_purchase),
        _Column(_("Days since last purchase"), lambda m: m.days_since_last),
        _Column(_("P(alive)"), lambda m: _ratio(m.p_alive)),
        _Column(_("Expected purchases"), lambda m: _ratio(m.expected_purchases, "0.01")),
    ]
    if include_money:
        columns += [
            _Column(_("Total spend (Rp)"), lambda m: m.total_spend),
            _Column(_("Average sale (Rp)"), lambda m: m.average_sale),
            _Column(_("Simple CLV (Rp)"), lambda m: m.simple_clv),
            _Column(_("Probabilistic CLV (Rp)"), lambda m: m.clv_probabilistic),
        ]
    return columns


@transaction.atomic
def _export_record(
    *,
    workspace: Workspace,
    actor: User | None,
    filters: dict[str, Any],
    file_format: str,
    ip_address: str | None,
) -> int:
    """Audit the export before any row leaves; return the highest snapshot id it covers."""
    rows = segment_members(workspace=workspace, filters=filters)
    upper_id = rows.aggregate(top=Max("id"))["top"] or 0
    count = rows.filter(id__lte=upper_id).count()
    audit_record(
        action=AuditAction.EXPORT,
        actor=actor,
        workspace=workspace,
        changes={
            "object_type": CustomerMetrics._meta.label_lower,
            "format": file_format,
            "filters": filters,
            "row_count": count,
        },
        ip_address=ip_address,
    )
    return int(upper_id)


def _chunks(
    *, workspace: Workspace, filters: dict[str, Any], upper_id: int
) -> Iterator[list[CustomerMetrics]]:
    """The filtered customers in the list's order (newest snapshot first), by keyset."""
    rows = segment_members(workspace=workspace, filters=filters).filter(id__lte=upper_id)
    return keyset_chunks(rows, EXPORT_CHUNK)


def customer_export_csv(
    *,
    workspace: Workspace,
    actor: User | None,
    filters: dict[str, Any],
    include_money: bool,
    ip_address: str | None = None,
) -> Iterator[str]:
    """The customers of a (clean) filter as CSV, streamed: a BOM and the header row first,
    then one item per chunk. Audited when called, before anything is read."""
    upper_id = _export_record(
        workspace=workspace, actor=actor, filters=filters, file_format="csv", ip_address=ip_address
    )
    columns = customer_columns(include_money=include_money)
    language = translation.get_language()

    def lines() -> Iterator[str]:
        writer = csv.writer(Echo(), lineterminator="\r\n")
        yield "\ufeff" + writer.writerow([c.header for c in columns])
        # The response streams after the view returned: keep the language of the headers.
        with translation.override(language):
            for chunk in _chunks(workspace=workspace, filters=filters, upper_id=upper_id):
                yield "".join(writer.writerow([csv_text(c.value(m)) for c in columns]) for m in chunk)

    return lines()


def _workbook(title: str, headers: Sequence[str]) -> tuple[Workbook, Any]:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    bold = Font(bold=True)
    cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", header))
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    return workbook, sheet


def _saved(workbook: Workbook) -> IO[bytes]:
    output = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 - returned
    workbook.save(output)
    output.seek(0)
    return output  # type: ignore[return-value]


def customer_export_xlsx(
    *,
    workspace: Workspace,
    actor: User | None,
    filters: dict[str, Any],
    include_money: bool,
    ip_address: str | None = None,
) -> IO[bytes]:
    """The same rows as an Excel workbook (spilled to disk when large; the caller closes
    it). Audited first."""
    upper_id = _export_record(
        workspace=workspace, actor=actor, filters=filters, file_format="xlsx", ip_address=ip_address
    )
    columns = customer_columns(include_money=include_money)
    workbook, sheet = _workbook(_("Customers"), [c.header for c in columns])
    for chunk in _chunks(workspace=workspace, filters=filters, upper_id=upper_id):
        for metrics in chunk:
            sheet.append([xlsx_value(sheet, c.value(metrics)) for c in columns])
    return _saved(workbook)


# Cohorts ----------------------------------------------------------------------------------------


def _cohort_rows(cohorts: Sequence[Cohort], months: int) -> tuple[list[str], list[list[ExportValue]]]:
    """Header and rows: cohort month, size, then the % of the cohort buying in month 0, 1, …
    (one decimal; empty for months still to come). Aggregates only: no personal data."""
    headers = [_("Month of first purchase"), _("Customers")] + [
        _("Month %(n)s (%%)") % {"n": k} for k in range(months)
    ]
    rows: list[list[ExportValue]] = []
    for cohort in cohorts:
        row: list[ExportValue] = [cohort.month, cohort.size]
        for share in cohort.retention[:months]:
            row.append(
                None
                if share is None
                else (Decimal(str(share)) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
            )
        rows.append(row)
    return headers, rows


def cohort_export_csv(*, cohorts: Sequence[Cohort], months: int) -> str:
    """The cohort table as CSV text (a BOM first, so Excel reads the encoding)."""
    headers, rows = _cohort_rows(cohorts, months)
    writer = csv.writer(Echo(), lineterminator="\r\n")
    lines = [writer.writerow(headers)] + [writer.writerow([csv_text(v) for v in row]) for row in rows]
    return "\ufeff" + "".join(lines)


def cohort_export_xlsx(*, cohorts: Sequence[Cohort], months: int) -> IO[bytes]:
    headers, rows = _cohort_rows(cohorts, months)
    workbook, sheet = _workbook(_("Cohorts"), headers)
    for row in rows:
        sheet.append([xlsx_value(sheet, value) for value in row])
    return _saved(workbook)
