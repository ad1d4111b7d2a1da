"""Sending a sales document (an invoice or a quotation) into a conversation: its PDF as a
document message in the customer's channel, with a short caption.

The caption is written in the workspace's customer language (Bahasa Indonesia, the default
``LANGUAGE_CODE``), not the agent's: it is the customer who reads it. It holds the number,
the total and the due date or validity, never NIK, NPWP or account numbers (R25)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import formats, translation
from django.utils.translation import gettext as _

from relasi.accounts.models import User
from relasi.conversations.enums import MessageKind
from relasi.conversations.models import Conversation, Message
from relasi.conversations.services_outbound import OutboundFile, message_send
from relasi.core.exceptions import NotFound, ValidationError
from relasi.core.money import format_rupiah
from relasi.sales.enums import InvoiceStatus, QuotationStatus
from relasi.sales.models import Invoice, Quotation
from relasi.sales.pdf import pdf_bytes, pdf_filename

DOCUMENT_TYPES = ("invoice", "quotation")


def _document(conversation: Conversation, document_type: str, document_id: int) -> Invoice | Quotation:
    if document_type not in DOCUMENT_TYPES:
        raise ValidationError(
            _("Choose an invoice or a quotation."),
            fields={"document_type": _("Choose invoice or quotation.")},
        )
    model: type[Invoice] | type[Quotation] = Invoice if document_type == "invoice" else Quotation
    document = model.objects.filter(workspace_id=conversation.workspace_id, pk=document_id).first()
    if document is None:
        raise NotFound(_("Document not found."), code="not_found")
    if isinstance(document, Invoice) and document.status in (InvoiceStatus.DRAFT, InvoiceStatus.VOID):
        raise ValidationError(
            _("Only issued invoices can be sent; issue invoice drafts first."),
            fields={"document_id": _("Choose an issued invoice.")},
        )
    if isinstance(document, Quotation) and document.status == QuotationStatus.DRAFT:
        raise ValidationError(
            _("This quotation is still a draft; send it from the quotation page first."),
            fields={"document_id": _("Choose a quotation that has been sent.")},
        )
    return document


def document_caption(document: Invoice | Quotation) -> str:
    """The caption under the PDF, in the customer language."""
    with translation.override(settings.LANGUAGE_CODE):
        if isinstance(document, Invoice):
            return _("Invoice %(number)s for %(total)s, due on %(date)s. Thank you.") % {
                "number": document.number,
                "total": format_rupiah(document.balance_due),
                "date": formats.date_format(document.due_date, "j F Y"),
            }
        return _("Quotation %(number)s for %(total)s, valid until %(date)s.") % {
            "number": document.number,
            "total": format_rupiah(document.grand_total),
            "date": formats.date_format(document.valid_until, "j F Y"),
        }


@transaction.atomic
def document_send(
    *,
    conversation: Conversation,
    actor: User,
    document_type: str,
    document_id: int,
    idempotency_key: str | None = None,
) -> Message:
    """Send the PDF of an issued invoice or a sent quotation of this workspace to the
    conversation's customer (``message_send`` with a document: the channel's rules apply,
    e.g. the WhatsApp 24-hour window). The PDF is the stored one for invoices."""
    document = _document(conversation, document_type, document_id)
    with translation.override(settings.LANGUAGE_CODE):
        content = pdf_bytes(document=document)
    return message_send(
        conversation=conversation,
        actor=actor,
        kind=MessageKind.DOCUMENT,
        body=document_caption(document),
        attachment=OutboundFile(content=content, name=pdf_filename(document), mime_type="application/pdf"),
        idempotency_key=idempotency_key,
    )
