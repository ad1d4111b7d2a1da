"""Writing CSV and XLSX for exports: cell values, formula-injection guard, streaming."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

ExportValue = str | int | Decimal | dt.date | dt.datetime | None

# A cell starting with one of these is run as a formula by spreadsheet programs (CSV
# injection); such text is prefixed with an apostrophe unless it is just a number.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER_LIKE = re.compile(r"^[+-]?[\d\s().,-]+$")


def safe_text(text: str) -> str:
    """Neutralise a formula (``=HYPERLINK(…)``) typed into a name or a note."""
    if text.startswith(_FORMULA_START) and not _NUMBER_LIKE.match(text):
        return "'" + text
    return text


def csv_text(value: ExportValue) -> str:
    """A value as CSV text: ISO dates, no formulas."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return safe_text(str(value))


class Echo:
    """A file-like that hands back what ``csv.writer`` writes, for streaming."""

    def write(self, value: str) -> str:
        return value


def xlsx_value(sheet: Any, value: ExportValue) -> Any:
    """A value for a write-only XLSX sheet: dates formatted day-first, text never a formula."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "DD/MM/YYYY HH:MM"
        return cell
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(sheet, value=dt.datetime.combine(value, dt.time.min))
        cell.number_format = "DD/MM/YYYY"
        return cell
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value)
        if text.startswith("="):
            # openpyxl stores text starting with "=" as a formula; force a plain string.
            cell = WriteOnlyCell(sheet, value=text)
            cell.data_type = "s"
            return cell
        return text
    return value
