"""Reads of the catalogue, always scoped to the workspace."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from relasi.accounts.models import Workspace
from relasi.sales.enums import ProductKind
from relasi.sales.models import CreditNoteLine, InvoiceLine, Product, QuotationLine, SalesOrderLine

SEARCH_LIMIT = 20


@dataclass(frozen=True)
class ProductFilters:
    q: str = ""
    active: bool | None = True  # None: active and inactive
    kind: str = ""  # "goods", "service" or "" for both


def product_filters_from(params: Any) -> ProductFilters:
    """Filters from a query string (``?q=&active=1|0|all&kind=``); unknown values are ignored.
    Default: active products only."""
    active_text = str(params.get("active", "") or "").lower()
    active: bool | None = True
    if active_text in ("0", "false", "no", "inactive"):
        active = False
    elif active_text in ("all", "semua", "any"):
        active = None
    kind = str(params.get("kind", "") or "")
    return ProductFilters(
        q=str(params.get("q", "") or "").strip()[:200],
        active=active,
        kind=kind if kind in ProductKind.values else "",
    )


def product_list(*, workspace: Workspace, filters: ProductFilters | None = None) -> QuerySet[Product]:
    """The workspace's products, searched by SKU or name (case-insensitive, each word must
    match), filtered by active and kind. Ordered newest first (keyset pages by ``-id``)."""
    filters = filters or ProductFilters()
    rows = Product.objects.filter(workspace=workspace)
    for word in filters.q.split()[:5]:
        rows = rows.filter(Q(sku__icontains=word) | Q(name__icontains=word))
    if filters.active is not None:
        rows = rows.filter(is_active=filters.active)
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    return rows.order_by("-id")


def product_get(*, workspace: Workspace, product_id: int) -> Product | None:
    return Product.objects.filter(workspace=workspace, pk=product_id).first()


def product_search(*, workspace: Workspace, q: str, limit: int = SEARCH_LIMIT) -> list[dict[str, Any]]:
    """Active products for a line editor's autocomplete: an exact SKU first, then SKU
    prefixes, then names containing the words. Money as a decimal string."""
    q = q.strip()[:100]
    rows = Product.objects.filter(workspace=workspace, is_active=True)
    for word in q.split()[:5]:
        rows = rows.filter(Q(sku__icontains=word) | Q(name__icontains=word))
    products = list(
        rows.order_by("name", "id").only("id", "sku", "name", "unit", "price", "tax_treatment", "kind")[
            : limit * 3
        ]
    )
    lowered = q.lower()

    def rank(p: Product) -> tuple[int, str]:
        sku = p.sku.lower()
        return (0 if sku == lowered else 1 if sku.startswith(lowered) else 2, p.name.lower())

    products.sort(key=rank)
    return [
        {
            "id": p.pk,
            "sku": p.sku,
            "name": p.name,
            "unit": p.unit,
            "price": f"{p.price:.2f}",
            "tax_treatment": p.tax_treatment,
            "kind": p.kind,
        }
        for p in products[:limit]
    ]


def product_is_used(*, product: Product) -> bool:
    """True when any document line refers to the product."""
    return any(
        model.objects.filter(product=product).exists()
        for model in (QuotationLine, SalesOrderLine, InvoiceLine, CreditNoteLine)
    )
