"""``/api/v1/analytics``: each customer's numbers with their explanations, the customer lists
behind them, saved segments, cohorts, the headline figures, the owner's settings,
acquisition costs, cycle times, a refresh on demand and the import of past orders.

Reading needs ``contacts.view`` and — because every answer here carries money (spend, CLV)
— ``sales.view``; both are in every role's read set. Writes: segments and cycle records
``contacts.edit``; settings and acquisition costs ``settings.manage``; imports
``contacts.import``. Money is a decimal string (``"19800000.00"``), dates ISO 8601, lists
cursor-paginated (``?cursor=``, ``next``). Texts (labels, reasons, formulas) follow
``Accept-Language`` (``id`` or ``en``). Errors: ``{"code", "message", "fields"}``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, Status, UploadedFile

from relasi.accounts.api_access import ErrorOut, api_access
from relasi.accounts.models import Workspace
from relasi.accounts.permissions import Perm
from relasi.analytics import imports, segments, selectors, services
from relasi.analytics.enums import ChurnRisk, CustomerType, LifecycleStage, RfmSegment
from relasi.analytics.explain import customer_explanation
from relasi.analytics.models import AcquisitionCost, CustomerMetrics, CycleTimeRecord, Segment
from relasi.analytics.settings import analytics_settings_get, analytics_settings_update, segment_rules
from relasi.analytics.tasks import metrics_refresh_task
from relasi.contacts.enums import Source
from relasi.contacts.selectors import contact_get
from relasi.core.exceptions import NotFound, ValidationError, fields_invalid
from relasi.core.money import MoneyParseError, parse_api_decimal
from relasi.core.pagination import paginate_keyset
from relasi.sales.api_schemas import MAX_LIMIT, Money, Number, PageQuery

analytics_router = Router()


def _reader(request: HttpRequest) -> Workspace:
    """Reads show money: ``contacts.view`` and ``sales.view``."""
    workspace, _user = api_access(request, Perm.CONTACTS_VIEW)
    api_access(request, Perm.SALES_VIEW)
    return workspace


def _label(choices: Any, key: str) -> str:
    return str(dict(choices.choices).get(key, key))


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


# One customer -------------------------------------------------------------------------------


class PurchasesOut(Schema):
    orders: int = Field(description="Purchases counted (two on one day are two).")
    orders_last_year: int = Field(description="Purchases in the 365 days up to as_of.")
    discounted_orders: int
    first_purchase: dt.date | None
    last_purchase: dt.date | None
    total_spend: Money
    average_sale: Money
    repeat_purchases: int = Field(description="BG/NBD x: days with a purchase after the first one.")
    recency_days: int = Field(description="BG/NBD tₓ: days from the first to the last purchase.")
    tenure_days: int = Field(description="BG/NBD T: days from the first purchase to as_of.")
    top_category: str
    conversations: int
    quotations: int


class RfmOut(Schema):
    recency_days: int | None = Field(description="R: days since the last purchase.")
    frequency: int = Field(description="F: purchases.")
    monetary: Money = Field(description="M: total spend.")
    r_score: int = Field(description="1–5 (0: no purchase)")
    f_score: int
    m_score: int
    score: str = Field(description='The three scores, e.g. "545".')
    segment: str = Field(
        description="champions, loyal, potential, new, at_risk, cant_lose, hibernating, lost; '' = other"
    )
    segment_label: str
    explanation: str


class CustomerTypeOut(Schema):
    key: str = Field(description="loyal, discount, impulse, need_based, wandering; '' = not enough history")
    label: str
    reason: str = Field(description="The rule that decided, with this customer's numbers.")


class TransitionOut(Schema):
    from_stage: str
    from_label: str
    to_stage: str
    to_label: str
    changed_on: dt.date


class LifecycleOut(Schema):
    stage: str = Field(description="reach, acquisition, conversion, retention, loyalty")
    label: str
    reason: str
    transitions: list[TransitionOut] = Field(description="Newest first.")


class SimpleClvInputsOut(Schema):
    average_sale: Money
    purchases_per_year: Number
    retention_years: Number
    margin_percent: Number | None = Field(description="null: no margin applied.")


class SimpleClvOut(Schema):
    value: Money
    formula: str = Field(description="The formula with this customer's numbers.")
    inputs: SimpleClvInputsOut


class ProbabilisticClvOut(Schema):
    value: Money | None = Field(description="null until the models are fitted (20 repeat buyers).")
    expected_purchases: float | None = Field(description="BG/NBD, over the horizon.")
    expected_average_spend: Money | None = Field(description="Gamma-Gamma.")
    horizon_months: int
    monthly_discount_rate_percent: Number
    explanation: str


class ChurnOut(Schema):
    band: str = Field(description="low, medium, high, lost; '' = no purchase yet")
    label: str
    reason: str


class CustomerAnalyticsOut(Schema):
    contact_id: int
    full_name: str
    as_of: dt.date = Field(description="The day the numbers were computed for.")
    computed_at: dt.datetime | None = Field(description="When the last full refresh finished.")
    purchases: PurchasesOut
    rfm: RfmOut
    customer_type: CustomerTypeOut
    lifecycle: LifecycleOut
    simple_clv: SimpleClvOut
    probabilistic_clv: ProbabilisticClvOut
    p_alive: float | None = Field(description="BG/NBD probability of still being a customer (0–1).")
    churn_risk: ChurnOut


def _metrics_or_404(workspace: Workspace, contact_id: int) -> CustomerMetrics:
    metrics = selectors.customer_metrics_get(workspace=workspace, contact_id=contact_id)
    if metrics is not None and metrics.contact.merged_into_id is None:
        return metrics
    if metrics is not None:
        raise NotFound(
            _("This customer was merged into customer %(id)s. Ask for that customer.")
            % {"id": metrics.contact.merged_into_id},
            code="merged",
        )
    if contact_get(workspace=workspace, contact_id=contact_id) is None:
        raise NotFound(_("Customer not found in this workspace."), code="not_found")
    raise NotFound(
        _(
            "The numbers of this customer have not been computed yet. Refresh the analytics "
            "(POST /api/v1/analytics/refresh) and ask again in a minute."
        ),
        code="not_computed",
    )


@analytics_router.get(
    "/customers/{int:contact_id}",
    response={200: CustomerAnalyticsOut, 403: ErrorOut, 404: ErrorOut},
    summary="One customer's numbers, explained",
)
def customer_analytics_api(request: HttpRequest, contact_id: int) -> dict[str, Any]:
    """RFM, customer type, lifecycle stage with its history, simple and probabilistic CLV,
    P(alive) and churn risk of one customer, each with the rule or formula behind it, as of
    the last refresh."""
    workspace = _reader(request)
    m = _metrics_or_404(workspace, contact_id)
    settings = analytics_settings_get(workspace=workspace)
    explanation = customer_explanation(metrics=m, settings=settings)
    run = selectors.metrics_run_latest(workspace=workspace)
    stages = dict(LifecycleStage.choices)
    return {
        "contact_id": m.contact_id,
        "full_name": m.contact.full_name,
        "as_of": m.as_of,
        "computed_at": run.finished_at if run else None,
        "purchases": {
            "orders": m.orders,
            "orders_last_year": m.orders_last_year,
            "discounted_orders": m.discounted_orders,
            "first_purchase": m.first_purchase,
            "last_purchase": m.last_purchase,
            "total_spend": m.total_spend,
            "average_sale": m.average_sale,
            "repeat_purchases": m.frequency,
            "recency_days": m.recency_days,
            "tenure_days": m.tenure_days,
            "top_category": m.top_category,
            "conversations": m.conversations,
            "quotations": m.quotations,
        },
        "rfm": {
            "recency_days": m.days_since_last,
            "frequency": m.orders,
            "monetary": m.total_spend,
            "r_score": m.r_score,
            "f_score": m.f_score,
            "m_score": m.m_score,
            "score": f"{m.r_score}{m.f_score}{m.m_score}",
            "segment": m.rfm_segment,
            "segment_label": _label(RfmSegment, m.rfm_segment),
            "explanation": explanation.rfm,
        },
        "customer_type": {
            "key": m.customer_type,
            "label": _label(CustomerType, m.customer_type),
            "reason": explanation.customer_type,
        },
        "lifecycle": {
            "stage": m.lifecycle_stage,
            "label": _label(LifecycleStage, m.lifecycle_stage),
            "reason": explanation.lifecycle_stage,
            "transitions": [
                {
                    "from_stage": t.from_stage,
                    "from_label": str(stages.get(t.from_stage, "")),
                    "to_stage": t.to_stage,
                    "to_label": str(stages.get(t.to_stage, "")),
                    "changed_on": t.changed_on,
                }
                for t in selectors.lifecycle_history(workspace=workspace, contact_id=m.contact_id)
            ],
        },
        "simple_clv": {
            "value": m.simple_clv,
            "formula": explanation.simple_clv,
            "inputs": {
                "average_sale": m.average_sale,
                "purchases_per_year": m.purchases_per_year,
                "retention_years": settings.retention_years,
                "margin_percent": settings.margin_percent,
            },
        },
        "probabilistic_clv": {
            "value": m.clv_probabilistic,
            "expected_purchases": _round(m.expected_purchases),
            "expected_average_spend": m.expected_average_spend,
            "horizon_months": settings.clv_horizon_months,
            "monthly_discount_rate_percent": settings.monthly_discount_rate,
            "explanation": explanation.probabilistic,
        },
        "p_alive": _round(m.p_alive),
        "churn_risk": {
            "band": m.churn_risk,
            "label": _label(ChurnRisk, m.churn_risk),
            "reason": explanation.churn_risk,
        },
    }


# Customer lists -----------------------------------------------------------------------------


class CustomerMetricsOut(Schema):
    contact_id: int
    full_name: str
    as_of: dt.date
    orders: int
    total_spend: Money
    average_sale: Money
    last_purchase: dt.date | None
    days_since_last: int | None
    r_score: int
    f_score: int
    m_score: int
    rfm_segment: str
    customer_type: str
    lifecycle_stage: str
    churn_risk: str
    simple_clv: Money
    clv_probabilistic: Money | None
    p_alive: float | None
    expected_purchases: float | None

    @staticmethod
    def resolve_full_name(obj: CustomerMetrics) -> str:
        return obj.contact.full_name

    @staticmethod
    def resolve_p_alive(obj: CustomerMetrics) -> float | None:
        return _round(obj.p_alive)

    @staticmethod
    def resolve_expected_purchases(obj: CustomerMetrics) -> float | None:
        return _round(obj.expected_purchases)


class CustomerMetricsPage(Schema):
    items: list[CustomerMetricsOut]
    next: str | None


_LIST = "Comma-separated, or the parameter repeated."


class CustomerQuery(PageQuery):
    """The segment filter keys (``analytics.segments``); all given must hold."""

    rfm_segment: str | None = Field(
        None, description=f"champions, loyal, potential, new, at_risk, cant_lose, hibernating, lost. {_LIST}"
    )
    customer_type: str | None = Field(
        None, description=f"loyal, discount, impulse, need_based, wandering. {_LIST}"
    )
    lifecycle_stage: str | None = Field(
        None, description=f"reach, acquisition, conversion, retention, loyalty. {_LIST}"
    )
    churn_risk: str | None = Field(None, description=f"low, medium, high, lost. {_LIST}")
    source: str | None = Field(None, description=f"Acquisition source keys (instagram, referral …). {_LIST}")
    min_orders: str | None = None
    min_total_spend: str | None = Field(None, description="Rupiah, e.g. 1000000")
    min_simple_clv: str | None = Field(None, description="Rupiah")
    max_p_alive: str | None = Field(None, description="0 to 1")
    min_days_since_last: str | None = None
    max_days_since_last: str | None = None
    city: str | None = Field(None, description=_LIST)
    province: str | None = Field(None, description=_LIST)
    tag: str | None = Field(None, description=f"Tag ids. {_LIST}")
    kind: str | None = Field(None, description="external or internal")


_PAGING = {"cursor", "limit"}


def _filters_from_query(request: HttpRequest) -> dict[str, Any]:
    """Every query parameter but the paging ones is a condition: an unknown one is a 400
    naming it, not silently ignored."""
    raw: dict[str, Any] = {}
    for key in request.GET:
        if key in _PAGING:
            continue
        values = request.GET.getlist(key)
        raw[key] = values if len(values) > 1 else values[0]
    return segments.segment_filters_clean(raw)


def _members_page(workspace: Workspace, filters: dict[str, Any], query: PageQuery) -> dict[str, Any]:
    page = paginate_keyset(
        segments.segment_members(workspace=workspace, filters=filters), cursor=query.cursor, limit=query.limit
    )
    return {"items": page.items, "next": page.next_cursor}


@analytics_router.get(
    "/customers",
    response={200: CustomerMetricsPage, 400: ErrorOut, 403: ErrorOut},
    summary="Customers by their numbers",
)
def customer_metrics_list_api(request: HttpRequest, query: Query[CustomerQuery]) -> dict[str, Any]:
    """The customers' snapshots, filtered by the segment keys (e.g.
    ``?rfm_segment=at_risk,cant_lose&min_total_spend=1000000``), newest snapshot row first."""
    workspace = _reader(request)
    return _members_page(workspace, _filters_from_query(request), query)


# Segments -----------------------------------------------------------------------------------


class SegmentOut(Schema):
    id: int
    name: str
    description: str
    filters: dict[str, Any] = Field(description="The segment filter keys (see GET /customers).")
    created_at: dt.datetime
    updated_at: dt.datetime


class SegmentDetailOut(SegmentOut):
    customers: int = Field(description="Customers in the segment now.")


class SegmentPage(Schema):
    items: list[SegmentOut]
    next: str | None


class SegmentIn(Schema):
    """On create ``name`` is required; on update send only what changes."""

    name: str | None = None
    description: str | None = None
    filters: dict[str, Any] | None = Field(
        None, description='e.g. {"rfm_segment": ["at_risk"], "min_orders": 2}'
    )


@analytics_router.get("/segments", response={200: SegmentPage, 403: ErrorOut}, summary="Saved segments")
def segment_list_api(request: HttpRequest, query: Query[PageQuery]) -> dict[str, Any]:
    workspace = _reader(request)
    page = paginate_keyset(
        selectors.segment_list(workspace=workspace), cursor=query.cursor, limit=query.limit
    )
    return {"items": page.items, "next": page.next_cursor}


@analytics_router.post(
    "/segments",
    response={201: SegmentOut, 400: ErrorOut, 403: ErrorOut, 409: ErrorOut},
    summary="Save a segment",
)
def segment_create_api(request: HttpRequest, payload: SegmentIn) -> Status[Segment]:
    workspace, user = api_access(request, Perm.CONTACTS_EDIT)
    segment = segments.segment_create(
        workspace=workspace,
        actor=user,
        name=payload.name or "",
        filters=payload.filters if payload.filters is not None else {},
        description=payload.description or "",
    )
    return Status(201, segment)


@analytics_router.get(
    "/segments/{int:segment_id}", response={200: SegmentDetailOut, 403: ErrorOut, 404: ErrorOut}
)
def segment_get_api(request: HttpRequest, segment_id: int) -> dict[str, Any]:
    workspace = _reader(request)
    segment = segments.segment_get(workspace=workspace, segment_id=segment_id)
    members = segments.segment_members(workspace=workspace, filters=segment.filters)
    return {
        "id": segment.pk,
        "name": segment.name,
        "description": segment.description,
        "filters": segment.filters,
        "created_at": segment.created_at,
        "updated_at": segment.updated_at,
        "customers": members.count(),
    }


@analytics_router.patch(
    "/segments/{int:segment_id}",
    response={200: SegmentOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
)
def segment_update_api(request: HttpRequest, segment_id: int, payload: SegmentIn) -> Segment:
    workspace, _user = api_access(request, Perm.CONTACTS_EDIT)
    segment = segments.segment_get(workspace=workspace, segment_id=segment_id)
    return segments.segment_update(
        segment=segment, name=payload.name, filters=payload.filters, description=payload.description
    )


@analytics_router.delete("/segments/{int:segment_id}", response={204: None, 403: ErrorOut, 404: ErrorOut})
def segment_delete_api(request: HttpRequest, segment_id: int) -> Status[None]:
    workspace, _user = api_access(request, Perm.CONTACTS_EDIT)
    segments.segment_delete(segment=segments.segment_get(workspace=workspace, segment_id=segment_id))
    return Status(204, None)


@analytics_router.get(
    "/segments/{int:segment_id}/customers",
    response={200: CustomerMetricsPage, 403: ErrorOut, 404: ErrorOut},
    summary="The customers of a segment",
)
def segment_customers_api(request: HttpRequest, segment_id: int, query: Query[PageQuery]) -> dict[str, Any]:
    workspace = _reader(request)
    segment = segments.segment_get(workspace=workspace, segment_id=segment_id)
    return _members_page(workspace, segment.filters, query)


# Figures ------------------------------------------------------------------------------------


class CohortOut(Schema):
    month: dt.date = Field(description="The month of the first purchase (its first day).")
    size: int
    retention: list[float | None] = Field(
        description="Share of the cohort buying in month 0, 1, 2 … after it (0–1); null: not yet."
    )


class CohortsOut(Schema):
    months: int
    cohorts: list[CohortOut]


class CohortQuery(Schema):
    months: int = Field(12, ge=1, le=60)


@analytics_router.get("/cohorts", response={200: CohortsOut, 403: ErrorOut}, summary="Cohort retention")
def cohort_api(request: HttpRequest, query: Query[CohortQuery]) -> dict[str, Any]:
    """Customers grouped by the month of their first purchase and, for each later month, the
    share of them that bought in it (from the purchases, not the snapshot)."""
    workspace = _reader(request)
    cohorts = selectors.cohort_retention(workspace=workspace, months=query.months)
    return {
        "months": query.months,
        "cohorts": [
            {"month": c.month, "size": c.size, "retention": [_round(v) for v in c.retention]} for c in cohorts
        ],
    }


class DistributionRowOut(Schema):
    key: str
    label: str
    count: int
    total_spend: Money


class DistributionOut(Schema):
    filter_key: str = Field(description="The GET /customers parameter that lists the customers of a row.")
    total: int
    rows: list[DistributionRowOut]


class SummaryOut(Schema):
    as_of: dt.date | None
    computed_at: dt.datetime | None
    customers: int
    buyers: int
    total_spend: Money
    average_simple_clv: Money
    average_clv_probabilistic: Money | None
    at_risk: int = Field(description="Customers in the high and lost churn bands.")
    at_risk_value: Money = Field(description="Their simple CLV, together.")
    segments: DistributionOut
    types: DistributionOut
    stages: DistributionOut
    churn: DistributionOut


class SummaryQuery(Schema):
    segment_id: int | None = Field(None, description="Only the customers of this saved segment.")


def _distribution(distribution: selectors.Distribution) -> dict[str, Any]:
    return {"filter_key": distribution.filter_key, "total": distribution.total, "rows": distribution.rows}


@analytics_router.get(
    "/summary", response={200: SummaryOut, 403: ErrorOut, 404: ErrorOut}, summary="The headline figures"
)
def summary_api(request: HttpRequest, query: Query[SummaryQuery]) -> dict[str, Any]:
    """The figures of the analytics home and the customers per RFM segment, type, stage and
    churn band, for the workspace or one segment."""
    workspace = _reader(request)
    base = None
    if query.segment_id is not None:
        segment = segments.segment_get(workspace=workspace, segment_id=query.segment_id)
        base = segments.segment_members(workspace=workspace, filters=segment.filters)
    home = selectors.analytics_home(workspace=workspace, base=base)
    run = selectors.metrics_run_latest(workspace=workspace)
    return {
        "as_of": run.as_of if run else None,
        "computed_at": run.finished_at if run else None,
        "customers": home.customers,
        "buyers": home.buyers,
        "total_spend": home.total_spend,
        "average_simple_clv": home.average_simple_clv,
        "average_clv_probabilistic": home.average_clv_probabilistic,
        "at_risk": home.at_risk,
        "at_risk_value": home.at_risk_value,
        "segments": _distribution(home.segments),
        "types": _distribution(home.types),
        "stages": _distribution(home.stages),
        "churn": _distribution(home.churn),
    }


class RefreshOut(Schema):
    status: str = Field(description='"queued"')
    message: str
    computed_at: dt.datetime | None = Field(description="When the last refresh finished.")


@analytics_router.post(
    "/refresh", response={202: RefreshOut, 403: ErrorOut}, summary="Refresh the numbers now"
)
def refresh_api(request: HttpRequest) -> Status[dict[str, Any]]:
    """Queue a full refresh (purchases, scores, model fit, snapshots); it runs in a worker.
    ``computed_at`` of GET /summary moves when it is done."""
    workspace = _reader(request)
    workspace_id = workspace.pk
    transaction.on_commit(lambda: metrics_refresh_task.delay(workspace_id))
    run = selectors.metrics_run_latest(workspace=workspace)
    return Status(
        202,
        {
            "status": "queued",
            "message": _("The refresh has been queued. The numbers change when it is done."),
            "computed_at": run.finished_at if run else None,
        },
    )


# Settings -----------------------------------------------------------------------------------


class SegmentRuleOut(Schema):
    key: str
    r_min: int
    r_max: int
    f_min: int
    f_max: int
    m_min: int
    m_max: int


class SettingsOut(Schema):
    recency_cuts: list[float] = Field(description="Four ascending day counts; [] = quintiles.")
    frequency_cuts: list[float] = Field(description="Four ascending purchase counts; [] = quintiles.")
    monetary_cuts: list[float] = Field(description="Four ascending rupiah amounts; [] = quintiles.")
    segment_rules: list[SegmentRuleOut] = Field(description="The rules in use, first match wins.")
    default_segment_rules: bool = Field(description="true: the rules are the default map.")
    retention_years: Number
    margin_percent: Number | None
    clv_horizon_months: int
    monthly_discount_rate: Number = Field(description="Percent a month.")
    time_unit: str = Field(description="days, weeks or months")
    updated_at: dt.datetime


_Loose = str | int | float | None


class SettingsIn(Schema):
    """Send only what changes. Everything is checked; nothing is saved when one field is
    wrong. Takes effect at the next refresh."""

    recency_cuts: list[_Loose] | str | None = None
    frequency_cuts: list[_Loose] | str | None = None
    monetary_cuts: list[_Loose] | str | None = None
    segment_rules: list[dict[str, Any]] | None = Field(None, description="[] = the default map.")
    retention_years: _Loose = Field(None, description='e.g. "3"')
    margin_percent: _Loose = Field(None, description='e.g. "30"; null: no margin')
    clv_horizon_months: _Loose = None
    monthly_discount_rate: _Loose = None
    time_unit: str | None = None


def _settings_out(workspace: Workspace) -> dict[str, Any]:
    settings = analytics_settings_get(workspace=workspace)
    return {
        "recency_cuts": settings.recency_cuts or [],
        "frequency_cuts": settings.frequency_cuts or [],
        "monetary_cuts": settings.monetary_cuts or [],
        "segment_rules": [rule.as_dict() for rule in segment_rules(settings)],
        "default_segment_rules": not settings.segment_rules,
        "retention_years": settings.retention_years,
        "margin_percent": settings.margin_percent,
        "clv_horizon_months": settings.clv_horizon_months,
        "monthly_discount_rate": settings.monthly_discount_rate,
        "time_unit": settings.time_unit,
        "updated_at": settings.updated_at,
    }


@analytics_router.get("/settings", response={200: SettingsOut, 403: ErrorOut}, summary="Analytics settings")
def settings_get_api(request: HttpRequest) -> dict[str, Any]:
    workspace = _reader(request)
    return _settings_out(workspace)


@analytics_router.patch(
    "/settings", response={200: SettingsOut, 400: ErrorOut, 403: ErrorOut}, summary="Change the settings"
)
def settings_update_api(request: HttpRequest, payload: SettingsIn) -> dict[str, Any]:
    workspace, user = api_access(request, Perm.SETTINGS_MANAGE)
    analytics_settings_update(workspace=workspace, actor=user, values=payload.model_dump(exclude_unset=True))
    return _settings_out(workspace)


# Acquisition --------------------------------------------------------------------------------


class AcquisitionCostOut(Schema):
    id: int
    source: str
    source_label: str
    month: dt.date = Field(description="The first day of the month.")
    amount: Money
    note: str

    @staticmethod
    def resolve_source_label(obj: AcquisitionCost) -> str:
        return _label(Source, obj.source)


class AcquisitionCostPage(Schema):
    items: list[AcquisitionCostOut]
    next: str | None


class AcquisitionCostIn(Schema):
    source: str = Field(description="An acquisition source key: instagram, referral, walk_in …")
    month: str = Field(description="YYYY-MM, e.g. 2026-11")
    amount: str | int = Field(description='Decimal string, e.g. "1500000.00"')
    note: str = ""


@analytics_router.get(
    "/acquisition-costs", response={200: AcquisitionCostPage, 403: ErrorOut}, summary="Acquisition costs"
)
def acquisition_cost_list_api(request: HttpRequest, query: Query[PageQuery]) -> dict[str, Any]:
    """What the owner spent per source and month, last entered first."""
    workspace = _reader(request)
    page = paginate_keyset(
        selectors.acquisition_cost_list(workspace=workspace), cursor=query.cursor, limit=query.limit
    )
    return {"items": page.items, "next": page.next_cursor}


@analytics_router.put(
    "/acquisition-costs",
    response={200: AcquisitionCostOut, 400: ErrorOut, 403: ErrorOut},
    summary="Set the cost of a source in a month",
)
def acquisition_cost_set_api(request: HttpRequest, payload: AcquisitionCostIn) -> AcquisitionCost:
    """Set (or replace) what one source cost in one month."""
    workspace, _user = api_access(request, Perm.SETTINGS_MANAGE)
    try:
        amount = parse_api_decimal(payload.amount)
    except MoneyParseError as error:
        raise fields_invalid(
            {"amount": _('Give the cost as a decimal string, e.g. "1500000.00".')}
        ) from error
    return services.acquisition_cost_set(
        workspace=workspace, source=payload.source, month=payload.month, amount=amount, note=payload.note
    )


@analytics_router.delete(
    "/acquisition-costs/{int:cost_id}", response={204: None, 403: ErrorOut, 404: ErrorOut}
)
def acquisition_cost_delete_api(request: HttpRequest, cost_id: int) -> Status[None]:
    workspace, _user = api_access(request, Perm.SETTINGS_MANAGE)
    services.acquisition_cost_delete(workspace=workspace, cost_id=cost_id)
    return Status(204, None)


class AcquisitionRowOut(Schema):
    source: str
    label: str
    customers: int = Field(description="New customers recorded in the period.")
    buyers: int
    cost: Money
    cost_per_customer: Money | None
    average_simple_clv: Money
    clv_to_cost: Number | None = Field(
        description="CLV ÷ cost per customer; above 1 the source pays for itself."
    )


class AcquisitionOut(Schema):
    since: dt.date
    until: dt.date
    rows: list[AcquisitionRowOut]


class AcquisitionQuery(Schema):
    since: dt.date | None = Field(
        None, description="First day (ISO); default: 11 months before the first of this month."
    )
    until: dt.date | None = Field(None, description="Last day, included (ISO); default today.")


@analytics_router.get(
    "/acquisition",
    response={200: AcquisitionOut, 400: ErrorOut, 403: ErrorOut},
    summary="Cost per customer vs CLV",
)
def acquisition_api(request: HttpRequest, query: Query[AcquisitionQuery]) -> dict[str, Any]:
    """Per acquisition source: the customers won in the period, what they cost and what they
    are worth (average simple CLV)."""
    workspace = _reader(request)
    until = query.until or timezone.localdate()
    months = until.year * 12 + until.month - 1 - 11  # twelve months, this one included
    since = query.since or dt.date(months // 12, months % 12 + 1, 1)
    if since > until:
        raise ValidationError(
            _("The period starts after it ends. Give since on or before until."),
            fields={"since": _("On or before %(until)s.") % {"until": until.isoformat()}},
        )
    rows = selectors.acquisition_report(workspace=workspace, since=since, until=until)
    return {"since": since, "until": until, "rows": [row.__dict__ for row in rows]}


# Cycle times --------------------------------------------------------------------------------


class ProcessCycleOut(Schema):
    process: str
    runs: int
    hours: Number
    units: int
    hours_per_unit: Number
    minutes_per_unit: Number


class CycleRecordOut(Schema):
    id: int
    process: str
    recorded_on: dt.date
    net_production_hours: Number
    units: int
    note: str
    created_at: dt.datetime


class SalesCycleOut(Schema):
    deals_won: int
    median_days: float | None
    average_days: float | None


class CycleTimesOut(Schema):
    processes: list[ProcessCycleOut] = Field(description="Per process: total hours ÷ total units.")
    records: list[CycleRecordOut] = Field(description="The latest runs recorded, newest first.")
    sales_cycle: SalesCycleOut = Field(description="Days from a deal's creation to its win.")


class CycleTimeQuery(Schema):
    limit: int = Field(50, ge=1, le=MAX_LIMIT, description="How many recorded runs to list.")


class CycleRecordIn(Schema):
    process: str
    recorded_on: str = Field(description="YYYY-MM-DD")
    net_production_hours: str | int | float = Field(
        description='Hours without breaks and stoppages, e.g. "7.5"'
    )
    units: str | int
    note: str = ""


@analytics_router.get("/cycle-times", response={200: CycleTimesOut, 403: ErrorOut}, summary="Cycle times")
def cycle_times_api(request: HttpRequest, query: Query[CycleTimeQuery]) -> dict[str, Any]:
    """Cycle time = net production time ÷ units (8 hours for 40 units: 0.2 hours = 12
    minutes), per recorded process; and the sales cycle from the pipeline."""
    workspace = _reader(request)
    sales = selectors.sales_cycle_time(workspace=workspace)
    return {
        "processes": [p.__dict__ for p in selectors.process_cycle_times(workspace=workspace)],
        "records": selectors.cycle_time_records(workspace=workspace, limit=query.limit),
        "sales_cycle": sales.__dict__,
    }


@analytics_router.post(
    "/cycle-times",
    response={201: CycleRecordOut, 400: ErrorOut, 403: ErrorOut},
    summary="Record a production run",
)
def cycle_time_create_api(request: HttpRequest, payload: CycleRecordIn) -> Status[CycleTimeRecord]:
    workspace, user = api_access(request, Perm.CONTACTS_EDIT)
    record = services.cycle_time_record_create(
        workspace=workspace,
        actor=user,
        process=payload.process,
        recorded_on=payload.recorded_on,
        net_production_hours=payload.net_production_hours,
        units=payload.units,
        note=payload.note,
    )
    return Status(201, record)


@analytics_router.delete("/cycle-times/{int:record_id}", response={204: None, 403: ErrorOut, 404: ErrorOut})
def cycle_time_delete_api(request: HttpRequest, record_id: int) -> Status[None]:
    workspace, _user = api_access(request, Perm.CONTACTS_EDIT)
    services.cycle_time_record_delete(workspace=workspace, record_id=record_id)
    return Status(204, None)


# Import -------------------------------------------------------------------------------------


class ImportOut(Schema):
    id: int
    file_name: str
    rows_total: int
    rows_imported: int
    rows_skipped: int = Field(description="Rows imported before (same order): not imported twice.")
    created_at: dt.datetime


class ImportRowErrorOut(Schema):
    row: int | None = Field(
        description="The row in the spreadsheet (the header is row 1); null: a summary line."
    )
    field: str = Field(
        description="contact_id, customer, phone, email, date, amount, discount, category, order_number"
    )
    column: str = Field(description="The column of the file.")
    message: str = Field(description="What is wrong and how to fix it.")


class ImportErrorOut(ErrorOut):
    rows_total: int
    errors: list[ImportRowErrorOut]


@analytics_router.post(
    "/imports",
    response={201: ImportOut, 400: ImportErrorOut | ErrorOut, 403: ErrorOut},
    summary="Import past orders (CSV or XLSX)",
)
def purchase_import_api(request: HttpRequest, file: File[UploadedFile]) -> Status[Any]:
    """Multipart upload of a CSV or XLSX of past orders (columns: date, amount, the customer by
    name, phone, e-mail or id; optional discount, category, order number). All or nothing: a
    400 lists every row to fix and nothing is imported. The same file twice imports nothing
    twice (``rows_skipped``)."""
    workspace, user = api_access(request, Perm.CONTACTS_IMPORT)
    result = imports.purchase_import(
        workspace=workspace, actor=user, file_name=file.name or "", content=file.read()
    )
    if result.pk is None:
        rows = {e["row"] for e in result.errors if e["row"] is not None}
        message = _("%(count)d rows need fixing; nothing was imported. See errors.") % {"count": len(rows)}
        return Status(
            400,
            {
                "code": "rows_invalid",
                "message": message,
                "fields": {f"rows.{e['row']}.{e['field']}": e["message"] for e in result.errors if e["row"]},
                "rows_total": result.rows_total,
                "errors": result.errors,
            },
        )
    return Status(201, result)
