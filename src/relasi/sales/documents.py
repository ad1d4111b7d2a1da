"""What every priced document shares: checking lines, pricing them, storing lines and totals,
copying the buyer, copying lines from one document to the next, and public-link tokens.

Services of each document (quotations, orders, invoices, credit notes) call these; nothing
here decides a document's state.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from relasi.accounts.models import Workspace
from relasi.contacts.enums import BuyerType
from relasi.contacts.models import Contact
from relasi.core.exceptions import fields_invalid
from relasi.core.money import MoneyParseError
from relasi.sales.calculations import LineInput, TaxRule, Totals, document_totals
from relasi.sales.enums import TaxTreatment
from relasi.sales.models import DocumentLine, DocumentTotals, Product

MAX_LINES = 200
ZERO = Decimal("0")
# The buyer as printed, copied onto every document (``BuyerSnapshot``; ``buyer_snapshot``).
BUYER_FIELDS = (
    "buyer_name",
    "buyer_address",
    "buyer_email",
    "buyer_phone",
    "buyer_npwp",
    "buyer_nik",
    "buyer_passport",
    "buyer_nitku",
    "buyer_type",
)


@dataclass(frozen=True)
class LineData:
    """One checked line, ready to be priced."""

    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    discount_percent: Decimal = ZERO
    discount_amount: Decimal = ZERO
    tax_treatment: str = TaxTreatment.STANDARD
    product: Product | None = None

    def as_input(self) -> LineInput:
        return LineInput(
            quantity=self.quantity,
            unit_price=self.unit_price,
            discount_percent=self.discount_percent,
            discount_amount=self.discount_amount,
            tax_treatment=self.tax_treatment,
        )


def public_token_new() -> str:
    """An unguessable token for a document's public link (256 bits)."""
    return secrets.token_urlsafe(32)


def _amount(
    raw: Any, *, parse: Callable[[str], Decimal], field: str, errors: dict[str, str], hint: str
) -> Decimal | None:
    if raw is None or raw == "":
        return None
    try:
        return raw if isinstance(raw, Decimal) else parse(str(raw))
    except (MoneyParseError, ArithmeticError, ValueError):
        errors[field] = hint
        return None


def lines_clean(
    *,
    workspace: Workspace,
    rows: Sequence[Mapping[str, Any]],
    parse_money: Callable[[str], Decimal],
    parse_quantity: Callable[[str], Decimal],
    money_hint: str,
) -> list[LineData]:
    """Check raw lines (from a form or the API) and return them typed.

    A row has ``product`` (id, optional), ``description``, ``quantity``, ``unit``,
    ``unit_price``, ``discount_percent``, ``discount_amount`` and ``tax_treatment``. A
    product fills in what the row leaves empty. Errors name the field as
    ``lines.<n>.<field>`` (``n`` from 1) and say how to fix it; one bad row fails all.
    """
    errors: dict[str, str] = {}
    if not rows:
        raise fields_invalid({"lines": _("Add at least one line.")})
    if len(rows) > MAX_LINES:
        raise fields_invalid({"lines": _("A document can have at most %(n)d lines.") % {"n": MAX_LINES}})
    product_ids = {row.get("product") for row in rows if row.get("product") not in (None, "")}
    products: dict[str, Product] = {
        str(p.pk): p
        for p in Product.objects.filter(
            workspace=workspace, pk__in=[str(i) for i in product_ids if str(i).isdigit()]
        )
    }
    cleaned: list[LineData] = []
    for n, row in enumerate(rows, start=1):
        key = f"lines.{n}."
        product = None
        raw_product = row.get("product")
        if raw_product not in (None, ""):
            product = products.get(str(raw_product))
            if product is None:
                errors[key + "product"] = _("Choose a product from this workspace's catalogue.")
        description = str(row.get("description") or (product.name if product else "")).strip()
        if not description:
            errors[key + "description"] = _("Describe what is sold on this line.")
        elif len(description) > 300:
            errors[key + "description"] = _("Keep the description to 300 characters or fewer.")
        quantity = _amount(
            row.get("quantity"),
            parse=parse_quantity,
            field=key + "quantity",
            errors=errors,
            hint=_("Write the quantity as a number, for example 2 or 1,5."),
        )
        if quantity is None and key + "quantity" not in errors:
            errors[key + "quantity"] = _("Enter a quantity.")
        elif quantity is not None and quantity <= 0:
            errors[key + "quantity"] = _("The quantity must be more than zero.")
        elif quantity is not None and quantity != quantity.quantize(Decimal("0.001")):
            errors[key + "quantity"] = _("Use at most three decimals in the quantity.")
        unit_price = _amount(
            row.get("unit_price"), parse=parse_money, field=key + "unit_price", errors=errors, hint=money_hint
        )
        if unit_price is None and product is not None and key + "unit_price" not in errors:
            unit_price = product.price
        if unit_price is None and key + "unit_price" not in errors:
            errors[key + "unit_price"] = _("Enter a unit price.")
        elif unit_price is not None and unit_price < 0:
            errors[key + "unit_price"] = _("The price cannot be negative.")
        discount_percent = _amount(
            row.get("discount_percent"),
            parse=parse_quantity,
            field=key + "discount_percent",
            errors=errors,
            hint=_("Write the discount as a percentage between 0 and 100, for example 10 or 2,5."),
        )
        if discount_percent is not None and not ZERO <= discount_percent <= 100:
            errors[key + "discount_percent"] = _("The discount must be between 0 and 100 percent.")
        discount_amount = _amount(
            row.get("discount_amount"),
            parse=parse_money,
            field=key + "discount_amount",
            errors=errors,
            hint=money_hint,
        )
        if discount_amount is not None and discount_amount < 0:
            errors[key + "discount_amount"] = _("The discount cannot be negative.")
        treatment = str(
            row.get("tax_treatment") or (product.tax_treatment if product else TaxTreatment.STANDARD)
        )
        if treatment not in TaxTreatment.values:
            errors[key + "tax_treatment"] = _("Choose one of: %(choices)s.") % {
                "choices": ", ".join(TaxTreatment.values)
            }
        unit = str(row.get("unit") or (product.unit if product else "pcs")).strip()[:20]
        if errors:
            continue
        assert quantity is not None
        assert unit_price is not None
        line = LineData(
            description=description,
            quantity=quantity,
            unit=unit,
            unit_price=unit_price,
            discount_percent=discount_percent or ZERO,
            discount_amount=discount_amount or ZERO,
            tax_treatment=treatment,
            product=product,
        )
        gross = quantity * unit_price
        if gross * line.discount_percent / 100 + line.discount_amount > gross:
            errors[key + "discount_amount"] = _("The discount is larger than the line's amount.")
            continue
        cleaned.append(line)
    if errors:
        raise fields_invalid(errors)
    return cleaned


def money_clean(
    raw: Any, *, field: str, parse: Callable[[str], Decimal], hint: str, errors: dict[str, str]
) -> Decimal:
    """A non-negative amount for a header field (shipping, other costs, deposit); empty is 0."""
    value = _amount(raw, parse=parse, field=field, errors=errors, hint=hint)
    if value is not None and value < 0:
        errors[field] = _("The amount cannot be negative.")
    return value or ZERO


def totals_compute(
    *, lines: Sequence[LineData], rule: TaxRule | None, shipping: Decimal, other_costs: Decimal
) -> Totals:
    return document_totals(
        [line.as_input() for line in lines], rule=rule, shipping=shipping, other_costs=other_costs
    )


def lines_store(
    *,
    document: DocumentTotals,
    lines: Sequence[LineData],
    rule: TaxRule | None,
) -> Totals:
    """Replace the document's lines with ``lines`` priced under ``rule`` and store the totals
    on the document (the caller saves the document). ``document.shipping_cost`` and
    ``document.other_costs`` must already be set."""
    totals = totals_compute(
        lines=lines, rule=rule, shipping=document.shipping_cost, other_costs=document.other_costs
    )
    related = document.lines  # type: ignore[attr-defined]
    related.all().delete()
    line_model: type[DocumentLine] = related.model
    fk_name: str = related.field.name
    line_model._default_manager.bulk_create(
        [
            line_model(
                **{fk_name: document},
                position=position,
                product=line.product,
                description=line.description,
                quantity=line.quantity,
                unit=line.unit,
                unit_price=line.unit_price,
                discount_percent=line.discount_percent,
                discount_amount=line.discount_amount,
                tax_treatment=line.tax_treatment,
                product_kind=line.product.kind if line.product else "goods",
                djp_code=line.product.djp_code if line.product else "",
                djp_unit_code=line.product.djp_unit_code if line.product else "",
                gross=amounts.gross,
                discount=amounts.discount,
                net=amounts.net,
                other_base=amounts.other_base,
                ppn=amounts.ppn,
                total=amounts.total,
            )
            for position, (line, amounts) in enumerate(zip(lines, totals.lines, strict=True), start=1)
        ]
    )
    totals_apply(document=document, totals=totals, rule=rule)
    return totals


def totals_apply(*, document: DocumentTotals, totals: Totals, rule: TaxRule | None) -> None:
    document.tax_applied = rule is not None
    document.ppn_rate = Decimal(rule.rate.numerator) / Decimal(rule.rate.denominator) if rule else ZERO
    document.subtotal = totals.subtotal
    document.discount_total = totals.discount
    document.net_total = totals.net
    document.other_base_total = totals.other_base
    document.ppn_total = totals.ppn
    document.grand_total = totals.total


def lines_of(document: models.Model) -> list[LineData]:
    """A stored document's lines as ``LineData``, to copy onto the next document in the chain
    (quotation → order → invoice → credit note)."""
    return [
        LineData(
            description=line.description,
            quantity=line.quantity,
            unit=line.unit,
            unit_price=line.unit_price,
            discount_percent=line.discount_percent,
            discount_amount=line.discount_amount,
            tax_treatment=line.tax_treatment,
            product=line.product,
        )
        for line in document.lines.select_related("product").all()  # type: ignore[attr-defined]
    ]


def buyer_snapshot(contact: Contact) -> dict[str, str]:
    """The buyer's identity as printed (R3, R8): a contact of a company is billed as the
    company, with the company's NPWP and NITKU."""
    company = contact.company
    is_company = company is not None and contact.buyer_type in (BuyerType.ID_ENTITY, BuyerType.FOREIGN_ENTITY)
    name = company.name if is_company and company else contact.full_name
    if is_company and company:
        address_parts = [company.address, company.city, company.province, company.postal_code]
    else:
        address_parts = [contact.address, contact.city, contact.province, contact.postal_code]
    return {
        "buyer_name": name,
        "buyer_address": ", ".join(part for part in address_parts if part),
        "buyer_email": contact.email or (company.email if company else ""),
        "buyer_phone": contact.phone or (company.phone if company else ""),
        "buyer_npwp": (company.npwp if is_company and company else contact.npwp) or "",
        "buyer_nik": contact.nik,
        "buyer_passport": contact.passport_no,
        "buyer_nitku": company.nitku if is_company and company else "",
        "buyer_type": contact.buyer_type,
    }
