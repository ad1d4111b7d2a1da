"""Forms of the payments pages: the shape of the input only. Amounts are typed the Indonesian
way (``1.250.000,50``, R18); every business rule is in ``services_payments``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relasi.accounts.models import Workspace
from relasi.core.money import MoneyParseError, format_number, parse_money
from relasi.sales import selectors_payments
from relasi.sales.enums import PaymentMethod
from relasi.sales.models import BankAccount, Invoice, Quotation
from relasi.sales.services_reminders import CHANNEL_EMAIL, CHANNEL_WHATSAPP

MONEY_HINT = _("Write the amount the Indonesian way, for example 1.250.000 or 1.250.000,50.")


def money_initial(amount: Decimal) -> str:
    """``1250000`` → ``1.250.000``; sen only when there are any (``1.250.000,50``)."""
    return format_number(amount, decimals=0 if amount == amount.to_integral_value() else 2)


class PaymentForm(forms.Form):
    invoice = forms.ChoiceField(label=_("Invoice"), required=False)
    quotation = forms.ChoiceField(
        label=_("Or a deposit on a proforma"),
        required=False,
        help_text=_("Choose either an invoice or a proforma."),
    )
    amount = forms.CharField(
        label=_("Amount received"),
        max_length=30,
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "placeholder": "1.250.000", "autocomplete": "off"}
        ),
        help_text=MONEY_HINT,
    )
    paid_on = forms.DateField(
        label=_("Date paid"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices)
    bank_account = forms.ChoiceField(
        label=_("Into account"), required=False, help_text=_("Required for a bank transfer.")
    )
    reference = forms.CharField(
        label=_("Reference"),
        max_length=100,
        required=False,
        help_text=_("Transfer reference, QRIS transaction id, or the like."),
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    issue_receipt = forms.BooleanField(label=_("Issue a kwitansi (receipt)"), required=False, initial=True)

    def __init__(
        self,
        *args: Any,
        workspace: Workspace,
        extra_invoice: Invoice | None = None,
        extra_quotation: Quotation | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.workspace = workspace
        invoices = selectors_payments.open_invoice_choices(workspace=workspace)
        if extra_invoice is not None and extra_invoice not in invoices:
            invoices.insert(0, extra_invoice)
        proformas = selectors_payments.deposit_proforma_choices(workspace=workspace)
        if extra_quotation is not None and extra_quotation not in proformas:
            proformas.insert(0, extra_quotation)
        cast(forms.ChoiceField, self.fields["invoice"]).choices = [("", "—")] + [
            (str(i.pk), f"{i.number or _('Draft')} · {i.buyer_name} · {money_initial(i.balance_due)}")
            for i in invoices
        ]
        cast(forms.ChoiceField, self.fields["quotation"]).choices = [("", "—")] + [
            (str(q.pk), f"{q.number} · {q.buyer_name} · {money_initial(q.grand_total)}") for q in proformas
        ]
        cast(forms.ChoiceField, self.fields["bank_account"]).choices = [("", "—")] + [
            (str(a.pk), str(a)) for a in selectors_payments.bank_account_choices(workspace=workspace)
        ]

    def clean_amount(self) -> Decimal:
        raw = self.cleaned_data["amount"]
        try:
            return parse_money(raw)
        except MoneyParseError as error:
            raise forms.ValidationError(MONEY_HINT) from error

    def values(self) -> dict[str, Any]:
        """Keyword arguments for ``payment_record`` (objects looked up in this workspace)."""
        data = self.cleaned_data
        invoice = quotation = None
        bank_account: BankAccount | None = None
        if data.get("invoice"):
            invoice = selectors_payments.payable_invoice_get(
                workspace=self.workspace, invoice_id=int(data["invoice"])
            )
        if data.get("quotation"):
            quotation = selectors_payments.deposit_proforma_get(
                workspace=self.workspace, quotation_id=int(data["quotation"])
            )
        if data.get("bank_account"):
            bank_account = selectors_payments.bank_account_get(
                workspace=self.workspace, bank_account_id=int(data["bank_account"])
            )
        return {
            "invoice": invoice,
            "quotation": quotation,
            "amount": data["amount"],
            "paid_on": data["paid_on"],
            "method": data["method"],
            "bank_account": bank_account,
            "reference": data.get("reference") or "",
            "notes": data.get("notes") or "",
            "issue_receipt": bool(data.get("issue_receipt")),
        }

    @staticmethod
    def initial_for(
        *, invoice: Invoice | None, quotation: Quotation | None, has_bank: bool, today: date | None = None
    ) -> dict[str, Any]:
        """Prefill: the document, what is left to pay on it, today, and bank transfer when the
        workspace has an account."""
        initial: dict[str, Any] = {
            "paid_on": today or timezone.localdate(),
            "method": PaymentMethod.BANK_TRANSFER if has_bank else PaymentMethod.CASH,
            "issue_receipt": True,
        }
        if invoice is not None:
            initial["invoice"] = str(invoice.pk)
            if invoice.balance_due > 0:
                initial["amount"] = money_initial(invoice.balance_due)
        elif quotation is not None:
            initial["quotation"] = str(quotation.pk)
            wanted = quotation.deposit_amount if quotation.deposit_amount > 0 else quotation.grand_total
            initial["amount"] = money_initial(wanted)
        return initial


class PaymentCancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the payment cancelled?"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: the transfer bounced, or the amount was typed wrong."),
    )


class ReminderForm(forms.Form):
    channel = forms.ChoiceField(
        choices=[(CHANNEL_EMAIL, _("E-mail")), (CHANNEL_WHATSAPP, _("WhatsApp"))],
    )
