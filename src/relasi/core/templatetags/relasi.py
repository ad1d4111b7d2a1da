"""Template filters for rupiah, phone numbers and dates in the workspace time zone."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.translation import get_language

from relasi.core.money import format_number, format_rupiah
from relasi.core.phone import format_phone_national

register = template.Library()


@register.filter
def rupiah(value: Decimal | int | str | None) -> str:
    if value in (None, ""):
        return ""
    return format_rupiah(Decimal(str(value)))


@register.filter
def number(value: Decimal | int | str | None, decimals: int = 0) -> str:
    if value in (None, ""):
        return ""
    if get_language() == "en":
        return format_number(Decimal(str(value)), decimals=decimals, thousands=",", decimal_mark=".")
    return format_number(Decimal(str(value)), decimals=decimals)


@register.filter
def phone(value: str | None) -> str:
    return format_phone_national(value) if value else ""
