"""Departments (internal customers): the services (department_create/update/delete), the
internal-contact rule in contacts.validation, the pages (views_org) and ``/api/v1/departments``."""

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
from relasi.contacts.enums import ContactKind
from relasi.contacts.models import Contact, Department
from relasi.core.exceptions import ValidationError
from relasi.core.models import AuditAction, AuditLog
from tests.conftest import ApiClient
from tests.factories import ContactFactory, DepartmentFactory

DUPLICATE_NAME = "A department with this name exists already."
OWN_PARENT = "A department cannot be its own parent."
NEEDS_DEPARTMENT = "An internal customer belongs to a department. Choose one."


def _in(language: str, msgid: str) -> str:
    with translation.override(language):
        return gettext(msgid)


def _actions(department_id: int) -> list[str]:
    return list(
        AuditLog.objects.filter(object_type="contacts.department", object_id=str(department_id))
        .order_by("id")
        .values_list("action", flat=True)
    )


def _colleague(workspace: Workspace, department: Department, name: str) -> Contact:
    return ContactFactory(
        workspace=workspace, kind=ContactKind.INTERNAL, department=department, full_name=name
    )


# Services ---------------------------------------------------------------------------------


def test_create_update_delete_are_audited(owner: User, workspace: Workspace) -> None:
    # given
    head = ContactFactory(workspace=workspace, kind=ContactKind.INTERNAL, full_name="Bu Ratna")
    # when
    department = services.department_create(
        workspace=workspace, actor=owner, values={"name": " Gudang ", "code": "GDG", "head_id": head.pk}
    )
    services.department_update(department=department, actor=owner, values={"name": "Gudang Utama"})
    department_id = department.pk
    services.department_delete(department=department, actor=owner)
    # then
    assert _actions(department_id) == [AuditAction.CREATE, AuditAction.UPDATE, AuditAction.DELETE]
    update = AuditLog.objects.get(object_id=str(department_id), action=AuditAction.UPDATE)
    assert update.changes == {"name": ["Gudang", "Gudang Utama"]}
    assert update.actor == owner
    assert not Department.objects.filter(pk=department_id).exists()


def test_name_is_unique_in_the_workspace_ignoring_case(
    owner: User, workspace: Workspace, other_workspace: Workspace
) -> None:
    # given
    DepartmentFactory(workspace=workspace, name="Keuangan")
    # when
    with translation.override("en"), pytest.raises(ValidationError) as error:
        services.department_create(workspace=workspace, actor=owner, values={"name": "KEUANGAN"})
    elsewhere = services.department_create(workspace=other_workspace, actor=None, values={"name": "Keuangan"})
    # then
    assert error.value.fields == {"name": DUPLICATE_NAME}
    assert Department.objects.filter(workspace=workspace).count() == 1
    assert elsewhere.workspace == other_workspace


def test_duplicate_name_message_follows_the_active_language(owner: User, workspace: Workspace) -> None:
    # given
    DepartmentFactory(workspace=workspace, name="Produksi")
    # when
    with translation.override("en"), pytest.raises(ValidationError) as english:
        services.department_create(workspace=workspace, actor=owner, values={"name": "produksi"})
    with translation.override("id"), pytest.raises(ValidationError) as indonesian:
        services.department_create(workspace=workspace, actor=owner, values={"name": "produksi"})
    # then
    assert str(english.value.fields["name"]) == DUPLICATE_NAME
    assert str(indonesian.value.fields["name"]) == _in("id", DUPLICATE_NAME) != DUPLICATE_NAME


def test_a_department_cannot_be_its_own_parent(owner: User, workspace: Workspace) -> None:
    # given
    department = DepartmentFactory(workspace=workspace, name="Pemasaran")
    # when
    with translation.override("en"), pytest.raises(ValidationError) as error:
        services.department_update(department=department, actor=owner, values={"parent_id": department.pk})
    # then
    assert error.value.fields == {"parent_id": OWN_PARENT}
    department.refresh_from_db()
    assert department.parent_id is None


def test_a_department_cannot_sit_under_its_own_sub_department(owner: User, workspace: Workspace) -> None:
    # given: Operasional > Gudang > Pengiriman
    top = DepartmentFactory(workspace=workspace, name="Operasional")
    middle = DepartmentFactory(workspace=workspace, name="Gudang", parent=top)
    bottom = DepartmentFactory(workspace=workspace, name="Pengiriman", parent=middle)
    # when
    with pytest.raises(ValidationError) as error:
        services.department_update(department=top, actor=owner, values={"parent_id": bottom.pk})
    # then
    assert set(error.value.fields) == {"parent_id"}
    top.refresh_from_db()
    assert top.parent_id is None


def test_parent_and_head_must_belong_to_the_workspace(
    owner: User, workspace: Workspace, other_workspace: Workspace
) -> None:
    # given
    foreign_parent = DepartmentFactory(workspace=other_workspace)
    foreign_head = ContactFactory(workspace=other_workspace)
    # when
    with pytest.raises(ValidationError) as error:
        services.department_create(
            workspace=workspace,
            actor=owner,
            values={"name": "Legal", "parent_id": foreign_parent.pk, "head_id": foreign_head.pk},
        )
    # then
    assert set(error.value.fields) == {"parent_id", "head_id"}
    assert not Department.objects.filter(workspace=workspace).exists()
    assert not AuditLog.objects.exists()


def test_internal_contact_without_a_department_is_refused(owner: User, workspace: Workspace) -> None:
    # when
    with translation.override("en"), pytest.raises(ValidationError) as error:
        services.contact_create(
            workspace=workspace, actor=owner, values={"full_name": "Rina", "kind": ContactKind.INTERNAL}
        )
    # then
    assert error.value.fields == {"department_id": NEEDS_DEPARTMENT}
    assert not Contact.objects.exists()


def test_internal_contact_with_a_department_is_a_colleague(owner: User, workspace: Workspace) -> None:
    # given
    department = DepartmentFactory(workspace=workspace, name="Gudang")
    # when
    contact = services.contact_create(
        workspace=workspace,
        actor=owner,
        values={"full_name": "Rina", "kind": ContactKind.INTERNAL, "department_id": department.pk},
    )
    # then
    assert contact.kind == ContactKind.INTERNAL
    assert contact.department == department


def test_internal_contact_cannot_use_another_workspaces_department(
    owner: User, workspace: Workspace, other_workspace: Workspace
) -> None:
    # given
    foreign = DepartmentFactory(workspace=other_workspace)
    # when
    with pytest.raises(ValidationError) as error:
        services.contact_create(
            workspace=workspace,
            actor=owner,
            values={"full_name": "Rina", "kind": ContactKind.INTERNAL, "department_id": foreign.pk},
        )
    # then
    assert set(error.value.fields) == {"department_id"}
    assert not Contact.objects.exists()


def test_deleting_a_department_keeps_its_colleagues_and_sub_departments(
    owner: User, workspace: Workspace
) -> None:
    # given
    department = DepartmentFactory(workspace=workspace, name="Produksi")
    child = DepartmentFactory(workspace=workspace, name="Perakitan", parent=department)
    colleague = _colleague(workspace, department, "Agus")
    # when
    services.department_delete(department=department, actor=owner)
    # then
    child.refresh_from_db()
    colleague.refresh_from_db()
    assert child.parent_id is None
    assert colleague.department_id is None


# Pages ------------------------------------------------------------------------------------


def test_list_shows_parent_head_and_colleague_count(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client]
) -> None:
    # given
    parent = DepartmentFactory(workspace=workspace, name="Operasional")
    gudang = DepartmentFactory(workspace=workspace, name="Gudang", parent=parent)
    head = _colleague(workspace, gudang, "Pak Darto")
    gudang.head = head
    gudang.save()
    _colleague(workspace, gudang, "Sari")
    ContactFactory(workspace=workspace, department=gudang, full_name="Pemasok Luar")  # external
    survivor = _colleague(workspace, parent, "Tetap")
    ContactFactory(
        workspace=workspace, kind=ContactKind.INTERNAL, department=gudang, merged_into=survivor
    )  # merged away
    # when
    response = client_as(owner).get(reverse("contacts:department_list", args=[workspace.slug]))
    # then
    rows = {d.name: d for d in response.context["departments"]}
    assert list(rows) == ["Gudang", "Operasional"]
    assert rows["Gudang"].member_count == 2
    assert rows["Operasional"].member_count == 1
    body = response.content.decode()
    assert "Pak Darto" in body
    assert reverse("contacts:department_detail", args=[workspace.slug, parent.pk]) in body


@pytest.mark.parametrize("rows", [1, 20])
def test_list_query_count_does_not_grow_with_rows(
    rows: int,
    owner: User,
    workspace: Workspace,
    client_as: Callable[[User], Client],
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    # given
    parent = DepartmentFactory(workspace=workspace, name="Induk")
    for i in range(rows):
        department = DepartmentFactory(workspace=workspace, name=f"Divisi {i:02d}", parent=parent)
        department.head = _colleague(workspace, department, f"Kepala {i}")
        department.save()
    client = client_as(owner)
    # when
    with django_assert_max_num_queries(8):  # session, user, membership, page, nav, session save (3)
        response = client.get(reverse("contacts:department_list", args=[workspace.slug]))
    # then
    assert len(response.context["departments"]) == rows + 1


def test_create_page_saves_and_shows_errors_on_fields(
    make_member: Callable[..., User], workspace: Workspace, client_as: Callable[[User], Client]
) -> None:
    # given
    user = make_member(workspace, Role.AGENT, language=Language.ENGLISH)
    DepartmentFactory(workspace=workspace, name="Gudang")
    client = client_as(user)
    url = reverse("contacts:department_create", args=[workspace.slug])
    # when
    refused = client.post(url, {"name": "gudang"})
    saved = client.post(url, {"name": "Keuangan", "code": "KEU"})
    # then
    assert refused.status_code == 400
    assert refused.context["form"].errors["name"] == [DUPLICATE_NAME]
    department = Department.objects.get(workspace=workspace, name="Keuangan")
    assert saved.status_code == 302
    assert saved.url == reverse("contacts:department_detail", args=[workspace.slug, department.pk])
    assert _actions(department.pk) == [AuditAction.CREATE]


def test_detail_shows_colleagues_head_and_sub_departments(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client]
) -> None:
    # given
    department = DepartmentFactory(workspace=workspace, name="Keuangan")
    head = _colleague(workspace, department, "Bu Wati")
    department.head = head
    department.save()
    _colleague(workspace, department, "Eko")
    _colleague(workspace, DepartmentFactory(workspace=workspace, name="Lain"), "Bukan Anggota")
    DepartmentFactory(workspace=workspace, name="Pajak", parent=department)
    # when
    response = client_as(owner).get(
        reverse("contacts:department_detail", args=[workspace.slug, department.pk])
    )
    # then
    assert [c.full_name for c in response.context["members"]] == ["Bu Wati", "Eko"]
    assert [d.name for d in response.context["children"]] == ["Pajak"]
    body = response.content.decode()
    assert (
        'data-testid="department-head"><a href="' + reverse("contacts:detail", args=[workspace.slug, head.pk])
        in body
    )
    add_url = (
        reverse("contacts:create", args=[workspace.slug])
        + f"?kind=internal&amp;department_id={department.pk}"
    )
    assert add_url in body
    assert f'aria-current="page">{_in("id", "Departments")}<' in body


def test_edit_page_offers_no_parent_that_would_close_a_cycle(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client]
) -> None:
    # given: Operasional > Gudang > Pengiriman, and Keuangan beside them
    top = DepartmentFactory(workspace=workspace, name="Operasional")
    middle = DepartmentFactory(workspace=workspace, name="Gudang", parent=top)
    bottom = DepartmentFactory(workspace=workspace, name="Pengiriman", parent=middle)
    other = DepartmentFactory(workspace=workspace, name="Keuangan")
    url = reverse("contacts:department_edit", args=[workspace.slug, top.pk])
    client = client_as(owner)
    # when
    page = client.get(url)
    refused = client.post(url, {"name": "Operasional", "parent_id": str(bottom.pk)})
    # then
    offered = {value for value, _label in page.context["form"].fields["parent_id"].choices}
    assert offered == {"", str(other.pk)}
    assert refused.status_code == 400
    assert "parent_id" in refused.context["form"].errors
    top.refresh_from_db()
    assert top.parent_id is None


def test_edit_page_changes_parent_and_head(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client]
) -> None:
    # given
    parent = DepartmentFactory(workspace=workspace, name="Operasional")
    department = DepartmentFactory(workspace=workspace, name="Gudang")
    head = _colleague(workspace, department, "Pak Budi")
    # when
    response = client_as(owner).post(
        reverse("contacts:department_edit", args=[workspace.slug, department.pk]),
        {"name": "Gudang", "code": "", "parent_id": str(parent.pk), "head_id": str(head.pk), "notes": ""},
    )
    # then
    assert response.status_code == 302
    department.refresh_from_db()
    assert (department.parent, department.head) == (parent, head)
    update = AuditLog.objects.get(object_id=str(department.pk), action=AuditAction.UPDATE)
    assert update.changes == {"parent_id": [None, parent.pk], "head_id": [None, head.pk]}


def test_delete_page_asks_first_then_deletes_on_post(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client]
) -> None:
    # given
    department = DepartmentFactory(workspace=workspace, name="Sementara")
    _colleague(workspace, department, "Tono")
    url = reverse("contacts:department_delete", args=[workspace.slug, department.pk])
    client = client_as(owner)
    # when
    confirm = client.get(url)
    # then
    assert confirm.status_code == 200
    assert confirm.context["member_count"] == 1
    assert Department.objects.filter(pk=department.pk).exists()
    # when
    response = client.post(url)
    # then
    assert response.status_code == 302
    assert not Department.objects.filter(pk=department.pk).exists()
    assert _actions(department.pk)[-1] == AuditAction.DELETE


def test_viewer_reads_departments_but_cannot_change_them(
    make_member: Callable[..., User], workspace: Workspace, client_as: Callable[[User], Client]
) -> None:
    # given
    viewer = make_member(workspace, Role.VIEWER)
    department = DepartmentFactory(workspace=workspace, name="Tetap")
    client = client_as(viewer)
    slug = workspace.slug
    # when / then
    assert client.get(reverse("contacts:department_list", args=[slug])).status_code == 200
    assert client.get(reverse("contacts:department_detail", args=[slug, department.pk])).status_code == 200
    assert (
        client.post(reverse("contacts:department_create", args=[slug]), {"name": "Baru"}).status_code == 403
    )
    assert (
        client.post(
            reverse("contacts:department_edit", args=[slug, department.pk]), {"name": "X"}
        ).status_code
        == 403
    )
    assert client.post(reverse("contacts:department_delete", args=[slug, department.pk])).status_code == 403
    assert list(Department.objects.values_list("name", flat=True)) == ["Tetap"]


@pytest.mark.parametrize(
    "name", ["contacts:department_detail", "contacts:department_edit", "contacts:department_delete"]
)
def test_another_workspaces_department_is_not_found(
    name: str,
    owner: User,
    workspace: Workspace,
    other_workspace: Workspace,
    client_as: Callable[[User], Client],
) -> None:
    # given
    foreign = DepartmentFactory(workspace=other_workspace, name="Milik Tetangga")
    client = client_as(owner)
    url = reverse(name, args=[workspace.slug, foreign.pk])
    # when
    get, post = client.get(url), client.post(url, {"name": "Dirampas"})
    # then
    assert (get.status_code, post.status_code) == (404, 404)
    foreign.refresh_from_db()
    assert foreign.name == "Milik Tetangga"


def test_form_offers_only_this_workspaces_departments_and_colleagues(
    owner: User,
    workspace: Workspace,
    other_workspace: Workspace,
    client_as: Callable[[User], Client],
) -> None:
    # given
    mine = DepartmentFactory(workspace=workspace, name="Punya Kita")
    _colleague(workspace, mine, "Rekan Kita")
    theirs = DepartmentFactory(workspace=other_workspace, name="Punya Tetangga")
    _colleague(other_workspace, theirs, "Rekan Tetangga")
    # when
    form = client_as(owner).get(reverse("contacts:department_create", args=[workspace.slug])).context["form"]
    # then
    parents = [label for _value, label in form.fields["parent_id"].choices]
    heads = [label for _value, label in form.fields["head_id"].choices]
    assert parents == ["—", "Punya Kita"]
    assert heads == ["—", "Rekan Kita · Punya Kita"]


# API --------------------------------------------------------------------------------------


def test_api_create_update_delete_with_audit(
    owner: User, workspace: Workspace, api_as: Callable[[User, Workspace], ApiClient]
) -> None:
    # given
    api = api_as(owner, workspace)
    parent_id = api.post("/api/v1/departments", {"name": "Operasional"}).json()["id"]
    # when
    created = api.post("/api/v1/departments", {"name": "Gudang", "parent_id": parent_id})
    department_id = created.json()["id"]
    patched = api.patch(f"/api/v1/departments/{department_id}", {"code": "GDG"})
    deleted = api.delete(f"/api/v1/departments/{department_id}")
    # then
    assert created.status_code == 201
    assert created.json()["parent_id"] == parent_id
    assert patched.json()["code"] == "GDG"
    assert deleted.status_code == 204
    assert _actions(department_id) == [AuditAction.CREATE, AuditAction.UPDATE, AuditAction.DELETE]


def test_api_refuses_a_department_as_its_own_parent(
    owner: User, workspace: Workspace, api_as: Callable[[User, Workspace], ApiClient]
) -> None:
    # given
    department = DepartmentFactory(workspace=workspace)
    # when
    response = api_as(owner, workspace).patch(
        f"/api/v1/departments/{department.pk}", {"parent_id": department.pk}, **{"Accept-Language": "en"}
    )
    # then
    assert response.status_code == 400
    assert response.json()["fields"] == {"parent_id": OWN_PARENT}


@pytest.mark.parametrize("rows", [1, 20])
def test_api_list_query_count_does_not_grow_with_rows(
    rows: int,
    owner: User,
    workspace: Workspace,
    api_as: Callable[[User, Workspace], ApiClient],
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    # given
    parent = DepartmentFactory(workspace=workspace, name="Induk")
    for i in range(rows):
        DepartmentFactory(workspace=workspace, name=f"Divisi {i}", parent=parent)
    api = api_as(owner, workspace)
    # when
    with django_assert_max_num_queries(6):
        response = api.get("/api/v1/departments", {"limit": 50})
    # then
    assert len(response.json()["items"]) == rows + 1


def test_api_viewer_reads_but_cannot_write(
    make_member: Callable[..., User], workspace: Workspace, api_as: Callable[[User, Workspace], ApiClient]
) -> None:
    # given
    viewer = make_member(workspace, Role.VIEWER)
    department = DepartmentFactory(workspace=workspace, name="Tetap")
    api = api_as(viewer, workspace)
    # when / then
    assert api.get("/api/v1/departments").status_code == 200
    assert api.post("/api/v1/departments", {"name": "Baru"}).status_code == 403
    assert api.patch(f"/api/v1/departments/{department.pk}", {"name": "X"}).status_code == 403
    assert api.delete(f"/api/v1/departments/{department.pk}").status_code == 403
    assert list(Department.objects.values_list("name", flat=True)) == ["Tetap"]


def test_api_another_workspaces_department_is_not_found(
    owner: User,
    workspace: Workspace,
    other_workspace: Workspace,
    api_as: Callable[[User, Workspace], ApiClient],
) -> None:
    # given
    foreign = DepartmentFactory(workspace=other_workspace, name="Milik Tetangga")
    api = api_as(owner, workspace)
    # when
    responses = [
        api.get(f"/api/v1/departments/{foreign.pk}"),
        api.patch(f"/api/v1/departments/{foreign.pk}", {"name": "Dirampas"}),
        api.delete(f"/api/v1/departments/{foreign.pk}"),
    ]
    as_parent = api.post("/api/v1/departments", {"name": "Anak", "parent_id": foreign.pk})
    # then
    assert [r.status_code for r in responses] == [404, 404, 404]
    assert as_parent.status_code == 400
    assert set(as_parent.json()["fields"]) == {"parent_id"}
    foreign.refresh_from_db()
    assert foreign.name == "Milik Tetangga"
    assert not Department.objects.filter(workspace=workspace).exists()


def test_api_internal_contact_needs_a_department(
    owner: User, workspace: Workspace, api_as: Callable[[User, Workspace], ApiClient]
) -> None:
    # when
    response = api_as(owner, workspace).post(
        "/api/v1/contacts", {"full_name": "Rina", "kind": "internal"}, **{"Accept-Language": "id"}
    )
    # then
    assert response.status_code == 400
    assert response.json()["fields"] == {"department_id": _in("id", NEEDS_DEPARTMENT)}
    assert _in("id", NEEDS_DEPARTMENT) != NEEDS_DEPARTMENT
