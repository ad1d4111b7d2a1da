"""Forms and query parsing of the analytics screens.

They give the input its shape (a period, a segment's conditions, a rupiah amount typed the
Indonesian way, the rows of the segment rule table); every rule lives in the services
(``segments``, ``settings``, ``services``), whose field errors the views put back on the form.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from relasi.accounts.models import Workspace
from relasi.analytics.enums import ChurnRisk, CustomerType, LifecycleStage, RfmSegment, TimeUnit
from relasi.analytics.models import AnalyticsSettings, Segment
from relasi.analytics.segments import CHOICE_FILTERS, NUMBER_FILTERS, TEXT_LIST_FILTERS
from relasi.analytics.settings import segment_rules
from relasi.contacts.enums import ContactKind, Source
from relasi.contacts.models import Tag
from relasi.core.exceptions import fields_invalid
from relasi.core.money import MoneyParseError, format_number, parse_money

# Query keys of the list pages that are not conditions of a segment.
RESERVED_KEYS = frozenset({"cursor", "format"})
FILTER_KEYS = frozenset({*CHOICE_FILTERS, *NUMBER_FILTERS, *TEXT_LIST_FILTERS, "tag", "kind"})


def filters_from_query(query: QueryDict) -> dict[str, Any]:
    """A segment filter from a query string: ``?churn_risk=high&churn_risk=lost`` or
    ``?churn_risk=high,lost`` give a list, a single number stays a string. Unknown keys are
    kept, so that ``segment_filters_clean`` names them in its error."""
    filters: dict[str, Any] = {}
    for key in query:
        if key in RESERVED_KEYS:
            continue
        values = [v for v in query.getlist(key) if v != ""]
        if not values:
            continue
        if key in NUMBER_FILTERS or key == "kind":
            filters[key] = values[-1]
        else:
            filters[key] = [part.strip() for v in values for part in v.split(",") if part.strip()]
    return filters


def filters_to_query(filters: dict[str, Any]) -> QueryDict:
    """The inverse: a (clean) filter as a query string (lists repeat their key)."""
    query = QueryDict(mutable=True)
    for key, value in filters.items():
        if isinstance(value, list | tuple):
            query.setlist(key, [str(v) for v in value])
        else:
            query[key] = str(value)
    return query


# Period ----------------------------------------------------------------------------------------

PERIODS = (
    ("month", gettext_lazy("This month")),
    ("3m", gettext_lazy("Last 3 months")),
    ("12m", gettext_lazy("Last 12 months")),
    ("custom", gettext_lazy("Custom range")),
)
DEFAULT_PERIOD = "12m"
MAX_PERIOD_MONTHS = 36  # the cohort table grows one column a month


def _month_start(day: dt.date, months_back: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months_back
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    key: str
    since: dt.date
    until: dt.date

    @property
    def months(self) -> int:
        """Calendar months the period touches (both ends included), for the cohort table."""
        return (self.until.year - self.since.year) * 12 + self.until.month - self.since.month + 1

    def as_query(self) -> dict[str, str]:
        if self.key == "custom":
            return {"period": "custom", "from": self.since.isoformat(), "to": self.until.isoformat()}
        return {"period": self.key}


def period_default(today: dt.date) -> Period:
    return period_from_query(QueryDict(), today=today)


def period_from_query(query: QueryDict, *, today: dt.date) -> Period:
    """``?period=month|3m|12m`` (whole calendar months up to today) or
    ``?period=custom&from=2026-01-01&to=2026-03-31``. Raises ``ValidationError`` naming the
    field to fix."""
    key = query.get("period") or DEFAULT_PERIOD
    if key == "month":
        return Period(key, today.replace(day=1), today)
    if key == "3m":
        return Period(key, _month_start(today, 2), today)
    if key == "12m":
        return Period(key, _month_start(today, 11), today)
    if key != "custom":
        raise fields_invalid({"period": _("Choose this month, the last 3 or 12 months, or a custom range.")})
    errors: dict[str, str] = {}
    dates: dict[str, dt.date] = {}
    for name in ("from", "to"):
        try:
            dates[name] = dt.date.fromisoformat(query.get(name, ""))
        except ValueError:
            errors[name] = _("Use a date like 2026-01-31.")
    if errors:
        raise fields_invalid(errors)
    since, until = dates["from"], dates["to"]
    if since > until:
        raise fields_invalid({"from": _("The start date is after the end date.")})
    if (until.year - since.year) * 12 + until.month - since.month >= MAX_PERIOD_MONTHS:
        raise fields_invalid(
            {"from": _("Choose a range of at most %(n)s months.") % {"n": MAX_PERIOD_MONTHS}}
        )
    return Period(key, since, until)


# Segments --------------------------------------------------------------------------------------

_NUMBER_LABELS = {
    "min_orders": gettext_lazy("At least this many purchases"),
    "min_total_spend": gettext_lazy("Spent at least (Rp)"),
    "min_simple_clv": gettext_lazy("Simple CLV at least (Rp)"),
    "max_p_alive": gettext_lazy("P(alive) at most (0–1)"),
    "min_days_since_last": gettext_lazy("Last purchase at least … days ago"),
    "max_days_since_last": gettext_lazy("Last purchase at most … days ago"),
}
_MONEY_FILTERS = ("min_total_spend", "min_simple_clv")


def _multi(label: Any, choices: Any) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        required=False,
        choices=[(value, text) for value, text in choices if value],
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )


class SegmentForm(forms.Form):
    """A segment's name and conditions; the conditions' keys are the filter keys of
    ``analytics.segments``, so the service's field errors land on the right input."""

    name = forms.CharField(label=gettext_lazy("Name"), max_length=120, required=False)
    description = forms.CharField(label=gettext_lazy("Description"), max_length=300, required=False)
    rfm_segment = _multi(gettext_lazy("RFM segment"), RfmSegment.choices)
    customer_type = _multi(gettext_lazy("Customer type"), CustomerType.choices)
    lifecycle_stage = _multi(gettext_lazy("Lifecycle stage"), LifecycleStage.choices)
    churn_risk = _multi(gettext_lazy("Churn risk"), ChurnRisk.choices)
    source = _multi(gettext_lazy("Source"), Source.choices)
    min_orders = forms.CharField(label=_NUMBER_LABELS["min_orders"], required=False, max_length=20)
    min_total_spend = forms.CharField(label=_NUMBER_LABELS["min_total_spend"], required=False, max_length=30)
    min_simple_clv = forms.CharField(label=_NUMBER_LABELS["min_simple_clv"], required=False, max_length=30)
    max_p_alive = forms.CharField(label=_NUMBER_LABELS["max_p_alive"], required=False, max_length=20)
    min_days_since_last = forms.CharField(
        label=_NUMBER_LABELS["min_days_since_last"], required=False, max_length=20
    )
    max_days_since_last = forms.CharField(
        label=_NUMBER_LABELS["max_days_since_last"], required=False, max_length=20
    )
    city = forms.CharField(
        label=gettext_lazy("Cities"),
        required=False,
        max_length=400,
        help_text=gettext_lazy("Separate several with commas, exactly as on the customers."),
    )
    province = forms.CharField(
        label=gettext_lazy("Provinces"),
        required=False,
        max_length=400,
        help_text=gettext_lazy("Separate several with commas."),
    )
    tag = forms.MultipleChoiceField(
        label=gettext_lazy("Tags"), required=False, widget=forms.SelectMultiple(attrs={"size": 5})
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False)

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tag_field = self.fields["tag"]
        assert isinstance(tag_field, forms.MultipleChoiceField)
        tag_field.choices = [
            (str(pk), name)
            for pk, name in Tag.objects.filter(workspace=workspace).order_by("name").values_list("pk", "name")
        ]
        kind_field = self.fields["kind"]
        assert isinstance(kind_field, forms.ChoiceField)
        kind_field.choices = [("", _("All")), *ContactKind.choices]
        for name in ("min_total_spend", "min_simple_clv"):
            self.fields[name].widget.attrs.update({"inputmode": "decimal", "placeholder": "1.000.000"})

    def filters(self) -> dict[str, Any]:
        """The conditions as a filter (checked by ``segment_filters_clean`` in the service).
        Rupiah typed as ``1.500.000`` are read the Indonesian way."""
        data = self.cleaned_data
        filters: dict[str, Any] = {}
        for key in CHOICE_FILTERS:
            if data.get(key):
                filters[key] = list(data[key])
        for key in NUMBER_FILTERS:
            text = (data.get(key) or "").strip()
            if not text:
                continue
            if key in _MONEY_FILTERS:
                with contextlib.suppress(MoneyParseError):  # else the service names the field
                    text = str(parse_money(text))
            filters[key] = text
        for key in TEXT_LIST_FILTERS:
            places = [p.strip() for p in (data.get(key) or "").split(",") if p.strip()]
            if places:
                filters[key] = places
        if data.get("tag"):
            filters["tag"] = [int(v) for v in data["tag"]]
        if data.get("kind"):
            filters["kind"] = data["kind"]
        return filters

    @staticmethod
    def initial_for(segment: Segment) -> dict[str, Any]:
        initial: dict[str, Any] = {"name": segment.name, "description": segment.description}
        for key, value in segment.filters.items():
            if key in TEXT_LIST_FILTERS:
                initial[key] = ", ".join(value)
            elif key == "tag":
                initial[key] = [str(v) for v in value]
            elif key in _MONEY_FILTERS:
                initial[key] = format_number(Decimal(value), decimals=0)
            else:
                initial[key] = value
        return initial


class SegmentSaveForm(forms.Form):
    """ "Save as segment" on the customer list: a name; the conditions are the list's query."""

    name = forms.CharField(label=gettext_lazy("Segment name"), max_length=120, required=False)
    query = forms.CharField(required=False, widget=forms.HiddenInput, max_length=4000)


# Cycle time and acquisition costs ---------------------------------------------------------------


class CycleTimeForm(forms.Form):
    process = forms.CharField(label=gettext_lazy("Process"), max_length=120, required=False)
    recorded_on = forms.CharField(
        label=gettext_lazy("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    net_production_hours = forms.CharField(
        label=gettext_lazy("Net production time (hours)"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "7,5"}),
        help_text=gettext_lazy("Working time without breaks and stoppages."),
    )
    units = forms.CharField(
        label=gettext_lazy("Units produced"),
        required=False,
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)


class AcquisitionCostForm(forms.Form):
    source = forms.ChoiceField(
        label=gettext_lazy("Source"), required=False, choices=[(v, t) for v, t in Source.choices if v]
    )
    month = forms.CharField(
        label=gettext_lazy("Month"), required=False, widget=forms.DateInput(attrs={"type": "month"})
    )
    amount = forms.CharField(
        label=gettext_lazy("Cost (Rp)"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "1.500.000"}),
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)


# Settings ---------------------------------------------------------------------------------------

CUT_DIMENSIONS = (
    ("recency_cuts", gettext_lazy("Recency: days since the last purchase")),
    ("frequency_cuts", gettext_lazy("Frequency: purchases")),
    ("monetary_cuts", gettext_lazy("Monetary: total spend (Rp)")),
)
RULE_BOUNDS = ("r_min", "r_max", "f_min", "f_max", "m_min", "m_max")
EXTRA_RULE_ROWS = 2


def _cut_text(value: float) -> str:
    """A cut point as typed: whole numbers plain, others to at most two decimals."""
    number = round(Decimal(str(value)), 2).normalize()
    exponent = number.as_tuple().exponent
    return format_number(number, decimals=max(0, -exponent) if isinstance(exponent, int) else 0)


def cuts_text(values: list[float] | None) -> list[str]:
    """Four cut points as the inputs show them (empty inputs for quintiles)."""
    texts = [_cut_text(v) for v in list(values or [])[:4]]
    return texts + [""] * (4 - len(texts))


def _cut_value(text: str) -> str:
    """A typed cut point: ``1.500.000`` or ``1500000`` or ``2,5`` → a plain decimal string;
    anything else is passed on as typed for the service to name."""
    text = text.strip()
    try:
        return str(parse_money(text))
    except MoneyParseError:
        return text


class SettingsForm(forms.Form):
    retention_years = forms.CharField(
        label=gettext_lazy("Retention (years)"),
        max_length=10,
        required=False,
        help_text=gettext_lazy("How long a customer stays, for the simple CLV."),
    )
    margin_percent = forms.CharField(
        label=gettext_lazy("Margin (%)"),
        max_length=10,
        required=False,
        help_text=gettext_lazy("Leave empty to show CLV as revenue; fill in to show it as profit."),
    )
    clv_horizon_months = forms.CharField(
        label=gettext_lazy("CLV horizon (months)"),
        max_length=5,
        required=False,
        help_text=gettext_lazy("For the probabilistic CLV and the expected purchases."),
    )
    monthly_discount_rate = forms.CharField(
        label=gettext_lazy("Monthly discount rate (%)"), max_length=10, required=False
    )
    time_unit = forms.ChoiceField(
        label=gettext_lazy("Time unit"),
        choices=TimeUnit.choices,
        required=False,
        help_text=gettext_lazy("How a customer's page shows recency and tenure."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label in CUT_DIMENSIONS:
            for position in range(1, 5):
                self.fields[f"{name}_{position}"] = forms.CharField(
                    label=f"{label} · {position}",
                    max_length=30,
                    required=False,
                    widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 10}),
                )

    @staticmethod
    def initial_for(settings: AnalyticsSettings) -> dict[str, Any]:
        def plain(value: Decimal | None) -> str:
            if value is None:
                return ""
            return format_number(value, decimals=0 if value == value.to_integral_value() else 2)

        initial: dict[str, Any] = {
            "retention_years": plain(settings.retention_years),
            "margin_percent": plain(settings.margin_percent),
            "clv_horizon_months": str(settings.clv_horizon_months),
            "monthly_discount_rate": plain(settings.monthly_discount_rate),
            "time_unit": settings.time_unit,
        }
        for name, _label in CUT_DIMENSIONS:
            for position, text in enumerate(cuts_text(getattr(settings, name)), start=1):
                initial[f"{name}_{position}"] = text
        return initial

    def cut_rows(self) -> list[tuple[str, Any, list[forms.BoundField]]]:
        """``(dimension, label, its four inputs)`` for the template."""
        return [
            (name, label, [self[f"{name}_{position}"] for position in range(1, 5)])
            for name, label in CUT_DIMENSIONS
        ]

    def values(self) -> dict[str, Any]:
        """What ``analytics_settings_update`` takes: cut points as lists (all four empty = [],
        quintiles), the numbers as typed (decimal comma allowed)."""
        data = self.cleaned_data
        values: dict[str, Any] = {}
        for name, _label in CUT_DIMENSIONS:
            typed = [(data.get(f"{name}_{p}") or "").strip() for p in range(1, 5)]
            values[name] = [] if not any(typed) else [_cut_value(t) for t in typed]
        for name in ("retention_years", "margin_percent", "clv_horizon_months", "monthly_discount_rate"):
            values[name] = (data.get(name) or "").strip()
        values["time_unit"] = data.get("time_unit") or ""
        return values


@dataclass
class RuleRow:
    """One row of the segment rule table as the page shows it."""

    index: int
    key: str
    bounds: dict[str, str]


def rule_rows(settings: AnalyticsSettings) -> list[RuleRow]:
    """The rules in force (the owner's, or the default map) plus empty rows to add one."""
    rows = [
        RuleRow(index, rule.key, {name: str(getattr(rule, name)) for name in RULE_BOUNDS})
        for index, rule in enumerate(segment_rules(settings))
    ]
    start = len(rows)
    rows += [RuleRow(start + k, "", dict.fromkeys(RULE_BOUNDS, "")) for k in range(EXTRA_RULE_ROWS)]
    return rows


def rules_from_post(data: QueryDict) -> tuple[list[dict[str, Any]] | None, list[RuleRow]]:
    """The rule table posted back: rows without a segment are dropped, an empty score bound
    means the full range (1 or 5). Returns the rules for the service (``[]``: the owner asked
    for the default map again; ``None``: no table was posted, leave the rules alone) and the
    rows to show again if the service refuses them."""
    if data.get("rules_reset") == "on":
        return [], []
    if "rule-0-key" not in data:
        return None, []
    rules: list[dict[str, Any]] = []
    rows: list[RuleRow] = []
    index = 0
    while f"rule-{index}-key" in data:
        key = data.get(f"rule-{index}-key", "")
        bounds = {name: data.get(f"rule-{index}-{name}", "").strip() for name in RULE_BOUNDS}
        rows.append(RuleRow(index, key, bounds))
        if key:
            rule: dict[str, Any] = {"key": key}
            for name, text in bounds.items():
                default = 1 if name.endswith("_min") else 5
                try:
                    rule[name] = int(text) if text else default
                except ValueError:
                    rule[name] = text  # the service names the row
            rules.append(rule)
        index += 1
    return rules, rows
