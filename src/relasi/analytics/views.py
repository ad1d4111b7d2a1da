"""What the analytics pages share: who may see rupiah figures, links to the customers behind a
figure, the period and segment filters, and the few reads the lead's selectors do not cover.

The pages themselves: ``views_home`` (the analytics home and "refresh now"),
``views_customers`` (the customer list, its export, the panel on a customer's page),
``views_segments``, ``views_reports`` (lifecycle board, cohorts, acquisition, cycle time)
and ``views_settings``. Reading needs ``Perm.CONTACTS_VIEW``; rupiah figures are shown only
with ``Perm.SALES_VIEW``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from relasi.accounts.decorators import WorkspaceRequest
from relasi.accounts.models import Workspace
from relasi.accounts.permissions import Perm
from relasi.analytics.enums import ChurnRisk, CustomerType, LifecycleStage, RfmSegment
from relasi.analytics.forms import filters_to_query
from relasi.analytics.models import CustomerMetrics
from relasi.analytics.segments import segment_filters_clean, segment_get, segment_members
from relasi.analytics.selectors import segment_list
from relasi.contacts.enums import ContactKind, Source
from relasi.contacts.models import Tag
from relasi.core.exceptions import ApplicationError, NotFound, fields_invalid
from relasi.core.money import format_number, format_rupiah


def can_see_money(request: WorkspaceRequest) -> bool:
    return request.membership.can(Perm.SALES_VIEW)


def show_error(request: HttpRequest, error: ApplicationError) -> None:
    """A service's error as a page message, with what to fix in each field."""
    details = "; ".join(f"{key}: {value}" for key, value in error.fields.items())
    messages.error(request, f"{error.message} {details}".strip())


def count_text(value: int | Decimal) -> str:
    """A count grouped in the reader's language: 1.234 / 1,234."""
    if get_language() == "en":
        return format_number(value, thousands=",", decimal_mark=".")
    return format_number(value)


# Links to the customers behind a figure ----------------------------------------------------------


def customers_url(slug: str, filters: dict[str, Any]) -> str:
    url = reverse("analytics:customer_list", args=[slug])
    query = filters_to_query(filters).urlencode()
    return f"{url}?{query}" if query else url


def narrowed(filters: dict[str, Any], key: str, values: list[str]) -> dict[str, Any] | None:
    """``filters`` and also ``key`` in ``values``: the customers of one bar within the chosen
    segment. ``None`` when nobody can match (the segment already excludes those values)."""
    result = dict(filters)
    if key in result:
        kept = [v for v in values if v in result[key]]
        if not kept:
            return None
        result[key] = kept
    else:
        result[key] = list(values)
    return result


# The segment filter of the home page -------------------------------------------------------------


@dataclass(frozen=True)
class SegmentChoice:
    value: str  # "" (everyone), "<id>" (a saved segment) or "rfm:<key>"
    label: str
    filters: dict[str, Any]


def segment_choice(request: WorkspaceRequest) -> SegmentChoice:
    """``?segment=<id>`` (a saved segment of this workspace — another's is a 404) or
    ``?segment=rfm:<key>``; raises ``ValidationError`` for a key that is not a segment."""
    value = (request.GET.get("segment") or "").strip()
    if not value:
        return SegmentChoice("", "", {})
    if value.startswith("rfm:"):
        key = value[4:]
        labels = {k: str(v) for k, v in RfmSegment.choices if k}
        if key not in labels:
            raise fields_invalid({"segment": _("Choose a segment from the list.")})
        return SegmentChoice(value, labels[key], {"rfm_segment": [key]})
    if not value.isdigit():
        raise fields_invalid({"segment": _("Choose a segment from the list.")})
    try:
        segment = segment_get(workspace=request.workspace, segment_id=int(value))
    except NotFound as error:
        raise Http404(str(error.message)) from error
    return SegmentChoice(value, segment.name, segment_filters_clean(segment.filters))


def segment_options(workspace: Workspace) -> dict[str, list[tuple[str, str]]]:
    return {
        "saved": [(str(s.pk), s.name) for s in segment_list(workspace=workspace)],
        "rfm": [(f"rfm:{k}", str(v)) for k, v in RfmSegment.choices if k],
    }


# Small reads -----------------------------------------------------------------------------------


def all_customers(workspace: Workspace) -> QuerySet[CustomerMetrics]:
    """Every live customer's snapshot (merged-away customers left out, as in the list)."""
    return segment_members(workspace=workspace, filters={})


# A filter in words -------------------------------------------------------------------------------


def describe_filters(
    filters: dict[str, Any], *, tag_names: dict[int, str] | None = None
) -> list[tuple[str, str]]:
    """``[(condition, values)]`` in the reader's language, for the chips above a list and
    the segment table: ``("Churn risk", "High, Lost")``."""
    choice_labels: dict[str, tuple[str, dict[str, str]]] = {
        "rfm_segment": (_("RFM segment"), {k: str(v) for k, v in RfmSegment.choices}),
        "customer_type": (_("Customer type"), {k: str(v) for k, v in CustomerType.choices}),
        "lifecycle_stage": (_("Lifecycle stage"), {k: str(v) for k, v in LifecycleStage.choices}),
        "churn_risk": (_("Churn risk"), {k: str(v) for k, v in ChurnRisk.choices}),
        "source": (_("Source"), {k: str(v) for k, v in Source.choices}),
        "kind": (_("Kind"), {k: str(v) for k, v in ContactKind.choices}),
    }
    number_labels = {
        "min_orders": _("At least this many purchases"),
        "min_total_spend": _("Spent at least (Rp)"),
        "min_simple_clv": _("Simple CLV at least (Rp)"),
        "max_p_alive": _("P(alive) at most"),
        "min_days_since_last": _("Last purchase at least … days ago"),
        "max_days_since_last": _("Last purchase at most … days ago"),
    }
    result: list[tuple[str, str]] = []
    for key, value in filters.items():
        values = value if isinstance(value, list | tuple) else [value]
        if key in choice_labels:
            label, names = choice_labels[key]
            result.append((label, ", ".join(names.get(str(v), str(v)) for v in values)))
        elif key in number_labels:
            result.append((number_labels[key], _number_text(key, value)))
        elif key == "city":
            result.append((_("Cities"), ", ".join(map(str, values))))
        elif key == "province":
            result.append((_("Provinces"), ", ".join(map(str, values))))
        elif key == "tag":
            names_by_id = tag_names or {}
            result.append((_("Tags"), ", ".join(names_by_id.get(int(v), f"#{v}") for v in values)))
        else:
            result.append((key, ", ".join(map(str, values))))
    return result


def _number_text(key: str, value: Any) -> str:
    """A number condition as the reader writes it: rupiah for money, decimal comma in
    Bahasa Indonesia."""
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return str(value)
    if key in ("min_total_spend", "min_simple_clv"):
        return format_rupiah(number)
    decimals = max(0, -int(number.normalize().as_tuple().exponent))
    if get_language() == "en":
        return format_number(number, decimals=decimals, thousands=",", decimal_mark=".")
    return format_number(number, decimals=decimals)


def tag_names(workspace: Workspace) -> dict[int, str]:
    return dict(Tag.objects.filter(workspace=workspace).values_list("pk", "name"))
