"""contact_merge_preview / contact_merge / contact_merge_undo."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

import pytest
import time_machine
from django.db import connection, transaction
from django.utils import translation

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.contacts import selectors, services
from relasi.contacts.duplicates import ContactRelation
from relasi.contacts.enums import Channel, TimelineKind
from relasi.contacts.merge import _move_rows, contact_merge, contact_merge_preview, contact_merge_undo
from relasi.contacts.models import (
    Contact,
    ContactIdentity,
    ContactMerge,
    ContactNote,
    Department,
    TimelineEvent,
)
from relasi.core.exceptions import Conflict, ValidationError
from relasi.core.models import AuditAction, AuditLog
from tests.factories import (
    CompanyFactory,
    ContactFactory,
    DepartmentFactory,
    TagFactory,
    WorkspaceFactory,
)


def _create(workspace: Workspace, actor: User, **values: object) -> Contact:
    return services.contact_create(workspace=workspace, actor=actor, values=values)


def _fresh(contact: Contact) -> Contact:
    return Contact.objects.get(pk=contact.pk)


# Preview --------------------------------------------------------------------------------


def test_preview_keeps_the_survivors_values_and_fills_its_empty_ones(workspace: Workspace) -> None:
    # given
    survivor = ContactFactory(workspace=workspace, full_name="Budi Santoso", city="", job_title="Owner")
    merged = ContactFactory(workspace=workspace, full_name="Budi S.", city="Bandung", job_title="Pemilik")
    # when
    values = contact_merge_preview(survivor=survivor, merged=merged).values
    # then
    assert values["full_name"] == "Budi Santoso"
    assert values["job_title"] == "Owner"
    assert values["city"] == "Bandung"
    assert values["phone"] == survivor.phone


def test_preview_follows_the_choices(workspace: Workspace) -> None:
    # given
    survivor = ContactFactory(workspace=workspace, full_name="Budi Santoso", phone="+6281211110000")
    merged = ContactFactory(
        workspace=workspace, full_name="Budi S.", phone="+6281322220000", phone_raw="0813-2222-0000"
    )
    # when
    values = contact_merge_preview(
        survivor=survivor, merged=merged, choices={"full_name": "merged", "phone": "merged"}
    ).values
    # then
    assert values["full_name"] == "Budi S."
    assert values["phone"] == "+6281322220000"
    assert values["phone_raw"] == "0813-2222-0000"


def test_preview_decides_custom_fields_per_key_and_unites_tags(workspace: Workspace) -> None:
    # given
    vip, reseller, jakarta = (TagFactory(workspace=workspace, name=n) for n in ("vip", "reseller", "jakarta"))
    survivor = ContactFactory(workspace=workspace, custom_fields={"ukuran": "M", "warna": ""})
    merged = ContactFactory(
        workspace=workspace, custom_fields={"ukuran": "L", "warna": "merah", "hobi": "golf"}
    )
    survivor.tags.set([vip, jakarta])
    merged.tags.set([reseller, jakarta])
    # when
    preview = contact_merge_preview(
        survivor=survivor, merged=merged, choices={"custom_fields.hobi": "survivor"}
    )
    # then
    assert preview.values["custom_fields"] == {"ukuran": "M", "warna": "merah"}
    assert preview.values["tags"] == ["jakarta", "reseller", "vip"]
    assert [t.name for t in preview.tags_added] == ["reseller"]


def test_preview_refuses_unknown_fields_and_values(workspace: Workspace) -> None:
    # given
    survivor, merged = ContactFactory(workspace=workspace), ContactFactory(workspace=workspace)
    # when
    with pytest.raises(ValidationError) as error:
        contact_merge_preview(
            survivor=survivor, merged=merged, choices={"password": "merged", "city": "both"}
        )
    # then
    assert set(error.value.fields) == {"password", "city"}


# Merge ----------------------------------------------------------------------------------


def test_merge_moves_identities_notes_and_timeline(owner: User, workspace: Workspace) -> None:
    # given
    survivor = _create(workspace, owner, full_name="Budi Santoso", phone="0812-1111-0000")
    merged = _create(workspace, owner, full_name="Budi", phone="0813-2222-0000", email="budi@contoh.id")
    note = services.contact_note_add(contact=merged, author=owner, body="Suka kopi")
    merged_events = set(TimelineEvent.objects.filter(contact=merged).values_list("pk", flat=True))
    # when
    contact_merge(survivor=survivor, merged=merged, actor=owner)
    # then
    addresses = set(ContactIdentity.objects.filter(contact=survivor).values_list("channel", "address"))
    assert addresses == {
        (Channel.WHATSAPP, "6281211110000"),
        (Channel.WHATSAPP, "6281322220000"),
        (Channel.EMAIL, "budi@contoh.id"),
    }
    assert ContactNote.objects.get(pk=note.pk).contact_id == survivor.pk
    assert merged_events <= set(TimelineEvent.objects.filter(contact=survivor).values_list("pk", flat=True))
    assert not TimelineEvent.objects.filter(contact=merged).exists()


def test_merge_moves_relations_without_a_reverse_name(owner: User, workspace: Workspace) -> None:
    # given: Department.head has related_name="+", like relations other apps may add
    survivor, merged = ContactFactory(workspace=workspace), ContactFactory(workspace=workspace)
    department = DepartmentFactory(workspace=workspace, name="Gudang", head=merged)
    # when
    merge = contact_merge(survivor=survivor, merged=merged, actor=owner)
    # then
    assert Department.objects.get(pk=department.pk).head_id == survivor.pk
    assert merge.moved["rows"]["contacts.department.head"] == [department.pk]


def test_rows_a_unique_constraint_refuses_stay_with_the_merged_contact(workspace: Workspace) -> None:
    # given: a relation with a unique (contact, tag) pair, like a future one-per-contact row
    through = Contact.tags.through
    relation = ContactRelation(model=through, field=through._meta.get_field("contact"))
    vip, reseller = (
        TagFactory(workspace=workspace, name="vip"),
        TagFactory(workspace=workspace, name="reseller"),
    )
    survivor, merged = ContactFactory(workspace=workspace), ContactFactory(workspace=workspace)
    survivor.tags.set([vip])
    merged.tags.set([vip, reseller])
    clash = through.objects.get(contact=merged, tag=vip).pk
    movable = through.objects.get(contact=merged, tag=reseller).pk
    # when
    moved, kept = _move_rows(relation, source_pk=merged.pk, target_pk=survivor.pk)
    # then
    assert (moved, kept) == ([movable], [clash])
    assert sorted(survivor.tags.values_list("name", flat=True)) == ["reseller", "vip"]
    assert list(merged.tags.values_list("name", flat=True)) == ["vip"]


def test_merge_keeps_the_company_fields_as_values_not_rows(owner: User, workspace: Workspace) -> None:
    # given
    company = CompanyFactory(workspace=workspace, name="PT Maju")
    survivor = ContactFactory(workspace=workspace, company=None)
    merged = ContactFactory(workspace=workspace, company=company)
    # when
    contact_merge(survivor=survivor, merged=merged, actor=owner)
    # then
    assert _fresh(survivor).company_id == company.pk
    assert _fresh(merged).company_id == company.pk  # the hidden record is left as it was


def test_merge_unites_tags_and_records_the_added_ones(owner: User, workspace: Workspace) -> None:
    # given
    vip, reseller = (
        TagFactory(workspace=workspace, name="vip"),
        TagFactory(workspace=workspace, name="reseller"),
    )
    survivor, merged = ContactFactory(workspace=workspace), ContactFactory(workspace=workspace)
    survivor.tags.set([vip])
    merged.tags.set([vip, reseller])
    # when
    merge = contact_merge(survivor=survivor, merged=merged, actor=owner)
    # then
    assert sorted(survivor.tags.values_list("name", flat=True)) == ["reseller", "vip"]
    assert merge.moved["added"] == {"tags": [reseller.pk]}


def test_merge_applies_choices_and_records_the_survivors_values_before(
    owner: User, workspace: Workspace
) -> None:
    # given
    survivor = ContactFactory(
        workspace=workspace, full_name="Budi", email="budi@lama.id", city="", birthday=dt.date(1990, 1, 31)
    )
    merged = ContactFactory(
        workspace=workspace, full_name="Budi Santoso", email="budi@baru.id", city="Medan", birthday=None
    )
    # when
    merge = contact_merge(survivor=survivor, merged=merged, actor=owner, choices={"full_name": "merged"})
    # then
    survivor = _fresh(survivor)
    assert (survivor.full_name, survivor.email, survivor.city) == ("Budi Santoso", "budi@lama.id", "Medan")
    assert survivor.birthday == dt.date(1990, 1, 31)
    assert merge.survivor_before["full_name"] == "Budi"
    assert merge.survivor_before["city"] == ""
    assert merge.moved["changed_to"] == {"full_name": "Budi Santoso", "city": "Medan"}


def test_merged_contact_disappears_from_lists_and_points_to_the_survivor(
    owner: User, workspace: Workspace
) -> None:
    # given
    survivor = ContactFactory(workspace=workspace, full_name="Sari Dewi")
    merged = ContactFactory(workspace=workspace, full_name="Sari D")
    # when
    contact_merge(survivor=survivor, merged=merged, actor=owner)
    # then
    listed = list(selectors.contact_list(workspace=workspace, filters=selectors.ContactFilters(q="Sari")))
    assert listed == [survivor]
    assert _fresh(merged).merged_into_id == survivor.pk
    assert selectors.contact_get(workspace=workspace, contact_id=merged.pk) is None


def test_merge_writes_audit_and_the_survivors_timeline(owner: User, workspace: Workspace) -> None:
    # given
    survivor = ContactFactory(workspace=workspace, city="")
    merged = ContactFactory(workspace=workspace, full_name="Ani", city="Solo")
    # when
    merge = contact_merge(survivor=survivor, merged=merged, actor=owner, ip_address="10.0.0.1")
    # then
    entry = AuditLog.objects.get(action=AuditAction.MERGE, object_id=str(survivor.pk))
    assert entry.actor == owner
    assert entry.ip_address == "10.0.0.1"
    assert entry.changes["merged_id"] == merged.pk
    assert entry.changes["fields"] == {"city": ["", "Solo"]}
    assert AuditLog.objects.filter(action=AuditAction.MERGE, object_id=str(merged.pk)).exists()
    event = TimelineEvent.objects.get(contact=survivor, kind=TimelineKind.MERGED)
    assert event.data == {"merged_name": "Ani", "merge_id": merge.pk}


def test_merge_refuses_the_same_contact(owner: User, workspace: Workspace) -> None:
    # given
    contact = ContactFactory(workspace=workspace)
    # when
    with pytest.raises(ValidationError) as error:
        contact_merge(survivor=contact, merged=_fresh(contact), actor=owner)
    # then
    assert error.value.code == "merge_same_contact"
    assert not ContactMerge.objects.exists()


def test_merge_refuses_contacts_of_two_workspaces(owner: User, workspace: Workspace) -> None:
    # given
    ours = ContactFactory(workspace=workspace)
    theirs = ContactFactory(workspace=WorkspaceFactory())
    ContactNote.objects.create(workspace=theirs.workspace, contact=theirs, body="rahasia")
    # when
    with pytest.raises(ValidationError) as error:
        contact_merge(survivor=ours, merged=theirs, actor=owner)
    # then
    assert error.value.code == "merge_other_workspace"
    assert _fresh(theirs).merged_into_id is None
    assert ContactNote.objects.get().contact_id == theirs.pk


def test_second_merge_of_the_same_contact_is_refused(owner: User, workspace: Workspace) -> None:
    # given: two people opened the same duplicate; both hold the loser as it was loaded
    first, second = ContactFactory(workspace=workspace), ContactFactory(workspace=workspace)
    loser = ContactFactory(workspace=workspace, full_name="Duplikat")
    stale_loser = Contact.objects.get(pk=loser.pk)
    contact_merge(survivor=first, merged=loser, actor=owner)
    # when
    with pytest.raises(Conflict) as error:
        contact_merge(survivor=second, merged=stale_loser, actor=owner)
    # then
    assert error.value.code == "merge_already_merged"
    assert _fresh(loser).merged_into_id == first.pk
    assert ContactMerge.objects.count() == 1


def test_merge_into_an_already_merged_survivor_is_refused(owner: User, workspace: Workspace) -> None:
    # given
    keeper, gone = ContactFactory(workspace=workspace), ContactFactory(workspace=workspace)
    contact_merge(survivor=keeper, merged=gone, actor=owner)
    other = ContactFactory(workspace=workspace)
    # when
    with pytest.raises(Conflict):
        contact_merge(survivor=gone, merged=other, actor=owner)
    # then
    assert _fresh(other).merged_into_id is None


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL; SQLite serialises writers"
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_merges_of_the_same_contact_wait_and_the_second_is_refused(
    make_member: Callable[..., User],
) -> None:
    # given
    workspace = WorkspaceFactory()
    owner = make_member(workspace, Role.OWNER)
    first, second = ContactFactory(workspace=workspace), ContactFactory(workspace=workspace)
    loser = ContactFactory(workspace=workspace)
    outcome: dict[str, object] = {}
    locked = threading.Event()

    def merge_into_second() -> None:
        locked.wait(5)
        try:
            contact_merge(survivor=second, merged=Contact.objects.get(pk=loser.pk), actor=owner)
        except Conflict as error:
            outcome["error"] = error.code
        finally:
            connection.close()

    worker = threading.Thread(target=merge_into_second)
    worker.start()
    # when: the first merge holds the lock while the second one starts
    with transaction.atomic():
        contact_merge(survivor=first, merged=loser, actor=owner)
        locked.set()
        worker.join(0.5)
        assert worker.is_alive()  # blocked on the row lock
    worker.join(10)
    # then
    assert outcome == {"error": "merge_already_merged"}
    assert ContactMerge.objects.filter(merged=loser).count() == 1


# Undo -----------------------------------------------------------------------------------


def test_undo_puts_rows_fields_and_tags_back(owner: User, workspace: Workspace) -> None:
    # given
    vip, reseller = (
        TagFactory(workspace=workspace, name="vip"),
        TagFactory(workspace=workspace, name="reseller"),
    )
    survivor = _create(workspace, owner, full_name="Budi", phone="0812-1111-0000", city="")
    merged = _create(
        workspace, owner, full_name="Budi Santoso", phone="0813-2222-0000", email="b@contoh.id", city="Medan"
    )
    survivor.tags.set([vip])
    merged.tags.set([reseller])
    note = services.contact_note_add(contact=merged, author=owner, body="Pelanggan lama")
    merged_identities = set(ContactIdentity.objects.filter(contact=merged).values_list("pk", flat=True))
    merged_events = set(TimelineEvent.objects.filter(contact=merged).values_list("pk", flat=True))
    merge = contact_merge(survivor=survivor, merged=merged, actor=owner, choices={"full_name": "merged"})
    # when
    contact_merge_undo(merge=merge, actor=owner)
    # then
    survivor, merged = _fresh(survivor), _fresh(merged)
    assert merged.merged_into_id is None
    assert (survivor.full_name, survivor.city, survivor.email) == ("Budi", "", "")
    assert (
        set(ContactIdentity.objects.filter(contact=merged).values_list("pk", flat=True)) == merged_identities
    )
    assert ContactNote.objects.get(pk=note.pk).contact_id == merged.pk
    assert merged_events <= set(TimelineEvent.objects.filter(contact=merged).values_list("pk", flat=True))
    assert list(survivor.tags.values_list("name", flat=True)) == ["vip"]
    assert list(merged.tags.values_list("name", flat=True)) == ["reseller"]
    merge.refresh_from_db()
    assert merge.undone_at is not None
    assert merge.undone_by == owner


def test_undo_restores_custom_fields_and_dates(owner: User, workspace: Workspace) -> None:
    # given
    survivor = ContactFactory(workspace=workspace, custom_fields={"ukuran": "M"}, birthday=None)
    merged = ContactFactory(
        workspace=workspace, custom_fields={"ukuran": "L", "warna": "merah"}, birthday=dt.date(1985, 5, 17)
    )
    merge = contact_merge(
        survivor=survivor, merged=merged, actor=owner, choices={"custom_fields.ukuran": "merged"}
    )
    assert _fresh(survivor).custom_fields == {"ukuran": "L", "warna": "merah"}
    # when
    contact_merge_undo(merge=merge, actor=owner)
    # then
    survivor = _fresh(survivor)
    assert survivor.custom_fields == {"ukuran": "M"}
    assert survivor.birthday is None


def test_undo_keeps_edits_made_after_the_merge(owner: User, workspace: Workspace) -> None:
    # given
    survivor = _create(workspace, owner, full_name="Budi", city="")
    merged = _create(workspace, owner, full_name="Budi S", city="Medan", job_title="Pemilik")
    merge = contact_merge(survivor=survivor, merged=merged, actor=owner)
    services.contact_update(contact=survivor, actor=owner, values={"city": "Binjai"})
    # when
    contact_merge_undo(merge=merge, actor=owner)
    # then
    survivor = _fresh(survivor)
    assert survivor.city == "Binjai"  # edited since: the newer value stays
    assert survivor.job_title == ""  # untouched since: restored


def test_undo_leaves_rows_added_to_the_survivor_after_the_merge(owner: User, workspace: Workspace) -> None:
    # given
    survivor, merged = ContactFactory(workspace=workspace), ContactFactory(workspace=workspace)
    merge = contact_merge(survivor=survivor, merged=merged, actor=owner)
    later = services.contact_note_add(contact=survivor, author=owner, body="Setelah digabung")
    # when
    contact_merge_undo(merge=merge, actor=owner)
    # then
    assert ContactNote.objects.get(pk=later.pk).contact_id == survivor.pk


def test_undo_writes_audit_and_both_timelines(owner: User, workspace: Workspace) -> None:
    # given
    survivor = ContactFactory(workspace=workspace)
    merged = ContactFactory(workspace=workspace, full_name="Ani")
    merge = contact_merge(survivor=survivor, merged=merged, actor=owner)
    # when
    contact_merge_undo(merge=merge, actor=owner)
    # then
    entry = AuditLog.objects.get(action=AuditAction.UNMERGE, object_id=str(survivor.pk))
    assert entry.changes["merge_id"] == merge.pk
    for contact in (survivor, merged):
        event = TimelineEvent.objects.get(contact=contact, kind=TimelineKind.UNMERGED)
        assert event.data == {"restored_name": "Ani", "merge_id": merge.pk}


def test_undo_twice_is_refused(owner: User, workspace: Workspace) -> None:
    # given
    survivor, merged = ContactFactory(workspace=workspace), ContactFactory(workspace=workspace)
    merge = contact_merge(survivor=survivor, merged=merged, actor=owner)
    contact_merge_undo(merge=merge, actor=owner)
    # when
    with pytest.raises(Conflict) as error:
        contact_merge_undo(merge=merge, actor=owner)
    # then
    assert error.value.code == "merge_already_undone"
    assert AuditLog.objects.filter(action=AuditAction.UNMERGE).count() == 2  # survivor + merged, once


def test_undo_within_thirty_days_is_allowed(owner: User, workspace: Workspace) -> None:
    # given
    survivor, merged = ContactFactory(workspace=workspace), ContactFactory(workspace=workspace)
    with time_machine.travel(dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC), tick=False):
        merge = contact_merge(survivor=survivor, merged=merged, actor=owner)
    # when
    with time_machine.travel(dt.datetime(2025, 3, 31, 8, 59, tzinfo=dt.UTC), tick=False):
        contact_merge_undo(merge=merge, actor=owner)
    # then
    assert _fresh(merged).merged_into_id is None


def test_undo_after_thirty_days_is_refused(owner: User, workspace: Workspace) -> None:
    # given
    survivor, merged = ContactFactory(workspace=workspace), ContactFactory(workspace=workspace)
    with time_machine.travel(dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC), tick=False):
        merge = contact_merge(survivor=survivor, merged=merged, actor=owner)
    # when
    with (
        time_machine.travel(dt.datetime(2025, 3, 31, 9, 1, tzinfo=dt.UTC), tick=False),
        pytest.raises(Conflict) as error,
    ):
        contact_merge_undo(merge=merge, actor=owner)
    # then
    assert error.value.code == "merge_undo_expired"
    assert _fresh(merged).merged_into_id == survivor.pk


def test_undo_is_refused_after_the_survivor_was_merged_again(owner: User, workspace: Workspace) -> None:
    # given: B merged into A, then A merged into C
    a, b, c = (ContactFactory(workspace=workspace) for _ in range(3))
    first = contact_merge(survivor=a, merged=b, actor=owner)
    second = contact_merge(survivor=c, merged=a, actor=owner)
    # when
    with pytest.raises(Conflict) as error:
        contact_merge_undo(merge=first, actor=owner)
    # then
    assert error.value.code == "merge_survivor_merged"
    assert _fresh(b).merged_into_id == a.pk
    # and undoing the later merge first makes the earlier one undoable again
    contact_merge_undo(merge=second, actor=owner)
    contact_merge_undo(merge=first, actor=owner)
    assert _fresh(b).merged_into_id is None
    assert _fresh(a).merged_into_id is None


def test_chained_merge_moves_rows_through_both_and_back(owner: User, workspace: Workspace) -> None:
    # given
    a, b, c = (ContactFactory(workspace=workspace) for _ in range(3))
    note = ContactNote.objects.create(workspace=workspace, contact=b, body="catatan B")
    first = contact_merge(survivor=a, merged=b, actor=owner)
    second = contact_merge(survivor=c, merged=a, actor=owner)
    assert ContactNote.objects.get(pk=note.pk).contact_id == c.pk
    # when
    contact_merge_undo(merge=second, actor=owner)
    contact_merge_undo(merge=first, actor=owner)
    # then
    assert ContactNote.objects.get(pk=note.pk).contact_id == b.pk


def test_refusals_speak_the_users_language(workspace: Workspace) -> None:
    # given
    survivor, merged = ContactFactory(workspace=workspace), ContactFactory(workspace=workspace)
    # when
    messages = {}
    for language in ("en", "id"):
        with translation.override(language), pytest.raises(ValidationError) as error:
            contact_merge_preview(survivor=survivor, merged=merged, choices={"password": "merged"})
        messages[language] = str(error.value.fields["password"])
    # then
    assert messages == {"en": "Unknown field 'password'.", "id": "Kolom 'password' tidak dikenal."}


def test_undo_refusal_is_in_the_active_language(owner: User, workspace: Workspace) -> None:
    # given
    a, b = ContactFactory(workspace=workspace), ContactFactory(workspace=workspace, full_name="Ani")
    merge = contact_merge(survivor=a, merged=b, actor=owner)
    contact_merge_undo(merge=merge, actor=owner)
    # when
    messages = {}
    for language in ("en", "id"):
        with translation.override(language), pytest.raises(Conflict) as error:
            contact_merge_undo(merge=merge, actor=owner)
        messages[language] = str(error.value.message)
    # then
    assert messages == {
        "en": "This merge was already undone.",
        "id": "Penggabungan ini sudah dibatalkan.",
    }


def test_merge_refusal_names_the_contact_in_english(owner: User, workspace: Workspace) -> None:
    # given
    keeper, gone = ContactFactory(workspace=workspace), ContactFactory(workspace=workspace, full_name="Ani")
    contact_merge(survivor=keeper, merged=gone, actor=owner)
    # when
    with translation.override("en"), pytest.raises(Conflict) as error:
        contact_merge(survivor=ContactFactory(workspace=workspace), merged=gone, actor=owner)
    # then
    assert str(error.value.message) == "Ani has already been merged into another customer."
