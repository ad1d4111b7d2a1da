"""Documents as PDF: WeasyPrint renders the same paper template the pages show.

* ``pdf_render`` — the PDF bytes of any document (nothing stored).
* ``pdf_store`` — render and keep the file on an issued invoice, credit note or kwitansi, so
  it is rendered once and served from storage afterwards (DESIGN §8: render p95 < 500 ms,
  serve < 20 ms).
* ``pdf_render_later`` — the same in the worker, after the transaction commits.
* ``pdf_response`` — the HTTP answer: the stored file of an issued document (rendered first
  if missing or stale), a fresh render of a quotation, sales order or draft invoice.

WeasyPrint never touches the network: ``LocalUrlFetcher`` serves only our static files
(``paper.css``) and media files (the logo) from storage and refuses everything else.
Fonts are the system's DejaVu (installed with WeasyPrint's dependencies).
"""

from __future__ import annotations

import gc
import logging
import mimetypes
import zoneinfo
from datetime import timedelta
from functools import partial
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone, translation

from relasi.sales.enums import InvoiceStatus
from relasi.sales.models import CreditNote, Invoice, Receipt
from relasi.sales.paper import PaperDocument, paper_context

logger = logging.getLogger(__name__)

#: A base URL that is never fetched: relative and root-relative URLs in the paper resolve
#: under it and ``LocalUrlFetcher`` maps them to files.
PAPER_BASE_URL = "https://relasi.invalid/"

#: A stored PDF older than the document's last change by more than this is stale (the
#: document was paid or voided after the render: LUNAS / BATAL must show).
STALE_AFTER = timedelta(seconds=1)

_fetcher_class: Any = None


class PdfResourceRefused(Exception):
    """The paper asked WeasyPrint for something that is not a local static or media file."""


def _local_file(url: str) -> tuple[bytes, str]:
    """The bytes and MIME type of a static or media file named by ``url`` (under
    ``PAPER_BASE_URL``, or the same path relative to it); anything else is refused."""
    parts = urlsplit(url)
    if url.startswith(PAPER_BASE_URL):
        path = unquote(parts.path)
    else:
        raise PdfResourceRefused(url)
    if ".." in path.split("/"):
        raise PdfResourceRefused(url)
    mime = mimetypes.guess_type(path)[0] or "application/octet-stream"
    static_prefix = urlsplit(settings.STATIC_URL).path
    media_prefix = urlsplit(settings.MEDIA_URL).path
    if path.startswith(static_prefix):
        name = path.removeprefix(static_prefix)
        if staticfiles_storage.exists(name):  # collected (hashed names in production)
            with staticfiles_storage.open(name, "rb") as handle:
                return handle.read(), mime
        found = finders.find(name)  # development and tests: the app's static folder
        if not found:
            raise PdfResourceRefused(url)
        with open(found if isinstance(found, str) else found[0], "rb") as handle:
            return handle.read(), mime
    if path.startswith(media_prefix):
        name = path.removeprefix(media_prefix)
        with default_storage.open(name, "rb") as handle:
            data = handle.read()
        return (data if isinstance(data, bytes) else data.encode()), mime
    raise PdfResourceRefused(url)


def _fetcher() -> Any:
    """An instance of WeasyPrint's ``URLFetcher`` that serves local files only (the class is
    built lazily: importing WeasyPrint costs a second)."""
    global _fetcher_class
    if _fetcher_class is None:
        # WeasyPrint logs every layout step, fontTools every subset table, at INFO: one line
        # per step and per render in the app's log, and measurable time. Keep warnings.
        for name in ("weasyprint.progress", "fontTools"):
            logging.getLogger(name).setLevel(logging.WARNING)
        from weasyprint.urls import URLFetcher, URLFetcherResponse  # type: ignore[import-untyped]

        class LocalUrlFetcher(URLFetcher):  # type: ignore[misc]
            """Serve ``data:`` URLs and our static/media files; refuse the network."""

            def fetch(self, url: str, headers: Any = None) -> Any:
                if url.startswith("data:"):
                    return super().fetch(url, headers)
                data, mime = _local_file(url)
                return URLFetcherResponse(url, body=data, headers={"Content-Type": mime})

        _fetcher_class = LocalUrlFetcher
    return _fetcher_class(allowed_protocols=("https", "data"), fail_on_errors=False)


def pdf_html(*, document: PaperDocument) -> str:
    """The full HTML document WeasyPrint renders: ``sales/paper/pdf.html`` around the
    document's paper template, in Indonesian and the workspace's time zone. ``paper_pdf``
    tells the fragment not to link its stylesheets (``pdf_render`` passes them parsed)."""
    workspace = document.workspace
    with (
        translation.override(settings.LANGUAGE_CODE),
        timezone.override(zoneinfo.ZoneInfo(workspace.timezone)),
    ):
        context = paper_context(document=document)
        context["paper_pdf"] = True
        return render_to_string("sales/paper/pdf.html", context)


_stylesheet_cache: dict[str, tuple[bytes, Any]] = {}


def _paper_stylesheet() -> Any:
    """``paper.css`` parsed once per process (parsing costs ~15 ms a render), re-parsed when
    the file changes. Read like any other resource, through ``LocalUrlFetcher``."""
    from weasyprint import CSS  # type: ignore[import-untyped]

    url = PAPER_BASE_URL + urlsplit(settings.STATIC_URL).path.lstrip("/") + "sales/paper.css"
    source, _mime = _local_file(url)
    cached = _stylesheet_cache.get(url)
    if cached is None or cached[0] != source:
        stylesheet = CSS(string=source.decode("utf-8"), base_url=url, url_fetcher=_fetcher())
        cached = (source, stylesheet)
        _stylesheet_cache[url] = cached
    return cached[1]


def pdf_render(*, document: PaperDocument) -> bytes:
    """The document as a PDF (A4). Nothing is stored and nothing is fetched from the network.

    The cyclic garbage collector is paused while WeasyPrint lays out the page: its layout
    allocates hundreds of thousands of objects and would otherwise trigger several full
    collections per render, each walking the whole live layout (~100 ms spikes, the p95 of
    DESIGN §8). The garbage is collected as usual once the render is done."""
    from weasyprint import HTML  # type: ignore[import-untyped]

    html = pdf_html(document=document)
    stylesheet = _paper_stylesheet()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        pdf: bytes = HTML(string=html, base_url=PAPER_BASE_URL, url_fetcher=_fetcher()).write_pdf(
            stylesheets=[stylesheet]
        )
    finally:
        if was_enabled:
            gc.enable()
    return pdf


def pdf_filename(document: PaperDocument) -> str:
    """``INV-0001-I-2026.pdf``: the number with ``/`` (and anything unsafe) replaced by ``-``."""
    number = getattr(document, "number", "") or f"{document.document_type}-{document.pk}"
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in number)
    return f"{safe.strip('.') or document.pk}.pdf"


def pdf_is_stored_kind(document: PaperDocument) -> bool:
    """Issued invoices, credit notes and kwitansi keep their PDF; the rest render on demand."""
    if isinstance(document, Invoice):
        return document.status != InvoiceStatus.DRAFT
    return isinstance(document, CreditNote | Receipt)


def pdf_is_current(document: CreditNote | Invoice | Receipt) -> bool:
    """True when a stored PDF exists and the document has not changed since it was rendered
    (``pdf_store`` writes ``updated_at`` just after ``pdf_rendered_at``)."""
    if not document.pdf or document.pdf_rendered_at is None:
        return False
    return document.updated_at <= document.pdf_rendered_at + STALE_AFTER


def pdf_store(*, document: CreditNote | Invoice | Receipt) -> None:
    """Render the document and keep the file (``documents/<type>/<workspace id>/<number>.pdf``,
    replacing an earlier render), stamping ``pdf_rendered_at``. Only the PDF columns are
    saved: they stay writable on issued documents (``INVOICE_MUTABLE_AFTER_ISSUE`` and the
    immutability triggers)."""
    content = pdf_render(document=document)
    if document.pdf:
        document.pdf.delete(save=False)
    name = f"{document.workspace_id}/{pdf_filename(document)}"
    document.pdf.save(name, ContentFile(content), save=False)
    document.pdf_rendered_at = timezone.now()
    document.save(update_fields=["pdf", "pdf_rendered_at", "updated_at"])


def pdf_render_later(*, document: CreditNote | Invoice | Receipt, force: bool = False) -> None:
    """Render and store the PDF in the worker once the current transaction commits. Call it
    from the service that issues (or pays, voids) the document; ``force`` re-renders even a
    current file."""
    from relasi.sales.tasks_pdf import document_pdf_render_task

    transaction.on_commit(
        partial(
            document_pdf_render_task.delay,
            str(document.document_type),
            document.pk,
            force,
        )
    )


# A quotation's or order's PDF is rendered on request (it is not issued, so not stored). The
# public link can be opened many times: keep the bytes for a while, keyed on the document's
# last change and the language, so a change shows at once and a reload costs nothing.
UNSTORED_PDF_CACHE_SECONDS = 600


def _pdf_cached(document: PaperDocument) -> bytes:
    key = ":".join(
        (
            "pdf",
            type(document).__name__,
            str(document.pk),
            document.updated_at.isoformat(),
            translation.get_language() or "",
        )
    )
    content = cache.get(key)
    if not isinstance(content, bytes):
        content = pdf_render(document=document)
        cache.set(key, content, UNSTORED_PDF_CACHE_SECONDS)
    return content


def pdf_bytes(*, document: PaperDocument) -> bytes:
    """The document's PDF. Issued invoices, credit notes and kwitansi come from storage
    (rendered and stored first when missing or stale); quotations, sales orders and draft
    invoices are rendered on the fly (cached for a while)."""
    if pdf_is_stored_kind(document):
        assert isinstance(document, CreditNote | Invoice | Receipt)
        if not pdf_is_current(document):
            pdf_store(document=document)
        with document.pdf.open("rb") as handle:
            return bytes(handle.read())
    return _pdf_cached(document)


def pdf_response(*, document: PaperDocument, request: HttpRequest) -> HttpResponse:
    """The PDF for the browser, shown inline (``pdf_bytes``)."""
    content = pdf_bytes(document=document)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{pdf_filename(document)}"'
    response["Content-Length"] = str(len(content))
    response["X-Content-Type-Options"] = "nosniff"
    return response
