"""The sales section's tabs. A tab shows only when the user's role may see it."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from relasi.accounts.permissions import Perm


@dataclass(frozen=True)
class Tab:
    key: str
    label: str | Promise
    url_name: str
    perm: Perm = Perm.SALES_VIEW


TABS: tuple[Tab, ...] = (
    Tab("pipeline", _("Pipeline"), "sales:deal_board"),
    Tab("activities", _("Activities"), "sales:activity_list"),
    Tab("quotations", _("Quotations"), "sales:quotation_list"),
    Tab("orders", _("Orders"), "sales:order_list"),
    Tab("invoices", _("Invoices"), "sales:invoice_list"),
    Tab("payments", _("Payments"), "sales:payment_list"),
    Tab("receivables", _("Receivables"), "sales:receivables"),
    Tab("products", _("Products"), "sales:product_list"),
)
