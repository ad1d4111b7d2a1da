"""Background job: render and store a document's PDF after it was issued (``pdf_render_later``).

Safe to run twice (acks late, the broker may deliver again): a document whose stored PDF is
current is left alone unless ``force``; a document that no longer exists is skipped.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from relasi.sales.enums import DocumentType
from relasi.sales.models import CreditNote, Invoice, Receipt

logger = logging.getLogger(__name__)

DOCUMENT_PDF_RENDER_TASK = "sales.document_pdf_render"

_STORED_MODELS: dict[str, type[Invoice] | type[CreditNote] | type[Receipt]] = {
    DocumentType.INVOICE: Invoice,
    DocumentType.CREDIT_NOTE: CreditNote,
    DocumentType.RECEIPT: Receipt,
}


@shared_task(
    name=DOCUMENT_PDF_RENDER_TASK,
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    max_retries=5,
    retry_backoff=True,
    retry_backoff_max=300,
    retry_jitter=True,
)
def document_pdf_render_task(document_type: str, document_id: int, force: bool = False) -> bool:
    """Render and store the PDF of an issued invoice, credit note or kwitansi
    (``pdf.pdf_store``). Returns whether a PDF was rendered."""
    from relasi.sales.pdf import pdf_is_current, pdf_is_stored_kind, pdf_store

    model = _STORED_MODELS.get(document_type)
    if model is None:
        logger.warning("no stored PDF for document type %r", document_type)
        return False
    document = model.objects.select_related("workspace").filter(pk=document_id).first()
    if document is None or not pdf_is_stored_kind(document):
        return False
    if not force and pdf_is_current(document):
        return False
    pdf_store(document=document)
    return True
