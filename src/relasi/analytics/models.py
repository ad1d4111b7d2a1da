"""Analytics: purchases as one fact table, per-customer metric snapshots, the owner's
settings, saved segments, lifecycle history, acquisition costs and cycle times."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from relasi.analytics.enums import (
    ChurnRisk,
    CustomerType,
    LifecycleStage,
    PurchaseSource,
    RfmSegment,
    RunStatus,
    TimeUnit,
)
from relasi.contacts.enums import Source
from relasi.core.models import TimestampedModel, WorkspaceScopedModel
from relasi.sales.models import MoneyField


class Purchase(models.Model):
    """One purchase of a customer: the input of every number here. Filled from paid invoices
    and receipts by ``purchases_sync`` and from imported history; ``(source, source_ref)``
    makes both idempotent. Lean on purpose: the table holds millions of rows."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="+")
    purchased_on = models.DateField(_("date"))
    amount = MoneyField(_("amount"))
    discount = MoneyField(_("discount"))
    category = models.CharField(_("category"), max_length=80, blank=True)
    source = models.CharField(max_length=10, choices=PurchaseSource.choices)
    source_ref = models.CharField(max_length=80)

    class Meta:
        constraints = [
            models.UniqueConstraint("workspace", "source", "source_ref", name="purchase_unique_source"),
        ]
        indexes = [
            # Covering index: the per-customer aggregation reads it in order, without the table.
            # (PostgreSQL stores amount and discount in the index too: an index-only scan.)
            models.Index(
                fields=["workspace", "contact", "purchased_on"],
                include=["amount", "discount"],
                name="purchase_by_contact_day",
            ),
            # The days entering and leaving the last-year window (``totals.purchase_window_move``).
            models.Index(fields=["workspace", "purchased_on"], include=["contact"], name="purchase_by_day"),
        ]

    def __str__(self) -> str:
        return f"{self.purchased_on} {self.amount}"


class PurchaseTotals(models.Model):
    """One customer's purchases added up — all of them — kept current by every writer of
    purchases (``analytics.totals``): the nightly refresh reads a million of these rows, not
    ten million purchases. ``orders_last_year`` counts the year up to the workspace's
    ``PurchaseWindow``, which the refresh moves forward day by day."""

    contact = models.OneToOneField(
        "contacts.Contact", on_delete=models.CASCADE, primary_key=True, related_name="+", db_constraint=False
    )
    workspace = models.ForeignKey(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    first_on = models.DateField()
    last_on = models.DateField()
    purchase_days = models.PositiveIntegerField()
    orders = models.PositiveIntegerField()
    orders_last_year = models.PositiveIntegerField()
    discounted_orders = models.PositiveIntegerField()
    total_cents = models.BigIntegerField()  # sen
    first_day_cents = models.BigIntegerField()
    top_category = models.CharField(max_length=80, blank=True)
    top_category_orders = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["workspace", "contact"], name="totals_by_workspace")]

    def __str__(self) -> str:
        return f"{self.contact_id}: {self.orders}"


class PurchaseWindow(models.Model):
    """The last day of the year that ``PurchaseTotals.orders_last_year`` counts, per workspace."""

    workspace = models.OneToOneField(
        "accounts.Workspace", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    last_year_through = models.DateField()

    def __str__(self) -> str:
        return str(self.last_year_through)


class PurchaseImport(WorkspaceScopedModel):
    """A file of historical orders brought in (CSV/XLSX)."""

    file_name = models.CharField(max_length=200)
    rows_total = models.PositiveIntegerField(default=0)
    rows_imported = models.PositiveIntegerField(default=0)
    rows_skipped = models.PositiveIntegerField(default=0)  # already imported (same order)
    errors = models.JSONField(default=list, blank=True)  # [{"row": n, "field": ..., "message": ...}]
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return self.file_name


class AnalyticsSettings(TimestampedModel):
    """The owner's choices. RFM cut points: four ascending numbers per dimension, or empty for
    quintiles of the current customers."""

    workspace = models.OneToOneField("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    recency_cuts = models.JSONField(default=list, blank=True)  # days since last purchase
    frequency_cuts = models.JSONField(default=list, blank=True)  # purchases
    monetary_cuts = models.JSONField(default=list, blank=True)  # rupiah
    segment_rules = models.JSONField(default=list, blank=True)  # [] = the default map
    retention_years = models.DecimalField(
        _("retention years"), max_digits=5, decimal_places=2, default=Decimal("3")
    )
    margin_percent = models.DecimalField(
        _("margin (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    clv_horizon_months = models.PositiveSmallIntegerField(_("CLV horizon (months)"), default=12)
    monthly_discount_rate = models.DecimalField(
        _("monthly discount rate (%)"), max_digits=5, decimal_places=2, default=Decimal("1")
    )
    time_unit = models.CharField(
        _("time unit"), max_length=10, choices=TimeUnit.choices, default=TimeUnit.DAYS
    )


class MetricsRun(WorkspaceScopedModel):
    """One refresh: when, how long, what the models fitted."""

    as_of = models.DateField()
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    finished_at = models.DateTimeField(null=True, blank=True)
    customers = models.PositiveIntegerField(default=0)
    purchases = models.PositiveIntegerField(default=0)
    purchases_synced = models.PositiveIntegerField(default=0)
    duration_ms = models.PositiveIntegerField(default=0)
    cuts = models.JSONField(default=dict, blank=True)  # the RFM cut points used
    bgnbd = models.JSONField(default=dict, blank=True)  # r, alpha, a, b, log_likelihood
    gamma_gamma = models.JSONField(default=dict, blank=True)  # p, q, gamma
    error = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "-id"], name="metricsrun_latest")]

    def __str__(self) -> str:
        return f"{self.as_of} {self.status}"


class CustomerMetrics(models.Model):
    """The snapshot of one customer's numbers as of the last refresh. Pages read this, never
    a model fit."""

    # Derived rows, rewritten in bulk every night by one writer at a time (an advisory lock):
    # no database-level foreign keys (their deferred checks cost more than the write itself at
    # a million rows) and one index, (workspace, contact) — every other index, and a unique
    # one most of all, multiplies the cost of the nightly rewrite. Django still deletes the
    # rows with their contact or workspace.
    workspace = models.ForeignKey(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    as_of = models.DateField()
    first_purchase = models.DateField(null=True)
    last_purchase = models.DateField(null=True)
    orders = models.PositiveIntegerField(default=0)
    orders_last_year = models.PositiveIntegerField(default=0)
    discounted_orders = models.PositiveIntegerField(default=0)
    frequency = models.IntegerField(default=0)  # x: repeat purchase days
    recency_days = models.IntegerField(default=0)  # tₓ
    tenure_days = models.IntegerField(default=0)  # T
    days_since_last = models.IntegerField(null=True)
    total_spend = MoneyField()
    average_sale = MoneyField()
    monetary_repeat = MoneyField()
    top_category = models.CharField(max_length=80, blank=True)
    top_category_share = models.FloatField(default=0)
    conversations = models.PositiveIntegerField(default=0)
    quotations = models.PositiveIntegerField(default=0)
    days_to_first_purchase = models.IntegerField(null=True)
    latest_nps = models.SmallIntegerField(null=True)
    r_score = models.PositiveSmallIntegerField(default=0)
    f_score = models.PositiveSmallIntegerField(default=0)
    m_score = models.PositiveSmallIntegerField(default=0)
    rfm_segment = models.CharField(max_length=20, choices=RfmSegment.choices, blank=True)
    customer_type = models.CharField(max_length=10, choices=CustomerType.choices, blank=True)
    lifecycle_stage = models.CharField(
        max_length=11, choices=LifecycleStage.choices, default=LifecycleStage.REACH
    )
    purchases_per_year = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    simple_clv = MoneyField()
    p_alive = models.FloatField(null=True)
    expected_purchases = models.FloatField(null=True)  # over the CLV horizon
    expected_average_spend = MoneyField(null=True)
    clv_probabilistic = MoneyField(null=True)
    churn_risk = models.CharField(max_length=6, choices=ChurnRisk.choices, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "contact"], name="metrics_by_contact"),
            # the home's "customers at risk", most valuable first: a partial index over the
            # at-risk rows only (a sixth of them), so the refresh pays for few entries
            models.Index(
                fields=["workspace", "-simple_clv", "contact"],
                name="metrics_at_risk",
                condition=models.Q(churn_risk__in=[ChurnRisk.HIGH, ChurnRisk.LOST]),  # AT_RISK_BANDS
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} {self.as_of}"


class LifecycleTransition(models.Model):
    """A customer moved from one stage to another (seen at a refresh)."""

    workspace = models.ForeignKey(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    from_stage = models.CharField(max_length=11, choices=LifecycleStage.choices, blank=True)
    to_stage = models.CharField(max_length=11, choices=LifecycleStage.choices)
    changed_on = models.DateField()

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "changed_on"], name="lifecycle_by_day"),
            models.Index(fields=["contact", "changed_on"], name="lifecycle_by_contact"),
        ]

    def __str__(self) -> str:
        return f"{self.from_stage} → {self.to_stage}"


class Segment(WorkspaceScopedModel):
    """A saved filter over the metrics and the contact fields: a customer list now, a
    campaign audience later. ``filters`` is validated by ``analytics.segments``."""

    name = models.CharField(_("name"), max_length=120)
    description = models.CharField(_("description"), max_length=300, blank=True)
    filters = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint("workspace", "name", name="segment_unique_name")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AcquisitionCost(WorkspaceScopedModel):
    """What the owner spent to win customers from one source in one month (ads, fees,
    promotions), for cost per customer against CLV."""

    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    month = models.DateField(_("month"))  # the first day of the month
    amount = MoneyField(_("cost"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("workspace", "source", "month", name="acquisition_cost_unique_month"),
        ]
        ordering = ["-month", "source"]


class CycleTimeRecord(WorkspaceScopedModel):
    """A recorded production run: net production time over units, for cycle time."""

    process = models.CharField(_("process"), max_length=120)
    recorded_on = models.DateField(_("date"))
    net_production_hours = models.DecimalField(
        _("net production time (hours)"), max_digits=8, decimal_places=2
    )
    units = models.PositiveIntegerField(_("units produced"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-recorded_on", "-id"]
