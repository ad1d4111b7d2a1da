"""Forms of invoices, credit notes, voiding, the Faktur Pajak number and the Coretax export.

Shape only: every rule lives in the services, whose field errors the views put back on the
form (``relasi.web.forms.apply_errors``) and on the line rows (``LineRows.apply_errors`` of the
shared line editor in ``forms_quotations``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from relasi.sales.forms_quotations import contact_id_from, contact_label, money_text
from relasi.sales.models import Invoice

_MONEY = {"inputmode": "decimal", "autocomplete": "off", "placeholder": "1.250.000"}


class InvoiceForm(forms.Form):
    contact = forms.CharField(
        label=_("Customer"),
        max_length=240,
        required=False,
        widget=forms.TextInput(
            attrs={"list": "contact-options", "autocomplete": "off", "data-contact-picker": ""}
        ),
        help_text=_("Type a name and choose from the list."),
    )
    issue_date = forms.DateField(
        label=_("Invoice date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    delivery_date = forms.DateField(
        label=_("Delivery date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    payment_terms_days = forms.CharField(
        label=_("Payment terms (days)"),
        required=False,
        max_length=3,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        help_text=_("Empty: the terms set in the sales settings. 0 means cash."),
    )
    customer_po_number = forms.CharField(label=_("Buyer's PO number"), required=False, max_length=60)
    shipping_cost = forms.CharField(
        label=_("Shipping"), required=False, max_length=30, widget=forms.TextInput(attrs=_MONEY)
    )
    other_costs = forms.CharField(
        label=_("Other costs"), required=False, max_length=30, widget=forms.TextInput(attrs=_MONEY)
    )
    other_costs_label = forms.CharField(label=_("Other costs (what)"), required=False, max_length=100)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    @staticmethod
    def initial_for(invoice: Invoice) -> dict[str, Any]:
        return {
            "contact": contact_label(invoice.contact),
            "issue_date": invoice.issue_date,
            "delivery_date": invoice.delivery_date,
            "payment_terms_days": str(invoice.payment_terms_days),
            "customer_po_number": invoice.customer_po_number,
            "shipping_cost": money_text(invoice.shipping_cost) if invoice.shipping_cost else "",
            "other_costs": money_text(invoice.other_costs) if invoice.other_costs else "",
            "other_costs_label": invoice.other_costs_label,
            "notes": invoice.notes,
        }

    def values(self) -> dict[str, Any]:
        """The cleaned shape ``invoice_create`` / ``invoice_update`` expect."""
        data = dict(self.cleaned_data)
        data["contact"] = contact_id_from(data.get("contact") or "")
        return data


class VoidForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for voiding"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class TaxNumberForm(forms.Form):
    tax_invoice_number = forms.CharField(
        label=_("Faktur Pajak number"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("The 17 digits Coretax gave the approved Faktur Pajak."),
    )


class CreditNoteForm(forms.Form):
    """The reason and whether to credit everything; the quantities per line are posted as
    ``qty-<invoice line id>`` and read by the view."""

    reason = forms.CharField(
        label=_("Reason"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    full = forms.BooleanField(label=_("Credit everything not yet credited"), required=False)


class CoretaxForm(forms.Form):
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
