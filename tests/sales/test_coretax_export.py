"""Coretax bulk XML (R7) read back with ElementTree, PKP only (R1), incomplete invoices listed,
and the 17-digit Faktur Pajak number (PER-11/PJ/2025 Pasal 37)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from relasi.accounts.models import Workspace
from relasi.contacts.enums import BuyerType
from relasi.contacts.models import Company, Contact
from relasi.core.exceptions import Conflict, ValidationError
from relasi.sales.coretax import coretax_export, coretax_xml, tax_invoice_number_record
from relasi.sales.enums import DocumentEventKind, TaxInvoiceStatus
from relasi.sales.models import DocumentEvent, Invoice, Product, SalesProfile
from tests.sales.test_invoices_services import issued

pytestmark = pytest.mark.django_db


@pytest.fixture
def company_buyer(workspace: Workspace) -> Contact:
    company = Company.objects.create(
        workspace=workspace,
        name="PT Maju Jaya",
        npwp="0987654321012000",
        nitku="0987654321012000000000",
        address="Jl. Gatot Subroto 1",
        city="Jakarta",
    )
    return Contact.objects.create(
        workspace=workspace,
        full_name="Sari",
        company=company,
        buyer_type=BuyerType.ID_ENTITY,
        email="sari@majujaya.co.id",
    )


@pytest.fixture
def two_line_invoice(
    profile: SalesProfile,
    workspace: Workspace,
    company_buyer: Contact,
    product: Product,
    service_product: Product,
) -> Invoice:
    service_product.djp_code = "100000"
    service_product.djp_unit_code = "UM.0030"
    service_product.save()
    return issued(
        workspace,
        company_buyer,
        lines=[
            {"product": product.pk, "quantity": "2"},
            {"product": service_product.pk, "quantity": "3", "discount_percent": "10"},
        ],
    )


def _text(element: ET.Element, path: str) -> str | None:
    found = element.find(path)
    assert found is not None, path
    return found.text


def test_two_line_invoice_as_coretax_xml(workspace: Workspace, two_line_invoice: Invoice) -> None:
    root = ET.fromstring(coretax_xml(workspace=workspace, invoices=[two_line_invoice]))  # noqa: S314 - our own output
    assert root.tag == "TaxInvoiceBulk"
    assert _text(root, "TIN") == "0013121660091000"
    invoices = root.findall("ListOfTaxInvoice/TaxInvoice")
    assert len(invoices) == 1
    tax_invoice = invoices[0]
    expected = {
        "TaxInvoiceDate": "2026-11-20",
        "TaxInvoiceOpt": "Normal",
        "TrxCode": "04",
        "RefDesc": "INV/0001/XI/2026",
        "SellerIDTKU": "0013121660091000000000",
        "BuyerTin": "0987654321012000",
        "BuyerDocument": "TIN",
        "BuyerCountry": "IDN",
        "BuyerName": "PT Maju Jaya",
        "BuyerAdress": "Jl. Gatot Subroto 1, Jakarta",
        "BuyerEmail": "sari@majujaya.co.id",
        "BuyerIDTKU": "0987654321012000000000",
    }
    for tag, value in expected.items():
        assert _text(tax_invoice, tag) == value, tag
    for tag in ("AddInfo", "CustomDoc", "FacilityStamp"):
        assert tax_invoice.find(tag) is not None
    goods = tax_invoice.findall("ListOfGoodService/GoodService")
    assert len(goods) == 2
    parcel, design = goods
    # 2 × Rp1.000.000 goods: DPP 2.000.000, DPP nilai lain 11/12 = 1.833.333,33, PPN 12% = 220.000
    assert {tag: _text(parcel, tag) for tag in ("Opt", "Code", "Unit", "Price", "Qty", "TotalDiscount")} == {
        "Opt": "A",
        "Code": "000000",
        "Unit": "UM.0021",
        "Price": "1000000.00",
        "Qty": "2",
        "TotalDiscount": "0.00",
    }
    assert _text(parcel, "Name") == "Parsel Lebaran Premium"
    assert _text(parcel, "TaxBase") == "2000000.00"
    assert _text(parcel, "OtherTaxBase") == "1833333.33"
    assert _text(parcel, "VATRate") == "12"
    assert _text(parcel, "VAT") == "220000.00"
    assert _text(parcel, "STLGRate") == "0"
    assert _text(parcel, "STLG") == "0"
    # 3 hours × Rp150.000 less 10% = 405.000; PPN 11% effective = 44.550
    assert _text(design, "Opt") == "B"
    assert _text(design, "TotalDiscount") == "45000.00"
    assert _text(design, "TaxBase") == "405000.00"
    assert _text(design, "OtherTaxBase") == "371250.00"
    assert _text(design, "VAT") == "44550.00"
    total_vat = sum(Decimal(_text(g, "VAT") or "0") for g in goods)
    assert total_vat == two_line_invoice.ppn_total


def test_a_non_pkp_workspace_is_refused(
    non_pkp_profile: SalesProfile, workspace: Workspace, buyer: Contact
) -> None:
    invoice = issued(workspace, buyer)
    with pytest.raises(Conflict) as caught:
        coretax_xml(workspace=workspace, invoices=[invoice])
    assert "PKP" in str(caught.value.message)
    with pytest.raises(Conflict):
        coretax_export(workspace=workspace, invoice_ids=[invoice.pk], actor=None)
    invoice.refresh_from_db()
    assert invoice.tax_invoice_status == TaxInvoiceStatus.NOT_EXPORTED


def test_invoices_missing_data_are_listed_not_exported(
    profile: SalesProfile, workspace: Workspace, service_product: Product
) -> None:
    company = Company.objects.create(workspace=workspace, name="CV Tanpa NPWP")
    contact = Contact.objects.create(
        workspace=workspace, full_name="Andi", company=company, buyer_type=BuyerType.ID_ENTITY
    )
    invoice = issued(workspace, contact, lines=[{"product": service_product.pk, "quantity": "1"}])
    with pytest.raises(ValidationError) as caught:
        coretax_export(workspace=workspace, invoice_ids=[invoice.pk], actor=None)
    message = str(caught.value.message)
    assert invoice.number in message
    assert "NPWP" in message
    assert "DJP goods/services code" in message
    invoice.refresh_from_db()
    assert invoice.tax_invoice_status == TaxInvoiceStatus.NOT_EXPORTED


def test_an_individual_buyer_with_nik(profile: SalesProfile, workspace: Workspace, product: Product) -> None:
    contact = Contact.objects.create(
        workspace=workspace, full_name="Budi", nik="3273012501900001", buyer_type=BuyerType.ID_INDIVIDUAL
    )
    invoice = issued(workspace, contact, lines=[{"product": product.pk, "quantity": "1"}])
    tax_invoice = ET.fromstring(coretax_xml(workspace=workspace, invoices=[invoice])).find(  # noqa: S314
        "ListOfTaxInvoice/TaxInvoice"
    )
    assert tax_invoice is not None
    assert _text(tax_invoice, "BuyerDocument") == "National ID"
    assert _text(tax_invoice, "BuyerTin") == "0000000000000000"
    assert _text(tax_invoice, "BuyerDocumentNumber") == "3273012501900001"


def test_export_marks_exported_and_records_an_event(workspace: Workspace, two_line_invoice: Invoice) -> None:
    content = coretax_export(workspace=workspace, invoice_ids=[two_line_invoice.pk], actor=None)
    assert content.startswith(b"<?xml")
    two_line_invoice.refresh_from_db()
    assert two_line_invoice.tax_invoice_status == TaxInvoiceStatus.EXPORTED
    assert two_line_invoice.tax_exported_at is not None
    assert DocumentEvent.objects.filter(
        document_id=two_line_invoice.pk, kind=DocumentEventKind.TAX_EXPORTED
    ).exists()


def test_export_of_another_workspaces_invoice_is_not_found(
    workspace: Workspace, other_workspace: Workspace, two_line_invoice: Invoice
) -> None:
    from relasi.core.exceptions import NotFound

    with pytest.raises(NotFound):
        coretax_export(workspace=other_workspace, invoice_ids=[two_line_invoice.pk], actor=None)


@pytest.mark.parametrize(
    ("number", "says"),
    [
        ("0400260000000001", "exactly 17 digits"),  # 16 digits
        ("040026000000000012", "exactly 17 digits"),  # 18 digits
        ("04002600000000A01", "exactly 17 digits"),
        ("01002600000000001", "transaction code 04"),
        ("04092600000000001", "00 (normal) or 01"),
        ("", "17-digit"),
    ],
)
def test_tax_invoice_number_must_be_17_digits_with_the_invoice_code(
    two_line_invoice: Invoice, number: str, says: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        tax_invoice_number_record(invoice=two_line_invoice, number=number, actor=None)
    assert says in str(caught.value.fields["tax_invoice_number"])
    two_line_invoice.refresh_from_db()
    assert two_line_invoice.tax_invoice_number == ""


def test_tax_invoice_number_is_stored_and_approved(two_line_invoice: Invoice) -> None:
    invoice = tax_invoice_number_record(invoice=two_line_invoice, number="040.026-00000000001", actor=None)
    invoice.refresh_from_db()
    assert invoice.tax_invoice_number == "04002600000000001"
    assert invoice.tax_invoice_status == TaxInvoiceStatus.APPROVED
    assert DocumentEvent.objects.filter(
        document_id=invoice.pk, kind=DocumentEventKind.TAX_NUMBER_RECORDED
    ).exists()
