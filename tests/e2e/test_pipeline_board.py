"""The pipeline board in a real browser: create a deal with an Indonesian amount, move it to
Proposal with the card's own control, see it in the new column with the column totals
updated; then drag it to Negotiation (pipeline.js)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.sales.models import Deal
from tests.factories import ContactFactory, MembershipFactory, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.browser

PASSWORD = "rahasia-sekali-123"


@pytest.fixture
def hero(transactional_db: None) -> tuple[Workspace, User]:
    workspace = WorkspaceFactory(name="Toko Hadiah Hero", slug="hero")
    user = UserFactory(email="sales@hero.test", full_name="Sales Hero", language="en")
    MembershipFactory(user=user, workspace=workspace, role=Role.SALES)
    ContactFactory(workspace=workspace, full_name="Budi Santoso")
    return workspace, user


def test_create_and_move_a_deal_on_the_board(
    page: Any, live_server: Any, hero: tuple[Workspace, User]
) -> None:
    # given: signed in, on the board
    base = live_server.url
    page.goto(f"{base}/w/hero/penjualan/peluang/")
    page.get_by_label("Email").fill("sales@hero.test")
    page.get_by_label(re.compile("Kata sandi|Password")).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Masuk|Sign in")).click()
    page.wait_for_url(re.compile(r"/w/hero/penjualan/peluang/$"))

    # when: a deal is created
    page.get_by_role("link", name="New deal").click()
    page.get_by_label("Title").fill("Parsel Lebaran 50 paket")
    page.get_by_label("Customer").select_option(label="Budi Santoso")
    page.get_by_label("Value (Rp)").fill("12.500.000")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/w/hero/penjualan/peluang/\d+/$"))
    assert page.get_by_role("heading", name="Parsel Lebaran 50 paket").is_visible()
    page.get_by_role("link", name="Pipeline").first.click()
    page.wait_for_url(re.compile(r"/w/hero/penjualan/peluang/$"))
    lead = page.locator("[data-testid=column-lead]")
    proposal = page.locator("[data-testid=column-proposal]")
    card = lead.locator("[data-testid=deal-card]", has_text="Parsel Lebaran 50 paket")
    assert card.is_visible()
    assert lead.locator("[data-testid=column-total]").inner_text() == "Rp12.500.000"

    # and moved to Proposal with the card's control
    card.get_by_label("Move Parsel Lebaran 50 paket to").select_option(label="Proposal")
    card.get_by_role("button", name="Move").click()
    page.wait_for_load_state()
    moved = proposal.locator("[data-testid=deal-card]", has_text="Parsel Lebaran 50 paket")
    moved.wait_for()

    # then: it sits in Proposal and the totals followed it
    assert lead.locator("[data-testid=deal-card]").count() == 0
    assert proposal.locator("[data-testid=column-total]").inner_text() == "Rp12.500.000"
    assert proposal.locator("[data-testid=column-weighted]").inner_text() == "Rp6.250.000"  # 50 %
    assert lead.locator("[data-testid=column-total]").inner_text() == "Rp0"
    assert "50%" in moved.inner_text()
    deal = Deal.objects.get()
    assert (deal.stage, deal.probability) == ("proposal", 50)

    # and drag and drop moves it too (pipeline.js posts the same endpoint, then reloads)
    negotiation = page.locator("[data-testid=column-negotiation]")
    with page.expect_navigation():
        moved.drag_to(negotiation)
    negotiation.locator("[data-testid=deal-card]", has_text="Parsel Lebaran 50 paket").wait_for()
    assert negotiation.locator("[data-testid=column-total]").inner_text() == "Rp12.500.000"
    deal.refresh_from_db()
    assert deal.stage == "negotiation"
