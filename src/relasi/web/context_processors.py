from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from relasi.accounts.permissions import Perm
from relasi.accounts.selectors import membership_list_for_user
from relasi.web.navigation import SECTIONS


def navigation(request: HttpRequest) -> dict[str, Any]:
    workspace = getattr(request, "workspace", None)
    if workspace is None or not request.user.is_authenticated:
        return {}
    items = []
    membership = getattr(request, "membership", None)
    for section in SECTIONS:
        if section.perm and (membership is None or not membership.can(Perm(section.perm))):
            continue
        url = reverse(section.url_name, args=[workspace.slug]) if section.url_name else None
        items.append(
            {
                "key": section.key,
                "label": section.label,
                "url": url,
                "active": bool(url)
                and (
                    request.path.startswith(url or "-")
                    or any(part in request.path for part in section.also_active_under)
                ),
            }
        )
    return {
        "nav_items": items,
        "workspace": workspace,
        "membership": getattr(request, "membership", None),
        "my_memberships": membership_list_for_user(user=request.user),  # type: ignore[arg-type]
    }
