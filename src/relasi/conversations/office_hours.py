"""Office hours of an inbox and the holidays of a workspace: when is the business open?

Rules (the inbox help says the same):

* Times are read in the **workspace's** time zone (WIB ``Asia/Jakarta``, WITA
  ``Asia/Makassar``, WIT ``Asia/Jayapura``), whatever zone ``at`` carries.
* An inbox without any interval is **always open** (office hours switched off).
* Otherwise it is closed on a holiday of the workspace marked ``is_closed``, and open when the
  local time falls in one of the weekday's intervals ``[opens, closes)`` (several intervals per
  day = split shift; Monday = 0).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from relasi.accounts.models import User, Workspace
from relasi.conversations.holidays_id import HOLIDAYS_BY_YEAR
from relasi.conversations.models import Holiday, HolidayKind, Inbox, OfficeHours
from relasi.core.exceptions import NotFound, ValidationError

# How far ahead ``next_opening`` looks: over a year covers any run of holidays.
_LOOKAHEAD_DAYS = 400
WEEKDAY_NAMES_ID = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTH_NAMES_ID = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip

Interval = tuple[int, dt.time, dt.time]  # (weekday, opens, closes)


def workspace_zone(workspace: Workspace) -> ZoneInfo:
    return ZoneInfo(workspace.timezone or "Asia/Jakarta")


def _intervals(inbox: Inbox) -> list[OfficeHours]:
    return list(OfficeHours.objects.filter(inbox=inbox).order_by("weekday", "opens"))


def _closed_dates(workspace_id: int, start: dt.date, end: dt.date) -> set[dt.date]:
    return set(
        Holiday.objects.filter(
            workspace_id=workspace_id, is_closed=True, date__gte=start, date__lte=end
        ).values_list("date", flat=True)
    )


def inbox_is_open(*, inbox: Inbox, at: dt.datetime) -> bool:
    """Whether ``inbox`` is open at the aware moment ``at`` (rules in the module docstring)."""
    intervals = _intervals(inbox)
    if not intervals:
        return True
    local = at.astimezone(workspace_zone(inbox.workspace))
    if _closed_dates(inbox.workspace_id, local.date(), local.date()):
        return False
    now = local.time().replace(tzinfo=None)
    return any(i.weekday == local.weekday() and i.opens <= now < i.closes for i in intervals)


def next_opening(*, inbox: Inbox, at: dt.datetime) -> dt.datetime | None:
    """The first moment at or after ``at`` when ``inbox`` is open, as an aware datetime in the
    workspace's zone: ``at`` itself when it is open now, else the start of the next interval on
    a day that is not a closed holiday. ``None`` when the inbox is always open (no intervals)
    or never opens within about a year."""
    intervals = _intervals(inbox)
    if not intervals:
        return None
    zone = workspace_zone(inbox.workspace)
    local = at.astimezone(zone)
    today = local.date()
    closed = _closed_dates(inbox.workspace_id, today, today + dt.timedelta(days=_LOOKAHEAD_DAYS))
    by_day: dict[int, list[OfficeHours]] = {}
    for interval in intervals:
        by_day.setdefault(interval.weekday, []).append(interval)
    now = local.time().replace(tzinfo=None)
    for offset in range(_LOOKAHEAD_DAYS + 1):
        day = today + dt.timedelta(days=offset)
        if day in closed:
            continue
        for interval in by_day.get(day.weekday(), []):
            if offset == 0:
                if interval.opens <= now < interval.closes:
                    return local
                if interval.opens < now:
                    continue
            return dt.datetime.combine(day, interval.opens, tzinfo=zone)
    return None


def opening_text(*, moment: dt.datetime, at: dt.datetime) -> str:
    """``moment`` the way the away message says it, in Indonesian: "Senin, 08.00" within the
    coming week, "Senin, 24 Agustus 2026, 08.00" further away."""
    local_at = at.astimezone(moment.tzinfo)
    day = WEEKDAY_NAMES_ID[moment.weekday()]
    clock = f"{moment:%H}.{moment:%M}"
    if (moment.date() - local_at.date()).days < 7:
        return f"{day}, {clock}"
    return f"{day}, {moment.day} {MONTH_NAMES_ID[moment.month - 1]} {moment.year}, {clock}"


# Editing -----------------------------------------------------------------------------------


def _check_intervals(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted intervals; every one opens before it closes, none overlaps another of its day.
    Errors are on ``day_<weekday>`` (the form's field per weekday)."""
    result = sorted(intervals)
    errors: dict[str, str] = {}
    for index, (weekday, opens, closes) in enumerate(result):
        field = f"day_{weekday}"
        if not 0 <= weekday <= 6:
            raise ValidationError(_("Unknown weekday."), fields={"weekday": _("Choose a day of the week.")})
        if opens >= closes:
            errors.setdefault(field, _("Each interval must open before it closes, e.g. 08:00–12:00."))
        elif index and result[index - 1][0] == weekday and opens < result[index - 1][2]:
            errors.setdefault(
                field, _("The intervals of one day must not overlap, e.g. 08:00–12:00 and 13:00–17:00.")
            )
    if errors:
        raise ValidationError(_("Check the office hours."), fields=errors)
    return result


@transaction.atomic
def inbox_hours_update(
    *,
    inbox: Inbox,
    actor: User,
    intervals: Sequence[Interval],
    greeting_message: str,
    away_message: str,
) -> Inbox:
    """Replace the week's intervals of ``inbox`` and set its greeting and away texts (nothing
    is written when an interval is invalid)."""
    checked = _check_intervals(intervals)
    OfficeHours.objects.filter(inbox=inbox).delete()
    OfficeHours.objects.bulk_create(
        OfficeHours(inbox=inbox, weekday=weekday, opens=opens, closes=closes)
        for weekday, opens, closes in checked
    )
    inbox.greeting_message = greeting_message.strip()
    inbox.away_message = away_message.strip()
    inbox.save(update_fields=["greeting_message", "away_message", "updated_at"])
    return inbox


def office_hours_list(*, inbox: Inbox) -> QuerySet[OfficeHours]:
    return OfficeHours.objects.filter(inbox=inbox).order_by("weekday", "opens")


def holiday_list(*, workspace: Workspace, year: int | None = None) -> QuerySet[Holiday]:
    rows = Holiday.objects.filter(workspace=workspace)
    if year is not None:
        rows = rows.filter(date__year=year)
    return rows.order_by("date")


def holiday_get(*, workspace: Workspace, holiday_id: int) -> Holiday | None:
    return Holiday.objects.filter(workspace=workspace, pk=holiday_id).first()


@transaction.atomic
def holidays_seed(*, workspace: Workspace, year: int) -> int:
    """Copy the national holidays and cuti bersama of ``year`` (``holidays_id``) into the
    workspace's holidays, closed. Idempotent: a date the workspace already has (perhaps edited
    by the owner) is left alone. Returns how many rows were added."""
    data = HOLIDAYS_BY_YEAR.get(year)
    if data is None:
        raise ValidationError(
            _("No holiday list for %(year)s.") % {"year": year},
            fields={
                "year": _("Choose %(years)s.") % {"years": ", ".join(map(str, sorted(HOLIDAYS_BY_YEAR)))}
            },
        )
    known = set(Holiday.objects.filter(workspace=workspace, date__year=year).values_list("date", flat=True))
    rows = [
        Holiday(workspace=workspace, date=item.date, name=item.name, kind=item.kind, is_closed=True)
        for item in data
        if item.date not in known
    ]
    Holiday.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


@transaction.atomic
def holiday_create(*, workspace: Workspace, actor: User, values: dict[str, Any]) -> Holiday:
    """Add a day the business is closed (or marks, open). One per date."""
    date = values.get("date")
    name = str(values.get("name") or "").strip()
    errors: dict[str, str] = {}
    if not isinstance(date, dt.date):
        errors["date"] = _("Give the date, e.g. 2026-08-17.")
    elif Holiday.objects.filter(workspace=workspace, date=date).exists():
        errors["date"] = _("This date is already in the list; delete it first to change it.")
    if not name:
        errors["name"] = _("Give the holiday a name, e.g. Stock opname.")
    kind = str(values.get("kind") or HolidayKind.CUSTOM)
    if kind not in HolidayKind.values:
        errors["kind"] = _("Choose a kind from the list.")
    if errors:
        raise ValidationError(_("Check the holiday."), fields=errors)
    assert isinstance(date, dt.date)
    return Holiday.objects.create(
        workspace=workspace,
        date=date,
        name=name[:120],
        kind=kind,
        is_closed=bool(values.get("is_closed", True)),
    )


@transaction.atomic
def holiday_delete(*, holiday: Holiday, actor: User) -> None:
    """Remove a holiday (the inboxes follow their weekly hours that day)."""
    if not Holiday.objects.filter(pk=holiday.pk).exists():
        raise NotFound(_("Holiday not found."))
    holiday.delete()
