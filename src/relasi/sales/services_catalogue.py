"""Writes for the catalogue: products and services sold on quotations, orders and invoices.

One cleaner (``product_values_clean``) holds every rule, so the web form, the API and the
importer agree. A product used on a document is never deleted (documents keep a reference
for reports), only deactivated; an unused one may be deleted.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from relasi.accounts.models import User, Workspace
from relasi.core.exceptions import Conflict, ValidationError, fields_invalid
from relasi.core.money import MoneyParseError, parse_money
from relasi.sales.enums import ProductKind, TaxTreatment
from relasi.sales.inputs import amount_check
from relasi.sales.models import Product
from relasi.sales.selectors_catalogue import product_is_used

MoneyParser = Callable[[str], Decimal]

PRODUCT_FIELDS = (
    "sku",
    "name",
    "description",
    "kind",
    "unit",
    "price",
    "tax_treatment",
    "djp_code",
    "djp_unit_code",
    "is_active",
)
UNIT_SUGGESTIONS = ("pcs", "unit", "buah", "kg", "gram", "jam", "hari", "bulan", "paket", "box", "lusin",
                    "kodi", "rim", "meter", "m2", "liter", "set", "lembar", "botol", "karton")  # fmt: skip
_DJP_CODE = re.compile(r"^\d{6}$")
_DJP_UNIT = re.compile(r"^UM\.\d{4}$")


def _price(value: Any, *, parse: MoneyParser, errors: dict[str, str]) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        errors["price"] = _("Enter a price, for example 150.000 (0 for free).")
        return None
    try:
        price = value if isinstance(value, Decimal) else parse(str(value).strip())
    except (MoneyParseError, ArithmeticError, ValueError):
        errors["price"] = (
            _('Write the price as a decimal string with a full stop before the sen, e.g. "1250000.00".')
            if parse is not parse_money
            else _(
                "Write the price the Indonesian way, with full stops between thousands: "
                "1.250.000 or 1.250.000,50."
            )
        )
        return None
    if not price.is_finite():
        errors["price"] = _("Enter a price, for example 150.000 (0 for free).")
    else:
        amount_check(
            price,
            field="price",
            errors=errors,
            negative=_("The price cannot be negative."),
            too_precise=_("Use at most two decimals (sen) in the price."),
        )
    return price


def product_values_clean(
    *,
    workspace: Workspace,
    values: Mapping[str, Any],
    partial: bool = False,
    product: Product | None = None,
    money_parser: MoneyParser = parse_money,
    check_sku_unique: bool = True,
) -> dict[str, Any]:
    """Check raw product input and return model values. All problems are raised together
    (``ValidationError(fields=…)``), each naming the fix.

    ``partial``: only the keys given are checked and returned (PATCH, form edits).
    ``money_parser``: ``parse_money`` for people (``1.250.000``), ``parse_api_decimal`` for
    the API (``"1250000.00"``); a ``Decimal`` is taken as it is.
    ``check_sku_unique=False``: the caller (the importer) already matched SKUs to products.
    """
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}

    def given(name: str) -> bool:
        return not partial or name in values

    if given("sku"):
        sku = " ".join(str(values.get("sku") or "").split())
        if not sku:
            errors["sku"] = _("Enter a SKU (the product code), for example HMP-001.")
        elif len(sku) > 60:
            errors["sku"] = _("Keep the SKU to %(n)d characters or fewer.") % {"n": 60}
        elif check_sku_unique:
            clash = Product.objects.filter(workspace=workspace, sku__iexact=sku)
            if product is not None:
                clash = clash.exclude(pk=product.pk)
            other = clash.first()
            if other is not None:
                errors["sku"] = _(
                    "The SKU %(sku)s is already used by %(name)s. Choose another code, or edit that product."
                ) % {"sku": sku, "name": other.name}
        out["sku"] = sku
    if given("name"):
        name = " ".join(str(values.get("name") or "").split())
        if not name:
            errors["name"] = _("Enter the name printed on documents, for example Parsel Lebaran Premium.")
        elif len(name) > 200:
            errors["name"] = _("Keep the name to %(n)d characters or fewer.") % {"n": 200}
        out["name"] = name
    if "description" in values:
        description = str(values.get("description") or "").strip()
        if len(description) > 5000:
            errors["description"] = _("Keep the description to %(n)d characters or fewer.") % {"n": 5000}
        out["description"] = description
    if given("kind") and (not partial or values.get("kind") not in (None, "")):
        kind = str(values.get("kind") or ProductKind.GOODS)
        if kind not in ProductKind.values:
            errors["kind"] = _("Choose goods or service.")
        out["kind"] = kind
    if given("unit") and (not partial or values.get("unit") is not None):
        unit = " ".join(str(values.get("unit") or "").split()) or "pcs"
        if len(unit) > 20:
            errors["unit"] = _("Keep the unit short (at most 20 characters), for example pcs, kg or jam.")
        out["unit"] = unit
    if given("price"):
        price = _price(values.get("price"), parse=money_parser, errors=errors)
        if price is not None:
            out["price"] = price
    if given("tax_treatment") and (not partial or values.get("tax_treatment") not in (None, "")):
        treatment = str(values.get("tax_treatment") or TaxTreatment.STANDARD)
        if treatment not in TaxTreatment.values:
            errors["tax_treatment"] = _("Choose one of: %(choices)s.") % {
                "choices": ", ".join(str(label) for label in TaxTreatment.labels)
            }
        out["tax_treatment"] = treatment
    if "djp_code" in values:
        code = re.sub(r"\s", "", str(values.get("djp_code") or ""))
        if code and not _DJP_CODE.match(code):
            errors["djp_code"] = _("The DJP goods/services code has 6 digits, for example 000000 or 300000.")
        out["djp_code"] = code
    if "djp_unit_code" in values:
        unit_code = re.sub(r"\s", "", str(values.get("djp_unit_code") or "")).upper()
        if unit_code and not _DJP_UNIT.match(unit_code):
            errors["djp_unit_code"] = _("The DJP unit code looks like UM.0018 (UM, a full stop, 4 digits).")
        out["djp_unit_code"] = unit_code
    if "is_active" in values and values.get("is_active") is not None:
        out["is_active"] = bool(values.get("is_active"))
    if errors:
        raise fields_invalid(errors)
    return out


def _sku_taken(sku: str) -> ValidationError:
    return fields_invalid(
        {
            "sku": _("The SKU %(sku)s is already used. Choose another code, or edit that product.")
            % {"sku": sku}
        }
    )


@transaction.atomic
def product_create(
    *,
    workspace: Workspace,
    actor: User | None,
    values: Mapping[str, Any],
    money_parser: MoneyParser = parse_money,
) -> Product:
    """Add a product or service. SKU unique per workspace (case-insensitive), price ≥ 0."""
    cleaned = product_values_clean(workspace=workspace, values=values, money_parser=money_parser)
    product = Product(workspace=workspace, **cleaned)
    try:
        with transaction.atomic():
            product.save()
    except IntegrityError as error:  # a concurrent create with the same SKU
        raise _sku_taken(cleaned["sku"]) from error
    return product


@transaction.atomic
def product_update(
    *,
    product: Product,
    actor: User | None,
    values: Mapping[str, Any],
    money_parser: MoneyParser = parse_money,
) -> Product:
    """Change some fields of a product (partial). Documents already written keep their copy
    of the name, unit, price and tax treatment."""
    product = Product.objects.select_for_update().get(pk=product.pk)
    cleaned = product_values_clean(
        workspace=product.workspace, values=values, partial=True, product=product, money_parser=money_parser
    )
    for name, value in cleaned.items():
        setattr(product, name, value)
    try:
        with transaction.atomic():
            product.save()
    except IntegrityError as error:
        raise _sku_taken(cleaned.get("sku", product.sku)) from error
    return product


@transaction.atomic
def product_deactivate(*, product: Product, actor: User | None) -> Product:
    """Hide a product from pickers and new documents; documents that used it are untouched."""
    product = Product.objects.select_for_update().get(pk=product.pk)
    if product.is_active:
        product.is_active = False
        product.save(update_fields=["is_active", "updated_at"])
    return product


@transaction.atomic
def product_activate(*, product: Product, actor: User | None) -> Product:
    product = Product.objects.select_for_update().get(pk=product.pk)
    if not product.is_active:
        product.is_active = True
        product.save(update_fields=["is_active", "updated_at"])
    return product


@transaction.atomic
def product_delete(*, product: Product, actor: User | None) -> None:
    """Delete a product no document ever used; a used one answers 409: deactivate it."""
    if product_is_used(product=product):
        raise Conflict(
            _(
                "This product is on quotations, orders, invoices or credit notes and cannot be "
                "deleted. Deactivate it instead: it disappears from the pickers, documents keep it."
            ),
            code="product_in_use",
        )
    product.delete()
