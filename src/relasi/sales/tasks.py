"""The sales app's Celery tasks, gathered here so the worker's autodiscovery finds them."""

from relasi.sales.tasks_activities import activities_remind_due_task
from relasi.sales.tasks_pdf import document_pdf_render_task
from relasi.sales.tasks_quotations import quotations_expire_task

__all__ = ["activities_remind_due_task", "document_pdf_render_task", "quotations_expire_task"]
