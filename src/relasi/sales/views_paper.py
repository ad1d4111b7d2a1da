"""PDF downloads: a workspace member's (``sales:document_pdf``) and the buyer's public link
(``sales:public_pdf``). Thin: look the document up, answer with ``pdf.pdf_response``."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from relasi.accounts.decorators import WorkspaceRequest, workspace_view
from relasi.accounts.permissions import Perm
from relasi.sales.models import Quotation
from relasi.sales.paper import paper_document_by_token, paper_document_get
from relasi.sales.pdf import pdf_response


@require_GET
@workspace_view(Perm.SALES_VIEW)
def document_pdf_view(request: WorkspaceRequest, document_type: str, document_id: int) -> HttpResponse:
    """The PDF of one of the workspace's documents (404 for another workspace's)."""
    document = paper_document_get(
        workspace=request.workspace, document_type=document_type, document_id=document_id
    )
    response = pdf_response(document=document, request=request)
    response["Cache-Control"] = "private, no-cache"
    return response


@require_GET
def public_pdf_view(request: HttpRequest, token: str) -> HttpResponse:
    """The buyer's PDF behind a public link (no login). Opening a quotation's PDF counts as
    the buyer viewing it (first time only)."""
    document = paper_document_by_token(token=token)
    if isinstance(document, Quotation) and document.viewed_at is None:
        from relasi.sales.services_quotations import quotation_view_record

        quotation_view_record(quotation=document)
    response = pdf_response(document=document, request=request)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response
