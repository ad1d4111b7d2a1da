"""The selling flow of issue 3 in a real browser: a proforma invoice asking a 30% deposit is
written and shared, the buyer accepts it through its public link, the deposit is paid, the
order and the invoice follow, the invoice is issued, the rest is paid, and the kwitansi's
PDF reads the amount in words.

Figures, from the rules (reference/indonesia.md §1.6, §1.11): 10 × Rp1.000.000 non-luxury
for a PKP seller → PPN 12% × 11/12 = Rp1.100.000, total Rp11.100.000; 30% deposit
Rp3.330.000; the rest Rp7.770.000 = "Tujuh juta tujuh ratus tujuh puluh ribu rupiah", above
the Rp5.000.000 stamp-duty threshold.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import Any
from urllib.parse import urlparse

import pytest
from pypdf import PdfReader

from relasi.accounts.enums import Role
from relasi.accounts.models import Membership, User, Workspace
from relasi.contacts.models import Contact
from relasi.sales.enums import InvoiceStatus, QuotationStatus
from relasi.sales.models import BankAccount, Invoice, Payment, Product, Quotation, Receipt
from relasi.sales.profile import sales_profile_get

pytestmark = pytest.mark.browser

PASSWORD = "rahasia-sekali-123"


@pytest.fixture
def shop(transactional_db: None) -> Contact:
    workspace = Workspace.objects.create(name="Toko Hadiah Hero", slug="hero", city="Bandung")
    owner = User.objects.create_user(
        email="pemilik@hero.test", password=PASSWORD, full_name="Elok Pratiwi", language="en"
    )
    Membership.objects.create(user=owner, workspace=workspace, role=Role.OWNER)
    profile = sales_profile_get(workspace=workspace)
    profile.legal_name = "PT Hadiah Hero Nusantara"
    profile.city = "Bandung"
    profile.is_pkp = True
    profile.npwp = "0013121660091000"
    profile.signatory_name = "Elok Pratiwi"
    profile.save()
    BankAccount.objects.create(
        workspace=workspace, bank_name="BCA", account_number="4371234567", account_holder=profile.legal_name
    )
    Product.objects.create(
        workspace=workspace,
        sku="PRL-001",
        name="Parsel Lebaran Premium",
        unit="paket",
        price=Decimal("1000000"),
    )
    return Contact.objects.create(
        workspace=workspace, full_name="Budi Santoso", phone="+6281234567890", email="budi@contoh.co.id"
    )


def sign_in(page: Any, base: str, next_path: str) -> None:
    page.goto(f"{base}{next_path}")
    page.get_by_label("Email").fill("pemilik@hero.test")
    page.get_by_label(re.compile("Kata sandi|Password")).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Masuk|Sign in")).click()
    page.wait_for_url(re.compile(re.escape(next_path) + "$"))


def record_payment(page: Any, amount: str) -> None:
    page.get_by_label("Amount received").fill(amount)
    page.get_by_label("Method").select_option("bank_transfer")
    account = page.get_by_label("Into account")
    account.select_option(account.locator("option", has_text="BCA").first.get_attribute("value"))
    page.get_by_role("button", name="Record payment").click()
    page.wait_for_url(re.compile(r"/pembayaran/\d+/$"))


def test_proforma_deposit_invoice_and_kwitansi(
    page: Any, browser: Any, live_server: Any, shop: Contact, celery_worker_thread: Any
) -> None:
    buyer = shop
    base = live_server.url
    sign_in(page, base, "/w/hero/penjualan/penawaran/baru/")

    # 1. A proforma asking a 30% deposit.
    page.get_by_label("Customer").fill(f"Budi Santoso (#{buyer.pk})")
    page.get_by_label("Kind").select_option("proforma")
    page.get_by_label("Product, line 1").select_option(label="PRL-001 · Parsel Lebaran Premium")
    page.get_by_label("Quantity, line 1").fill("10")
    page.get_by_label("Deposit requested").select_option("percent")
    page.get_by_label("Deposit (percent or amount)").fill("30")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r"/penawaran/\d+/$"))
    assert page.get_by_test_id("quotation-total").inner_text().startswith("Rp11.100.000")
    quotation = Quotation.objects.get()
    assert quotation.number.startswith("PI/")
    assert quotation.deposit_amount == Decimal("3330000")

    # 2. Shared as a link; the buyer accepts on the public page.
    page.get_by_role("button", name="Mark sent and get the link").click()
    public_url = page.get_by_test_id("public-link").input_value()
    buyer_context = browser.new_context(locale="id-ID")
    buyer_page = buyer_context.new_page()
    buyer_page.goto(base + urlparse(public_url).path)  # the link is built on RELASI_BASE_URL
    assert "PROFORMA INVOICE" in buyer_page.content()
    accept = buyer_page.get_by_test_id("public-accept")
    accept.locator("input[name=accept-name]").fill("Budi Santoso")
    accept.locator("input[name=accept-po_number]").fill("PO-2026-77")
    accept.locator("button[type=submit]").click()
    buyer_page.wait_for_selector("[data-testid=public-answer]")
    buyer_context.close()
    quotation.refresh_from_db()
    assert quotation.status == QuotationStatus.ACCEPTED

    # 3. The deposit is paid against the proforma.
    page.reload()
    page.get_by_test_id("record-deposit").click()
    page.wait_for_url(re.compile(r"/pembayaran/baru/"))
    record_payment(page, "3.330.000")
    deposit = Payment.objects.get()
    assert deposit.is_deposit
    assert deposit.amount == Decimal("3330000")

    # 4. Order, invoice, issue: the deposit is carried to the invoice.
    page.goto(f"{base}/w/hero/penjualan/penawaran/{quotation.pk}/")
    page.get_by_test_id("convert").click()
    page.get_by_test_id("create-invoice").click()
    page.get_by_test_id("confirm-invoice").click()
    page.get_by_test_id("issue").click()
    page.wait_for_selector("[data-testid=invoice-number]:has-text('INV/0001/')")
    invoice = Invoice.objects.get()
    assert invoice.status == InvoiceStatus.PARTIALLY_PAID
    assert page.get_by_test_id("balance-due").inner_text().startswith("Rp7.770.000")

    # 5. The rest is paid; the invoice is paid and a kwitansi is issued.
    page.get_by_test_id("record-payment").click()
    record_payment(page, "7.770.000")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    receipt = Receipt.objects.get(payment__invoice=invoice, payment__is_deposit=False)
    assert receipt.number.startswith("KW/")

    # 6. The kwitansi's PDF reads the amount in words and carries the meterai box.
    page.goto(f"{base}/w/hero/penjualan/kwitansi/{receipt.pk}/")
    pdf_href = page.get_by_test_id("receipt-pdf").get_attribute("href")
    response = page.request.get(f"{base}{pdf_href}")
    assert response.ok
    assert response.headers["content-type"] == "application/pdf"
    text = " ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(response.body())).pages)
    flat = re.sub(r"\s+", " ", text)
    assert "KWITANSI" in flat
    assert "Telah terima dari" in flat
    assert "Budi Santoso" in flat
    assert "Tujuh juta tujuh ratus tujuh puluh ribu rupiah" in flat
    assert "Rp7.770.000" in flat
    assert "Meterai" in flat or "METERAI" in flat
