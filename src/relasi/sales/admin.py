"""Django admin for operators (staff), not for workspace members.

Issued invoices, credit notes and kwitansi are read-only here: no field can be changed and
they cannot be deleted (the model's ``save()`` and the database triggers refuse anyway; the
admin does not offer what would fail). Corrections go through the app: a credit note or void.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from relasi.sales.enums import InvoiceStatus
from relasi.sales.models import (
    CreditNote,
    CreditNoteLine,
    Deal,
    Invoice,
    InvoiceLine,
    Payment,
    Product,
    Quotation,
    QuotationLine,
    Receipt,
    SalesOrder,
    SalesOrderLine,
)


class ReadOnlyInline(admin.TabularInline):  # type: ignore[type-arg]
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _all_fields(model: type[Any]) -> list[str]:
    return [field.name for field in model._meta.concrete_fields]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("sku", "name", "price", "tax_treatment", "is_active", "workspace")
    list_filter = ("is_active", "tax_treatment", "kind")
    search_fields = ("sku", "name")
    list_select_related = ("workspace",)
    raw_id_fields = ("workspace",)


class QuotationLineInline(ReadOnlyInline):
    model = QuotationLine
    fields = readonly_fields = (
        "position",
        "description",
        "quantity",
        "unit",
        "unit_price",
        "net",
        "ppn",
        "total",
    )


@admin.register(Quotation)
class QuotationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("number", "kind", "status", "buyer_name", "grand_total", "issue_date", "workspace")
    list_filter = ("status", "kind")
    search_fields = ("number", "buyer_name")
    list_select_related = ("workspace",)
    raw_id_fields = ("workspace", "contact", "deal", "created_by")
    inlines = (QuotationLineInline,)


class SalesOrderLineInline(ReadOnlyInline):
    model = SalesOrderLine
    fields = readonly_fields = QuotationLineInline.fields


@admin.register(SalesOrder)
class SalesOrderAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("number", "status", "buyer_name", "grand_total", "order_date", "workspace")
    list_filter = ("status",)
    search_fields = ("number", "buyer_name", "customer_po_number")
    list_select_related = ("workspace",)
    raw_id_fields = ("workspace", "contact", "quotation", "created_by")
    inlines = (SalesOrderLineInline,)


class InvoiceLineInline(ReadOnlyInline):
    model = InvoiceLine
    fields = readonly_fields = (
        "position",
        "description",
        "quantity",
        "unit",
        "unit_price",
        "tax_treatment",
        "net",
        "other_base",
        "ppn",
        "total",
    )


class IssuedDocumentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Every field read-only and no delete once the document is issued."""

    def is_issued(self, obj: Any) -> bool:
        return obj is not None

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if self.is_issued(obj):
            return _all_fields(self.model)
        return super().get_readonly_fields(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if self.is_issued(obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if self.is_issued(obj):
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Invoice)
class InvoiceAdmin(IssuedDocumentAdmin):
    list_display = (
        "__str__",
        "status",
        "buyer_name",
        "grand_total",
        "amount_paid",
        "issue_date",
        "workspace",
    )
    list_filter = ("status", "tax_invoice_status")
    search_fields = ("number", "buyer_name", "tax_invoice_number")
    list_select_related = ("workspace",)
    raw_id_fields = (
        "workspace",
        "contact",
        "sales_order",
        "quotation",
        "created_by",
        "issued_by",
        "voided_by",
    )
    inlines = (InvoiceLineInline,)

    def is_issued(self, obj: Any) -> bool:
        return obj is not None and obj.status != InvoiceStatus.DRAFT

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The list's bulk delete has no object: refuse it too, an issued invoice may be among them.
        if obj is None:
            return False
        return super().has_delete_permission(request, obj)


class CreditNoteLineInline(ReadOnlyInline):
    model = CreditNoteLine
    fields = readonly_fields = InvoiceLineInline.fields


@admin.register(CreditNote)
class CreditNoteAdmin(IssuedDocumentAdmin):
    """A credit note is issued when created: never changed or deleted here, and not added
    here either (the app prices and numbers it)."""

    list_display = ("number", "invoice", "buyer_name", "grand_total", "issue_date", "workspace")
    search_fields = ("number", "buyer_name", "invoice__number")
    list_select_related = ("workspace", "invoice")
    inlines = (CreditNoteLineInline,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Receipt)
class ReceiptAdmin(IssuedDocumentAdmin):
    list_display = ("number", "received_from", "amount", "issue_date", "workspace")
    search_fields = ("number", "received_from")
    list_select_related = ("workspace",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("paid_on", "amount", "method", "invoice", "quotation", "cancelled_at", "workspace")
    list_filter = ("method",)
    search_fields = ("reference", "invoice__number")
    list_select_related = ("workspace", "invoice", "quotation")
    raw_id_fields = ("workspace", "contact", "invoice", "quotation", "bank_account", "created_by")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a payment is cancelled in the app, with a reason, never deleted


@admin.register(Deal)
class DealAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("title", "stage", "value", "contact", "owner", "workspace")
    list_filter = ("stage",)
    search_fields = ("title",)
    list_select_related = ("workspace", "contact", "owner")
    raw_id_fields = ("workspace", "contact", "owner", "close_reason", "created_by")
