"""Pipeline statistics for a period, computed in the database with aggregates over
``DealStageChange`` and ``Deal`` (four queries whatever the number of deals).

Definitions (the usual ones of CRM pipeline reports, e.g. Pipedrive's "conversion" and
"deal duration" reports):

- **Conversion of a stage S** = deals that entered S in the period and afterwards reached a
  later stage (the next one, or any further one up to won — deals may skip stages), divided
  by the deals that entered S in the period. Lost is not "later". A deal counts once per
  stage however often it re-entered it.
- **Win rate** = won / (won + lost), over the deals closed (``closed_at``) in the period.
- **Average time in a stage S** = mean of ``seconds_in_previous`` over the moves out of S
  made in the period, shown in days (seconds / 86 400).
- **Reasons**: the deals won and lost in the period counted by their reason.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.utils import timezone

from relasi.accounts.models import Workspace
from relasi.sales.enums import OPEN_STAGES, DealStage
from relasi.sales.models import Deal, DealStageChange

SECONDS_PER_DAY = Decimal(86400)
DEFAULT_PERIOD_DAYS = 90
# The order in which a deal advances; lost is not an advance.
STAGE_RANK: dict[str, int] = {stage: rank for rank, stage in enumerate([*OPEN_STAGES, DealStage.WON])}


@dataclass(frozen=True)
class StageConversion:
    stage: str
    label: str
    entered: int
    advanced: int

    @property
    def rate(self) -> Decimal | None:
        """Percent of the deals that entered the stage and advanced (one decimal)."""
        return _percent(self.advanced, self.entered)


@dataclass(frozen=True)
class StageTime:
    stage: str
    label: str
    moves: int
    average_days: Decimal | None


@dataclass(frozen=True)
class ReasonCount:
    name: str  # "" for deals closed without a reason
    count: int


@dataclass(frozen=True)
class PipelineStats:
    date_from: dt.date
    date_to: dt.date
    conversions: list[StageConversion]
    won: int
    lost: int
    won_value: Decimal
    stage_times: list[StageTime]
    won_reasons: list[ReasonCount]
    lost_reasons: list[ReasonCount]

    @property
    def win_rate(self) -> Decimal | None:
        """won / (won + lost) in percent (one decimal), ``None`` when nothing closed."""
        return _percent(self.won, self.won + self.lost)


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _rank(field: str) -> Case:
    whens = [When(**{field: stage}, then=Value(rank)) for stage, rank in STAGE_RANK.items()]
    return Case(*whens, default=Value(-1), output_field=IntegerField())


def period_default(*, workspace: Workspace) -> tuple[dt.date, dt.date]:
    """The last ``DEFAULT_PERIOD_DAYS`` days up to today, in the workspace's time zone."""
    today = timezone.localdate(timezone=zoneinfo.ZoneInfo(workspace.timezone))
    return today - dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1), today


def _bounds(workspace: Workspace, date_from: dt.date, date_to: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start of ``date_from``, start of the day after ``date_to``) in the workspace's zone."""
    zone = zoneinfo.ZoneInfo(workspace.timezone)
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return start, end


def pipeline_stats(*, workspace: Workspace, date_from: dt.date, date_to: dt.date) -> PipelineStats:
    """The statistics of the workspace's pipeline between two dates (both included)."""
    start, end = _bounds(workspace, date_from, date_to)
    labels = dict(DealStage.choices)
    changes = DealStageChange.objects.filter(
        deal__workspace=workspace, changed_at__gte=start, changed_at__lt=end
    )

    # Conversion: entries into an open stage in the period, and whether a later move of the
    # same deal reached a further stage.
    later = (
        DealStageChange.objects.filter(deal_id=OuterRef("deal_id"), id__gt=OuterRef("id"))
        .annotate(rank=_rank("to_stage"))
        .filter(rank__gt=OuterRef("rank"))
    )
    entries = (
        changes.filter(to_stage__in=OPEN_STAGES)
        .annotate(rank=_rank("to_stage"), moved_on=Exists(later))
        .order_by()
        .values("to_stage")
        .annotate(
            entered=Count("deal_id", distinct=True),
            advanced=Count("deal_id", distinct=True, filter=Q(moved_on=True)),
        )
    )
    by_stage: dict[str, tuple[int, int]] = {
        row["to_stage"]: (row["entered"], row["advanced"]) for row in entries
    }
    conversions = [
        StageConversion(
            stage=stage,
            label=str(labels[stage]),
            entered=by_stage.get(stage, (0, 0))[0],
            advanced=by_stage.get(stage, (0, 0))[1],
        )
        for stage in OPEN_STAGES
    ]

    closed = Deal.objects.filter(
        workspace=workspace,
        stage__in=(DealStage.WON, DealStage.LOST),
        closed_at__gte=start,
        closed_at__lt=end,
    )
    outcome = closed.aggregate(
        won=Count("id", filter=Q(stage=DealStage.WON)),
        lost=Count("id", filter=Q(stage=DealStage.LOST)),
        won_value=Sum("value", filter=Q(stage=DealStage.WON)),
    )

    times = {
        row["from_stage"]: row
        for row in changes.exclude(from_stage="")
        .order_by()
        .values("from_stage")
        .annotate(moves=Count("id"), seconds=Avg("seconds_in_previous"))
    }
    stage_times = []
    for stage in OPEN_STAGES:
        row = times.get(stage)
        average = None
        if row and row["seconds"] is not None:
            average = (Decimal(str(row["seconds"])) / SECONDS_PER_DAY).quantize(
                Decimal("0.1"), rounding=ROUND_HALF_UP
            )
        stage_times.append(
            StageTime(
                stage=stage, label=str(labels[stage]), moves=row["moves"] if row else 0, average_days=average
            )
        )

    won_reasons: list[ReasonCount] = []
    lost_reasons: list[ReasonCount] = []
    reason_rows = (
        closed.order_by()
        .values("stage", "close_reason__name")
        .annotate(n=Count("id"))
        .order_by("-n", "close_reason__name")
    )
    for reason_row in reason_rows:
        target = won_reasons if reason_row["stage"] == DealStage.WON else lost_reasons
        target.append(ReasonCount(name=reason_row["close_reason__name"] or "", count=reason_row["n"]))

    return PipelineStats(
        date_from=date_from,
        date_to=date_to,
        conversions=conversions,
        won=outcome["won"],
        lost=outcome["lost"],
        won_value=Decimal(outcome["won_value"] or 0).quantize(Decimal("0.01")),
        stage_times=stage_times,
        won_reasons=won_reasons,
        lost_reasons=lost_reasons,
    )
