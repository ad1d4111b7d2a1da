"""Background jobs of quotations: thin wrappers over the services.

Run hourly by beat (``CELERY_BEAT_SCHEDULE`` in ``relasi.config.settings``).
"""

from __future__ import annotations

from celery import shared_task

from relasi.sales.services_quotations import quotations_expire

QUOTATIONS_EXPIRE_TASK_NAME = "sales.quotations_expire"


@shared_task(name=QUOTATIONS_EXPIRE_TASK_NAME, ignore_result=True)
def quotations_expire_task() -> int:
    """Mark sent quotations past their validity date as expired. Safe to run twice."""
    return quotations_expire()
