"""Every number on a customer's page says where it comes from: the rule or formula with the
customer's own figures, in the reader's language (built at display time from the snapshot,
so switching language switches the explanation)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from relasi.analytics.metrics.customer_types import TypeThresholds
from relasi.analytics.models import AnalyticsSettings, CustomerMetrics
from relasi.core.money import format_number, format_rupiah


@dataclass(frozen=True)
class Explanation:
    simple_clv: str
    customer_type: str
    lifecycle_stage: str
    churn_risk: str
    rfm: str
    probabilistic: str


def _days_ago(days: int | None) -> str:
    count = days or 0
    return ngettext("%(days)s day ago", "%(days)s days ago", count) % {"days": count}


def _percent(value: float) -> str:
    return f"{format_number(round(value * 100))}%"


def _type_reason(m: CustomerMetrics) -> str:
    t = TypeThresholds()
    if m.customer_type == "discount":
        return _(
            "%(n)s of %(total)s purchases carried a discount (the rule: at least half of at least %(min)s)."
        ) % {
            "n": m.discounted_orders,
            "total": m.orders,
            "min": t.discount_min_orders,
        }
    if m.customer_type == "loyal":
        return _(
            "%(n)s purchases, the last %(ago)s: recency score %(r)s and frequency score %(f)s "
            "(the rule: at least %(min)s purchases and both scores %(score)s or better)."
        ) % {
            "n": m.orders,
            "ago": _days_ago(m.days_since_last),
            "r": m.r_score,
            "f": m.f_score,
            "min": t.loyal_min_orders,
            "score": t.loyal_min_score,
        }
    if m.customer_type == "need_based":
        return _(
            "%(share)s of the purchases are %(category)s (the rule: at least %(min)s in one category)."
        ) % {
            "share": _percent(m.top_category_share),
            "category": m.top_category,
            "min": _percent(t.need_min_category_share),
        }
    if m.customer_type == "impulse":
        return _(
            "Bought %(days)s days after first contact, after %(talks)s conversations "
            "(the rule: within %(max)s day and at most %(max_talks)s conversation)."
        ) % {
            "days": m.days_to_first_purchase,
            "talks": m.conversations,
            "max": t.impulse_max_days,
            "max_talks": t.impulse_max_conversations,
        }
    if m.customer_type == "wandering":
        return _(
            "%(talks)s conversations and %(n)s purchases "
            "(the rule: at least %(min)s conversations without buying, "
            "or %(ratio)s per purchase)."
        ) % {
            "talks": m.conversations,
            "n": m.orders,
            "min": t.wandering_min_conversations,
            "ratio": format_number(int(t.wandering_conversations_per_order)),
        }
    return _("No rule fits yet: %(n)s purchases and %(talks)s conversations so far.") % {
        "n": m.orders,
        "talks": m.conversations,
    }


def _stage_reason(m: CustomerMetrics) -> str:
    stage = m.lifecycle_stage
    if stage == "loyalty":
        return _("Repeat buyer with recency %(r)s and frequency %(f)s and a promoter score of %(nps)s.") % {
            "r": m.r_score,
            "f": m.f_score,
            "nps": m.latest_nps,
        }
    if stage == "retention":
        return ngettext(
            "Bought on %(n)s different day: a repeat customer.",
            "Bought on %(n)s different days: a repeat customer.",
            m.frequency + 1,
        ) % {"n": m.frequency + 1}
    if stage == "conversion":
        return _("First purchase on %(date)s.") % {
            "date": m.first_purchase.strftime("%d-%m-%Y") if m.first_purchase else "-"
        }
    if stage == "acquisition":
        return _("%(talks)s conversations and %(quotes)s quotations, no purchase yet.") % {
            "talks": m.conversations,
            "quotes": m.quotations,
        }
    return _("Known to the business, no conversation, quotation or purchase yet.")


def _churn_reason(m: CustomerMetrics) -> str:
    if not m.orders:
        return _("No purchase yet.")
    if m.frequency == 0:
        return _("Bought once, %(ago)s: one-time buyers are judged by the days since that purchase.") % {
            "ago": _days_ago(m.days_since_last)
        }
    if m.p_alive is None:
        return _("Too few repeat buyers in the workspace to fit the model yet.")
    return _("Probability of still being an active customer: %(p)s.") % {"p": _percent(m.p_alive)}


def customer_explanation(*, metrics: CustomerMetrics, settings: AnalyticsSettings) -> Explanation:
    """The explanations of one customer's numbers."""
    m = metrics
    margin = ""
    if settings.margin_percent is not None:
        margin = " × " + _("margin %(m)s%%") % {"m": format_number(settings.margin_percent, decimals=0)}
    simple = _(
        "Average sale %(avg)s × %(per_year)s purchases a year × %(years)s years%(margin)s = %(clv)s."
    ) % {
        "avg": format_rupiah(m.average_sale),
        "per_year": format_number(m.purchases_per_year, decimals=0 if m.purchases_per_year % 1 == 0 else 2),
        "years": format_number(
            settings.retention_years, decimals=0 if settings.retention_years % 1 == 0 else 2
        ),
        "margin": margin,
        "clv": format_rupiah(m.simple_clv),
    }
    if m.tenure_days >= 365:
        simple += " " + _("Purchases a year: those of the last 12 months.")
    elif m.orders:
        simple += " " + _("Purchases a year: %(n)s so far, over %(days)s days known, scaled to a year.") % {
            "n": m.orders,
            "days": max(m.tenure_days, 90),
        }
    rfm = _(
        "Recency %(r)s (last purchase %(ago)s), frequency %(f)s (%(purchases)s), "
        "monetary %(m)s (%(spend)s in total)."
    ) % {
        "r": m.r_score,
        "ago": _days_ago(m.days_since_last) if m.days_since_last is not None else "-",
        "f": m.f_score,
        "purchases": ngettext("%(n)s purchase", "%(n)s purchases", m.orders) % {"n": m.orders},
        "m": m.m_score,
        "spend": format_rupiah(m.total_spend),
    }
    if m.clv_probabilistic is not None and m.expected_purchases is not None:
        probabilistic = _(
            "BG/NBD expects %(x)s purchases in the next %(months)s months; "
            "Gamma-Gamma expects %(spend)s each; "
            "discounted at %(rate)s%% a month: %(clv)s."
        ) % {
            "x": format_number(Decimal(str(round(m.expected_purchases, 2))), decimals=2),
            "months": settings.clv_horizon_months,
            "spend": format_rupiah(m.expected_average_spend or 0),
            "rate": format_number(
                settings.monthly_discount_rate, decimals=0 if settings.monthly_discount_rate % 1 == 0 else 2
            ),
            "clv": format_rupiah(m.clv_probabilistic),
        }
    else:
        probabilistic = _(
            "Not computed: the models need at least 20 repeat buyers in the workspace "
            "and a purchase history they can be fitted to."
        )
    return Explanation(
        simple_clv=simple,
        customer_type=_type_reason(m),
        lifecycle_stage=_stage_reason(m),
        churn_risk=_churn_reason(m),
        rfm=rfm,
        probabilistic=probabilistic,
    )
