"""The satisfaction survey (CSAT): asking after resolve in each channel, recording the answer
(a WhatsApp tap, the public link page, a rating given by phone), and its settings."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any, ClassVar

import pytest
import time_machine
from channels.layers import InMemoryChannelLayer
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.channels.whatsapp.inbound import batch_process
from relasi.channels.whatsapp.models import WhatsAppTemplate
from relasi.channels.whatsapp.payloads import webhook_parse
from relasi.contacts.models import Contact, ContactIdentity
from relasi.conversations import csat, services
from relasi.conversations.enums import (
    ChannelType,
    ConversationStatus,
    DeliveryStatus,
    MessageDirection,
    MessageKind,
)
from relasi.conversations.models import Conversation, CsatSource, Inbox, Message
from relasi.conversations.tasks_csat import csat_request_task
from relasi.core.exceptions import Conflict, ValidationError
from relasi.core.models import AuditAction, AuditLog
from tests.conversations import make_conversation, make_inbox, make_message

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("customer_texts_in_english")]

RESOLVED = ConversationStatus.RESOLVED


def _resolved(inbox: Inbox, *, inbound_at: dt.datetime | None = None, **kwargs: Any) -> Conversation:
    """A resolved conversation whose customer wrote at ``inbound_at`` (default: an hour ago)."""
    at = inbound_at or timezone.now() - dt.timedelta(hours=1)
    conversation = make_conversation(inbox, at=at, status=RESOLVED, resolved_at=timezone.now(), **kwargs)
    make_message(conversation, "Halo kak, pesanan saya sudah sampai?", sent_at=at)
    return conversation


def _activities(conversation: Conversation, action: str) -> list[Message]:
    return list(
        Message.objects.filter(conversation=conversation, kind=MessageKind.ACTIVITY, payload__action=action)
    )


# Resolve → the request is queued after commit -------------------------------------------


def test_resolve_queues_the_request_after_commit_and_remembers_the_agent(
    workspace: Workspace,
    owner: User,
    make_member: Callable[..., User],
    csat_queued: list[int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    elok = make_member(workspace, Role.AGENT, full_name="Elok Wijaya")
    conversation = make_conversation(make_inbox(workspace), assignee=elok)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.conversation_resolve(conversation=conversation, actor=owner)
        assert csat_queued == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    assert csat_queued == [conversation.pk]
    conversation.refresh_from_db()
    assert conversation.csat_agent_id == elok.pk


def test_no_request_when_the_inbox_does_not_ask_or_it_was_asked_before(
    workspace: Workspace, owner: User, csat_queued: list[int], django_capture_on_commit_callbacks: Any
) -> None:
    off = make_inbox(workspace, csat_enabled=False)
    asked = make_conversation(make_inbox(workspace), csat_requested_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        services.conversation_resolve(conversation=make_conversation(off), actor=owner)
        services.conversation_resolve(conversation=asked, actor=owner)
    assert csat_queued == []


def test_a_broker_that_is_down_does_not_undo_the_resolve(
    workspace: Workspace,
    owner: User,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    def broker_down(conversation_id: int) -> None:
        raise ConnectionError("redis is down")

    monkeypatch.setattr(csat_request_task, "delay", broker_down)
    conversation = make_conversation(make_inbox(workspace))
    with django_capture_on_commit_callbacks(execute=True):
        services.conversation_resolve(conversation=conversation, actor=owner)
    conversation.refresh_from_db()
    assert conversation.status == RESOLVED


# Asking -----------------------------------------------------------------------------------


def test_inside_the_window_the_customer_gets_a_list_of_five_ratings(workspace: Workspace) -> None:
    conversation = _resolved(make_inbox(workspace))
    outcome = csat.csat_request_send(conversation_id=conversation.pk)
    assert outcome.status == "sent"
    message = Message.objects.get(pk=outcome.message_id)
    assert (message.kind, message.direction, message.status) == (
        MessageKind.INTERACTIVE,
        MessageDirection.OUTBOUND,
        DeliveryStatus.QUEUED,
    )
    assert message.sender is None  # automatic: not a first response
    assert "How satisfied are you" in message.body
    assert workspace.name in message.body
    listing = message.payload["list"]
    assert listing["button"] == "Rate us"
    rows = listing["sections"][0]["rows"]
    assert [r["title"] for r in rows] == [
        "5 – Very satisfied",
        "4 – Satisfied",
        "3 – Neutral",
        "2 – Dissatisfied",
        "1 – Very dissatisfied",
    ]
    assert [csat.csat_reply_parse(r["id"]) for r in rows] == [(conversation.pk, s) for s in (5, 4, 3, 2, 1)]
    conversation.refresh_from_db()
    assert conversation.csat_requested_at is not None
    assert conversation.first_response_at is None


def test_the_request_is_sent_once_even_when_the_task_runs_twice(workspace: Workspace) -> None:
    conversation = _resolved(make_inbox(workspace))
    assert csat_request_task.apply(args=(conversation.pk,)).get() == "sent"
    assert csat_request_task.apply(args=(conversation.pk,)).get() == "skipped"
    assert Message.objects.filter(conversation=conversation, kind=MessageKind.INTERACTIVE).count() == 1


@pytest.mark.parametrize("case", ["no customer message", "reopened", "inbox off"])
def test_nothing_is_sent_when_there_is_nobody_to_ask(workspace: Workspace, case: str) -> None:
    inbox = make_inbox(workspace, csat_enabled=case != "inbox off")
    if case == "no customer message":
        conversation = make_conversation(inbox, status=RESOLVED, resolved_at=timezone.now())
    else:
        conversation = _resolved(inbox)
    if case == "reopened":
        Conversation.objects.filter(pk=conversation.pk).update(status=ConversationStatus.OPEN)
    assert csat.csat_request_send(conversation_id=conversation.pk).status == "skipped"
    assert not Message.objects.filter(conversation=conversation, direction=MessageDirection.OUTBOUND).exists()
    conversation.refresh_from_db()
    assert conversation.csat_requested_at is None


def test_window_closed_without_a_template_says_why_once_and_keeps_the_conversation_resolved(
    workspace: Workspace,
) -> None:
    conversation = _resolved(make_inbox(workspace), inbound_at=timezone.now() - dt.timedelta(hours=25))
    first = csat.csat_request_send(conversation_id=conversation.pk)
    second = csat.csat_request_send(conversation_id=conversation.pk)
    assert (first.status, second.status) == ("not_sent", "not_sent")
    lines = _activities(conversation, "csat_not_sent")
    assert len(lines) == 1
    assert "csat_request" in lines[0].body
    conversation.refresh_from_db()
    assert conversation.status == RESOLVED
    assert conversation.csat_requested_at is None


def _csat_template(inbox: Inbox, **kwargs: Any) -> WhatsAppTemplate:
    values: dict[str, Any] = {
        "name": "csat_request",
        "language": "id",
        "category": "UTILITY",
        "status": "APPROVED",
        "components": [
            {"type": "BODY", "text": "Halo {{1}}, bagaimana layanan kami? Beri nilai di {{2}} atau pilih:"},
            {
                "type": "BUTTONS",
                "buttons": [
                    {"type": "QUICK_REPLY", "text": "5 Sangat puas"},
                    {"type": "QUICK_REPLY", "text": "3 Biasa saja"},
                    {"type": "QUICK_REPLY", "text": "1 Kecewa"},
                    {"type": "QUICK_REPLY", "text": "Beri nilai lain"},
                    {"type": "URL", "text": "Isi survei", "url": "https://toko.example/d/survei/{{1}}"},
                ],
            },
        ],
        **kwargs,
    }
    return WhatsAppTemplate.objects.create(account=inbox.whatsapp_account, **values)


def test_window_closed_sends_the_utility_template_with_name_link_and_rating_buttons(
    workspace: Workspace,
) -> None:
    inbox = make_inbox(workspace)
    _csat_template(inbox, language="en", name="csat_request")
    _csat_template(inbox, language="id", name="csat_request")  # the same template in Indonesian
    _csat_template(inbox, name="csat_request_promo", category="MARKETING")
    contact = Contact.objects.create(workspace=workspace, full_name="Budi Santoso", phone="+6281298765432")
    conversation = _resolved(inbox, contact=contact, inbound_at=timezone.now() - dt.timedelta(days=2))

    outcome = csat.csat_request_send(conversation_id=conversation.pk)

    assert outcome.status == "sent"
    message = Message.objects.get(pk=outcome.message_id)
    assert message.kind == MessageKind.TEMPLATE
    template = message.payload["template"]
    assert (template["name"], template["language"]) == ("csat_request", "en")  # the customer's language
    name, link = template["body"]
    assert name == "Budi"
    token = link.rsplit("/d/survei/", 1)[1].rstrip("/")
    found = csat.csat_link_resolve(token=token)
    assert found is not None
    assert found.conversation.pk == conversation.pk
    buttons = {b["index"]: b for b in template["buttons"]}
    assert [csat.csat_reply_parse(buttons[i]["value"]) for i in range(4)] == [
        (conversation.pk, 5),
        (conversation.pk, 3),
        (conversation.pk, 1),
        (conversation.pk, csat.OPEN_LIST),
    ]
    assert buttons[4] == {"index": 4, "type": "url", "value": token}
    assert "Halo Budi" in message.body


def test_a_chosen_template_with_a_header_variable_is_not_used(workspace: Workspace) -> None:
    inbox = make_inbox(workspace, csat_template_name="survei_kami")
    _csat_template(
        inbox,
        name="survei_kami",
        components=[{"type": "HEADER", "text": "Untuk {{1}}"}, {"type": "BODY", "text": "Nilai kami?"}],
    )
    conversation = _resolved(inbox, inbound_at=timezone.now() - dt.timedelta(days=2))
    outcome = csat.csat_request_send(conversation_id=conversation.pk)
    assert outcome.status == "not_sent"
    assert "header" in _activities(conversation, "csat_not_sent")[0].body


def test_web_chat_gets_a_text_with_the_survey_link(
    workspace: Workspace, django_capture_on_commit_callbacks: Any
) -> None:
    inbox = Inbox.objects.create(workspace=workspace, name="Chat situs", channel_type=ChannelType.WEBCHAT)
    contact = Contact.objects.create(workspace=workspace, full_name="Pengunjung")
    identity = ContactIdentity.objects.create(
        workspace=workspace, contact=contact, channel="webchat", address="visitor-7f3a"
    )
    conversation = Conversation.objects.create(
        workspace=workspace, inbox=inbox, contact=contact, identity=identity, status=RESOLVED
    )
    make_message(conversation, "Apakah bisa kirim ke Bandung?")
    with django_capture_on_commit_callbacks(execute=True):
        outcome = csat.csat_request_send(conversation_id=conversation.pk)
    message = Message.objects.get(pk=outcome.message_id)
    assert message.kind == MessageKind.TEXT
    assert message.status == DeliveryStatus.SENT  # the web-chat adapter delivered it
    assert "7 days" in message.body
    path = re.search(r"https?://[^/]+(/d/survei/\S+/)", message.body)
    assert path is not None
    # The customer follows the link and answers.
    client = Client()
    assert client.get(path.group(1)).status_code == 200
    assert client.post(path.group(1), {"score": "4", "comment": "Cepat"}).status_code == 302
    conversation.refresh_from_db()
    assert (conversation.csat_score, conversation.csat_comment, conversation.csat_source) == (
        4,
        "Cepat",
        CsatSource.LINK,
    )


def test_email_gets_a_text_with_the_survey_link(workspace: Workspace) -> None:
    from relasi.channels.email.models import EmailAccount

    inbox = Inbox.objects.create(workspace=workspace, name="Surel CS", channel_type=ChannelType.EMAIL)
    EmailAccount.objects.create(inbox=inbox, address="cs@toko.example", smtp_host="127.0.0.1")
    contact = Contact.objects.create(workspace=workspace, full_name="Sari", email="sari@pelanggan.example")
    identity = ContactIdentity.objects.create(
        workspace=workspace, contact=contact, channel="email", address="sari@pelanggan.example"
    )
    conversation = Conversation.objects.create(
        workspace=workspace, inbox=inbox, contact=contact, identity=identity, status=RESOLVED
    )
    make_message(conversation, "Mohon info harga grosir")
    outcome = csat.csat_request_send(conversation_id=conversation.pk)
    assert outcome.status == "sent"
    message = Message.objects.get(pk=outcome.message_id)
    assert message.kind == MessageKind.TEXT
    assert "/d/survei/" in message.body


# Recording --------------------------------------------------------------------------------


def test_record_stores_the_rating_on_the_conversation_and_the_agent_rated(
    workspace: Workspace, make_member: Callable[..., User]
) -> None:
    elok, budi = make_member(workspace, Role.AGENT), make_member(workspace, Role.AGENT)
    conversation = make_conversation(make_inbox(workspace), assignee=budi, csat_agent=elok)
    csat.csat_record(conversation=conversation, score=5, comment="  Ramah   sekali ", source=CsatSource.LINK)
    conversation.refresh_from_db()
    assert conversation.csat_score == 5
    assert conversation.csat_comment == "Ramah sekali"
    assert conversation.csat_agent_id == elok.pk  # assigned at resolve time, not now
    assert conversation.csat_answered_at is not None
    assert conversation.csat_requested_at is not None
    line = _activities(conversation, "csat")[0]
    assert "5/5" in line.body
    assert "Ramah sekali" in line.body
    assert line.payload["score"] == 5


class RecordingLayer(InMemoryChannelLayer):
    """The in-memory channel layer, remembering what was published."""

    sent: ClassVar[list[dict[str, Any]]] = []

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        RecordingLayer.sent.append(message)
        await super().group_send(group, message)


def test_a_rating_is_pushed_to_the_agents_after_commit(
    workspace: Workspace, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": f"{__name__}.RecordingLayer"}}
    RecordingLayer.sent = []
    conversation = make_conversation(make_inbox(workspace), status=RESOLVED)
    with django_capture_on_commit_callbacks(execute=True):
        csat.csat_record(conversation=conversation, score=4, source=CsatSource.LINK)
        assert RecordingLayer.sent == []  # nothing before the commit
    events = {(m["event"], m["conversation_id"]) for m in RecordingLayer.sent}
    assert events == {("conversation.updated", conversation.pk)}


def test_the_first_answer_is_final(workspace: Workspace) -> None:
    conversation = make_conversation(make_inbox(workspace))
    csat.csat_record(conversation=conversation, score=2, source=CsatSource.LINK)
    with pytest.raises(Conflict) as error:
        csat.csat_record(conversation=conversation, score=5, source=CsatSource.WHATSAPP)
    assert error.value.code == "csat_answered"
    conversation.refresh_from_db()
    assert conversation.csat_score == 2


@pytest.mark.parametrize("score", [0, 6, "lima", None, True])
def test_only_one_to_five(workspace: Workspace, score: Any) -> None:
    conversation = make_conversation(make_inbox(workspace))
    with pytest.raises(ValidationError) as error:
        csat.csat_record(conversation=conversation, score=score, source=CsatSource.LINK)
    assert "score" in error.value.fields
    conversation.refresh_from_db()
    assert conversation.csat_score is None


def test_a_too_long_comment_is_refused(workspace: Workspace) -> None:
    conversation = make_conversation(make_inbox(workspace))
    with pytest.raises(ValidationError) as error:
        csat.csat_record(conversation=conversation, score=3, comment="x" * 1001, source=CsatSource.LINK)
    assert "comment" in error.value.fields


# WhatsApp taps (Meta-shaped webhooks through the inbound worker) ---------------------------


def _tap(inbox: Inbox, wa_id: str, reply: dict[str, Any], wamid: str, context_id: str = "") -> None:
    """The customer taps an option: the webhook Meta posts, through the worker's code."""
    message: dict[str, Any] = {"from": wa_id, "id": wamid, "timestamp": str(int(timezone.now().timestamp()))}
    message.update(reply)
    if context_id:
        message["context"] = {"from": "6281100000000", "id": context_id}
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
                            "contacts": [{"profile": {"name": "Budi"}, "wa_id": wa_id}],
                            "messages": [message],
                        },
                    }
                ],
            }
        ],
    }
    batch_process(account=inbox.whatsapp_account, batch=webhook_parse(envelope))


def _list_reply(row_id: str, title: str = "5 – Very satisfied") -> dict[str, Any]:
    return {
        "type": "interactive",
        "interactive": {"type": "list_reply", "list_reply": {"id": row_id, "title": title}},
    }


def test_a_list_tap_is_recorded_in_the_resolved_conversation_and_thanked(workspace: Workspace) -> None:
    inbox = make_inbox(workspace, greeting_message="Halo, selamat datang!", away_message="Kami tutup.")
    conversation = _resolved(inbox)
    survey = csat.csat_request_send(conversation_id=conversation.pk)
    row = Message.objects.get(pk=survey.message_id).payload["list"]["sections"][0]["rows"][1]  # 4

    _tap(inbox, conversation.identity.address, _list_reply(row["id"], row["title"]), "wamid.tap1")
    _tap(
        inbox, conversation.identity.address, _list_reply(row["id"], row["title"]), "wamid.tap1"
    )  # redelivery

    conversation.refresh_from_db()
    assert conversation.status == RESOLVED  # no new conversation, not reopened
    assert Conversation.objects.filter(inbox=inbox).count() == 1
    assert (conversation.csat_score, conversation.csat_source) == (4, CsatSource.WHATSAPP)
    tap = Message.objects.get(external_id="wamid.tap1")
    assert (tap.conversation_id, tap.direction, tap.kind) == (
        conversation.pk,
        "inbound",
        MessageKind.INTERACTIVE,
    )
    assert tap.payload["interactive"]["list_reply"]["id"] == row["id"]
    outbound = list(
        Message.objects.filter(conversation=conversation, direction=MessageDirection.OUTBOUND)
        .exclude(kind=MessageKind.ACTIVITY)
        .values_list("kind", "body")
    )
    # The survey and one thank-you; no greeting and no away message.
    assert [kind for kind, _body in outbound] == [MessageKind.INTERACTIVE, MessageKind.TEXT]
    assert outbound[1][1].startswith("Thank you for your rating")
    assert conversation.unread_count == 0


def test_a_second_tap_changes_nothing(workspace: Workspace) -> None:
    inbox = make_inbox(workspace)
    conversation = _resolved(inbox)
    csat.csat_request_send(conversation_id=conversation.pk)
    address = conversation.identity.address
    _tap(inbox, address, _list_reply(csat.csat_reply_id(conversation_id=conversation.pk, score=1)), "wamid.a")
    _tap(inbox, address, _list_reply(csat.csat_reply_id(conversation_id=conversation.pk, score=5)), "wamid.b")
    conversation.refresh_from_db()
    assert conversation.csat_score == 1
    assert Message.objects.filter(conversation=conversation, external_id="wamid.b").exists()
    assert len(_activities(conversation, "csat")) == 1


def test_a_template_button_with_a_score_records_it_and_one_without_asks_with_the_list(
    workspace: Workspace,
) -> None:
    inbox = make_inbox(workspace)
    conversation = _resolved(inbox, inbound_at=timezone.now() - dt.timedelta(days=3))
    address = conversation.identity.address
    open_list = csat.csat_reply_id(conversation_id=conversation.pk, score=csat.OPEN_LIST)
    _tap(
        inbox, address, {"type": "button", "button": {"payload": open_list, "text": "Beri nilai"}}, "wamid.c"
    )
    listing = Message.objects.get(conversation=conversation, kind=MessageKind.INTERACTIVE)
    assert len(listing.payload["list"]["sections"][0]["rows"]) == 5
    three = csat.csat_reply_id(conversation_id=conversation.pk, score=3)
    _tap(inbox, address, {"type": "button", "button": {"payload": three, "text": "3 Biasa saja"}}, "wamid.d")
    conversation.refresh_from_db()
    assert conversation.csat_score == 3


def test_forged_or_foreign_options_are_ordinary_messages(workspace: Workspace) -> None:
    inbox = make_inbox(workspace)
    mine, other = _resolved(inbox), _resolved(inbox)
    forged = f"csat:{other.pk}:1:{csat.csat_reply_id(conversation_id=mine.pk, score=1).rsplit(':', 1)[1]}"
    # A made-up id, and a genuine option of someone else's conversation sent from my number.
    _tap(inbox, mine.identity.address, _list_reply(forged, "1"), "wamid.e")
    foreign = csat.csat_reply_id(conversation_id=other.pk, score=1)
    _tap(inbox, mine.identity.address, _list_reply(foreign, "1"), "wamid.f")
    other.refresh_from_db()
    mine.refresh_from_db()
    assert other.csat_score is None
    assert mine.csat_score is None
    # Stored the usual way: in a new open conversation of the customer.
    new = Message.objects.get(external_id="wamid.e").conversation
    assert new.pk not in (mine.pk, other.pk)
    assert new.status == ConversationStatus.OPEN
    assert Message.objects.get(external_id="wamid.f").conversation_id == new.pk


def test_reply_ids_cannot_be_moved_between_conversations(workspace: Workspace) -> None:
    inbox = make_inbox(workspace)
    a, b = make_conversation(inbox), make_conversation(inbox)
    mac_a = csat.csat_reply_id(conversation_id=a.pk, score=5).rsplit(":", 1)[1]
    assert csat.csat_reply_parse(f"csat:{b.pk}:5:{mac_a}") is None
    assert csat.csat_reply_parse(f"csat:{a.pk}:9:{mac_a}") is None
    assert csat.csat_reply_parse(f"csat:{a.pk}:5:{mac_a}") == (a.pk, 5)


# The public survey page -------------------------------------------------------------------


def _surveyed(workspace: Workspace) -> tuple[Conversation, str]:
    conversation = make_conversation(make_inbox(workspace), csat_requested_at=timezone.now())
    return conversation, csat.csat_link_token(conversation_id=conversation.pk)


def _survey_url(token: str) -> str:
    return reverse("conversations:csat_survey", args=[token])


def test_the_page_works_without_login_and_stores_the_answer(workspace: Workspace) -> None:
    conversation, token = _surveyed(workspace)
    client = Client(headers={"Accept-Language": "en"})
    page = client.get(_survey_url(token))
    assert page.status_code == 200
    assert page["X-Robots-Tag"] == "noindex, nofollow"
    assert page.content.decode().count('name="score"') == 5
    answered = client.post(_survey_url(token), {"score": "5", "comment": "Mantap, barang cepat sampai"})
    assert answered.status_code == 302
    conversation.refresh_from_db()
    assert (conversation.csat_score, conversation.csat_comment) == (5, "Mantap, barang cepat sampai")
    after = client.get(_survey_url(token))
    assert b'data-testid="csat-answered"' in after.content
    assert b'name="score"' not in after.content


def test_a_second_answer_on_the_page_keeps_the_first(workspace: Workspace) -> None:
    conversation, token = _surveyed(workspace)
    client = Client()
    client.post(_survey_url(token), {"score": "2"})
    again = client.post(_survey_url(token), {"score": "5"})
    assert again.status_code == 200
    assert b'data-testid="csat-answered"' in again.content
    conversation.refresh_from_db()
    assert conversation.csat_score == 2


def test_a_bad_score_re_renders_the_form(workspace: Workspace) -> None:
    conversation, token = _surveyed(workspace)
    response = Client().post(_survey_url(token), {"score": "9", "comment": "hmm"})
    assert response.status_code == 400
    assert b'data-testid="csat-error"' in response.content
    assert b"hmm" in response.content
    conversation.refresh_from_db()
    assert conversation.csat_score is None


def test_the_link_expires_after_seven_days(workspace: Workspace) -> None:
    sent = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(sent, tick=False):
        conversation, token = _surveyed(workspace)
    with time_machine.travel(sent + dt.timedelta(days=6, hours=23), tick=False):
        assert Client().get(_survey_url(token)).status_code == 200
    with time_machine.travel(sent + dt.timedelta(days=7, minutes=1), tick=False):
        client = Client()
        assert client.get(_survey_url(token)).status_code == 410
        assert client.post(_survey_url(token), {"score": "5"}).status_code == 410
    conversation.refresh_from_db()
    assert conversation.csat_score is None


def test_forged_and_unsurveyed_tokens_are_404(workspace: Workspace) -> None:
    conversation, token = _surveyed(workspace)
    never = make_conversation(make_inbox(workspace))
    client = Client()
    assert (
        client.get(_survey_url(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))).status_code == 404
    )
    assert client.get(_survey_url(f"{conversation.pk}")).status_code == 404
    assert client.get(_survey_url(csat.csat_link_token(conversation_id=never.pk))).status_code == 404
    assert client.post(_survey_url("x" + token), {"score": "1"}).status_code == 404


# API ---------------------------------------------------------------------------------------


def test_api_records_a_rating_given_by_phone(
    api_as: Callable[..., Any], owner: User, workspace: Workspace, make_member: Callable[..., User]
) -> None:
    conversation = make_conversation(make_inbox(workspace), status=RESOLVED)
    url = f"/api/v1/conversations/{conversation.pk}/csat"
    agent = make_member(workspace, Role.AGENT)
    assert api_as(agent, workspace).post(url, {"score": 5}).status_code == 403
    api = api_as(owner, workspace)
    assert api.post(url, {"score": 7}, **{"Accept-Language": "en"}).json()["fields"].keys() == {"score"}
    created = api.post(url, {"score": 4, "comment": "Lewat telepon"})
    assert created.status_code == 200, created.content
    body = created.json()
    assert (body["score"], body["comment"], body["source"]) == (4, "Lewat telepon", "agent")
    assert api.post(url, {"score": 5}).status_code == 409
    assert AuditLog.objects.filter(action=AuditAction.UPDATE, object_id=str(conversation.pk)).exists()
    line = _activities(conversation, "csat")[0]
    assert line.sender_id == owner.pk


def test_api_rating_of_another_workspace_is_404(
    api_as: Callable[..., Any], owner: User, workspace: Workspace, other_workspace: Workspace
) -> None:
    theirs = make_conversation(make_inbox(other_workspace))
    assert (
        api_as(owner, workspace).post(f"/api/v1/conversations/{theirs.pk}/csat", {"score": 5}).status_code
        == 404
    )
    theirs.refresh_from_db()
    assert theirs.csat_score is None


def test_api_inbox_survey_settings(
    api_as: Callable[..., Any], owner: User, workspace: Workspace, make_member: Callable[..., User]
) -> None:
    inbox = make_inbox(workspace)
    _csat_template(inbox, name="survei_toko", language="id")
    api = api_as(owner, workspace)
    url = f"/api/v1/inboxes/{inbox.pk}/csat"
    assert api.get(url).json() == {
        "inbox_id": inbox.pk,
        "enabled": True,
        "template_name": "",
        "template_in_use": None,
    }
    assert api.patch(url, {"template_name": "tidak_ada"}).status_code == 400
    changed = api.patch(url, {"enabled": False, "template_name": "survei_toko"})
    assert changed.status_code == 200
    assert changed.json()["template_in_use"] == "survei_toko (id)"
    inbox.refresh_from_db()
    assert (inbox.csat_enabled, inbox.csat_template_name) == (False, "survei_toko")
    assert AuditLog.objects.filter(action=AuditAction.UPDATE, object_id=str(inbox.pk)).exists()
    assert (
        api_as(make_member(workspace, Role.AGENT), workspace).patch(url, {"enabled": True}).status_code == 403
    )


def test_inbox_page_shows_the_rating_of_a_resolved_conversation(
    client_as: Callable[[User], Client], owner: User, workspace: Workspace
) -> None:
    conversation = make_conversation(make_inbox(workspace), status=RESOLVED)
    csat.csat_record(conversation=conversation, score=4, comment="Oke", source=CsatSource.LINK)
    page = client_as(owner).get(reverse("conversations:conversation", args=[workspace.slug, conversation.pk]))
    assert page.status_code == 200
    assert b'data-testid="csat-score"' in page.content


# Interactive lists and template buttons in message_send ------------------------------------


def _rows(count: int, title: str = "Pilihan") -> dict[str, Any]:
    return {
        "button": "Pilih",
        "sections": [{"rows": [{"id": f"r{i}", "title": f"{title} {i}"[:30]} for i in range(count)]}],
    }


@pytest.mark.parametrize(
    "listing",
    [
        _rows(11),  # Meta allows 10 rows in all
        _rows(0),
        _rows(2, title="Judul yang terlalu panjang sekali"),  # 24 characters at most
        {"button": "Tombol yang terlalu panjang", "sections": _rows(2)["sections"]},  # 20 at most
        {"button": "Pilih", "sections": [{"rows": [{"id": "a", "title": "A"}, {"id": "a", "title": "B"}]}]},
        {
            "button": "Pilih",
            "sections": [{"rows": [{"id": "a", "title": "A"}]}, {"rows": [{"id": "b", "title": "B"}]}],
        },
    ],
)
def test_a_list_outside_meta_limits_is_refused_and_nothing_stored(
    workspace: Workspace, owner: User, listing: dict[str, Any]
) -> None:
    from relasi.conversations.services_outbound import message_send

    conversation = make_conversation(make_inbox(workspace))
    with pytest.raises(ValidationError) as error:
        message_send(
            conversation=conversation,
            actor=owner,
            kind=MessageKind.INTERACTIVE,
            body="Pilih",
            payload={"list": listing},
        )
    assert "list" in error.value.fields
    assert not Message.objects.filter(conversation=conversation).exists()


def test_a_list_is_sent_as_meta_documents_it(workspace: Workspace, owner: User) -> None:
    from relasi.channels.whatsapp.sending import message_payload
    from relasi.conversations.services_outbound import message_send

    conversation = make_conversation(make_inbox(workspace))
    listing = {
        "button": "Lihat menu",
        "sections": [
            {"title": "Minuman", "rows": [{"id": "kopi", "title": "Kopi", "description": "Rp18.000"}]},
            {"title": "Makanan", "rows": [{"id": "roti", "title": "Roti"}]},
        ],
    }
    message = message_send(
        conversation=conversation,
        actor=owner,
        kind=MessageKind.INTERACTIVE,
        body="Menu hari ini",
        payload={"list": listing},
    )
    assert message_payload(message, "6281234567890") == {
        "recipient_type": "individual",
        "to": "6281234567890",
        "type": "interactive",
        "interactive": {
            "type": "list",
            "body": {"text": "Menu hari ini"},
            "action": {"button": "Lihat menu", "sections": listing["sections"]},
        },
    }


@pytest.mark.parametrize(
    "buttons",
    [
        [{"index": 10, "type": "quick_reply", "value": "x"}],
        [{"index": 0, "type": "call", "value": "x"}],
        [{"index": 0, "type": "quick_reply", "value": ""}],
        [{"index": "0", "type": "quick_reply", "value": "x"}],
    ],
)
def test_template_button_values_are_checked(
    workspace: Workspace, owner: User, buttons: list[dict[str, Any]]
) -> None:
    from relasi.conversations.services_outbound import message_send

    inbox = make_inbox(workspace)
    template = _csat_template(inbox, components=[{"type": "BODY", "text": "Nilai kami?"}])
    conversation = make_conversation(inbox)
    with pytest.raises(ValidationError) as error:
        message_send(
            conversation=conversation,
            actor=owner,
            kind=MessageKind.TEMPLATE,
            template=template,
            payload={"variables": {"body": []}, "buttons": buttons},
        )
    assert "buttons" in error.value.fields
