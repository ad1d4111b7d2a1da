"""The analytics flow of issue 5 in a real browser: the owner opens the analytics home, clicks
the "at risk" RFM segment, sees its customers and exports them to CSV, then opens Elok
Pratiwi's page and sees her simple CLV of Rp19.800.000 with its explanation, her type, her
stage and P(alive) in the analytics panel (loaded by htmx after the page)."""

from __future__ import annotations

import csv
import io
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from django.utils import timezone, translation

from relasi.accounts.enums import Role
from relasi.accounts.models import User
from relasi.analytics.enums import RunStatus
from relasi.analytics.models import CustomerMetrics
from tests.analytics.test_views_data import Shop, shop_build
from tests.factories import MembershipFactory, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.browser

PASSWORD = "rahasia-sekali-123"


@pytest.fixture
def shop(transactional_db: None) -> tuple[Shop, User]:
    """The hero workspace with a history, refreshed as of today (what the pages show)."""
    workspace = WorkspaceFactory(name="Toko Hadiah Hero", slug="hero")
    owner = UserFactory(email="pemilik@hero.test", full_name="Pemilik Hero")
    MembershipFactory(user=owner, workspace=workspace, role=Role.OWNER)
    built = shop_build(workspace, as_of=timezone.localdate())
    assert built.run is not None
    assert built.run.status == RunStatus.DONE, built.run.error
    return built, owner


def sign_in(page: Any, base: str, path: str) -> None:
    page.goto(f"{base}{path}")
    page.get_by_label("Email").fill("pemilik@hero.test")
    page.get_by_label(re.compile("Kata sandi|Password")).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Masuk|Sign in")).click()
    page.wait_for_url(re.compile(re.escape(path) + "$"))


def test_at_risk_customers_export_and_elok_panel(
    page: Any, live_server: Any, shop: tuple[Shop, User]
) -> None:
    built, _owner = shop
    workspace = built.workspace
    at_risk = set(
        CustomerMetrics.objects.filter(workspace=workspace, rfm_segment="at_risk").values_list(
            "contact__full_name", flat=True
        )
    )
    assert at_risk, "the shop has nobody at risk"
    base = live_server.url

    # given: the owner on the analytics home, with the "as of" time of the refresh
    sign_in(page, base, "/w/hero/analitik/")
    assert page.get_by_test_id("as-of").is_visible()
    assert page.get_by_test_id("kpi-customers").inner_text() == str(CustomerMetrics.objects.count())

    # when: the "At risk" bar of the RFM chart is clicked
    bar = page.get_by_test_id("chart-segments").get_by_role(
        "link", name=re.compile(r"^(At risk|Berisiko): \d+$")
    )
    assert bar.get_attribute("aria-label").endswith(f": {len(at_risk)}")
    bar.click()
    page.wait_for_url(re.compile(r"/w/hero/analitik/pelanggan/\?rfm_segment=at_risk$"))

    # then: the list shows exactly those customers
    rows = page.get_by_test_id("customer-row")
    rows.first.wait_for()
    shown = {rows.nth(i).locator("td").first.locator("a").inner_text() for i in range(rows.count())}
    assert shown == at_risk

    # and the CSV export holds the same customers
    with page.expect_download() as info:
        page.get_by_test_id("export-csv").click()
    download = info.value
    text = open(download.path(), encoding="utf-8-sig").read()  # noqa: SIM115 - Playwright's file
    lines = list(csv.reader(io.StringIO(text)))
    assert len(lines) == len(at_risk) + 1  # the header and one row per customer
    assert {line[0] for line in lines[1:]} == at_risk
    assert download.suggested_filename.endswith(".csv")

    # when: Elok's page is opened
    elok = CustomerMetrics.objects.get(contact=built.elok)
    page.goto(f"{base}/w/hero/pelanggan/{built.elok.pk}/")
    panel = page.get_by_test_id("analytics-panel")
    panel.wait_for()

    # then: her simple CLV with its explanation, her type, stage and P(alive)
    assert panel.get_by_test_id("panel-clv-value").inner_text() == "Rp19.800.000"
    explanation = panel.get_by_test_id("panel-clv-explain").inner_text()
    assert "Rp275.000 × 24" in explanation
    assert "× 3" in explanation
    assert explanation.rstrip().endswith("Rp19.800.000.") or "= Rp19.800.000" in explanation
    with translation.override("id"):
        type_label = str(elok.get_customer_type_display())
        stage_label = str(elok.get_lifecycle_stage_display())
    assert type_label in panel.get_by_test_id("panel-type").inner_text()
    assert stage_label in panel.get_by_test_id("panel-stage").inner_text()
    assert elok.p_alive is not None
    percent = (Decimal(str(elok.p_alive)) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    expected_alive = f"{percent}".replace(".", ",") + "%"  # 94,5%: a decimal comma
    assert panel.get_by_test_id("panel-p-alive").inner_text() == expected_alive
