"""duplicate_pair_list / contact_similar_list / contact_merge_recent_list."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import connection

from relasi.accounts.models import User, Workspace
from relasi.contacts import services
from relasi.contacts.duplicates import (
    DuplicateReason,
    contact_merge_recent_list,
    contact_similar_list,
    duplicate_pair_list,
)
from relasi.contacts.merge import contact_merge
from tests.factories import ContactFactory, WorkspaceFactory


def _pairs(workspace: Workspace, **kwargs: Any) -> list[tuple[int, int, tuple[str, ...]]]:
    return [
        (p.first.pk, p.second.pk, tuple(str(r) for r in p.reasons))
        for p in duplicate_pair_list(workspace=workspace, **kwargs)
    ]


def test_same_phone_makes_a_pair_oldest_first(workspace: Workspace) -> None:
    # given
    older = ContactFactory(workspace=workspace, full_name="Budi", phone="+6281211110000")
    newer = ContactFactory(workspace=workspace, full_name="Pak Budi", phone="+6281211110000")
    ContactFactory(workspace=workspace, full_name="Siti")
    # when
    pairs = _pairs(workspace)
    # then
    assert pairs == [(older.pk, newer.pk, ("phone",))]


def test_other_phone_matching_a_main_phone_makes_a_pair(workspace: Workspace) -> None:
    # given
    main = ContactFactory(workspace=workspace, full_name="Toko Sinar", phone="+6281211110000")
    other = ContactFactory(
        workspace=workspace, full_name="Bu Rina", phone="+6285733330000", phone_alt="+6281211110000"
    )
    # when
    pairs = _pairs(workspace)
    # then
    assert pairs == [(main.pk, other.pk, ("phone",))]


def test_same_other_phone_makes_a_pair(workspace: Workspace) -> None:
    # given
    a = ContactFactory(workspace=workspace, full_name="A", phone_alt="+6281299990000")
    b = ContactFactory(workspace=workspace, full_name="B", phone_alt="+6281299990000")
    # when
    pairs = _pairs(workspace)
    # then
    assert pairs == [(a.pk, b.pk, ("phone",))]


def test_one_contact_with_the_same_number_twice_is_no_pair(workspace: Workspace) -> None:
    # given
    ContactFactory(workspace=workspace, phone="+6281211110000", phone_alt="+6281211110000")
    # when / then
    assert _pairs(workspace) == []


def test_same_email_makes_a_pair(workspace: Workspace) -> None:
    # given
    a = ContactFactory(workspace=workspace, full_name="Rina", email="rina@contoh.id")
    b = ContactFactory(workspace=workspace, full_name="Rina W", email="rina@contoh.id")
    # when / then
    assert _pairs(workspace) == [(a.pk, b.pk, ("email",))]


def test_same_name_ignoring_case_and_spaces_makes_a_pair(workspace: Workspace) -> None:
    # given
    a = ContactFactory(workspace=workspace, full_name="Budi Santoso")
    # typed with stray spaces: the service stores it collapsed, as every writer does
    b = services.contact_create(workspace=workspace, actor=None, values={"full_name": "  budi   SANTOSO "})
    ContactFactory(workspace=workspace, full_name="Budi Santosa")
    # when / then
    assert _pairs(workspace) == [(a.pk, b.pk, ("name",))]


def test_pairs_sharing_more_come_first_with_every_reason(workspace: Workspace) -> None:
    # given
    name_a = ContactFactory(workspace=workspace, full_name="Dewi")
    name_b = ContactFactory(workspace=workspace, full_name="Dewi")
    both_a = ContactFactory(workspace=workspace, full_name="Andi", phone="+6281200000001", email="a@x.id")
    both_b = ContactFactory(workspace=workspace, full_name="Andi K", phone="+6281200000001", email="a@x.id")
    # when
    pairs = _pairs(workspace)
    # then
    assert pairs == [
        (both_a.pk, both_b.pk, ("phone", "email")),
        (name_a.pk, name_b.pk, ("name",)),
    ]


def test_a_larger_group_gives_one_pair_and_its_size(workspace: Workspace) -> None:
    # given
    first, _middle, last = (ContactFactory(workspace=workspace, email="kantor@toko.id") for _ in range(3))
    # when
    [pair] = duplicate_pair_list(workspace=workspace)
    # then
    assert (pair.first, pair.second, pair.group_size) == (first, last, 3)


def test_merged_contacts_and_other_workspaces_are_left_out(owner: User, workspace: Workspace) -> None:
    # given
    elsewhere = WorkspaceFactory()
    ContactFactory(workspace=elsewhere, phone="+6281211110000")
    keeper = ContactFactory(workspace=workspace, phone="+6281211110000")
    gone = ContactFactory(workspace=workspace, full_name="X", phone="+6281322220000")
    twin = ContactFactory(workspace=workspace, full_name="Y", phone="+6281322220000")
    contact_merge(survivor=twin, merged=gone, actor=owner)
    # when
    pairs = _pairs(workspace)
    # then
    assert pairs == []
    assert keeper.merged_into_id is None


def test_limit_caps_the_pairs(workspace: Workspace) -> None:
    # given
    for n in range(5):
        ContactFactory.create_batch(2, workspace=workspace, email=f"kembar{n}@contoh.id")
    # when / then
    assert len(duplicate_pair_list(workspace=workspace, limit=3)) == 3
    assert len(duplicate_pair_list(workspace=workspace)) == 5


def test_query_count_does_not_grow_with_pairs(
    workspace: Workspace, django_assert_max_num_queries: Any
) -> None:
    # given: 40 pairs by phone, e-mail, other phone and name
    for n in range(10):
        ContactFactory.create_batch(2, workspace=workspace, phone=f"+628121000{n:04d}")
        ContactFactory.create_batch(2, workspace=workspace, email=f"sama{n}@contoh.id")
        ContactFactory(workspace=workspace, phone=f"+628131000{n:04d}")
        ContactFactory(workspace=workspace, phone_alt=f"+628131000{n:04d}")
        ContactFactory.create_batch(2, workspace=workspace, full_name=f"Nama Sama {n}")
    # when
    with django_assert_max_num_queries(7):
        pairs = duplicate_pair_list(workspace=workspace)
        for pair in pairs:  # what the page and the API read
            _ = (pair.first.owner, pair.first.company, list(pair.first.tags.all()))
            _ = (pair.second.owner, pair.second.company, list(pair.second.tags.all()))
    # then
    assert len(pairs) == 40


# contact_similar_list -----------------------------------------------------------------


def test_similar_lists_shared_numbers_and_email_first(workspace: Workspace) -> None:
    # given
    contact = ContactFactory(
        workspace=workspace, full_name="Budi Santoso", phone="+6281211110000", email="budi@contoh.id"
    )
    by_alt = ContactFactory(
        workspace=workspace, full_name="Pak B", phone="+6285700000000", phone_alt="+6281211110000"
    )
    by_email = ContactFactory(workspace=workspace, full_name="B. S.", email="budi@contoh.id")
    by_name = ContactFactory(workspace=workspace, full_name="Budi Santosa")
    ContactFactory(workspace=workspace, full_name="Siti Aminah")
    # when
    similar = contact_similar_list(workspace=workspace, contact=contact)
    # then
    found = {s.contact.pk: s.reasons for s in similar}
    assert list(found)[:2] == [by_email.pk, by_alt.pk]
    assert found[by_alt.pk] == (DuplicateReason.PHONE,)
    assert found[by_email.pk] == (DuplicateReason.EMAIL,)
    assert found[by_name.pk] == (DuplicateReason.SIMILAR_NAME,)
    assert contact.pk not in found
    assert len(found) == 3


def test_similar_never_shows_merged_or_other_workspaces(owner: User, workspace: Workspace) -> None:
    # given
    contact = ContactFactory(workspace=workspace, full_name="Rina Wati")
    ContactFactory(workspace=WorkspaceFactory(), full_name="Rina Wati")
    gone = ContactFactory(workspace=workspace, full_name="Rina Wati")
    contact_merge(survivor=ContactFactory(workspace=workspace, full_name="Lain"), merged=gone, actor=owner)
    # when / then
    assert contact_similar_list(workspace=workspace, contact=contact) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm is PostgreSQL only")
def test_similar_names_by_trigram_on_postgresql(workspace: Workspace) -> None:
    # given: a spelling variant that does not share the first word
    contact = ContactFactory(workspace=workspace, full_name="Achmad Fauzi Rahman")
    variant = ContactFactory(workspace=workspace, full_name="Ahmad Fauzi Rahman")
    ContactFactory(workspace=workspace, full_name="Siti Nurhaliza")
    # when
    similar = contact_similar_list(workspace=workspace, contact=contact)
    # then
    assert [s.contact for s in similar] == [variant]
    assert similar[0].similarity is not None
    assert similar[0].similarity > 0.5


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the SQLite fallback")
def test_similar_names_by_first_word_on_sqlite(workspace: Workspace) -> None:
    # given
    contact = ContactFactory(workspace=workspace, full_name="Bambang Sutrisno")
    same_first = ContactFactory(workspace=workspace, full_name="Pak Bambang")
    ContactFactory(workspace=workspace, full_name="Sutrisno")
    # when
    similar = contact_similar_list(workspace=workspace, contact=contact)
    # then
    assert [s.contact for s in similar] == [same_first]
    assert similar[0].reasons == (DuplicateReason.SIMILAR_NAME,)


# Recent merges --------------------------------------------------------------------------


def test_recent_merges_say_which_can_still_be_undone(owner: User, workspace: Workspace) -> None:
    # given
    with time_machine.travel(dt.datetime(2025, 1, 1, tzinfo=dt.UTC), tick=False):
        old = contact_merge(
            survivor=ContactFactory(workspace=workspace),
            merged=ContactFactory(workspace=workspace),
            actor=owner,
        )
    with time_machine.travel(dt.datetime(2025, 1, 20, tzinfo=dt.UTC), tick=False):
        recent = contact_merge(
            survivor=ContactFactory(workspace=workspace),
            merged=ContactFactory(workspace=workspace),
            actor=owner,
        )
    elsewhere = WorkspaceFactory()
    contact_merge(
        survivor=ContactFactory(workspace=elsewhere), merged=ContactFactory(workspace=elsewhere), actor=owner
    )
    # when
    with time_machine.travel(dt.datetime(2025, 2, 5, tzinfo=dt.UTC), tick=False):
        rows = contact_merge_recent_list(workspace=workspace)
    # then
    assert [(r.merge, r.can_undo) for r in rows] == [(recent, True), (old, False)]
    assert rows[0].undo_until == dt.datetime(2025, 2, 19, tzinfo=dt.UTC)
