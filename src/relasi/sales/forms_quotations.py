"""Forms of quotations and sales orders, and the line editor's rows.

The forms give the shape of the input only; every rule lives in ``services_quotations`` and
``services_orders``, whose field errors the views put back (``apply_errors`` for header
fields, ``LineRows.apply_errors`` for ``lines.<n>.<field>``).

The line editor posts rows as ``lines-<i>-<field>`` (``i`` from 0) with ``lines-count``.
Empty rows are ignored, a row with ``lines-<i>-remove`` is dropped, and the "add line" button
(``add_line``) posts back for one more blank row, so the editor works without JavaScript.
``static/sales/lines.js`` adds and removes rows in place and fills a row from a product.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from relasi.contacts.models import Contact
from relasi.core.exceptions import ApplicationError
from relasi.core.money import format_number
from relasi.sales.enums import DepositKind, QuotationKind, TaxTreatment
from relasi.sales.models import Deal, Product

LINE_FIELDS = (
    "product",
    "description",
    "quantity",
    "unit",
    "unit_price",
    "discount_percent",
    "tax_treatment",
)
BLANK_ROWS = 3  # blank rows offered under the filled ones (no-JS path)
MAX_ROWS = 200
_EMPTY = [("", "—")]
_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # a date input reads ISO only
_MONEY = {"inputmode": "decimal", "autocomplete": "off", "placeholder": "1.250.000"}


def money_text(value: Decimal | None) -> str:
    """An amount as typed in a form: ``1.250.000`` or ``1.250.000,50`` (R18)."""
    if value is None:
        return ""
    decimals = 0 if value == value.to_integral_value() else 2
    return format_number(value, decimals=decimals)


def number_text(value: Decimal | None) -> str:
    """A quantity or percentage as typed: ``2``, ``1,5`` (no grouping)."""
    if value is None:
        return ""
    normalized = value.normalize()
    text = f"{normalized:f}"
    return text.replace(".", ",")


def contact_label(contact: Contact) -> str:
    """What the customer picker shows and posts back: ``Name (#id)``."""
    return f"{contact.full_name} (#{contact.pk})"


def contact_id_from(text: str) -> str:
    """The id in ``Name (#12)``, ``#12`` or ``12``; otherwise the text itself (the service
    then says to choose a customer)."""
    value = text.strip()
    if value.endswith(")") and "(#" in value:
        value = value.rsplit("(#", 1)[1][:-1]
    return value.lstrip("#").strip()


class QuotationForm(forms.Form):
    contact = forms.CharField(
        label=_("Customer"),
        max_length=240,
        required=False,
        widget=forms.TextInput(
            attrs={"list": "contact-options", "autocomplete": "off", "data-contact-picker": ""}
        ),
        help_text=_("Type a name and choose from the list."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=QuotationKind.choices, initial=QuotationKind.QUOTATION)
    deal = forms.ChoiceField(label=_("Deal"), required=False)
    issue_date = forms.DateField(label=_("Date"), required=False, widget=_DATE)
    valid_until = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=_DATE,
        help_text=_("Empty: the date plus the validity set in the sales settings."),
    )
    payment_terms_days = forms.CharField(
        label=_("Payment terms (days)"),
        required=False,
        max_length=3,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    shipping_cost = forms.CharField(
        label=_("Shipping"), required=False, max_length=30, widget=forms.TextInput(attrs=_MONEY)
    )
    other_costs = forms.CharField(
        label=_("Other costs"), required=False, max_length=30, widget=forms.TextInput(attrs=_MONEY)
    )
    other_costs_label = forms.CharField(label=_("Other costs (what)"), required=False, max_length=100)
    deposit_kind = forms.ChoiceField(
        label=_("Deposit requested"),
        choices=DepositKind.choices,
        initial=DepositKind.NONE,
        help_text=_("Proforma invoices only."),
    )
    deposit_value = forms.CharField(
        label=_("Deposit (percent or amount)"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    terms = forms.CharField(
        label=_("Terms and conditions"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, deals: Sequence[Deal] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["deal"].choices = _EMPTY + [(str(d.pk), f"{d.title} · {d.contact}") for d in deals]  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        """The cleaned shape, as ``quotation_create`` / ``quotation_update`` expect it."""
        data = dict(self.cleaned_data)
        data["contact"] = contact_id_from(data.get("contact") or "")
        return data


class SalesOrderForm(forms.Form):
    contact = QuotationForm.base_fields["contact"]
    order_date = forms.DateField(label=_("Order date"), required=False, widget=_DATE)
    customer_po_number = forms.CharField(label=_("Buyer's PO number"), required=False, max_length=60)
    payment_terms_days = QuotationForm.base_fields["payment_terms_days"]
    shipping_cost = QuotationForm.base_fields["shipping_cost"]
    other_costs = QuotationForm.base_fields["other_costs"]
    other_costs_label = QuotationForm.base_fields["other_costs_label"]
    notes = QuotationForm.base_fields["notes"]

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["contact"] = contact_id_from(data.get("contact") or "")
        return data


class AcceptForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=120)
    po_number = forms.CharField(label=_("Your PO number (optional)"), max_length=60, required=False)


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# The line editor ------------------------------------------------------------------------


@dataclass
class LineRow:
    """One row of the editor: the raw values typed, and the errors of each field."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)

    def is_blank(self) -> bool:
        return not any(
            (self.values.get(name) or "").strip() for name in LINE_FIELDS if name != "tax_treatment"
        )


@dataclass
class LineRows:
    rows: list[LineRow]
    general_error: str = ""

    @classmethod
    def from_post(cls, data: Mapping[str, Any]) -> LineRows:
        """The rows posted, without removed and empty ones."""
        try:
            count = min(int(str(data.get("lines-count", "0"))), MAX_ROWS)
        except ValueError:
            count = 0
        rows = []
        for i in range(max(count, 0)):
            if data.get(f"lines-{i}-remove"):
                continue
            row = LineRow({name: str(data.get(f"lines-{i}-{name}", "")).strip() for name in LINE_FIELDS})
            if not row.is_blank():
                rows.append(row)
        return cls(rows)

    @classmethod
    def from_document(cls, document: Any) -> LineRows:
        return cls(
            [
                LineRow(
                    {
                        "product": str(line.product_id or ""),
                        "description": line.description,
                        "quantity": number_text(line.quantity),
                        "unit": line.unit,
                        "unit_price": money_text(line.unit_price),
                        "discount_percent": number_text(line.discount_percent)
                        if line.discount_percent
                        else "",
                        "tax_treatment": line.tax_treatment,
                    }
                )
                for line in document.lines.all()
            ]
        )

    @classmethod
    def from_product(cls, product: Product | None) -> LineRows:
        if product is None:
            return cls([])
        return cls([LineRow({"product": str(product.pk), "quantity": "1"})])

    def service_rows(self) -> list[dict[str, str]]:
        """The rows in the shape ``documents.lines_clean`` reads."""
        return [dict(row.values) for row in self.rows]

    def apply_errors(self, error: ApplicationError) -> dict[str, str]:
        """Put ``lines.<n>.<field>`` errors on their rows; return the other errors."""
        rest: dict[str, str] = {}
        for name, message in error.fields.items():
            parts = name.split(".")
            if parts[0] == "lines" and len(parts) == 3 and parts[1].isdigit():
                n = int(parts[1]) - 1
                if 0 <= n < len(self.rows):
                    target = parts[2] if parts[2] in LINE_FIELDS else "description"
                    self.rows[n].errors[target] = str(message)
                    continue
            if name == "lines":
                self.general_error = str(message)
                continue
            rest[name] = str(message)
        return rest

    def display(self, *, extra_blank: int = BLANK_ROWS) -> list[LineRow]:
        """The rows to show: the filled ones, then blank ones to type into."""
        return self.rows + [LineRow({"tax_treatment": TaxTreatment.STANDARD}) for _ in range(extra_blank)]


def tax_treatment_choices() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in TaxTreatment.choices]
