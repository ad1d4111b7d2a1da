"""Purchases from the sales app: paid invoices and receipts become ``Purchase`` rows.

``purchases_sync`` is idempotent and can run any time (the refresh runs it first):

* a **paid invoice** is one purchase on its invoice date, worth its total less credit notes,
  with its discount and, as category, the product of its largest line;
* a **receipt** (kwitansi) counts only for a payment not tied to an invoice — a deposit on a
  proforma that has not become an invoice yet. When the invoice comes, the deposit is part
  of it and the receipt's purchase is removed, so nothing is counted twice;
* a purchase whose document no longer qualifies (a cancelled payment) is removed;
* purchases of a merged customer follow the merge to the surviving customer.

Every writer of purchases updates the totals of the customers it touched
(``totals.purchase_totals_rebuild``) in the same transaction: ``purchases_add`` for new rows
(imports, demo data, tests), ``purchases_sync`` for the sales documents.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import CharField, OuterRef, Subquery
from django.db.models.functions import Cast

from relasi.accounts.models import Workspace
from relasi.analytics.enums import PurchaseSource
from relasi.analytics.models import Purchase
from relasi.analytics.totals import purchase_totals_rebuild
from relasi.contacts.models import Contact
from relasi.sales.enums import InvoiceStatus
from relasi.sales.models import Invoice, InvoiceLine, Receipt

BATCH = 2000


def _invoice_categories(invoice_ids: list[int]) -> dict[int, str]:
    """The product (or description) of each invoice's largest line."""
    best: dict[int, tuple[object, str]] = {}
    lines = InvoiceLine.objects.filter(invoice_id__in=invoice_ids).values_list(
        "invoice_id", "total", "product__name", "description", "id"
    )
    for invoice_id, total, product_name, description, _line_id in lines.order_by("invoice_id", "id"):
        name = (product_name or description or "")[:80]
        current = best.get(invoice_id)
        if current is None or total > current[0]:  # type: ignore[operator]
            best[invoice_id] = (total, name)
    return {invoice_id: name for invoice_id, (_, name) in best.items()}


@transaction.atomic
def purchases_add(*, workspace: Workspace, purchases: list[Purchase], ignore_conflicts: bool = False) -> int:
    """Store new purchases (all of one workspace) and update their customers' totals; returns
    the rows given. ``ignore_conflicts`` skips a purchase already stored (same source and
    reference) instead of failing."""
    Purchase.objects.bulk_create(purchases, batch_size=BATCH, ignore_conflicts=ignore_conflicts)
    purchase_totals_rebuild(workspace=workspace, contact_ids={p.contact_id for p in purchases})
    return len(purchases)


def _contacts_of(workspace: Workspace, source: str, refs: list[str]) -> set[int]:
    """The customers the stored purchases of these documents belong to now."""
    stored = Purchase.objects.filter(workspace=workspace, source=source, source_ref__in=refs)
    return set(stored.values_list("contact_id", flat=True))


@transaction.atomic
def purchases_sync(*, workspace: Workspace, since: dt.datetime | None = None) -> int:
    """Bring the purchases in line with the sales documents; returns the rows written.

    ``since`` limits the invoices and receipts read to those changed after it (the previous
    refresh); the removals and the merge follow-up always look at everything, cheaply.
    """
    written = 0
    touched: set[int] = set()  # customers whose totals change
    invoices = Invoice.objects.filter(workspace=workspace, status=InvoiceStatus.PAID)
    receipts = Receipt.objects.filter(
        workspace=workspace, payment__invoice__isnull=True, payment__cancelled_at__isnull=True
    )
    if since is not None:
        invoices = invoices.filter(updated_at__gte=since)
        receipts = receipts.filter(created_at__gte=since)
    invoice_rows = list(
        invoices.values_list(
            "id", "contact_id", "issue_date", "grand_total", "amount_credited", "discount_total"
        ).order_by("id")
    )
    for start in range(0, len(invoice_rows), BATCH):
        chunk = invoice_rows[start : start + BATCH]
        categories = _invoice_categories([row[0] for row in chunk])
        touched |= _contacts_of(workspace, PurchaseSource.INVOICE, [str(row[0]) for row in chunk])
        touched |= {row[1] for row in chunk}
        purchases = [
            Purchase(
                workspace=workspace,
                contact_id=contact_id,
                purchased_on=issue_date,
                amount=grand_total - credited,
                discount=discount,
                category=categories.get(invoice_id, ""),
                source=PurchaseSource.INVOICE,
                source_ref=str(invoice_id),
            )
            for invoice_id, contact_id, issue_date, grand_total, credited, discount in chunk
        ]
        Purchase.objects.bulk_create(
            purchases,
            update_conflicts=True,
            unique_fields=["workspace", "source", "source_ref"],
            update_fields=["contact", "purchased_on", "amount", "discount", "category"],
        )
        written += len(purchases)
    receipt_rows = list(receipts.values_list("id", "contact_id", "issue_date", "payment__amount"))
    touched |= {row[1] for row in receipt_rows}
    for start in range(0, len(receipt_rows), BATCH):
        refs = [str(row[0]) for row in receipt_rows[start : start + BATCH]]
        touched |= _contacts_of(workspace, PurchaseSource.RECEIPT, refs)
    receipt_purchases = [
        Purchase(
            workspace=workspace,
            contact_id=contact_id,
            purchased_on=issue_date,
            amount=amount,
            source=PurchaseSource.RECEIPT,
            source_ref=str(receipt_id),
        )
        for receipt_id, contact_id, issue_date, amount in receipt_rows
    ]
    Purchase.objects.bulk_create(
        receipt_purchases,
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["workspace", "source", "source_ref"],
        update_fields=["contact", "purchased_on", "amount"],
    )
    written += len(receipt_purchases)
    touched |= _purchases_prune(workspace=workspace)
    touched |= _purchases_follow_merges(workspace=workspace)
    if touched:
        purchase_totals_rebuild(workspace=workspace, contact_ids=touched)
    return written


def _purchases_prune(*, workspace: Workspace) -> set[int]:
    """Remove purchases whose document no longer counts; returns their customers."""
    paid = (
        Invoice.objects.filter(workspace=workspace, status=InvoiceStatus.PAID)
        .annotate(ref=Cast("id", output_field=CharField()))
        .values("ref")
    )
    gone = Purchase.objects.filter(workspace=workspace, source=PurchaseSource.INVOICE).exclude(
        source_ref__in=Subquery(paid)
    )
    touched = set(gone.values_list("contact_id", flat=True))
    gone.delete()
    standing = (
        Receipt.objects.filter(
            workspace=workspace, payment__invoice__isnull=True, payment__cancelled_at__isnull=True
        )
        .annotate(ref=Cast("id", output_field=CharField()))
        .values("ref")
    )
    gone = Purchase.objects.filter(workspace=workspace, source=PurchaseSource.RECEIPT).exclude(
        source_ref__in=Subquery(standing)
    )
    touched |= set(gone.values_list("contact_id", flat=True))
    gone.delete()
    return touched


def _purchases_follow_merges(*, workspace: Workspace) -> set[int]:
    """Move the purchases of merged customers to the survivors; returns both sides."""
    moving = Purchase.objects.filter(workspace=workspace, contact__merged_into__isnull=False)
    pairs = set(moving.values_list("contact_id", "contact__merged_into_id").distinct())
    survivor = Contact.objects.filter(pk=OuterRef("contact_id")).values("merged_into_id")
    moving.update(contact_id=Subquery(survivor))
    return {contact_id for pair in pairs for contact_id in pair if contact_id is not None}
