"""Kwitansi (receipts): one per payment, numbered from the KW series, immutable (R11, R12, R15)."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from relasi.accounts.models import User
from relasi.core.exceptions import Conflict, ValidationError, fields_invalid
from relasi.core.terbilang import terbilang_rupiah
from relasi.sales.documents import public_token_new
from relasi.sales.enums import DocumentEventKind, DocumentType, Series
from relasi.sales.events import document_event_record
from relasi.sales.models import Invoice, Payment, Quotation, Receipt
from relasi.sales.numbering import number_allocate
from relasi.sales.pdf import pdf_render_later
from relasi.sales.profile import sales_profile_get

PURPOSE_MAX = 500


def receipt_purpose_default(*, payment: Payment) -> str:
    """ "Untuk pembayaran": the invoice paid, or the proforma a deposit was paid on. Written in
    the documents' language (the site default, Bahasa Indonesia), whatever the clerk's UI."""
    with translation.override(settings.LANGUAGE_CODE):
        if payment.is_deposit and payment.quotation is not None:
            return _("Deposit (down payment) for proforma %(number)s") % {"number": payment.quotation.number}
        assert payment.invoice is not None
        return _("Payment of invoice %(number)s") % {"number": payment.invoice.number}


@transaction.atomic
def receipt_issue(*, payment: Payment, actor: User | None, purpose: str | None = None) -> Receipt:
    """Issue the kwitansi of ``payment`` (one per payment; a second is a ``Conflict``).

    "Telah terima dari" is the payer's full name as printed on the invoice or proforma;
    "Uang sejumlah" the amount in words, rounded half-up to the rupiah
    (``terbilang_rupiah(amount, sentence_case=True)``, R15); place and signatory from the
    sales profile; date = the payment date; the number from the KW series. The stamp-duty
    hint is set when the amount is strictly greater than the profile's threshold (UU 10/2020
    Pasal 3(2)(g): "lebih dari Rp5.000.000", R12): a hint, never a block. Queues the PDF.
    """
    locked = (
        Payment.objects.select_for_update(of=("self",))
        .select_related("invoice", "quotation", "workspace")
        .get(pk=payment.pk)
    )
    if locked.cancelled_at is not None:
        raise ValidationError(
            _("This payment is cancelled; a receipt cannot be issued for it."), code="payment_cancelled"
        )
    if Receipt.objects.filter(payment=locked).exists():
        raise Conflict(_("This payment already has a receipt."), code="receipt_exists")
    text = (purpose if purpose is not None else receipt_purpose_default(payment=locked)).strip()
    if not text:
        raise fields_invalid({"purpose": _("Say what the payment is for.")})
    if len(text) > PURPOSE_MAX:
        raise fields_invalid(
            {"purpose": _("Keep the purpose to %(n)d characters or fewer.") % {"n": PURPOSE_MAX}}
        )
    document: Invoice | Quotation | None = locked.invoice if not locked.is_deposit else locked.quotation
    if document is None:
        document = locked.invoice or locked.quotation
    assert document is not None
    profile = sales_profile_get(workspace=locked.workspace)
    receipt = Receipt(
        workspace=locked.workspace,
        number=number_allocate(workspace=locked.workspace, series=Series.RECEIPT, day=locked.paid_on),
        payment=locked,
        contact_id=locked.contact_id,
        received_from=document.buyer_name,
        amount=locked.amount,
        amount_in_words=terbilang_rupiah(locked.amount, sentence_case=True),
        purpose=text,
        place=profile.city,
        issue_date=locked.paid_on,
        signatory_name=profile.signatory_name,
        stamp_duty_due=locked.amount > profile.stamp_duty_threshold,
        stamp_duty_amount=profile.stamp_duty_amount,
        public_token=public_token_new(),
        created_by=actor,
    )
    try:
        with transaction.atomic():
            receipt.save()
    except IntegrityError as error:
        raise Conflict(_("This payment already has a receipt."), code="receipt_exists") from error
    contact = locked.contact
    for kind in (DocumentEventKind.CREATED, DocumentEventKind.ISSUED):
        document_event_record(
            contact=contact,
            document_type=DocumentType.RECEIPT,
            document_id=receipt.pk,
            number=receipt.number,
            kind=kind,
            actor=actor,
            data={"payment_id": locked.pk, "amount": str(locked.amount)},
        )
    pdf_render_later(document=receipt)
    return receipt
