"""Background jobs of the activities: the reminder sweep, run every 5 minutes by Celery beat
(``CELERY_BEAT_SCHEDULE["sales-activities-remind-due"]``). Safe to run twice or concurrently:
``activities_remind_due`` claims each activity once."""

from __future__ import annotations

from celery import shared_task

from relasi.sales.services_activities import activities_remind_due

ACTIVITIES_REMIND_DUE_TASK = "sales.activities_remind_due"


@shared_task(name=ACTIVITIES_REMIND_DUE_TASK, ignore_result=True)
def activities_remind_due_task() -> int:
    """Mail the owners of the activities that fell due (see ``activities_remind_due``)."""
    return activities_remind_due()
