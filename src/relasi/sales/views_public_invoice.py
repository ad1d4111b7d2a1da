"""The buyer's public page of an issued invoice: ``/d/faktur/<token>/``, no sign-in. The
paper, a PDF link and how to pay. Drafts are never public (404)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from relasi.sales import selectors_invoices
from relasi.sales.enums import OPEN_INVOICE_STATUSES
from relasi.sales.paper import paper_context
from relasi.sales.profile import bank_accounts_active, sales_profile_get


@require_GET
def public_invoice_view(request: HttpRequest, token: str) -> HttpResponse:
    invoice = selectors_invoices.invoice_get_public(token=token)
    if invoice is None:
        raise Http404(_("This link is not valid."))
    context: dict[str, Any] = paper_context(document=invoice)
    pdf_url = reverse("sales:public_pdf", args=[token])
    payable = invoice.status in OPEN_INVOICE_STATUSES
    context.update(
        {
            "invoice": invoice,
            "seller": sales_profile_get(workspace=invoice.workspace),
            "accounts": bank_accounts_active(workspace=invoice.workspace) if payable else [],
            "payable": payable,
            "pdf_url": pdf_url,
            "has_paper": paper_context is not None,
            "invoice_lines": list(invoice.lines.all()),
        }
    )
    response = render(request, "sales/public_invoice.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"  # the token must not leak to other sites
    response["Cache-Control"] = "private, no-store"
    return response
