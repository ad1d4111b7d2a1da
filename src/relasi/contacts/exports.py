"""Exporting any filtered list of customers to CSV or XLSX (services layer).

Both formats read ``selectors.contact_list`` with the list page's ``ContactFilters``, in
keyset chunks (``id < last``, newest first; no OFFSET), so a million rows cost a million
rows, not a quadratic scan. Each export writes one ``AuditAction.EXPORT`` entry (UU PDP: who
took which personal data out) before the first row leaves, with the filters and row count.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import tempfile
import zoneinfo
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from typing import IO

from django.db import transaction
from django.db.models import Max
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from relasi.accounts.models import User, Workspace
from relasi.contacts import selectors
from relasi.contacts.enums import BuyerType, ContactKind, CustomFieldType, Gender, Source
from relasi.contacts.models import Contact, CustomFieldDefinition
from relasi.core.audit import audit_record
from relasi.core.models import AuditAction
from relasi.core.pagination import keyset_chunks
from relasi.core.phone import format_phone_national
from relasi.core.spreadsheets import Echo, ExportValue, csv_text, xlsx_value

EXPORT_CHUNK = 1000  # rows per query
CSV_DELIMITERS = {"comma": ",", "semicolon": ";"}


@dataclasses.dataclass(frozen=True)
class _Column:
    header: str
    value: Callable[[Contact], ExportValue]


def _phone(value: str) -> str:
    # National format (0812-3456-7890): Excel keeps it as text, the importer reads it back.
    return format_phone_national(value) if value else ""


def _columns(*, workspace: Workspace, timezone_name: str) -> list[_Column]:
    """The export's columns in the active language: every contact field, tags, company and
    each custom field. Headers match the importer's column names, so a file round-trips."""
    tz = zoneinfo.ZoneInfo(timezone_name)
    # Choice labels resolved once per export, not once per row (lazy translation is slow).
    kinds = {value: str(label) for value, label in ContactKind.choices}
    genders = {value: str(label) for value, label in Gender.choices if value}
    buyer_types = {value: str(label) for value, label in BuyerType.choices}
    sources = {value: str(label) for value, label in Source.choices if value}
    columns = [
        _Column(_("Full name"), lambda c: c.full_name),
        _Column(_("Kind"), lambda c: kinds.get(c.kind, c.kind)),
        _Column(_("Phone / WhatsApp"), lambda c: _phone(c.phone)),
        _Column(_("Other phone"), lambda c: _phone(c.phone_alt)),
        _Column(_("E-mail"), lambda c: c.email),
        _Column(_("Company"), lambda c: c.company.name if c.company else ""),
        _Column(_("Department"), lambda c: c.department.name if c.department else ""),
        _Column(_("Job title"), lambda c: c.job_title),
        _Column(_("Address"), lambda c: c.address),
        _Column(_("Province"), lambda c: c.province),
        _Column(_("City / regency"), lambda c: c.city),
        _Column(_("Postal code"), lambda c: c.postal_code),
        _Column(_("Birthday"), lambda c: c.birthday),
        _Column(_("Gender"), lambda c: genders.get(c.gender, c.gender)),
        _Column(_("NIK"), lambda c: c.nik),
        _Column(_("NPWP"), lambda c: c.npwp),
        _Column(_("Passport number"), lambda c: c.passport_no),
        _Column(_("Buyer type"), lambda c: buyer_types.get(c.buyer_type, c.buyer_type)),
        _Column(_("Source"), lambda c: sources.get(c.source, c.source)),
        _Column(_("Person in charge"), lambda c: str(c.owner) if c.owner else ""),
        _Column(_("Tags"), lambda c: ", ".join(t.name for t in c.tags.all())),
        _Column(_("Created"), lambda c: c.created_at.astimezone(tz).replace(tzinfo=None)),
    ]
    for definition in CustomFieldDefinition.objects.filter(workspace=workspace).order_by("position", "id"):
        columns.append(_Column(definition.label, _custom_value(definition)))
    return columns


def _custom_value(definition: CustomFieldDefinition) -> Callable[[Contact], ExportValue]:
    key, kind = definition.key, definition.field_type

    def value(contact: Contact) -> ExportValue:
        raw = contact.custom_fields.get(key)
        if raw in (None, ""):
            return ""
        if kind == CustomFieldType.DATE:
            try:
                return dt.date.fromisoformat(str(raw))
            except ValueError:
                return str(raw)
        if kind == CustomFieldType.NUMBER:
            try:
                return Decimal(str(raw))
            except InvalidOperation:
                return str(raw)
        return str(raw)

    return value


@transaction.atomic
def _export_record(
    *,
    workspace: Workspace,
    actor: User | None,
    filters: selectors.ContactFilters,
    file_format: str,
    ip_address: str | None,
) -> int:
    """Audit the export before any row leaves; return the highest id it covers, so the rows
    counted are the rows written even if customers are added meanwhile."""
    rows = selectors.contact_list(workspace=workspace, filters=filters)
    upper_id = rows.aggregate(top=Max("id"))["top"] or 0
    count = rows.filter(id__lte=upper_id).count()
    audit_record(
        action=AuditAction.EXPORT,
        actor=actor,
        workspace=workspace,
        changes={
            "object_type": Contact._meta.label_lower,
            "format": file_format,
            "filters": dataclasses.asdict(filters),
            "row_count": count,
        },
        ip_address=ip_address,
    )
    return int(upper_id)


def _chunks(
    *, workspace: Workspace, filters: selectors.ContactFilters, upper_id: int
) -> Iterator[list[Contact]]:
    """The filtered contacts, newest first, ``EXPORT_CHUNK`` at a time by keyset."""
    rows = selectors.contact_list(workspace=workspace, filters=filters).filter(id__lte=upper_id)
    return keyset_chunks(rows, EXPORT_CHUNK)


def contact_export_csv(
    *,
    workspace: Workspace,
    actor: User | None,
    filters: selectors.ContactFilters,
    delimiter: str = ",",
    ip_address: str | None = None,
) -> Iterator[str]:
    """The filtered customers as CSV text, streamed: the first item starts with a UTF-8 BOM
    (so Excel reads the encoding) and the header row in the active language; each later item
    holds the complete lines of one chunk. Audited when called, before anything is read."""
    upper_id = _export_record(
        workspace=workspace, actor=actor, filters=filters, file_format="csv", ip_address=ip_address
    )
    columns = _columns(workspace=workspace, timezone_name=workspace.timezone)
    language = translation.get_language()
    # Streaming runs after the view has returned: keep the language the headers were made in.
    return _csv_lines(
        workspace=workspace,
        filters=filters,
        upper_id=upper_id,
        columns=columns,
        delimiter=delimiter,
        language=language,
    )


def _csv_lines(
    *,
    workspace: Workspace,
    filters: selectors.ContactFilters,
    upper_id: int,
    columns: list[_Column],
    delimiter: str,
    language: str | None,
) -> Iterator[str]:
    writer = csv.writer(Echo(), delimiter=delimiter, lineterminator="\r\n")
    yield "\ufeff" + writer.writerow([c.header for c in columns])
    with translation.override(language):
        for chunk in _chunks(workspace=workspace, filters=filters, upper_id=upper_id):
            yield "".join(
                writer.writerow([csv_text(column.value(contact)) for column in columns]) for contact in chunk
            )


def contact_export_xlsx(
    *,
    workspace: Workspace,
    actor: User | None,
    filters: selectors.ContactFilters,
    ip_address: str | None = None,
) -> IO[bytes]:
    """The filtered customers as an Excel workbook (one sheet, header row in the active
    language, dates as real dates), written row by row with openpyxl's write-only mode into
    a temporary file that spills to disk when large. The caller closes it. Audited first."""
    upper_id = _export_record(
        workspace=workspace, actor=actor, filters=filters, file_format="xlsx", ip_address=ip_address
    )
    columns = _columns(workspace=workspace, timezone_name=workspace.timezone)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Customers")[:31])
    bold = Font(bold=True)
    header_cells = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", column.header))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for chunk in _chunks(workspace=workspace, filters=filters, upper_id=upper_id):
        for contact in chunk:
            sheet.append([xlsx_value(sheet, column.value(contact)) for column in columns])
    output = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 - returned
    workbook.save(output)
    output.seek(0)
    return output  # type: ignore[return-value]
