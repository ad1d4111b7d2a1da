"""Merge pages: duplicates, "merge with…", preview and merge, undo — permissions, isolation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.contacts import services
from relasi.contacts.merge import contact_merge
from relasi.contacts.models import Contact, ContactMerge, ContactNote
from tests.factories import ContactFactory, TagFactory


@pytest.fixture
def english_owner(workspace: Workspace, make_member: Callable[..., User]) -> User:
    return make_member(workspace, Role.OWNER, email="owner-en@hero.test", language="en")


@pytest.fixture
def client(english_owner: User, client_as: Callable[[User], Client]) -> Client:
    return client_as(english_owner)


def _fresh(contact: Contact) -> Contact:
    return Contact.objects.get(pk=contact.pk)


def test_duplicates_page_lists_pairs_with_reason_and_review_link(
    workspace: Workspace, client: Client
) -> None:
    # given
    a = ContactFactory(workspace=workspace, full_name="Budi Santoso", phone="+6281211110000")
    b = ContactFactory(workspace=workspace, full_name="Pak Budi", phone="+6281211110000")
    # when
    response = client.get("/w/hero/pelanggan/duplikat/")
    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert "Budi Santoso" in page
    assert "Pak Budi" in page
    assert "Same phone number" in page
    assert f'href="/w/hero/pelanggan/{a.pk}/gabung/{b.pk}/"' in page


def test_duplicates_page_shows_undo_only_while_undoable(
    owner: User, workspace: Workspace, client: Client
) -> None:
    # given
    with time_machine.travel(timezone.now() - dt.timedelta(days=40)):
        old = contact_merge(
            survivor=ContactFactory(workspace=workspace),
            merged=ContactFactory(workspace=workspace),
            actor=owner,
        )
    recent = contact_merge(
        survivor=ContactFactory(workspace=workspace), merged=ContactFactory(workspace=workspace), actor=owner
    )
    # when
    page = client.get("/w/hero/pelanggan/duplikat/").content.decode()
    # then
    assert f'action="/w/hero/pelanggan/gabung/{recent.pk}/batal/"' in page
    assert f'action="/w/hero/pelanggan/gabung/{old.pk}/batal/"' not in page
    assert "Can no longer be undone" in page


def test_choose_page_searches_by_phone_and_suggests_similar(workspace: Workspace, client: Client) -> None:
    # given
    contact = ContactFactory(workspace=workspace, full_name="Rina Wati", phone="+6281211110000")
    typed = ContactFactory(workspace=workspace, full_name="Bu Rina Toko", phone="+6285733330000")
    similar = ContactFactory(workspace=workspace, full_name="Rina W.", email="rina@contoh.id")
    # when
    response = client.get(f"/w/hero/pelanggan/{contact.pk}/gabung/", {"q": "0857-3333"})
    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert f"/w/hero/pelanggan/{contact.pk}/gabung/{typed.pk}/" in page
    assert f"/w/hero/pelanggan/{contact.pk}/gabung/{similar.pk}/" in page
    assert f"/w/hero/pelanggan/{contact.pk}/gabung/{contact.pk}/" not in page


def test_preview_shows_both_records_radios_for_differences_and_the_result(
    workspace: Workspace, client: Client
) -> None:
    # given
    survivor = ContactFactory(workspace=workspace, full_name="Budi Santoso", city="", job_title="Owner")
    merged = ContactFactory(workspace=workspace, full_name="Budi S", city="Bandung", job_title="Owner")
    ContactNote.objects.create(workspace=workspace, contact=merged, body="Suka teh")
    # when
    response = client.get(f"/w/hero/pelanggan/{survivor.pk}/gabung/{merged.pk}/")
    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="choice_full_name" value="merged"' in page
    assert 'name="choice_job_title"' not in page  # the same on both sides: nothing to choose
    assert f'href="/w/hero/pelanggan/{merged.pk}/gabung/{survivor.pk}/"' in page  # swap
    result = page[page.index('id="merge-result"') :]
    assert "Budi Santoso" in result
    assert "Bandung" in result
    assert "<li>Notes: 1</li>" in page  # what moves along


def test_preview_refresh_without_javascript_uses_the_choices(workspace: Workspace, client: Client) -> None:
    # given
    survivor = ContactFactory(workspace=workspace, full_name="Budi Santoso")
    merged = ContactFactory(workspace=workspace, full_name="Budi S")
    url = f"/w/hero/pelanggan/{survivor.pk}/gabung/{merged.pk}/"
    # when
    response = client.post(url, {"choice_full_name": "merged", "refresh": "1"})
    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="choice_full_name" value="merged" checked' in page
    result = page[page.index('id="merge-result"') :]
    assert "<dd>Budi S</dd>" in result
    assert _fresh(merged).merged_into_id is None


def test_preview_refresh_with_htmx_returns_only_the_result(workspace: Workspace, client: Client) -> None:
    # given
    survivor = ContactFactory(workspace=workspace, full_name="Budi Santoso")
    merged = ContactFactory(workspace=workspace, full_name="Budi S")
    # when
    response = client.post(
        f"/w/hero/pelanggan/{survivor.pk}/gabung/{merged.pk}/",
        {"choice_full_name": "merged"},
        headers={"HX-Request": "true", "HX-Target": "merge-result"},
    )
    # then
    page = response.content.decode()
    assert page.lstrip().startswith('<section id="merge-result"')
    assert "<dd>Budi S</dd>" in page
    assert "<html" not in page


def test_confirm_merges_and_redirects_to_the_survivor(
    owner: User, workspace: Workspace, client: Client
) -> None:
    # given
    survivor = services.contact_create(
        workspace=workspace, actor=owner, values={"full_name": "Budi", "city": "Binjai"}
    )
    merged = services.contact_create(
        workspace=workspace, actor=owner, values={"full_name": "Budi S", "city": "Medan"}
    )
    note = services.contact_note_add(contact=merged, author=owner, body="Pesan kopi")
    # when
    response = client.post(
        f"/w/hero/pelanggan/{survivor.pk}/gabung/{merged.pk}/",
        {"choice_city": "merged", "confirm": "1"},
    )
    # then
    assert response.status_code == 302
    assert response["Location"] == f"/w/hero/pelanggan/{survivor.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "Budi S was merged into Budi. You can undo this for 30 days on the Duplicates page." in page
    survivor = _fresh(survivor)
    assert (survivor.full_name, survivor.city) == ("Budi", "Medan")
    assert ContactNote.objects.get(pk=note.pk).contact_id == survivor.pk
    assert _fresh(merged).merged_into_id == survivor.pk


def test_merged_contacts_detail_redirects_to_the_survivor(
    owner: User, workspace: Workspace, client: Client
) -> None:
    # given
    survivor, merged = ContactFactory(workspace=workspace), ContactFactory(workspace=workspace)
    contact_merge(survivor=survivor, merged=merged, actor=owner)
    # when
    response = client.get(f"/w/hero/pelanggan/{merged.pk}/")
    # then
    assert response.status_code == 302
    assert response["Location"] == f"/w/hero/pelanggan/{survivor.pk}/"


def test_merging_an_already_merged_contact_finds_it_gone(
    owner: User, workspace: Workspace, client: Client
) -> None:
    # given: the preview was opened, then someone else merged the contact away
    survivor, merged = ContactFactory(workspace=workspace), ContactFactory(workspace=workspace)
    contact_merge(survivor=ContactFactory(workspace=workspace), merged=merged, actor=owner)
    # when
    response = client.post(f"/w/hero/pelanggan/{survivor.pk}/gabung/{merged.pk}/", {"confirm": "1"})
    # then: the merged contact is no longer live, so the page is gone
    assert response.status_code == 404
    assert ContactMerge.objects.count() == 1


def test_merging_a_contact_with_itself_goes_back_to_choose(workspace: Workspace, client: Client) -> None:
    # given
    contact = ContactFactory(workspace=workspace)
    # when
    response = client.post(f"/w/hero/pelanggan/{contact.pk}/gabung/{contact.pk}/", {"confirm": "1"})
    # then
    assert response.status_code == 302
    assert response["Location"] == f"/w/hero/pelanggan/{contact.pk}/gabung/"
    assert not ContactMerge.objects.exists()


def test_a_bad_choice_is_reported_and_nothing_is_merged(workspace: Workspace, client: Client) -> None:
    # given
    survivor, merged = ContactFactory(workspace=workspace), ContactFactory(workspace=workspace)
    # when
    response = client.post(
        f"/w/hero/pelanggan/{survivor.pk}/gabung/{merged.pk}/",
        {"choice_full_name": "both", "confirm": "1"},
    )
    # then
    assert response.status_code == 400
    assert "Some choices need fixing: full_name." in response.content.decode()
    assert not ContactMerge.objects.exists()


def test_undo_button_separates_the_contacts_again(owner: User, workspace: Workspace, client: Client) -> None:
    # given
    vip = TagFactory(workspace=workspace, name="vip")
    survivor = ContactFactory(workspace=workspace)
    merged = ContactFactory(workspace=workspace, full_name="Ani")
    merged.tags.set([vip])
    merge = contact_merge(survivor=survivor, merged=merged, actor=owner)
    # when
    response = client.post(f"/w/hero/pelanggan/gabung/{merge.pk}/batal/")
    # then
    assert response.status_code == 302
    assert response["Location"] == "/w/hero/pelanggan/duplikat/"
    page = client.get(response["Location"]).content.decode()
    assert "The merge was undone: Ani is a separate customer again." in page
    assert "Undone on" in page
    assert _fresh(merged).merged_into_id is None
    assert not survivor.tags.exists()


def test_undo_too_late_shows_the_reason(owner: User, workspace: Workspace, client: Client) -> None:
    # given
    survivor, merged = ContactFactory(workspace=workspace), ContactFactory(workspace=workspace)
    with time_machine.travel(timezone.now() - dt.timedelta(days=31)):
        merge = contact_merge(survivor=survivor, merged=merged, actor=owner)
    # when
    response = client.post(f"/w/hero/pelanggan/gabung/{merge.pk}/batal/", follow=True)
    # then
    assert "A merge can be undone for 30 days only; this one is older." in response.content.decode()
    assert _fresh(merged).merged_into_id == survivor.pk


def test_undo_needs_post(owner: User, workspace: Workspace, client: Client) -> None:
    # given
    merge = contact_merge(
        survivor=ContactFactory(workspace=workspace), merged=ContactFactory(workspace=workspace), actor=owner
    )
    # when
    response = client.get(f"/w/hero/pelanggan/gabung/{merge.pk}/batal/")
    # then
    assert response.status_code == 405
    assert ContactMerge.objects.get().undone_at is None


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.VIEWER, 403), (Role.AGENT, 403), (Role.FINANCE, 403), (Role.SALES, 200), (Role.ADMIN, 200)],
)
def test_page_permissions(
    role: str,
    status: int,
    owner: User,
    workspace: Workspace,
    make_member: Callable[..., User],
    client_as: Callable[[User], Client],
) -> None:
    # given
    client = client_as(make_member(workspace, role))
    a, b = ContactFactory(workspace=workspace), ContactFactory(workspace=workspace)
    merge = contact_merge(
        survivor=ContactFactory(workspace=workspace), merged=ContactFactory(workspace=workspace), actor=owner
    )
    # when
    pages = [
        client.get("/w/hero/pelanggan/duplikat/").status_code,
        client.get(f"/w/hero/pelanggan/{a.pk}/gabung/").status_code,
        client.get(f"/w/hero/pelanggan/{a.pk}/gabung/{b.pk}/").status_code,
    ]
    merge_status = client.post(f"/w/hero/pelanggan/{a.pk}/gabung/{b.pk}/", {"confirm": "1"}).status_code
    undo_status = client.post(f"/w/hero/pelanggan/gabung/{merge.pk}/batal/").status_code
    # then
    assert pages == [status, status, status]
    if status == 403:
        assert (merge_status, undo_status) == (403, 403)
        assert _fresh(b).merged_into_id is None
        assert ContactMerge.objects.get(pk=merge.pk).undone_at is None
    else:
        assert (merge_status, undo_status) == (302, 302)
        assert _fresh(b).merged_into_id == a.pk
        assert ContactMerge.objects.get(pk=merge.pk).undone_at is not None


def test_another_workspaces_contacts_and_merges_are_invisible(
    owner: User,
    outsider: User,
    workspace: Workspace,
    other_workspace: Workspace,
    client: Client,
) -> None:
    # given
    ours = ContactFactory(workspace=workspace)
    theirs, theirs_too = ContactFactory(workspace=other_workspace), ContactFactory(workspace=other_workspace)
    their_merge = contact_merge(
        survivor=ContactFactory(workspace=other_workspace),
        merged=ContactFactory(workspace=other_workspace),
        actor=outsider,
    )
    # when
    statuses = [
        client.get(f"/w/hero/pelanggan/{theirs.pk}/gabung/").status_code,
        client.get(f"/w/hero/pelanggan/{ours.pk}/gabung/{theirs.pk}/").status_code,
        client.post(f"/w/hero/pelanggan/{ours.pk}/gabung/{theirs.pk}/", {"confirm": "1"}).status_code,
        client.post(f"/w/hero/pelanggan/{theirs.pk}/gabung/{theirs_too.pk}/", {"confirm": "1"}).status_code,
        client.post(f"/w/hero/pelanggan/gabung/{their_merge.pk}/batal/").status_code,
        client.get("/w/sebelah/pelanggan/duplikat/").status_code,
    ]
    # then
    assert statuses == [404] * 6
    assert _fresh(theirs).merged_into_id is None
    assert ContactMerge.objects.get(pk=their_merge.pk).undone_at is None
    # and another workspace's duplicates never show up in ours
    ContactFactory(workspace=other_workspace, email="kembar@contoh.id")
    ContactFactory(workspace=other_workspace, email="kembar@contoh.id")
    assert "kembar@contoh.id" not in client.get("/w/hero/pelanggan/duplikat/").content.decode()


def test_pages_are_in_indonesian_by_default(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client]
) -> None:
    # given
    survivor, merged = ContactFactory(workspace=workspace), ContactFactory(workspace=workspace)
    # when
    response = client_as(owner).get(f"/w/hero/pelanggan/{survivor.pk}/gabung/{merged.pk}/")
    # then
    assert response["Content-Language"] == "id"
    assert '<html lang="id">' in response.content.decode()
