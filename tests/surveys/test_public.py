"""The customer's pages without login: an invitation's page (first view, answer, thanks,
comment after a tap, expired and invalid links) and the survey's open link."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from relasi.accounts.models import User, Workspace
from relasi.surveys import services, tokens
from relasi.surveys.enums import InvitationStatus, ResponseSource
from relasi.surveys.models import SurveyResponse
from tests.factories import ContactFactory
from tests.surveys import make_invitation, make_survey

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("customer_texts_in_english")]


def _client() -> Client:
    return Client()


def test_the_page_asks_records_the_first_view_and_takes_one_answer(workspace: Workspace) -> None:
    survey = make_survey(workspace, "nps")
    contact = ContactFactory(workspace=workspace, full_name="Budi")
    invitation = make_invitation(survey, contact)
    url = reverse("surveys:answer", args=[invitation.token])
    client = _client()
    # GET: the question, 0–10 as buttons, the comment
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "How likely are you to recommend Toko Hadiah Hero" in html
    assert all(f'data-testid="score-{s}"' in html for s in range(11))
    assert 'data-testid="score-11"' not in html
    assert "What is the main reason for your score?" in html
    assert page["X-Robots-Tag"] == "noindex, nofollow"
    assert page["Cache-Control"] == "private, no-store"
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.VIEWED
    viewed = invitation.first_viewed_at
    assert viewed is not None
    client.get(url)
    invitation.refresh_from_db()
    assert invitation.first_viewed_at == viewed
    # POST: the answer
    answered = client.post(url, {"score": "3", "comment": "Pengiriman telat"})
    assert answered.status_code == 302
    response = SurveyResponse.objects.get()
    assert (response.score, response.category, response.source, response.contact_id) == (
        3,
        "detractor",
        "link",
        contact.pk,
    )
    assert response.topics == ["delivery"]
    thanks = client.get(url)
    assert "Thank you!" in thanks.content.decode()
    assert "Your answer: 3." in thanks.content.decode()
    # a second POST changes nothing
    again = client.post(url, {"score": "10"})
    assert again.status_code == 200
    assert list(SurveyResponse.objects.values_list("score", flat=True)) == [3]


def test_a_bad_score_shows_the_error_and_keeps_the_comment(workspace: Workspace) -> None:
    invitation = make_invitation(make_survey(workspace, "csat"), ContactFactory(workspace=workspace))
    page = _client().post(
        reverse("surveys:answer", args=[invitation.token]), {"score": "9", "comment": "Lumayan"}
    )
    assert page.status_code == 400
    html = page.content.decode()
    assert "Choose a score from 1 to 5." in html
    assert "Lumayan" in html
    assert not SurveyResponse.objects.exists()


def test_a_staff_member_opening_the_page_is_not_a_view(workspace: Workspace, owner: User) -> None:
    invitation = make_invitation(make_survey(workspace, "nps"), ContactFactory(workspace=workspace))
    client = _client()
    client.force_login(owner)
    assert client.get(reverse("surveys:answer", args=[invitation.token])).status_code == 200
    invitation.refresh_from_db()
    assert invitation.first_viewed_at is None


def test_an_answer_from_whatsapp_without_a_comment_can_add_one_on_the_page(workspace: Workspace) -> None:
    survey = make_survey(workspace, "csat")
    invitation = make_invitation(survey, ContactFactory(workspace=workspace))
    services.survey_response_record(
        survey=survey, score=2, source=ResponseSource.WHATSAPP, invitation=invitation
    )
    url = reverse("surveys:answer", args=[invitation.token])
    client = _client()
    assert 'data-testid="survey-comment-form"' in client.get(url).content.decode()
    assert client.post(url, {"action": "comment", "comment": "Stok kosong terus"}).status_code == 302
    response = SurveyResponse.objects.get()
    assert (response.comment, response.topics) == ("Stok kosong terus", ["stock"])
    assert 'data-testid="survey-comment-form"' not in client.get(url).content.decode()


def test_forged_and_expired_links(workspace: Workspace) -> None:
    survey = make_survey(workspace, "nps")
    invitation = make_invitation(survey, ContactFactory(workspace=workspace))
    missing = _client().get(reverse("surveys:answer", args=[invitation.token + "x"]))
    assert missing.status_code == 404
    assert "Survey not found" in missing.content.decode()
    with time_machine.travel(timezone.now() + tokens.INVITATION_MAX_AGE + dt.timedelta(hours=1)):
        closed = _client().get(reverse("surveys:answer", args=[invitation.token]))
        posted = _client().post(reverse("surveys:answer", args=[invitation.token]), {"score": "9"})
    assert (closed.status_code, posted.status_code) == (410, 410)
    assert "This survey has closed" in closed.content.decode()
    assert not SurveyResponse.objects.exists()


def test_the_indonesian_page_by_default(workspace: Workspace, settings: Any) -> None:
    settings.LANGUAGE_CODE = "id"  # the installation's default
    invitation = make_invitation(make_survey(workspace, "nps"), ContactFactory(workspace=workspace))
    page = Client().get(reverse("surveys:answer", args=[invitation.token + "x"]))
    assert page.status_code == 404
    assert '<html lang="id">' in page.content.decode()


def test_the_open_link_anonymous_and_with_a_signed_customer(workspace: Workspace) -> None:
    survey = make_survey(workspace, "ces")
    url = reverse("surveys:public", args=[survey.public_token])
    anonymous = _client()
    page = anonymous.get(url)
    assert page.status_code == 200
    assert all(f'data-testid="score-{s}"' in page.content.decode() for s in range(1, 8))
    assert anonymous.post(url, {"score": "6"}).status_code == 302
    # the browser remembers its answer
    assert "Your answer: 6." in anonymous.get(url).content.decode()
    assert anonymous.post(url, {"score": "1"}).status_code == 200
    # a customer's signed link ties the answer to them
    contact = ContactFactory(workspace=workspace)
    signed = tokens.public_url(survey.public_token, contact_id=contact.pk).split("/d/", 1)[1]
    assert _client().post("/d/" + signed, {"score": "2", "comment": "Susah cari admin"}).status_code == 302
    rows = list(
        SurveyResponse.objects.order_by("id").values_list("score", "contact_id", "source", "invitation_id")
    )
    assert rows == [(6, None, "link", None), (2, contact.pk, "link", None)]
    # a forged contact token is just anonymous
    assert _client().post(url + "?c=palsu", {"score": "7"}).status_code == 302
    assert SurveyResponse.objects.order_by("-id").first().contact_id is None  # type: ignore[union-attr]


def test_a_closed_open_link_and_an_unknown_one(workspace: Workspace, owner: User) -> None:
    survey = make_survey(workspace, "nps")
    services.survey_update(survey=survey, actor=owner, values={"public_link_enabled": False})
    closed = _client().post(reverse("surveys:public", args=[survey.public_token]), {"score": "9"})
    assert closed.status_code == 410
    assert _client().get(reverse("surveys:public", args=["tidak-ada"])).status_code == 404
    inbox = services.inbox_csat_survey_get(workspace=workspace)
    assert _client().get(reverse("surveys:public", args=[inbox.public_token])).status_code == 404
    assert not SurveyResponse.objects.exists()
