"""Importing historical orders from CSV or XLSX: a business that starts with years of history
brings its past orders in as purchases (``Purchase`` rows with source ``import``).

``purchase_import`` is all or nothing:

1. The file is checked the way the customer import checks it (``contacts.import_files``:
   format, encoding, delimiter, header row, size) and its columns are recognised by their
   names, in Bahasa Indonesia or English: ``Tanggal``/``Date``, ``Jumlah``/``Total``/
   ``Nominal``/``Amount``, ``Diskon``/``Discount``, ``Kategori``/``Category``, ``No
   Pesanan``/``Invoice``, ``ID Pelanggan``/``Customer ID``; the customer's name, phone and
   e-mail by the names the customer import knows (``import_mapping_suggest``: ``Pelanggan``,
   ``No HP``, ``WhatsApp``, ``Email`` …).
2. Every row is read and checked, streaming, and nothing is written. One problem anywhere and
   nothing is imported: every problem comes back with its row number (the header is row 1),
   field, column and what to do, in the user's language.
3. Otherwise the file is read a second time and the purchases are written in batches, in the
   same transaction. Memory stays flat whatever the file's size: what is kept between the two
   passes is per customer and per order number, not per row.

Customers. A row names its customer by a Relasi customer id, a phone number (any Indonesian
form, compared in E.164), an e-mail (compared in lower case) or a name, tried in that order
against the live customers of the workspace. A row whose customer is not found but which
gives a name creates that customer (with the row's phone and e-mail) through
``contact_create``; later rows with the same phone, e-mail or — when the row has neither —
the same name go to the same new customer. A name alone never matches an existing customer
(two customers may share a name).

Amounts. ``Jumlah`` is what the customer paid, after the discount; ``Diskon`` the discount
given, in rupiah. Both are read the Indonesian way (``1.250.000``, ``1250000,50``,
``Rp 50.000,-``, ``core.money.parse_money``); machine exports with a decimal point and at
least four digits before it (``1250000.50``) are read too, and numbers of an XLSX cell as
they are.

Orders with several lines. Rows next to each other with the same order number are the lines
of one order: one purchase, their amounts and discounts added up, its category that of the
largest line. Continuation lines may leave the customer and the date empty.

Idempotency. Each purchase carries a ``source_ref``: its order number when the file has one,
else a SHA-256 of the customer as the file names it, the date, the amount, the discount, the
category, the other columns of the row and how many identical rows came before it in the
file. Importing the same file again — or a longer export that contains it — imports nothing
twice: those rows are counted in ``rows_skipped``. Two identical rows in one file (the same
customer buying the same thing twice on one day) stay two purchases.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from relasi.accounts.models import Membership, User, Workspace
from relasi.accounts.permissions import Perm
from relasi.analytics.enums import PurchaseSource
from relasi.analytics.models import Purchase, PurchaseImport
from relasi.analytics.totals import purchase_totals_rebuild
from relasi.contacts import services as contact_services
from relasi.contacts.enums import Source
from relasi.contacts.import_files import (
    SheetRow,
    UploadScan,
    batched,
    data_rows,
    normalise_header,
    open_table,
    upload_scan,
)
from relasi.contacts.import_rows import existing_matches, import_mapping_suggest
from relasi.contacts.models import Contact
from relasi.contacts.validation import contact_values_clean, parse_date
from relasi.core.audit import audit_record
from relasi.core.exceptions import Conflict, PermissionDenied, ValidationError
from relasi.core.models import AuditAction
from relasi.core.money import MoneyParseError, format_rupiah, parse_money
from relasi.core.phone import normalize_phone

__all__ = [
    "BATCH_SIZE",
    "MAX_ERRORS",
    "TEMPLATE_HEADERS",
    "purchase_import",
    "purchase_import_columns",
    "purchase_import_get",
    "purchase_import_list",
    "purchase_import_template_csv",
    "template_headers",
]

BATCH_SIZE = 1000  # purchases per lookup and per INSERT (well under SQLite's 32,766 parameters)
MAX_ERRORS = 1000  # problems returned; beyond it one line says how many more rows have problems
REFRESH_TASK_NAME = "analytics.metrics_refresh"  # ``analytics.tasks`` sits above this module
MAX_MONEY = Decimal("9999999999999999.99")  # the largest amount the column holds
CENTS = Decimal("0.01")

# The fields a column can hold. ``customer`` is the customer's name.
CONTACT_ID, CUSTOMER, PHONE, EMAIL = "contact_id", "customer", "phone", "email"
DATE, AMOUNT, DISCOUNT, CATEGORY, ORDER_NUMBER = "date", "amount", "discount", "category", "order_number"
CUSTOMER_FIELDS = (CONTACT_ID, CUSTOMER, PHONE, EMAIL)

# Column names for the purchase fields, normalised by ``normalise_header`` (lower case,
# punctuation gone). The second table is only used when the first found nothing: a file with
# both "Kategori" and "Nama Produk" takes the category from "Kategori".
# fmt: off
_SYNONYMS: dict[str, tuple[str, ...]] = {
    ORDER_NUMBER: (
        "no pesanan", "nomor pesanan", "no order", "nomor order", "id pesanan", "kode pesanan",
        "no invoice", "nomor invoice", "invoice", "no faktur", "nomor faktur", "faktur",
        "no nota", "nomor nota", "nota", "no transaksi", "nomor transaksi", "id transaksi",
        "kode transaksi", "no struk", "nomor struk", "order number", "order no", "order id",
        "invoice number", "invoice no", "receipt number", "receipt no", "transaction id",
        "transaction number",
    ),
    DATE: (
        "tanggal", "tgl", "tanggal pesanan", "tgl pesanan", "tanggal order", "tgl order",
        "tanggal transaksi", "tgl transaksi", "tanggal pembelian", "tgl pembelian",
        "tanggal beli", "tgl beli", "tanggal faktur", "tanggal invoice", "tanggal nota",
        "waktu pesanan", "waktu transaksi", "date", "order date", "purchase date",
        "transaction date", "invoice date", "sale date",
    ),
    # Most specific first: "Total Bayar" wins over "Total", "Total" over "Jumlah" (often a quantity).
    AMOUNT: (
        "total bayar", "jumlah bayar", "total pembayaran", "grand total", "amount paid",
        "total belanja", "total pesanan", "total transaksi", "total harga", "nilai transaksi",
        "nilai pesanan", "order total", "order amount", "total amount", "sales amount", "total",
        "nominal", "amount", "nilai", "paid", "jumlah",
    ),
    DISCOUNT: (
        "diskon", "potongan", "potongan harga", "total diskon", "discount", "discount amount",
        "total discount",
    ),
    CATEGORY: (
        "kategori", "kategori produk", "kategori barang", "jenis produk", "jenis barang",
        "category", "product category", "item category",
    ),
    CONTACT_ID: (
        "id pelanggan", "id kontak", "id customer", "customer id", "contact id", "id relasi",
        "relasi id",
    ),
}
_FALLBACK_SYNONYMS: dict[str, tuple[str, ...]] = {
    CATEGORY: (
        "produk", "nama produk", "barang", "nama barang", "item", "nama item", "product",
        "product name", "item name",
    ),
}
# fmt: on
_CONTACT_TARGETS = {"full_name": CUSTOMER, "phone": PHONE, "email": EMAIL}

# The template file offered on the import page, in the user's language. These are column
# names the importer recognises, not translations: a test imports both versions.
TEMPLATE_HEADERS = {
    "id": ["No Pesanan", "Tanggal", "Pelanggan", "No HP", "Email", "Jumlah", "Diskon", "Kategori"],
    "en": ["Order number", "Date", "Customer", "Phone", "Email", "Amount", "Discount", "Category"],
}
# fmt: off
_TEMPLATE_ROWS = [
    ["INV-2023-0001", "05/01/2023", "Elok Pratiwi", "0812-3456-7890", "elok@contoh.co.id", "275.000", "",
     "Kue"],
    ["INV-2023-0002", "19/01/2023", "Elok Pratiwi", "0812-3456-7890", "", "275.000", "25.000", "Kue"],
    ["INV-2023-0003", "2023-02-03", "Budi Santoso", "+62 857 1234 5678", "", "1250000,50", "", "Hampers"],
    ["", "14 Februari 2023", "Toko Sinar Jaya", "", "sinarjaya@contoh.co.id", "Rp 3.400.000", "", ""],
]
# fmt: on

# Month names and abbreviations in Bahasa Indonesia and English.
# fmt: off
_MONTHS: dict[str, int] = {
    "januari": 1, "january": 1, "jan": 1,
    "februari": 2, "pebruari": 2, "february": 2, "feb": 2, "peb": 2,
    "maret": 3, "march": 3, "mar": 3,
    "april": 4, "apr": 4,
    "mei": 5, "may": 5,
    "juni": 6, "june": 6, "jun": 6,
    "juli": 7, "july": 7, "jul": 7,
    "agustus": 8, "august": 8, "agu": 8, "agt": 8, "ags": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "october": 10, "okt": 10, "oct": 10,
    "november": 11, "nopember": 11, "nov": 11, "nop": 11,
    "desember": 12, "december": 12, "des": 12, "dec": 12,
}
# fmt: on
_TIME_PART = re.compile(r"(?:[ T]\d{1,2}[:.]\d{2}(?:[:.]\d{2}(?:\.\d+)?)?)?(?:\s*(?:wib|wita|wit))?$")
_WEEKDAY_PREFIX = re.compile(r"^[a-z]+,\s*")
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})[\s./-]*([a-z]+)\.?[\s./,-]*(\d{4})$")
_MONTH_DAY_YEAR = re.compile(r"^([a-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})$")
_POINT_DECIMAL = re.compile(r"^\d{4,}\.\d{1,2}$")  # 1250000.50: no thousands grouping has 4 digits
_XLSX_NUMBER = re.compile(r"^-?\d+(\.\d+)?(e-?\d+)?$")


# Columns ------------------------------------------------------------------------------------


def purchase_import_columns(*, workspace: Workspace, headers: list[str]) -> dict[str, int]:
    """Which column holds which field (``{field: column position}``), from the column names.

    Purchase fields first by our table of names (the most specific name first), then the
    customer's name, phone and e-mail by the customer import's (``import_mapping_suggest``)
    among the columns left."""
    found: dict[str, int] = {}
    keys = [
        {normalise_header(header), normalise_header(re.sub(r"\(.*?\)|\[.*?\]", " ", header))}
        for header in headers
    ]
    for table in (_SYNONYMS, _FALLBACK_SYNONYMS):
        for target, aliases in table.items():
            if target in found:
                continue
            # The first alias (the most specific) that names a free column wins.
            found_at = next(
                (
                    position
                    for alias in aliases
                    for position, names in enumerate(keys)
                    if alias in names and position not in found.values()
                ),
                None,
            )
            if found_at is not None:
                found[target] = found_at
    left = [h for position, h in enumerate(headers) if position not in found.values()]
    for header, target in import_mapping_suggest(workspace=workspace, headers=left).items():
        name = _CONTACT_TARGETS.get(target)
        if name is not None and name not in found:
            found[name] = headers.index(header)
    return found


def _columns_check(columns: dict[str, int], headers: list[str]) -> None:
    example = "Tanggal, Pelanggan, No HP, Jumlah"
    problems: dict[str, str] = {}
    if DATE not in columns:
        problems[DATE] = _("No column holds the order date. Name it Tanggal or Date.")
    if AMOUNT not in columns:
        problems[AMOUNT] = _("No column holds the amount paid. Name it Jumlah, Total, Nominal or Amount.")
    if not any(name in columns for name in CUSTOMER_FIELDS):
        problems[CUSTOMER] = _(
            "No column names the customer. Add a column Pelanggan (name), No HP (phone), Email "
            "or ID Pelanggan (the customer's id in Relasi)."
        )
    if problems:
        message = _(
            "Some columns are missing: %(problems)s The first row must hold the column names, for "
            "example %(example)s. Columns found: %(found)s."
        ) % {"problems": " ".join(problems.values()), "example": example, "found": ", ".join(headers)}
        raise ValidationError(message, code="columns_missing", fields={"file": message, **problems})


# Reading values -----------------------------------------------------------------------------


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _parse_date(text: str) -> dt.date:
    """ISO, 31/01/2024, 31-01-2024 (``contacts.validation.parse_date``; never month first),
    31 Januari 2024, 31 Jan 2024, Rabu, 31 Januari 2024, January 31, 2024; a time after the
    date (XLSX, exports) is ignored. Raises ValueError."""
    lowered = _TIME_PART.sub("", text.strip().lower(), count=1).strip()
    lowered = _WEEKDAY_PREFIX.sub("", lowered)
    try:
        return parse_date(lowered)
    except ValueError:
        pass
    match = _DAY_MONTH_YEAR.match(lowered)
    if match:
        day, month_name, year = match.groups()
    else:
        match = _MONTH_DAY_YEAR.match(lowered)
        if not match:
            raise ValueError(text)
        month_name, day, year = match.groups()
    month = _MONTHS.get(month_name)
    if month is None:
        raise ValueError(text)
    return dt.date(int(year), month, int(day))


def _parse_amount(text: str, *, spreadsheet: bool) -> Decimal:
    """An amount in rupiah; raises MoneyParseError. See the module docstring."""
    cleaned = re.sub(r"[,.]-$", "", text.strip())
    try:
        return parse_money(cleaned)
    except MoneyParseError:
        bare = re.sub(r"(?i)^\s*(rp\.?|idr)\s*", "", cleaned).replace(" ", "")
        if _POINT_DECIMAL.match(bare.lstrip("-")) or (spreadsheet and _XLSX_NUMBER.match(bare)):
            try:
                return Decimal(bare).quantize(CENTS, rounding=ROUND_HALF_UP)
            except InvalidOperation as error:
                raise MoneyParseError(text) from error
        raise


@dataclass(slots=True)
class _Line:
    """One row of the file, read."""

    row: int
    contact_id: int | None = None
    name: str = ""
    phone: str = ""  # E.164
    phone_raw: str = ""
    email: str = ""
    purchased_on: dt.date | None = None
    amount: Decimal = Decimal("0")
    discount: Decimal = Decimal("0")
    category: str = ""
    order_number: str = ""
    extra: tuple[str, ...] = ()
    problems: dict[str, str] = field(default_factory=dict)

    def names_customer(self) -> bool:
        return bool(self.contact_id or self.phone or self.email or self.name)

    def customer_key(self) -> str:
        """The customer as the file names it (for the idempotency hash and order lines)."""
        return "\x1f".join(
            [str(self.contact_id or ""), self.phone, self.email, self.name.casefold() if self.name else ""]
        )


def _customer_differs(first: _Line, line: _Line) -> bool:
    """A further line names another customer: an id, phone, e-mail or name both lines give
    and that differs. A line that leaves them empty continues the order."""
    pairs = (
        (first.contact_id, line.contact_id),
        (first.phone, line.phone),
        (first.email, line.email),
        (first.name.casefold(), line.name.casefold()),
    )
    return any(mine and theirs and mine != theirs for mine, theirs in pairs)


@dataclass(slots=True)
class _Order:
    """One purchase: a row, or the adjacent rows of one order number."""

    first: _Line
    rows: int
    amount: Decimal
    discount: Decimal
    category: str
    largest_line: Decimal
    source_ref: str = ""


class _Problems:
    """Every problem found, as ``{"row", "field", "column", "message"}`` (capped)."""

    def __init__(self, headers: list[str], columns: dict[str, int]) -> None:
        self.items: list[dict[str, Any]] = []
        self.rows: set[int] = set()
        self.column_of = {name: headers[position] for name, position in columns.items()}

    def add(self, row: int, field_name: str, message: str) -> None:
        self.rows.add(row)
        if len(self.items) < MAX_ERRORS:
            self.items.append(
                {
                    "row": row,
                    "field": field_name,
                    "column": self.column_of.get(field_name, ""),
                    "message": message,
                }
            )

    def result(self) -> list[dict[str, Any]]:
        items = sorted(self.items, key=lambda item: item["row"])
        reported = {item["row"] for item in items}
        more = len(self.rows - reported)
        if more:
            items.append(
                {
                    "row": None,
                    "field": "",
                    "column": "",
                    "message": _(
                        "%(count)d more rows have problems that are not listed. Fix the rows above and "
                        "import the file again to see them."
                    )
                    % {"count": more},
                }
            )
        return items


class _LineReader:
    """Reads rows into ``_Line`` values. Caches what repeats across rows (dates, phones,
    e-mails, amounts), which keeps a 200,000-row file fast: ``phonenumbers`` costs ~0.1 ms a
    call."""

    def __init__(self, *, columns: dict[str, int], width: int, spreadsheet: bool, today: dt.date) -> None:
        self.columns = columns
        self.extra_positions = [p for p in range(width) if p not in columns.values()]
        self.spreadsheet = spreadsheet
        self.today = today
        self._dates: dict[str, dt.date | str] = {}
        self._phones: dict[str, str | None] = {}
        self._emails: dict[str, bool] = {}
        self._amounts: dict[str, Decimal] = {}

    def _cell(self, cells: tuple[str, ...], name: str) -> str:
        position = self.columns.get(name)
        return cells[position] if position is not None else ""

    def _date(self, text: str) -> dt.date | str:
        """The date, or the problem's message."""
        cached = self._dates.get(text)
        if cached is not None:
            return cached
        try:
            day = _parse_date(text)
        except ValueError:
            result: dt.date | str = _(
                "'%(value)s' is not a date. Write it as 31/01/2024, 2024-01-31 or 31 Januari 2024 "
                "(day before month, four-digit year)."
            ) % {"value": text}
        else:
            if day > self.today:
                result = _(
                    "%(date)s is after today. Historical orders lie in the past: check the day, the "
                    "month (day comes first) and the year."
                ) % {"date": day.strftime("%d/%m/%Y")}
            elif day.year < 1900:
                result = _("The year %(year)d is too early. Check the date.") % {"year": day.year}
            else:
                result = day
        self._dates[text] = result
        return result

    def _phone(self, text: str) -> str | None:
        if text not in self._phones:
            number = normalize_phone(text)
            self._phones[text] = number.e164 if number else None
        return self._phones[text]

    def _email_ok(self, email: str) -> bool:
        if email not in self._emails:
            try:
                validate_email(email)
            except DjangoValidationError:
                self._emails[email] = False
            else:
                self._emails[email] = True
        return self._emails[email]

    def _money(self, text: str, *, line: _Line, name: str) -> Decimal:
        value = self._amounts.get(text)
        if value is not None:
            return value
        try:
            value = _parse_amount(text, spreadsheet=self.spreadsheet)
        except MoneyParseError:
            if name == DISCOUNT and text.rstrip().endswith("%"):
                line.problems[name] = _("Write the discount in rupiah (e.g. 25.000), not as a percentage.")
            else:
                line.problems[name] = _(
                    "'%(value)s' is not an amount. Write it like 1.250.000 or 1250000,50 (a comma "
                    "before the cents)."
                ) % {"value": text}
            return Decimal("0")
        if abs(value) > MAX_MONEY:
            line.problems[name] = _("This amount is too large. Check the number.")
        else:
            self._amounts[text] = value
        return value

    def read(self, row: SheetRow) -> _Line:
        cells = row.cells
        line = _Line(row=row.number)
        problems = line.problems
        text = self._cell(cells, CONTACT_ID)
        if text:
            digits = text[:-2] if text.endswith(".0") else text
            if digits.isdigit():
                line.contact_id = int(digits)
            else:
                problems[CONTACT_ID] = _(
                    "'%(value)s' is not a customer id. Use the number Relasi shows for the customer, "
                    "or leave it empty."
                ) % {"value": text}
        line.name = _collapse(self._cell(cells, CUSTOMER))
        text = self._cell(cells, PHONE)
        if text:
            e164 = self._phone(text)
            if e164 is None:
                problems[PHONE] = _(
                    "'%(value)s' is not a valid phone number. Type it like 0812-3456-7890 or "
                    "+62 812 3456 7890."
                ) % {"value": text}
            else:
                line.phone, line.phone_raw = e164, text
        text = self._cell(cells, EMAIL).lower()
        if text:
            if self._email_ok(text):
                line.email = text
            else:
                problems[EMAIL] = _(
                    "'%(value)s' is not an e-mail address. Type it like nama@contoh.co.id."
                ) % {"value": text}
        text = self._cell(cells, DATE)
        if text:
            day = self._date(text)
            if isinstance(day, str):
                problems[DATE] = day
            else:
                line.purchased_on = day
        text = self._cell(cells, AMOUNT)
        if not text:
            problems[AMOUNT] = _("The amount is empty. Write what the customer paid, e.g. 1.250.000.")
        else:
            line.amount = self._money(text, line=line, name=AMOUNT)
            if AMOUNT not in problems and line.amount <= 0:
                problems[AMOUNT] = _(
                    "The amount must be more than 0. Leave out cancelled and returned orders."
                )
        text = self._cell(cells, DISCOUNT)
        if text:
            line.discount = self._money(text, line=line, name=DISCOUNT)
            if DISCOUNT not in problems and line.discount < 0:
                problems[DISCOUNT] = _("The discount cannot be negative. Leave it empty when there was none.")
        line.category = _collapse(self._cell(cells, CATEGORY))
        if len(line.category) > 80:
            problems[CATEGORY] = _("Use at most 80 characters for the category.")
        line.order_number = _collapse(self._cell(cells, ORDER_NUMBER))
        if len(line.order_number) > 80:
            problems[ORDER_NUMBER] = _("Use at most 80 characters for the order number.")
        line.extra = tuple(_collapse(cells[p]) for p in self.extra_positions)
        return line


class _OrderReader:
    """Turns lines into purchases: joins the adjacent lines of one order, reports lines that
    cannot be one, and gives each purchase its ``source_ref``. One per pass (its state is
    the position in the file)."""

    def __init__(self, *, lines: _LineReader, problems: _Problems) -> None:
        self.lines = lines
        self.problems = problems
        self.order_rows: dict[str, int] = {}  # order number → its first row
        self.seen_rows: dict[bytes, int] = {}  # identical rows so far, by content

    def _report(self, line: _Line) -> None:
        for name, message in line.problems.items():
            self.problems.add(line.row, name, message)

    def _start(self, line: _Line) -> _Order | None:
        """A first line: it must name the customer and the date."""
        if not line.names_customer() and not (set(line.problems) & set(CUSTOMER_FIELDS)):
            line.problems[CUSTOMER] = _(
                "The customer is empty. Give a name, a phone number, an e-mail or a customer id."
            )
        if line.purchased_on is None and DATE not in line.problems:
            line.problems[DATE] = _("The order date is empty. Write it as 31/01/2024.")
        self._report(line)
        if line.problems:
            return None
        return _Order(
            first=line,
            rows=1,
            amount=line.amount,
            discount=line.discount,
            category=line.category,
            largest_line=line.amount,
        )

    def _continue(self, order: _Order, line: _Line) -> None:
        """A further line of ``order``: the same customer and date, or left empty."""
        first = order.first
        if _customer_differs(first, line):
            line.problems[ORDER_NUMBER] = _(
                "Order %(order)s started at row %(row)d with another customer. Give each order one "
                "customer, or give these lines another order number."
            ) % {"order": line.order_number, "row": first.row}
        if line.purchased_on is not None and line.purchased_on != first.purchased_on:
            line.problems[ORDER_NUMBER] = _(
                "Order %(order)s started at row %(row)d on another date. Give each order one date, or "
                "give these lines another order number."
            ) % {"order": line.order_number, "row": first.row}
        self._report(line)
        if line.problems:
            return
        order.rows += 1
        order.amount += line.amount
        order.discount += line.discount
        if line.amount > order.largest_line and line.category:
            order.category, order.largest_line = line.category, line.amount
        elif not order.category:
            order.category = line.category

    def _finish(self, order: _Order) -> _Order:
        if order.first.order_number:
            order.source_ref = order.first.order_number
            return order
        first = order.first
        content = "\x1e".join(
            [
                first.customer_key(),
                first.purchased_on.isoformat() if first.purchased_on else "",
                f"{order.amount:f}",
                f"{order.discount:f}",
                order.category,
                "\x1f".join(first.extra),
            ]
        ).encode()
        digest = hashlib.sha256(content).digest()
        occurrence = self.seen_rows.get(digest, 0)
        self.seen_rows[digest] = occurrence + 1
        order.source_ref = hashlib.sha256(digest + str(occurrence).encode()).hexdigest()
        return order

    def orders(self, rows: Iterator[SheetRow]) -> Iterator[_Order]:
        current: _Order | None = None
        current_number = ""  # the order number of the run of lines being read
        for row in rows:
            line = self.lines.read(row)
            number = line.order_number
            if number and number == current_number:
                if current is not None:
                    self._continue(current, line)
                else:
                    self._report(line)  # the order's first line had a problem already
                continue
            if current is not None:
                yield self._finish(current)
            current, current_number = None, number
            if number and number in self.order_rows:
                line.problems[ORDER_NUMBER] = _(
                    "Order %(order)s already appeared at row %(row)d. Put all the lines of one order "
                    "next to each other."
                ) % {"order": number, "row": self.order_rows[number]}
                self._report(line)
                continue
            if number:
                self.order_rows[number] = line.row
            current = self._start(line)
        if current is not None:
            yield self._finish(current)


# Customers ----------------------------------------------------------------------------------


@dataclass
class _NewCustomer:
    """A customer the file names who is not in Relasi yet."""

    row: int  # the first row naming them
    values: dict[str, Any]  # input for ``contact_create``
    contact_id: int | None = None  # set when created (second pass) or found through an imported purchase


class _Customers:
    """Finds the customer of each purchase: an existing live customer of the workspace, or a
    new one to create. Lookups are cached for the whole import (both passes)."""

    def __init__(self, *, workspace: Workspace) -> None:
        self.workspace = workspace
        self.by_id: dict[int, int | None] = {}
        self.by_phone: dict[str, int | None] = {}
        self.by_email: dict[str, int | None] = {}
        self.new: dict[tuple[str, str], _NewCustomer] = {}  # ("phone"|"email"|"name", value)

    def prefetch(self, orders: list[_Order]) -> None:
        ids = {o.first.contact_id for o in orders if o.first.contact_id} - self.by_id.keys()
        if ids:
            found = dict(
                Contact.objects.filter(workspace=self.workspace, pk__in=ids).values_list(
                    "id", "merged_into_id"
                )
            )
            for contact_id in ids:
                if contact_id in found:
                    # A merged customer's purchases go to the customer it was merged into.
                    self.by_id[contact_id] = found[contact_id] or contact_id
                else:
                    self.by_id[contact_id] = None
        phones = {o.first.phone for o in orders if o.first.phone} - self.by_phone.keys()
        emails = {o.first.email for o in orders if o.first.email} - self.by_email.keys()
        if phones or emails:
            keys = [("phone", p) for p in phones] + [("email", e) for e in emails]
            matches = existing_matches(workspace=self.workspace, keys=keys)
            for phone in phones:
                match = matches.get(("phone", phone))
                self.by_phone[phone] = match[0] if match else None
            for email in emails:
                match = matches.get(("email", email))
                self.by_email[email] = match[0] if match else None

    def resolve(self, line: _Line, problems: _Problems) -> int | tuple[str, str] | None:
        """The existing customer's id, the key of a new customer, or None (a problem reported)."""
        if line.contact_id:
            contact_id = self.by_id.get(line.contact_id)
            if contact_id is None:
                problems.add(
                    line.row,
                    CONTACT_ID,
                    _("There is no customer with id %(id)d in this workspace.") % {"id": line.contact_id},
                )
            return contact_id
        if line.phone and self.by_phone.get(line.phone):
            return self.by_phone[line.phone]
        if line.email and self.by_email.get(line.email):
            return self.by_email[line.email]
        keys = [("phone", line.phone)] if line.phone else []
        keys += [("email", line.email)] if line.email else []
        for key in keys:
            if key in self.new:
                return key
        if not line.name:
            what, value = (PHONE, line.phone_raw) if line.phone else (EMAIL, line.email)
            message = (
                _(
                    "No customer has the phone number %(value)s. Add the customer's name in the row to "
                    "create a new customer, or correct the number."
                )
                if what == PHONE
                else _(
                    "No customer has the e-mail %(value)s. Add the customer's name in the row to create a "
                    "new customer, or correct the address."
                )
            ) % {"value": value}
            problems.add(line.row, what, message)
            return None
        keys = keys or [("name", line.name.casefold())]
        if keys[0] in self.new:
            return keys[0]
        values: dict[str, Any] = {"full_name": line.name, "source": Source.IMPORT}
        if line.phone:
            values["phone"] = line.phone_raw
        if line.email:
            values["email"] = line.email
        try:
            contact_values_clean(workspace=self.workspace, values=values)
        except ValidationError as error:
            for name, problem in error.fields.items():
                problems.add(line.row, CUSTOMER if name == "full_name" else name, str(problem))
            return None
        customer = _NewCustomer(row=line.row, values=values)
        for key in keys:
            self.new[key] = customer
        return keys[0]

    def remember(self, line: _Line, contact_id: int) -> None:
        """A purchase of ``line`` was imported before, for ``contact_id``: the new customer the
        line would create is that customer (a name-only customer of an earlier import)."""
        if line.contact_id or (line.phone and self.by_phone.get(line.phone)):
            return
        if line.email and self.by_email.get(line.email):
            return
        keys = [("phone", line.phone)] if line.phone else []
        keys += [("email", line.email)] if line.email else []
        keys = keys or ([("name", line.name.casefold())] if line.name else [])
        customer = next((self.new[key] for key in keys if key in self.new), None)
        if customer is None:
            customer = _NewCustomer(row=line.row, values={}, contact_id=contact_id)
        elif customer.contact_id is None:
            customer.contact_id = contact_id
        for key in keys:
            self.new.setdefault(key, customer)

    def contact_for(self, key: tuple[str, str], *, actor: User | None) -> tuple[int, bool]:
        """The id of a new customer, created at the first purchase that needs it. The flag
        says whether it was created now."""
        customer = self.new[key]
        if customer.contact_id is not None:
            return customer.contact_id, False
        contact = contact_services.contact_create(
            workspace=self.workspace, actor=actor, values=customer.values, timeline_source="import"
        )
        customer.contact_id = contact.pk
        return contact.pk, True


# The service --------------------------------------------------------------------------------


@dataclass
class _Tally:
    rows_total: int = 0
    rows_imported: int = 0
    rows_skipped: int = 0
    purchases: int = 0
    contacts_created: int = 0
    imported_before: set[str] = field(default_factory=set)  # the ``source_ref`` of those skipped


def _check_can_import(*, actor: User | None, workspace: Workspace) -> None:
    if actor is None:
        return
    membership = Membership.objects.filter(workspace=workspace, user=actor).first()
    if membership is None or not membership.can(Perm.CONTACTS_IMPORT):
        raise PermissionDenied(_("Your role does not allow importing orders."))


@contextmanager
def _file_rows(content: bytes, scan: UploadScan) -> Iterator[Iterator[SheetRow]]:
    with open_table(io.BytesIO(content), scan.file_format) as table:
        next(table, None)  # the header
        yield data_rows(table, width=len(scan.headers))


@dataclass(frozen=True, slots=True)
class _Imported:
    contact_id: int
    purchased_on: dt.date
    amount: Decimal


def _existing_refs(workspace: Workspace, orders: list[_Order]) -> dict[str, _Imported]:
    """The purchases of this batch imported before, by ``source_ref``."""
    rows = Purchase.objects.filter(
        workspace=workspace, source=PurchaseSource.IMPORT, source_ref__in=[o.source_ref for o in orders]
    ).values_list("source_ref", "contact_id", "purchased_on", "amount")
    return {ref: _Imported(contact_id, day, amount) for ref, contact_id, day, amount in rows}


def _check_imported(order: _Order, imported: _Imported, problems: _Problems) -> None:
    """An order number imported before must be the same order: another date or amount means
    another order under a number already taken (two old systems numbering alike)."""
    first = order.first
    if not first.order_number:
        return  # the hash covers date and amount already
    if imported.purchased_on != first.purchased_on or imported.amount != order.amount:
        problems.add(
            first.row,
            ORDER_NUMBER,
            _(
                "Order %(order)s was imported before with the date %(date)s and the amount %(amount)s. "
                "Imported orders are not changed; if this is another order, give it another number."
            )
            % {
                "order": first.order_number,
                "date": imported.purchased_on.strftime("%d/%m/%Y"),
                "amount": format_rupiah(imported.amount, cents=imported.amount % 1 != 0),
            },
        )


ReaderFactory = Callable[[], tuple[_Problems, _OrderReader]]


def _check_pass(
    *,
    workspace: Workspace,
    content: bytes,
    scan: UploadScan,
    make_reader: ReaderFactory,
    customers: _Customers,
) -> tuple[_Problems, _Tally]:
    """Read every row and write nothing: the problems, and what the import would do."""
    problems, reader = make_reader()
    tally = _Tally(rows_total=scan.total_rows)
    with _file_rows(content, scan) as rows:
        for batch in batched(reader.orders(rows), BATCH_SIZE):
            customers.prefetch(batch)
            existing = _existing_refs(workspace, batch)
            for order in batch:
                imported = existing.get(order.source_ref)
                if imported is not None:
                    _check_imported(order, imported, problems)
                    customers.remember(order.first, imported.contact_id)
                    tally.rows_skipped += order.rows
                    tally.imported_before.add(order.source_ref)
                elif customers.resolve(order.first, problems) is not None:
                    tally.rows_imported += order.rows
    return problems, tally


def _write_pass(
    *,
    workspace: Workspace,
    actor: User | None,
    content: bytes,
    scan: UploadScan,
    make_reader: ReaderFactory,
    customers: _Customers,
    imported_before: set[str],
) -> _Tally:
    """Read the rows again and write the purchases, a batch at a time. What was imported
    before is known from the first pass: no lookup here, so the writes never read the rows
    they have just added (a table growing inside one transaction has no statistics yet)."""
    problems, reader = make_reader()
    tally = _Tally(rows_total=scan.total_rows)
    touched: set[int] = set()  # customers whose purchase totals change
    with _file_rows(content, scan) as rows:
        for batch in batched(reader.orders(rows), BATCH_SIZE):
            purchases = []
            for order in batch:
                if order.source_ref in imported_before:
                    tally.rows_skipped += order.rows
                    continue
                owner = customers.resolve(order.first, problems)
                if owner is None or problems.rows:  # checked in the first pass: changed since
                    raise Conflict(
                        _("The customers changed while the file was imported. Import the file again."),
                        code="import_changed",
                    )
                if isinstance(owner, tuple):
                    owner, created = customers.contact_for(owner, actor=actor)
                    tally.contacts_created += created
                first = order.first
                assert first.purchased_on is not None  # a first line has its date
                purchases.append(
                    Purchase(
                        workspace=workspace,
                        contact_id=owner,
                        purchased_on=first.purchased_on,
                        amount=order.amount,
                        discount=order.discount,
                        category=order.category,
                        source=PurchaseSource.IMPORT,
                        source_ref=order.source_ref,
                    )
                )
                tally.rows_imported += order.rows
            try:
                with transaction.atomic():
                    Purchase.objects.bulk_create(purchases)
            except IntegrityError as error:
                raise Conflict(
                    _(
                        "Another import of the same orders ran at the same time. Import the file again: "
                        "the orders already imported will be skipped."
                    ),
                    code="import_concurrent",
                ) from error
            tally.purchases += len(purchases)
            touched.update(purchase.contact_id for purchase in purchases)
    purchase_totals_rebuild(workspace=workspace, contact_ids=touched)
    return tally


@transaction.atomic
def purchase_import(
    *, workspace: Workspace, actor: User | None, file_name: str, content: bytes
) -> PurchaseImport:
    """Import past orders from a CSV or XLSX file (see the module docstring).

    Returns the ``PurchaseImport``: saved with its counts when the rows were imported;
    unsaved, with ``errors`` (``[{"row", "field", "column", "message"}]``, at most
    ``MAX_ERRORS`` and a line saying how many more) and nothing written when any row has a
    problem. A file that cannot be read, or lacks the date, amount or customer columns,
    raises ``ValidationError`` (``fields["file"]``). Purchases count in the numbers from the
    next metrics refresh, which is queued after commit."""
    _check_can_import(actor=actor, workspace=workspace)
    scan = upload_scan(
        ContentFile(content, name=file_name or "orders.csv"),
        max_bytes=int(settings.RELASI_IMPORT_MAX_BYTES),
        example_columns="Tanggal, Pelanggan, No HP, Jumlah",
        no_rows_message=_("The file has column names but no orders under them. Add one order per row."),
    )
    columns = purchase_import_columns(workspace=workspace, headers=scan.headers)
    _columns_check(columns, scan.headers)
    lines = _LineReader(
        columns=columns,
        width=len(scan.headers),
        spreadsheet=scan.file_format == "xlsx",
        today=timezone.localdate(),
    )

    def make_reader() -> tuple[_Problems, _OrderReader]:
        problems = _Problems(scan.headers, columns)
        return problems, _OrderReader(lines=lines, problems=problems)

    customers = _Customers(workspace=workspace)
    record = PurchaseImport(workspace=workspace, file_name=scan.name[:200], created_by=actor)
    problems, planned = _check_pass(
        workspace=workspace, content=content, scan=scan, make_reader=make_reader, customers=customers
    )
    record.rows_total = planned.rows_total
    if problems.rows:
        record.errors = problems.result()
        return record  # unsaved: nothing is written
    tally = _write_pass(
        workspace=workspace,
        actor=actor,
        content=content,
        scan=scan,
        make_reader=make_reader,
        customers=customers,
        imported_before=planned.imported_before,
    )
    record.rows_imported = tally.rows_imported
    record.rows_skipped = tally.rows_skipped
    record.save()
    audit_record(
        action=AuditAction.IMPORT,
        actor=actor,
        workspace=workspace,
        instance=record,
        changes={
            "file_name": record.file_name,
            "rows_total": record.rows_total,
            "rows_imported": record.rows_imported,
            "rows_skipped": record.rows_skipped,
            "purchases": tally.purchases,
            "contacts_created": tally.contacts_created,
        },
    )
    if tally.purchases:
        workspace_id = workspace.pk
        transaction.on_commit(lambda: current_app.send_task(REFRESH_TASK_NAME, args=[workspace_id]))
    return record


# Reads and the template file ----------------------------------------------------------------


def purchase_import_list(*, workspace: Workspace, limit: int = 10) -> list[PurchaseImport]:
    """The latest imports of the workspace, newest first."""
    return list(
        PurchaseImport.objects.filter(workspace=workspace)
        .select_related("created_by")
        .order_by("-id")[:limit]
    )


def purchase_import_get(*, workspace: Workspace, import_id: int) -> PurchaseImport | None:
    return (
        PurchaseImport.objects.filter(workspace=workspace, pk=import_id).select_related("created_by").first()
    )


def template_headers() -> list[str]:
    """The template's column names in the active language (Indonesian unless English)."""
    return TEMPLATE_HEADERS.get((get_language() or "id")[:2], TEMPLATE_HEADERS["id"])


def purchase_import_template_csv() -> str:
    """A CSV to fill in: the column names (Indonesian, or English for an English reader) and
    example rows in the accepted formats. Starts with a BOM so Excel reads it as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(template_headers())
    writer.writerows(_TEMPLATE_ROWS)
    return "\ufeff" + buffer.getvalue()
