"""The demo inbox (``relasi seed_conversations --demo``): connected to the local fake, with
quick replies, labels, office hours, holidays and history; running it again adds nothing."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

import pytest
from django.core.management import CommandError, call_command

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.contacts.enums import Channel
from relasi.contacts.models import Contact, ContactIdentity
from relasi.conversations.enums import DeliveryStatus, MessageDirection
from relasi.conversations.models import Conversation, Holiday, Inbox, Label, Message, OfficeHours, QuickReply
from relasi.conversations.seeding import demo_conversations_ensure
from relasi.conversations.services import quick_reply_fill
from tests.factories import ContactFactory


def _customers(workspace: Workspace) -> list[Contact]:
    customers = []
    for index, name in enumerate(["Budi Santoso", "Siti Aminah", "Wayan Sudarta"]):
        contact = ContactFactory(workspace=workspace, full_name=name)
        ContactIdentity.objects.create(
            workspace=workspace, contact=contact, channel=Channel.WHATSAPP, address=f"62812000000{index}"
        )
        customers.append(contact)
    return customers


@pytest.mark.django_db
def test_demo_inbox_is_complete_and_idempotent(
    workspace: Workspace, owner: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RELASI_FAKE_WA_URL", "http://127.0.0.1:8123/v21.0")
    customers = _customers(workspace)
    inbox = demo_conversations_ensure(workspace=workspace, owner=owner, customers=customers)

    assert inbox.whatsapp_account.api_base_url == "http://127.0.0.1:8123/v21.0"
    assert list(inbox.members.all()) == [owner]
    assert set(QuickReply.objects.filter(workspace=workspace).values_list("shortcut", flat=True)) == {
        "salam",
        "rekening",
        "ongkir",
        "terimakasih",
    }
    assert Label.objects.filter(workspace=workspace).count() == 3
    # Monday–Friday 08–12 and 13–17 (a split shift), Saturday 08–13, Sunday closed.
    hours = OfficeHours.objects.filter(inbox=inbox)
    assert hours.count() == 11
    assert not hours.filter(weekday=6).exists()
    assert list(hours.filter(weekday=0).values_list("opens", "closes")) == [
        (dt.time(8), dt.time(12)),
        (dt.time(13), dt.time(17)),
    ]
    # 17 August 2026 (Independence Day) is closed.
    assert Holiday.objects.filter(workspace=workspace, date=dt.date(2026, 8, 17), is_closed=True).exists()

    conversations = Conversation.objects.filter(inbox=inbox).order_by("contact__full_name")
    assert [c.contact.full_name for c in conversations] == ["Budi Santoso", "Siti Aminah", "Wayan Sudarta"]
    budi = conversations[0]
    thread = list(Message.objects.filter(conversation=budi).order_by("created_at"))
    assert [m.direction for m in thread] == [
        MessageDirection.INBOUND,
        MessageDirection.OUTBOUND,
        MessageDirection.INBOUND,
    ]
    assert thread[1].status == DeliveryStatus.READ
    assert budi.last_inbound_at == thread[2].sent_at
    assert budi.first_response_at == thread[1].sent_at
    assert budi.unread_count == 1

    again = demo_conversations_ensure(workspace=workspace, owner=owner, customers=customers)
    assert again.pk == inbox.pk
    assert Inbox.objects.filter(workspace=workspace).count() == 1
    assert Conversation.objects.filter(inbox=inbox).count() == 3
    assert Message.objects.filter(inbox=inbox).count() == 6
    assert QuickReply.objects.filter(workspace=workspace).count() == 4


@pytest.mark.django_db
def test_demo_quick_reply_fills_the_customers_first_name(workspace: Workspace, owner: User) -> None:
    customers = _customers(workspace)
    demo_conversations_ensure(workspace=workspace, owner=owner, customers=customers)
    salam = QuickReply.objects.get(workspace=workspace, shortcut="salam")
    assert quick_reply_fill(body=salam.body, contact=customers[1]).startswith("Halo Siti, terima kasih")


@pytest.mark.django_db
def test_the_command_needs_demo_and_the_workspace_and_writes_as_its_first_owner(
    workspace: Workspace, owner: User, make_member: Callable[..., User], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RELASI_FAKE_WA_URL", "http://127.0.0.1:8123/v21.0")
    _customers(workspace)
    make_member(workspace, Role.OWNER, email="pemilik2@hero.test")
    make_member(workspace, Role.ADMIN, email="admin@hero.test")
    with pytest.raises(CommandError, match="--demo"):
        call_command("seed_conversations", stdout=io.StringIO())
    with pytest.raises(CommandError, match="relasi seed --demo"):
        call_command("seed_conversations", demo=True, workspace="tidak-ada", stdout=io.StringIO())
    assert not Inbox.objects.exists()

    out = io.StringIO()
    call_command("seed_conversations", demo=True, workspace="hero", stdout=out)
    inbox = Inbox.objects.get(workspace=workspace)
    replies = Message.objects.filter(inbox=inbox, direction=MessageDirection.OUTBOUND)
    assert replies.exists()
    assert set(replies.values_list("sender_id", flat=True)) == {owner.pk}
    assert "Demo inbox" in out.getvalue()
