"""Background delivery of outbound WhatsApp messages: a thin task over
``sending.message_deliver``. Safe to run twice: the service claims the row and sends a
``queued`` message only once."""

from __future__ import annotations

from celery import shared_task

from relasi.channels.whatsapp.sending import message_deliver

DELIVER_MESSAGE_TASK = "whatsapp.deliver_message"


@shared_task(name=DELIVER_MESSAGE_TASK, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def deliver_message_task(message_id: int) -> None:
    """Deliver one message; paced or retryable → schedule itself again after the countdown."""
    outcome = message_deliver(message_id=message_id)
    if outcome.retry_in is not None:
        deliver_message_task.apply_async(args=(message_id,), countdown=outcome.retry_in)
