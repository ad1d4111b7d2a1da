"""The merge screen in a real browser: a suggested pair, a choice that refreshes the preview
through htmx, the merge, and its undo from the duplicates page."""

from __future__ import annotations

import re
from typing import Any

import pytest

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.contacts.models import Contact
from tests.factories import ContactFactory, MembershipFactory, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.browser

PASSWORD = "rahasia-sekali-123"


@pytest.fixture
def hero(transactional_db: None) -> tuple[Workspace, User]:
    workspace = WorkspaceFactory(name="Toko Hadiah Hero", slug="hero")
    user = UserFactory(email="sales@hero.test", full_name="Sales Hero", language="en")
    MembershipFactory(user=user, workspace=workspace, role=Role.SALES)
    return workspace, user


def test_merge_with_a_choice_and_undo(page: Any, live_server: Any, hero: tuple[Workspace, User]) -> None:
    # given
    workspace, _user = hero
    keeper = ContactFactory(workspace=workspace, full_name="Budi Santoso", phone="+6281211110000", city="")
    twin = ContactFactory(workspace=workspace, full_name="Pak Budi", phone="+6281211110000", city="Medan")
    base = live_server.url
    page.goto(f"{base}/w/hero/pelanggan/duplikat/")
    page.get_by_label("Email").fill("sales@hero.test")
    page.get_by_label(re.compile("Kata sandi|Password")).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Masuk|Sign in")).click()
    page.wait_for_url(re.compile(r"/w/hero/pelanggan/duplikat/$"))

    # when: review the suggested pair and keep the other name (htmx refreshes the result)
    page.locator("[data-testid=duplicate-pairs]").get_by_role("link", name="Review merge").click()
    page.wait_for_url(re.compile(rf"/gabung/{twin.pk}/$"))
    result = page.locator("[data-testid=merge-result]")
    assert "Medan" in result.inner_text()
    page.locator("input[name=choice_full_name][value=merged]").check()
    result.get_by_text("Pak Budi").wait_for()
    page.get_by_role("button", name=re.compile("^Merge Pak Budi into")).click()
    page.wait_for_url(re.compile(rf"/w/hero/pelanggan/{keeper.pk}/$"))

    # then
    assert page.get_by_role("heading", name="Pak Budi").is_visible()
    keeper.refresh_from_db()
    assert (keeper.full_name, keeper.city) == ("Pak Budi", "Medan")
    assert Contact.objects.get(pk=twin.pk).merged_into_id == keeper.pk

    # and the merge can be undone from the duplicates page
    page.goto(f"{base}/w/hero/pelanggan/duplikat/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("[data-testid=recent-merges]").get_by_role("button", name="Undo").click()
    page.get_by_text("is a separate customer again").wait_for()
    keeper.refresh_from_db()
    assert keeper.full_name == "Budi Santoso"
    assert Contact.objects.get(pk=twin.pk).merged_into_id is None
