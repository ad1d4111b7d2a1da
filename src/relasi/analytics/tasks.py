"""Scheduled and on-demand refreshes (thin: the work is in ``refresh``)."""

from __future__ import annotations

from celery import shared_task

from relasi.accounts.models import Workspace
from relasi.analytics.refresh import metrics_refresh
from relasi.core.tasks import RETRY_ON_ERROR


@shared_task(name="analytics.metrics_refresh", **RETRY_ON_ERROR)
def metrics_refresh_task(workspace_id: int) -> int | None:
    """Refresh one workspace's metrics (the "refresh now" button)."""
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        return None
    return metrics_refresh(workspace=workspace).pk


@shared_task(name="analytics.metrics_refresh_all")
def metrics_refresh_all() -> int:
    """The nightly job: one refresh task per workspace."""
    ids = list(Workspace.objects.values_list("pk", flat=True))
    for workspace_id in ids:
        metrics_refresh_task.delay(workspace_id)
    return len(ids)
