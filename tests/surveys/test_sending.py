"""Sending a survey over each channel — WhatsApp (a list, or the link for NPS; e-mail when the
24-hour window has closed), e-mail, web chat, a link to copy — and a customer's tap on a
WhatsApp survey option, through the real inbound worker."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.channels.whatsapp.inbound import batch_process
from relasi.channels.whatsapp.payloads import webhook_parse
from relasi.contacts.models import Contact, ContactIdentity
from relasi.conversations.enums import (
    ChannelType,
    ConversationStatus,
    DeliveryStatus,
    MessageDirection,
    MessageKind,
)
from relasi.conversations.models import Conversation, Inbox, Message
from relasi.core.exceptions import Conflict, ValidationError
from relasi.surveys import services, tokens
from relasi.surveys.enums import InvitationStatus
from relasi.surveys.models import SurveyInvitation, SurveyResponse
from relasi.surveys.sending import survey_invitation_send
from tests.conversations import make_conversation, make_inbox, make_message
from tests.surveys import make_survey

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("customer_texts_in_english")]

LINK = re.compile(r"https?://[^/\s]+(/d/survei-pelanggan/[^/\s]+/)")


def _customer(workspace: Workspace, *, email: str = "") -> Contact:
    return Contact.objects.create(
        workspace=workspace, full_name="Sari Dewi", phone="+6281234500001", email=email
    )


def _whatsapp(workspace: Workspace, contact: Contact, *, hours_ago: float = 1, **kwargs: Any) -> Conversation:
    """A WhatsApp conversation whose customer last wrote ``hours_ago``."""
    at = timezone.now() - dt.timedelta(hours=hours_ago)
    conversation = make_conversation(make_inbox(workspace), contact, at=at, **kwargs)
    make_message(conversation, "Kak, paketnya sudah sampai", sent_at=at)
    return conversation


def _outbound(conversation: Conversation) -> list[Message]:
    return list(Message.objects.filter(conversation=conversation, direction=MessageDirection.OUTBOUND))


# WhatsApp ---------------------------------------------------------------------------------------------


def test_whatsapp_csat_inside_the_window_is_a_list_of_five_sent_after_commit(
    workspace: Workspace,
    owner: User,
    make_member: Callable[..., User],
    django_capture_on_commit_callbacks: Any,
) -> None:
    elok = make_member(workspace, Role.AGENT, full_name="Elok Wijaya")
    contact = _customer(workspace)
    conversation = _whatsapp(workspace, contact, assignee=elok)
    survey = make_survey(workspace, "csat")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = survey_invitation_send(survey=survey, contact=contact, channel="whatsapp", actor=owner)
    assert callbacks  # the delivery (and the push to agents) wait for the commit
    invitation = result.invitation
    assert (invitation.channel, invitation.status, invitation.conversation_id, invitation.agent_id) == (
        "whatsapp",
        InvitationStatus.SENT,
        conversation.pk,
        elok.pk,  # the conversation's agent
    )
    (message,) = _outbound(conversation)
    assert invitation.message_id == message.pk
    assert (message.kind, message.status, message.sender_id) == (
        MessageKind.INTERACTIVE,
        DeliveryStatus.QUEUED,
        None,
    )
    assert message.body.startswith("How satisfied are you with our service?")
    rows = message.payload["list"]["sections"][0]["rows"]
    assert [r["title"] for r in rows] == [
        "5 – Very satisfied",
        "4 – Satisfied",
        "3 – Neutral",
        "2 – Dissatisfied",
        "1 – Very dissatisfied",
    ]
    assert [tokens.reply_parse(r["id"]) for r in rows] == [(invitation.pk, s) for s in (5, 4, 3, 2, 1)]
    conversation.refresh_from_db()
    assert conversation.first_response_at is None  # automatic, not an agent's reply
    assert result.fallback == ""


def test_whatsapp_ces_is_a_list_of_seven_from_very_easy_to_very_difficult(
    workspace: Workspace, owner: User
) -> None:
    contact = _customer(workspace)
    conversation = _whatsapp(workspace, contact)
    survey_invitation_send(
        survey=make_survey(workspace, "ces"), contact=contact, channel="whatsapp", actor=owner
    )
    (message,) = _outbound(conversation)
    titles = [r["title"] for r in message.payload["list"]["sections"][0]["rows"]]
    assert titles[0] == "7 – Very easy"
    assert titles[-1] == "1 – Very difficult"
    assert len(titles) == 7
    assert "from 1 (Very difficult) to 7 (Very easy)" in message.body


def test_whatsapp_nps_sends_the_link_because_eleven_answers_do_not_fit_a_list(
    workspace: Workspace, owner: User
) -> None:
    contact = _customer(workspace)
    conversation = _whatsapp(workspace, contact)
    result = survey_invitation_send(
        survey=make_survey(workspace, "nps"), contact=contact, channel="whatsapp", actor=owner
    )
    (message,) = _outbound(conversation)
    assert message.kind == MessageKind.TEXT
    assert "recommend Toko Hadiah Hero" in message.body
    assert "from 0 (Not at all likely) to 10 (Extremely likely)" in message.body
    found = LINK.search(message.body)
    assert found is not None
    assert result.url.endswith(found.group(1))
    assert found.group(1) == f"/d/survei-pelanggan/{result.invitation.token}/"


def test_window_closed_goes_by_email_and_says_why(
    workspace: Workspace, owner: User, django_capture_on_commit_callbacks: Any
) -> None:
    contact = _customer(workspace, email="sari@pelanggan.example")
    conversation = _whatsapp(workspace, contact, hours_ago=30)
    with django_capture_on_commit_callbacks(execute=True):
        result = survey_invitation_send(
            survey=make_survey(workspace, "csat"), contact=contact, channel="whatsapp", actor=owner
        )
        assert mail.outbox == []  # not before the commit
    assert _outbound(conversation) == []
    assert (result.channel, result.invitation.channel, result.invitation.sent_to) == (
        "email",
        "email",
        "sari@pelanggan.example",
    )
    assert result.invitation.conversation_id is None
    assert result.fallback == "Sent by e-mail: the WhatsApp 24-hour window with Sari Dewi has closed."
    (sent,) = mail.outbox
    assert sent.to == ["sari@pelanggan.example"]
    assert sent.subject == "Toko Hadiah Hero would like your opinion"
    assert f"/d/survei-pelanggan/{result.invitation.token}/" in sent.body
    assert "Hello Sari," in sent.body


def test_window_closed_without_email_is_refused_and_writes_nothing(workspace: Workspace, owner: User) -> None:
    contact = _customer(workspace)
    conversation = _whatsapp(workspace, contact, hours_ago=25)
    with pytest.raises(Conflict) as error:
        survey_invitation_send(
            survey=make_survey(workspace, "nps"), contact=contact, channel="whatsapp", actor=owner
        )
    assert error.value.code == "window_closed"
    assert "24-hour window with Sari Dewi has closed" in str(error.value.message)
    assert "no e-mail address" in str(error.value.message)
    assert "channel" in error.value.fields
    assert not SurveyInvitation.objects.exists()
    assert _outbound(conversation) == []


def test_a_customer_who_never_wrote_on_whatsapp_gets_the_email(workspace: Workspace, owner: User) -> None:
    contact = _customer(workspace, email="sari@pelanggan.example")
    result = survey_invitation_send(
        survey=make_survey(workspace, "nps"), contact=contact, channel="whatsapp", actor=owner
    )
    assert result.channel == "email"
    assert "has not written to us on WhatsApp" in result.fallback


# E-mail, web chat, link ------------------------------------------------------------------------------


def test_email_sends_the_link(
    workspace: Workspace, owner: User, django_capture_on_commit_callbacks: Any
) -> None:
    contact = _customer(workspace, email="sari@pelanggan.example")
    with django_capture_on_commit_callbacks(execute=True):
        result = survey_invitation_send(
            survey=make_survey(workspace, "ces"), contact=contact, channel="email", actor=owner
        )
    assert (result.invitation.status, result.fallback) == (InvitationStatus.SENT, "")
    (sent,) = mail.outbox
    assert result.url in sent.body
    assert "from 1 (Very difficult) to 7 (Very easy)" in sent.body


def test_email_without_an_address_names_the_field(workspace: Workspace, owner: User) -> None:
    with pytest.raises(ValidationError) as error:
        survey_invitation_send(
            survey=make_survey(workspace, "ces"), contact=_customer(workspace), channel="email", actor=owner
        )
    assert "channel" in error.value.fields
    assert "no e-mail address" in str(error.value.fields["channel"])


def _webchat(workspace: Workspace, contact: Contact, status: str = ConversationStatus.OPEN) -> Conversation:
    inbox = Inbox.objects.create(workspace=workspace, name="Chat situs", channel_type=ChannelType.WEBCHAT)
    identity = ContactIdentity.objects.create(
        workspace=workspace, contact=contact, channel="webchat", address="visitor-1"
    )
    conversation = Conversation.objects.create(
        workspace=workspace,
        inbox=inbox,
        contact=contact,
        identity=identity,
        status=status,
        last_message_at=timezone.now(),
    )
    make_message(conversation, "Halo, mau tanya ongkir")
    return conversation


def test_web_chat_gets_a_message_with_the_link_in_the_open_conversation(
    workspace: Workspace, owner: User, django_capture_on_commit_callbacks: Any
) -> None:
    contact = _customer(workspace)
    conversation = _webchat(workspace, contact)
    with django_capture_on_commit_callbacks(execute=True):
        result = survey_invitation_send(
            survey=make_survey(workspace, "csat"), contact=contact, channel="webchat", actor=owner
        )
    (message,) = _outbound(conversation)
    assert (message.kind, message.status) == (
        MessageKind.TEXT,
        DeliveryStatus.SENT,
    )  # the web chat delivered it
    assert result.url in message.body
    assert (result.invitation.channel, result.invitation.conversation_id) == ("webchat", conversation.pk)


def test_web_chat_without_an_open_conversation_is_refused(workspace: Workspace, owner: User) -> None:
    contact = _customer(workspace)
    _webchat(workspace, contact, status=ConversationStatus.RESOLVED)
    with pytest.raises(ValidationError) as error:
        survey_invitation_send(
            survey=make_survey(workspace, "csat"), contact=contact, channel="webchat", actor=owner
        )
    assert "no open web-chat conversation" in str(error.value.fields["channel"])
    assert not SurveyInvitation.objects.exists()


def test_a_link_is_made_to_copy_and_nothing_is_sent(workspace: Workspace, owner: User) -> None:
    contact = _customer(workspace, email="sari@pelanggan.example")
    result = survey_invitation_send(
        survey=make_survey(workspace, "nps"), contact=contact, channel="link", actor=owner
    )
    assert (result.invitation.status, result.invitation.sent_at, result.invitation.created_by_id) == (
        InvitationStatus.CREATED,
        None,
        owner.pk,
    )
    assert result.url.endswith(f"/d/survei-pelanggan/{result.invitation.token}/")
    assert mail.outbox == []
    assert not Message.objects.filter(direction=MessageDirection.OUTBOUND).exists()


def test_a_conversation_is_asked_once_per_survey(workspace: Workspace, owner: User) -> None:
    contact = _customer(workspace)
    conversation = _whatsapp(workspace, contact)
    survey = make_survey(workspace, "csat")
    survey_invitation_send(survey=survey, contact=contact, channel="whatsapp", actor=owner)
    with pytest.raises(Conflict) as error:
        survey_invitation_send(survey=survey, contact=contact, channel="whatsapp", actor=owner)
    assert error.value.code == "already_invited"
    assert SurveyInvitation.objects.filter(conversation=conversation).count() == 1
    assert len(_outbound(conversation)) == 1


def test_switched_off_and_inbox_surveys_are_not_sent(workspace: Workspace, owner: User) -> None:
    contact = _customer(workspace, email="sari@pelanggan.example")
    with pytest.raises(Conflict) as error:
        survey_invitation_send(
            survey=make_survey(workspace, "nps", is_active=False),
            contact=contact,
            channel="email",
            actor=owner,
        )
    assert error.value.code == "survey_closed"
    with pytest.raises(ValidationError) as invalid:
        survey_invitation_send(
            survey=services.inbox_csat_survey_get(workspace=workspace),
            contact=contact,
            channel="email",
            actor=owner,
        )
    assert "survey" in invalid.value.fields
    with pytest.raises(ValidationError) as channel:
        survey_invitation_send(
            survey=make_survey(workspace, "nps"), contact=contact, channel="sms", actor=owner
        )
    assert "channel" in channel.value.fields


def test_another_workspaces_customer_is_refused(
    workspace: Workspace, other_workspace: Workspace, owner: User
) -> None:
    stranger = Contact.objects.create(
        workspace=other_workspace, full_name="Orang Lain", email="lain@contoh.id"
    )
    with pytest.raises(ValidationError) as error:
        survey_invitation_send(
            survey=make_survey(workspace, "nps"), contact=stranger, channel="email", actor=owner
        )
    assert "contact_id" in error.value.fields


# A tap in WhatsApp --------------------------------------------------------------------------------


def _tap(inbox: Inbox, wa_id: str, row_id: str, wamid: str, title: str = "4") -> None:
    """The customer taps a list row: the webhook Meta posts, through the worker's code."""
    message = {
        "from": wa_id,
        "id": wamid,
        "timestamp": str(int(timezone.now().timestamp())),
        "type": "interactive",
        "interactive": {"type": "list_reply", "list_reply": {"id": row_id, "title": title}},
    }
    envelope = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "200000",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "6281100000000",
                                "phone_number_id": inbox.whatsapp_account.phone_number_id,
                            },
                            "contacts": [{"profile": {"name": "Sari"}, "wa_id": wa_id}],
                            "messages": [message],
                        },
                    }
                ],
            }
        ],
    }
    batch_process(account=inbox.whatsapp_account, batch=webhook_parse(envelope))


def test_a_tap_is_the_answer_and_is_thanked_with_the_link_for_a_comment(
    workspace: Workspace, owner: User, make_member: Callable[..., User]
) -> None:
    elok = make_member(workspace, Role.AGENT)
    contact = _customer(workspace)
    conversation = _whatsapp(workspace, contact, assignee=elok, status=ConversationStatus.RESOLVED)
    result = survey_invitation_send(
        survey=make_survey(workspace, "ces"), contact=contact, channel="whatsapp", actor=owner
    )
    address = conversation.identity.address
    two = tokens.reply_id(invitation_id=result.invitation.pk, score=2)
    seven = tokens.reply_id(invitation_id=result.invitation.pk, score=7)

    _tap(conversation.inbox, address, two, "wamid.s1")
    _tap(conversation.inbox, address, two, "wamid.s1")  # redelivered
    _tap(conversation.inbox, address, seven, "wamid.s2")  # a second tap changes nothing

    response = SurveyResponse.objects.get()
    assert (response.score, response.category, response.source) == (2, "hard", "whatsapp")
    assert (response.contact_id, response.conversation_id, response.agent_id) == (
        contact.pk,
        conversation.pk,
        elok.pk,
    )
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.RESOLVED  # the tap opened nothing new
    assert Conversation.objects.filter(contact=contact).count() == 1
    taps = Message.objects.filter(
        conversation=conversation, direction=MessageDirection.INBOUND, kind=MessageKind.INTERACTIVE
    )
    assert sorted(taps.values_list("external_id", flat=True)) == ["wamid.s1", "wamid.s2"]
    thanks = [m.body for m in _outbound(conversation) if m.kind == MessageKind.TEXT]
    assert len(thanks) == 1
    assert thanks[0].startswith("Thank you for your answer! What is the main reason for your score?")
    assert result.url in thanks[0]


def test_forged_survey_options_are_ordinary_messages(workspace: Workspace, owner: User) -> None:
    contact = _customer(workspace)
    conversation = _whatsapp(workspace, contact)
    result = survey_invitation_send(
        survey=make_survey(workspace, "csat"), contact=contact, channel="whatsapp", actor=owner
    )
    mac = tokens.reply_id(invitation_id=result.invitation.pk, score=5).rsplit(":", 1)[1]
    forged = f"csat:survey:{result.invitation.pk + 1}:5:{mac}"
    _tap(conversation.inbox, conversation.identity.address, forged, "wamid.f1")
    assert not SurveyResponse.objects.exists()
    assert (
        Message.objects.get(external_id="wamid.f1").conversation_id == conversation.pk
    )  # the open conversation
    assert tokens.reply_parse(forged) is None
