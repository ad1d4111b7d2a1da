"""Selling: catalogue, the document chain (quotation/proforma → sales order → invoice →
payment → kwitansi, credit notes), numbering, tax and payment profile, and the deal pipeline.

Money is ``Decimal`` (``max_digits=18, decimal_places=2``). Documents copy the buyer and the
product (name, unit, price, tax) onto themselves, so an issued document never changes when
the customer or the catalogue does. Issued invoices, credit notes and receipts are immutable:
the services refuse, ``save()`` refuses, and on PostgreSQL and SQLite a trigger refuses.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from relasi.core.models import TimestampedModel, WorkspaceScopedModel
from relasi.sales.enums import (
    OPEN_INVOICE_STATUSES,
    ActivityKind,
    DealStage,
    DepositKind,
    DocumentEventKind,
    DocumentType,
    InvoiceStatus,
    OrderStatus,
    PaymentMethod,
    ProductKind,
    QuotationKind,
    QuotationStatus,
    SequenceReset,
    Series,
    TaxInvoiceStatus,
    TaxTreatment,
)


def MoneyField(verbose_name: object = None, **kwargs: object) -> models.DecimalField[Decimal, Decimal]:
    """A rupiah amount: ``Decimal`` with two decimals (sen)."""
    kwargs.setdefault("default", Decimal("0"))
    return models.DecimalField(verbose_name, max_digits=18, decimal_places=2, **kwargs)  # type: ignore[arg-type]


class ImmutableDocumentError(Exception):
    """An issued document was about to change. Raised by ``save()`` as a last line of defence;
    services check first and raise a user-facing error."""


# Settings: tax and payment profile ----------------------------------------------------------


class SalesProfile(TimestampedModel):
    """The workspace as a seller: legal identity, tax status (R1–R2), letterhead, document
    defaults, the stamp-duty rule (R12) and the QRIS payload (R34–R35)."""

    workspace = models.OneToOneField(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="sales_profile"
    )
    legal_name = models.CharField(_("legal name"), max_length=200, blank=True)
    address = models.TextField(_("address"), blank=True)
    city = models.CharField(_("city (place of signing)"), max_length=80, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.CharField(_("website"), max_length=200, blank=True)
    logo = models.ImageField(_("logo"), upload_to="logos/", blank=True)
    is_pkp = models.BooleanField(
        _("PKP (registered for PPN)"),
        default=False,
        help_text=_("Only a PKP may charge PPN. A non-PKP workspace never shows PPN."),
    )
    npwp = models.CharField(_("NPWP"), max_length=16, blank=True)
    nitku = models.CharField(_("NITKU"), max_length=22, blank=True)
    turnover_threshold = MoneyField(_("PKP turnover threshold"), default=Decimal("4800000000"))
    stamp_duty_threshold = MoneyField(_("stamp duty threshold"), default=Decimal("5000000"))
    stamp_duty_amount = MoneyField(_("stamp duty"), default=Decimal("10000"))
    qris_payload = models.TextField(_("static QRIS payload"), blank=True)
    qris_limit = MoneyField(_("QRIS limit per payment"), default=Decimal("10000000"))
    show_cents = models.BooleanField(_("show sen (,00)"), default=False)
    payment_terms_days = models.PositiveSmallIntegerField(_("payment terms (days)"), default=14)
    quotation_validity_days = models.PositiveSmallIntegerField(_("quotation valid for (days)"), default=14)
    signatory_name = models.CharField(_("signatory"), max_length=120, blank=True)
    signatory_title = models.CharField(_("signatory's title"), max_length=120, blank=True)
    document_footer = models.TextField(_("note printed on documents"), blank=True)

    def __str__(self) -> str:
        return self.legal_name or str(self.workspace_id)


class BankAccount(WorkspaceScopedModel):
    """An account buyers pay into, printed on invoices (R34)."""

    bank_name = models.CharField(_("bank"), max_length=80)
    account_number = models.CharField(_("account number"), max_length=40)
    account_holder = models.CharField(_("account holder (atas nama)"), max_length=120)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("position", "id")
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "bank_name", "account_number"], name="bank_account_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.bank_name} {self.account_number} a.n. {self.account_holder}"


class TaxRate(models.Model):
    """The dated PPN table (R5), national, not per workspace. A rate applies from
    ``valid_from`` until the next row. The base is a fraction of the price: 11/12 for
    non-luxury goods from 2025 (PMK 131/2024)."""

    valid_from = models.DateField(_("valid from"), unique=True)
    rate = models.DecimalField(_("rate (%)"), max_digits=5, decimal_places=2)
    standard_base_numerator = models.PositiveSmallIntegerField(default=1)
    standard_base_denominator = models.PositiveSmallIntegerField(default=1)
    luxury_base_numerator = models.PositiveSmallIntegerField(default=1)
    luxury_base_denominator = models.PositiveSmallIntegerField(default=1)
    legal_basis = models.CharField(_("legal basis"), max_length=200, blank=True)

    class Meta:
        ordering = ("-valid_from",)

    def __str__(self) -> str:
        return f"{self.rate}% from {self.valid_from.isoformat()}"


class DocumentSequence(WorkspaceScopedModel):
    """A number series per workspace (R9): its template and when it restarts. The running
    numbers live in ``DocumentCounter``, one per period, so a document dated in an earlier
    period (a back-dated invoice) continues that period's count instead of restarting it.
    ``number_allocate`` locks this row with ``select_for_update`` inside the transaction that
    issues the document: a rolled back issue gives its number back, two issues never share one."""

    series = models.CharField(_("series"), max_length=3, choices=Series.choices)
    template = models.CharField(
        _("number template"),
        max_length=60,
        help_text=_("Use {seq}, {MM}, {ROMAN_MM}, {YYYY} and {YY}, e.g. INV/{seq}/{ROMAN_MM}/{YYYY}."),
    )
    padding = models.PositiveSmallIntegerField(_("digits in {seq}"), default=4)
    reset = models.CharField(
        _("restart numbering"), max_length=10, choices=SequenceReset.choices, default=SequenceReset.YEARLY
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "series"], name="sequence_unique_series")]

    def __str__(self) -> str:
        return f"{self.series} {self.template}"


class DocumentCounter(models.Model):
    """The last number used in one period of a series ("2026", "2026-11", or "" when the
    series never restarts)."""

    sequence = models.ForeignKey(DocumentSequence, on_delete=models.CASCADE, related_name="counters")
    period = models.CharField(max_length=7, blank=True)
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["sequence", "period"], name="counter_unique_period")]

    def __str__(self) -> str:
        return f"{self.sequence_id} {self.period}: {self.last_value}"


# Catalogue ---------------------------------------------------------------------------------


class Product(WorkspaceScopedModel):
    """A product or service in the catalogue. Documents copy its name, unit, price and tax
    treatment onto their lines; changing a product never changes a document."""

    sku = models.CharField(_("SKU"), max_length=60)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=ProductKind.choices, default=ProductKind.GOODS)
    unit = models.CharField(_("unit"), max_length=20, default="pcs")
    price = MoneyField(_("price"))
    tax_treatment = models.CharField(
        _("tax treatment"), max_length=15, choices=TaxTreatment.choices, default=TaxTreatment.STANDARD
    )
    djp_code = models.CharField(
        _("DJP goods/services code"),
        max_length=6,
        blank=True,
        help_text=_("Six digits from DJP's goods and services code list, needed for Coretax."),
    )
    djp_unit_code = models.CharField(
        _("DJP unit code"), max_length=10, blank=True, help_text=_("For example UM.0018 (piece).")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [models.UniqueConstraint("workspace", "sku", name="product_unique_sku")]
        indexes = [models.Index(fields=["workspace", "name"], name="product_name")]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"


# Documents ---------------------------------------------------------------------------------


class BuyerSnapshot(models.Model):
    """The buyer as printed on the document (R3, R8), copied from the contact and its company
    when the document is created (and again when an invoice is issued)."""

    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    buyer_name = models.CharField(_("buyer"), max_length=200)
    buyer_address = models.TextField(_("buyer's address"), blank=True)
    buyer_email = models.CharField(_("buyer's email"), max_length=254, blank=True)
    buyer_phone = models.CharField(_("buyer's phone"), max_length=20, blank=True)
    buyer_npwp = models.CharField(_("buyer's NPWP"), max_length=16, blank=True)
    buyer_nik = models.CharField(_("buyer's NIK"), max_length=16, blank=True)
    buyer_passport = models.CharField(_("buyer's passport"), max_length=20, blank=True)
    buyer_nitku = models.CharField(_("buyer's NITKU"), max_length=22, blank=True)
    buyer_type = models.CharField(_("buyer type"), max_length=20, blank=True)

    class Meta:
        abstract = True


class DocumentTotals(models.Model):
    """Totals stored on every priced document; always the sum of its lines and charges
    (``sales.calculations.document_totals``)."""

    tax_applied = models.BooleanField(default=False)  # the seller was PKP when the totals were computed
    ppn_rate = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0"))
    shipping_cost = MoneyField(_("shipping"))
    other_costs = MoneyField(_("other costs"))
    other_costs_label = models.CharField(_("other costs (what)"), max_length=100, blank=True)
    subtotal = MoneyField(_("subtotal"))
    discount_total = MoneyField(_("discount"))
    net_total = MoneyField(_("DPP"))
    other_base_total = MoneyField(_("DPP nilai lain"))
    ppn_total = MoneyField(_("PPN"))
    grand_total = MoneyField(_("total"))

    class Meta:
        abstract = True


class DocumentLine(models.Model):
    """A priced line. ``product`` is a reference only: name, unit, price and tax are copies."""

    position = models.PositiveSmallIntegerField(default=0)
    product = models.ForeignKey(
        Product, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("product")
    )
    description = models.CharField(_("description"), max_length=300)
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    unit = models.CharField(_("unit"), max_length=20, default="pcs")
    unit_price = MoneyField(_("unit price"))
    discount_percent = models.DecimalField(
        _("discount (%)"), max_digits=5, decimal_places=2, default=Decimal("0")
    )
    discount_amount = MoneyField(_("discount (Rp)"))
    tax_treatment = models.CharField(
        _("tax treatment"), max_length=15, choices=TaxTreatment.choices, default=TaxTreatment.STANDARD
    )
    product_kind = models.CharField(max_length=10, choices=ProductKind.choices, default=ProductKind.GOODS)
    djp_code = models.CharField(max_length=6, blank=True)
    djp_unit_code = models.CharField(max_length=10, blank=True)
    # Computed by sales.calculations.line_amounts and stored:
    gross = MoneyField()
    discount = MoneyField()
    net = MoneyField()
    other_base = MoneyField()
    ppn = MoneyField()
    total = MoneyField()

    class Meta:
        abstract = True
        ordering = ("position", "id")

    def __str__(self) -> str:
        return f"{self.quantity} {self.unit} {self.description}"


class Quotation(WorkspaceScopedModel, BuyerSnapshot, DocumentTotals):
    """A quotation or proforma invoice: a pre-sale offer (§1.8, R10). Never revenue, never a
    tax invoice. Revisable until accepted; each revision keeps the previous version."""

    kind = models.CharField(
        _("kind"), max_length=10, choices=QuotationKind.choices, default=QuotationKind.PROFORMA
    )
    number = models.CharField(_("number"), max_length=60)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    status = models.CharField(
        _("status"), max_length=10, choices=QuotationStatus.choices, default=QuotationStatus.DRAFT
    )
    issue_date = models.DateField(_("date"), default=timezone.localdate)
    valid_until = models.DateField(_("valid until"))
    payment_terms_days = models.PositiveSmallIntegerField(_("payment terms (days)"), default=14)
    deposit_kind = models.CharField(
        _("deposit"), max_length=10, choices=DepositKind.choices, default=DepositKind.NONE
    )
    deposit_value = models.DecimalField(
        _("deposit (percent or amount)"), max_digits=18, decimal_places=2, default=Decimal("0")
    )
    deposit_amount = MoneyField(_("deposit requested"))
    notes = models.TextField(_("notes"), blank=True)
    terms = models.TextField(_("terms and conditions"), blank=True)
    deal = models.ForeignKey(
        "Deal",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="quotations",
        verbose_name=_("deal"),
    )
    public_token = models.CharField(max_length=64, unique=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    viewed_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by_name = models.CharField(_("answered by"), max_length=120, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    customer_po_number = models.CharField(_("buyer's PO number"), max_length=60, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("quotation")
        verbose_name_plural = _("quotations")
        constraints = [models.UniqueConstraint("workspace", "number", name="quotation_unique_number")]
        indexes = [
            models.Index(fields=["workspace", "-id"], name="quotation_by_id"),
            models.Index(fields=["workspace", "status"], name="quotation_status"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def document_type(self) -> str:
        return DocumentType.QUOTATION


class QuotationLine(DocumentLine):
    quotation = models.ForeignKey(Quotation, on_delete=models.CASCADE, related_name="lines")

    class Meta(DocumentLine.Meta):
        pass


class QuotationVersion(models.Model):
    """A quotation as it was before a revision: header, lines and totals as JSON."""

    quotation = models.ForeignKey(Quotation, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveSmallIntegerField()
    snapshot = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ("-version",)
        constraints = [
            models.UniqueConstraint(fields=["quotation", "version"], name="quotation_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.quotation_id} v{self.version}"


class SalesOrder(WorkspaceScopedModel, BuyerSnapshot, DocumentTotals):
    """The buyer's commitment, from an accepted quotation (with the buyer's PO number) or
    entered directly."""

    number = models.CharField(_("number"), max_length=60)
    status = models.CharField(
        _("status"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.CONFIRMED
    )
    order_date = models.DateField(_("order date"), default=timezone.localdate)
    quotation = models.OneToOneField(
        Quotation, on_delete=models.PROTECT, null=True, blank=True, related_name="sales_order"
    )
    customer_po_number = models.CharField(_("buyer's PO number"), max_length=60, blank=True)
    payment_terms_days = models.PositiveSmallIntegerField(_("payment terms (days)"), default=14)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("sales order")
        verbose_name_plural = _("sales orders")
        constraints = [models.UniqueConstraint("workspace", "number", name="sales_order_unique_number")]
        indexes = [models.Index(fields=["workspace", "-id"], name="sales_order_by_id")]

    def __str__(self) -> str:
        return self.number

    @property
    def document_type(self) -> str:
        return DocumentType.SALES_ORDER


class SalesOrderLine(DocumentLine):
    sales_order = models.ForeignKey(SalesOrder, on_delete=models.CASCADE, related_name="lines")

    class Meta(DocumentLine.Meta):
        pass


# Columns of an issued invoice that may still change: payment state, void, tax export, PDF.
INVOICE_MUTABLE_AFTER_ISSUE = frozenset(
    {
        "contact",  # a merge of customers moves documents; the printed buyer is the snapshot
        "status",
        "amount_paid",
        "amount_credited",
        "voided_at",
        "voided_by",
        "void_reason",
        "tax_invoice_number",
        "tax_invoice_status",
        "tax_exported_at",
        "pdf",
        "pdf_rendered_at",
        "last_reminder_at",
        "updated_at",
    }
)


class Invoice(WorkspaceScopedModel, BuyerSnapshot, DocumentTotals):
    """A commercial invoice (R8). A draft has no number; ``invoice_issue`` numbers it from the
    INV series, copies the buyer and fixes it for good. Corrected only by a credit note or
    voided with a reason; the number is never reused."""

    number = models.CharField(_("number"), max_length=60, blank=True)
    status = models.CharField(
        _("status"), max_length=15, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT
    )
    issue_date = models.DateField(_("invoice date"), default=timezone.localdate)
    delivery_date = models.DateField(_("delivery date"), null=True, blank=True)
    payment_terms_days = models.PositiveSmallIntegerField(_("payment terms (days)"), default=14)
    due_date = models.DateField(_("due date"))
    sales_order = models.ForeignKey(
        SalesOrder, on_delete=models.PROTECT, null=True, blank=True, related_name="invoices"
    )
    quotation = models.ForeignKey(
        Quotation, on_delete=models.PROTECT, null=True, blank=True, related_name="invoices"
    )
    customer_po_number = models.CharField(_("buyer's PO number"), max_length=60, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    transaction_code = models.CharField(_("Faktur Pajak transaction code"), max_length=2, default="04")
    amount_paid = MoneyField(_("paid"))
    amount_credited = MoneyField(_("credited"))
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    void_reason = models.TextField(_("reason for voiding"), blank=True)
    tax_invoice_number = models.CharField(_("Faktur Pajak number"), max_length=17, blank=True)
    tax_invoice_status = models.CharField(
        max_length=15, choices=TaxInvoiceStatus.choices, default=TaxInvoiceStatus.NOT_EXPORTED
    )
    tax_exported_at = models.DateTimeField(null=True, blank=True)
    pdf = models.FileField(upload_to="documents/invoices/", blank=True)
    pdf_rendered_at = models.DateTimeField(null=True, blank=True)
    last_reminder_at = models.DateTimeField(null=True, blank=True)
    public_token = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [
            models.UniqueConstraint(
                "workspace", "number", condition=~Q(number=""), name="invoice_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(status=InvoiceStatus.DRAFT) | ~Q(number=""), name="invoice_issued_has_number"
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "-id"], name="invoice_by_id"),
            models.Index(fields=["workspace", "status", "due_date"], name="invoice_open_by_due"),
        ]

    def __str__(self) -> str:
        return self.number or str(_("Draft invoice"))

    def save(self, *args: object, **kwargs: object) -> None:
        """Refuse to change what was issued. Not business logic: a guard so that no path
        (admin, shell, a future bug) can rewrite an issued invoice."""
        if self.pk is not None:
            stored = Invoice.objects.filter(pk=self.pk).values("status").first()
            if stored is not None and stored["status"] != InvoiceStatus.DRAFT:
                update_fields = kwargs.get("update_fields")
                if update_fields is None or not set(update_fields) <= INVOICE_MUTABLE_AFTER_ISSUE:  # type: ignore[call-overload]
                    raise ImmutableDocumentError(f"invoice {self.pk} is issued")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def document_type(self) -> str:
        return DocumentType.INVOICE

    @property
    def is_issued(self) -> bool:
        return self.status != InvoiceStatus.DRAFT

    @property
    def balance_due(self) -> Decimal:
        if self.status in (InvoiceStatus.DRAFT, InvoiceStatus.VOID):
            return Decimal("0")
        owed: Decimal = self.grand_total - self.amount_credited - self.amount_paid
        return max(Decimal("0"), owed)

    @property
    def is_overdue(self) -> bool:
        return self.status in OPEN_INVOICE_STATUSES and self.due_date < timezone.localdate()

    @property
    def display_status(self) -> str:
        return InvoiceStatus.OVERDUE if self.is_overdue else self.status


class InvoiceLine(DocumentLine):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")

    class Meta(DocumentLine.Meta):
        pass


class CreditNote(WorkspaceScopedModel, BuyerSnapshot, DocumentTotals):
    """A correction of an issued invoice (nota kredit): credits part or all of it. Issued on
    creation, numbered from the CN series, immutable."""

    number = models.CharField(_("number"), max_length=60)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    issue_date = models.DateField(_("date"), default=timezone.localdate)
    reason = models.TextField(_("reason"))
    pdf = models.FileField(upload_to="documents/credit-notes/", blank=True)
    pdf_rendered_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("credit note")
        verbose_name_plural = _("credit notes")
        constraints = [models.UniqueConstraint("workspace", "number", name="credit_note_unique_number")]

    def __str__(self) -> str:
        return self.number

    @property
    def document_type(self) -> str:
        return DocumentType.CREDIT_NOTE


class CreditNoteLine(DocumentLine):
    credit_note = models.ForeignKey(CreditNote, on_delete=models.CASCADE, related_name="lines")

    class Meta(DocumentLine.Meta):
        pass


class Payment(WorkspaceScopedModel):
    """Money received. Against an invoice, or a deposit against a proforma (``quotation``);
    a deposit is carried to the invoice made from that proforma (``invoice`` is then set too).
    ``idempotency_key`` makes a retried API call record the payment once."""

    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    invoice = models.ForeignKey(
        Invoice,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("invoice"),
    )
    quotation = models.ForeignKey(
        Quotation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deposits",
        verbose_name=_("proforma"),
    )
    amount = MoneyField(_("amount"))
    paid_on = models.DateField(_("date paid"), default=timezone.localdate)
    method = models.CharField(_("method"), max_length=15, choices=PaymentMethod.choices)
    bank_account = models.ForeignKey(
        BankAccount,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("into account"),
    )
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    is_deposit = models.BooleanField(default=False)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(blank=True)
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="payment_unique_idempotency_key",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(invoice__isnull=False) | Q(quotation__isnull=False), name="payment_has_document"
            ),
        ]
        indexes = [models.Index(fields=["workspace", "-id"], name="payment_by_id")]

    def __str__(self) -> str:
        return f"{self.paid_on} {self.amount}"

    @property
    def document_type(self) -> str:
        return DocumentType.PAYMENT


class Receipt(WorkspaceScopedModel):
    """A kwitansi for one payment (R11): "Telah terima dari", "Uang sejumlah" in words,
    "Untuk pembayaran", place, date and signatory; a stamp-duty box above the threshold
    (R12). Immutable once issued."""

    number = models.CharField(_("number"), max_length=60)
    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="receipt")
    contact = models.ForeignKey("contacts.Contact", on_delete=models.PROTECT, related_name="+")
    received_from = models.CharField(_("received from"), max_length=200)
    amount = MoneyField(_("amount"))
    amount_in_words = models.TextField(_("amount in words"))
    purpose = models.TextField(_("for payment of"))
    place = models.CharField(_("place"), max_length=80, blank=True)
    issue_date = models.DateField(_("date"))
    signatory_name = models.CharField(_("signatory"), max_length=120, blank=True)
    stamp_duty_due = models.BooleanField(default=False)  # amount > threshold when issued (R12)
    stamp_duty_amount = MoneyField()
    pdf = models.FileField(upload_to="documents/receipts/", blank=True)
    pdf_rendered_at = models.DateTimeField(null=True, blank=True)
    public_token = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        constraints = [models.UniqueConstraint("workspace", "number", name="receipt_unique_number")]
        indexes = [models.Index(fields=["workspace", "-id"], name="receipt_by_id")]

    def __str__(self) -> str:
        return self.number

    @property
    def document_type(self) -> str:
        return DocumentType.RECEIPT


class DocumentEvent(WorkspaceScopedModel):
    """One entry in a document's own timeline (created, revised, sent, viewed, accepted,
    issued, paid, voided…). The customer's timeline gets a matching ``document`` event."""

    document_type = models.CharField(max_length=15, choices=DocumentType.choices)
    document_id = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=20, choices=DocumentEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=["workspace", "document_type", "document_id"], name="document_event_doc")
        ]


# Pipeline ----------------------------------------------------------------------------------


class LostReason(WorkspaceScopedModel):
    """A reason a deal was lost (or won), picked from a list so it can be counted."""

    name = models.CharField(_("name"), max_length=100)
    for_won = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint("workspace", "name", "for_won", name="deal_reason_unique")]

    def __str__(self) -> str:
        return self.name


class Deal(WorkspaceScopedModel):
    """An opportunity on the pipeline board."""

    title = models.CharField(_("title"), max_length=200)
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    stage = models.CharField(_("stage"), max_length=12, choices=DealStage.choices, default=DealStage.LEAD)
    value = MoneyField(_("value"))
    probability = models.PositiveSmallIntegerField(_("probability (%)"), default=10)
    expected_close_date = models.DateField(_("expected close"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=pgettext_lazy("assignee", "owner"),
    )
    stage_entered_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.ForeignKey(
        LostReason,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reason"),
    )
    close_note = models.TextField(_("note on the outcome"), blank=True)
    position = models.IntegerField(default=0)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        indexes = [models.Index(fields=["workspace", "stage", "position"], name="deal_board")]

    def __str__(self) -> str:
        return self.title


class DealStageChange(models.Model):
    """A move between stages, for conversion rates and the average time per stage."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(max_length=12, choices=DealStage.choices, blank=True)
    to_stage = models.CharField(max_length=12, choices=DealStage.choices)
    changed_at = models.DateTimeField(default=timezone.now)
    seconds_in_previous = models.PositiveBigIntegerField(default=0)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ("changed_at", "id")

    def __str__(self) -> str:
        return f"{self.from_stage} → {self.to_stage}"


class Activity(WorkspaceScopedModel):
    """A call, meeting, follow-up or task with a due time and an owner; shows up in the
    owner's list and reminds them when due."""

    kind = models.CharField(_("kind"), max_length=10, choices=ActivityKind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, null=True, blank=True, related_name="activities")
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    due_at = models.DateTimeField(_("due"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=pgettext_lazy("assignee", "owner"),
    )
    notes = models.TextField(_("notes"), blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [
            models.Index(fields=["workspace", "owner", "done_at", "due_at"], name="activity_owner_due")
        ]

    def __str__(self) -> str:
        return self.subject
