"""Celery application. Broker: Redis in production, a file-system queue under var/ in the
embedded mode (a real worker process, not eager execution)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relasi.config.settings")

app = Celery("relasi")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
