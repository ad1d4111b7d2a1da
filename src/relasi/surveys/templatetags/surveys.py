"""Template helpers of the survey pages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template

register = template.Library()


@register.filter
def lookup(mapping: Mapping[str, Any] | None, key: str) -> Any:
    """``mapping[key]``, or the key itself when it is missing (a deleted topic shows its key)."""
    if not mapping:
        return key
    return mapping.get(key, key)
