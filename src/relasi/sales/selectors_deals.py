"""Reads for the pipeline: the board, one deal, a customer's deals, the reason lists.

Every query is scoped to one workspace. The board costs two queries whatever the number of
deals: one for the cards (at most ``limit`` per column, a window function), one for the
columns' totals (SQL aggregates over every deal of the column, not only the shown cards).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Count,
    DecimalField,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Window,
)
from django.db.models.functions import RowNumber

from relasi.accounts.models import User, Workspace
from relasi.contacts.models import Contact
from relasi.sales.enums import DealStage
from relasi.sales.models import Activity, Deal, DealStageChange, LostReason, Quotation

BOARD_LIMIT = 100  # cards per column; the column's totals still count every deal
_CENTS = Decimal("0.01")
_AMOUNT = DecimalField(max_digits=24, decimal_places=2)


def with_next_activity(queryset: QuerySet[Deal]) -> QuerySet[Deal]:
    """Annotate each deal with its next activity: the open one due earliest
    (``next_activity_id``, ``next_activity_subject``, ``next_activity_due_at``)."""
    upcoming = Activity.objects.filter(deal=OuterRef("pk"), done_at__isnull=True).order_by("due_at", "id")
    return queryset.annotate(
        next_activity_id=Subquery(upcoming.values("id")[:1]),
        next_activity_subject=Subquery(upcoming.values("subject")[:1]),
        next_activity_due_at=Subquery(upcoming.values("due_at")[:1]),
    )


def weighted_value(value: Decimal, probability: int) -> Decimal:
    """Weighted value of a deal = value × probability / 100, to the sen (half up)."""
    return (value * probability / Decimal(100)).quantize(_CENTS, rounding=ROUND_HALF_UP)


def deal_list(
    *,
    workspace: Workspace,
    stage: str = "",
    owner_id: int | None = None,
    contact_id: int | None = None,
) -> QuerySet[Deal]:
    """The workspace's deals, optionally of one stage, owner or customer, with the customer,
    the owner, the close reason and the next activity."""
    qs = Deal.objects.filter(workspace=workspace)
    if stage:
        qs = qs.filter(stage=stage)
    if owner_id is not None:
        qs = qs.filter(owner_id=owner_id)
    if contact_id is not None:
        qs = qs.filter(contact_id=contact_id)
    return with_next_activity(qs.select_related("contact", "owner", "close_reason"))


def deal_get(*, workspace: Workspace, deal_id: int) -> Deal | None:
    return deal_list(workspace=workspace).filter(pk=deal_id).first()


def deals_for_contact(*, workspace: Workspace, contact: Contact) -> QuerySet[Deal]:
    """A customer's deals, open ones first, newest first (for the customer's page)."""
    return deal_list(workspace=workspace, contact_id=contact.pk).order_by("closed_at", "-id")


@dataclass
class BoardColumn:
    stage: str
    label: str
    deals: list[Deal] = field(default_factory=list)
    count: int = 0
    total: Decimal = Decimal("0")
    weighted: Decimal = Decimal("0")

    @property
    def more(self) -> int:
        """How many deals of the column are not shown as cards."""
        return max(0, self.count - len(self.deals))


def deal_board(
    *,
    workspace: Workspace,
    owner_id: int | None = None,
    contact_id: int | None = None,
    limit: int = BOARD_LIMIT,
) -> list[BoardColumn]:
    """The board: one column per stage, in the stages' order, each with its cards (ordered
    by position, then the most recently moved first) and, over all of its deals, the count,
    the total value and the weighted value Σ(value × probability) / 100."""
    base = Deal.objects.filter(workspace=workspace)
    if owner_id is not None:
        base = base.filter(owner_id=owner_id)
    if contact_id is not None:
        base = base.filter(contact_id=contact_id)
    columns = {stage: BoardColumn(stage=stage, label=str(label)) for stage, label in DealStage.choices}
    totals = (
        base.order_by()
        .values("stage")
        .annotate(
            n=Count("id"),
            total=Sum("value"),
            weighted_cents=Sum(F("value") * F("probability"), output_field=_AMOUNT),
        )
    )
    for row in totals:
        column = columns[row["stage"]]
        column.count = row["n"]
        column.total = Decimal(row["total"] or 0).quantize(_CENTS)
        column.weighted = (Decimal(row["weighted_cents"] or 0) / 100).quantize(_CENTS, rounding=ROUND_HALF_UP)
    ranked = with_next_activity(base.select_related("contact", "owner")).annotate(
        rank=Window(
            RowNumber(),
            partition_by=[F("stage")],
            order_by=[F("position").asc(), F("stage_entered_at").desc(), F("id").desc()],
        )
    )
    for deal in ranked.filter(rank__lte=limit).order_by("position", "-stage_entered_at", "-id"):
        columns[deal.stage].deals.append(deal)
    return list(columns.values())


def board_contacts(*, workspace: Workspace) -> QuerySet[Contact]:
    """Customers that have deals (the board's customer filter), by name."""
    return Contact.objects.filter(
        workspace=workspace, pk__in=Deal.objects.filter(workspace=workspace).values("contact_id")
    ).order_by("full_name", "id")


def deal_stage_history(*, deal: Deal) -> QuerySet[DealStageChange]:
    """A deal's moves, oldest first, with who made them."""
    return DealStageChange.objects.filter(deal=deal).select_related("actor").order_by("changed_at", "id")


def deal_quotations(*, deal: Deal) -> QuerySet[Quotation]:
    """The quotations made for a deal, newest first."""
    return Quotation.objects.filter(workspace_id=deal.workspace_id, deal=deal).order_by("-id")


def deal_reasons(*, workspace: Workspace, for_won: bool) -> QuerySet[LostReason]:
    """One of the two reason lists (won or lost), by name."""
    return LostReason.objects.filter(workspace=workspace, for_won=for_won).order_by("name", "id")


def deal_reason_get(*, workspace: Workspace, reason_id: int) -> LostReason | None:
    return LostReason.objects.filter(workspace=workspace, pk=reason_id).first()


def deal_owner_choices(*, workspace: Workspace) -> QuerySet[User]:
    """Members of the workspace, who may own deals and activities, by name."""
    return User.objects.filter(memberships__workspace=workspace).order_by("full_name", "email")
