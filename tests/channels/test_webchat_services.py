"""Web chat services: the pre-chat form turns a visitor into a contact identity (linked to the
customer the business already has), messages are stored once per client id, the inbox's
office hours and away message apply, receipts move statuses forward, inbox set-up rules.

Expected values come from the rules in the brief and DESIGN: E.164 for numbers
(``0812-1111-2222`` → ``+6281211112222``, WhatsApp id without ``+``), e-mails lower-case,
Asia/Jakarta = UTC+7; 9 August 2026 is a Sunday, 10 August 2026 a Monday."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from relasi.accounts.models import User, Workspace
from relasi.channels.webchat import selectors, services
from relasi.channels.webchat.enums import PrechatContact
from relasi.channels.webchat.origins import origin_allowed, origin_normalize
from relasi.contacts.enums import Channel, Source
from relasi.contacts.models import Contact, ContactIdentity
from relasi.conversations.enums import ConversationStatus, DeliveryStatus, MessageDirection, MessageKind
from relasi.conversations.models import Conversation, Message, OfficeHours
from relasi.conversations.services import conversation_resolve, note_add
from relasi.conversations.services_outbound import message_send
from relasi.core.exceptions import Conflict, ValidationError
from relasi.core.models import AuditLog
from tests.channels.test_webchat_common import WEBSITE, make_visitor, make_widget
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db
WIB = ZoneInfo("Asia/Jakarta")


# Pre-chat: the visitor becomes a contact identity ------------------------------------------


def test_a_new_visitor_becomes_a_new_contact_with_its_identities(workspace: Workspace) -> None:
    widget = make_widget(workspace)
    visitor = services.visitor_start(
        widget=widget,
        name="  Sari   Dewi ",
        whatsapp="0812-1111-2222",
        email="Sari@Contoh.CO.ID",
        origin="https://toko-hero.example/produk/vas?x=1",
        user_agent="Mozilla/5.0 (Linux; Android 14) " + "x" * 500,
        ip="203.0.113.77",
        language="en",
    )
    contact = visitor.identity.contact
    assert contact.workspace == workspace
    assert contact.full_name == "Sari Dewi"
    assert contact.phone == "+6281211112222"
    assert contact.email == "sari@contoh.co.id"
    assert contact.source == Source.WEBSITE
    identities = set(ContactIdentity.objects.filter(contact=contact).values_list("channel", "address"))
    assert identities == {
        ("whatsapp", "6281211112222"),
        ("email", "sari@contoh.co.id"),
        ("webchat", str(visitor.visitor_id)),
    }
    assert visitor.identity.display_name == "Sari Dewi"
    # Kept minimal (UU PDP): the website's origin only, a truncated agent and network.
    assert visitor.origin == "https://toko-hero.example"
    assert len(visitor.user_agent) == 200
    assert visitor.ip_network == "203.0.113.0/24"
    assert visitor.language == "en"


def test_ipv6_is_kept_as_its_48_network() -> None:
    assert services.ip_network_of("2001:db8:abcd:12:1:2:3:4") == "2001:db8:abcd::/48"
    assert services.ip_network_of("not an address") == ""


def test_a_visitor_with_a_known_number_joins_that_customer(workspace: Workspace) -> None:
    known = ContactFactory(workspace=workspace, full_name="Ibu Sari", phone="+6281211112222", email="")
    widget = make_widget(workspace)
    visitor = make_visitor(widget, name="Sari", whatsapp="+62 812 1111 2222", email="lain@contoh.co.id")
    assert visitor.identity.contact == known
    assert Contact.objects.filter(workspace=workspace).count() == 1
    known.refresh_from_db()
    # What the visitor typed is not verified: the known customer is not changed.
    assert known.full_name == "Ibu Sari"
    assert known.email == ""
    assert not ContactIdentity.objects.filter(workspace=workspace, channel=Channel.EMAIL).exists()


def test_the_number_may_be_a_whatsapp_identity_or_the_other_phone(workspace: Workspace) -> None:
    by_identity = ContactFactory(workspace=workspace, phone="+6281300000001")
    ContactIdentity.objects.create(
        workspace=workspace, contact=by_identity, channel=Channel.WHATSAPP, address="6281277776666"
    )
    by_alt = ContactFactory(workspace=workspace, phone="+6281300000002", phone_alt="+6281255554444")
    widget = make_widget(workspace)
    assert make_visitor(widget, whatsapp="081277776666").identity.contact == by_identity
    assert make_visitor(widget, whatsapp="0812-5555-4444").identity.contact == by_alt


def test_a_visitor_with_a_known_email_joins_that_customer(workspace: Workspace) -> None:
    known = ContactFactory(workspace=workspace, phone="", email="budi@contoh.co.id")
    widget = make_widget(workspace, prechat_contact=PrechatContact.EMAIL)
    visitor = make_visitor(widget, name="Budi", whatsapp="", email="BUDI@contoh.co.id")
    assert visitor.identity.contact == known


def test_the_same_person_twice_is_one_contact_with_two_visitor_identities(workspace: Workspace) -> None:
    widget = make_widget(workspace)
    first = make_visitor(widget, email="sari@contoh.co.id")
    second = make_visitor(widget, whatsapp="", email="sari@contoh.co.id")
    assert first.identity.contact_id == second.identity.contact_id
    assert Contact.objects.filter(workspace=workspace).count() == 1
    assert ContactIdentity.objects.filter(workspace=workspace, channel=Channel.WEBCHAT).count() == 2


def test_a_contact_of_another_workspace_is_never_linked(
    workspace: Workspace, other_workspace: Workspace
) -> None:
    stranger = ContactFactory(workspace=other_workspace, phone="+6281211112222")
    visitor = make_visitor(make_widget(workspace))
    assert visitor.identity.contact != stranger
    assert visitor.identity.contact.workspace == workspace


def test_a_merged_contact_is_not_chosen(workspace: Workspace) -> None:
    survivor = ContactFactory(workspace=workspace, phone="", email="")
    ContactFactory(workspace=workspace, phone="+6281211112222", merged_into=survivor)
    visitor = make_visitor(make_widget(workspace))
    assert visitor.identity.contact.merged_into_id is None


@pytest.mark.parametrize(
    ("requirement", "whatsapp", "email", "fields"),
    [
        (PrechatContact.EITHER, "", "", {"whatsapp", "email"}),
        (PrechatContact.WHATSAPP, "", "sari@contoh.co.id", {"whatsapp"}),
        (PrechatContact.EMAIL, "0812-1111-2222", "", {"email"}),
        (PrechatContact.BOTH, "0812-1111-2222", "", {"email"}),
        (PrechatContact.EITHER, "021-555-1234", "", {"whatsapp"}),  # a Jakarta landline
        (PrechatContact.EITHER, "12", "", {"whatsapp"}),
        (PrechatContact.EITHER, "", "sari@", {"email"}),
    ],
)
def test_the_prechat_form_rules(
    workspace: Workspace, requirement: str, whatsapp: str, email: str, fields: set[str]
) -> None:
    widget = make_widget(workspace, prechat_contact=requirement)
    with pytest.raises(ValidationError) as caught:
        services.visitor_start(widget=widget, name="Sari", whatsapp=whatsapp, email=email)
    assert set(caught.value.fields) == fields
    assert not Contact.objects.exists()
    assert not ContactIdentity.objects.exists()


def test_the_name_is_required_and_errors_speak_english_when_asked(workspace: Workspace) -> None:
    with pytest.raises(ValidationError) as caught:
        services.visitor_start(widget=make_widget(workspace), name="   ", whatsapp="0812-1111-2222")
    assert caught.value.fields == {"name": "Tell us your name."}


# Messages ----------------------------------------------------------------------------------


def test_a_message_is_stored_once_per_client_id(workspace: Workspace) -> None:
    widget = make_widget(workspace)
    visitor = make_visitor(widget)
    client_id = str(uuid.uuid4())
    message, created = services.visitor_message_receive(
        visitor=visitor, client_id=client_id, body=" Halo kak "
    )
    again, created_again = services.visitor_message_receive(
        visitor=visitor, client_id=client_id, body="Halo kak"
    )
    assert (created, created_again) == (True, False)
    assert again.pk == message.pk
    assert Message.objects.filter(inbox=widget.inbox).count() == 1
    assert message.external_id == f"wc:{client_id}"
    assert message.body == "Halo kak"
    assert message.direction == MessageDirection.INBOUND
    conversation = Conversation.objects.get(pk=message.conversation_id)
    assert conversation.inbox == widget.inbox
    assert conversation.identity == visitor.identity
    assert conversation.contact == visitor.identity.contact
    assert conversation.unread_count == 1
    assert conversation.last_inbound_at is not None


def test_bad_messages_are_refused(workspace: Workspace) -> None:
    visitor = make_visitor(make_widget(workspace))
    with pytest.raises(ValidationError) as caught:
        services.visitor_message_receive(visitor=visitor, client_id="1234", body="Halo")
    assert set(caught.value.fields) == {"client_id"}
    with pytest.raises(ValidationError) as caught:
        services.visitor_message_receive(visitor=visitor, client_id=str(uuid.uuid4()), body="   ")
    assert set(caught.value.fields) == {"body"}
    with pytest.raises(ValidationError):
        services.visitor_message_receive(visitor=visitor, client_id=str(uuid.uuid4()), body="x" * 4097)
    assert not Message.objects.exists()
    assert not Conversation.objects.exists()


def test_another_visitor_cannot_take_over_a_client_id(workspace: Workspace) -> None:
    widget = make_widget(workspace)
    sari = make_visitor(widget)
    budi = make_visitor(widget, name="Budi", whatsapp="0813-9999-8888")
    client_id = str(uuid.uuid4())
    services.visitor_message_receive(visitor=sari, client_id=client_id, body="Halo")
    with pytest.raises(Conflict):
        services.visitor_message_receive(visitor=budi, client_id=client_id, body="Saya juga")


def test_after_a_resolved_conversation_a_new_one_starts(workspace: Workspace, owner: User) -> None:
    visitor = make_visitor(make_widget(workspace))
    first, _c = services.visitor_message_receive(visitor=visitor, client_id=str(uuid.uuid4()), body="Halo")
    conversation_resolve(conversation=first.conversation, actor=owner)
    second, _c = services.visitor_message_receive(visitor=visitor, client_id=str(uuid.uuid4()), body="Lagi")
    assert second.conversation_id != first.conversation_id
    assert Conversation.objects.get(pk=second.conversation_id).status == ConversationStatus.OPEN
    current = selectors.visitor_current_conversation(visitor=visitor)
    assert current is not None
    assert current.pk == second.conversation_id


def _office_hours_monday_to_friday(widget_inbox_id: int) -> None:
    for day in range(5):
        OfficeHours.objects.create(
            inbox_id=widget_inbox_id, weekday=day, opens=dt.time(8, 0), closes=dt.time(17, 0)
        )


def test_when_closed_a_message_is_kept_and_the_away_message_answers(
    workspace: Workspace, django_capture_on_commit_callbacks: Any
) -> None:
    widget = make_widget(workspace)
    inbox = widget.inbox
    inbox.away_message = "Kami tutup, {{name}}. Buka lagi {{next_opening}}."
    inbox.save()
    _office_hours_monday_to_friday(inbox.pk)
    visitor = make_visitor(widget, name="Sari Dewi")
    with time_machine.travel(dt.datetime(2026, 8, 9, 10, 0, tzinfo=WIB), tick=False):  # Sunday
        availability = selectors.widget_availability(widget=widget, at=dt.datetime.now(dt.UTC), language="id")
        with django_capture_on_commit_callbacks(execute=True):
            message, _c = services.visitor_message_receive(
                visitor=visitor, client_id=str(uuid.uuid4()), body="Halo"
            )
    assert availability["open"] is False
    assert availability["text"] == "Kami tutup, . Buka lagi Senin, 08.00."
    assert availability["next_opening"] == "2026-08-10T08:00:00+07:00"
    away = Message.objects.get(conversation_id=message.conversation_id, direction=MessageDirection.OUTBOUND)
    assert away.body == "Kami tutup, Sari Dewi. Buka lagi Senin, 08.00."
    # The web-chat adapter delivered it: the visitor sees it.
    assert away.status == DeliveryStatus.SENT
    assert [m.pk for m in selectors.visitor_messages(visitor=visitor)] == [message.pk, away.pk]


def test_the_widgets_own_offline_text_wins_and_english_dates(workspace: Workspace) -> None:
    widget = make_widget(workspace, offline_text="Sedang tutup. Tinggalkan pesan.", welcome_text="Halo!")
    _office_hours_monday_to_friday(widget.inbox_id)
    sunday = dt.datetime(2026, 8, 9, 10, 0, tzinfo=WIB)
    closed = selectors.widget_availability(widget=widget, at=sunday, language="en")
    assert closed["text"] == "Sedang tutup. Tinggalkan pesan."
    assert closed["next_opening_text"] == "We are back Monday, 08:00."
    monday = dt.datetime(2026, 8, 10, 9, 0, tzinfo=WIB)
    opened = selectors.widget_availability(widget=widget, at=monday, language="en")
    assert opened == {"open": True, "text": "Halo!", "next_opening": None, "next_opening_text": ""}


def test_the_visitor_sees_only_its_own_thread(workspace: Workspace, owner: User) -> None:
    widget = make_widget(workspace)
    sari = make_visitor(widget)
    mine, _c = services.visitor_message_receive(visitor=sari, client_id=str(uuid.uuid4()), body="Halo")
    conversation = mine.conversation
    note_add(conversation=conversation, author=owner, body="Pelanggan lama, beri diskon")
    reply = message_send(conversation=conversation, actor=owner, kind=MessageKind.TEXT, body="Halo juga")
    # Another visitor linked to the same customer writes too: Sari's widget does not show it.
    twin = make_visitor(widget, name="Sari di laptop")
    assert twin.identity.contact_id == sari.identity.contact_id
    services.visitor_message_receive(visitor=twin, client_id=str(uuid.uuid4()), body="Dari laptop")
    shown = selectors.visitor_messages(visitor=sari)
    assert [m.pk for m in shown] == [mine.pk, reply.pk]
    rows = [selectors.message_for_visitor(m, visitor=sari) for m in shown]
    assert [(r["from"], r["body"]) for r in rows] == [("visitor", "Halo"), ("business", "Halo juga")]
    assert rows[0]["client_id"] == mine.external_id[3:]
    assert rows[1]["sender"] == "Pemilik"  # the agent's first name only
    assert [m.pk for m in selectors.visitor_messages(visitor=sari, after_id=mine.pk)] == [reply.pk]


# Receipts ----------------------------------------------------------------------------------


def test_receipts_move_forward_only_and_only_for_the_visitors_messages(
    workspace: Workspace, owner: User, django_capture_on_commit_callbacks: Any
) -> None:
    widget = make_widget(workspace)
    sari = make_visitor(widget)
    budi = make_visitor(widget, name="Budi", whatsapp="0813-9999-8888")
    inbound, _c = services.visitor_message_receive(visitor=sari, client_id=str(uuid.uuid4()), body="Halo")
    with django_capture_on_commit_callbacks(execute=True):
        reply = message_send(
            conversation=inbound.conversation, actor=owner, kind=MessageKind.TEXT, body="Halo"
        )
    reply.refresh_from_db()
    assert reply.status == DeliveryStatus.SENT
    assert services.visitor_receipts_apply(visitor=budi, message_ids=[reply.pk], status="read") == []
    assert services.visitor_receipts_apply(visitor=sari, message_ids=[inbound.pk], status="read") == []
    assert services.visitor_receipts_apply(visitor=sari, message_ids=[reply.pk], status="read") == [reply.pk]
    assert services.visitor_receipts_apply(visitor=sari, message_ids=[reply.pk], status="delivered") == []
    reply.refresh_from_db()
    assert reply.status == DeliveryStatus.READ
    assert reply.read_at is not None
    assert reply.delivered_at is not None  # a late "delivered" still fills its own time
    with pytest.raises(ValidationError):
        services.visitor_receipts_apply(visitor=sari, message_ids=[reply.pk], status="failed")


# Inbox set-up ------------------------------------------------------------------------------


def test_create_a_webchat_inbox_with_canonical_origins(workspace: Workspace, owner: User) -> None:
    inbox = services.webchat_inbox_create(
        workspace=workspace,
        actor=owner,
        values={
            "name": "Chat website",
            "website_name": "Toko Hero",
            "allowed_origins": "https://Toko-Hero.example/\nhttps://*.toko-hero.example:443, http://localhost:8080",
            "color": "#1F6FEB",
            "member_ids": [owner.pk],
        },
    )
    widget = inbox.webchat_widget
    assert inbox.channel_type == "webchat"
    assert widget.allowed_origins == [
        "https://toko-hero.example",
        "https://*.toko-hero.example",
        "http://localhost:8080",
    ]
    assert widget.color == "#1f6feb"
    assert widget.prechat_contact == PrechatContact.EITHER
    assert len(widget.public_token) >= 24
    assert list(inbox.members.all()) == [owner]
    assert AuditLog.objects.filter(workspace=workspace, action="create").exists()
    token = widget.public_token
    services.webchat_inbox_update(
        inbox=inbox, actor=owner, values={"welcome_text": "Halo!", "allowed_origins": []}
    )
    widget.refresh_from_db()
    assert (widget.welcome_text, widget.allowed_origins, widget.public_token) == ("Halo!", [], token)
    assert widget.website_name == "Toko Hero"


def test_inbox_rules_report_every_field(workspace: Workspace, owner: User) -> None:
    make_widget(workspace, name="Chat website")
    with pytest.raises(ValidationError) as caught:
        services.webchat_inbox_create(
            workspace=workspace,
            actor=owner,
            values={
                "name": "chat WEBSITE",
                "website_name": "",
                "allowed_origins": ["toko-hero.example"],
                "color": "red",
                "prechat_contact": "fax",
                "assignment_capacity": -1,
            },
        )
    assert set(caught.value.fields) == {
        "name",
        "website_name",
        "allowed_origins",
        "color",
        "prechat_contact",
        "assignment_capacity",
    }


def test_origins() -> None:
    assert origin_normalize("HTTPS://Toko.Example:443/path?q=1") == "https://toko.example"
    assert origin_normalize("http://toko.example:8080") == "http://toko.example:8080"
    assert origin_normalize("ftp://toko.example") is None
    assert origin_normalize("toko.example") is None
    assert origin_normalize("https://*.toko.example") is None
    assert origin_normalize("https://*.toko.example", wildcard=True) == "https://*.toko.example"
    assert origin_normalize("https://user:pw@toko.example") is None
    assert origin_allowed("https://toko.example", [])
    assert origin_allowed("https://shop.toko.example", ["https://*.toko.example"])
    assert not origin_allowed("https://toko.example", ["https://*.toko.example"])
    assert not origin_allowed("https://eviltoko.example", ["https://*.toko.example"])
    assert not origin_allowed("http://shop.toko.example", ["https://*.toko.example"])
    assert not origin_allowed("https://toko.example.evil.test", [WEBSITE])
