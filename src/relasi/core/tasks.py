"""Celery options background jobs share."""

from __future__ import annotations

from typing import Any

# A job that must not be lost and is safe to run twice: acknowledged only once it has run (a
# worker that dies mid-job leaves it to another), and retried on any error with exponential
# backoff and jitter (about 1 s, 2 s, 4 s … at most 10 minutes apart, 5 times).
RETRY_ON_ERROR: dict[str, Any] = {
    "ignore_result": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (Exception,),
    "max_retries": 5,
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
}
