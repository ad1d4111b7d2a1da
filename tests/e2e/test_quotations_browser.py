"""The quotation screen in a real browser (Playwright, Debian Chromium): the line editor
(lines.js) fills a line from a product, adds and removes rows in place; the quotation is
saved, shared as a link, and accepted by the buyer on the public page."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest

from relasi.accounts.enums import Role
from relasi.accounts.models import Membership, User, Workspace
from relasi.contacts.models import Contact
from relasi.sales.enums import QuotationStatus
from relasi.sales.models import Product, Quotation
from relasi.sales.profile import sales_profile_get

pytestmark = pytest.mark.browser

PASSWORD = "rahasia-sekali-123"


@pytest.fixture
def hero(transactional_db: None) -> tuple[Workspace, User, Contact]:
    workspace = Workspace.objects.create(name="Toko Hadiah Hero", slug="hero")
    user = User.objects.create_user(
        email="sales@hero.test", password=PASSWORD, full_name="Sales Hero", language="en"
    )
    Membership.objects.create(user=user, workspace=workspace, role=Role.SALES)
    profile = sales_profile_get(workspace=workspace)
    profile.is_pkp = True
    profile.legal_name = "PT Hadiah Hero Nusantara"
    profile.save()
    buyer = Contact.objects.create(workspace=workspace, full_name="Budi Santoso", phone="+6281234567890")
    Product.objects.create(
        workspace=workspace,
        sku="HMP-001",
        name="Parsel Lebaran Premium",
        unit="paket",
        price=Decimal("1000000"),
    )
    return workspace, user, buyer


def test_write_share_and_accept_a_quotation(
    page: Any,
    browser: Any,
    live_server: Any,
    hero: tuple[Workspace, User, Contact],
) -> None:
    _workspace, _user, buyer = hero
    base = live_server.url
    page.goto(f"{base}/w/hero/penjualan/penawaran/baru/")
    page.get_by_label("Email").fill("sales@hero.test")
    page.get_by_label(re.compile("Kata sandi|Password")).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Masuk|Sign in")).click()
    page.wait_for_url(re.compile(r"/penawaran/baru/$"))

    # the customer from the picker; a product fills the first line
    page.get_by_label("Customer").fill(f"Budi Santoso (#{buyer.pk})")
    page.get_by_label("Product, line 1").select_option(label="HMP-001 · Parsel Lebaran Premium")
    assert page.get_by_label("Description, line 1").input_value() == "Parsel Lebaran Premium"
    assert page.get_by_label("Unit price, line 1").input_value() == "1.000.000"
    page.get_by_label("Quantity, line 1").fill("2")

    # "Add line" adds a row in place (no round trip); × removes one
    rows = page.locator("[data-line-row]")
    before = rows.count()
    page.get_by_role("button", name="Add line").click()
    assert rows.count() == before + 1
    assert page.url.endswith("/penawaran/baru/")
    new_row = rows.nth(before)
    new_row.locator("[data-field=description]").fill("Kartu ucapan")
    new_row.locator("[data-field=quantity]").fill("10")
    new_row.locator("[data-field=unit_price]").fill("5.000")
    rows.nth(1).locator(".line-remove-button").click()
    assert rows.count() == before

    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r"/penawaran/\d+/$"))
    # 2 × 1.000.000 + 10 × 5.000 = 2.050.000; PPN 12% × 11/12 = 225.500
    assert page.get_by_test_id("quotation-total").inner_text().startswith("Rp2.275.500")
    quotation = Quotation.objects.get()
    assert quotation.lines.count() == 2

    # shared as a link; the buyer opens it and accepts
    page.get_by_role("button", name="Mark sent and get the link").click()
    public_url = page.get_by_test_id("public-link").input_value()
    assert quotation.public_token in public_url
    buyer_context = browser.new_context(locale="id-ID")
    buyer_page = buyer_context.new_page()
    buyer_page.goto(f"{base}/d/penawaran/{quotation.public_token}/")
    accept = buyer_page.get_by_test_id("public-accept")
    accept.locator("input[name=accept-name]").fill("Budi Santoso")
    accept.locator("input[name=accept-po_number]").fill("PO-2026-77")
    accept.locator("button[type=submit]").click()
    buyer_page.wait_for_selector("[data-testid=public-answer]")
    assert "Budi Santoso" in buyer_page.get_by_test_id("public-answer").inner_text()
    buyer_context.close()
    quotation.refresh_from_db()
    assert quotation.status == QuotationStatus.ACCEPTED
    assert quotation.customer_po_number == "PO-2026-77"
    assert quotation.viewed_at is not None
