"""Coretax bulk import (R7): a PKP workspace's issued invoices as ``TaxInvoiceBulk`` XML, and
the 17-digit Faktur Pajak number DJP returns (PER-11/PJ/2025 Pasal 37).

The element names follow reference/indonesia.md §1.3 (``BuyerAdress`` is spelt as Coretax
spells it). Buyer identity by buyer type (§1.2): an Indonesian entity by NPWP (``TIN``), an
Indonesian individual by NPWP or NIK (``National ID``, with ``BuyerTin`` sixteen zeros), a
foreign individual by passport, a foreign entity by name and address only (``Other``).
Invoices missing what a Faktur Pajak needs are listed, never exported silently.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from relasi.accounts.models import User, Workspace
from relasi.contacts.enums import BuyerType
from relasi.core.exceptions import Conflict, NotFound, ValidationError, fields_invalid
from relasi.sales.calculations import LineInput, line_amounts
from relasi.sales.enums import (
    ISSUED_INVOICE_STATUSES,
    BuyerDocument,
    DocumentEventKind,
    DocumentType,
    ProductKind,
    TaxInvoiceStatus,
)
from relasi.sales.events import document_event_record
from relasi.sales.models import Invoice, InvoiceLine, SalesProfile
from relasi.sales.profile import sales_profile_get
from relasi.sales.services_credit_notes import invoice_tax_rule

NO_TIN = "0000000000000000"  # BuyerTin when the buyer is identified by another document
HEAD_OFFICE = "000000"  # NITKU suffix of a head office (§1.5)
CHARGE_CODE = "000000"  # DJP code for "other" goods/services, used for shipping and other costs
CHARGE_UNIT = "UM.0033"  # DJP unit code "Lainnya" (other)
_DJP_CODE = re.compile(r"^\d{6}$")


def _money(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'))}"


def _qty(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def buyer_document(invoice: Invoice) -> tuple[str, str, str]:
    """``(BuyerDocument, BuyerTin, BuyerDocumentNumber)`` for the invoice's buyer."""
    if invoice.buyer_npwp and invoice.buyer_type in (BuyerType.ID_ENTITY, BuyerType.ID_INDIVIDUAL, ""):
        return BuyerDocument.TIN, invoice.buyer_npwp, "-"
    if invoice.buyer_type == BuyerType.ID_INDIVIDUAL and invoice.buyer_nik:
        return BuyerDocument.NIK, NO_TIN, invoice.buyer_nik
    if invoice.buyer_type == BuyerType.FOREIGN_INDIVIDUAL and invoice.buyer_passport:
        return BuyerDocument.PASSPORT, NO_TIN, invoice.buyer_passport
    return BuyerDocument.OTHER, NO_TIN, "-"


def invoice_problems(*, invoice: Invoice, lines: Sequence[InvoiceLine]) -> list[str]:
    """What this invoice lacks for a Faktur Pajak (empty when it can be exported)."""
    problems: list[str] = []
    if invoice.status not in ISSUED_INVOICE_STATUSES:
        problems.append(_("Only issued invoices that are not void can be exported."))
    if not invoice.tax_applied:
        problems.append(_("No PPN was charged on this invoice."))
    kind = invoice.buyer_type
    if kind == BuyerType.ID_ENTITY and not invoice.buyer_npwp:
        problems.append(_("The buyer (an Indonesian entity) has no NPWP."))
    elif kind == BuyerType.ID_INDIVIDUAL and not (invoice.buyer_npwp or invoice.buyer_nik):
        problems.append(_("The buyer has neither NPWP nor NIK."))
    elif kind == BuyerType.FOREIGN_INDIVIDUAL and not invoice.buyer_passport:
        problems.append(_("The foreign buyer has no passport number."))
    for line in lines:
        if not _DJP_CODE.match(line.djp_code or ""):
            problems.append(
                _("Line %(n)d (%(name)s) has no DJP goods/services code: set it on the product.")
                % {"n": line.position, "name": line.description}
            )
        if not line.djp_unit_code:
            problems.append(
                _("Line %(n)d (%(name)s) has no DJP unit code: set it on the product.")
                % {"n": line.position, "name": line.description}
            )
    return problems


def seller_problems(*, profile: SalesProfile) -> list[str]:
    if not profile.is_pkp:
        return [
            _("Only a PKP may issue a Faktur Pajak. Your workspace is not marked PKP in the sales settings.")
        ]
    problems = []
    if len(profile.npwp or "") != 16:
        problems.append(_("Add your 16-digit NPWP in the sales settings."))
    if len(profile.nitku or "") != 22:
        problems.append(_("Add your 22-digit NITKU in the sales settings."))
    return problems


def _lines_by_invoice(invoices: Sequence[Invoice]) -> dict[int, list[InvoiceLine]]:
    grouped: dict[int, list[InvoiceLine]] = {invoice.pk: [] for invoice in invoices}
    for line in InvoiceLine.objects.filter(invoice__in=[i.pk for i in invoices]).order_by("position", "id"):
        grouped[line.invoice_id].append(line)
    return grouped


def export_problems(*, workspace: Workspace, invoices: Sequence[Invoice]) -> dict[str, list[str]]:
    """Problems per invoice number ("" for the seller's own) that block an export."""
    problems: dict[str, list[str]] = {}
    seller = seller_problems(profile=sales_profile_get(workspace=workspace))
    if seller:
        problems[""] = seller
    lines = _lines_by_invoice(invoices)
    for invoice in invoices:
        found = invoice_problems(invoice=invoice, lines=lines[invoice.pk])
        if found:
            problems[invoice.number or str(invoice.pk)] = found
    return problems


def _text(parent: ET.Element, tag: str, value: str) -> None:
    ET.SubElement(parent, tag).text = value


def coretax_xml(*, workspace: Workspace, invoices: Sequence[Invoice]) -> bytes:
    """``TaxInvoiceBulk`` XML for ``invoices`` (issued, not void, with PPN) of a PKP
    workspace. Refuses a non-PKP workspace (R1) and lists the invoices that lack buyer
    identity or DJP codes instead of exporting them."""
    profile = sales_profile_get(workspace=workspace)
    if not profile.is_pkp:
        raise Conflict(seller_problems(profile=profile)[0], code="not_pkp")
    if any(invoice.workspace_id != workspace.pk for invoice in invoices):
        raise NotFound(_("Invoice not found."))
    problems = export_problems(workspace=workspace, invoices=invoices)
    if problems:
        summary = "; ".join(
            f"{number or _('Seller')}: {' '.join(found)}" for number, found in problems.items()
        )
        raise ValidationError(
            _("Some invoices cannot be exported yet. %(problems)s") % {"problems": summary},
            code="coretax_incomplete",
            fields={"invoices": summary},
        )
    lines = _lines_by_invoice(invoices)
    root = ET.Element("TaxInvoiceBulk")
    _text(root, "TIN", profile.npwp)
    container = ET.SubElement(root, "ListOfTaxInvoice")
    for invoice in invoices:
        element = ET.SubElement(container, "TaxInvoice")
        document, tin, document_number = buyer_document(invoice)
        _text(element, "TaxInvoiceDate", invoice.issue_date.isoformat())
        _text(element, "TaxInvoiceOpt", "Normal")
        _text(element, "TrxCode", invoice.transaction_code)
        _text(element, "AddInfo", "")
        _text(element, "CustomDoc", "")
        _text(element, "RefDesc", invoice.number)
        _text(element, "FacilityStamp", "")
        _text(element, "SellerIDTKU", profile.nitku)
        _text(element, "BuyerTin", tin)
        _text(element, "BuyerDocument", str(document))
        _text(element, "BuyerCountry", "IDN")
        _text(element, "BuyerDocumentNumber", document_number)
        _text(element, "BuyerName", invoice.buyer_name)
        _text(element, "BuyerAdress", invoice.buyer_address)
        _text(element, "BuyerEmail", invoice.buyer_email)
        _text(
            element,
            "BuyerIDTKU",
            invoice.buyer_nitku or (tin + HEAD_OFFICE if tin != NO_TIN else HEAD_OFFICE),
        )
        goods = ET.SubElement(element, "ListOfGoodService")
        rate = (
            str(int(invoice.ppn_rate)) if invoice.ppn_rate == int(invoice.ppn_rate) else str(invoice.ppn_rate)
        )
        for line in lines[invoice.pk]:
            _good(goods, line=line, rate=rate)
        _charges(goods, invoice=invoice, rate=rate)
    ET.indent(root)
    content: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return content


def _good(parent: ET.Element, *, line: InvoiceLine, rate: str) -> None:
    item = ET.SubElement(parent, "GoodService")
    _text(item, "Opt", "B" if line.product_kind == ProductKind.SERVICE else "A")
    _text(item, "Code", line.djp_code)
    _text(item, "Name", line.description)
    _text(item, "Unit", line.djp_unit_code)
    _text(item, "Price", _money(line.unit_price))
    _text(item, "Qty", _qty(line.quantity))
    _text(item, "TotalDiscount", _money(line.discount))
    _text(item, "TaxBase", _money(line.net))
    _text(item, "OtherTaxBase", _money(line.other_base))
    _text(item, "VATRate", rate if line.ppn or line.other_base else "0")
    _text(item, "VAT", _money(line.ppn))
    _text(item, "STLGRate", "0")
    _text(item, "STLG", "0")


def _charges(parent: ET.Element, *, invoice: Invoice, rate: str) -> None:
    """Shipping and other costs are part of the selling price (taxed like a standard line),
    so they appear as service lines for the totals to match the invoice."""
    rule = invoice_tax_rule(invoice=invoice)
    for label, amount in (
        (_("Shipping"), invoice.shipping_cost),
        (invoice.other_costs_label or _("Other costs"), invoice.other_costs),
    ):
        if amount <= 0:
            continue
        amounts = line_amounts(LineInput(quantity=Decimal(1), unit_price=amount), rule=rule)
        item = ET.SubElement(parent, "GoodService")
        for tag, value in (
            ("Opt", "B"),
            ("Code", CHARGE_CODE),
            ("Name", str(label)),
            ("Unit", CHARGE_UNIT),
            ("Price", _money(amount)),
            ("Qty", "1"),
            ("TotalDiscount", "0.00"),
            ("TaxBase", _money(amounts.net)),
            ("OtherTaxBase", _money(amounts.other_base)),
            ("VATRate", rate),
            ("VAT", _money(amounts.ppn)),
            ("STLGRate", "0"),
            ("STLG", "0"),
        ):
            _text(item, tag, value)


# Services --------------------------------------------------------------------------------


def _invoices_for_export(*, workspace: Workspace, invoice_ids: Iterable[int]) -> list[Invoice]:
    ids = sorted({int(i) for i in invoice_ids})
    if not ids:
        raise fields_invalid({"invoices": _("Choose at least one invoice to export.")})
    invoices = list(
        Invoice.objects.filter(workspace=workspace, pk__in=ids)
        .select_related("contact")
        .order_by("issue_date", "id")
    )
    if len(invoices) != len(ids):
        raise NotFound(_("Some of the chosen invoices were not found."), code="not_found")
    return invoices


@transaction.atomic
def coretax_export(*, workspace: Workspace, invoice_ids: Iterable[int], actor: User | None) -> bytes:
    """The Coretax XML of the chosen invoices; each one not yet exported is marked EXPORTED
    and gets a TAX_EXPORTED event (an approved one keeps its number and status)."""
    invoices = _invoices_for_export(workspace=workspace, invoice_ids=invoice_ids)
    content = coretax_xml(workspace=workspace, invoices=invoices)
    now = timezone.now()
    for invoice in invoices:
        if invoice.tax_invoice_status == TaxInvoiceStatus.NOT_EXPORTED:
            invoice.tax_invoice_status = TaxInvoiceStatus.EXPORTED
        invoice.tax_exported_at = now
        invoice.save(update_fields=["tax_invoice_status", "tax_exported_at", "updated_at"])
        document_event_record(
            contact=invoice.contact,
            document_type=DocumentType.INVOICE,
            document_id=invoice.pk,
            number=invoice.number,
            kind=DocumentEventKind.TAX_EXPORTED,
            actor=actor,
        )
    return content


_SEPARATORS = re.compile(r"[\s.\-/]")


@transaction.atomic
def tax_invoice_number_record(*, invoice: Invoice, number: str, actor: User | None) -> Invoice:
    """Store the Faktur Pajak number DJP approved: 17 digits = 2-digit transaction code (the
    invoice's own) + 2-digit status (00 normal, 01 replacement) + 13-digit NSFP (PER-11/PJ/2025
    Pasal 37). The invoice's tax status becomes APPROVED."""
    digits = _SEPARATORS.sub("", number or "")
    field = "tax_invoice_number"
    if not digits:
        raise fields_invalid({field: _("Enter the 17-digit Faktur Pajak number from Coretax.")})
    if not digits.isdigit() or len(digits) != 17:
        raise fields_invalid(
            {
                field: _("A Faktur Pajak number has exactly 17 digits (you entered %(n)d).")
                % {"n": len(digits)}
            }
        )
    locked = Invoice.objects.select_for_update(of=("self",)).select_related("contact").get(pk=invoice.pk)
    if not sales_profile_get(workspace=locked.workspace).is_pkp:
        raise Conflict(_("Only a PKP may issue a Faktur Pajak."), code="not_pkp")
    if locked.status not in ISSUED_INVOICE_STATUSES:
        raise Conflict(
            _("Only an issued invoice that is not void can get a Faktur Pajak number."), code="invoice_state"
        )
    if digits[:2] != locked.transaction_code:
        raise fields_invalid(
            {
                field: _("The number must start with this invoice's transaction code %(code)s.")
                % {"code": locked.transaction_code}
            }
        )
    if digits[2:4] not in ("00", "01"):
        raise fields_invalid({field: _("Digits 3–4 are the status: 00 (normal) or 01 (replacement).")})
    locked.tax_invoice_number = digits
    locked.tax_invoice_status = TaxInvoiceStatus.APPROVED
    locked.save(update_fields=["tax_invoice_number", "tax_invoice_status", "updated_at"])
    document_event_record(
        contact=locked.contact,
        document_type=DocumentType.INVOICE,
        document_id=locked.pk,
        number=locked.number,
        kind=DocumentEventKind.TAX_NUMBER_RECORDED,
        actor=actor,
        data={"tax_invoice_number": digits},
    )
    return locked
