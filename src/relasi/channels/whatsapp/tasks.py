"""Background jobs of the WhatsApp channel: drain an account's stored webhook POSTs, process
one again, fetch inbound media, sweep what no worker finished.

All are safe to run twice (acks late; the broker may deliver again): see ``inbound``.

One job per burst, not one per POST
-----------------------------------
Publishing a Celery message costs more than verifying and storing the POST itself, so the
webhook does not queue one per event. After an event commits, ``events_drain_schedule`` queues
``whatsapp.events_drain`` for the account unless *this process* queued one less than
``DRAIN_WINDOW_SECONDS`` ago; that job is given ``until`` = the end of the window it covers.
The drain processes everything unprocessed, and when it finishes before ``until`` it queues
itself once more for ``until`` (+ a margin for clocks): every POST that skipped queueing did
so before ``until``, after its event had committed, so that last pass sees its event (or a
concurrent drain holds it). No shared state, no round trip per POST; at most two jobs per
window per web process and account. ``whatsapp.events_sweep`` (Celery beat) stays the net
for a lost job or a broker that was down.
"""

from __future__ import annotations

import logging
import time

from celery import shared_task

from relasi.channels.whatsapp.inbound import (
    ATTACHMENT_FETCH_TASK,
    EVENT_MAX_ATTEMPTS,
    EVENTS_DRAIN_TASK,
    PROCESS_EVENT_TASK,
    attachment_fetch,
    events_drain,
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


# How long one queued drain covers the events stored after it by the same process.
DRAIN_WINDOW_SECONDS = 1.0
# The final pass runs this much after the window, for clocks of web and worker hosts.
DRAIN_CLOCK_MARGIN_SECONDS = 1.0
# account id → end of the window of the drain this process queued last (wall clock).
_drain_until: dict[int, float] = {}


def events_drain_schedule(*, account_id: int) -> bool:
    """Called after an event of ``account_id`` committed: queue a drain unless one queued by
    this process covers it (see the module docstring). Returns whether a job was queued. A
    broker that is down does not fail the webhook (the event is stored; the sweep finds it)."""
    now = time.time()
    if _drain_until.get(account_id, 0.0) > now:
        return False
    if len(_drain_until) > 10_000:
        _drain_until.clear()
    until = now + DRAIN_WINDOW_SECONDS
    _drain_until[account_id] = until
    try:
        whatsapp_events_drain_task.apply_async(args=(account_id, until))
    except Exception:
        _drain_until.pop(account_id, None)
        logger.exception("could not queue the drain of WhatsApp account %s; the sweep will", account_id)
        return False
    return True


@shared_task(
    name=EVENTS_DRAIN_TASK,
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(Exception,),
    max_retries=8,
    retry_backoff=True,
    retry_backoff_max=300,
    retry_jitter=True,
)
def whatsapp_events_drain_task(account_id: int, until: float = 0.0) -> int:
    """Process the account's unprocessed events in order; then, when the window this job
    covers (``until``, wall clock) is not over yet, come back once after it. A failed event is
    retried on its own with backoff (``whatsapp.process_event``). Returns how many ran."""
    started = time.time()  # the drain's last (empty) claim starts after this
    processed, failed = events_drain(account_id=account_id)
    for event_id in failed:
        whatsapp_process_event_task.apply_async(args=(event_id,), countdown=30)
    final_pass = until + DRAIN_CLOCK_MARGIN_SECONDS
    if until and started < final_pass:
        whatsapp_events_drain_task.apply_async(
            args=(account_id, 0.0), countdown=max(0.0, final_pass - time.time())
        )
    return processed


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
def whatsapp_events_sweep_task(older_than_minutes: int = 15, max_attempts: int = EVENT_MAX_ATTEMPTS) -> int:
    """Queue again the stored events no worker finished (the broker lost the job or was down,
    or every retry failed while the database was down); events a drain still holds (its lease
    has not ended) are left to it. Meant for Celery beat every few minutes; processing is
    idempotent, so a duplicate job is harmless. Returns how many were queued."""
    from datetime import timedelta

    from django.db.models import Q
    from django.utils import timezone

    now = timezone.now()
    cutoff = now - timedelta(minutes=older_than_minutes)
    ids = list(
        WebhookEvent.objects.filter(
            processed_at__isnull=True, received_at__lt=cutoff, attempts__lt=max_attempts
        )
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("received_at")
        .values_list("pk", flat=True)[:500]
    )
    for event_id in ids:
        whatsapp_process_event_task.delay(event_id)
    return len(ids)
