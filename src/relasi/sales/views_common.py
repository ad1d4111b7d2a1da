"""What several sales pages share: query-string helpers, links to pages of areas that may not
be wired in, and the line editor of priced documents (quotations, orders, invoices)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.urls import NoReverseMatch, reverse

from relasi.accounts.decorators import WorkspaceRequest
from relasi.core.exceptions import ApplicationError
from relasi.sales.forms_quotations import LineRows, money_text, tax_treatment_choices
from relasi.sales.models import Product
from relasi.web.forms import apply_errors

PRODUCT_CHOICES = 300  # products offered in a line's select; more are found by search (JS)

T = TypeVar("T")


def int_or_none(raw: str | None) -> int | None:
    """A positive whole number from a query or form value, else ``None``."""
    text = (raw or "").strip()
    return int(text) if text.isdigit() else None


def url_or_none(name: str, *args: Any) -> str | None:
    """The URL of ``name``, or ``None`` when that page is not wired in (no dead link)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def line_editor_context(request: WorkspaceRequest, rows: LineRows, *, extra_blank: int) -> dict[str, Any]:
    """The context of ``sales/_lines_editor.html``: the rows with their errors, the products
    offered in each row's select, the tax treatments and the product search URL
    (``sales:product_search``) when the catalogue area is wired in."""
    products = list(
        Product.objects.filter(workspace=request.workspace, is_active=True).order_by("name")[:PRODUCT_CHOICES]
    )
    for product in products:
        product.price_text = money_text(product.price)  # type: ignore[attr-defined]
    return {
        "line_rows": rows.display(extra_blank=extra_blank),
        "lines_error": rows.general_error,
        "has_line_errors": bool(rows.general_error) or any(row.errors for row in rows.rows),
        "products": products,
        "tax_treatments": tax_treatment_choices(),
        "product_search_url": url_or_none("sales:product_search", request.workspace.slug),
        "contact_options_url": url_or_none("sales:quotation_contact_options", request.workspace.slug),
    }


def lines_form_submit(
    request: WorkspaceRequest, form: forms.Form, rows: LineRows, save: Callable[[], T]
) -> tuple[T | None, int]:
    """Run ``save`` for a valid POST (not "add line"); service errors go back on the form
    and the rows. Returns (result or None, extra blank rows to show)."""
    if request.method != "POST":
        return None, 3
    if "add_line" in request.POST:
        form.is_valid()
        return None, 1
    if not form.is_valid():
        return None, 1
    try:
        return save(), 0
    except ApplicationError as error:
        rest = rows.apply_errors(error)
        if rest or not error.fields:
            error.fields = dict(rest)
            apply_errors(form, error)
        return None, 1
