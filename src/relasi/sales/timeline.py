"""Sales documents on the customer's timeline: "Invoice INV/0001/XI/2026 — Issued", linked."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from relasi.contacts.models import TimelineEvent
from relasi.contacts.timeline import TimelineDetail
from relasi.sales.enums import DocumentEventKind, DocumentType

DETAIL_URLS = {
    DocumentType.QUOTATION: "sales:quotation_detail",
    DocumentType.SALES_ORDER: "sales:order_detail",
    DocumentType.INVOICE: "sales:invoice_detail",
    DocumentType.CREDIT_NOTE: "sales:credit_note_detail",
    DocumentType.PAYMENT: "sales:payment_detail",
    DocumentType.RECEIPT: "sales:receipt_detail",
}


def document_timeline_detail(event: TimelineEvent, workspace_slug: str) -> TimelineDetail | None:
    data = event.data or {}
    document_type = str(data.get("document_type", ""))
    if document_type not in DocumentType.values:
        return None
    kind = str(data.get("event", ""))
    what = DocumentEventKind(kind).label if kind in DocumentEventKind.values else kind
    text = _("%(document)s %(number)s: %(what)s") % {
        "document": DocumentType(document_type).label,
        "number": data.get("number") or "",
        "what": what,
    }
    try:
        url_name = DETAIL_URLS[DocumentType(document_type)]
        url = reverse(url_name, args=[workspace_slug, data.get("document_id")])
    except NoReverseMatch:
        url = None
    return TimelineDetail(text=text, url=url)
