"""Writes for activities (calls, meetings, follow-ups, e-mails, tasks) and their reminders.

An activity has an owner (a member of the workspace), a due time (stored in UTC; forms take it
in the workspace's time zone) and optionally a deal and/or a customer. ``activities_remind_due``
(run every few minutes by Celery beat) mails each owner once per activity that fell due.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from relasi.accounts.models import User, Workspace
from relasi.core.exceptions import fields_invalid
from relasi.core.mail import send_workspace_mail
from relasi.sales.enums import ActivityKind
from relasi.sales.inputs import contact_check, id_clean, member_check
from relasi.sales.models import Activity, Deal

ACTIVITY_FIELDS = ("kind", "subject", "due_at", "owner_id", "deal_id", "contact_id", "notes")
REMIND_BATCH = 500  # activities claimed per transaction


def _clean_due(raw: Any, zone: zoneinfo.ZoneInfo, errors: dict[str, str]) -> dt.datetime | None:
    """An aware datetime; a naive one (or ISO text without an offset) is read in ``zone``."""
    value: dt.datetime | None = None
    if isinstance(raw, dt.datetime):
        value = raw
    elif raw not in (None, ""):
        try:
            value = dt.datetime.fromisoformat(str(raw).strip())
        except ValueError:
            value = None
    if value is None:
        errors["due_at"] = _("Give the due date and time, like 2025-01-31 14:00.")
        return None
    if timezone.is_naive(value):
        value = value.replace(tzinfo=zone)
    return value


def _activity_values_clean(
    *, workspace: Workspace, values: Mapping[str, Any], partial: bool
) -> dict[str, Any]:
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    if "kind" in values or not partial:
        kind = str(values.get("kind") or "")
        if kind not in ActivityKind.values:
            errors["kind"] = _("Choose a kind: call, meeting, follow-up, e-mail or task.")
        cleaned["kind"] = kind
    if "subject" in values or not partial:
        subject = str(values.get("subject") or "").strip()
        if not subject:
            errors["subject"] = _("Say what to do, like “Call Pak Budi about the offer”.")
        elif len(subject) > 200:
            errors["subject"] = _("The subject is at most 200 characters.")
        cleaned["subject"] = subject
    if "due_at" in values or not partial:
        cleaned["due_at"] = _clean_due(values.get("due_at"), zoneinfo.ZoneInfo(workspace.timezone), errors)
    if "owner_id" in values:
        owner_id = id_clean(values["owner_id"])
        if owner_id is None:
            errors["owner_id"] = _("Choose who does it: a member of this workspace.")
        else:
            member_check(workspace=workspace, user_id=owner_id, field="owner_id", errors=errors)
        cleaned["owner_id"] = owner_id
    if "deal_id" in values:
        deal_id = id_clean(values["deal_id"])
        if deal_id is not None and not Deal.objects.filter(workspace=workspace, pk=deal_id).exists():
            errors["deal_id"] = _("Choose a deal of this workspace.")
        cleaned["deal_id"] = deal_id
    if "contact_id" in values:
        contact_id = id_clean(values["contact_id"])
        contact_check(workspace=workspace, contact_id=contact_id, field="contact_id", errors=errors)
        cleaned["contact_id"] = contact_id
    if "notes" in values:
        cleaned["notes"] = str(values["notes"] or "")[:10000]
    if errors:
        raise fields_invalid(errors)
    return cleaned


def _contact_from_deal(cleaned: dict[str, Any], workspace: Workspace) -> None:
    """An activity on a deal without a customer given is about the deal's customer."""
    if cleaned.get("deal_id") and not cleaned.get("contact_id"):
        cleaned["contact_id"] = (
            Deal.objects.filter(workspace=workspace, pk=cleaned["deal_id"])
            .values_list("contact_id", flat=True)
            .first()
        )


@transaction.atomic
def activity_create(*, workspace: Workspace, actor: User, values: Mapping[str, Any]) -> Activity:
    """Plan an activity. ``values``: ``kind`` (``ActivityKind``), ``subject``, ``due_at`` (an
    aware datetime, or a naive one / ISO text read in the workspace's time zone), ``owner_id``
    (a member; default: the actor), optional ``deal_id`` and ``contact_id`` of the workspace
    (default customer: the deal's), ``notes``."""
    cleaned = _activity_values_clean(workspace=workspace, values=values, partial=False)
    cleaned.setdefault("owner_id", actor.pk)
    _contact_from_deal(cleaned, workspace)
    return Activity.objects.create(workspace=workspace, created_by=actor, **cleaned)


@transaction.atomic
def activity_update(*, activity: Activity, actor: User, values: Mapping[str, Any]) -> Activity:
    """Change some fields of an activity. Moving the due time to the future lets it remind
    again."""
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    given = {k: v for k, v in values.items() if k in ACTIVITY_FIELDS}
    cleaned = _activity_values_clean(workspace=activity.workspace, values=given, partial=True)
    if "deal_id" in cleaned and "contact_id" not in cleaned and activity.contact_id is None:
        _contact_from_deal(cleaned, activity.workspace)
    for name, value in cleaned.items():
        setattr(activity, name, value)
    if "due_at" in cleaned and cleaned["due_at"] > timezone.now():
        activity.reminded_at = None
    activity.save()
    return activity


@transaction.atomic
def activity_complete(*, activity: Activity, actor: User) -> Activity:
    """Mark an activity done (now). Done already: nothing changes."""
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if activity.done_at is None:
        activity.done_at = timezone.now()
        activity.save(update_fields=["done_at", "updated_at"])
    return activity


@transaction.atomic
def activity_reopen(*, activity: Activity, actor: User) -> Activity:
    """Mark a done activity as not done again."""
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if activity.done_at is not None:
        activity.done_at = None
        activity.save(update_fields=["done_at", "updated_at"])
    return activity


@transaction.atomic
def activity_delete(*, activity: Activity, actor: User) -> None:
    Activity.objects.filter(pk=activity.pk).delete()


# Reminders --------------------------------------------------------------------------------


def _reminder_mail(activity: Activity) -> dict[str, Any]:
    """Subject and body in the owner's language; the due time in the workspace's zone."""
    owner = activity.owner
    zone = zoneinfo.ZoneInfo(activity.workspace.timezone)
    with translation.override(owner.language or settings.LANGUAGE_CODE), timezone.override(zone):
        due = formats.date_format(timezone.localtime(activity.due_at), "DATETIME_FORMAT")
        path = reverse("sales:activity_list", args=[activity.workspace.slug])
        lines = [
            _("Hello %(name)s,") % {"name": owner.full_name or owner.email},
            "",
            _("This activity is due:"),
            f"{activity.get_kind_display()}: {activity.subject}",
            _("Due: %(when)s") % {"when": due},
        ]
        if activity.deal_id is not None and activity.deal is not None:
            lines.append(_("Deal: %(title)s") % {"title": activity.deal.title})
        if activity.contact_id is not None and activity.contact is not None:
            lines.append(_("Customer: %(name)s") % {"name": activity.contact.full_name})
        lines += ["", _("Your activities: %(url)s") % {"url": settings.RELASI_BASE_URL.rstrip("/") + path}]
        subject = _("Reminder: %(subject)s") % {"subject": activity.subject}
    return {"subject": subject[:300], "body": "\n".join(lines)}


def activities_remind_due(*, now: dt.datetime | None = None, batch: int = REMIND_BATCH) -> int:
    """Mail each owner once for every open activity whose due time has come and that was not
    reminded yet; returns how many were claimed.

    Idempotent under concurrency: rows are claimed with ``SELECT … FOR UPDATE SKIP LOCKED``
    and marked ``reminded_at`` in the same transaction, so a second worker skips them while the
    first holds them and no longer matches them once it committed. The mails go out after the
    commit (at most once: a mail that fails after the commit is not retried).
    """
    now = now or timezone.now()
    claimed = 0
    while True:
        with transaction.atomic():
            rows = list(
                Activity.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(due_at__lte=now, done_at__isnull=True, reminded_at__isnull=True)
                .select_related("owner", "workspace", "deal", "contact")
                .order_by("due_at", "id")[:batch]
            )
            if not rows:
                return claimed
            Activity.objects.filter(pk__in=[a.pk for a in rows], reminded_at__isnull=True).update(
                reminded_at=now
            )
            for activity in rows:
                if not activity.owner.is_active or not activity.owner.email:
                    continue
                mail = _reminder_mail(activity)
                transaction.on_commit(
                    partial(
                        send_workspace_mail,
                        workspace_id=activity.workspace_id,
                        subject=mail["subject"],
                        body=mail["body"],
                        to=[activity.owner.email],
                    )
                )
            claimed += len(rows)
        if len(rows) < batch:
            return claimed
