"""Background jobs of the WhatsApp channel: process a stored webhook POST, fetch inbound media.

Both are safe to run twice (acks late; the broker may deliver again): see ``inbound``.
"""

from __future__ import annotations

import logging

from celery import shared_task

from relasi.channels.whatsapp.inbound import (
    ATTACHMENT_FETCH_TASK,
    PROCESS_EVENT_TASK,
    attachment_fetch,
    whatsapp_event_process,
)
from relasi.channels.whatsapp.models import WebhookEvent
from relasi.channels.whatsapp.tasks_outbound import deliver_message_task  # noqa: F401  (registers the send task)

logger = logging.getLogger(__name__)


@shared_task(
    name=PROCESS_EVENT_TASK,
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(Exception,),
    max_retries=5,
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
)
def whatsapp_process_event_task(event_id: int) -> bool:
    """Turn one stored webhook POST into messages and receipts. Returns whether it ran."""
    event = WebhookEvent.objects.filter(pk=event_id, processed_at__isnull=True).first()
    if event is None:
        return False
    whatsapp_event_process(event=event)
    return True


@shared_task(
    name=ATTACHMENT_FETCH_TASK,
    ignore_result=True,
    acks_late=True,
    autoretry_for=(Exception,),
    max_retries=5,
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
)
def whatsapp_attachment_fetch_task(attachment_id: int) -> bool:
    """Download an inbound media file that failed earlier (Meta's media URL lives ~5 minutes,
    the media id 30 days)."""
    return attachment_fetch(attachment_id=attachment_id)


EVENTS_SWEEP_TASK = "whatsapp.events_sweep"


@shared_task(name=EVENTS_SWEEP_TASK, ignore_result=True)
def whatsapp_events_sweep_task(older_than_minutes: int = 15, max_attempts: int = 6) -> int:
    """Queue again the stored events no worker finished (the broker lost the job, or every
    retry failed while the database was down). Meant for Celery beat every few minutes;
    processing is idempotent, so a duplicate job is harmless. Returns how many were queued."""
    from datetime import timedelta

    from django.utils import timezone

    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    ids = list(
        WebhookEvent.objects.filter(
            processed_at__isnull=True, received_at__lt=cutoff, attempts__lt=max_attempts
        )
        .order_by("received_at")
        .values_list("pk", flat=True)[:500]
    )
    for event_id in ids:
        whatsapp_process_event_task.delay(event_id)
    return len(ids)
