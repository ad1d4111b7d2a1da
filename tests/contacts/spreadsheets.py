"""Helpers for the import/export tests: CSV and XLSX uploads built in memory, reading them
back, and a small Indonesian message catalogue for checking the active language."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook


def csv_bytes(rows: Sequence[Sequence[str]], *, delimiter: str = ",", encoding: str = "utf-8-sig") -> bytes:
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return text.getvalue().encode(encoding)


def csv_upload(
    rows: Sequence[Sequence[str]],
    *,
    name: str = "pelanggan.csv",
    delimiter: str = ",",
    encoding: str = "utf-8-sig",
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, csv_bytes(rows, delimiter=delimiter, encoding=encoding), "text/csv")


def xlsx_bytes(rows: Sequence[Sequence[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def xlsx_upload(rows: Sequence[Sequence[Any]], *, name: str = "pelanggan.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name,
        xlsx_bytes(rows),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "Excel needs the UTF-8 BOM"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def read_xlsx(content: bytes) -> list[list[Any]]:
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def install_catalog(settings: Any, directory: Path, language: str, messages: Mapping[str, str]) -> None:
    """Compile ``messages`` into ``<directory>/<language>/LC_MESSAGES/django.mo`` and make it the
    project's catalogue (the real translations are produced later from the English msgids)."""
    catalog = Catalog(locale=language)
    for msgid, msgstr in messages.items():
        catalog.add(msgid, msgstr, flags=["python-format"] if "%(" in msgid else [])
    folder = directory / language / "LC_MESSAGES"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "django.mo").open("wb") as handle:
        write_mo(handle, catalog)
    settings.LOCALE_PATHS = [directory]
