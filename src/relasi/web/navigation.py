"""The whole product in the navigation: built sections link, the rest are marked
"segera hadir" (coming soon) — shown, not faked."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


@dataclass(frozen=True)
class Section:
    key: str
    label: str | Promise
    url_name: str | None  # None: not built yet
    also_active_under: tuple[str, ...] = ()  # other path parts that belong to this section
    perm: str = ""  # a ``Perm`` value the member's role needs to see the entry ("" = everyone)


SECTIONS: tuple[Section, ...] = (
    Section("contacts", _("Customers"), "contacts:list", ("/perusahaan/", "/departemen/")),
    Section("conversations", _("Conversations"), "conversations:inbox"),
    Section("reports", _("Reports"), "conversations:reports", perm="inboxes.manage"),
    Section("sales", pgettext_lazy("navigation", "Sales"), "sales:deal_board", ("/penjualan/",)),
    Section("inventory", _("Stock"), None),
    Section("support", _("Service"), "surveys:list", ("/survei/",), perm="surveys.view"),
    Section("campaigns", _("Campaigns"), None),
    Section("analytics", _("Analytics"), "analytics:home"),
    Section("settings", _("Settings"), "web:settings"),
)
