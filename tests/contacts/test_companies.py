"""Companies: the services (company_create/update/delete), the pages (views_org) and
``/api/v1/companies``: NPWP/NITKU, audit, permissions, workspace isolation, query counts."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from pytest_django import DjangoAssertNumQueries

from relasi.accounts.enums import Language, Role
from relasi.accounts.models import User, Workspace
from relasi.contacts import services
from relasi.contacts.models import Company, Contact
from relasi.contacts.views_org import PAGE_SIZE
from relasi.core.exceptions import ValidationError
from relasi.core.models import AuditAction, AuditLog
from tests.conftest import ApiClient
from tests.factories import CompanyFactory, ContactFactory

NPWP_15 = "01.312.166.0-091.000"  # the old dotted 15-digit form
NPWP_16 = "0013121660091000"  # the same NPWP since 2024: "0" + 15 digits
NPWP_BAD_CHECK_DIGIT = "013121661091000"
NITKU_HEAD_OFFICE = NPWP_16 + "000000"
NPWP_MESSAGE = "This NPWP is not valid. Type the 16 digits (or the old 15)."
NITKU_MESSAGE = "NITKU has 22 digits: the NPWP followed by 6 digits."


def _audit(instance: Company, action: AuditAction) -> AuditLog:
    return AuditLog.objects.get(object_type="contacts.company", object_id=str(instance.pk), action=action)


def _in(language: str, msgid: str) -> str:
    with translation.override(language):
        return gettext(msgid)


# Services ---------------------------------------------------------------------------------


def test_create_turns_a_15_digit_npwp_into_16_digits_and_audits(owner: User, workspace: Workspace) -> None:
    # when
    company = services.company_create(
        workspace=workspace,
        actor=owner,
        values={
            "name": "  PT  Maju   Jaya ",
            "npwp": NPWP_15,
            "nitku": NITKU_HEAD_OFFICE,
            "phone": "(021) 555-1234",
        },
    )
    # then
    company.refresh_from_db()
    assert company.name == "PT Maju Jaya"
    assert company.npwp == NPWP_16
    assert company.nitku == NITKU_HEAD_OFFICE
    assert company.phone == "+62215551234"
    entry = _audit(company, AuditAction.CREATE)
    assert entry.actor == owner
    assert entry.workspace == workspace
    assert entry.changes["npwp"] == NPWP_16


def test_create_refuses_bad_npwp_and_nitku_naming_each_field_and_writes_nothing(
    owner: User, workspace: Workspace
) -> None:
    # when
    with translation.override("en"), pytest.raises(ValidationError) as error:
        services.company_create(
            workspace=workspace,
            actor=owner,
            values={"name": "PT Salah Nomor", "npwp": NPWP_BAD_CHECK_DIGIT, "nitku": "12345"},
        )
    # then
    assert error.value.fields == {"npwp": NPWP_MESSAGE, "nitku": NITKU_MESSAGE}
    assert "NPWP" in str(error.value.fields["npwp"])
    assert "NITKU" in str(error.value.fields["nitku"])
    assert not Company.objects.exists()
    assert not AuditLog.objects.exists()


def test_create_needs_a_name(owner: User, workspace: Workspace) -> None:
    # when
    with translation.override("en"), pytest.raises(ValidationError) as error:
        services.company_create(workspace=workspace, actor=owner, values={"name": "   "})
    # then
    assert error.value.fields == {"name": "Type the company's name."}


def test_npwp_message_follows_the_active_language(owner: User, workspace: Workspace) -> None:
    # given
    values = {"name": "PT Bahasa", "npwp": NPWP_BAD_CHECK_DIGIT}
    # when
    with translation.override("en"), pytest.raises(ValidationError) as english:
        services.company_create(workspace=workspace, actor=owner, values=values)
    with translation.override("id"), pytest.raises(ValidationError) as indonesian:
        services.company_create(workspace=workspace, actor=owner, values=values)
    # then: each message comes from the catalogue of the language active at the call
    assert str(english.value.fields["npwp"]) == NPWP_MESSAGE
    assert str(indonesian.value.fields["npwp"]) == _in("id", NPWP_MESSAGE) != NPWP_MESSAGE
    assert "NPWP" in str(indonesian.value.fields["npwp"])


def test_update_audits_only_the_changed_fields(owner: User, workspace: Workspace) -> None:
    # given
    company = services.company_create(
        workspace=workspace, actor=owner, values={"name": "PT Lama", "city": "Bandung"}
    )
    # when
    services.company_update(
        company=company, actor=owner, values={"name": "PT Baru", "city": "Bandung", "npwp": NPWP_15}
    )
    # then
    entry = _audit(company, AuditAction.UPDATE)
    assert entry.changes == {"name": ["PT Lama", "PT Baru"], "npwp": ["", NPWP_16]}


def test_update_without_changes_writes_no_audit(owner: User, workspace: Workspace) -> None:
    # given
    company = services.company_create(workspace=workspace, actor=owner, values={"name": "PT Tetap"})
    # when
    services.company_update(company=company, actor=owner, values={"name": "PT Tetap"})
    # then
    assert not AuditLog.objects.filter(action=AuditAction.UPDATE).exists()


def test_delete_audits_and_leaves_its_contacts_without_a_company(owner: User, workspace: Workspace) -> None:
    # given
    company = services.company_create(
        workspace=workspace, actor=owner, values={"name": "PT Tutup", "npwp": NPWP_16}
    )
    contact = ContactFactory(workspace=workspace, company=company)
    company_id = company.pk
    # when
    services.company_delete(company=company, actor=owner)
    # then
    assert not Company.objects.filter(pk=company_id).exists()
    contact.refresh_from_db()
    assert contact.company_id is None
    entry = AuditLog.objects.get(
        object_type="contacts.company", object_id=str(company_id), action=AuditAction.DELETE
    )
    assert entry.changes["npwp"] == NPWP_16


def test_contact_cannot_belong_to_another_workspaces_company(
    owner: User, workspace: Workspace, other_workspace: Workspace
) -> None:
    # given
    foreign = CompanyFactory(workspace=other_workspace, name="PT Tetangga")
    # when
    with translation.override("en"), pytest.raises(ValidationError) as error:
        services.contact_create(
            workspace=workspace, actor=owner, values={"full_name": "Dewi", "company_id": foreign.pk}
        )
    # then
    assert set(error.value.fields) == {"company_id"}
    assert "does not exist in this workspace" in str(error.value.fields["company_id"])
    assert not Contact.objects.exists()


def test_contact_can_belong_to_a_company_of_its_workspace(owner: User, workspace: Workspace) -> None:
    # given
    company = CompanyFactory(workspace=workspace)
    # when
    contact = services.contact_create(
        workspace=workspace, actor=owner, values={"full_name": "Dewi", "company_id": company.pk}
    )
    # then
    assert contact.company == company


# Pages ------------------------------------------------------------------------------------


def test_list_searches_by_name(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client]
) -> None:
    # given
    CompanyFactory(workspace=workspace, name="PT Maju Jaya")
    CompanyFactory(workspace=workspace, name="CV Sinar Terang")
    # when
    response = client_as(owner).get(reverse("contacts:company_list", args=[workspace.slug]), {"q": "sinar"})
    # then
    assert response.status_code == 200
    assert [c.name for c in response.context["companies"]] == ["CV Sinar Terang"]
    assert "CV Sinar Terang" in response.content.decode()


def test_list_pages_with_a_cursor(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client]
) -> None:
    # given
    Company.objects.bulk_create(
        [Company(workspace=workspace, name=f"PT Nomor {n:03d}") for n in range(PAGE_SIZE + 3)]
    )
    client = client_as(owner)
    url = reverse("contacts:company_list", args=[workspace.slug])
    # when
    first = client.get(url)
    second = client.get(url, {"cursor": first.context["next_cursor"]})
    # then
    assert len(first.context["companies"]) == PAGE_SIZE
    assert len(second.context["companies"]) == 3
    assert second.context["next_cursor"] is None
    seen = {c.pk for c in first.context["companies"]} | {c.pk for c in second.context["companies"]}
    assert seen == set(Company.objects.values_list("pk", flat=True))


def test_list_htmx_more_returns_rows_only(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client]
) -> None:
    # given
    CompanyFactory(workspace=workspace, name="PT Satu")
    # when
    response = client_as(owner).get(
        reverse("contacts:company_list", args=[workspace.slug]),
        headers={"HX-Request": "true", "HX-Target": "company-rows"},
    )
    # then
    body = response.content.decode()
    assert "PT Satu" in body
    assert "<html" not in body


def test_list_refuses_a_forged_cursor_with_a_message(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client]
) -> None:
    # when
    response = client_as(owner).get(reverse("contacts:company_list", args=[workspace.slug]), {"cursor": "!!"})
    # then
    assert response.status_code == 302
    assert response.url == reverse("contacts:company_list", args=[workspace.slug])


def _company_with_people(workspace: Workspace, owner: User, n: int) -> None:
    for i in range(n):
        company = CompanyFactory(workspace=workspace, owner=owner, city="Surabaya", npwp=NPWP_16)
        ContactFactory(workspace=workspace, company=company, full_name=f"Orang {i}")


@pytest.mark.parametrize("rows", [1, 30])
def test_list_query_count_does_not_grow_with_rows(
    rows: int,
    owner: User,
    workspace: Workspace,
    client_as: Callable[[User], Client],
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    # given
    _company_with_people(workspace, owner, rows)
    client = client_as(owner)
    url = reverse("contacts:company_list", args=[workspace.slug])
    # when
    with django_assert_max_num_queries(
        9
    ):  # session, user, membership, page ids + rows, nav, session save (3)
        response = client.get(url)
    # then
    assert len(response.context["companies"]) == rows
    assert {c.contact_count for c in response.context["companies"]} == {1}


def test_create_page_saves_and_shows_npwp_as_16_digits(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client]
) -> None:
    # given
    client = client_as(owner)
    # when
    response = client.post(
        reverse("contacts:company_create", args=[workspace.slug]),
        {"name": "PT Sentosa", "npwp": NPWP_15, "nitku": NITKU_HEAD_OFFICE, "city": "Medan"},
        follow=True,
    )
    # then
    company = Company.objects.get(workspace=workspace)
    assert response.redirect_chain[-1][0] == reverse(
        "contacts:company_detail", args=[workspace.slug, company.pk]
    )
    body = response.content.decode()
    assert f'data-testid="company-npwp">{NPWP_16}<' in body
    assert f'data-testid="company-nitku">{NITKU_HEAD_OFFICE}<' in body
    assert AuditLog.objects.filter(object_type="contacts.company", action=AuditAction.CREATE).count() == 1


def test_create_page_shows_service_errors_on_the_fields(
    make_member: Callable[..., User], workspace: Workspace, client_as: Callable[[User], Client]
) -> None:
    # given
    user = make_member(workspace, Role.SALES, language=Language.ENGLISH)
    # when
    response = client_as(user).post(
        reverse("contacts:company_create", args=[workspace.slug]),
        {"name": "PT Salah", "npwp": NPWP_BAD_CHECK_DIGIT, "nitku": "1"},
    )
    # then
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["npwp"] == [NPWP_MESSAGE]
    assert form.errors["nitku"] == [NITKU_MESSAGE]
    assert not Company.objects.exists()


def test_create_page_errors_in_indonesian_for_an_indonesian_user(
    make_member: Callable[..., User], workspace: Workspace, client_as: Callable[[User], Client]
) -> None:
    # given
    user = make_member(workspace, Role.SALES, language=Language.INDONESIAN)
    # when
    response = client_as(user).post(
        reverse("contacts:company_create", args=[workspace.slug]), {"name": "", "npwp": ""}
    )
    # then
    assert response.status_code == 400
    assert response.headers["Content-Language"] == "id"
    assert response.context["form"].errors["name"] == [_in("id", "Type the company's name.")]


def test_detail_lists_its_contacts_and_links_to_add_one(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client]
) -> None:
    # given
    company = CompanyFactory(workspace=workspace, name="PT Kita")
    ContactFactory(workspace=workspace, company=company, full_name="Ani Lestari")
    merged_into = ContactFactory(workspace=workspace, full_name="Yang Tersisa")
    ContactFactory(workspace=workspace, company=company, full_name="Sudah Digabung", merged_into=merged_into)
    ContactFactory(workspace=workspace, full_name="Bukan Karyawan")
    # when
    response = client_as(owner).get(reverse("contacts:company_detail", args=[workspace.slug, company.pk]))
    # then
    assert [c.full_name for c in response.context["contacts"]] == ["Ani Lestari"]
    body = response.content.decode()
    add_url = reverse("contacts:create", args=[workspace.slug]) + f"?company_id={company.pk}"
    assert f'href="{add_url}"' in body
    assert f'aria-current="page">{_in("id", "Companies")}<' in body


def test_edit_page_changes_the_company(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client]
) -> None:
    # given
    company = CompanyFactory(workspace=workspace, name="PT Awal")
    url = reverse("contacts:company_edit", args=[workspace.slug, company.pk])
    client = client_as(owner)
    # when
    form_page = client.get(url)
    response = client.post(url, {**form_page.context["form"].initial, "name": "PT Akhir", "owner_id": ""})
    # then
    assert response.status_code == 302
    company.refresh_from_db()
    assert company.name == "PT Akhir"
    assert _audit(company, AuditAction.UPDATE).changes == {"name": ["PT Awal", "PT Akhir"]}


def test_delete_page_asks_first_then_deletes_on_post(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client]
) -> None:
    # given
    company = CompanyFactory(workspace=workspace, name="PT Hapus")
    ContactFactory(workspace=workspace, company=company)
    url = reverse("contacts:company_delete", args=[workspace.slug, company.pk])
    client = client_as(owner)
    # when
    confirm = client.get(url)
    # then
    assert confirm.status_code == 200
    assert confirm.context["contact_count"] == 1
    assert Company.objects.filter(pk=company.pk).exists()
    # when
    response = client.post(url)
    # then
    assert response.status_code == 302
    assert not Company.objects.filter(pk=company.pk).exists()
    assert AuditLog.objects.filter(object_id=str(company.pk), action=AuditAction.DELETE).exists()


def test_viewer_reads_companies_but_cannot_change_them(
    make_member: Callable[..., User], workspace: Workspace, client_as: Callable[[User], Client]
) -> None:
    # given
    viewer = make_member(workspace, Role.VIEWER)
    company = CompanyFactory(workspace=workspace)
    client = client_as(viewer)
    slug = workspace.slug
    # when / then
    assert client.get(reverse("contacts:company_list", args=[slug])).status_code == 200
    detail = client.get(reverse("contacts:company_detail", args=[slug, company.pk]))
    assert detail.status_code == 200
    assert reverse("contacts:company_edit", args=[slug, company.pk]) not in detail.content.decode()
    assert client.get(reverse("contacts:company_create", args=[slug])).status_code == 403
    assert client.post(reverse("contacts:company_create", args=[slug]), {"name": "PT X"}).status_code == 403
    assert (
        client.post(reverse("contacts:company_edit", args=[slug, company.pk]), {"name": "X"}).status_code
        == 403
    )
    assert client.post(reverse("contacts:company_delete", args=[slug, company.pk])).status_code == 403
    assert Company.objects.filter(pk=company.pk, name=company.name).exists()
    assert Company.objects.count() == 1


def test_agent_can_edit_but_not_delete(
    make_member: Callable[..., User], workspace: Workspace, client_as: Callable[[User], Client]
) -> None:
    # given
    agent = make_member(workspace, Role.AGENT)
    company = CompanyFactory(workspace=workspace)
    client = client_as(agent)
    # when
    edit = client.get(reverse("contacts:company_edit", args=[workspace.slug, company.pk]))
    delete = client.post(reverse("contacts:company_delete", args=[workspace.slug, company.pk]))
    # then
    assert edit.status_code == 200
    assert delete.status_code == 403
    assert Company.objects.filter(pk=company.pk).exists()


@pytest.mark.parametrize(
    "name", ["contacts:company_detail", "contacts:company_edit", "contacts:company_delete"]
)
def test_another_workspaces_company_is_not_found(
    name: str,
    owner: User,
    workspace: Workspace,
    other_workspace: Workspace,
    client_as: Callable[[User], Client],
) -> None:
    # given
    foreign = CompanyFactory(workspace=other_workspace, name="PT Tetangga")
    client = client_as(owner)
    url = reverse(name, args=[workspace.slug, foreign.pk])
    # when
    get, post = client.get(url), client.post(url, {"name": "Dirampas"})
    # then
    assert get.status_code == 404
    assert post.status_code == 404
    foreign.refresh_from_db()
    assert foreign.name == "PT Tetangga"


def test_list_shows_only_this_workspaces_companies(
    owner: User,
    workspace: Workspace,
    other_workspace: Workspace,
    client_as: Callable[[User], Client],
) -> None:
    # given
    CompanyFactory(workspace=workspace, name="PT Milik Sendiri")
    CompanyFactory(workspace=other_workspace, name="PT Milik Tetangga")
    # when
    response = client_as(owner).get(reverse("contacts:company_list", args=[workspace.slug]))
    # then
    assert [c.name for c in response.context["companies"]] == ["PT Milik Sendiri"]


def test_outsider_cannot_open_the_workspaces_companies(
    outsider: User, workspace: Workspace, client_as: Callable[[User], Client]
) -> None:
    # given
    company = CompanyFactory(workspace=workspace)
    client = client_as(outsider)
    # when / then
    assert client.get(reverse("contacts:company_list", args=[workspace.slug])).status_code == 404
    assert (
        client.get(reverse("contacts:company_detail", args=[workspace.slug, company.pk])).status_code == 404
    )


# API --------------------------------------------------------------------------------------


def test_api_create_converts_the_npwp_and_audits(
    owner: User, workspace: Workspace, api_as: Callable[[User, Workspace], ApiClient]
) -> None:
    # when
    response = api_as(owner, workspace).post("/api/v1/companies", {"name": "PT Lewat API", "npwp": NPWP_15})
    # then
    assert response.status_code == 201
    body = response.json()
    assert body["npwp"] == NPWP_16
    assert Company.objects.get(pk=body["id"]).workspace == workspace
    assert AuditLog.objects.filter(object_id=str(body["id"]), action=AuditAction.CREATE, actor=owner).exists()


def test_api_bad_npwp_is_a_400_naming_the_field(
    owner: User, workspace: Workspace, api_as: Callable[[User, Workspace], ApiClient]
) -> None:
    # when
    response = api_as(owner, workspace).post(
        "/api/v1/companies",
        {"name": "PT Salah", "npwp": NPWP_BAD_CHECK_DIGIT, "nitku": "1"},
        **{"Accept-Language": "en"},
    )
    # then
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["fields"] == {"npwp": NPWP_MESSAGE, "nitku": NITKU_MESSAGE}
    assert not Company.objects.exists()


def test_api_update_and_delete_audit(
    owner: User, workspace: Workspace, api_as: Callable[[User, Workspace], ApiClient]
) -> None:
    # given
    api = api_as(owner, workspace)
    company_id = api.post("/api/v1/companies", {"name": "PT Sementara"}).json()["id"]
    # when
    patched = api.patch(f"/api/v1/companies/{company_id}", {"city": "Makassar"})
    deleted = api.delete(f"/api/v1/companies/{company_id}")
    # then
    assert patched.status_code == 200
    assert patched.json()["city"] == "Makassar"
    assert deleted.status_code == 204
    actions = list(
        AuditLog.objects.filter(object_type="contacts.company", object_id=str(company_id))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [AuditAction.CREATE, AuditAction.UPDATE, AuditAction.DELETE]


@pytest.mark.parametrize("rows", [1, 25])
def test_api_list_query_count_does_not_grow_with_rows(
    rows: int,
    owner: User,
    workspace: Workspace,
    api_as: Callable[[User, Workspace], ApiClient],
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    # given
    _company_with_people(workspace, owner, rows)
    api = api_as(owner, workspace)
    # when
    with django_assert_max_num_queries(6):
        response = api.get("/api/v1/companies", {"limit": 50})
    # then
    assert response.status_code == 200
    assert len(response.json()["items"]) == rows


def test_api_list_searches_and_pages(
    owner: User, workspace: Workspace, api_as: Callable[[User, Workspace], ApiClient]
) -> None:
    # given
    for n in range(3):
        CompanyFactory(workspace=workspace, name=f"Toko Emas {n}")
    CompanyFactory(workspace=workspace, name="Bengkel Motor")
    api = api_as(owner, workspace)
    # when
    first = api.get("/api/v1/companies", {"q": "emas", "limit": 2}).json()
    second = api.get("/api/v1/companies", {"q": "emas", "limit": 2, "cursor": first["next"]}).json()
    # then
    names = [c["name"] for c in first["items"] + second["items"]]
    assert sorted(names) == ["Toko Emas 0", "Toko Emas 1", "Toko Emas 2"]
    assert second["next"] is None


def test_api_viewer_reads_but_cannot_write(
    make_member: Callable[..., User], workspace: Workspace, api_as: Callable[[User, Workspace], ApiClient]
) -> None:
    # given
    viewer = make_member(workspace, Role.VIEWER)
    company = CompanyFactory(workspace=workspace, name="PT Dilihat")
    api = api_as(viewer, workspace)
    # when / then
    assert api.get("/api/v1/companies").status_code == 200
    assert api.get(f"/api/v1/companies/{company.pk}").status_code == 200
    created = api.post("/api/v1/companies", {"name": "PT Tidak Boleh"})
    assert created.status_code == 403
    assert created.json()["code"] == "permission_denied"
    assert api.patch(f"/api/v1/companies/{company.pk}", {"name": "X"}).status_code == 403
    assert api.delete(f"/api/v1/companies/{company.pk}").status_code == 403
    assert list(Company.objects.values_list("name", flat=True)) == ["PT Dilihat"]


def test_api_another_workspaces_company_is_not_found(
    owner: User,
    workspace: Workspace,
    other_workspace: Workspace,
    api_as: Callable[[User, Workspace], ApiClient],
) -> None:
    # given
    foreign = CompanyFactory(workspace=other_workspace, name="PT Tetangga")
    api = api_as(owner, workspace)
    # when
    responses = [
        api.get(f"/api/v1/companies/{foreign.pk}"),
        api.patch(f"/api/v1/companies/{foreign.pk}", {"name": "Dirampas"}),
        api.delete(f"/api/v1/companies/{foreign.pk}"),
    ]
    listed = api.get("/api/v1/companies").json()["items"]
    # then
    assert [r.status_code for r in responses] == [404, 404, 404]
    assert listed == []
    foreign.refresh_from_db()
    assert foreign.name == "PT Tetangga"


def test_api_contact_cannot_join_another_workspaces_company(
    owner: User,
    workspace: Workspace,
    other_workspace: Workspace,
    api_as: Callable[[User, Workspace], ApiClient],
) -> None:
    # given
    foreign = CompanyFactory(workspace=other_workspace)
    contact = ContactFactory(workspace=workspace)
    api = api_as(owner, workspace)
    # when
    created = api.post("/api/v1/contacts", {"full_name": "Joko", "company_id": foreign.pk})
    patched = api.patch(f"/api/v1/contacts/{contact.pk}", {"company_id": foreign.pk})
    # then
    assert created.status_code == 400
    assert set(created.json()["fields"]) == {"company_id"}
    assert patched.status_code == 400
    contact.refresh_from_db()
    assert contact.company_id is None
