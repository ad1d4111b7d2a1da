"""The conversations app's Celery tasks, gathered here so the worker's autodiscovery finds them."""

from relasi.conversations.tasks_csat import csat_request_task

__all__ = ["csat_request_task"]
