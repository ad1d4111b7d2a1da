"""Forms of the seller's settings pages. They shape the input (rupiah typed the Indonesian way
through ``parse_money``, whole days); every rule lives in ``sales.services_settings``, whose
field errors the views put back with ``relasi.web.forms.apply_errors``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from relasi.core.money import MoneyParseError, format_number, parse_money
from relasi.sales.enums import SequenceReset
from relasi.sales.models import BankAccount, DocumentSequence, SalesProfile

_NUMERIC = {"inputmode": "numeric", "autocomplete": "off"}
_MONEY = {"inputmode": "decimal", "autocomplete": "off", "placeholder": "5.000.000"}


class MoneyField(forms.Field):
    """Rupiah typed the Indonesian way: ``5.000.000`` or ``5000000`` or ``1.250.000,50``."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs={**_MONEY, "maxlength": "30"}))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal | None:
        text = str(value or "").strip()
        if not text:
            return None
        if len(text) > 30:
            raise forms.ValidationError(_("This amount is too long."), code="money")
        try:
            return parse_money(text)
        except MoneyParseError as error:
            raise forms.ValidationError(
                _(
                    "Write the amount the Indonesian way, with full stops between thousands: "
                    "1.250.000 or 1.250.000,50."
                ),
                code="money",
            ) from error

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Decimal):
            whole = value == value.to_integral_value()
            return format_number(value, decimals=0 if whole else 2)
        return value


def _text(label: Any, max_length: int, **kwargs: Any) -> forms.CharField:
    return forms.CharField(label=label, max_length=max_length, required=False, **kwargs)


class SalesProfileForm(forms.Form):
    legal_name = _text(
        _("Legal name"), 200, help_text=_("As registered, e.g. PT Maju Jaya Abadi or CV Sinar.")
    )
    address = forms.CharField(label=_("Address"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    city = _text(_("City (place of signing)"), 80)
    phone = _text(_("Phone"), 40, widget=forms.TextInput(attrs={"inputmode": "tel"}))
    email = _text(_("E-mail"), 254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    website = _text(_("Website"), 200, widget=forms.TextInput(attrs={"inputmode": "url"}))
    logo = forms.ImageField(
        label=_("Logo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
        help_text=_("PNG or JPEG, at most 1 MB. Printed on quotations, invoices and receipts."),
    )
    is_pkp = forms.BooleanField(
        label=_("PKP (registered for PPN)"),
        required=False,
        help_text=_("Only a PKP may charge PPN. A non-PKP workspace never shows PPN on its documents."),
    )
    npwp = _text(
        _("NPWP"),
        25,
        widget=forms.TextInput(attrs=_NUMERIC),
        help_text=_("16 digits; an old 15-digit NPWP is accepted and gets a leading 0."),
    )
    nitku = _text(
        _("NITKU"),
        30,
        widget=forms.TextInput(attrs=_NUMERIC),
        help_text=_("22 digits: the NPWP followed by 6 digits (000000 for the head office)."),
    )
    turnover_threshold = MoneyField(
        label=_("PKP turnover threshold"),
        required=False,
        help_text=_("A non-PKP business must register as PKP above this yearly turnover (Rp4.800.000.000)."),
    )
    payment_terms_days = forms.IntegerField(label=_("Payment terms (days)"), min_value=0, max_value=365)
    quotation_validity_days = forms.IntegerField(
        label=_("Quotations valid for (days)"), min_value=0, max_value=365
    )
    signatory_name = _text(_("Signatory"), 120)
    signatory_title = _text(_("Signatory's title"), 120, help_text=_("For example Direktur."))
    document_footer = forms.CharField(
        label=_("Note printed on documents"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: Barang yang sudah dibeli tidak dapat dikembalikan."),
    )
    show_cents = forms.BooleanField(label=_("Show sen (,00) on amounts"), required=False)
    stamp_duty_threshold = MoneyField(
        label=_("Stamp duty threshold"),
        required=False,
        help_text=_("Receipts and paid invoices above this amount need a meterai (Rp5.000.000)."),
    )
    stamp_duty_amount = MoneyField(label=_("Stamp duty"), required=False, help_text=_("Rp10.000 since 2021."))
    qris_payload = forms.CharField(
        label=_("Static QRIS (text)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "autocomplete": "off"}),
        help_text=_(
            "Scan your QRIS sticker with a QR reader app and paste the text (it starts with "
            "000201). Invoices then carry a QR with the amount filled in."
        ),
    )
    qris_limit = MoneyField(
        label=_("QRIS limit per payment"),
        required=False,
        help_text=_("Above this amount the QR is not printed; buyers pay by transfer (Rp10.000.000)."),
    )

    MONEY_DEFAULTS = {
        "turnover_threshold": Decimal("4800000000"),
        "stamp_duty_threshold": Decimal("5000000"),
        "stamp_duty_amount": Decimal("10000"),
        "qris_limit": Decimal("10000000"),
    }

    def values(self) -> dict[str, Any]:
        """The cleaned shape ``sales_profile_update`` expects; an emptied amount goes back to
        its default. ``logo`` is an upload, ``False`` (clear) or absent (keep)."""
        data = dict(self.cleaned_data)
        for name, default in self.MONEY_DEFAULTS.items():
            if data.get(name) is None:
                data[name] = default
        logo = data.pop("logo", None)
        if logo is False or logo:
            data["logo"] = logo
        return data

    @staticmethod
    def initial_for(profile: SalesProfile) -> dict[str, Any]:
        names = [n for n in SalesProfileForm.base_fields if n != "logo"]
        return {name: getattr(profile, name) for name in names} | {"logo": profile.logo}


class BankAccountForm(forms.Form):
    bank_name = forms.CharField(
        label=_("Bank"), max_length=80, widget=forms.TextInput(attrs={"placeholder": "BCA"})
    )
    account_number = forms.CharField(
        label=_("Account number"), max_length=40, widget=forms.TextInput(attrs=_NUMERIC)
    )
    account_holder = forms.CharField(
        label=_("Account holder (atas nama)"),
        max_length=120,
        help_text=_("Exactly as the bank shows it, so buyers can check before they pay."),
    )

    def values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)

    @staticmethod
    def initial_for(account: BankAccount) -> dict[str, Any]:
        return {name: getattr(account, name) for name in ("bank_name", "account_number", "account_holder")}


class SequenceForm(forms.Form):
    template = forms.CharField(
        label=_("Number template"),
        max_length=60,
        help_text=_("Use {seq}, {MM}, {ROMAN_MM}, {YYYY} and {YY}, e.g. INV/{seq}/{ROMAN_MM}/{YYYY}."),
    )
    padding = forms.IntegerField(label=_("Digits in {seq}"), min_value=1, max_value=8)
    reset = forms.ChoiceField(label=_("Restart numbering"), choices=SequenceReset.choices)

    @staticmethod
    def initial_for(sequence: DocumentSequence) -> dict[str, Any]:
        return {"template": sequence.template, "padding": sequence.padding, "reset": sequence.reset}
