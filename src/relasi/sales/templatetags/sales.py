"""``{% sales_tabs active %}``: the sales section's tabs."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse

from relasi.sales.navigation import TABS

register = template.Library()


@register.inclusion_tag("sales/_tabs.html", takes_context=True)
def sales_tabs(context: dict[str, Any], active: str = "") -> dict[str, Any]:
    membership = context.get("membership") or getattr(context.get("request"), "membership", None)
    workspace = context["workspace"]
    tabs = []
    for tab in TABS:
        if membership is not None and not membership.can(tab.perm):
            continue
        try:
            url = reverse(tab.url_name, args=[workspace.slug])
        except NoReverseMatch:  # an area not wired in (yet): no dead link
            continue
        tabs.append({"key": tab.key, "label": tab.label, "url": url, "active": tab.key == active})
    return {"tabs": tabs}
