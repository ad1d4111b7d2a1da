"""Reading the spreadsheets customers are imported from: CSV (any delimiter Excel writes, UTF-8
with or without BOM, Windows-1252) and XLSX (openpyxl, read-only). No database here.

Every row comes out as text, numbered as the user sees it in the spreadsheet (header = 1).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar, cast

from django.core.files import File
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from relasi.core.exceptions import ValidationError

CSV_EXTENSIONS = frozenset({".csv", ".txt", ".tsv"})
XLSX_EXTENSIONS = frozenset({".xlsx", ".xlsm"})
_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls
_CSV_DELIMITERS = (",", ";", "\t", "|")

T = TypeVar("T")


@dataclass(frozen=True)
class SheetRow:
    """One data row: its number in the spreadsheet and its cells as text, by column position."""

    number: int
    cells: tuple[str, ...]


def binary_stream(fh: Any) -> IO[bytes]:
    """The raw binary stream under Django's ``File`` wrappers (uploads and stored files)."""
    while isinstance(fh, File):
        fh = fh.file
    return cast(IO[bytes], fh)


def file_extension(name: str) -> str:
    return Path(name).suffix.lower()


def format_of(name: str) -> str:
    return "xlsx" if file_extension(name) in XLSX_EXTENSIONS else "csv"


def detect_format(*, name: str, head: bytes) -> str:
    """``csv`` or ``xlsx`` from the file's name and first bytes; refuse anything else."""
    extension = file_extension(name)
    if head.startswith(_OLE2_MAGIC):
        raise file_error(
            _(
                "This is an old Excel file (.xls). Open it in Excel, choose Save As, pick "
                "Excel Workbook (.xlsx) or CSV, and upload that file."
            )
        )
    if head.startswith(_ZIP_MAGIC):
        if extension in XLSX_EXTENSIONS:
            return "xlsx"
        if extension == ".ods":
            raise file_error(
                _(
                    "This is an OpenDocument spreadsheet (.ods). Save it as Excel Workbook "
                    "(.xlsx) or CSV and upload that file."
                )
            )
    elif extension in XLSX_EXTENSIONS:
        raise _damaged_xlsx_error()
    elif extension in CSV_EXTENSIONS:
        if b"\x00" in head:
            raise file_error(
                _(
                    "This file does not contain text. Save the spreadsheet as CSV or as Excel "
                    "Workbook (.xlsx) and upload it again."
                )
            )
        return "csv"
    raise file_error(
        _(
            "Relasi reads CSV (.csv) and Excel (.xlsx) files. Save the file in one of these "
            "formats and upload it again."
        )
    )


def file_error(message: str) -> ValidationError:
    return ValidationError(message, code="invalid_file", fields={"file": message})


def _damaged_xlsx_error() -> ValidationError:
    return file_error(
        _(
            "The file could not be opened as an Excel workbook. Open it in Excel, save it again "
            "as .xlsx (or CSV) and upload that file."
        )
    )


def _csv_encoding(fh: IO[bytes]) -> str:
    """UTF-8 (with or without the BOM Excel writes), else Windows-1252, else Latin-1.

    The whole file is decoded incrementally, so a bad byte far down is still noticed."""
    for encoding in ("utf-8-sig", "cp1252"):
        decoder = codecs.getincrementaldecoder(encoding)()
        fh.seek(0)
        try:
            while chunk := fh.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    return "latin-1"  # decodes any byte


def _csv_delimiter(header_line: str) -> str:
    """The separator that splits the header into the most columns; ``,`` on a tie.

    Excel in an Indonesian locale writes ``;`` because the comma is the decimal mark."""
    best, best_count = ",", 1
    for delimiter in _CSV_DELIMITERS:
        try:
            count = len(next(csv.reader([header_line], delimiter=delimiter), []))
        except csv.Error:
            continue
        if count > best_count:
            best, best_count = delimiter, count
    return best


@contextmanager
def _csv_table(fh: IO[bytes]) -> Iterator[Iterator[list[object]]]:
    encoding = _csv_encoding(fh)
    fh.seek(0)
    text = io.TextIOWrapper(fh, encoding=encoding, newline="")
    try:
        first_line = text.readline()
        reader = csv.reader(itertools.chain([first_line], text), delimiter=_csv_delimiter(first_line))

        def rows() -> Iterator[list[object]]:
            try:
                yield from reader
            except csv.Error as error:
                raise file_error(
                    _(
                        'Row %(row)d could not be read (%(reason)s). Look for a quote mark (") '
                        "that is not closed, save the file again and upload it."
                    )
                    % {"row": reader.line_num, "reason": error}
                ) from error

        yield rows()
    finally:
        text.detach()  # the caller owns ``fh``


@contextmanager
def _xlsx_table(fh: IO[bytes]) -> Iterator[Iterator[list[object]]]:
    fh.seek(0)
    try:
        workbook = load_workbook(fh, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as error:
        raise _damaged_xlsx_error() from error
    try:
        if not workbook.worksheets:
            raise _damaged_xlsx_error()
        sheet = workbook.worksheets[0]
        yield (list(row) for row in sheet.iter_rows(values_only=True))
    finally:
        workbook.close()


@contextmanager
def open_table(fh: IO[bytes], file_format: str) -> Iterator[Iterator[list[object]]]:
    """Every row of the file (header included) as a list of raw cell values."""
    opener = _xlsx_table if file_format == "xlsx" else _csv_table
    with opener(fh) as rows:
        yield rows


def cell_text(value: object) -> str:
    """A cell as text. Spreadsheets turn numbers into floats and dates into datetimes; give
    them back the way the user typed them (``81234567890``, ``1990-01-31``)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time.min:
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()  # int, Decimal, …


def headers_from(cells: list[object]) -> list[str]:
    """Column names from the first row: trimmed, blanks named, repeats numbered."""
    texts = [cell_text(c) for c in cells]
    while texts and not texts[-1]:
        texts.pop()
    headers: list[str] = []
    for position, text in enumerate(texts, start=1):
        name = " ".join(text.split()) or _("Column %(number)d") % {"number": position}
        candidate, copy = name, 1
        while candidate in headers:
            copy += 1
            candidate = f"{name} ({copy})"
        headers.append(candidate)
    return headers


def data_rows(table: Iterator[list[object]], *, width: int) -> Iterator[SheetRow]:
    """The rows under the header (already read), numbered as in the spreadsheet: the header is
    row 1. Blank rows keep their number but are passed over."""
    for number, cells in enumerate(table, start=2):
        texts = tuple(cell_text(c) for c in itertools.islice(cells, width))
        if any(texts):
            yield SheetRow(number=number, cells=texts + ("",) * (width - len(texts)))


def batched(rows: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def normalise_header(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


@dataclass(frozen=True)
class UploadScan:
    """What an uploaded spreadsheet holds, checked: its format, column names and row count."""

    name: str  # the user's file name, without any folder
    file_format: str
    headers: list[str]
    total_rows: int


def upload_scan(
    uploaded_file: Any, *, max_bytes: int, example_columns: str, no_rows_message: str
) -> UploadScan:
    """Check an uploaded CSV/XLSX before anything is stored: size, not empty, a known format, a
    header row and at least one data row. ``example_columns`` names columns for the message
    about a missing header row; ``no_rows_message`` says what a row should hold."""
    name = Path(uploaded_file.name or "").name
    size = uploaded_file.size or 0
    if size > max_bytes:
        raise file_error(
            _(
                "The file is %(size)s MB; the limit is %(limit)s MB. Split it into smaller files "
                "and import them one after another."
            )
            % {"size": f"{size / 1_000_000:.1f}", "limit": f"{max_bytes / 1_000_000:.0f}"}
        )
    fh = binary_stream(uploaded_file)
    fh.seek(0)
    head = fh.read(8192)
    if not head.strip(b" \t\r\n\xef\xbb\xbf"):
        raise file_error(
            _("The file is empty. Choose a CSV or XLSX file with the column names in the first row.")
        )
    file_format = detect_format(name=name, head=head)
    with open_table(fh, file_format) as table:
        first = next(table, None)
        headers = headers_from(first or [])
        if not headers:
            raise file_error(
                _(
                    "The first row is empty. Put the column names (for example %(columns)s) in the "
                    "first row and upload the file again."
                )
                % {"columns": example_columns}
            )
        total = sum(1 for _row in data_rows(table, width=len(headers)))
    if total == 0:
        raise file_error(no_rows_message)
    fh.seek(0)
    uploaded_file.seek(0)
    return UploadScan(name=name, file_format=file_format, headers=headers, total_rows=total)
