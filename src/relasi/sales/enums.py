"""Choices of the sales app. A comment per value says when it applies."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ProductKind(models.TextChoices):
    GOODS = "goods", pgettext_lazy("product kind", "Goods")  # Coretax GoodService Opt "A"
    SERVICE = "service", pgettext_lazy("product kind", "Service")  # Coretax GoodService Opt "B"


class TaxTreatment(models.TextChoices):
    STANDARD = "standard", _("PPN, non-luxury (11/12 base)")  # PMK 131/2024: 12% × 11/12 × price; code 04
    LUXURY = "luxury", _("PPN, luxury goods (full base)")  # PPnBM goods: 12% × full price; code 01
    EXEMPT = "exempt", _("Exempt from PPN")  # code 08: no PPN charged
    NOT_COLLECTED = "not_collected", _("PPN not collected")  # code 07: facility, PPN not collected


class Series(models.TextChoices):
    """Number series (R9). Each has its own gap-free counter per workspace."""

    QUOTATION = "QUO", _("Quotation")
    PROFORMA = "PI", _("Proforma invoice")
    SALES_ORDER = "SO", _("Sales order")
    INVOICE = "INV", _("Invoice")
    RECEIPT = "KW", _("Receipt (kwitansi)")
    CREDIT_NOTE = "CN", _("Credit note")


class SequenceReset(models.TextChoices):
    YEARLY = "yearly", _("Every year")  # counter restarts at 1 on 1 January
    MONTHLY = "monthly", _("Every month")
    NEVER = "never", _("Never")


class QuotationKind(models.TextChoices):
    QUOTATION = "quotation", _("Quotation")  # titled PENAWARAN HARGA
    PROFORMA = "proforma", _("Proforma invoice")  # titled PROFORMA INVOICE, may request a deposit


class QuotationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")  # being written or revised; the buyer cannot see it
    SENT = "sent", _("Sent")  # sent or shared; the buyer may accept or decline
    ACCEPTED = "accepted", _("Accepted")  # the buyer accepted; may become a sales order
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")  # validity date passed without an answer
    CONVERTED = "converted", _("Converted to order")
    CANCELLED = "cancelled", _("Cancelled")  # withdrawn by the seller


class DepositKind(models.TextChoices):
    NONE = "none", _("No deposit")
    PERCENT = "percent", _("Percentage of the total")
    AMOUNT = "amount", _("Fixed amount")


class OrderStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")  # waiting to be invoiced
    INVOICED = "invoiced", _("Invoiced")
    CANCELLED = "cancelled", _("Cancelled")


class InvoiceStatus(models.TextChoices):
    """Stored status. "Overdue" is not stored: it is an unpaid or partly paid invoice past its
    due date (``Invoice.display_status``)."""

    DRAFT = "draft", _("Draft")  # no number yet; may still change
    UNPAID = "unpaid", _("Unpaid")  # issued: numbered and immutable
    PARTIALLY_PAID = "partially_paid", _("Partially paid")
    PAID = "paid", _("Paid")
    VOID = "void", _("Void")  # cancelled with a reason; the number stays used
    OVERDUE = "overdue", _("Overdue")  # display only, never stored


# Issued, with something still owed (overdue when past the due date).
OPEN_INVOICE_STATUSES = (InvoiceStatus.UNPAID, InvoiceStatus.PARTIALLY_PAID)
# Issued and not void: what counts as invoiced (turnover, Coretax export).
ISSUED_INVOICE_STATUSES = (*OPEN_INVOICE_STATUSES, InvoiceStatus.PAID)


class TaxInvoiceStatus(models.TextChoices):
    NOT_EXPORTED = "not_exported", _("Not exported")
    EXPORTED = "exported", _("Exported to Coretax")  # XML downloaded, waiting for DJP
    APPROVED = "approved", _("Faktur Pajak number recorded")  # the 17-digit number is stored


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    QRIS = "qris", _("QRIS")
    CASH = "cash", _("Cash")
    EWALLET = "ewallet", _("E-wallet")
    OTHER = "other", _("Other")


class DocumentType(models.TextChoices):
    QUOTATION = "quotation", _("Quotation")
    SALES_ORDER = "sales_order", _("Sales order")
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")
    PAYMENT = "payment", _("Payment")
    RECEIPT = "receipt", _("Receipt")


class DocumentEventKind(models.TextChoices):
    CREATED = "created", _("Created")
    UPDATED = "updated", _("Changed")  # a draft was edited
    REVISED = "revised", _("Revised")  # a sent quotation was reopened as a new version
    SENT = "sent", _("Sent")  # data: channel (email, whatsapp, link)
    VIEWED = "viewed", _("Viewed by the buyer")  # first opening of the public link
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")
    CONVERTED = "converted", _("Converted")  # data: the new document
    ISSUED = "issued", _("Issued")
    PAID = "paid", _("Payment received")  # data: amount, payment id
    PAYMENT_CANCELLED = "payment_cancelled", _("Payment cancelled")
    CREDITED = "credited", _("Credit note issued")
    VOIDED = "voided", _("Voided")
    REMINDER_SENT = "reminder_sent", _("Payment reminder sent")
    TAX_EXPORTED = "tax_exported", _("Exported to Coretax")
    TAX_NUMBER_RECORDED = "tax_number_recorded", _("Faktur Pajak number recorded")


class DealStage(models.TextChoices):
    LEAD = "lead", _("Lead")
    QUALIFIED = "qualified", _("Qualified")
    PROPOSAL = "proposal", _("Proposal")
    NEGOTIATION = "negotiation", _("Negotiation")
    WON = "won", pgettext_lazy("deal", "Won")
    LOST = "lost", pgettext_lazy("deal", "Lost")


# Probability (percent) a deal gets when it enters a stage, unless the user sets another.
STAGE_DEFAULT_PROBABILITY: dict[str, int] = {
    DealStage.LEAD: 10,
    DealStage.QUALIFIED: 25,
    DealStage.PROPOSAL: 50,
    DealStage.NEGOTIATION: 75,
    DealStage.WON: 100,
    DealStage.LOST: 0,
}

OPEN_STAGES = (DealStage.LEAD, DealStage.QUALIFIED, DealStage.PROPOSAL, DealStage.NEGOTIATION)


class ActivityKind(models.TextChoices):
    CALL = "call", _("Call")
    MEETING = "meeting", _("Meeting")
    FOLLOW_UP = "follow_up", _("Follow-up")
    EMAIL = "email", _("E-mail")
    TASK = "task", _("Task")


class BuyerDocument(models.TextChoices):
    """Coretax ``BuyerDocument``: how the buyer is identified on a Faktur Pajak (§1.2)."""

    TIN = "TIN", _("NPWP")
    NIK = "National ID", _("NIK")
    PASSPORT = "Passport", _("Passport")
    OTHER = "Other", _("Other")
