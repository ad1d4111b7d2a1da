"""Documents as PDF (``sales.pdf``, ``sales.views_paper``): the text WeasyPrint puts on paper,
storing and serving issued documents, the member and public download links.

The PDF's text is read back with pypdf; expected figures come from the rules (R6: Rp1.000.000
at PPN 12% × 11/12 is PPN Rp110.000; R12: stamp duty strictly above Rp5.000.000; R35: QRIS up
to Rp10.000.000; §1.6: 21.978.000 in words).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.contacts.models import Contact
from relasi.sales import pdf as pdf_module
from relasi.sales.enums import InvoiceStatus, QuotationKind, QuotationStatus
from relasi.sales.models import BankAccount, Invoice, SalesProfile
from relasi.sales.pdf import PdfResourceRefused, pdf_filename, pdf_render, pdf_render_later, pdf_store
from relasi.sales.tasks_pdf import document_pdf_render_task
from tests.sales.test_paper import (
    make_credit_note,
    make_invoice,
    make_quotation,
    make_receipt,
    make_sales_order,
    qris_payload,
)


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


def pdf_text(content: bytes) -> str:
    """All the text of a PDF, whitespace collapsed."""
    reader = PdfReader(io.BytesIO(content))
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    return re.sub(r"\s+", " ", text)


@pytest.fixture
def render_count(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count WeasyPrint renders made through ``pdf.pdf_render``."""
    calls: list[int] = []
    real = pdf_module.pdf_render

    def counting(*, document: Any) -> bytes:
        calls.append(document.pk)
        return real(document=document)

    monkeypatch.setattr(pdf_module, "pdf_render", counting)
    return calls


def pdf_url(document: Any, slug: str = "hero") -> str:
    return reverse("sales:document_pdf", args=[slug, document.document_type, document.pk])


# What is on paper ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_pkp_invoice_pdf(profile: SalesProfile, buyer: Contact, bank_account: BankAccount) -> None:
    invoice = make_invoice(profile.workspace, buyer)

    text = pdf_text(pdf_render(document=invoice))

    assert "INVOICE / FAKTUR PENJUALAN" in text
    assert "INV/0001/I/2025" in text
    assert "Budi Santoso" in text
    assert "PPN 12% Rp110.000" in text  # R6: 12% × 11/12 × Rp1.000.000
    assert "Total Rp1.110.000" in text
    assert "31 Januari 2025" in text
    assert "BCA 1234567890 a.n. PT Hadiah Hero Nusantara" in text


@pytest.mark.django_db
def test_non_pkp_invoice_pdf_has_no_ppn(non_pkp_profile: SalesProfile, buyer: Contact) -> None:
    text = pdf_text(pdf_render(document=make_invoice(non_pkp_profile.workspace, buyer)))

    assert "PPN" not in text
    assert "Total Rp1.000.000" in text


@pytest.mark.django_db
def test_proforma_pdf(profile: SalesProfile, buyer: Contact) -> None:
    quotation = make_quotation(profile.workspace, buyer, kind=QuotationKind.PROFORMA)

    text = pdf_text(pdf_render(document=quotation))

    assert "PROFORMA INVOICE" in text
    assert "PI/0001/I/2025" in text
    assert "Dokumen ini bukan faktur pajak dan bukan bukti pembayaran." in text
    assert "No. Faktur Pajak" not in text
    assert "Berlaku hingga 14 Februari 2025" in text


@pytest.mark.django_db
def test_kwitansi_pdf(non_pkp_profile: SalesProfile, buyer: Contact) -> None:
    """R11 and the reference's §1.6 example: 21.978.000 in words, KBBI spelling."""
    receipt = make_receipt(non_pkp_profile.workspace, buyer, amount="21978000")

    text = pdf_text(pdf_render(document=receipt))

    assert "KWITANSI" in text
    assert "KW/0001/I/2025" in text
    assert "Telah terima dari Budi Santoso" in text
    assert "Uang sejumlah Dua puluh satu juta sembilan ratus tujuh puluh delapan ribu rupiah" in text
    assert "Untuk pembayaran Pelunasan invoice" in text
    assert "Rp21.978.000,00" in text
    assert "Bandung, 31 Januari 2025" in text
    assert "Elok Pratiwi" in text
    assert "Meterai Rp10.000" in text


@pytest.mark.django_db
@pytest.mark.parametrize(("amount", "stamp"), [("5000001", True), ("5000000", False)])
def test_kwitansi_meterai_strictly_above_five_million(
    non_pkp_profile: SalesProfile, buyer: Contact, amount: str, stamp: bool
) -> None:
    receipt = make_receipt(non_pkp_profile.workspace, buyer, amount=amount, words="Lima juta rupiah")

    assert ("Meterai" in pdf_text(pdf_render(document=receipt))) is stamp


@pytest.mark.django_db
@pytest.mark.parametrize(("amount", "shown"), [("9000000", True), ("10000001", False)])
def test_qris_on_the_pdf_up_to_ten_million(
    non_pkp_profile: SalesProfile, buyer: Contact, bank_account: BankAccount, amount: str, shown: bool
) -> None:
    non_pkp_profile.qris_payload = qris_payload()
    non_pkp_profile.save()
    invoice = make_invoice(non_pkp_profile.workspace, buyer, amounts=[amount])

    text = pdf_text(pdf_render(document=invoice))

    assert ("QRIS Rp9.000.000" in text) is shown
    assert ("pay by bank transfer" in text or "transfer bank" in text) is not shown
    assert "BCA 1234567890" in text  # bank transfer always shown


@pytest.mark.django_db
def test_void_and_paid_invoice_pdfs(profile: SalesProfile, buyer: Contact) -> None:
    paid = make_invoice(profile.workspace, buyer, status=InvoiceStatus.PAID)
    void = make_invoice(profile.workspace, buyer, number="INV/0002/I/2025")
    void.status = InvoiceStatus.VOID
    void.void_reason = "Salah alamat"
    void.save(update_fields=["status", "void_reason", "updated_at"])

    assert "LUNAS" in pdf_text(pdf_render(document=paid))
    void_text = pdf_text(pdf_render(document=void))
    assert "BATAL" in void_text
    assert "Salah alamat" in void_text


@pytest.mark.django_db
def test_sales_order_and_credit_note_pdfs(profile: SalesProfile, buyer: Contact) -> None:
    order = make_sales_order(profile.workspace, buyer, customer_po_number="PO-778")
    note = make_credit_note(make_invoice(profile.workspace, buyer))

    order_text = pdf_text(pdf_render(document=order))
    note_text = pdf_text(pdf_render(document=note))

    assert "PESANAN PENJUALAN / SALES ORDER" in order_text
    assert "PO-778" in order_text
    assert "NOTA KREDIT" in note_text
    assert "INV/0001/I/2025" in note_text
    assert "Dua paket rusak saat pengiriman" in note_text


@pytest.mark.django_db
def test_logo_from_storage_is_embedded(profile: SalesProfile, buyer: Contact) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), (11, 92, 173)).save(buffer, format="PNG")
    profile.logo.save("hero.png", ContentFile(buffer.getvalue()), save=True)

    reader = PdfReader(io.BytesIO(pdf_render(document=make_invoice(profile.workspace, buyer))))

    assert len(reader.pages[0].images) == 1


def test_the_fetcher_refuses_the_network() -> None:
    fetcher = pdf_module._fetcher()

    with pytest.raises(PdfResourceRefused):
        fetcher.fetch("https://example.com/font.woff2")
    with pytest.raises(PdfResourceRefused):
        fetcher.fetch("file:///etc/passwd")
    with pytest.raises(PdfResourceRefused):
        fetcher.fetch(pdf_module.PAPER_BASE_URL + "media/../../etc/passwd")
    assert b".paper" in fetcher.fetch(pdf_module.PAPER_BASE_URL + "static/sales/paper.css").read()


def test_filename_replaces_slashes() -> None:
    assert pdf_filename(Invoice(number="INV/0001/I/2025")) == "INV-0001-I-2025.pdf"


# Storing and serving ------------------------------------------------------------------------


@pytest.mark.django_db
def test_issued_invoice_is_served_from_storage(
    profile: SalesProfile,
    buyer: Contact,
    owner: User,
    client_as: Callable[[User], Client],
    render_count: list[int],
) -> None:
    invoice = make_invoice(profile.workspace, buyer)
    client = client_as(owner)

    first = client.get(pdf_url(invoice))
    invoice.refresh_from_db()
    rendered_at = invoice.pdf_rendered_at
    second = client.get(pdf_url(invoice))

    assert first.status_code == 200
    assert first["Content-Type"] == "application/pdf"
    assert first["Content-Disposition"] == 'inline; filename="INV-0001-I-2025.pdf"'
    assert second.content == first.content
    assert render_count == [invoice.pk]  # rendered once, then served from storage
    invoice.refresh_from_db()
    assert invoice.pdf_rendered_at == rendered_at
    assert invoice.pdf.name == f"documents/invoices/{profile.workspace_id}/INV-0001-I-2025.pdf"
    assert default_storage.exists(invoice.pdf.name)


@pytest.mark.django_db
def test_a_paid_invoice_gets_a_fresh_pdf_with_lunas(
    profile: SalesProfile,
    buyer: Contact,
    owner: User,
    client_as: Callable[[User], Client],
    render_count: list[int],
) -> None:
    invoice = make_invoice(profile.workspace, buyer)
    pdf_store(document=invoice)
    invoice.refresh_from_db()
    invoice.status = InvoiceStatus.PAID
    invoice.amount_paid = invoice.grand_total
    invoice.save(update_fields=["status", "amount_paid", "updated_at"])
    # Paid a while after the render (a queryset update: auto_now would write "now").
    assert invoice.pdf_rendered_at is not None
    Invoice.objects.filter(pk=invoice.pk).update(
        updated_at=invoice.pdf_rendered_at + pdf_module.STALE_AFTER * 5
    )

    response = client_as(owner).get(pdf_url(invoice))

    assert render_count == [invoice.pk, invoice.pk]
    assert "LUNAS" in pdf_text(response.content)


@pytest.mark.django_db
def test_quotation_pdf_is_rendered_on_request_and_kept_until_it_changes(
    profile: SalesProfile,
    buyer: Contact,
    owner: User,
    client_as: Callable[[User], Client],
    render_count: list[int],
) -> None:
    quotation = make_quotation(profile.workspace, buyer)
    client = client_as(owner)

    client.get(pdf_url(quotation))
    response = client.get(pdf_url(quotation))

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'inline; filename="PI-0001-I-2025.pdf"'
    assert render_count == [quotation.pk]  # the reload came from the cache
    quotation.notes = "Harga termasuk kartu ucapan."
    quotation.save()  # a change: the next request renders again
    client.get(pdf_url(quotation))
    assert render_count == [quotation.pk, quotation.pk]


@pytest.mark.django_db
def test_draft_invoice_is_rendered_not_stored(
    profile: SalesProfile, buyer: Contact, owner: User, client_as: Callable[[User], Client]
) -> None:
    invoice = make_invoice(profile.workspace, buyer, status=InvoiceStatus.DRAFT)

    response = client_as(owner).get(pdf_url(invoice))

    assert response.status_code == 200
    assert "DRAF" in pdf_text(response.content)
    invoice.refresh_from_db()
    assert not invoice.pdf
    assert invoice.pdf_rendered_at is None


@pytest.mark.django_db
def test_credit_note_and_receipt_are_stored(
    profile: SalesProfile, buyer: Contact, owner: User, client_as: Callable[[User], Client]
) -> None:
    note = make_credit_note(make_invoice(profile.workspace, buyer))
    receipt = make_receipt(profile.workspace, buyer)
    client = client_as(owner)

    assert client.get(pdf_url(note)).status_code == 200
    assert client.get(pdf_url(receipt)).status_code == 200
    note.refresh_from_db()
    receipt.refresh_from_db()
    assert note.pdf_rendered_at is not None
    assert receipt.pdf_rendered_at is not None


@pytest.mark.django_db
def test_render_task_is_idempotent(profile: SalesProfile, buyer: Contact, render_count: list[int]) -> None:
    invoice = make_invoice(profile.workspace, buyer)

    assert document_pdf_render_task("invoice", invoice.pk) is True
    assert document_pdf_render_task("invoice", invoice.pk) is False
    assert document_pdf_render_task("invoice", invoice.pk, True) is True
    assert document_pdf_render_task("invoice", 999_999) is False
    assert document_pdf_render_task("quotation", invoice.pk) is False
    assert render_count == [invoice.pk, invoice.pk]


@pytest.mark.django_db
def test_render_later_waits_for_the_commit(
    profile: SalesProfile,
    buyer: Contact,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    invoice = make_invoice(profile.workspace, buyer)
    sent: list[tuple[Any, ...]] = []
    monkeypatch.setattr(document_pdf_render_task, "delay", lambda *args: sent.append(args))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        pdf_render_later(document=invoice)
        assert sent == []
    for callback in callbacks:
        callback()

    assert sent == [("invoice", invoice.pk, False)]


# Access -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_other_workspace_document_is_404(
    profile: SalesProfile,
    buyer: Contact,
    other_workspace: Workspace,
    outsider: User,
    owner: User,
    client_as: Callable[[User], Client],
) -> None:
    theirs_buyer = Contact.objects.create(workspace=other_workspace, full_name="Orang Sebelah")
    theirs = make_invoice(other_workspace, theirs_buyer, number="INV/9999/I/2025")
    mine = make_invoice(profile.workspace, buyer)

    # Our member asks for their invoice under our workspace: not found.
    assert client_as(owner).get(pdf_url(theirs)).status_code == 404
    # Their owner asks for our invoice under their workspace, or under ours: not found.
    assert client_as(outsider).get(pdf_url(mine, slug="sebelah")).status_code == 404
    assert client_as(outsider).get(pdf_url(mine)).status_code == 404
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert not theirs.pdf
    assert not mine.pdf


@pytest.mark.django_db
@pytest.mark.parametrize("document_type", ["payment", "deal", "nothing"])
def test_unknown_document_type_is_404(
    profile: SalesProfile,
    buyer: Contact,
    owner: User,
    client_as: Callable[[User], Client],
    document_type: str,
) -> None:
    invoice = make_invoice(profile.workspace, buyer)
    url = reverse("sales:document_pdf", args=["hero", document_type, invoice.pk])

    assert client_as(owner).get(url).status_code == 404


@pytest.mark.django_db
def test_anonymous_is_sent_to_login_and_nothing_is_stored(profile: SalesProfile, buyer: Contact) -> None:
    invoice = make_invoice(profile.workspace, buyer)

    response = Client().get(pdf_url(invoice))

    assert response.status_code == 302
    assert "/akun/" in response["Location"]
    invoice.refresh_from_db()
    assert not invoice.pdf


@pytest.mark.django_db
def test_viewer_may_download(
    profile: SalesProfile,
    buyer: Contact,
    make_member: Callable[..., User],
    client_as: Callable[[User], Client],
) -> None:
    viewer = make_member(profile.workspace, Role.VIEWER)

    assert client_as(viewer).get(pdf_url(make_invoice(profile.workspace, buyer))).status_code == 200


@pytest.mark.django_db
def test_post_is_refused(
    profile: SalesProfile, buyer: Contact, owner: User, client_as: Callable[[User], Client]
) -> None:
    invoice = make_invoice(profile.workspace, buyer)

    assert client_as(owner).post(pdf_url(invoice)).status_code == 405


# Public links -------------------------------------------------------------------------------


def public_url(token: str) -> str:
    return reverse("sales:public_pdf", args=[token])


@pytest.mark.django_db
def test_public_quotation_pdf_counts_as_viewed(profile: SalesProfile, buyer: Contact) -> None:
    quotation = make_quotation(profile.workspace, buyer, status=QuotationStatus.SENT)

    response = Client().get(public_url(quotation.public_token))

    assert response.status_code == 200
    assert response["X-Robots-Tag"].startswith("noindex")
    assert "PROFORMA INVOICE" in pdf_text(response.content)
    quotation.refresh_from_db()
    assert quotation.viewed_at is not None


@pytest.mark.django_db
@pytest.mark.parametrize("status", [QuotationStatus.DRAFT, QuotationStatus.CANCELLED])
def test_public_pdf_of_a_hidden_quotation_is_404(profile: SalesProfile, buyer: Contact, status: str) -> None:
    quotation = make_quotation(profile.workspace, buyer, status=status)

    assert Client().get(public_url(quotation.public_token)).status_code == 404
    quotation.refresh_from_db()
    assert quotation.viewed_at is None


@pytest.mark.django_db
def test_public_pdf_of_invoices_and_receipts(profile: SalesProfile, buyer: Contact) -> None:
    draft = make_invoice(profile.workspace, buyer, status=InvoiceStatus.DRAFT, number="INV/0009/I/2025")
    issued = make_invoice(profile.workspace, buyer)
    receipt = make_receipt(profile.workspace, buyer)
    client = Client()

    assert client.get(public_url(draft.public_token)).status_code == 404
    issued_response = client.get(public_url(issued.public_token))
    assert issued_response.status_code == 200
    assert issued_response["X-Robots-Tag"].startswith("noindex")
    assert "INV/0001/I/2025" in pdf_text(issued_response.content)
    assert client.get(public_url(receipt.public_token)).status_code == 200


@pytest.mark.django_db
def test_public_pdf_random_token_is_404(profile: SalesProfile) -> None:
    assert Client().get(public_url("tidak-ada-token-seperti-ini")).status_code == 404
    assert Client().get(public_url("x" * 80)).status_code == 404


@pytest.mark.django_db
def test_amounts_in_the_pdf_respect_show_cents(non_pkp_profile: SalesProfile, buyer: Contact) -> None:
    non_pkp_profile.show_cents = True
    non_pkp_profile.save()
    invoice = make_invoice(non_pkp_profile.workspace, buyer, amounts=["1500000"])

    assert "Total Rp1.500.000,00" in pdf_text(pdf_render(document=invoice))
