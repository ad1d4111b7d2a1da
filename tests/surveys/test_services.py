"""Surveys, answers (one per invitation, checked against the scale), topics and follow-up."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.utils import timezone

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.core.exceptions import Conflict, ValidationError
from relasi.core.models import AuditAction, AuditLog
from relasi.surveys import services
from relasi.surveys.enums import InvitationStatus, ResponseSource
from relasi.surveys.models import FeedbackTopic, Survey, SurveyResponse
from tests.factories import ContactFactory
from tests.surveys import make_invitation, make_survey

pytestmark = pytest.mark.django_db


# Surveys --------------------------------------------------------------------------------------------


def test_create_a_survey_with_the_default_question(workspace: Workspace, owner: User) -> None:
    survey = make_survey(workspace, "nps", actor=owner, name="NPS setelah pengiriman")
    assert (survey.kind, survey.name, survey.question, survey.is_active, survey.public_link_enabled) == (
        "nps",
        "NPS setelah pengiriman",
        "",
        True,
        True,
    )
    assert survey.question_text("Toko Hadiah Hero") == (
        "How likely are you to recommend Toko Hadiah Hero to a friend or colleague?"
    )
    assert len(survey.public_token) == 32
    assert AuditLog.objects.filter(action=AuditAction.CREATE, object_id=str(survey.pk)).exists()


def test_create_names_each_bad_field(workspace: Workspace, owner: User) -> None:
    with pytest.raises(ValidationError) as error:
        services.survey_create(workspace=workspace, actor=owner, values={"kind": "stars", "name": "  "})
    assert set(error.value.fields) == {"kind", "name"}
    with pytest.raises(ValidationError) as error:
        services.survey_create(
            workspace=workspace, actor=owner, values={"kind": "nps", "name": "x", "is_inbox_csat": True}
        )
    assert set(error.value.fields) == {"is_inbox_csat"}
    assert not Survey.objects.exists()


def test_the_kind_is_fixed_once_someone_answered(workspace: Workspace, owner: User) -> None:
    survey = make_survey(workspace, "nps")
    services.survey_update(survey=survey, actor=owner, values={"kind": "ces"})  # nobody answered yet
    survey.refresh_from_db()
    assert survey.kind == "ces"
    services.survey_response_record(survey=survey, score=6, source=ResponseSource.LINK)
    with pytest.raises(ValidationError) as error:
        services.survey_update(survey=survey, actor=owner, values={"kind": "nps", "name": "Baru"})
    assert "kind" in error.value.fields
    survey.refresh_from_db()
    assert (survey.kind, survey.name) == ("ces", "Survei NPS")


def test_the_inbox_survey_only_changes_its_name(workspace: Workspace, owner: User) -> None:
    survey = services.inbox_csat_survey_get(workspace=workspace)
    assert services.inbox_csat_survey_get(workspace=workspace).pk == survey.pk  # one per workspace
    with pytest.raises(ValidationError) as error:
        services.survey_update(survey=survey, actor=owner, values={"is_active": False, "question": "Puas?"})
    assert set(error.value.fields) == {"is_active", "question"}
    services.survey_update(survey=survey, actor=owner, values={"name": "Rating chat"})
    survey.refresh_from_db()
    assert survey.name == "Rating chat"


# Answers --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "score"),
    [
        ("nps", 11),
        ("nps", -1),
        ("csat", 0),
        ("csat", 6),
        ("ces", 8),
        ("ces", "tujuh"),
        ("nps", True),
        ("nps", None),
    ],
)
def test_a_score_off_the_scale_names_the_field_and_writes_nothing(
    workspace: Workspace, kind: str, score: object
) -> None:
    survey = make_survey(workspace, kind)
    with pytest.raises(ValidationError) as error:
        services.survey_response_record(survey=survey, score=score, source=ResponseSource.LINK)
    low, high = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}[kind]
    assert error.value.fields == {"score": f"Choose a score from {low} to {high}."}
    assert error.value.status == 400
    assert not SurveyResponse.objects.exists()


def test_an_answer_gets_its_category_and_topics_with_the_keywords_as_reason(workspace: Workspace) -> None:
    survey = make_survey(workspace, "nps")
    contact = ContactFactory(workspace=workspace)
    invitation = make_invitation(survey, contact)
    response = services.survey_response_record(
        survey=survey,
        score="3",
        comment="  Pengiriman telat 3 hari, tapi harganya murah ",
        source=ResponseSource.EMAIL,
        invitation=invitation,
    )
    assert (response.score, response.category, response.kind, response.contact_id) == (
        3,
        "detractor",
        "nps",
        contact.pk,
    )
    assert response.comment == "Pengiriman telat 3 hari, tapi harganya murah"
    assert response.topics == ["price", "delivery"]
    assert response.topic_keywords == {"price": ["harga", "murah"], "delivery": ["pengiriman", "telat"]}
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ANSWERED
    assert invitation.answered_at == response.answered_at


def test_the_first_answer_to_an_invitation_is_final(workspace: Workspace) -> None:
    survey = make_survey(workspace, "csat")
    invitation = make_invitation(survey, ContactFactory(workspace=workspace))
    services.survey_response_record(survey=survey, score=2, source=ResponseSource.LINK, invitation=invitation)
    with pytest.raises(Conflict) as error:
        services.survey_response_record(
            survey=survey, score=5, source=ResponseSource.LINK, invitation=invitation
        )
    assert error.value.code == "survey_answered"
    assert error.value.status == 409
    assert "already answered (score 2" in str(error.value.message)
    assert list(SurveyResponse.objects.values_list("score", flat=True)) == [2]


def test_a_closed_survey_takes_no_customer_answer_but_staff_can_record_one(
    workspace: Workspace, owner: User
) -> None:
    survey = make_survey(workspace, "ces", is_active=False)
    with pytest.raises(Conflict) as error:
        services.survey_response_record(survey=survey, score=5, source=ResponseSource.LINK)
    assert error.value.code == "survey_closed"
    response = services.survey_response_record(
        survey=survey,
        score=5,
        source=ResponseSource.MANUAL,
        actor=owner,
        contact=ContactFactory(workspace=workspace),
    )
    assert (response.category, response.recorded_by_id) == ("easy", owner.pk)
    assert AuditLog.objects.filter(
        action=AuditAction.CREATE, object_id=str(response.pk), actor=owner
    ).exists()


def test_a_long_comment_is_refused(workspace: Workspace) -> None:
    with pytest.raises(ValidationError) as error:
        services.survey_response_record(
            survey=make_survey(workspace, "nps"), score=9, comment="x" * 2001, source=ResponseSource.LINK
        )
    assert "comment" in error.value.fields


def test_a_comment_can_be_added_once_to_an_answer_without_one(workspace: Workspace) -> None:
    survey = make_survey(workspace, "csat")
    response = services.survey_response_record(survey=survey, score=1, source=ResponseSource.WHATSAPP)
    services.survey_response_comment_add(response=response, comment="Barang rusak, kurir kasar")
    response.refresh_from_db()
    assert response.topics == ["delivery", "quality"]
    with pytest.raises(Conflict):
        services.survey_response_comment_add(response=response, comment="lagi")


# Follow-up ------------------------------------------------------------------------------------------


def test_a_detractor_is_followed_up_once(workspace: Workspace, make_member: Callable[..., User]) -> None:
    agent = make_member(workspace, Role.ADMIN)
    survey = make_survey(workspace, "nps")
    response = services.survey_response_record(survey=survey, score=4, source=ResponseSource.LINK)
    assert response.needs_follow_up
    services.survey_response_follow_up(response=response, actor=agent, note="Ditelepon, kirim ulang")
    response.refresh_from_db()
    assert (response.followed_up_by_id, response.follow_up_note) == (agent.pk, "Ditelepon, kirim ulang")
    assert response.followed_up_at is not None
    assert not response.needs_follow_up
    with pytest.raises(Conflict) as error:
        services.survey_response_follow_up(response=response, actor=agent)
    assert error.value.code == "followed_up"


def test_a_happy_answer_is_not_followed_up(workspace: Workspace, owner: User) -> None:
    response = services.survey_response_record(
        survey=make_survey(workspace, "nps"), score=9, source=ResponseSource.LINK
    )
    with pytest.raises(Conflict) as error:
        services.survey_response_follow_up(response=response, actor=owner)
    assert error.value.code == "not_negative"
    response.refresh_from_db()
    assert response.followed_up_at is None


# Topics ---------------------------------------------------------------------------------------------


def test_the_default_topics_are_seeded_once(workspace: Workspace, owner: User) -> None:
    topics = services.feedback_topics_ensure(workspace=workspace)
    assert [(t.key, t.display_label) for t in topics] == [
        ("price", "Price"),
        ("delivery", "Delivery"),
        ("quality", "Quality"),
        ("service", "Service"),
        ("stock", "Stock"),
    ]
    assert topics[1].keywords == [
        "kirim",
        "pengiriman",
        "kurir",
        "telat",
        "terlambat",
        "paket",
        "ongkir",
        "lama sampai",
    ]
    services.feedback_topic_delete(topic=topics[4], actor=owner)
    assert [t.key for t in services.feedback_topics_ensure(workspace=workspace)] == [
        "price",
        "delivery",
        "quality",
        "service",
    ]  # the deleted one stays deleted


def test_editing_keywords_tags_the_answers_again(workspace: Workspace, owner: User) -> None:
    survey = make_survey(workspace, "csat")
    response = services.survey_response_record(
        survey=survey, score=2, comment="Kemasan penyok, bubble wrap tipis", source=ResponseSource.LINK
    )
    assert response.topics == []
    topic = services.feedback_topic_create(
        workspace=workspace, actor=owner, label="Kemasan", keywords="kemasan, bubble wrap\nkardus"
    )
    assert (topic.key, topic.keywords) == ("kemasan", ["kemasan", "bubble wrap", "kardus"])
    response.refresh_from_db()
    assert response.topic_keywords == {"kemasan": ["kemasan", "bubble wrap"]}
    services.feedback_topic_update(topic=topic, actor=owner, keywords=["kardus"])
    response.refresh_from_db()
    assert response.topics == []
    assert services.survey_responses_retag(workspace=workspace) == 0  # nothing left to change


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"label": "", "keywords": "a"}, "label"),
        ({"label": "Kemasan", "keywords": " , ,"}, "keywords"),
        ({"label": "Kemasan", "keywords": "x" * 61}, "keywords"),
        ({"label": "Harga lagi", "keywords": "x", "key": "price"}, "key"),
    ],
)
def test_topic_errors_name_the_field(
    workspace: Workspace, owner: User, values: dict[str, str], field: str
) -> None:
    services.feedback_topics_ensure(workspace=workspace)
    with pytest.raises(ValidationError) as error:
        services.feedback_topic_create(workspace=workspace, actor=owner, **values)
    assert field in error.value.fields
    assert FeedbackTopic.objects.filter(workspace=workspace).count() == 5


def test_a_view_is_recorded_once(workspace: Workspace) -> None:
    invitation = make_invitation(make_survey(workspace, "nps"), ContactFactory(workspace=workspace))
    assert services.survey_invitation_view_record(invitation=invitation) is True
    first = invitation.first_viewed_at
    assert services.survey_invitation_view_record(invitation=invitation) is False
    invitation.refresh_from_db()
    assert (invitation.status, invitation.first_viewed_at) == (InvitationStatus.VIEWED, first)
    assert first is not None
    assert first <= timezone.now()
