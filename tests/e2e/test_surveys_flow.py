"""Surveys in a real browser: the owner creates an NPS survey, a customer opens its public link
and answers 3 with the comment "pengiriman telat", the owner finds the answer in the list of
detractors to follow up, tagged with the topic delivery, and marks it followed up."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.surveys.models import Survey, SurveyResponse
from tests.factories import MembershipFactory, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.browser

PASSWORD = "rahasia-sekali-123"


@pytest.fixture
def hero(transactional_db: None) -> tuple[Workspace, User]:
    workspace = WorkspaceFactory(name="Toko Hadiah Hero", slug="hero")
    owner = UserFactory(email="pemilik@hero.test", full_name="Pemilik Hero", language="en")
    MembershipFactory(user=owner, workspace=workspace, role=Role.OWNER)
    return workspace, owner


def test_nps_survey_answer_and_follow_up(
    page: Any, browser: Any, live_server: Any, hero: tuple[Workspace, User]
) -> None:
    base = live_server.url
    # given: the owner, signed in, on the surveys page
    page.goto(f"{base}/w/hero/survei/")
    page.get_by_label("Email").fill("pemilik@hero.test")
    page.get_by_label(re.compile("Kata sandi|Password")).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Masuk|Sign in")).click()
    page.wait_for_url(re.compile(r"/w/hero/survei/$"))

    # when: an NPS survey is created
    page.get_by_test_id("survey-new").click()
    page.get_by_label("Name").fill("NPS setelah belanja")
    page.get_by_label("Kind").select_option("nps")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/w/hero/survei/\d+/$"))
    assert page.get_by_role("heading", name="NPS setelah belanja").is_visible()
    public_path = urlsplit(page.get_by_test_id("public-url").input_value()).path

    # and a customer (another browser, no login) answers 3 with a comment on the public link
    customer = browser.new_context(locale="id-ID")
    try:
        survey_page = customer.new_page()
        survey_page.goto(base + public_path)
        assert survey_page.get_by_test_id("score-10").is_visible()
        survey_page.get_by_test_id("score-3").click()
        survey_page.locator("#survey-comment").fill("pengiriman telat")
        survey_page.locator("[data-testid=survey-form] button[type=submit]").click()
        survey_page.get_by_test_id("survey-answered").wait_for()
        assert "3" in survey_page.get_by_test_id("survey-answered").inner_text()
    finally:
        customer.close()

    # then: the owner sees NPS −100 and the answer among the detractors, tagged delivery
    page.reload()
    assert page.get_by_test_id("survey-score").inner_text() == "-100"
    page.get_by_test_id("tab-follow-up").click()
    page.wait_for_url(re.compile(r"/w/hero/survei/tindak-lanjut/$"))
    response = SurveyResponse.objects.get()
    row = page.get_by_test_id(f"follow-up-{response.pk}")
    assert "pengiriman telat" in row.inner_text()
    topic = row.get_by_test_id("topic-delivery")
    assert "Delivery" in topic.inner_text()
    assert "pengiriman, telat" in topic.inner_text()

    # and marks it followed up
    row.get_by_label("What was done").fill("Ditelepon, ongkir dikembalikan")
    row.get_by_role("button", name="Mark followed up").click()
    page.wait_for_url(re.compile(r"/w/hero/survei/tindak-lanjut/$"))
    assert page.get_by_test_id(f"follow-up-{response.pk}").count() == 0
    response.refresh_from_db()
    assert response.followed_up_at is not None
    assert response.follow_up_note == "Ditelepon, ongkir dikembalikan"
    assert (response.score, response.category, response.topics) == (3, "detractor", ["delivery"])
    assert Survey.objects.get().kind == "nps"
