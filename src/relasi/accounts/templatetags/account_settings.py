"""``{% settings_pages membership as pages %}``: the settings pages the role may open (for
the settings index, so links show only for permitted roles)."""

from __future__ import annotations

from typing import Any

from django import template

from relasi.accounts.models import Membership

register = template.Library()


@register.simple_tag
def settings_pages(membership: Membership | None) -> list[dict[str, Any]]:
    if membership is None:
        return []
    from relasi.accounts.views_settings import settings_pages_for

    return settings_pages_for(membership)
