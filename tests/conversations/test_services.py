"""Conversation actions and the inbox selectors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.conversations import selectors, services
from relasi.conversations.enums import ConversationStatus, MessageKind
from relasi.conversations.models import Conversation, Label, Message, Team
from relasi.core.exceptions import ValidationError
from tests.conversations import make_conversation, make_inbox, make_message

pytestmark = pytest.mark.django_db


def _activities(conv: Conversation) -> list[str]:
    return list(
        Message.objects.filter(conversation=conv, kind=MessageKind.ACTIVITY).values_list("body", flat=True)
    )


# Round-robin ------------------------------------------------------------------------------


def test_round_robin_goes_in_turn_and_skips_the_full_agent(
    workspace: Workspace, owner: User, make_member: Callable[..., User]
) -> None:
    # Given an inbox with three agents A < B < C (by id) and capacity 2
    a, b, c = (make_member(workspace, Role.AGENT) for _ in range(3))
    inbox = make_inbox(workspace, assignment_capacity=2)
    inbox.members.set([a, b, c])
    # and B already holds two open conversations (full)
    for _ in range(2):
        make_conversation(inbox, assignee=b)
    # When five new conversations arrive
    got = [services.conversation_auto_assign(conversation=make_conversation(inbox)) for _ in range(5)]
    # Then they go A, C, A, C (B is skipped), and the fifth finds A and C full too
    assert got == [a, c, a, c, None]
    assert Conversation.objects.filter(assignee=a, status=ConversationStatus.OPEN).count() == 2


def test_round_robin_continues_after_the_last_agent_and_resolving_frees_capacity(
    workspace: Workspace, make_member: Callable[..., User]
) -> None:
    a, b = (make_member(workspace, Role.AGENT) for _ in range(2))
    inbox = make_inbox(workspace, assignment_capacity=1)
    inbox.members.set([a, b])
    first = make_conversation(inbox)
    assert services.conversation_auto_assign(conversation=first) == a
    assert services.conversation_auto_assign(conversation=make_conversation(inbox)) == b
    assert services.conversation_auto_assign(conversation=make_conversation(inbox)) is None
    services.conversation_resolve(conversation=first, actor=a)
    assert services.conversation_auto_assign(conversation=make_conversation(inbox)) == a
    assert "automatically" in _activities(first)[0]


def test_auto_assign_off_or_no_agents_assigns_nobody(workspace: Workspace, owner: User) -> None:
    inbox = make_inbox(workspace, auto_assign=False)
    inbox.members.set([owner])
    assert services.conversation_auto_assign(conversation=make_conversation(inbox)) is None
    assert services.conversation_auto_assign(conversation=make_conversation(make_inbox(workspace))) is None


# Assign -----------------------------------------------------------------------------------


def test_assign_writes_an_activity_line(
    workspace: Workspace, owner: User, make_member: Callable[..., User]
) -> None:
    elok = make_member(workspace, Role.AGENT, full_name="Elok Wijaya")
    conv = make_conversation(make_inbox(workspace))
    services.conversation_assign(conversation=conv, actor=owner, assignee=elok)
    conv.refresh_from_db()
    assert conv.assignee == elok
    assert _activities(conv) == ["Assigned to Elok Wijaya"]


def test_assign_to_a_non_member_is_refused(workspace: Workspace, owner: User, outsider: User) -> None:
    conv = make_conversation(make_inbox(workspace))
    with pytest.raises(ValidationError) as error:
        services.conversation_assign(conversation=conv, actor=owner, assignee=outsider)
    assert "assignee_id" in error.value.fields
    conv.refresh_from_db()
    assert conv.assignee is None
    assert _activities(conv) == []


def test_assign_to_a_member_who_is_not_an_agent_of_the_inbox_is_refused(
    workspace: Workspace, owner: User, make_member: Callable[..., User]
) -> None:
    agent, other = make_member(workspace, Role.AGENT), make_member(workspace, Role.AGENT)
    inbox = make_inbox(workspace)
    inbox.members.set([agent])
    conv = make_conversation(inbox)
    with pytest.raises(ValidationError):
        services.conversation_assign(conversation=conv, actor=owner, assignee=other)
    services.conversation_assign(conversation=conv, actor=owner, assignee=agent)


def test_assign_to_a_team_of_another_workspace_is_refused(
    workspace: Workspace, other_workspace: Workspace, owner: User
) -> None:
    team = Team.objects.create(workspace=other_workspace, name="Gudang")
    with pytest.raises(ValidationError):
        services.conversation_assign(
            conversation=make_conversation(make_inbox(workspace)), actor=owner, team=team
        )


# Status -----------------------------------------------------------------------------------


def test_snooze_in_the_past_is_refused(workspace: Workspace, owner: User) -> None:
    conv = make_conversation(make_inbox(workspace))
    with pytest.raises(ValidationError) as error:
        services.conversation_snooze(
            conversation=conv, actor=owner, until=timezone.now() - dt.timedelta(minutes=1)
        )
    assert "until" in error.value.fields
    conv.refresh_from_db()
    assert conv.status == ConversationStatus.OPEN
    assert _activities(conv) == []


def test_snooze_resolve_reopen(workspace: Workspace, owner: User) -> None:
    conv = make_conversation(make_inbox(workspace))
    until = timezone.now() + dt.timedelta(hours=3)
    services.conversation_snooze(conversation=conv, actor=owner, until=until)
    conv.refresh_from_db()
    assert conv.status == ConversationStatus.SNOOZED
    assert conv.snoozed_until == until
    services.conversation_resolve(conversation=conv, actor=owner)
    conv.refresh_from_db()
    assert conv.status == ConversationStatus.RESOLVED
    assert conv.resolved_at
    assert conv.snoozed_until is None
    services.conversation_reopen(conversation=conv, actor=owner)
    conv.refresh_from_db()
    assert conv.status == ConversationStatus.OPEN
    assert conv.resolved_at is None
    assert len(_activities(conv)) == 3


def test_labels_and_mark_read(workspace: Workspace, other_workspace: Workspace, owner: User) -> None:
    conv = make_conversation(make_inbox(workspace), unread_count=3)
    vip = Label.objects.create(workspace=workspace, name="VIP")
    foreign = Label.objects.create(workspace=other_workspace, name="Asing")
    services.conversation_set_labels(conversation=conv, actor=owner, labels=[vip])
    assert list(conv.labels.all()) == [vip]
    with pytest.raises(ValidationError):
        services.conversation_set_labels(conversation=conv, actor=owner, labels=[foreign])
    assert list(conv.labels.all()) == [vip]
    services.conversation_mark_read(conversation=conv)
    conv.refresh_from_db()
    assert conv.unread_count == 0


# Notes ------------------------------------------------------------------------------------


def test_note_with_mentions_by_email_and_name(
    workspace: Workspace, owner: User, make_member: Callable[..., User], outsider: User
) -> None:
    elok = make_member(workspace, Role.AGENT, full_name="Elok Wijaya", email="elok@hero.test")
    rudi = make_member(workspace, Role.AGENT, full_name="Rudi Hartono", email="rudi@hero.test")
    make_member(workspace, Role.AGENT, full_name="Sari", email="sari@hero.test")
    conv = make_conversation(make_inbox(workspace))
    note = services.note_add(
        conversation=conv,
        author=owner,
        body="@elok@hero.test tolong cek stok, cc @Rudi dan @pemilik@sebelah.test",
    )
    assert note.kind == MessageKind.NOTE
    assert note.is_private
    assert note.payload["mentions"] == sorted([elok.pk, rudi.pk])
    assert outsider.pk not in note.payload["mentions"]


def test_empty_note_is_refused(workspace: Workspace, owner: User) -> None:
    conv = make_conversation(make_inbox(workspace))
    with pytest.raises(ValidationError):
        services.note_add(conversation=conv, author=owner, body="   ")
    assert not Message.objects.filter(conversation=conv).exists()


def test_quick_reply_fill() -> None:
    from relasi.contacts.models import Contact

    contact = Contact(full_name="Budi Santoso", phone="+6281234567890")
    text = services.quick_reply_fill(
        body="Halo {{first_name}} ({{ name }}), kami hubungi {{phone}}", contact=contact
    )
    assert text == "Halo Budi (Budi Santoso), kami hubungi +6281234567890"


# Selectors --------------------------------------------------------------------------------


def test_list_keyset_pages_newest_first(workspace: Workspace, owner: User) -> None:
    inbox = make_inbox(workspace)
    base = timezone.now()
    convs = [make_conversation(inbox, at=base - dt.timedelta(minutes=i)) for i in range(5)]
    same = make_conversation(inbox, at=convs[2].last_message_at)  # a tie on the timestamp
    seen: list[int] = []
    cursor = None
    while True:
        page = selectors.conversation_list(workspace=workspace, user=owner, cursor=cursor, limit=2)
        seen += [c.pk for c in page.items]
        cursor = page.next_cursor
        if not cursor:
            break
    expected = [convs[0].pk, convs[1].pk, same.pk, convs[2].pk, convs[3].pk, convs[4].pk]
    assert seen == expected


def test_list_filters(workspace: Workspace, owner: User, other_workspace: Workspace) -> None:
    inbox, inbox2 = make_inbox(workspace), make_inbox(workspace)
    mine = make_conversation(inbox, assignee=owner)
    free = make_conversation(inbox2)
    done = make_conversation(inbox, status=ConversationStatus.RESOLVED)
    vip = Label.objects.create(workspace=workspace, name="VIP")
    free.labels.add(vip)
    make_conversation(make_inbox(other_workspace))

    def ids(**kw: object) -> set[int]:
        return {c.pk for c in selectors.conversation_list(workspace=workspace, user=owner, **kw).items}  # type: ignore[arg-type]

    assert ids() == {mine.pk, free.pk, done.pk}
    assert ids(view="mine") == {mine.pk}
    assert ids(view="unassigned") == {free.pk, done.pk}
    assert ids(status="resolved") == {done.pk}
    assert ids(inbox_id=inbox2.pk) == {free.pk}
    assert ids(label_id=vip.pk) == {free.pk}
    with pytest.raises(ValidationError):
        ids(status="nonsense")
    assert selectors.conversation_counts(workspace=workspace, user=owner) == {
        "all": 2,
        "mine": 1,
        "unassigned": 1,
    }


def test_list_page_of_50_in_a_fixed_number_of_queries(workspace: Workspace, owner: User) -> None:
    inbox = make_inbox(workspace)
    labels = [Label.objects.create(workspace=workspace, name=f"L{i}") for i in range(3)]
    for i in range(55):
        conv = make_conversation(inbox, assignee=owner if i % 2 else None)
        conv.labels.set(labels[: i % 3 + 1])
        make_message(conv, body=f"pesan {i}")
        make_message(conv, body="catatan", kind=MessageKind.NOTE, is_private=True)
    with CaptureQueriesContext(connection) as ctx:
        page = selectors.conversation_list(workspace=workspace, user=owner, limit=50)
        rows = [
            (
                c.contact.full_name,
                c.inbox.name,
                c.assignee,
                [lb.name for lb in c.labels.all()],
                getattr(c, "last_body", ""),
            )
            for c in page.items
        ]
    assert len(rows) == 50
    assert page.next_cursor
    assert all(r[4].startswith("pesan") for r in rows)  # a note is not the preview
    assert len(ctx.captured_queries) == 2


def test_thread_spans_the_contacts_conversations_oldest_first(workspace: Workspace) -> None:
    inbox, inbox2 = make_inbox(workspace), make_inbox(workspace)
    old = make_conversation(inbox, status=ConversationStatus.RESOLVED)
    new = make_conversation(inbox2, contact=old.contact)
    m1 = make_message(old, "pertama")
    m2 = make_message(new, "kedua")
    make_message(make_conversation(inbox), "orang lain")
    assert [m.pk for m in selectors.thread_messages(conversation=new)] == [m1.pk, m2.pk]
    assert [m.pk for m in selectors.thread_messages(conversation=new, after_id=m1.pk)] == [m2.pk]
