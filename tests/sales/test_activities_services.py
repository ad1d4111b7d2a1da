"""Activities: create/update/complete/reopen/delete, the due buckets in the workspace's time
zone, the due count, and the reminder sweep (once per activity, even run concurrently)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.db import connection, transaction

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.contacts.models import Contact
from relasi.core.exceptions import ValidationError
from relasi.core.mail import WORKSPACE_HEADER
from relasi.sales import selectors_activities
from relasi.sales.models import Activity
from relasi.sales.services_activities import (
    activities_remind_due,
    activity_complete,
    activity_create,
    activity_delete,
    activity_reopen,
    activity_update,
)
from relasi.sales.services_deals import deal_create
from relasi.sales.tasks_activities import activities_remind_due_task
from tests.factories import ContactFactory

# Monday 3 March 2025, 10.00 WIB (UTC+7)
NOW = dt.datetime(2025, 3, 3, 3, 0, tzinfo=dt.UTC)
WIB = dt.timezone(dt.timedelta(hours=7))


def _activity(
    workspace: Workspace, owner: User, due: dt.datetime, subject: str = "Telepon Pak Budi"
) -> Activity:
    return activity_create(
        workspace=workspace, actor=owner, values={"kind": "call", "subject": subject, "due_at": due}
    )


def test_create_reads_a_naive_time_in_the_workspace_zone(
    workspace: Workspace, owner: User, buyer: Contact
) -> None:
    deal = deal_create(
        workspace=workspace,
        actor=owner,
        values={"title": "Parsel", "contact_id": buyer.pk, "value": Decimal(1)},
    )

    activity = activity_create(
        workspace=workspace,
        actor=owner,
        values={"kind": "meeting", "subject": "Presentasi", "due_at": "2025-03-03T14:00", "deal_id": deal.pk},
    )

    # 14.00 WIB is 07.00 UTC; owner defaults to the actor, customer to the deal's
    assert activity.due_at == dt.datetime(2025, 3, 3, 7, 0, tzinfo=dt.UTC)
    assert (activity.owner_id, activity.contact_id, activity.deal_id) == (owner.pk, buyer.pk, deal.pk)


def test_bad_input_names_each_field_and_writes_nothing(
    workspace: Workspace, owner: User, other_workspace: Workspace, outsider: User
) -> None:
    foreign = ContactFactory(workspace=other_workspace)

    with pytest.raises(ValidationError) as caught:
        activity_create(
            workspace=workspace,
            actor=owner,
            values={
                "kind": "party",
                "subject": "",
                "due_at": "besok",
                "owner_id": outsider.pk,
                "contact_id": foreign.pk,
                "deal_id": 999999,
            },
        )

    assert set(caught.value.fields) == {"kind", "subject", "due_at", "owner_id", "contact_id", "deal_id"}
    assert not Activity.objects.exists()


def test_complete_reopen_update_delete(workspace: Workspace, owner: User) -> None:
    activity = _activity(workspace, owner, NOW)

    with time_machine.travel(NOW, tick=False):
        activity = activity_complete(activity=activity, actor=owner)
    assert activity.done_at == NOW
    activity = activity_reopen(activity=activity, actor=owner)
    assert activity.done_at is None

    Activity.objects.filter(pk=activity.pk).update(reminded_at=NOW)
    with time_machine.travel(NOW, tick=False):
        activity = activity_update(
            activity=activity,
            actor=owner,
            values={"due_at": NOW + dt.timedelta(days=1), "subject": "Telepon lagi"},
        )
    assert (activity.subject, activity.reminded_at) == ("Telepon lagi", None)  # will remind again

    activity_delete(activity=activity, actor=owner)
    assert not Activity.objects.exists()


def test_buckets_and_due_count_in_the_workspace_zone(
    workspace: Workspace, owner: User, make_member: Callable[..., User]
) -> None:
    # given, at 10.00 WIB on 3 March
    other = make_member(workspace, Role.SALES)
    overdue = _activity(workspace, owner, dt.datetime(2025, 3, 3, 8, 0, tzinfo=WIB), "Tadi pagi")
    today = _activity(workspace, owner, dt.datetime(2025, 3, 3, 23, 30, tzinfo=WIB), "Nanti malam")
    upcoming = _activity(workspace, owner, dt.datetime(2025, 3, 4, 0, 30, tzinfo=WIB), "Besok")
    done = _activity(workspace, owner, dt.datetime(2025, 3, 1, 9, 0, tzinfo=WIB), "Sudah")
    activity_complete(activity=done, actor=owner)
    _activity(workspace, other, dt.datetime(2025, 3, 3, 8, 0, tzinfo=WIB), "Punya orang lain")

    # when
    with time_machine.travel(NOW, tick=False):
        groups = selectors_activities.activity_groups(workspace=workspace, owner_id=owner.pk)
        count = selectors_activities.activities_due_count(workspace=workspace, user=owner)
        by_bucket = {
            bucket: [
                a.pk
                for a in selectors_activities.activity_list(
                    workspace=workspace, owner_id=owner.pk, due=bucket
                )
            ]
            for bucket in ("overdue", "today", "upcoming", "done")
        }

    # then
    assert [a.pk for a in groups.overdue] == [overdue.pk]
    assert [a.pk for a in groups.today] == [today.pk]
    assert [a.pk for a in groups.upcoming] == [upcoming.pk]
    assert [a.pk for a in groups.done] == [done.pk]
    assert by_bucket == {
        "overdue": [overdue.pk],
        "today": [today.pk],
        "upcoming": [upcoming.pk],
        "done": [done.pk],
    }
    assert count == 2  # overdue + the rest of today


def test_reminder_mails_the_owner_once(
    workspace: Workspace, owner: User, buyer: Contact, django_capture_on_commit_callbacks: Any
) -> None:
    # given: one activity due, one not yet, one done
    due = activity_create(
        workspace=workspace,
        actor=owner,
        values={
            "kind": "follow_up",
            "subject": "Tindak lanjut penawaran",
            "due_at": NOW - dt.timedelta(minutes=5),
            "contact_id": buyer.pk,
        },
    )
    later = _activity(workspace, owner, NOW + dt.timedelta(hours=1), "Nanti")
    finished = _activity(workspace, owner, NOW - dt.timedelta(hours=1), "Sudah")
    activity_complete(activity=finished, actor=owner)

    # when: the sweep runs twice
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = activities_remind_due()
        second = activities_remind_due_task()

    # then: one mail, to the owner, about the due activity
    assert (first, second) == (1, 0)
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [owner.email]
    assert "Tindak lanjut penawaran" in message.subject
    assert "Budi Santoso" in message.body
    assert message.extra_headers[WORKSPACE_HEADER] == str(workspace.pk)
    due.refresh_from_db()
    later.refresh_from_db()
    assert (due.reminded_at, later.reminded_at) == (NOW, None)


def test_no_mail_when_the_transaction_rolls_back(
    workspace: Workspace, owner: User, django_capture_on_commit_callbacks: Any
) -> None:
    activity = _activity(workspace, owner, NOW - dt.timedelta(minutes=1))

    def sweep_then_die() -> None:
        with transaction.atomic():
            activities_remind_due(now=NOW)
            raise RuntimeError("worker died")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        sweep_then_die()

    assert mail.outbox == []
    activity.refresh_from_db()
    assert activity.reminded_at is None


@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_send_one_mail_each_on_postgresql(
    workspace: Workspace, owner: User, make_member: Callable[..., User]
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "row locks (SELECT … FOR UPDATE SKIP LOCKED) are exercised on PostgreSQL; SQLite has one writer"
        )
    members = [owner, make_member(workspace, Role.SALES)]
    for index in range(40):
        _activity(workspace, members[index % 2], NOW - dt.timedelta(minutes=index), f"Aktivitas {index}")

    # given: another worker holds some rows locked mid-claim; this sweep must skip them
    locked = threading.Event()
    release = threading.Event()

    def hold_locks() -> None:
        try:
            with transaction.atomic():
                list(Activity.objects.select_for_update().filter(subject__in=["Aktivitas 0", "Aktivitas 1"]))
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_locks)
    holder.start()
    assert locked.wait(10)
    skipped = _in_thread(lambda: activities_remind_due(now=NOW))
    release.set()
    holder.join()
    assert skipped == 38
    assert len(mail.outbox) == 38

    # when: two sweeps race for the rest
    barrier = threading.Barrier(2)
    results: list[int] = []

    def sweep() -> None:
        try:
            barrier.wait(10)
            results.append(activities_remind_due(now=NOW))
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then: every activity mailed exactly once
    assert sorted(results) in ([0, 2], [1, 1])
    subjects = sorted(m.subject for m in mail.outbox)
    assert len(subjects) == 40 == len(set(subjects))
    assert not Activity.objects.filter(reminded_at__isnull=True).exists()


def _in_thread(function: Callable[[], int]) -> int:
    result: list[int] = []

    def run() -> None:
        try:
            result.append(function())
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return result[0]
