"""Reads for activities: one activity, the lists by due bucket, the due count for the
navigation. Every query is scoped to one workspace.

Buckets ("My activities"), with ``now`` and the end of today in the workspace's time zone:
overdue = open and due before now; today = open and due from now to the end of today;
upcoming = open and due later; done = marked done (most recently done first).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from enum import StrEnum

from django.db.models import QuerySet
from django.utils import timezone

from relasi.accounts.enums import Role
from relasi.accounts.models import Membership, User, Workspace
from relasi.sales.models import Activity

DONE_SHOWN = 20  # on the page; the API pages through all of them


class DueBucket(StrEnum):
    OVERDUE = "overdue"
    TODAY = "today"
    UPCOMING = "upcoming"
    DONE = "done"


def activities_may_view_others(*, membership: Membership) -> bool:
    """Managers (owners and admins) may look at other members' activities."""
    return membership.role in (Role.OWNER, Role.ADMIN)


def end_of_today(*, workspace: Workspace, now: dt.datetime | None = None) -> dt.datetime:
    """Midnight at the end of today in the workspace's time zone."""
    zone = zoneinfo.ZoneInfo(workspace.timezone)
    local = timezone.localtime(now or timezone.now(), zone)
    return dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time.min, tzinfo=zone)


def activity_list(
    *,
    workspace: Workspace,
    owner_id: int | None = None,
    due: str = "",
    deal_id: int | None = None,
    now: dt.datetime | None = None,
) -> QuerySet[Activity]:
    """The workspace's activities (of one owner, one bucket, one deal when given) with the
    deal, the customer and the owner."""
    now = now or timezone.now()
    qs = Activity.objects.filter(workspace=workspace)
    if owner_id is not None:
        qs = qs.filter(owner_id=owner_id)
    if deal_id is not None:
        qs = qs.filter(deal_id=deal_id)
    if due == DueBucket.OVERDUE:
        qs = qs.filter(done_at__isnull=True, due_at__lt=now)
    elif due == DueBucket.TODAY:
        qs = qs.filter(
            done_at__isnull=True, due_at__gte=now, due_at__lt=end_of_today(workspace=workspace, now=now)
        )
    elif due == DueBucket.UPCOMING:
        qs = qs.filter(done_at__isnull=True, due_at__gte=end_of_today(workspace=workspace, now=now))
    elif due == DueBucket.DONE:
        qs = qs.filter(done_at__isnull=False)
    return qs.select_related("deal", "contact", "owner")


@dataclass
class ActivityGroups:
    overdue: list[Activity] = field(default_factory=list)
    today: list[Activity] = field(default_factory=list)
    upcoming: list[Activity] = field(default_factory=list)
    done: list[Activity] = field(default_factory=list)


def activity_groups(
    *, workspace: Workspace, owner_id: int | None, now: dt.datetime | None = None
) -> ActivityGroups:
    """The "My activities" page: open activities by bucket (earliest due first) and the last
    ``DONE_SHOWN`` done ones. Two queries."""
    now = now or timezone.now()
    tonight = end_of_today(workspace=workspace, now=now)
    groups = ActivityGroups()
    for activity in (
        activity_list(workspace=workspace, owner_id=owner_id, now=now)
        .filter(done_at__isnull=True)
        .order_by("due_at", "id")
    ):
        if activity.due_at < now:
            groups.overdue.append(activity)
        elif activity.due_at < tonight:
            groups.today.append(activity)
        else:
            groups.upcoming.append(activity)
    groups.done = list(
        activity_list(workspace=workspace, owner_id=owner_id, due=DueBucket.DONE).order_by("-done_at", "-id")[
            :DONE_SHOWN
        ]
    )
    return groups


def activity_get(*, workspace: Workspace, activity_id: int) -> Activity | None:
    return activity_list(workspace=workspace).filter(pk=activity_id).first()


def deal_activities(*, workspace: Workspace, deal_id: int) -> QuerySet[Activity]:
    """A deal's activities: open ones by due time, then done ones."""
    return activity_list(workspace=workspace, deal_id=deal_id).order_by("done_at", "due_at", "id")


def activities_due_count(*, workspace: Workspace, user: User, now: dt.datetime | None = None) -> int:
    """How many of the user's open activities are due by the end of today (overdue ones
    included): the number the navigation shows."""
    return Activity.objects.filter(
        workspace=workspace,
        owner=user,
        done_at__isnull=True,
        due_at__lt=end_of_today(workspace=workspace, now=now),
    ).count()
