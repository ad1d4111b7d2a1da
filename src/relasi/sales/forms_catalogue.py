"""Forms of the catalogue pages. They shape the input; every rule lives in
``sales.services_catalogue.product_values_clean`` (the price is parsed there with
``parse_money``, so ``1,250.000`` gets the service's message on the ``price`` field)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from relasi.core.money import format_number
from relasi.sales.enums import ProductKind, TaxTreatment
from relasi.sales.models import Product
from relasi.sales.services_catalogue import UNIT_SUGGESTIONS


class ProductForm(forms.Form):
    sku = forms.CharField(
        label=_("SKU"),
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "HMP-001"}),
        help_text=_("Your own product code; unique in this workspace."),
    )
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=ProductKind.choices, initial=ProductKind.GOODS)
    unit = forms.CharField(
        label=_("Unit"),
        max_length=20,
        required=False,
        initial="pcs",
        widget=forms.TextInput(attrs={"list": "unit-suggestions", "autocomplete": "off"}),
        help_text=_("For example pcs, kg, jam, paket, box, lusin, meter or liter."),
    )
    price = forms.CharField(
        label=_("Price (Rp)"),
        max_length=30,
        required=False,
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "autocomplete": "off", "placeholder": "150.000"}
        ),
        help_text=_(
            "Before PPN. Full stops between thousands, a comma before sen: 1.250.000 or 1.250.000,50."
        ),
    )
    tax_treatment = forms.ChoiceField(
        label=_("Tax treatment"), choices=TaxTreatment.choices, initial=TaxTreatment.STANDARD
    )
    djp_code = forms.CharField(
        label=_("DJP goods/services code"),
        max_length=10,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("Six digits from DJP's goods and services code list, needed for Coretax."),
    )
    djp_unit_code = forms.CharField(
        label=_("DJP unit code"),
        max_length=10,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "UM.0018"}),
        help_text=_("For example UM.0018 (piece)."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    unit_suggestions = UNIT_SUGGESTIONS

    def values(self) -> dict[str, Any]:
        """The cleaned shape ``product_create`` / ``product_update`` expect."""
        return dict(self.cleaned_data)

    @staticmethod
    def initial_for(product: Product) -> dict[str, Any]:
        initial = {name: getattr(product, name) for name in ProductForm.base_fields}
        price = Decimal(product.price)
        initial["price"] = format_number(price, decimals=0 if price == price.to_integral_value() else 2)
        return initial


class ProductImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
        help_text=_("CSV or Excel (.xlsx) with the column names in the first row."),
    )


class ProductImportMappingForm(forms.Form):
    """One select per column of the file: which product field it holds (or ignore)."""

    def __init__(self, *args: Any, headers: list[str], choices: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.headers = headers
        for position, header in enumerate(headers):
            self.fields[f"col_{position}"] = forms.ChoiceField(
                label=header, choices=[("", _("— ignore —")), *choices], required=False
            )

    def mapping(self) -> dict[str, str]:
        return {
            header: self.cleaned_data.get(f"col_{position}") or ""
            for position, header in enumerate(self.headers)
        }

    @staticmethod
    def initial_for(headers: list[str], mapping: dict[str, str]) -> dict[str, str]:
        return {f"col_{position}": mapping.get(header, "") for position, header in enumerate(headers)}
