"""``{% if membership|can:"payments.record" %}``: show an action only to a role allowed it."""

from __future__ import annotations

from django import template

from relasi.accounts.models import Membership
from relasi.accounts.permissions import Perm

register = template.Library()


@register.filter
def can(membership: Membership | None, perm: str) -> bool:
    return membership is not None and membership.can(Perm(perm))
