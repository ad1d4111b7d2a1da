"""POST /api/v1/contacts/{id}/merge, POST /api/v1/contacts/merges/{id}/undo,
GET /api/v1/contacts/duplicates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.utils import timezone

import relasi.contacts.api_merge  # noqa: F401 - registers the routes (config/api.py will import it)
from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.contacts.merge import contact_merge
from relasi.contacts.models import Contact, ContactMerge, ContactNote
from tests.factories import ContactFactory, TagFactory

ApiAs = Callable[[User, Workspace], Any]


def _fresh(contact: Contact) -> Contact:
    return Contact.objects.get(pk=contact.pk)


def test_merge_returns_the_merge_id_and_the_survivor(
    owner: User, workspace: Workspace, api_as: ApiAs
) -> None:
    # given
    api = api_as(owner, workspace)
    vip = TagFactory(workspace=workspace, name="vip")
    survivor = ContactFactory(workspace=workspace, full_name="Budi", city="")
    merged = ContactFactory(workspace=workspace, full_name="Budi Santoso", city="Medan")
    merged.tags.set([vip])
    note = ContactNote.objects.create(workspace=workspace, contact=merged, body="catatan")
    # when
    response = api.post(
        f"/api/v1/contacts/{survivor.pk}/merge",
        {"other_id": merged.pk, "choices": {"full_name": "merged"}},
    )
    # then
    assert response.status_code == 200, response.content
    body = response.json()
    merge = ContactMerge.objects.get()
    assert body["merge_id"] == merge.pk
    assert body["survivor"]["id"] == survivor.pk
    assert body["survivor"]["full_name"] == "Budi Santoso"
    assert body["survivor"]["city"] == "Medan"
    assert body["survivor"]["tags"] == ["vip"]
    undo_until = dt.datetime.fromisoformat(body["undo_until"])
    assert abs(undo_until - (merge.created_at + dt.timedelta(days=30))) < dt.timedelta(milliseconds=1)
    assert ContactNote.objects.get(pk=note.pk).contact_id == survivor.pk


def test_merged_contact_is_gone_from_the_api(owner: User, workspace: Workspace, api_as: ApiAs) -> None:
    # given
    api = api_as(owner, workspace)
    survivor = ContactFactory(workspace=workspace, full_name="Sari Dewi")
    merged = ContactFactory(workspace=workspace, full_name="Sari D")
    # when
    api.post(f"/api/v1/contacts/{survivor.pk}/merge", {"other_id": merged.pk})
    # then
    assert api.get(f"/api/v1/contacts/{merged.pk}").status_code == 404
    listed = [item["id"] for item in api.get("/api/v1/contacts", {"q": "Sari"}).json()["items"]]
    assert listed == [survivor.pk]


def test_merge_errors_are_code_message_fields(owner: User, workspace: Workspace, api_as: ApiAs) -> None:
    # given
    api = api_as(owner, workspace)
    survivor, merged = ContactFactory(workspace=workspace), ContactFactory(workspace=workspace)
    # when
    itself = api.post(f"/api/v1/contacts/{survivor.pk}/merge", {"other_id": survivor.pk})
    bad_choice = api.post(
        f"/api/v1/contacts/{survivor.pk}/merge",
        {"other_id": merged.pk, "choices": {"password": "merged"}},
        **{"Accept-Language": "en"},
    )
    wrong_value = api.post(
        f"/api/v1/contacts/{survivor.pk}/merge", {"other_id": merged.pk, "choices": {"city": "both"}}
    )
    # then
    assert itself.status_code == 400
    assert itself.json()["code"] == "merge_same_contact"
    assert set(itself.json()) == {"code", "message", "fields"}
    assert bad_choice.status_code == 400
    assert bad_choice.json()["fields"] == {"password": "Unknown field 'password'."}
    assert wrong_value.status_code == 422
    assert "choices.city" in wrong_value.json()["fields"]
    assert not ContactMerge.objects.exists()


def test_merging_an_already_merged_contact_is_a_conflict(
    owner: User, workspace: Workspace, api_as: ApiAs
) -> None:
    # given
    api = api_as(owner, workspace)
    first, second, loser = (ContactFactory(workspace=workspace) for _ in range(3))
    api.post(f"/api/v1/contacts/{first.pk}/merge", {"other_id": loser.pk})
    # when
    response = api.post(f"/api/v1/contacts/{second.pk}/merge", {"other_id": loser.pk})
    # then
    assert response.status_code == 409
    assert response.json()["code"] == "merge_already_merged"
    assert _fresh(loser).merged_into_id == first.pk


def test_undo_separates_the_contacts(owner: User, workspace: Workspace, api_as: ApiAs) -> None:
    # given
    api = api_as(owner, workspace)
    survivor = ContactFactory(workspace=workspace, full_name="Budi", city="")
    merged = ContactFactory(workspace=workspace, full_name="Ani", city="Solo")
    merge_id = api.post(f"/api/v1/contacts/{survivor.pk}/merge", {"other_id": merged.pk}).json()["merge_id"]
    # when
    response = api.post(f"/api/v1/contacts/merges/{merge_id}/undo")
    again = api.post(f"/api/v1/contacts/merges/{merge_id}/undo")
    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["survivor"]["id"], body["survivor"]["city"]) == (survivor.pk, "")
    assert (body["restored"]["id"], body["restored"]["full_name"]) == (merged.pk, "Ani")
    assert api.get(f"/api/v1/contacts/{merged.pk}").status_code == 200
    assert again.status_code == 409
    assert again.json()["code"] == "merge_already_undone"


def test_undo_after_thirty_days_is_refused(owner: User, workspace: Workspace, api_as: ApiAs) -> None:
    # given
    api = api_as(owner, workspace)
    survivor, merged = ContactFactory(workspace=workspace), ContactFactory(workspace=workspace)
    with time_machine.travel(timezone.now() - dt.timedelta(days=30, minutes=1)):
        merge = contact_merge(survivor=survivor, merged=merged, actor=owner)
    # when
    response = api.post(f"/api/v1/contacts/merges/{merge.pk}/undo", **{"Accept-Language": "en"})
    # then
    assert response.status_code == 409
    assert response.json() == {
        "code": "merge_undo_expired",
        "message": "A merge can be undone for 30 days only; this one is older.",
        "fields": {},
    }


def test_duplicates_lists_pairs_with_reasons(owner: User, workspace: Workspace, api_as: ApiAs) -> None:
    # given
    api = api_as(owner, workspace)
    a = ContactFactory(workspace=workspace, phone="+6281211110000", email="sama@contoh.id")
    b = ContactFactory(workspace=workspace, phone="+6281211110000", email="sama@contoh.id")
    # when
    response = api.get("/api/v1/contacts/duplicates", {"limit": 10})
    # then
    assert response.status_code == 200
    [item] = response.json()["items"]
    assert (item["first"]["id"], item["second"]["id"]) == (a.pk, b.pk)
    assert item["reasons"] == ["phone", "email"]
    assert item["group_size"] == 2


@pytest.mark.parametrize(
    ("role", "allowed"),
    [(Role.VIEWER, False), (Role.AGENT, False), (Role.FINANCE, False), (Role.SALES, True)],
)
def test_permissions(
    role: str,
    allowed: bool,
    owner: User,
    workspace: Workspace,
    make_member: Callable[..., User],
    api_as: ApiAs,
) -> None:
    # given
    api = api_as(make_member(workspace, role), workspace)
    a, b = ContactFactory(workspace=workspace), ContactFactory(workspace=workspace)
    merge = contact_merge(
        survivor=ContactFactory(workspace=workspace), merged=ContactFactory(workspace=workspace), actor=owner
    )
    # when
    statuses = (
        api.get("/api/v1/contacts/duplicates").status_code,
        api.post(f"/api/v1/contacts/{a.pk}/merge", {"other_id": b.pk}).status_code,
        api.post(f"/api/v1/contacts/merges/{merge.pk}/undo").status_code,
    )
    # then
    if allowed:
        assert statuses == (200, 200, 200)
        assert _fresh(b).merged_into_id == a.pk
    else:
        assert statuses == (403, 403, 403)
        assert _fresh(b).merged_into_id is None
        assert ContactMerge.objects.get(pk=merge.pk).undone_at is None


def test_another_workspace_is_not_found(
    owner: User,
    outsider: User,
    workspace: Workspace,
    other_workspace: Workspace,
    api_as: ApiAs,
) -> None:
    # given
    api = api_as(owner, workspace)
    ours = ContactFactory(workspace=workspace)
    theirs = ContactFactory(workspace=other_workspace, email="kembar@contoh.id")
    ContactFactory(workspace=other_workspace, email="kembar@contoh.id")
    their_merge = contact_merge(
        survivor=ContactFactory(workspace=other_workspace),
        merged=ContactFactory(workspace=other_workspace),
        actor=outsider,
    )
    # when
    into_theirs = api.post(f"/api/v1/contacts/{theirs.pk}/merge", {"other_id": ours.pk})
    from_theirs = api.post(f"/api/v1/contacts/{ours.pk}/merge", {"other_id": theirs.pk})
    undo_theirs = api.post(f"/api/v1/contacts/merges/{their_merge.pk}/undo")
    duplicates = api.get("/api/v1/contacts/duplicates").json()["items"]
    # then
    assert (into_theirs.status_code, from_theirs.status_code, undo_theirs.status_code) == (404, 404, 404)
    assert from_theirs.json()["code"] == "not_found"
    assert duplicates == []
    assert _fresh(theirs).merged_into_id is None
    assert _fresh(ours).merged_into_id is None
    assert ContactMerge.objects.get(pk=their_merge.pk).undone_at is None


def test_duplicates_query_count_is_fixed(
    owner: User, workspace: Workspace, api_as: ApiAs, django_assert_max_num_queries: Any
) -> None:
    # given
    api = api_as(owner, workspace)
    for n in range(15):
        ContactFactory.create_batch(2, workspace=workspace, email=f"kembar{n}@contoh.id")
    # when
    with django_assert_max_num_queries(12):  # token and membership lookups, then the selector
        response = api.get("/api/v1/contacts/duplicates")
    # then
    assert len(response.json()["items"]) == 15
