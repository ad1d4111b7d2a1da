"""Catalogue import and export (services layer).

Export: the filtered list as CSV (UTF-8 with BOM, streamed) or XLSX, in keyset chunks, with
formulas neutralised (``contacts.exports`` helpers). Headers are the importer's column names,
so an exported file imports back.

Import, synchronous (a catalogue is thousands of rows, not millions): the upload is stored
under a random token → the columns are mapped (Indonesian and English names suggested) →
a dry run lists every row's problems (row number as in the spreadsheet, field, fix) →
confirming re-checks and creates or updates products by SKU in ONE transaction: nothing is
written if any row is wrong. File reading reuses ``contacts.import_files``.
"""

from __future__ import annotations

import contextlib
import csv
import re
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from relasi.accounts.models import User, Workspace
from relasi.contacts.import_files import (
    SheetRow,
    binary_stream,
    data_rows,
    file_error,
    normalise_header,
    open_table,
    upload_scan,
)
from relasi.core.audit import audit_record
from relasi.core.exceptions import ValidationError, fields_invalid
from relasi.core.models import AuditAction
from relasi.core.money import MoneyParseError, format_number, parse_money
from relasi.core.pagination import keyset_chunks
from relasi.core.spreadsheets import XLSX_CONTENT_TYPE, Echo, csv_text, xlsx_value
from relasi.sales.enums import ProductKind, TaxTreatment
from relasi.sales.models import Product
from relasi.sales.selectors_catalogue import ProductFilters, product_list
from relasi.sales.services_catalogue import product_values_clean

__all__ = [
    "IMPORT_TARGETS",
    "XLSX_CONTENT_TYPE",
    "ImportReport",
    "ImportUpload",
    "RowError",
    "product_export_csv",
    "product_export_xlsx",
    "product_import_check",
    "product_import_confirm",
    "product_import_discard",
    "product_import_store",
    "product_import_suggest",
]

EXPORT_CHUNK = 1000
MAX_IMPORT_ROWS = 20_000
UPLOAD_DIR = "imports/products"

IMPORT_TARGETS: tuple[tuple[str, Promise], ...] = (
    ("sku", gettext_lazy("SKU")),
    ("name", gettext_lazy("Name")),
    ("description", gettext_lazy("Description")),
    ("kind", gettext_lazy("Kind")),
    ("unit", gettext_lazy("Unit")),
    ("price", gettext_lazy("Price")),
    ("tax_treatment", gettext_lazy("Tax treatment")),
    ("djp_code", gettext_lazy("DJP goods/services code")),
    ("djp_unit_code", gettext_lazy("DJP unit code")),
    ("is_active", gettext_lazy("Active")),
)

# Column names people use, normalised by ``normalise_header``.
# fmt: off
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "sku": ("sku", "kode", "kode barang", "kode produk", "kode item", "item code", "product code",
            "code", "no sku", "plu", "part number", "artikel"),
    "name": ("nama", "nama barang", "nama produk", "nama item", "nama jasa", "produk", "barang", "item",
             "name", "product", "product name", "item name"),
    "description": ("deskripsi", "keterangan", "uraian", "spesifikasi", "description", "details", "notes"),
    "kind": ("jenis", "tipe", "jenis produk", "barang jasa", "kind", "type", "goods service"),
    "unit": ("satuan", "unit", "uom", "unit of measure", "sat"),
    "price": ("harga", "harga jual", "harga satuan", "harga dasar", "price", "unit price", "selling price",
              "harga rp", "price rp"),
    "tax_treatment": ("pajak", "perlakuan pajak", "ppn", "jenis pajak", "tax", "tax treatment", "vat"),
    "djp_code": ("kode djp", "kode barang jasa", "kode barang jasa djp", "kode barang djp", "djp code",
                 "djp goods services code", "goods services code"),
    "djp_unit_code": ("kode satuan", "kode satuan djp", "satuan djp", "djp unit code", "unit code"),
    "is_active": ("aktif", "status", "active", "is active"),
}
# fmt: on
_SYNONYM_TARGET = {synonym: target for target, names in _SYNONYMS.items() for synonym in names}

_KIND_WORDS = {
    "goods": ProductKind.GOODS, "barang": ProductKind.GOODS, "a": ProductKind.GOODS,
    "service": ProductKind.SERVICE, "services": ProductKind.SERVICE, "jasa": ProductKind.SERVICE,
    "layanan": ProductKind.SERVICE, "b": ProductKind.SERVICE,
}  # fmt: skip
_TAX_WORDS = {
    "standard": TaxTreatment.STANDARD, "ppn": TaxTreatment.STANDARD, "standar": TaxTreatment.STANDARD,
    "04": TaxTreatment.STANDARD, "luxury": TaxTreatment.LUXURY, "mewah": TaxTreatment.LUXURY,
    "ppnbm": TaxTreatment.LUXURY, "01": TaxTreatment.LUXURY, "exempt": TaxTreatment.EXEMPT,
    "bebas": TaxTreatment.EXEMPT, "dibebaskan": TaxTreatment.EXEMPT, "08": TaxTreatment.EXEMPT,
    "not collected": TaxTreatment.NOT_COLLECTED, "not_collected": TaxTreatment.NOT_COLLECTED,
    "tidak dipungut": TaxTreatment.NOT_COLLECTED, "07": TaxTreatment.NOT_COLLECTED,
}  # fmt: skip
_TRUE_WORDS = {"1", "ya", "y", "yes", "true", "aktif", "active", "benar"}
_FALSE_WORDS = {
    "0",
    "tidak",
    "t",
    "no",
    "n",
    "false",
    "nonaktif",
    "non aktif",
    "tidak aktif",
    "inactive",
    "salah",
}


def _choice_words() -> tuple[dict[str, str], dict[str, str]]:
    """Accepted words for kind and tax treatment: fixed ones plus the labels in en and id."""
    kinds: dict[str, str] = {k: str(v) for k, v in _KIND_WORDS.items()}
    taxes: dict[str, str] = {k: str(v) for k, v in _TAX_WORDS.items()}
    for language in ("en", "id"):
        with translation.override(language):
            for value, label in ProductKind.choices:
                kinds.setdefault(normalise_header(str(label)), str(value))
            for value, label in TaxTreatment.choices:
                taxes.setdefault(normalise_header(str(label)), str(value))
    return kinds, taxes


# Export --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Column:
    header: str
    value: Callable[[Product], Any]


def _columns() -> list[_Column]:
    kinds = {value: str(label) for value, label in ProductKind.choices}
    yes, no = _("yes"), _("no")
    return [
        _Column(_("SKU"), lambda p: p.sku),
        _Column(_("Name"), lambda p: p.name),
        _Column(_("Description"), lambda p: p.description),
        _Column(_("Kind"), lambda p: kinds.get(p.kind, p.kind)),
        _Column(_("Unit"), lambda p: p.unit),
        _Column(_("Price"), lambda p: Decimal(p.price)),
        _Column(_("Tax treatment"), lambda p: p.tax_treatment),
        _Column(_("DJP goods/services code"), lambda p: p.djp_code),
        _Column(_("DJP unit code"), lambda p: p.djp_unit_code),
        _Column(_("Active"), lambda p: yes if p.is_active else no),
    ]


def _chunks(*, workspace: Workspace, filters: ProductFilters) -> Iterator[list[Product]]:
    return keyset_chunks(product_list(workspace=workspace, filters=filters), EXPORT_CHUNK)


def _csv_cell(value: Any) -> str:
    if isinstance(value, Decimal):
        # Indonesian without grouping (1250000 or 1250000,50): Excel in id-ID reads it as a
        # number, and the importer reads it back unambiguously.
        whole = value == value.to_integral_value()
        return format_number(value, decimals=0 if whole else 2, thousands="")
    return csv_text(value)


def product_export_csv(
    *, workspace: Workspace, filters: ProductFilters, delimiter: str = ","
) -> Iterator[str]:
    """The filtered products as CSV text, streamed: a UTF-8 BOM and the header row (in the
    active language) first, then one item per chunk of rows. Formulas are neutralised."""
    columns = _columns()
    language = translation.get_language()

    def lines() -> Iterator[str]:
        writer = csv.writer(Echo(), delimiter=delimiter, lineterminator="\r\n")
        yield "\ufeff" + writer.writerow([c.header for c in columns])
        with translation.override(language):
            for chunk in _chunks(workspace=workspace, filters=filters):
                yield "".join(writer.writerow([_csv_cell(c.value(p)) for c in columns]) for p in chunk)

    return lines()


def product_export_xlsx(*, workspace: Workspace, filters: ProductFilters) -> IO[bytes]:
    """The filtered products as an Excel workbook (prices as numbers, formulas neutralised),
    in a temporary file the caller closes."""
    columns = _columns()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Products")[:31])
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", column.header))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for chunk in _chunks(workspace=workspace, filters=filters):
        for product in chunk:
            sheet.append([xlsx_value(sheet, _xlsx_safe(c.value(product))) for c in columns])
    output = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 - returned
    workbook.save(output)
    output.seek(0)
    return output  # type: ignore[return-value]


def _xlsx_safe(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula keeps a leading apostrophe (as in CSV)."""
    if isinstance(value, str):
        return csv_text(value)
    return value


# Import --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportUpload:
    token: str
    file_name: str
    file_format: str
    headers: list[str]
    total_rows: int
    mapping: dict[str, str]  # suggested {column: target}


@dataclass(frozen=True)
class RowError:
    row: int  # as numbered in the spreadsheet (header = 1)
    field: str  # target field ("price") or "" for the row as a whole
    label: str  # the field's label in the user's language
    column: str  # the file's column holding it
    message: str  # what is wrong and how to fix it


@dataclass
class ImportReport:
    total: int = 0
    creates: int = 0
    updates: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _stored_name(workspace: Workspace, token: str, file_format: str) -> str:
    if not re.fullmatch(r"[0-9a-f]{32}", token):
        raise file_error(_("The uploaded file is no longer available. Upload the file again to import it."))
    return f"{UPLOAD_DIR}/{workspace.pk}/{token}.{file_format}"


def product_import_suggest(*, headers: list[str]) -> dict[str, str]:
    """Guess ``{column: target}`` from column names (``Kode`` → sku, ``Harga`` → price, the
    export's own headers in English or Indonesian). Each target goes to the first column."""
    labels: dict[str, str] = {}
    for language in ("en", "id"):
        with translation.override(language):
            for name, label in IMPORT_TARGETS:
                labels.setdefault(normalise_header(str(label)), name)
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for header in headers:
        for variant in (header, re.sub(r"\(.*?\)|\[.*?\]", " ", header)):
            key = normalise_header(variant)
            target = _SYNONYM_TARGET.get(key) or labels.get(key)
            if target and target not in used:
                mapping[header] = target
                used.add(target)
                break
    return mapping


def product_import_store(*, workspace: Workspace, uploaded_file: UploadedFile[bytes]) -> ImportUpload:
    """Check an uploaded CSV/XLSX (size, format, header row, at least one row, at most
    ``MAX_IMPORT_ROWS``), keep it under a random name and suggest a mapping. Writes no product."""
    scan = upload_scan(
        uploaded_file,
        max_bytes=int(settings.RELASI_IMPORT_MAX_BYTES),
        example_columns="Kode, Nama, Harga",
        no_rows_message=_("The file has column names but no products under them. Add one product per row."),
    )
    name, file_format, headers, total = scan.name, scan.file_format, scan.headers, scan.total_rows
    if total > MAX_IMPORT_ROWS:
        raise file_error(
            _("The file has %(n)d rows; import at most %(max)d at a time. Split the file.")
            % {"n": total, "max": MAX_IMPORT_ROWS}
        )
    token = uuid.uuid4().hex
    default_storage.save(_stored_name(workspace, token, file_format), uploaded_file)
    return ImportUpload(
        token=token,
        file_name=name[:255],
        file_format=file_format,
        headers=headers,
        total_rows=total,
        mapping=product_import_suggest(headers=headers),
    )


def product_import_discard(*, workspace: Workspace, token: str, file_format: str) -> None:
    """Delete a stored upload (after the import, or when the user starts again)."""
    try:
        name = _stored_name(workspace, token, file_format)
    except ValidationError:
        return
    if default_storage.exists(name):
        default_storage.delete(name)


@contextmanager
def _rows(*, workspace: Workspace, token: str, file_format: str, width: int) -> Iterator[Iterator[SheetRow]]:
    name = _stored_name(workspace, token, file_format)
    if not default_storage.exists(name):
        raise file_error(_("The uploaded file is no longer available. Upload the file again to import it."))
    with default_storage.open(name, "rb") as stored, open_table(binary_stream(stored), file_format) as table:
        next(table, None)
        yield data_rows(table, width=width)


def _mapping_clean(*, headers: list[str], mapping: dict[str, str]) -> dict[str, str]:
    targets = {name for name, _label in IMPORT_TARGETS}
    labels = dict(IMPORT_TARGETS)
    chosen: dict[str, str] = {}
    errors: dict[str, str] = {}
    for header, target in mapping.items():
        if not target:
            continue
        if header not in headers or target not in targets:
            errors["mapping"] = _("Choose a product field from the list for each column, or ignore it.")
            continue
        if target in chosen.values():
            errors["mapping"] = _("%(field)s is chosen for two columns. Choose it for one column only.") % {
                "field": labels[target]
            }
        chosen[header] = target
    if "sku" not in chosen.values():
        errors["mapping"] = _(
            "Choose the column holding the SKU (product code): products are matched by SKU."
        )
    if errors:
        raise fields_invalid(errors)
    return chosen


def _import_price(text: str, *, file_format: str) -> Decimal:
    """Prices as people type them (``1.250.000``, ``1250000,50``). A spreadsheet's own number
    cell arrives as ``1250000.5``: accepted from XLSX files only, where it is unambiguous."""
    try:
        return parse_money(text)
    except MoneyParseError:
        cleaned = re.sub(r"(?i)^\s*(rp\.?|idr)\s*", "", text.strip())
        if file_format == "xlsx" and re.fullmatch(r"-?\d+(\.\d+)?(E[+-]?\d+)?", cleaned, flags=re.IGNORECASE):
            try:
                return Decimal(cleaned).quantize(Decimal("0.01"))
            except InvalidOperation:
                pass
        raise


@dataclass
class _Plan:
    number: int
    values: dict[str, Any]
    product: Product | None


def _plan(
    *, workspace: Workspace, token: str, file_format: str, headers: list[str], mapping: dict[str, str]
) -> tuple[list[_Plan], ImportReport]:
    """Read every row through the mapping and check it; nothing is written."""
    chosen = _mapping_clean(headers=headers, mapping=mapping)
    positions = [(headers.index(header), header, target) for header, target in chosen.items()]
    column_of = {target: header for header, target in chosen.items()}
    labels = {name: str(label) for name, label in IMPORT_TARGETS}
    kinds, taxes = _choice_words()
    with _rows(workspace=workspace, token=token, file_format=file_format, width=len(headers)) as rows:
        raw_rows = [
            (row.number, {target: row.cells[position].strip() for position, _header, target in positions})
            for row in rows
        ]
    existing: dict[str, Product] = {}
    skus = {raw["sku"].lower() for _n, raw in raw_rows if raw.get("sku")}
    for product in Product.objects.filter(workspace=workspace):
        if product.sku.lower() in skus:
            existing[product.sku.lower()] = product
    report = ImportReport(total=len(raw_rows))
    plans: list[_Plan] = []
    seen: dict[str, int] = {}

    def problem(number: int, target: str, message: str) -> None:
        report.errors.append(
            RowError(
                row=number,
                field=target,
                label=labels.get(target, ""),
                column=column_of.get(target, ""),
                message=message,
            )
        )

    for number, raw in raw_rows:
        values: dict[str, Any] = {k: v for k, v in raw.items() if v != ""}
        row_problems = False
        sku_key = " ".join(raw.get("sku", "").split()).lower()
        if sku_key and sku_key in seen:
            problem(
                number,
                "sku",
                _("The SKU %(sku)s is also on row %(row)d. Each product once per file.")
                % {"sku": raw["sku"], "row": seen[sku_key]},
            )
            row_problems = True
        elif sku_key:
            seen[sku_key] = number
        if "kind" in values:
            kind = kinds.get(normalise_header(values["kind"]))
            if kind is None:
                problem(number, "kind", _("Write goods (barang) or service (jasa)."))
                row_problems = True
            values["kind"] = kind or ""
        if "tax_treatment" in values:
            treatment = taxes.get(normalise_header(values["tax_treatment"])) or taxes.get(
                values["tax_treatment"]
            )
            if treatment is None:
                problem(
                    number,
                    "tax_treatment",
                    _(
                        "Write one of: standard, luxury, exempt, not_collected "
                        "(or PPN, mewah, bebas, tidak dipungut)."
                    ),
                )
                row_problems = True
            values["tax_treatment"] = treatment or ""
        if "is_active" in values:
            word = normalise_header(values["is_active"])
            if word in _TRUE_WORDS:
                values["is_active"] = True
            elif word in _FALSE_WORDS:
                values["is_active"] = False
            else:
                problem(number, "is_active", _("Write yes (ya) or no (tidak)."))
                row_problems = True
                values.pop("is_active")
        if "price" in values:
            # When unreadable the text stays, and the cleaner explains it on ``price``.
            with contextlib.suppress(MoneyParseError, InvalidOperation):
                values["price"] = _import_price(values["price"], file_format=file_format)
        match = existing.get(sku_key)
        if match is None:
            # A new product: what the file leaves empty takes the defaults.
            values.setdefault("sku", raw.get("sku", ""))
            values.setdefault("name", "")
            values.setdefault("price", "")
        try:
            cleaned = product_values_clean(
                workspace=workspace,
                values={k: v for k, v in values.items() if not (k in ("kind", "tax_treatment") and v == "")},
                partial=match is not None,
                product=match,
                check_sku_unique=False,
            )
        except ValidationError as error:
            for target, message in error.fields.items():
                if not any(e.row == number and e.field == target for e in report.errors):
                    problem(number, target, str(message))
            continue
        if row_problems:
            continue
        if match is not None:
            cleaned.pop("sku", None)  # matched case-insensitively: keep the stored spelling
            report.updates += 1
        else:
            report.creates += 1
        plans.append(_Plan(number=number, values=cleaned, product=match))
    return plans, report


def product_import_check(
    *, workspace: Workspace, token: str, file_format: str, headers: list[str], mapping: dict[str, str]
) -> ImportReport:
    """The dry run: how many products would be created and updated, and every row's
    problems (row, field, fix). Writes nothing."""
    _plans, report = _plan(
        workspace=workspace, token=token, file_format=file_format, headers=headers, mapping=mapping
    )
    return report


@transaction.atomic
def product_import_confirm(
    *,
    workspace: Workspace,
    actor: User | None,
    token: str,
    file_format: str,
    headers: list[str],
    mapping: dict[str, str],
    file_name: str = "",
) -> ImportReport:
    """Check again and import: create new SKUs, update known ones, in one transaction. Any
    problem raises ``ValidationError`` and nothing is written. The upload is deleted after
    the commit."""
    plans, report = _plan(
        workspace=workspace, token=token, file_format=file_format, headers=headers, mapping=mapping
    )
    if not report.ok:
        raise ValidationError(
            _("%(n)d rows have problems; nothing was imported. Fix them in the file and upload it again.")
            % {"n": len({e.row for e in report.errors})},
            code="import_invalid",
        )
    to_create: list[Product] = []
    for plan in plans:
        if plan.product is None:
            to_create.append(Product(workspace=workspace, **plan.values))
        else:
            for name, value in plan.values.items():
                setattr(plan.product, name, value)
            plan.product.save()
    Product.objects.bulk_create(to_create, batch_size=500)
    audit_record(
        action=AuditAction.IMPORT,
        actor=actor,
        workspace=workspace,
        changes={
            "object_type": Product._meta.label_lower,
            "file_name": file_name,
            "created": report.creates,
            "updated": report.updates,
        },
    )
    transaction.on_commit(
        lambda: product_import_discard(workspace=workspace, token=token, file_format=file_format)
    )
    return report


def import_field_choices() -> list[tuple[str, Promise]]:
    return list(IMPORT_TARGETS)
