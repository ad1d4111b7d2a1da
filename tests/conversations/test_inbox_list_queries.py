"""The inbox list at depth (DESIGN §8, ``bench/inbox_list.py``): the same number of queries on
the first and the tenth page and for any page size, keyset pages that follow each other
without gaps or repeats (ties, a conversation without a message), the sidebar counts, and on
PostgreSQL a plan that reads the page from an index instead of sorting the agent's list."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.contacts.models import Contact, ContactIdentity
from relasi.conversations import selectors, views
from relasi.conversations.enums import ConversationStatus, MessageDirection, MessageKind
from relasi.conversations.models import Conversation, Inbox, Label, Message
from tests.conversations import make_conversation, make_inbox, make_message

pytestmark = pytest.mark.django_db

NEXT = re.compile(r"[?&](?:amp;)?cursor=([A-Za-z0-9_-]+)")
_numbers = itertools.count(1)


def bulk_conversations(
    inbox: Inbox,
    n: int,
    *,
    assignee: User | None,
    start: dt.datetime,
    labels: list[Label] = (),  # type: ignore[assignment]
) -> list[Conversation]:
    """``n`` open conversations one minute apart (newest first = lowest index), each with
    its customer, identity, a message and, in turn, a label."""
    ws = inbox.workspace
    numbers = [next(_numbers) for _ in range(n)]
    contacts = Contact.objects.bulk_create(
        Contact(workspace=ws, full_name=f"Pelanggan {k:04d}", phone=f"+62857{k:08d}") for k in numbers
    )
    identities = ContactIdentity.objects.bulk_create(
        ContactIdentity(workspace=ws, contact=c, channel="whatsapp", address=f"62857{k:08d}")
        for k, c in zip(numbers, contacts, strict=True)
    )
    conversations = Conversation.objects.bulk_create(
        Conversation(
            workspace=ws,
            inbox=inbox,
            contact=c,
            identity=ident,
            assignee=assignee,
            last_message_at=start - dt.timedelta(minutes=i),
            last_inbound_at=start - dt.timedelta(minutes=i),
        )
        for i, (c, ident) in enumerate(zip(contacts, identities, strict=True))
    )
    Message.objects.bulk_create(
        Message(
            workspace=ws,
            inbox=inbox,
            conversation=conv,
            direction=MessageDirection.INBOUND,
            kind=MessageKind.TEXT,
            body=f"Halo kak, pesanan {conv.pk}",
        )
        for conv in conversations
    )
    through = Conversation.labels.through
    if labels:
        through.objects.bulk_create(
            through(conversation=conv, label=labels[i % len(labels)]) for i, conv in enumerate(conversations)
        )
    return conversations


@pytest.fixture
def agent(workspace: Workspace, make_member: Callable[..., User]) -> User:
    return make_member(workspace, Role.AGENT, full_name="Agen Satu")


@pytest.fixture
def deep_list(workspace: Workspace, agent: User) -> list[Conversation]:
    """Ten and a half pages of the agent's open conversations, others' and another tenant's."""
    inbox = make_inbox(workspace)
    labels = [Label.objects.create(workspace=workspace, name=n) for n in ("VIP", "Grosir", "COD")]
    now = timezone.now()
    mine = bulk_conversations(inbox, 10 * views.PAGE_SIZE + 25, assignee=agent, start=now, labels=labels)
    bulk_conversations(inbox, 30, assignee=None, start=now - dt.timedelta(seconds=30))
    return mine


def _pages(client: Client, url: str, pages: int) -> list[tuple[str, int, list[int]]]:
    """``(html, queries, ids)`` of pages 1 … ``pages``, following the "Older" links."""
    out = []
    for _ in range(pages):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        ids = [int(i) for i in re.findall(r'id="conv-(\d+)"', html)]
        out.append((html, len(ctx.captured_queries), ids))
        found = NEXT.findall(html)
        if not found:
            break
        url = f"/w/hero/percakapan/?view=mine&cursor={found[-1]}"
    return out


def test_page_ten_costs_the_queries_of_page_one(
    client_as: Callable[[User], Client], agent: User, deep_list: list[Conversation]
) -> None:
    client = client_as(agent)
    client.get("/w/hero/percakapan/?view=mine")  # session, language: as an agent's second request
    pages = _pages(client, "/w/hero/percakapan/?view=mine", 11)
    assert len(pages) == 11
    counts = {queries for _html, queries, _ids in pages}
    assert len(counts) == 1, [q for _h, q, _i in pages]
    # Every page full but the last, newest first, no conversation twice or missed.
    seen = [pk for _html, _queries, ids in pages for pk in ids]
    assert [len(ids) for _h, _q, ids in pages] == [views.PAGE_SIZE] * 10 + [25]
    assert seen == [c.pk for c in deep_list]


@pytest.mark.parametrize("size", [10, 100])
def test_query_count_does_not_depend_on_the_page_size(
    client_as: Callable[[User], Client],
    agent: User,
    deep_list: list[Conversation],
    monkeypatch: pytest.MonkeyPatch,
    size: int,
) -> None:
    client = client_as(agent)
    client.get("/w/hero/percakapan/?view=mine")
    ((_html, default_count, _ids),) = _pages(client, "/w/hero/percakapan/?view=mine", 1)
    monkeypatch.setattr(views, "PAGE_SIZE", size)
    ((_html, queries, ids),) = _pages(client, "/w/hero/percakapan/?view=mine", 1)
    assert len(ids) == size
    assert queries == default_count


def test_keyset_walks_ties_and_a_conversation_without_messages(workspace: Workspace, owner: User) -> None:
    inbox = make_inbox(workspace)
    at = timezone.now().replace(microsecond=0)
    tied = [make_conversation(inbox, at=at) for _ in range(3)]
    older = make_conversation(inbox, at=at - dt.timedelta(hours=1))
    newest = make_conversation(inbox, at=at + dt.timedelta(minutes=5))
    blank = make_conversation(inbox, last_message_at=None, last_inbound_at=None)
    expected = [blank.pk, newest.pk, *sorted((c.pk for c in tied), reverse=True), older.pk]
    for limit in (1, 2, 3, 10):
        seen: list[int] = []
        cursor = None
        while True:
            page = selectors.conversation_list(workspace=workspace, user=owner, cursor=cursor, limit=limit)
            seen += [c.pk for c in page.items]
            if not (cursor := page.next_cursor):
                break
        assert seen == expected, limit


def test_sidebar_counts_open_conversations_only(
    workspace: Workspace, other_workspace: Workspace, owner: User, agent: User
) -> None:
    inbox = make_inbox(workspace)
    for assignee in (agent, agent, owner, None, None, None):
        make_conversation(inbox, assignee=assignee)
    make_conversation(inbox, assignee=agent, status=ConversationStatus.RESOLVED)
    make_conversation(inbox, assignee=None, status=ConversationStatus.PENDING)
    make_conversation(make_inbox(other_workspace))
    assert selectors.conversation_counts(workspace=workspace, user=agent) == {
        "all": 6,
        "mine": 2,
        "unassigned": 3,
    }


def _plan(sql: str, params: Any) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table would be scanned whole
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize("view", ["mine", "unassigned", "all"])
def test_postgresql_reads_the_page_from_an_index_without_sorting(
    workspace: Workspace, agent: User, deep_list: list[Conversation], view: str
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the plan is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Conversation._meta.db_table}")
    first = selectors.conversation_list(workspace=workspace, user=agent, view=view, status="open", limit=10)
    assert first.next_cursor
    with CaptureQueriesContext(connection) as ctx:
        selectors.conversation_list(
            workspace=workspace, user=agent, view=view, status="open", cursor=first.next_cursor, limit=10
        )
    sql = next(q["sql"] for q in ctx.captured_queries if "LIMIT" in q["sql"])
    plan = _plan(sql, None)
    scan = re.search(
        r"Index Scan using (conv_\w+_recent) on conversations_conversation.*\n\s*Index Cond: (.*)", plan
    )
    assert scan is not None, plan
    if view == "all":
        assert scan.group(1) == "conv_status_recent"
    assert "Sort" not in plan, plan
    # The cursor starts the index range: the page does not read (and drop) the pages before it.
    assert "last_message_at <=" in scan.group(2), plan


def test_postgresql_counts_from_the_index_alone(workspace: Workspace, agent: User) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the plan is PostgreSQL's")
    with CaptureQueriesContext(connection) as ctx:
        selectors.conversation_counts(workspace=workspace, user=agent)
    plan = _plan(ctx.captured_queries[0]["sql"], None)
    assert "Index Only Scan using conv_open_counts" in plan, plan


def test_list_rows_carry_the_preview_without_notes(workspace: Workspace, owner: User) -> None:
    conv = make_conversation(make_inbox(workspace))
    make_message(conv, "Halo kak")
    make_message(
        conv, "cek gudang", kind=MessageKind.NOTE, is_private=True, direction=MessageDirection.OUTBOUND
    )
    (row,) = selectors.conversation_list(workspace=workspace, user=owner).items
    assert row.last_body == "Halo kak"  # type: ignore[attr-defined]
