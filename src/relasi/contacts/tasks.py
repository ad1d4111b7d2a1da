"""Background jobs of the contacts app: thin wrappers that load by id and call a service.

Tasks are acknowledged late and safe to run twice (the broker may deliver again after a
worker dies): the services they call lock their row and continue from the saved progress.
"""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task
from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext as _

from relasi.contacts.imports import IMPORT_RUN_TASK_NAME, import_job_fail, import_job_run


def _contact_import_run_task_failure(
    task: Task[Any, Any],
    exc: Exception,
    task_id: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    einfo: Any,
) -> None:
    """The retries are used up (the database stayed unreachable): tell the user."""
    job_id = kwargs.get("job_id", args[0] if args else None)
    if job_id is not None:
        import_job_fail(
            job_id=int(job_id),
            message=_("The import could not reach the database and stopped. Upload the file again later."),
        )


class _ImportRunTask(Task):  # type: ignore[type-arg]
    def on_failure(
        self, exc: Exception, task_id: str, args: tuple[Any, ...], kwargs: dict[str, Any], einfo: Any
    ) -> None:
        _contact_import_run_task_failure(self, exc, task_id, args, kwargs, einfo)


@shared_task(
    name=IMPORT_RUN_TASK_NAME,
    base=_ImportRunTask,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    max_retries=5,
    retry_backoff=True,
    retry_backoff_max=300,
    retry_jitter=True,
)
def contact_import_run_task(job_id: int) -> None:
    """Run a confirmed import (``imports.import_job_run``)."""
    import_job_run(job_id=job_id)
