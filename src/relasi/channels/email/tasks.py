"""Background jobs of the e-mail channel. All are safe to run twice (acks late; the broker may
deliver again): mails are stored once per Message-ID, a queued message is sent once, a mailbox
is polled by one worker at a time."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from relasi.channels.email.imap import MAX_PROCESS_ATTEMPTS, mailbox_poll
from relasi.channels.email.inbound import PROCESS_INBOUND_TASK, inbound_email_process
from relasi.channels.email.models import EmailAccount, InboundEmail
from relasi.channels.email.sending import message_deliver
from relasi.core.tasks import RETRY_ON_ERROR

logger = logging.getLogger(__name__)

DELIVER_MESSAGE_TASK = "email.deliver_message"
POLL_MAILBOX_TASK = "email.poll_mailbox"
POLL_MAILBOXES_TASK = "email.poll_mailboxes"
POLL_LOCK_SECONDS = 600  # a poll that died frees its mailbox after this
SWEEP_AFTER = dt.timedelta(minutes=10)


@shared_task(name=PROCESS_INBOUND_TASK, **RETRY_ON_ERROR)
def process_inbound_task(inbound_id: int) -> bool:
    """Turn one stored raw mail into a message. Returns whether it ran."""
    inbound = InboundEmail.objects.filter(pk=inbound_id, processed_at__isnull=True).first()
    if inbound is None:
        return False
    inbound_email_process(inbound=inbound)
    return True


@shared_task(name=DELIVER_MESSAGE_TASK, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def deliver_message_task(message_id: int) -> None:
    """Send one message; a temporary failure schedules the task again after the backoff."""
    outcome = message_deliver(message_id=message_id)
    if outcome.retry_in is not None:
        deliver_message_task.apply_async(args=(message_id,), countdown=outcome.retry_in)


def _poll_lock(account_id: int) -> str:
    return f"email:poll:{account_id}"


@shared_task(name=POLL_MAILBOX_TASK, acks_late=True, ignore_result=True)
def poll_mailbox_task(account_id: int) -> bool:
    """Poll one mailbox unless another worker is polling it now. Returns whether it ran."""
    account = (
        EmailAccount.objects.select_related("inbox__workspace")
        .filter(pk=account_id, imap_enabled=True, inbox__is_active=True)
        .exclude(imap_host="")
        .first()
    )
    if account is None or not cache.add(_poll_lock(account_id), "1", timeout=POLL_LOCK_SECONDS):
        return False
    try:
        mailbox_poll(account=account)
    finally:
        cache.delete(_poll_lock(account_id))
    return True


@shared_task(name=POLL_MAILBOXES_TASK, ignore_result=True)
def poll_mailboxes_task() -> int:
    """Every minute (Celery beat): one poll job per active IMAP mailbox, and the stored mails
    no worker finished queued again. Returns how many mailboxes were queued."""
    ids = list(
        EmailAccount.objects.filter(imap_enabled=True, inbox__is_active=True)
        .exclude(imap_host="")
        .values_list("pk", flat=True)
    )
    for account_id in ids:
        poll_mailbox_task.delay(account_id)
    stale = InboundEmail.objects.filter(
        processed_at__isnull=True,
        received_at__lt=timezone.now() - SWEEP_AFTER,
        attempts__lt=MAX_PROCESS_ATTEMPTS,
    ).order_by("received_at")
    for inbound_id in stale.values_list("pk", flat=True)[:500]:
        process_inbound_task.delay(inbound_id)
    return len(ids)
