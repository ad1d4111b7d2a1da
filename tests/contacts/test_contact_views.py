"""Customer pages: list, search, create, detail, edit, delete — permissions and isolation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.contacts import services
from relasi.contacts.models import Contact
from tests.factories import ContactFactory, TagFactory


def test_create_page_saves_and_shows_the_customer(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client]
) -> None:
    client = client_as(owner)
    # when
    response = client.post(
        "/w/hero/pelanggan/baru/",
        {
            "kind": "external",
            "full_name": "Elok Pratiwi",
            "phone": "0812-3456-7890",
            "buyer_type": "id_individual",
            "tags": "vip, reseller",
        },
    )
    # then
    contact = Contact.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/w/hero/pelanggan/{contact.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "Elok Pratiwi" in page
    assert "0812-3456-7890" in page
    assert sorted(contact.tags.values_list("name", flat=True)) == ["reseller", "vip"]


def test_create_page_shows_field_errors_and_writes_nothing(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client]
) -> None:
    owner.language = "en"
    owner.save(update_fields=["language"])
    client = client_as(owner)
    response = client.post(
        "/w/hero/pelanggan/baru/",
        {"kind": "external", "full_name": "A", "phone": "0812", "buyer_type": "id_individual"},
    )
    assert response.status_code == 400
    assert "is not a valid phone number" in response.content.decode()
    assert not Contact.objects.exists()


def test_list_search_by_typed_phone_prefix(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client]
) -> None:
    services.contact_create(
        workspace=workspace, actor=owner, values={"full_name": "Elok", "phone": "0812-3456-7890"}
    )
    services.contact_create(
        workspace=workspace, actor=owner, values={"full_name": "Budi", "phone": "0856-1111-2222"}
    )
    client = client_as(owner)
    # the htmx request that the search box sends renders only the rows
    response = client.get(
        "/w/hero/pelanggan/", {"q": "62812"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="contact-rows"
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Elok" in body
    assert "Budi" not in body
    assert "<html" not in body


def test_list_filters_by_tag_and_city(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client]
) -> None:
    vip = TagFactory(workspace=workspace, name="vip")
    a = ContactFactory(workspace=workspace, full_name="Ani Bandung", city="Bandung")
    a.tags.add(vip)
    ContactFactory(workspace=workspace, full_name="Bayu Bandung", city="Bandung")
    ContactFactory(workspace=workspace, full_name="Cici Medan", city="Medan")
    client = client_as(owner)
    body = client.get("/w/hero/pelanggan/", {"city": "bandung", "tag": vip.pk}).content.decode()
    assert "Ani Bandung" in body
    assert "Bayu Bandung" not in body
    assert "Cici Medan" not in body


def test_list_page_query_count_is_fixed(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client], django_assert_max_num_queries: Any
) -> None:
    client = client_as(owner)
    client.get("/w/hero/pelanggan/")
    for contact in ContactFactory.create_batch(40, workspace=workspace):
        contact.tags.add(TagFactory(workspace=workspace))
    with django_assert_max_num_queries(14):
        response = client.get("/w/hero/pelanggan/")
    assert response.status_code == 200


def test_edit_and_delete(owner: User, workspace: Workspace, client_as: Callable[[User], Client]) -> None:
    contact = services.contact_create(workspace=workspace, actor=owner, values={"full_name": "Lama"})
    client = client_as(owner)
    form = client.get(f"/w/hero/pelanggan/{contact.pk}/ubah/")
    assert form.status_code == 200
    response = client.post(
        f"/w/hero/pelanggan/{contact.pk}/ubah/",
        {"kind": "external", "full_name": "Baru", "buyer_type": "id_individual", "city": "Depok"},
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert (contact.full_name, contact.city) == ("Baru", "Depok")
    assert client.post(f"/w/hero/pelanggan/{contact.pk}/hapus/").status_code == 302
    assert not Contact.objects.filter(pk=contact.pk).exists()


def test_note_from_detail_page(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client]
) -> None:
    contact = services.contact_create(workspace=workspace, actor=owner, values={"full_name": "Nia"})
    client = client_as(owner)
    client.post(f"/w/hero/pelanggan/{contact.pk}/catatan/", {"body": "Minta dikirim sore"})
    assert "Minta dikirim sore" in client.get(f"/w/hero/pelanggan/{contact.pk}/").content.decode()


@pytest.mark.parametrize(
    ("role", "create", "delete"),
    [(Role.OWNER, 200, 302), (Role.SALES, 200, 403), (Role.AGENT, 200, 403), (Role.VIEWER, 403, 403)],
)
def test_page_permissions(
    role: str,
    create: int,
    delete: int,
    workspace: Workspace,
    make_member: Callable[..., User],
    client_as: Callable[[User], Client],
) -> None:
    user = make_member(workspace, role)
    contact = ContactFactory(workspace=workspace)
    client = client_as(user)
    assert client.get("/w/hero/pelanggan/").status_code == 200
    assert client.get("/w/hero/pelanggan/baru/").status_code == create
    assert client.post(f"/w/hero/pelanggan/{contact.pk}/hapus/").status_code == delete


def test_another_workspace_is_invisible(
    owner: User,
    workspace: Workspace,
    outsider: User,
    other_workspace: Workspace,
    client_as: Callable[[User], Client],
) -> None:
    contact = ContactFactory(workspace=workspace, full_name="Rahasia")
    client = client_as(outsider)
    assert client.get("/w/hero/pelanggan/").status_code == 404
    assert client.get(f"/w/hero/pelanggan/{contact.pk}/").status_code == 404
    # and B's own workspace URL does not serve A's contact either
    assert client.get(f"/w/sebelah/pelanggan/{contact.pk}/").status_code == 404
    assert client.post(f"/w/sebelah/pelanggan/{contact.pk}/ubah/", {"full_name": "X"}).status_code == 404
    assert client.post(f"/w/sebelah/pelanggan/{contact.pk}/hapus/").status_code == 404
    assert Contact.objects.filter(pk=contact.pk, full_name="Rahasia").exists()


def test_anonymous_is_sent_to_sign_in(db: None, client: Client) -> None:
    response = client.get("/w/hero/pelanggan/")
    assert response.status_code == 302
    assert response["Location"].startswith("/akun/masuk/")
