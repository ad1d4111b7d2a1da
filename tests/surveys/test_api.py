"""``/api/v1/surveys`` and ``/api/v1/survey-responses``: permissions, workspace isolation,
sending, answers (pagination, filters, manual answers, duplicates), summary, follow-up."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.surveys import services
from relasi.surveys.enums import ResponseSource
from relasi.surveys.models import Survey, SurveyResponse
from tests.conftest import ApiClient
from tests.factories import ContactFactory
from tests.surveys import make_survey

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("customer_texts_in_english")]


@pytest.fixture
def api_as(api_as: Callable[[User, Workspace], ApiClient]) -> Callable[[User, Workspace], ApiClient]:
    """The API in English: answers follow Accept-Language, else the user's language (id)."""

    def make(user: User, workspace: Workspace) -> ApiClient:
        client = api_as(user, workspace)
        client.headers["Accept-Language"] = "en"
        return client

    return make


Api = Callable[[User, Workspace], ApiClient]


def _answers(survey: Survey, scores: list[int], comment: str = "") -> list[SurveyResponse]:
    return [
        services.survey_response_record(survey=survey, score=s, comment=comment, source=ResponseSource.LINK)
        for s in scores
    ]


def test_create_list_get_and_change_a_survey(workspace: Workspace, owner: User, api_as: Api) -> None:
    api = api_as(owner, workspace)
    created = api.post("/api/v1/surveys", {"kind": "nps", "name": "NPS pelanggan"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["kind"], body["name"], body["question_custom"], body["is_inbox_csat"]) == (
        "nps",
        "NPS pelanggan",
        "",
        False,
    )
    assert body["question"] == "How likely are you to recommend Toko Hadiah Hero to a friend or colleague?"
    assert "/d/survei-pelanggan/umum/" in body["public_url"]
    listed = api.get("/api/v1/surveys").json()
    assert [s["id"] for s in listed["items"]] == [body["id"]]
    changed = api.patch(
        f"/api/v1/surveys/{body['id']}", {"question": "Seberapa besar Anda merekomendasikan kami?"}
    )
    assert changed.status_code == 200
    assert changed.json()["question"] == "Seberapa besar Anda merekomendasikan kami?"
    assert api.get(f"/api/v1/surveys/{body['id']}").json()["name"] == "NPS pelanggan"


def test_a_bad_survey_names_the_fields(workspace: Workspace, owner: User, api_as: Api) -> None:
    response = api_as(owner, workspace).post("/api/v1/surveys", {"kind": "bintang"})
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"kind", "name"}


@pytest.mark.parametrize("role", [Role.VIEWER, Role.AGENT, Role.SALES, Role.FINANCE])
def test_only_owners_and_admins_create_surveys_the_others_read(
    workspace: Workspace, make_member: Callable[..., User], api_as: Api, role: str
) -> None:
    survey = make_survey(workspace, "csat")
    api = api_as(make_member(workspace, role), workspace)
    refused = api.post("/api/v1/surveys", {"kind": "nps", "name": "Baru"})
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    assert api.patch(f"/api/v1/surveys/{survey.pk}", {"name": "x"}).status_code == 403
    assert api.get(f"/api/v1/surveys/{survey.pk}").status_code == 200
    assert api.get(f"/api/v1/surveys/{survey.pk}/summary").status_code == 200
    assert Survey.objects.count() == 1


def test_another_workspaces_survey_and_answers_are_not_found(
    workspace: Workspace, other_workspace: Workspace, owner: User, outsider: User, api_as: Api
) -> None:
    survey = make_survey(workspace, "nps")
    (response,) = _answers(survey, [3])
    api = api_as(outsider, other_workspace)
    for path in (
        f"/api/v1/surveys/{survey.pk}",
        f"/api/v1/surveys/{survey.pk}/responses",
        f"/api/v1/surveys/{survey.pk}/summary",
    ):
        assert api.get(path).status_code == 404, path
    assert api.patch(f"/api/v1/surveys/{survey.pk}", {"name": "diambil"}).status_code == 404
    assert api.post(f"/api/v1/survey-responses/{response.pk}/follow-up", {"note": "x"}).status_code == 404
    assert api.get(f"/api/v1/survey-responses/{response.pk}").status_code == 404
    assert api.get("/api/v1/surveys").json()["items"] == []
    # and a customer of the other workspace cannot be asked from mine
    mine = api_as(owner, workspace)
    stranger = ContactFactory(workspace=other_workspace)
    refused = mine.post(
        f"/api/v1/surveys/{survey.pk}/invitations", {"contact_id": stranger.pk, "channel": "link"}
    )
    assert refused.status_code == 400
    assert "contact_id" in refused.json()["fields"]


def test_send_an_invitation_by_link_and_email(workspace: Workspace, owner: User, api_as: Api) -> None:
    survey = make_survey(workspace, "csat")
    contact = ContactFactory(workspace=workspace, email="sari@pelanggan.example")
    api = api_as(owner, workspace)
    link = api.post(f"/api/v1/surveys/{survey.pk}/invitations", {"contact_id": contact.pk, "channel": "link"})
    assert link.status_code == 201, link.content
    assert (link.json()["status"], link.json()["channel"]) == ("created", "link")
    assert "/d/survei-pelanggan/" in link.json()["url"]
    email = api.post(
        f"/api/v1/surveys/{survey.pk}/invitations", {"contact_id": contact.pk, "channel": "email"}
    )
    assert (email.json()["status"], email.json()["sent_to"]) == ("sent", "sari@pelanggan.example")


def test_whatsapp_without_window_or_email_is_a_409(workspace: Workspace, owner: User, api_as: Api) -> None:
    survey = make_survey(workspace, "nps")
    contact = ContactFactory(workspace=workspace, email="")
    response = api_as(owner, workspace).post(
        f"/api/v1/surveys/{survey.pk}/invitations", {"contact_id": contact.pk, "channel": "whatsapp"}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "window_closed"


def test_responses_are_cursor_paginated_and_filtered(workspace: Workspace, owner: User, api_as: Api) -> None:
    survey = make_survey(workspace, "nps")
    answers = _answers(survey, [10, 9, 3, 0, 7])
    services.survey_response_record(
        survey=survey, score=2, comment="pengiriman telat", source=ResponseSource.LINK
    )
    api = api_as(owner, workspace)
    first = api.get(f"/api/v1/surveys/{survey.pk}/responses", {"limit": 4}).json()
    assert len(first["items"]) == 4
    second = api.get(f"/api/v1/surveys/{survey.pk}/responses", {"limit": 4, "cursor": first["next"]}).json()
    assert second["next"] is None
    seen = [r["id"] for r in first["items"] + second["items"]]
    assert sorted(seen) == sorted([a.pk for a in answers] + [seen[0]])
    detractors = api.get(f"/api/v1/surveys/{survey.pk}/responses", {"category": "detractor"}).json()["items"]
    assert sorted(r["score"] for r in detractors) == [0, 2, 3]
    delivery = api.get(f"/api/v1/surveys/{survey.pk}/responses", {"topic": "delivery"}).json()["items"]
    assert [(r["score"], r["topic_keywords"]) for r in delivery] == [
        (2, {"delivery": ["pengiriman", "telat"]})
    ]
    bad = api.get(f"/api/v1/surveys/{survey.pk}/responses", {"category": "satisfied"})
    assert bad.status_code == 400
    assert "category" in bad.json()["fields"]


def test_the_list_of_answers_takes_a_fixed_number_of_queries(
    workspace: Workspace, owner: User, api_as: Api
) -> None:
    survey = make_survey(workspace, "csat")
    api = api_as(owner, workspace)
    _answers(survey, [5, 4])
    api.get(f"/api/v1/surveys/{survey.pk}/responses")  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as few:
        assert api.get(f"/api/v1/surveys/{survey.pk}/responses").status_code == 200
    for _n in range(6):
        services.survey_response_record(
            survey=survey, score=1, source=ResponseSource.LINK, contact=ContactFactory(workspace=workspace)
        )
    with CaptureQueriesContext(connection) as many:
        assert len(api.get(f"/api/v1/surveys/{survey.pk}/responses").json()["items"]) == 8
    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_manual_answer_and_the_duplicate_for_a_conversation(
    workspace: Workspace, owner: User, make_member: Callable[..., User], api_as: Api
) -> None:
    from tests.conversations import make_conversation, make_inbox

    agent = make_member(workspace, Role.AGENT)
    survey = make_survey(workspace, "ces")
    contact = ContactFactory(workspace=workspace)
    conversation = make_conversation(make_inbox(workspace), contact)
    api = api_as(owner, workspace)
    payload: dict[str, Any] = {
        "score": 6,
        "comment": "Gampang, admin cepat balas",
        "contact_id": contact.pk,
        "conversation_id": conversation.pk,
        "agent_id": agent.pk,
    }
    created = api.post(f"/api/v1/surveys/{survey.pk}/responses", payload)
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["score"], body["category"], body["source"], body["agent_id"], body["topics"]) == (
        6,
        "easy",
        "manual",
        agent.pk,
        ["service"],
    )
    again = api.post(f"/api/v1/surveys/{survey.pk}/responses", {**payload, "score": 1})
    assert again.status_code == 409
    assert again.json()["code"] == "survey_answered"
    assert SurveyResponse.objects.count() == 1
    bad = api.post(f"/api/v1/surveys/{survey.pk}/responses", {**payload, "conversation_id": None, "score": 9})
    assert bad.status_code == 400
    assert bad.json()["fields"] == {"score": "Choose a score from 1 to 7."}
    stranger = api.post(
        f"/api/v1/surveys/{survey.pk}/responses", {**payload, "conversation_id": None, "agent_id": 999999}
    )
    assert stranger.status_code == 400
    assert "agent_id" in stranger.json()["fields"]


def test_summary_of_the_hand_counted_nps(workspace: Workspace, owner: User, api_as: Api) -> None:
    survey = make_survey(workspace, "nps")
    _answers(survey, [9, 10, 10, 8, 7, 6, 3, 10, 9, 0])
    body = api_as(owner, workspace).get(f"/api/v1/surveys/{survey.pk}/summary").json()
    assert (body["total"], body["score"], body["score_fraction"]) == (10, "20", "20")
    assert body["average"] == "7.20"  # 72 / 10
    assert body["distribution"] == {
        "0": 1,
        "1": 0,
        "2": 0,
        "3": 1,
        "4": 0,
        "5": 0,
        "6": 1,
        "7": 1,
        "8": 1,
        "9": 2,
        "10": 3,
    }
    assert [(c["category"], c["count"], c["percent"]) for c in body["categories"]] == [
        ("promoter", 5, "50.0"),
        ("passive", 2, "20.0"),
        ("detractor", 3, "30.0"),
    ]


def test_follow_up_over_the_api(
    workspace: Workspace, owner: User, make_member: Callable[..., User], api_as: Api
) -> None:
    survey = make_survey(workspace, "csat")
    (unhappy, happy) = _answers(survey, [1, 5])
    viewer = api_as(make_member(workspace, Role.VIEWER), workspace)
    assert viewer.post(f"/api/v1/survey-responses/{unhappy.pk}/follow-up", {"note": "x"}).status_code == 403
    api = api_as(owner, workspace)
    done = api.post(f"/api/v1/survey-responses/{unhappy.pk}/follow-up", {"note": "Sudah ditelepon"})
    assert done.status_code == 200
    assert (done.json()["follow_up_note"], done.json()["followed_up_by_id"]) == ("Sudah ditelepon", owner.pk)
    assert api.post(f"/api/v1/survey-responses/{unhappy.pk}/follow-up", {}).status_code == 409
    assert api.post(f"/api/v1/survey-responses/{happy.pk}/follow-up", {}).status_code == 409


def test_the_openapi_document_lists_the_survey_endpoints(client: Any) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {
        "/api/v1/surveys",
        "/api/v1/surveys/{survey_id}",
        "/api/v1/surveys/{survey_id}/invitations",
        "/api/v1/surveys/{survey_id}/responses",
        "/api/v1/surveys/{survey_id}/summary",
        "/api/v1/survey-responses/{response_id}/follow-up",
    } <= set(paths)
