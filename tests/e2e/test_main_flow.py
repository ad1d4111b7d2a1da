"""The main flow of issue 2 in a real browser: sign in, create a customer with phone
0812-3456-7890, find it by typing 62812, import a CSV with one bad row, merge two duplicates,
switch the language."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.contacts import services
from relasi.contacts.models import Contact
from tests.factories import MembershipFactory, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.browser

PASSWORD = "rahasia-sekali-123"


@pytest.fixture
def hero(transactional_db: None) -> tuple[Workspace, User]:
    workspace = WorkspaceFactory(name="Toko Hadiah Hero", slug="hero")
    user = UserFactory(email="pemilik@hero.test", full_name="Pemilik Hero")
    MembershipFactory(user=user, workspace=workspace, role=Role.OWNER)
    return workspace, user


def sign_in(page: Any, base: str) -> None:
    page.goto(f"{base}/w/hero/pelanggan/")
    page.get_by_label("Email").fill("pemilik@hero.test")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(re.compile(r"/w/hero/pelanggan/$"))


def test_main_flow(
    page: Any, live_server: Any, hero: tuple[Workspace, User], celery_worker_thread: Any, tmp_path: Path
) -> None:
    base = live_server.url
    workspace, _owner = hero

    # Sign in (the page is in Bahasa Indonesia by default)
    sign_in(page, base)
    assert page.locator("html").get_attribute("lang") == "id"

    # Create a customer with a typed mobile number
    page.get_by_role("link", name="Pelanggan baru").click()
    page.get_by_label("Nama lengkap").fill("Elok Pratiwi")
    page.get_by_label("Telepon / WhatsApp").fill("0812-3456-7890")
    page.get_by_role("button", name="Simpan").click()
    page.wait_for_url(re.compile(r"/w/hero/pelanggan/\d+/$"))
    assert page.get_by_role("heading", name="Elok Pratiwi").is_visible()
    elok = Contact.objects.get(workspace=workspace, full_name="Elok Pratiwi")
    assert elok.phone == "+6281234567890"

    # Find it by typing 62812 in the search box (htmx updates the rows)
    page.goto(f"{base}/w/hero/pelanggan/")
    page.get_by_label("Cari").fill("62812")
    page.wait_for_url(re.compile(r"q=62812"))
    rows = page.locator("#contact-rows")
    rows.get_by_role("link", name="Elok Pratiwi").wait_for()
    assert rows.locator("tr").count() == 1

    # Import a CSV with one bad row: the row is reported, nothing else is lost
    csv = tmp_path / "pelanggan.csv"
    csv.write_text(
        "Nama;No HP;Email;Kota\n"
        "Budi Santoso;0813-1111-2222;budi@contoh.id;Bandung\n"
        "Sinta Dewi;0856 3333 4444;sinta@contoh.id;Surabaya\n"
        "Salah Nomor;0812;salah@contoh.id;Medan\n",
        encoding="utf-8",
    )
    page.goto(f"{base}/w/hero/pelanggan/")
    page.get_by_role("link", name="Impor").click()
    page.locator("input[type=file]").set_input_files(str(csv))
    page.get_by_role("button", name="Unggah dan lanjutkan").click()
    page.get_by_role("button", name="Periksa file").click()  # the dry run, with the suggested mapping
    report = page.locator("[data-testid=import-errors]")
    report.wait_for()
    bad_row = report.locator("tbody tr")
    assert bad_row.count() == 1
    assert bad_row.locator("td").first.inner_text() == "4"  # numbered as in the spreadsheet
    assert Contact.objects.filter(workspace=workspace).count() == 1  # nothing written yet
    page.once("dialog", lambda dialog: dialog.accept())  # "Impor pelanggan sekarang?"
    page.get_by_role("button", name=re.compile("Konfirmasi: impor 2 pelanggan")).click()
    # the progress bar polls until the worker is done; the report then shows the result
    page.locator("#import-progress, [data-testid=import-done]").first.wait_for()
    page.get_by_role("link", name="Lihat laporan").or_(
        page.locator("[data-testid=import-done]")
    ).first.wait_for(timeout=30_000)
    page.goto(page.url)
    page.locator("[data-testid=import-done]").wait_for()
    names = set(Contact.objects.filter(workspace=workspace).values_list("full_name", flat=True))
    assert names == {"Budi Santoso", "Sinta Dewi", "Elok Pratiwi"}
    assert "Salah Nomor" not in names

    # Merge two duplicates: a second "Elok" was entered with the same number
    services.contact_create(
        workspace=workspace, actor=None, values={"full_name": "Elok P.", "phone": "+62 812 3456 7890"}
    )
    page.goto(f"{base}/w/hero/pelanggan/duplikat/")
    page.get_by_role("link", name=re.compile("Tinjau")).first.click()
    page.get_by_role("button", name=re.compile("Gabungkan")).click()
    page.wait_for_url(re.compile(r"/w/hero/pelanggan/\d+/$"))
    live = Contact.objects.filter(workspace=workspace, merged_into__isnull=True)
    assert live.filter(phone="+6281234567890").count() == 1

    # Switch the language to English and back
    page.get_by_test_id("lang-switch").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("link", name="Customers").first.is_visible()
    page.get_by_test_id("lang-switch").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "id"
