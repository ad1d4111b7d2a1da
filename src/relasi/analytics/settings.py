"""The owner's analytics settings: RFM cut points and segment rules, the simple CLV's
retention years and margin, the probabilistic CLV's horizon and discount rate."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from relasi.accounts.models import User, Workspace
from relasi.analytics.enums import RfmSegment, TimeUnit
from relasi.analytics.metrics.rfm import DEFAULT_SEGMENT_RULES, SegmentRule
from relasi.analytics.models import AnalyticsSettings
from relasi.core.exceptions import fields_invalid

CUT_FIELDS = ("recency_cuts", "frequency_cuts", "monetary_cuts")


def analytics_settings_get(*, workspace: Workspace) -> AnalyticsSettings:
    settings, _created = AnalyticsSettings.objects.get_or_create(workspace=workspace)
    return settings


def segment_rules(settings: AnalyticsSettings) -> tuple[SegmentRule, ...]:
    if not settings.segment_rules:
        return DEFAULT_SEGMENT_RULES
    return tuple(SegmentRule.from_dict(rule) for rule in settings.segment_rules)


def _cuts_check(value: Any) -> tuple[list[float] | None, str | None]:
    """Empty = quintiles; otherwise exactly four ascending non-negative numbers."""
    if value in (None, "", []):
        return [], None
    try:
        numbers = [float(v) for v in value]
    except (TypeError, ValueError):
        return None, _("Give four numbers, e.g. 30, 60, 120, 240, or leave it empty for quintiles.")
    if len(numbers) != 4 or any(n < 0 for n in numbers) or numbers != sorted(set(numbers)):
        return None, _(
            "Give four different numbers, not negative, from small to large, e.g. 30, 60, 120, 240."
        )
    return numbers, None


def _rules_check(value: Any) -> tuple[list[dict[str, Any]] | None, str | None]:
    if value in (None, "", []):
        return [], None
    if not isinstance(value, list):
        return None, _("Give a list of rules.")
    rules = []
    for position, item in enumerate(value, start=1):
        if not isinstance(item, dict) or item.get("key") not in RfmSegment.values or not item.get("key"):
            return None, _("Rule %(n)s: choose one of the named segments.") % {"n": position}
        try:
            rule = SegmentRule.from_dict(item)
        except (TypeError, ValueError):
            return None, _("Rule %(n)s: scores must be whole numbers from 1 to 5.") % {"n": position}
        bounds = [rule.r_min, rule.r_max, rule.f_min, rule.f_max, rule.m_min, rule.m_max]
        if any(not isinstance(b, int) or not 1 <= b <= 5 for b in bounds) or not (
            rule.r_min <= rule.r_max and rule.f_min <= rule.f_max and rule.m_min <= rule.m_max
        ):
            return None, _(
                "Rule %(n)s: scores must be whole numbers from 1 to 5, the minimum not above the maximum."
            ) % {"n": position}
        rules.append(rule.as_dict())
    return rules, None


def _decimal(
    value: Any, low: Decimal, high: Decimal, *, optional: bool = False
) -> tuple[Decimal | None, bool]:
    if optional and value in (None, ""):
        return None, True
    try:
        number = Decimal(str(value).replace(",", "."))
    except (InvalidOperation, ValueError):
        return None, False
    return number, low <= number <= high


@transaction.atomic
def analytics_settings_update(
    *, workspace: Workspace, actor: User | None, values: dict[str, Any]
) -> AnalyticsSettings:
    """Change the settings; every field is checked and nothing is saved when one is wrong.
    They take effect at the next refresh."""
    settings = AnalyticsSettings.objects.select_for_update().get(
        pk=analytics_settings_get(workspace=workspace).pk
    )
    errors: dict[str, str | Promise] = {}
    changes: dict[str, Any] = {}
    for name in CUT_FIELDS:
        if name in values:
            cuts, error = _cuts_check(values[name])
            if error:
                errors[name] = error
            else:
                changes[name] = cuts
    if "segment_rules" in values:
        rules, error = _rules_check(values["segment_rules"])
        if error:
            errors["segment_rules"] = error
        else:
            changes["segment_rules"] = rules
    checks = {
        "retention_years": (
            Decimal("0.1"),
            Decimal("50"),
            False,
            _("Give the years a customer stays, from 0,1 to 50."),
        ),
        "margin_percent": (
            Decimal("0"),
            Decimal("100"),
            True,
            _("Give the margin in percent, 0 to 100, or leave it empty."),
        ),
        "monthly_discount_rate": (
            Decimal("0"),
            Decimal("100"),
            False,
            _("Give the monthly discount rate in percent, 0 to 100."),
        ),
    }
    for name, (low, high, optional, message) in checks.items():
        if name in values:
            number, ok = _decimal(values[name], low, high, optional=optional)
            if ok:
                changes[name] = number
            else:
                errors[name] = message
    if "clv_horizon_months" in values:
        try:
            months = int(values["clv_horizon_months"])
        except (TypeError, ValueError):
            months = 0
        if 1 <= months <= 120:
            changes["clv_horizon_months"] = months
        else:
            errors["clv_horizon_months"] = _("Give the horizon in whole months, 1 to 120.")
    if "time_unit" in values:
        if values["time_unit"] in TimeUnit.values:
            changes["time_unit"] = values["time_unit"]
        else:
            errors["time_unit"] = _("Choose days, weeks or months.")
    if errors:
        raise fields_invalid(errors)
    for name, value in changes.items():
        setattr(settings, name, value)
    settings.save()
    return settings
