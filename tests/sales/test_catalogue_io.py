"""Catalogue export (CSV with BOM, XLSX, formulas neutralised) and import (upload → mapping
with Indonesian/English column names → dry run with per-row errors → all-or-nothing confirm)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from relasi.accounts.models import User, Workspace
from relasi.core.exceptions import ValidationError
from relasi.sales import product_io
from relasi.sales.models import Product
from relasi.sales.selectors_catalogue import ProductFilters
from tests.contacts.spreadsheets import csv_upload, read_csv, read_xlsx, xlsx_upload


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> Iterator[None]:
    settings.MEDIA_ROOT = str(tmp_path)
    with translation.override("en"):
        yield


HEADER = ["SKU", "Name", "Description", "Kind", "Unit", "Price", "Tax treatment", "DJP goods/services code",
          "DJP unit code", "Active"]  # fmt: skip


# Export --------------------------------------------------------------------------------------


def test_csv_export_has_bom_header_and_neutralised_formulas(workspace: Workspace, product: Product) -> None:
    Product.objects.create(
        workspace=workspace, sku="=HYPERLINK(1)", name="@SUM(A1)", price=Decimal("1250000.50"), kind="service"
    )
    content = "".join(product_io.product_export_csv(workspace=workspace, filters=ProductFilters())).encode()
    rows = read_csv(content)  # asserts the BOM
    assert rows[0] == HEADER
    assert rows[1][:2] == ["'=HYPERLINK(1)", "'@SUM(A1)"]
    assert rows[1][3] == "Service"
    assert rows[1][5] == "1250000,50"
    assert rows[2][0] == "HMP-001"
    assert rows[2][5] == "1000000"
    assert rows[2][9] == "yes"


def test_xlsx_export_prices_are_numbers_and_formulas_text(workspace: Workspace, product: Product) -> None:
    Product.objects.create(workspace=workspace, sku="=1+1", name="Aman", price=5)
    output = product_io.product_export_xlsx(workspace=workspace, filters=ProductFilters(q="aman"))
    rows = read_xlsx(output.read())
    assert rows[0] == HEADER
    assert len(rows) == 2
    assert rows[1][0] == "'=1+1"
    assert rows[1][5] == 5


def test_export_view_streams_the_filtered_list(
    owner: User,
    workspace: Workspace,
    client_as: Callable[[User], Client],
    product: Product,
    service_product: Product,
) -> None:
    response = client_as(owner).get(
        reverse("sales:product_export", args=[workspace.slug]), {"format": "csv", "kind": "service"}
    )
    assert response.status_code == 200
    content = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    skus = [row[0] for row in read_csv(content)[1:]]
    assert skus == ["JSA-001"]
    xlsx = client_as(owner).get(reverse("sales:product_export", args=[workspace.slug]), {"format": "xlsx"})
    assert xlsx.status_code == 200


# Import --------------------------------------------------------------------------------------


def test_mapping_suggests_indonesian_and_english_names() -> None:
    assert product_io.product_import_suggest(
        headers=["Kode Barang", "Nama Produk", "Satuan", "Harga Jual (Rp)", "Keterangan", "Lain"]
    ) == {
        "Kode Barang": "sku",
        "Nama Produk": "name",
        "Satuan": "unit",
        "Harga Jual (Rp)": "price",
        "Keterangan": "description",
    }
    assert product_io.product_import_suggest(headers=HEADER) == dict(
        zip(HEADER, [name for name, _label in product_io.IMPORT_TARGETS], strict=True)
    )


def _store(workspace: Workspace, rows: list[list[Any]], *, xlsx: bool = False) -> product_io.ImportUpload:
    upload = xlsx_upload(rows, name="produk.xlsx") if xlsx else csv_upload(rows, name="produk.csv")
    return product_io.product_import_store(workspace=workspace, uploaded_file=upload)


def _args(upload: product_io.ImportUpload, workspace: Workspace) -> dict[str, Any]:
    return {
        "workspace": workspace,
        "token": upload.token,
        "file_format": upload.file_format,
        "headers": upload.headers,
        "mapping": upload.mapping,
    }


def test_dry_run_lists_row_errors_and_confirm_writes_nothing(
    owner: User, workspace: Workspace, product: Product
) -> None:
    upload = _store(
        workspace,
        [
            ["Kode", "Nama", "Satuan", "Harga", "Jenis"],
            ["KOP-1", "Kopi", "pcs", "85.000", "barang"],
            ["KOP-2", "", "pcs", "1,250.000", "jasa"],
            ["KOP-1", "Kopi lagi", "pcs", "1000", "barang"],
            ["KOP-3", "Teh", "pcs", "-5", "mainan"],
        ],
    )
    report = product_io.product_import_check(**_args(upload, workspace))
    found = {(e.row, e.field) for e in report.errors}
    assert found == {(3, "name"), (3, "price"), (4, "sku"), (5, "kind"), (5, "price")}
    price_error = next(e for e in report.errors if (e.row, e.field) == (3, "price"))
    assert price_error.column == "Harga"
    assert "full stops between thousands" in price_error.message
    with pytest.raises(ValidationError):
        product_io.product_import_confirm(actor=owner, **_args(upload, workspace))
    assert list(Product.objects.values_list("sku", flat=True)) == ["HMP-001"]


def test_confirm_creates_and_updates_by_sku_in_one_go(
    owner: User, workspace: Workspace, product: Product
) -> None:
    upload = _store(
        workspace,
        [
            ["SKU", "Nama", "Satuan", "Harga", "Pajak", "Aktif"],
            ["hmp-001", "Parsel Premium 2027", "", "1.100.000", "", ""],
            ["JSA-9", "Desain Logo", "jam", "250000", "bebas", "ya"],
        ],
    )
    report = product_io.product_import_check(**_args(upload, workspace))
    assert report.ok
    assert (report.creates, report.updates) == (1, 1)
    product_io.product_import_confirm(actor=owner, **_args(upload, workspace))
    product.refresh_from_db()
    assert product.sku == "HMP-001"  # matched case-insensitively, stored spelling kept
    assert product.name == "Parsel Premium 2027"
    assert product.price == Decimal("1100000")
    assert product.unit == "paket"  # an empty cell leaves the value
    new = Product.objects.get(workspace=workspace, sku="JSA-9")
    assert (new.unit, new.price, new.tax_treatment) == ("jam", Decimal("250000"), "exempt")


def test_xlsx_numbers_are_read_as_prices(owner: User, workspace: Workspace) -> None:
    upload = _store(
        workspace, [["Kode", "Nama", "Harga"], ["A-1", "Apel", 12500.5], ["A-2", "Anggur", 30000]], xlsx=True
    )
    product_io.product_import_confirm(actor=owner, **_args(upload, workspace))
    assert dict(Product.objects.values_list("sku", "price")) == {
        "A-1": Decimal("12500.50"),
        "A-2": Decimal("30000"),
    }


def test_mapping_without_sku_is_refused(workspace: Workspace) -> None:
    upload = _store(workspace, [["Nama", "Harga"], ["Apel", "1000"]])
    with pytest.raises(ValidationError) as err:
        product_io.product_import_check(**_args(upload, workspace))
    assert "mapping" in err.value.fields


def test_another_workspace_cannot_use_the_token(workspace: Workspace, other_workspace: Workspace) -> None:
    upload = _store(workspace, [["Kode", "Nama", "Harga"], ["A-1", "Apel", "1000"]])
    with pytest.raises(ValidationError) as err:
        product_io.product_import_check(**{**_args(upload, workspace), "workspace": other_workspace})
    assert err.value.code == "invalid_file"


def test_import_pages_upload_review_confirm(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client]
) -> None:
    client = client_as(owner)
    slug = workspace.slug
    upload = csv_upload(
        [["Kode", "Nama", "Harga"], ["A-1", "Apel", "1.000"], ["A-2", "", "2.000"]], name="p.csv"
    )
    response = client.post(reverse("sales:product_import", args=[slug]), {"file": upload})
    assert response.status_code == 302
    review = client.get(
        reverse("sales:product_import_review", args=[slug]), headers={"Accept-Language": "en"}
    )
    assert review.status_code == 200
    assert review.context["report"].errors[0].row == 3
    assert "import-errors" in review.content.decode()
    refused = client.post(
        reverse("sales:product_import_review", args=[slug]),
        {"col_0": "sku", "col_1": "name", "col_2": "price", "action": "confirm"},
    )
    assert refused.status_code == 400
    assert not Product.objects.exists()
    # A corrected file replaces the first upload and imports.
    client.post(
        reverse("sales:product_import", args=[slug]),
        {"file": csv_upload([["Kode", "Nama", "Harga"], ["A-1", "Apel", "1.000"]], name="p.csv")},
    )
    done = client.post(
        reverse("sales:product_import_review", args=[slug]),
        {"col_0": "sku", "col_1": "name", "col_2": "price", "action": "confirm"},
    )
    assert done.status_code == 302
    assert Product.objects.get(workspace=workspace, sku="A-1").price == Decimal("1000")


def test_upload_of_a_non_spreadsheet_is_refused(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client]
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client_as(owner).post(
        reverse("sales:product_import", args=[workspace.slug]),
        {"file": SimpleUploadedFile("foto.jpg", b"\xff\xd8\xff\xe0 not a sheet", "image/jpeg")},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 400
    assert "CSV" in response.context["form"].errors["file"][0]
