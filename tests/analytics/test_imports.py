"""Importing historical orders (analytics/imports.py and its page): columns in Bahasa
Indonesia and English, CSV and XLSX, Indonesian amounts and dates, customers found or
created, orders of several lines, all or nothing with every problem listed, idempotent
re-imports, and the import feeding the metrics."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import include, path
from django.utils import timezone, translation

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.analytics import urls as analytics_urls
from relasi.analytics import urls_import
from relasi.analytics.enums import PurchaseSource
from relasi.analytics.imports import purchase_import, purchase_import_template_csv
from relasi.analytics.models import CustomerMetrics, Purchase, PurchaseImport
from relasi.analytics.refresh import metrics_refresh
from relasi.config import urls as project_urls
from relasi.contacts.enums import Source
from relasi.contacts.models import Contact
from relasi.core.exceptions import PermissionDenied, ValidationError
from relasi.core.models import AuditAction, AuditLog
from tests.contacts.spreadsheets import csv_bytes, install_catalog, xlsx_bytes
from tests.factories import ContactFactory

# The import pages under the "analytics" namespace, first so they win until analytics/urls.py
# includes them itself.
urlpatterns = [
    path("", include((analytics_urls.urlpatterns + urls_import.urlpatterns, "analytics"))),
    *project_urls.urlpatterns,
]

pytestmark = pytest.mark.urls(__name__)

HEADER = ["No Pesanan", "Tanggal", "Pelanggan", "No HP", "Email", "Jumlah", "Diskon", "Kategori"]


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages are compared in English; one test checks Bahasa Indonesia."""
    with translation.override("en"):
        yield


@pytest.fixture
def owner(workspace: Workspace, make_member: Callable[..., User]) -> User:
    return make_member(workspace, Role.OWNER, email="pemilik@hero.test", language="en")


@pytest.fixture
def siti(workspace: Workspace) -> Contact:
    return ContactFactory(workspace=workspace, full_name="Siti Aminah", phone="+6281234567890", email="")


@pytest.fixture
def ani(workspace: Workspace) -> Contact:
    return ContactFactory(workspace=workspace, full_name="Ani", phone="", email="ani@contoh.co.id")


def _import(workspace: Workspace, actor: User | None, rows: list[list[Any]], **kwargs: Any) -> PurchaseImport:
    name = kwargs.pop("name", "pesanan.csv")
    content = xlsx_bytes(rows) if name.endswith(".xlsx") else csv_bytes(rows, **kwargs)
    return purchase_import(workspace=workspace, actor=actor, file_name=name, content=content)


def _purchases(workspace: Workspace) -> list[tuple[Any, ...]]:
    return list(
        Purchase.objects.filter(workspace=workspace)
        .order_by("purchased_on", "id")
        .values_list("contact__full_name", "purchased_on", "amount", "discount", "category", "source")
    )


# Reading a file ------------------------------------------------------------------------------


def test_indonesian_file_finds_customers_by_phone_and_email_and_creates_the_rest(
    workspace: Workspace, owner: User, siti: Contact, ani: Contact
) -> None:
    # given an Indonesian Excel CSV (semicolons) with every accepted form of date and amount
    rows = [
        HEADER,
        ["INV-1", "31/01/2024", "Siti", "0812-3456-7890", "", "1.250.000", "", "Hampers"],
        ["INV-2", "2024-02-15", "", "", "ANI@Contoh.co.id", "275000,50", "25.000", "Kue"],
        ["", "3 Maret 2024", "Budi Santoso", "", "", "Rp 50.000,-", "", ""],
        ["", "14-04-2024", "budi  santoso", "", "", "1250000.50", "", "Kue"],
        ["", "Senin, 6 Mei 2024", "Dewi", "+62 857 1111 2222", "", "100000", "0", ""],
        ["", "7 Agt 2024 10:15", "", "0857-1111-2222", "", "Rp200.000", "", ""],
    ]

    # when
    result = _import(workspace, owner, rows, delimiter=";")

    # then everything is imported, for the customers the rows name
    assert result.pk is not None
    assert result.errors == []
    assert (result.rows_total, result.rows_imported, result.rows_skipped) == (6, 6, 0)
    budi = Contact.objects.get(workspace=workspace, full_name="Budi Santoso")
    dewi = Contact.objects.get(workspace=workspace, full_name="Dewi")
    assert (budi.source, budi.phone, budi.created_by) == (Source.IMPORT, "", owner)
    assert dewi.phone == "+6285711112222"
    assert Contact.objects.filter(workspace=workspace).count() == 4  # Siti, Ani + Budi, Dewi
    imported = PurchaseSource.IMPORT
    assert _purchases(workspace) == [
        ("Siti Aminah", dt.date(2024, 1, 31), Decimal("1250000.00"), Decimal("0.00"), "Hampers", imported),
        ("Ani", dt.date(2024, 2, 15), Decimal("275000.50"), Decimal("25000.00"), "Kue", imported),
        ("Budi Santoso", dt.date(2024, 3, 3), Decimal("50000.00"), Decimal("0.00"), "", imported),
        ("Budi Santoso", dt.date(2024, 4, 14), Decimal("1250000.50"), Decimal("0.00"), "Kue", imported),
        ("Dewi", dt.date(2024, 5, 6), Decimal("100000.00"), Decimal("0.00"), "", imported),
        ("Dewi", dt.date(2024, 8, 7), Decimal("200000.00"), Decimal("0.00"), "", imported),
    ]
    assert Purchase.objects.get(purchased_on=dt.date(2024, 1, 31)).source_ref == "INV-1"
    entry = AuditLog.objects.get(action=AuditAction.IMPORT, object_id=str(result.pk))
    assert entry.changes["contacts_created"] == 2
    assert entry.changes["purchases"] == 6


def test_english_xlsx_with_numbers_and_dates_as_spreadsheet_cells(workspace: Workspace, owner: User) -> None:
    cell_time = dt.datetime(2023, 11, 5, 14, 30)  # noqa: DTZ001 - a spreadsheet cell has no zone
    rows = [
        ["Order number", "Date", "Customer name", "Phone", "Amount", "Discount", "Product"],
        ["A-1", cell_time, "Rina", 81299990000, 1250000.5, 0, "Batik"],
        ["A-2", dt.date(2023, 12, 24), "Rina", "081299990000", 275000, 12500, "Kain"],
        ["A-3", "January 7, 2024", "Rina", "+62 812 9999 0000", 99000, None, None],
    ]
    result = _import(workspace, owner, rows, name="orders.xlsx")
    assert result.errors == []
    assert result.rows_imported == 3
    assert _purchases(workspace) == [
        ("Rina", dt.date(2023, 11, 5), Decimal("1250000.50"), Decimal("0.00"), "Batik", "import"),
        ("Rina", dt.date(2023, 12, 24), Decimal("275000.00"), Decimal("12500.00"), "Kain", "import"),
        ("Rina", dt.date(2024, 1, 7), Decimal("99000.00"), Decimal("0.00"), "", "import"),
    ]
    # one customer: the second row finds her by the phone the first row gave
    assert Contact.objects.filter(workspace=workspace, full_name="Rina").count() == 1


def test_lines_next_to_each_other_with_one_order_number_are_one_purchase(
    workspace: Workspace, owner: User, siti: Contact
) -> None:
    rows = [
        ["Invoice", "Tgl", "No WA", "Total", "Potongan", "Kategori"],
        ["INV-7", "01/06/2024", "081234567890", "100.000", "5.000", "Kain"],
        ["INV-7", "", "", "250.000", "", "Batik"],  # continuation: customer and date left empty
        ["INV-7", "01/06/2024", "0812 3456 7890", "50.000", "1.000", "Benang"],
        ["INV-8", "02/06/2024", "081234567890", "75.000", "", ""],
    ]
    result = _import(workspace, owner, rows)
    assert (result.rows_total, result.rows_imported) == (4, 4)
    assert _purchases(workspace) == [
        # 100.000 + 250.000 + 50.000; discounts 5.000 + 1.000; category of the largest line
        ("Siti Aminah", dt.date(2024, 6, 1), Decimal("400000.00"), Decimal("6000.00"), "Batik", "import"),
        ("Siti Aminah", dt.date(2024, 6, 2), Decimal("75000.00"), Decimal("0.00"), "", "import"),
    ]


def test_customer_id_column_and_a_merged_customer(
    workspace: Workspace, other_workspace: Workspace, owner: User, siti: Contact
) -> None:
    merged = ContactFactory(workspace=workspace, full_name="Siti (lama)", merged_into=siti)
    stranger = ContactFactory(workspace=other_workspace)
    rows = [
        ["ID Pelanggan", "Tanggal", "Jumlah"],
        [str(siti.pk), "01/02/2024", "10.000"],
        [str(merged.pk), "02/02/2024", "20.000"],
    ]
    result = _import(workspace, owner, rows)
    assert result.errors == []
    assert [p[0] for p in _purchases(workspace)] == ["Siti Aminah", "Siti Aminah"]
    # a customer of another workspace is not found
    bad = _import(
        workspace, owner, [["ID Pelanggan", "Tanggal", "Jumlah"], [str(stranger.pk), "01/02/2024", "5"]]
    )
    assert bad.errors == [
        {
            "row": 2,
            "field": "contact_id",
            "column": "ID Pelanggan",
            "message": f"There is no customer with id {stranger.pk} in this workspace.",
        }
    ]


def test_a_phone_known_only_in_another_workspace_creates_a_customer_here(
    workspace: Workspace, other_workspace: Workspace, owner: User
) -> None:
    ContactFactory(workspace=other_workspace, phone="+6281311112222")
    result = _import(
        workspace,
        owner,
        [["Pelanggan", "No HP", "Tanggal", "Jumlah"], ["Yudi", "0813-1111-2222", "01/01/2024", "1000"]],
    )
    assert result.errors == []
    assert Purchase.objects.get(workspace=workspace).contact.workspace == workspace
    assert Contact.objects.get(workspace=workspace, phone="+6281311112222").full_name == "Yudi"


# All or nothing ------------------------------------------------------------------------------


def test_any_problem_imports_nothing_and_lists_every_problem(
    workspace: Workspace, owner: User, siti: Contact
) -> None:
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    rows = [
        HEADER,
        ["", "31/01/2024", "Baru Sekali", "", "", "100.000", "", ""],  # fine, but would create a customer
        ["", "31/02/2024", "Siti", "081234567890", "", "100.000", "", ""],
        ["", "12/31/2024", "Siti", "081234567890", "", "100.000", "", ""],
        ["", "01/01/2024", "Siti", "081234567890", "", "12.5", "10%", ""],
        ["", "01/01/2024", "Siti", "081234567890", "", "-5.000", "", ""],
        ["", tomorrow.strftime("%d/%m/%Y"), "Siti", "081234567890", "", "1.000", "", ""],
        ["", "01/01/2024", "", "0813-9999-0000", "", "1.000", "", ""],
        ["", "01/01/2024", "Agus", "12345", "agus@", "1.000", "", ""],
        ["", "01/01/2024", "", "", "", "1.000", "", ""],
        ["", "", "Siti", "081234567890", "", "", "", ""],
        ["INV-1", "01/01/2024", "Siti", "081234567890", "", "1.000", "", ""],
        ["INV-2", "01/01/2024", "Siti", "081234567890", "", "1.000", "", ""],
        ["INV-1", "01/01/2024", "Siti", "081234567890", "", "1.000", "", ""],
        ["INV-3", "01/01/2024", "Siti", "081234567890", "", "1.000", "", ""],
        ["INV-3", "02/01/2024", "Siti", "081234567890", "", "1.000", "", ""],
    ]
    contacts_before = Contact.objects.count()

    result = _import(workspace, owner, rows)

    assert result.pk is None
    assert Purchase.objects.count() == 0
    assert Contact.objects.count() == contacts_before  # "Baru Sekali" was not created either
    assert PurchaseImport.objects.count() == 0
    assert result.rows_total == 15
    found = [(e["row"], e["field"], e["column"], e["message"]) for e in result.errors]
    date_fix = "Write it as 31/01/2024, 2024-01-31 or 31 Januari 2024 (day before month, four-digit year)."
    assert found == [
        (3, "date", "Tanggal", f"'31/02/2024' is not a date. {date_fix}"),
        (4, "date", "Tanggal", f"'12/31/2024' is not a date. {date_fix}"),
        (
            5,
            "amount",
            "Jumlah",
            "'12.5' is not an amount. Write it like 1.250.000 or 1250000,50 (a comma before the cents).",
        ),
        (5, "discount", "Diskon", "Write the discount in rupiah (e.g. 25.000), not as a percentage."),
        (6, "amount", "Jumlah", "The amount must be more than 0. Leave out cancelled and returned orders."),
        (
            7,
            "date",
            "Tanggal",
            f"{tomorrow.strftime('%d/%m/%Y')} is after today. Historical orders lie in the past: check the "
            "day, the month (day comes first) and the year.",
        ),
        (
            8,
            "phone",
            "No HP",
            "No customer has the phone number 0813-9999-0000. Add the customer's name in the row to create "
            "a new customer, or correct the number.",
        ),
        (
            9,
            "phone",
            "No HP",
            "'12345' is not a valid phone number. Type it like 0812-3456-7890 or +62 812 3456 7890.",
        ),
        (9, "email", "Email", "'agus@' is not an e-mail address. Type it like nama@contoh.co.id."),
        (
            10,
            "customer",
            "Pelanggan",
            "The customer is empty. Give a name, a phone number, an e-mail or a customer id.",
        ),
        (11, "amount", "Jumlah", "The amount is empty. Write what the customer paid, e.g. 1.250.000."),
        (11, "date", "Tanggal", "The order date is empty. Write it as 31/01/2024."),
        (
            14,
            "order_number",
            "No Pesanan",
            "Order INV-1 already appeared at row 12. Put all the lines of one order next to each other.",
        ),
        (
            16,
            "order_number",
            "No Pesanan",
            "Order INV-3 started at row 15 on another date. Give each order one date, or give these lines "
            "another order number.",
        ),
    ]


def test_problems_come_in_the_users_language(
    settings: Any, tmp_path: Path, workspace: Workspace, owner: User
) -> None:
    install_catalog(
        settings,
        tmp_path / "locale",
        "id",
        {
            "The amount is empty. Write what the customer paid, e.g. 1.250.000.": (
                "Jumlah kosong. Tulis yang dibayar pelanggan, mis. 1.250.000."
            )
        },
    )
    with translation.override("id"):
        result = _import(workspace, owner, [["Pelanggan", "Tanggal", "Jumlah"], ["Budi", "01/01/2024", ""]])
    assert result.errors[0]["message"] == "Jumlah kosong. Tulis yang dibayar pelanggan, mis. 1.250.000."


def test_only_the_first_thousand_problems_are_listed_and_the_rest_counted(
    workspace: Workspace, owner: User
) -> None:
    rows = [["Pelanggan", "Tanggal", "Jumlah"]] + [["Budi", "01/01/2024", "x"] for _ in range(1005)]
    result = _import(workspace, owner, rows)
    assert len(result.errors) == 1001
    assert result.errors[-1]["row"] is None
    assert result.errors[-1]["message"].startswith("5 more rows have problems that are not listed.")


def test_missing_columns_are_named(workspace: Workspace, owner: User) -> None:
    with pytest.raises(ValidationError) as caught:
        _import(workspace, owner, [["Nama", "Kota"], ["Budi", "Bandung"]])
    assert set(caught.value.fields) == {"file", "date", "amount"}
    assert "Columns found: Nama, Kota." in str(caught.value.message)
    with pytest.raises(ValidationError) as caught:
        _import(workspace, owner, [["Tanggal", "Total", "Kota"], ["01/01/2024", "1", "Bandung"]])
    assert set(caught.value.fields) == {"file", "customer"}


def test_unreadable_files_are_refused_like_the_customer_import(workspace: Workspace, owner: User) -> None:
    with pytest.raises(ValidationError) as caught:
        purchase_import(
            workspace=workspace,
            actor=owner,
            file_name="lama.xls",
            content=b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        )
    assert "old Excel file (.xls)" in str(caught.value.fields["file"])
    with pytest.raises(ValidationError) as caught:
        purchase_import(
            workspace=workspace, actor=owner, file_name="x.csv", content=b"Tanggal,Jumlah,Pelanggan\r\n"
        )
    assert (
        caught.value.fields["file"]
        == "The file has column names but no orders under them. Add one order per row."
    )


def test_a_role_without_import_permission_is_refused(
    workspace: Workspace, make_member: Callable[..., User]
) -> None:
    viewer = make_member(workspace, Role.VIEWER)
    with pytest.raises(PermissionDenied):
        _import(workspace, viewer, [["Pelanggan", "Tanggal", "Jumlah"], ["Budi", "01/01/2024", "1000"]])
    assert Purchase.objects.count() == 0


# Idempotency -------------------------------------------------------------------------------


def test_importing_again_imports_nothing_twice_and_finds_the_customers_created_before(
    workspace: Workspace, owner: User
) -> None:
    rows = [
        ["Pelanggan", "Tanggal", "Jumlah", "Catatan"],
        ["Budi", "01/01/2024", "100.000", "ambil sendiri"],
        ["Budi", "01/01/2024", "100.000", "ambil sendiri"],  # the same twice on one day: two purchases
        ["Budi", "01/01/2024", "100.000", "diantar"],  # another column tells it apart
        ["Citra", "05/01/2024", "80.000", ""],
    ]
    first = _import(workspace, owner, rows)
    assert (first.rows_imported, first.rows_skipped) == (4, 0)
    assert Purchase.objects.count() == 4

    again = _import(workspace, owner, rows)
    assert (again.rows_total, again.rows_imported, again.rows_skipped) == (4, 0, 4)
    assert Purchase.objects.count() == 4
    assert Contact.objects.filter(workspace=workspace, full_name="Budi").count() == 1

    # a longer export, newest first: the old rows are skipped, Budi's new order joins Budi
    longer = [rows[0], ["Budi", "01/03/2024", "60.000", ""], *rows[1:], ["Dodi", "02/03/2024", "1.000", ""]]
    third = _import(workspace, owner, longer)
    assert (third.rows_imported, third.rows_skipped) == (2, 4)
    assert Contact.objects.filter(workspace=workspace, full_name="Budi").count() == 1
    budi = Contact.objects.get(workspace=workspace, full_name="Budi")
    assert Purchase.objects.filter(contact=budi).count() == 4


def test_an_order_number_imported_before_with_another_amount_is_a_problem(
    workspace: Workspace, owner: User
) -> None:
    header = ["No Invoice", "Pelanggan", "Tanggal", "Jumlah"]
    _import(workspace, owner, [header, ["F-1", "Budi", "01/01/2024", "100.000"]])
    same = _import(workspace, owner, [header, ["F-1", "Budi", "01/01/2024", "100.000"]])
    assert (same.rows_skipped, same.errors) == (1, [])
    other = _import(workspace, owner, [header, ["F-1", "Budi", "01/01/2024", "125.000"]])
    assert other.errors == [
        {
            "row": 2,
            "field": "order_number",
            "column": "No Invoice",
            "message": "Order F-1 was imported before with the date 01/01/2024 and the amount Rp100.000. "
            "Imported orders are not changed; if this is another order, give it another number.",
        }
    ]


def test_imports_of_two_workspaces_do_not_see_each_other(
    workspace: Workspace, other_workspace: Workspace, owner: User, outsider: User
) -> None:
    rows = [["No Pesanan", "Pelanggan", "Tanggal", "Jumlah"], ["INV-1", "Budi", "01/01/2024", "100.000"]]
    _import(workspace, owner, rows)
    theirs = _import(other_workspace, outsider, rows)
    assert (theirs.rows_imported, theirs.rows_skipped) == (1, 0)
    assert Purchase.objects.get(workspace=other_workspace).contact.workspace == other_workspace


# Size and the metrics -------------------------------------------------------------------------


def test_rows_are_read_and_written_in_batches(
    workspace: Workspace, owner: User, django_assert_max_num_queries: Any
) -> None:
    customers = [ContactFactory(workspace=workspace, phone=f"+62812{n:08d}") for n in range(50)]
    rows = [["Tanggal", "No HP", "Jumlah"]]
    start = dt.date(2023, 1, 1)
    for n in range(5000):
        rows.append([(start + dt.timedelta(days=n % 365)).isoformat(), f"0812{n % 50:08d}", str(1000 + n)])
    content = csv_bytes(rows)
    # 5 batches × existing refs on the check (+ 1 customer lookup), 5 × (refs + savepoint + the
    # INSERTs: one on PostgreSQL, 9 on SQLite, which Django limits to 999 parameters a query) on
    # the write, a few fixed queries and the customers' totals updated once: nothing per row.
    with django_assert_max_num_queries(82):
        result = purchase_import(workspace=workspace, actor=owner, file_name="besar.csv", content=content)
    assert result.rows_imported == 5000
    assert Purchase.objects.filter(contact=customers[7]).count() == 100


def test_imported_history_gives_the_textbook_clv(workspace: Workspace, owner: User) -> None:
    """Rp275.000 twice a month: the last 12 months hold 24 purchases; × 3 years = Rp19.800.000."""
    rows = [["Tanggal", "Pelanggan", "No HP", "Jumlah"]]
    for year, month in [(2024, m) for m in range(7, 13)] + [(2025, m) for m in range(1, 13)]:
        for day in (5, 19):
            rows.append([f"{day:02d}/{month:02d}/{year}", "Elok Pratiwi", "0812-5555-0001", "275.000"])
    result = _import(workspace, owner, rows)
    assert result.rows_imported == 36  # 18 months; the 12 before 31/12/2025 hold 24
    metrics_refresh(workspace=workspace, as_of=dt.date(2025, 12, 31))
    elok = CustomerMetrics.objects.get(contact__full_name="Elok Pratiwi")
    assert (elok.orders_last_year, elok.average_sale, elok.purchases_per_year) == (
        24,
        Decimal("275000"),
        Decimal("24"),
    )
    assert elok.simple_clv == Decimal("19800000")


def test_a_successful_import_queues_a_refresh(
    workspace: Workspace, owner: User, django_capture_on_commit_callbacks: Any
) -> None:
    rows = [["Pelanggan", "Tanggal", "Jumlah"], ["Budi", "01/01/2024", "1000"]]
    with django_capture_on_commit_callbacks() as callbacks:
        _import(workspace, owner, rows)
    assert len(callbacks) == 1
    with django_capture_on_commit_callbacks() as callbacks:
        _import(workspace, owner, [*rows, ["Budi", "", "1000"]])  # a problem: nothing to refresh
    assert callbacks == []


# The page -------------------------------------------------------------------------------------


def _url(workspace: Workspace, suffix: str = "") -> str:
    return f"/w/{workspace.slug}/analitik/impor/{suffix}"


def test_page_imports_a_file_and_shows_the_result(
    workspace: Workspace, owner: User, client_as: Callable[[User], Client]
) -> None:
    client = client_as(owner)
    page = client.get(_url(workspace))
    assert page.status_code == 200
    assert b'data-testid="import-form"' in page.content
    upload = SimpleUploadedFile(
        "riwayat.csv", csv_bytes([["Pelanggan", "Tanggal", "Jumlah"], ["Budi", "01/01/2024", "1.000"]])
    )
    response = client.post(_url(workspace), {"file": upload})
    record = PurchaseImport.objects.get(workspace=workspace)
    assert response.status_code == 302
    assert response["Location"] == _url(workspace, f"{record.pk}/")
    result = client.get(response["Location"])
    assert result.status_code == 200
    html = result.content.decode()
    assert 'data-testid="rows-imported">1<' in html
    assert "riwayat.csv" in html


def test_page_lists_the_rows_to_fix_and_imports_nothing(
    workspace: Workspace, owner: User, client_as: Callable[[User], Client]
) -> None:
    upload = SimpleUploadedFile(
        "riwayat.csv",
        csv_bytes(
            [["Pelanggan", "Tanggal", "Jumlah"], ["Budi", "01/01/2024", "1.000"], ["Budi", "kemarin", "1"]]
        ),
    )
    response = client_as(owner).post(_url(workspace), {"file": upload})
    assert response.status_code == 400
    html = response.content.decode()
    assert html.count('data-testid="error-row"') == 1
    assert "&#x27;kemarin&#x27; is not a date." in html
    assert Purchase.objects.count() == 0


def test_page_reports_a_file_it_cannot_read(
    workspace: Workspace, owner: User, client_as: Callable[[User], Client]
) -> None:
    upload = SimpleUploadedFile("a.csv", csv_bytes([["Nama", "Kota"], ["Budi", "Bandung"]]))
    response = client_as(owner).post(_url(workspace), {"file": upload})
    assert response.status_code == 400
    assert "Some columns are missing" in response.content.decode()


def test_page_needs_the_import_permission_and_hides_other_workspaces_imports(
    workspace: Workspace,
    other_workspace: Workspace,
    owner: User,
    outsider: User,
    make_member: Callable[..., User],
    client_as: Callable[[User], Client],
) -> None:
    viewer = make_member(workspace, Role.VIEWER)
    assert client_as(viewer).get(_url(workspace)).status_code == 403
    theirs = _import(
        other_workspace, outsider, [["Pelanggan", "Tanggal", "Jumlah"], ["X", "01/01/2024", "1"]]
    )
    assert client_as(owner).get(_url(workspace, f"{theirs.pk}/")).status_code == 404


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_template_file_imports_cleanly(
    language: str, workspace: Workspace, owner: User, client_as: Callable[[User], Client]
) -> None:
    owner.language = language
    owner.save()
    response = client_as(owner).get(_url(workspace, "template.csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    content = response.content
    assert content.startswith("\ufeff".encode())
    with translation.override(language):
        assert content.decode("utf-8") == purchase_import_template_csv()
    result = purchase_import(workspace=workspace, actor=owner, file_name="template.csv", content=content)
    assert result.errors == []
    assert (result.rows_total, result.rows_imported) == (4, 4)
    elok = Contact.objects.get(workspace=workspace, full_name="Elok Pratiwi")
    assert list(
        Purchase.objects.filter(contact=elok).order_by("purchased_on").values_list("amount", "discount")
    ) == [
        (Decimal("275000.00"), Decimal("0.00")),
        (Decimal("275000.00"), Decimal("25000.00")),
    ]
    assert Purchase.objects.get(source_ref="INV-2023-0003").amount == Decimal("1250000.50")
