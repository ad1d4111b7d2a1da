"""Background job of the satisfaction survey: a thin task over ``csat.csat_request_send``.
Safe to run twice (the service locks the conversation and asks once)."""

from __future__ import annotations

from celery import shared_task

from relasi.conversations.csat import csat_request_send
from relasi.core.tasks import RETRY_ON_ERROR

CSAT_REQUEST_TASK = "conversations.csat_request"


@shared_task(name=CSAT_REQUEST_TASK, **RETRY_ON_ERROR)
def csat_request_task(conversation_id: int) -> str:
    """Ask the customer of a resolved conversation for a rating; returns the outcome."""
    return csat_request_send(conversation_id=conversation_id).status
