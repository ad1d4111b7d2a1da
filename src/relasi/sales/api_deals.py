"""API: ``/api/v1/deals`` and ``/api/v1/activities``: thin endpoints over the pipeline's
services and selectors. Money is a decimal string (``"19800000.00"``), dates ISO 8601,
lists cursor-paginated (``?cursor=…``, ``next``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from relasi.accounts.api_access import ErrorOut, api_access
from relasi.accounts.models import Membership, User, Workspace
from relasi.accounts.permissions import Perm
from relasi.core.exceptions import NotFound, PermissionDenied, ValidationError
from relasi.sales import (
    pipeline_stats,
    selectors_activities,
    selectors_deals,
    services_activities,
    services_deals,
)
from relasi.sales.api_schemas import PageQuery, given, page_of
from relasi.sales.enums import DealStage
from relasi.sales.models import Activity, Deal

deals_router = Router()
activities_router = Router()


def _optional_id(raw: str, field: str) -> int | None:
    """A filter given as an id (``""``: no filter); anything else is a clear 400."""
    if not raw:
        return None
    if not raw.isdigit():
        raise ValidationError(_("Give an id (a number)."), fields={field: _("Give an id (a number).")})
    return int(raw)


# Deals ------------------------------------------------------------------------------------


class NextActivityOut(Schema):
    id: int
    subject: str
    due_at: dt.datetime


class DealOut(Schema):
    id: int
    title: str
    contact_id: int
    contact_name: str
    stage: str
    value: str = Field(description='Rupiah as a decimal string, "19800000.00"')
    probability: int
    weighted_value: str
    expected_close_date: dt.date | None
    owner_id: int | None
    stage_entered_at: dt.datetime
    closed_at: dt.datetime | None
    close_reason_id: int | None
    close_reason: str
    close_note: str
    notes: str
    next_activity: NextActivityOut | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_contact_name(obj: Deal) -> str:
        return obj.contact.full_name

    @staticmethod
    def resolve_value(obj: Deal) -> str:
        return f"{obj.value:.2f}"

    @staticmethod
    def resolve_weighted_value(obj: Deal) -> str:
        return f"{selectors_deals.weighted_value(obj.value, obj.probability):.2f}"

    @staticmethod
    def resolve_close_reason(obj: Deal) -> str:
        return obj.close_reason.name if obj.close_reason else ""

    @staticmethod
    def resolve_next_activity(obj: Deal) -> dict[str, Any] | None:
        activity_id = getattr(obj, "next_activity_id", None)
        if activity_id is None:
            return None
        return {"id": activity_id, "subject": obj.next_activity_subject, "due_at": obj.next_activity_due_at}  # type: ignore[attr-defined]


class DealIn(Schema):
    """Fields to set. On create ``title``, ``contact_id`` and ``value`` are required; on update
    send only what changes (the stage changes with ``POST /deals/{id}/move``)."""

    title: str | None = None
    contact_id: int | None = None
    value: str | int | None = Field(None, description='Rupiah as a decimal string: "1250000.00"')
    probability: int | None = Field(None, description="0–100; default: the stage's")
    expected_close_date: str | None = Field(None, description="ISO date, 2025-01-31")
    owner_id: int | None = Field(None, description="A member of the workspace; default: you")
    notes: str | None = None
    stage: str | None = Field(None, description="On create only: an open stage (default lead)")


class DealMoveIn(Schema):
    stage: str = Field(description="lead, qualified, proposal, negotiation, won or lost")
    reason: int | str | None = Field(
        None, description="Lost needs one, won may have one: a reason's id, or a new reason's name"
    )
    note: str = ""


class DealPage(Schema):
    items: list[DealOut]
    next: str | None


class DealQuery(PageQuery):
    stage: str = ""
    owner: str = Field("", description='A member\'s id, or "me"')
    contact: str = ""


def _deal_or_404(workspace: Workspace, deal_id: int) -> Deal:
    deal = selectors_deals.deal_get(workspace=workspace, deal_id=deal_id)
    if deal is None:
        raise NotFound(_("Deal not found."), code="not_found")
    return deal


@deals_router.get("", response={200: DealPage, 400: ErrorOut, 403: ErrorOut}, summary="List deals")
def deal_list_api(request: HttpRequest, query: Query[DealQuery]) -> dict[str, Any]:
    workspace, user = api_access(request, Perm.SALES_VIEW)
    if query.stage and query.stage not in DealStage.values:
        raise ValidationError(
            _("Unknown stage."),
            fields={"stage": _("Use lead, qualified, proposal, negotiation, won or lost.")},
        )
    owner_id = user.pk if query.owner == "me" else _optional_id(query.owner, "owner")
    return page_of(
        selectors_deals.deal_list(
            workspace=workspace,
            stage=query.stage,
            owner_id=owner_id,
            contact_id=_optional_id(query.contact, "contact"),
        ),
        cursor=query.cursor,
        limit=query.limit,
    )


class ConversionOut(Schema):
    stage: str
    entered: int
    advanced: int
    rate_percent: str | None


class StageTimeOut(Schema):
    stage: str
    moves: int
    average_days: str | None


class ReasonCountOut(Schema):
    reason: str
    count: int


class StatsOut(Schema):
    date_from: dt.date
    date_to: dt.date
    conversions: list[ConversionOut]
    won: int
    lost: int
    win_rate_percent: str | None
    won_value: str
    stage_times: list[StageTimeOut]
    won_reasons: list[ReasonCountOut]
    lost_reasons: list[ReasonCountOut]


class StatsQuery(Schema):
    date_from: dt.date | None = Field(None, alias="from")
    date_to: dt.date | None = Field(None, alias="to")


def _text(value: object) -> str | None:
    return None if value is None else str(value)


@deals_router.get("/stats", response={200: StatsOut, 403: ErrorOut}, summary="Pipeline statistics")
def deal_stats_api(request: HttpRequest, query: Query[StatsQuery]) -> dict[str, Any]:
    """Conversion per stage, win rate, average days per stage and reasons, for a period
    (``?from=`` / ``?to=``, ISO dates, both included; default: the last 90 days)."""
    workspace, _user = api_access(request, Perm.SALES_VIEW)
    default_from, default_to = pipeline_stats.period_default(workspace=workspace)
    stats = pipeline_stats.pipeline_stats(
        workspace=workspace, date_from=query.date_from or default_from, date_to=query.date_to or default_to
    )
    return {
        "date_from": stats.date_from,
        "date_to": stats.date_to,
        "conversions": [
            {"stage": c.stage, "entered": c.entered, "advanced": c.advanced, "rate_percent": _text(c.rate)}
            for c in stats.conversions
        ],
        "won": stats.won,
        "lost": stats.lost,
        "win_rate_percent": _text(stats.win_rate),
        "won_value": f"{stats.won_value:.2f}",
        "stage_times": [
            {"stage": t.stage, "moves": t.moves, "average_days": _text(t.average_days)}
            for t in stats.stage_times
        ],
        "won_reasons": [{"reason": r.name, "count": r.count} for r in stats.won_reasons],
        "lost_reasons": [{"reason": r.name, "count": r.count} for r in stats.lost_reasons],
    }


@deals_router.post("", response={201: DealOut, 400: ErrorOut, 403: ErrorOut}, summary="Create a deal")
def deal_create_api(request: HttpRequest, payload: DealIn) -> Status[Deal]:
    workspace, user = api_access(request, Perm.SALES_EDIT)
    deal = services_deals.deal_create(workspace=workspace, actor=user, values=given(payload))
    return Status(201, _deal_or_404(workspace, deal.pk))


@deals_router.get("/{int:deal_id}", response={200: DealOut, 404: ErrorOut}, summary="A deal")
def deal_get_api(request: HttpRequest, deal_id: int) -> Deal:
    workspace, _user = api_access(request, Perm.SALES_VIEW)
    return _deal_or_404(workspace, deal_id)


@deals_router.patch("/{int:deal_id}", response={200: DealOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut})
def deal_update_api(request: HttpRequest, deal_id: int, payload: DealIn) -> Deal:
    workspace, user = api_access(request, Perm.SALES_EDIT)
    services_deals.deal_update(deal=_deal_or_404(workspace, deal_id), actor=user, values=given(payload))
    return _deal_or_404(workspace, deal_id)


@deals_router.post(
    "/{int:deal_id}/move",
    response={200: DealOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Move a deal to another stage",
)
def deal_move_api(request: HttpRequest, deal_id: int, payload: DealMoveIn) -> Deal:
    workspace, user = api_access(request, Perm.SALES_EDIT)
    services_deals.deal_move(
        deal=_deal_or_404(workspace, deal_id),
        stage=payload.stage,
        actor=user,
        reason=payload.reason,
        note=payload.note,
    )
    return _deal_or_404(workspace, deal_id)


@deals_router.delete("/{int:deal_id}", response={204: None, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut})
def deal_delete_api(request: HttpRequest, deal_id: int) -> Status[None]:
    workspace, user = api_access(request, Perm.SALES_EDIT)
    services_deals.deal_delete(deal=_deal_or_404(workspace, deal_id), actor=user)
    return Status(204, None)


# Activities -------------------------------------------------------------------------------


class ActivityOut(Schema):
    id: int
    kind: str
    subject: str
    due_at: dt.datetime
    owner_id: int
    deal_id: int | None
    contact_id: int | None
    notes: str
    done_at: dt.datetime | None
    reminded_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


class ActivityIn(Schema):
    """Fields to set. On create ``kind``, ``subject`` and ``due_at`` are required."""

    kind: str | None = Field(None, description="call, meeting, follow_up, email or task")
    subject: str | None = None
    due_at: str | None = Field(
        None, description="ISO 8601; without an offset it is read in the workspace's time zone"
    )
    owner_id: int | None = Field(None, description="A member of the workspace; default: you")
    deal_id: int | None = None
    contact_id: int | None = None
    notes: str | None = None


class ActivityPage(Schema):
    items: list[ActivityOut]
    next: str | None


class ActivityQuery(PageQuery):
    owner: str = Field("", description='Default: yours. A member\'s id or "all" (owners and admins only)')
    due: str = Field("", description="overdue, today, upcoming or done")
    deal: str = ""


def _activity_or_404(workspace: Workspace, activity_id: int) -> Activity:
    activity = selectors_activities.activity_get(workspace=workspace, activity_id=activity_id)
    if activity is None:
        raise NotFound(_("Activity not found."), code="not_found")
    return activity


def _owner_filter(request: HttpRequest, user: User, owner: str) -> int | None:
    """Yours by default; another member's (or everyone's: ``all``) for managers only."""
    if owner in ("", str(user.pk)):
        return user.pk
    membership: Membership = request.membership  # type: ignore[attr-defined]
    if not selectors_activities.activities_may_view_others(membership=membership):
        raise PermissionDenied(
            _("Only owners and admins may see other members' activities."), code="permission_denied"
        )
    return None if owner == "all" else _optional_id(owner, "owner")


@activities_router.get(
    "", response={200: ActivityPage, 400: ErrorOut, 403: ErrorOut}, summary="List activities"
)
def activity_list_api(request: HttpRequest, query: Query[ActivityQuery]) -> dict[str, Any]:
    workspace, user = api_access(request, Perm.SALES_VIEW)
    if query.due and query.due not in {b.value for b in selectors_activities.DueBucket}:
        raise ValidationError(
            _("Unknown due filter."), fields={"due": _("Use overdue, today, upcoming or done.")}
        )
    return page_of(
        selectors_activities.activity_list(
            workspace=workspace,
            owner_id=_owner_filter(request, user, query.owner),
            due=query.due,
            deal_id=_optional_id(query.deal, "deal"),
        ),
        cursor=query.cursor,
        limit=query.limit,
    )


@activities_router.post(
    "", response={201: ActivityOut, 400: ErrorOut, 403: ErrorOut}, summary="Plan an activity"
)
def activity_create_api(request: HttpRequest, payload: ActivityIn) -> Status[Activity]:
    workspace, user = api_access(request, Perm.SALES_EDIT)
    activity = services_activities.activity_create(workspace=workspace, actor=user, values=given(payload))
    return Status(201, activity)


@activities_router.get(
    "/{int:activity_id}", response={200: ActivityOut, 404: ErrorOut}, summary="An activity"
)
def activity_get_api(request: HttpRequest, activity_id: int) -> Activity:
    workspace, _user = api_access(request, Perm.SALES_VIEW)
    return _activity_or_404(workspace, activity_id)


@activities_router.patch(
    "/{int:activity_id}", response={200: ActivityOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut}
)
def activity_update_api(request: HttpRequest, activity_id: int, payload: ActivityIn) -> Activity:
    workspace, user = api_access(request, Perm.SALES_EDIT)
    return services_activities.activity_update(
        activity=_activity_or_404(workspace, activity_id), actor=user, values=given(payload)
    )


@activities_router.post(
    "/{int:activity_id}/complete",
    response={200: ActivityOut, 403: ErrorOut, 404: ErrorOut},
    summary="Mark done",
)
def activity_complete_api(request: HttpRequest, activity_id: int) -> Activity:
    workspace, user = api_access(request, Perm.SALES_EDIT)
    return services_activities.activity_complete(
        activity=_activity_or_404(workspace, activity_id), actor=user
    )


@activities_router.post(
    "/{int:activity_id}/reopen",
    response={200: ActivityOut, 403: ErrorOut, 404: ErrorOut},
    summary="Mark not done",
)
def activity_reopen_api(request: HttpRequest, activity_id: int) -> Activity:
    workspace, user = api_access(request, Perm.SALES_EDIT)
    return services_activities.activity_reopen(activity=_activity_or_404(workspace, activity_id), actor=user)


@activities_router.delete("/{int:activity_id}", response={204: None, 403: ErrorOut, 404: ErrorOut})
def activity_delete_api(request: HttpRequest, activity_id: int) -> Status[None]:
    workspace, user = api_access(request, Perm.SALES_EDIT)
    services_activities.activity_delete(activity=_activity_or_404(workspace, activity_id), actor=user)
    return Status(204, None)
