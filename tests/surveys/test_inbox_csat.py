"""The inbox's CSAT writes the same models: resolve a conversation → the rating request is an
invitation of the workspace's inbox-CSAT survey → the customer's answer (a tap, the page, or a
rating entered by staff) is a SurveyResponse linked to the contact, the conversation and the
agent rated. And the backfill of ratings given before the surveys app existed."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.channels.email.models import EmailAccount
from relasi.contacts.models import Contact, ContactIdentity
from relasi.conversations import csat, services
from relasi.conversations.enums import ChannelType, ConversationStatus
from relasi.conversations.models import Conversation, CsatSource, Inbox, Message
from relasi.conversations.tasks_csat import csat_request_task
from relasi.core.exceptions import Conflict
from relasi.surveys import selectors
from relasi.surveys.enums import InvitationStatus
from relasi.surveys.models import Survey, SurveyInvitation, SurveyResponse
from tests.conversations import make_conversation, make_inbox, make_message
from tests.surveys.test_sending import _tap

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("customer_texts_in_english")]


@pytest.fixture
def worker_runs_csat_now(monkeypatch: pytest.MonkeyPatch) -> None:
    """``csat_request_task.delay`` runs the task at once (no broker in tests)."""
    monkeypatch.setattr(
        csat_request_task, "delay", lambda conversation_id: csat_request_task.apply(args=(conversation_id,))
    )


@pytest.mark.usefixtures("worker_runs_csat_now")
def test_resolve_request_and_tap_make_an_invitation_and_a_response_with_agent_and_conversation(
    workspace: Workspace,
    owner: User,
    make_member: Callable[..., User],
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given: Elok's WhatsApp conversation with a customer who wrote an hour ago
    elok = make_member(workspace, Role.AGENT, full_name="Elok Wijaya")
    inbox = make_inbox(workspace)
    conversation = make_conversation(inbox, assignee=elok, at=timezone.now() - dt.timedelta(hours=1))
    make_message(conversation, "Terima kasih kak, sudah sampai")
    # when: resolved; the worker asks for the rating
    with django_capture_on_commit_callbacks(execute=True):
        services.conversation_resolve(conversation=conversation, actor=owner)
    # then: an invitation of the inbox-CSAT survey
    survey = Survey.objects.get(workspace=workspace, is_inbox_csat=True)
    invitation = SurveyInvitation.objects.get(survey=survey)
    request = Message.objects.get(conversation=conversation, kind="interactive")
    assert (invitation.contact_id, invitation.conversation_id, invitation.agent_id, invitation.channel) == (
        conversation.contact_id,
        conversation.pk,
        elok.pk,
        "whatsapp",
    )
    assert (invitation.status, invitation.message_id) == (InvitationStatus.SENT, request.pk)
    # when: the customer taps "2 – Dissatisfied"
    row = request.payload["list"]["sections"][0]["rows"][3]
    _tap(inbox, conversation.identity.address, row["id"], "wamid.csat1", row["title"])
    # then: the conversation's rating and a SurveyResponse with agent and conversation
    conversation.refresh_from_db()
    assert (conversation.csat_score, conversation.csat_source) == (2, CsatSource.WHATSAPP)
    response = SurveyResponse.objects.get()
    assert (response.survey_id, response.invitation_id, response.kind, response.score, response.category) == (
        survey.pk,
        invitation.pk,
        "csat",
        2,
        "unsatisfied",
    )
    assert (response.contact_id, response.conversation_id, response.agent_id, response.source) == (
        conversation.contact_id,
        conversation.pk,
        elok.pk,
        "whatsapp",
    )
    assert response.answered_at == conversation.csat_answered_at
    assert response.needs_follow_up  # an unhappy rating shows in the follow-up list
    assert list(selectors.follow_up_list(workspace=workspace)) == [response]
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ANSWERED
    # and the satisfaction summary counts it
    summary = selectors.satisfaction_summary(workspace=workspace, kind="csat")
    assert (summary.total, summary.negative, summary.score) == (1, 1, 0)


def test_an_email_conversation_rated_on_the_page_is_a_response_from_email(workspace: Workspace) -> None:
    inbox = Inbox.objects.create(workspace=workspace, name="Surel CS", channel_type=ChannelType.EMAIL)
    EmailAccount.objects.create(inbox=inbox, address="cs@toko.example", smtp_host="127.0.0.1")
    contact = Contact.objects.create(workspace=workspace, full_name="Sari", email="sari@pelanggan.example")
    identity = ContactIdentity.objects.create(
        workspace=workspace, contact=contact, channel="email", address=contact.email
    )
    conversation = Conversation.objects.create(
        workspace=workspace,
        inbox=inbox,
        contact=contact,
        identity=identity,
        status=ConversationStatus.RESOLVED,
    )
    make_message(conversation, "Mohon info harga grosir")
    assert csat.csat_request_send(conversation_id=conversation.pk).status == "sent"
    token = csat.csat_link_token(conversation_id=conversation.pk)
    page = Client().post(
        reverse("conversations:csat_survey", args=[token]),
        {"score": "5", "comment": "Admin ramah, harga murah"},
    )
    assert page.status_code == 302
    response = SurveyResponse.objects.get()
    assert (response.score, response.source, response.conversation_id, response.contact_id) == (
        5,
        "email",
        conversation.pk,
        contact.pk,
    )
    assert response.topics == ["price", "service"]
    assert SurveyInvitation.objects.get().channel == "email"


def test_a_rating_entered_by_staff_is_a_manual_response_and_the_first_answer_stays_final(
    workspace: Workspace, owner: User, make_member: Callable[..., User]
) -> None:
    budi = make_member(workspace, Role.AGENT)
    conversation = make_conversation(make_inbox(workspace), assignee=budi)
    csat.csat_record(conversation=conversation, score=4, source=CsatSource.AGENT, actor=owner)
    with pytest.raises(Conflict):
        csat.csat_record(conversation=conversation, score=1, source=CsatSource.LINK)
    response = SurveyResponse.objects.get()
    assert (
        response.score,
        response.source,
        response.invitation_id,
        response.agent_id,
        response.recorded_by_id,
    ) == (
        4,
        "manual",
        None,  # rated without a request
        budi.pk,
        owner.pk,
    )
    conversation.refresh_from_db()
    assert conversation.csat_score == 4


def test_the_backfill_copies_earlier_requests_and_ratings_once(
    workspace: Workspace, make_member: Callable[..., User]
) -> None:
    # given: conversations asked and rated before the surveys app existed (fields only)
    elok = make_member(workspace, Role.AGENT)
    inbox = make_inbox(workspace)
    now = timezone.now()
    rated = make_conversation(
        inbox,
        csat_requested_at=now,
        csat_answered_at=now,
        csat_score=1,
        csat_comment="Kurir telat, barang rusak",
        csat_source=CsatSource.LINK,
        csat_agent=elok,
        status=ConversationStatus.RESOLVED,
    )
    asked = make_conversation(inbox, csat_requested_at=now, status=ConversationStatus.RESOLVED)
    make_conversation(inbox)  # never asked
    backfill = importlib.import_module("relasi.surveys.migrations.0002_backfill_inbox_csat").backfill
    # when: the migration runs (twice: it is safe to)
    backfill(apps, None)
    backfill(apps, None)
    # then
    survey = Survey.objects.get(workspace=workspace, is_inbox_csat=True)
    assert sorted(
        SurveyInvitation.objects.filter(survey=survey).values_list("conversation_id", "status")
    ) == sorted([(rated.pk, "answered"), (asked.pk, "sent")])
    response = SurveyResponse.objects.get()
    assert (
        response.conversation_id,
        response.score,
        response.category,
        response.agent_id,
        response.source,
    ) == (
        rated.pk,
        1,
        "unsatisfied",
        elok.pk,
        "whatsapp",  # a link answer in a WhatsApp inbox
    )
    assert response.topic_keywords == {"delivery": ["kurir", "telat"], "quality": ["rusak"]}
    # the backfilled invitation's token is a real one
    invitation = SurveyInvitation.objects.get(conversation=rated)
    assert not invitation.token.startswith("pending-")
