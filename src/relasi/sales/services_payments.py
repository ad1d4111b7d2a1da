"""Payments: recording money received against an issued invoice or, as a deposit, against a
proforma invoice, and cancelling a payment recorded by mistake.

Static QRIS and bank transfers are reconciled by hand (R36): a person records what arrived;
no gateway marks anything paid here. Every recorded payment gets its kwitansi in the same
transaction (``services_receipts.receipt_issue``) unless the caller asks otherwise.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from relasi.accounts.models import User, Workspace
from relasi.core.exceptions import Conflict, NotFound, ValidationError, fields_invalid
from relasi.core.money import format_rupiah
from relasi.sales.enums import (
    DocumentEventKind,
    InvoiceStatus,
    PaymentMethod,
    QuotationKind,
)
from relasi.sales.events import document_event_record
from relasi.sales.models import BankAccount, Invoice, Payment, Quotation
from relasi.sales.selectors_payments import DEPOSIT_QUOTATION_STATUSES
from relasi.sales.selectors_receivables import workspace_today
from relasi.sales.services_invoices import invoice_balance_refresh
from relasi.sales.services_receipts import receipt_issue

ZERO = Decimal("0")
CENT = Decimal("0.01")


def rupiah_text(amount: Decimal) -> str:
    """``Rp1.000.000``, with sen only when the amount has them."""
    return format_rupiah(amount, cents=amount != amount.to_integral_value())


def _check_input(
    *,
    workspace: Workspace,
    amount: Decimal,
    paid_on: date,
    method: str,
    bank_account: BankAccount | None,
    reference: str,
) -> None:
    errors: dict[str, str] = {}
    if not isinstance(amount, Decimal) or not amount.is_finite():
        errors["amount"] = _("Enter the amount received, for example 1.250.000.")
    elif amount <= 0:
        errors["amount"] = _("The amount must be more than zero.")
    elif amount != amount.quantize(CENT):
        errors["amount"] = _("Use at most two decimals (sen) in the amount.")
    elif amount >= Decimal("1e16"):
        errors["amount"] = _("The amount is too large.")
    if paid_on > workspace_today(workspace=workspace):
        errors["paid_on"] = _("The payment date cannot be in the future.")
    if method not in PaymentMethod.values:
        errors["method"] = _("Choose one of: %(choices)s.") % {"choices": ", ".join(PaymentMethod.values)}
    if bank_account is not None and (bank_account.workspace_id != workspace.pk or not bank_account.is_active):
        errors["bank_account"] = _("Choose one of this workspace's active bank accounts.")
    elif method == PaymentMethod.BANK_TRANSFER and bank_account is None:
        errors["bank_account"] = _("A bank transfer needs the account it was paid into.")
    if len(reference) > 100:
        errors["reference"] = _("Keep the reference to 100 characters or fewer.")
    if errors:
        raise fields_invalid(errors)


def _replay(
    *, workspace: Workspace, key: str, amount: Decimal, invoice_id: int | None, quotation_id: int | None
) -> Payment | None:
    """The payment recorded earlier with ``key``, if the request is the same; a different
    request under the same key is a conflict."""
    earlier = Payment.objects.filter(workspace=workspace, idempotency_key=key).first()
    if earlier is None:
        return None
    same_document = (invoice_id is not None and earlier.invoice_id == invoice_id) or (
        quotation_id is not None and earlier.quotation_id == quotation_id
    )
    if earlier.amount != amount or not same_document:
        raise Conflict(
            _(
                "This Idempotency-Key was already used for a different payment. "
                "Use a new key for a new payment."
            ),
            code="idempotency_conflict",
            fields={"Idempotency-Key": _("Already used for payment %(id)s.") % {"id": earlier.pk}},
        )
    return earlier


def _locked_invoice(*, workspace: Workspace, invoice: Invoice, amount: Decimal) -> Invoice:
    """The invoice row locked until commit (``SELECT … FOR UPDATE``): concurrent payments on
    one invoice queue here, so each sees the balance the previous one left."""
    locked = Invoice.objects.select_for_update().filter(workspace=workspace, pk=invoice.pk).first()
    if locked is None:
        raise NotFound(_("Invoice not found."), fields={"invoice": _("Choose an invoice of this workspace.")})
    if locked.status == InvoiceStatus.DRAFT:
        raise ValidationError(
            _("Invoice drafts cannot be paid. Issue the invoice first."),
            fields={"invoice": _("Issue the invoice before recording a payment.")},
        )
    if locked.status == InvoiceStatus.VOID:
        raise ValidationError(
            _("Invoice %(number)s is void and cannot be paid.") % {"number": locked.number},
            fields={"invoice": _("A void invoice cannot be paid.")},
        )
    balance = locked.balance_due
    if balance <= 0:
        raise ValidationError(
            _("Invoice %(number)s is already paid in full.") % {"number": locked.number},
            fields={"invoice": _("Nothing is left to pay on this invoice.")},
        )
    if amount > balance:
        message = _("The amount is more than the balance due of %(balance)s. Enter at most %(balance)s.") % {
            "balance": rupiah_text(balance)
        }
        raise ValidationError(message, fields={"amount": message})
    return locked


def _deposits_paid(quotation: Quotation) -> Decimal:
    paid: Decimal = (
        Payment.objects.filter(quotation=quotation, is_deposit=True, cancelled_at__isnull=True).aggregate(
            s=Sum("amount")
        )["s"]
        or ZERO
    )
    return paid


def _locked_proforma(*, workspace: Workspace, quotation: Quotation, amount: Decimal) -> Quotation:
    """The proforma row locked until commit, checked to accept a deposit of ``amount``:
    at most its total minus the deposits already paid."""
    locked = Quotation.objects.select_for_update().filter(workspace=workspace, pk=quotation.pk).first()
    if locked is None:
        raise NotFound(
            _("Proforma not found."), fields={"quotation": _("Choose a proforma of this workspace.")}
        )
    if locked.kind != QuotationKind.PROFORMA:
        raise ValidationError(
            _("Deposits are taken against a proforma invoice, not a quotation."),
            fields={"quotation": _("Choose a proforma invoice.")},
        )
    if locked.status not in DEPOSIT_QUOTATION_STATUSES:
        raise ValidationError(
            _("Proforma %(number)s is %(status)s; a deposit needs a sent or accepted proforma.")
            % {"number": locked.number, "status": locked.get_status_display()},
            fields={"quotation": _("Send the proforma to the buyer first.")},
        )
    invoiced = (
        Invoice.objects.filter(Q(quotation=locked) | Q(sales_order__quotation=locked))
        .exclude(status__in=(InvoiceStatus.DRAFT, InvoiceStatus.VOID))
        .values_list("number", flat=True)
        .first()
    )
    if invoiced:
        raise ValidationError(
            _(
                "Proforma %(number)s is already invoiced as %(invoice)s. "
                "Record the payment against the invoice."
            )
            % {"number": locked.number, "invoice": invoiced},
            fields={
                "quotation": _("Record the payment against invoice %(invoice)s.") % {"invoice": invoiced}
            },
        )
    remaining = locked.grand_total - _deposits_paid(locked)
    if remaining <= 0:
        raise ValidationError(
            _("Proforma %(number)s is already paid in full by deposits.") % {"number": locked.number},
            fields={"quotation": _("Nothing is left to pay on this proforma.")},
        )
    if amount > remaining:
        message = _(
            "The deposit is more than what is left on the proforma, %(balance)s. Enter at most %(balance)s."
        ) % {"balance": rupiah_text(remaining)}
        raise ValidationError(message, fields={"amount": message})
    return locked


@transaction.atomic
def payment_record_once(
    *,
    workspace: Workspace,
    actor: User | None,
    invoice: Invoice | None = None,
    quotation: Quotation | None = None,
    amount: Decimal,
    paid_on: date,
    method: str,
    bank_account: BankAccount | None = None,
    reference: str = "",
    notes: str = "",
    idempotency_key: str | None = None,
    issue_receipt: bool = True,
) -> tuple[Payment, bool]:
    """``payment_record`` that also says whether it recorded anything: ``(payment, True)``
    for a new payment, ``(the earlier payment, False)`` for a retry with the same
    ``idempotency_key`` (the API answers 200 instead of 201)."""
    reference = reference.strip()
    key = (idempotency_key or "").strip() or None
    if (invoice is None) == (quotation is None):
        raise fields_invalid(
            {"invoice": _("Choose the invoice (or the proforma, for a deposit) being paid.")}
        )
    if key is not None:
        if len(key) > 100:
            raise fields_invalid({"Idempotency-Key": _("Keep the key to 100 characters or fewer.")})
        earlier = _replay(
            workspace=workspace,
            key=key,
            amount=amount,
            invoice_id=invoice.pk if invoice else None,
            quotation_id=quotation.pk if quotation else None,
        )
        if earlier is not None:
            return earlier, False
    _check_input(
        workspace=workspace,
        amount=amount,
        paid_on=paid_on,
        method=method,
        bank_account=bank_account,
        reference=reference,
    )
    if invoice is not None:
        document: Invoice | Quotation = _locked_invoice(workspace=workspace, invoice=invoice, amount=amount)
    else:
        assert quotation is not None
        document = _locked_proforma(workspace=workspace, quotation=quotation, amount=amount)
    if key is not None:
        # A retry that raced the first request waited on the row lock above; look again.
        earlier = _replay(
            workspace=workspace,
            key=key,
            amount=amount,
            invoice_id=invoice.pk if invoice else None,
            quotation_id=quotation.pk if quotation else None,
        )
        if earlier is not None:
            return earlier, False
    payment = Payment(
        workspace=workspace,
        contact=document.contact,
        invoice=document if isinstance(document, Invoice) else None,
        quotation=document if isinstance(document, Quotation) else None,
        amount=amount,
        paid_on=paid_on,
        method=method,
        bank_account=bank_account,
        reference=reference,
        notes=notes.strip(),
        is_deposit=isinstance(document, Quotation),
        idempotency_key=key,
        created_by=actor,
    )
    try:
        with transaction.atomic():
            payment.save()
    except IntegrityError:
        # The same key committed by a request on another document in the meantime.
        earlier = _replay(
            workspace=workspace,
            key=key or "",
            amount=amount,
            invoice_id=invoice.pk if invoice else None,
            quotation_id=quotation.pk if quotation else None,
        )
        if earlier is None:
            raise
        return earlier, False
    if isinstance(document, Invoice):
        invoice_balance_refresh(invoice=document)
    document_event_record(
        contact=document.contact,
        document_type=document.document_type,
        document_id=document.pk,
        number=document.number,
        kind=DocumentEventKind.PAID,
        actor=actor,
        data={
            "payment_id": payment.pk,
            "amount": str(amount),
            "method": method,
            "paid_on": paid_on.isoformat(),
            "deposit": payment.is_deposit,
        },
    )
    if issue_receipt:
        receipt_issue(payment=payment, actor=actor)
    return payment, True


def payment_record(
    *,
    workspace: Workspace,
    actor: User | None,
    invoice: Invoice | None = None,
    quotation: Quotation | None = None,
    amount: Decimal,
    paid_on: date,
    method: str,
    bank_account: BankAccount | None = None,
    reference: str = "",
    notes: str = "",
    idempotency_key: str | None = None,
    issue_receipt: bool = True,
) -> Payment:
    """Record money received, and its kwitansi.

    Against an issued, non-void ``invoice``: ``amount`` ≤ its balance due, checked with the
    invoice row locked so that two concurrent payments can never together exceed it; then
    the invoice's paid amount and status are refreshed. Or, as a deposit, against a
    ``quotation`` of kind proforma that is sent, accepted or converted and not yet invoiced:
    ``amount`` ≤ its total minus the deposits already paid (``invoice_issue`` later carries
    the deposit to the invoice). A bank transfer names one of the workspace's active bank
    accounts. A retry with the same ``idempotency_key`` returns the first payment and
    records nothing; the same key for a different payment is a ``Conflict``. Writes a PAID
    event on the invoice or proforma, then issues the receipt when ``issue_receipt``.
    """
    payment, _created = payment_record_once(
        workspace=workspace,
        actor=actor,
        invoice=invoice,
        quotation=quotation,
        amount=amount,
        paid_on=paid_on,
        method=method,
        bank_account=bank_account,
        reference=reference,
        notes=notes,
        idempotency_key=idempotency_key,
        issue_receipt=issue_receipt,
    )
    return payment


@transaction.atomic
def payment_cancel(*, payment: Payment, reason: str, actor: User | None) -> Payment:
    """Cancel a payment recorded by mistake (a bounced transfer, a wrong amount).

    The reason is required. The payment stays, marked cancelled; the invoice's balance and
    status are recomputed. Its kwitansi is immutable and stays as issued: the receipt page
    shows that the payment was cancelled. Writes PAYMENT_CANCELLED on the invoice (or the
    proforma of a deposit).
    """
    reason = reason.strip()
    if not reason:
        raise fields_invalid({"reason": _("Say why the payment is cancelled.")})
    if payment.invoice_id is not None:
        # Lock order as in payment_record: invoice first, then the payment.
        Invoice.objects.select_for_update().filter(pk=payment.invoice_id).first()
    locked = Payment.objects.select_for_update().get(pk=payment.pk)
    if locked.cancelled_at is not None:
        raise Conflict(_("This payment is already cancelled."), code="already_cancelled")
    locked.cancelled_at = timezone.now()
    locked.cancel_reason = reason
    locked.save(update_fields=["cancelled_at", "cancel_reason", "updated_at"])
    document: Invoice | Quotation | None = None
    if locked.invoice_id is not None:
        document = Invoice.objects.get(pk=locked.invoice_id)
        invoice_balance_refresh(invoice=document)
    elif locked.quotation_id is not None:
        document = Quotation.objects.get(pk=locked.quotation_id)
    assert document is not None
    document_event_record(
        contact=document.contact,
        document_type=document.document_type,
        document_id=document.pk,
        number=document.number,
        kind=DocumentEventKind.PAYMENT_CANCELLED,
        actor=actor,
        data={"payment_id": locked.pk, "amount": str(locked.amount), "reason": reason},
    )
    payment.cancelled_at = locked.cancelled_at
    payment.cancel_reason = reason
    return locked
