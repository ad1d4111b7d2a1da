"""What a document looks like on paper (and on screen): the context of the paper templates.

One template per document type (``sales/paper/<type>.html``), a self-contained
``<article class="paper">`` fragment that the pages include and ``pdf.py`` wraps in a full
HTML document for WeasyPrint, so screen and paper never drift apart (DESIGN §4).

Rules applied here (reference/indonesia.md):

* R1 — PPN is shown only when the document was priced with tax (``doc.tax_applied``); the
  templates test that flag, never the profile's current PKP status.
* R12 — the "Meterai Rp10.000" box: a kwitansi, or a paid invoice, stating an amount
  strictly greater than the profile's stamp-duty threshold.
* R34–R35 — bank accounts always; the QRIS only when the profile has a payload and the
  amount to pay is more than zero and at most the QRIS limit (Rp10.000.000).
* R11, R15 — amounts in words with ``terbilang_rupiah`` in sentence case.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from django.db import models
from django.http import Http404

from relasi.accounts.models import Workspace
from relasi.core.money import format_number
from relasi.core.qris import QrisError, qris_svg, qris_with_amount
from relasi.core.terbilang import terbilang_rupiah
from relasi.sales.enums import DocumentType, InvoiceStatus, QuotationKind, QuotationStatus
from relasi.sales.models import (
    CreditNote,
    Invoice,
    Quotation,
    Receipt,
    SalesOrder,
    SalesProfile,
)
from relasi.sales.profile import bank_accounts_active, sales_profile_get

logger = logging.getLogger(__name__)

ZERO = Decimal("0")

#: A document that can be put on paper.
PaperDocument = Quotation | SalesOrder | Invoice | CreditNote | Receipt

PAPER_TEMPLATES: dict[str, str] = {
    DocumentType.QUOTATION: "sales/paper/quotation.html",
    DocumentType.SALES_ORDER: "sales/paper/sales_order.html",
    DocumentType.INVOICE: "sales/paper/invoice.html",
    DocumentType.CREDIT_NOTE: "sales/paper/credit_note.html",
    DocumentType.RECEIPT: "sales/paper/receipt.html",
}

#: The model of each document type that has a paper form.
PAPER_MODELS: dict[str, type[models.Model]] = {
    DocumentType.QUOTATION: Quotation,
    DocumentType.SALES_ORDER: SalesOrder,
    DocumentType.INVOICE: Invoice,
    DocumentType.CREDIT_NOTE: CreditNote,
    DocumentType.RECEIPT: Receipt,
}


def paper_heading(document: PaperDocument) -> str:
    """The heading printed on the document. Indonesian by custom (§1.7–1.9): literal, not
    translated."""
    if isinstance(document, Quotation):
        return (
            "PROFORMA INVOICE" if document.kind == QuotationKind.PROFORMA else "PENAWARAN HARGA / QUOTATION"
        )
    if isinstance(document, SalesOrder):
        return "PESANAN PENJUALAN / SALES ORDER"
    if isinstance(document, Invoice):
        return "INVOICE / FAKTUR PENJUALAN"
    if isinstance(document, CreditNote):
        return "NOTA KREDIT / CREDIT NOTE"
    return "KWITANSI"


def quantity_text(quantity: Decimal) -> str:
    """A quantity as printed: no trailing zeros, Indonesian marks (``2``, ``1,5``, ``1.000``)."""
    normalized = quantity.normalize()
    exponent = normalized.as_tuple().exponent
    decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return format_number(quantity, decimals=decimals)


def paper_amount_due(document: PaperDocument) -> Decimal:
    """The amount the buyer is asked to pay with this document (for the QRIS): an invoice's
    balance due (its total while still a draft), a proforma's deposit (or total when no
    deposit is requested). Zero for documents that ask for no payment (a quotation titled
    PENAWARAN HARGA, a sales order, a credit note, a kwitansi, a void or paid invoice)."""
    if isinstance(document, Invoice):
        if document.status == InvoiceStatus.DRAFT:
            return document.grand_total
        return document.balance_due
    if isinstance(document, Quotation) and document.kind == QuotationKind.PROFORMA:
        return document.deposit_amount if document.deposit_amount > 0 else document.grand_total
    return ZERO


def paper_qris_svg(*, profile: SalesProfile, amount: Decimal) -> str | None:
    """The QRIS with ``amount`` injected, as SVG, or ``None`` when it must not be shown: no
    payload, nothing to pay, above the QRIS limit (R35: show bank transfer instead), or a
    payload the QRIS module rejects (logged, the document still renders)."""
    if not profile.qris_payload or amount <= 0 or amount > profile.qris_limit:
        return None
    try:
        return qris_svg(qris_with_amount(profile.qris_payload, amount))
    except QrisError:
        logger.warning("QRIS payload of workspace %s rejected; QR left off", profile.workspace_id)
        return None


def paper_stamp_duty(*, document: PaperDocument, profile: SalesProfile) -> bool:
    """R12: a "Meterai" box on a document stating that money was received — a kwitansi, or an
    invoice marked paid — for an amount strictly greater than the threshold (UU 10/2020
    Pasal 3(2)(g)). A kwitansi also keeps the flag stored when it was issued."""
    threshold = profile.stamp_duty_threshold
    if isinstance(document, Receipt):
        return bool(document.stamp_duty_due) or document.amount > threshold
    if isinstance(document, Invoice) and document.status == InvoiceStatus.PAID:
        return document.grand_total > threshold
    return False


def paper_context(*, document: PaperDocument) -> dict[str, Any]:
    """Everything the paper templates need for ``document``.

    Keys: ``doc``, ``document_type``, ``paper_template``, ``title``, ``heading``, ``lines``
    (ordered), ``profile``, ``workspace``, ``bank_accounts`` (active), ``qris_svg`` (or
    ``None``), ``qris_amount``, ``amount_in_words``, ``stamp_duty``, ``stamp_duty_amount``,
    ``show_payment``, and per type: ``invoice`` (credit note's corrected invoice),
    ``payment`` (kwitansi's payment).
    """
    workspace = document.workspace
    profile = sales_profile_get(workspace=workspace)
    document_type = str(document.document_type)
    lines: list[Any] = []
    if not isinstance(document, Receipt):
        lines = list(document.lines.all().order_by("position", "id"))
        for line in lines:
            line.qty_text = quantity_text(line.quantity)
    amount_due = paper_amount_due(document)
    if isinstance(document, Receipt):
        words_amount = document.amount
        amount_in_words = document.amount_in_words or terbilang_rupiah(words_amount, sentence_case=True)
    else:
        words_amount = document.grand_total
        amount_in_words = terbilang_rupiah(words_amount, sentence_case=True)
    show_payment = isinstance(document, Invoice) and document.status not in (
        InvoiceStatus.VOID,
        InvoiceStatus.PAID,
    )
    show_payment = show_payment or (
        isinstance(document, Quotation) and document.kind == QuotationKind.PROFORMA
    )
    heading = paper_heading(document)
    number = getattr(document, "number", "") or ""
    stamp_amount = profile.stamp_duty_amount
    if isinstance(document, Receipt) and document.stamp_duty_amount > 0:
        stamp_amount = document.stamp_duty_amount
    context: dict[str, Any] = {
        "doc": document,
        "document_type": document_type,
        "paper_template": PAPER_TEMPLATES[document_type],
        "title": f"{heading} {number}".strip(),
        "heading": heading,
        "lines": lines,
        "profile": profile,
        "workspace": workspace,
        "bank_accounts": bank_accounts_active(workspace=workspace),
        "show_payment": show_payment,
        "qris_amount": amount_due,
        "qris_svg": paper_qris_svg(profile=profile, amount=amount_due) if show_payment else None,
        "amount_in_words": amount_in_words,
        "stamp_duty": paper_stamp_duty(document=document, profile=profile),
        "stamp_duty_amount": stamp_amount,
    }
    if isinstance(document, CreditNote):
        context["invoice"] = document.invoice
    if isinstance(document, Receipt):
        context["payment"] = document.payment
    return context


def paper_document_get(*, workspace: Workspace, document_type: str, document_id: int) -> PaperDocument:
    """A document of ``workspace`` that has a paper form; ``Http404`` for an unknown type or
    another workspace's document (its existence is not revealed)."""
    model = PAPER_MODELS.get(document_type)
    if model is None:
        raise Http404
    document = (
        model._default_manager.select_related("workspace").filter(workspace=workspace, pk=document_id).first()
    )
    if document is None:
        raise Http404
    return document  # type: ignore[return-value]


def paper_document_by_token(*, token: str) -> PaperDocument:
    """The document behind a public link: a quotation the buyer may see (not a draft, not
    cancelled), an issued invoice, or a kwitansi. ``Http404`` otherwise."""
    if not token or len(token) > 64:
        raise Http404
    quotation = (
        Quotation.objects.select_related("workspace")
        .filter(public_token=token)
        .exclude(status__in=(QuotationStatus.DRAFT, QuotationStatus.CANCELLED))
        .first()
    )
    if quotation is not None:
        return quotation
    invoice = (
        Invoice.objects.select_related("workspace")
        .filter(public_token=token)
        .exclude(status=InvoiceStatus.DRAFT)
        .first()
    )
    if invoice is not None:
        return invoice
    receipt = Receipt.objects.select_related("workspace").filter(public_token=token).first()
    if receipt is not None:
        return receipt
    raise Http404
