"""Numbers on the analytics screens in the reader's language: ``87,5%`` and ``0,2`` in
Bahasa Indonesia, ``87.5%`` and ``0.2`` in English (reference/indonesia.md R14)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.translation import get_language

from relasi.accounts.models import Membership
from relasi.accounts.permissions import Perm
from relasi.core.money import format_number

register = template.Library()


def _format(value: Decimal, decimals: int) -> str:
    if get_language() == "en":
        return format_number(value, decimals=decimals, thousands=",", decimal_mark=".")
    return format_number(value, decimals=decimals)


def _decimal(value: object) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@register.filter
def percent(value: object, decimals: int = 0) -> str:
    """A share (0–1) as a percentage: ``0.875|percent:1`` → ``87,5%``; empty for no value."""
    number = _decimal(value)
    if number is None:
        return ""
    return _format(number * 100, int(decimals)) + "%"


@register.filter
def short_number(value: object, max_decimals: int = 2) -> str:
    """A number with at most ``max_decimals`` decimals and no trailing zeros:
    ``Decimal("0.2000")`` → ``0,2``, ``Decimal("12.00")`` → ``12``."""
    number = _decimal(value)
    if number is None:
        return ""
    rounded = round(number, int(max_decimals)).normalize()
    exponent = rounded.as_tuple().exponent
    decimals = max(0, -exponent) if isinstance(exponent, int) else 0
    return _format(rounded, min(decimals, int(max_decimals)))


@register.filter
def can(membership: object, perm: str) -> bool:
    """``{% if membership|can:"settings.manage" %}``: whether the member's role allows it."""
    return isinstance(membership, Membership) and membership.can(Perm(perm))
