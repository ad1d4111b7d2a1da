"""Custom field definitions: the services (contacts.custom_fields), values checked through
contact_create and filtered through contact_list, the settings pages and
``/api/v1/custom-fields``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import resolve, reverse
from django.utils import translation
from django.utils.translation import gettext
from pytest_django import DjangoAssertNumQueries

from relasi.accounts.enums import Language, Role
from relasi.accounts.models import User, Workspace
from relasi.contacts import custom_fields, selectors, services
from relasi.contacts.custom_fields import MAX_CUSTOM_FIELDS
from relasi.contacts.enums import CustomFieldType
from relasi.contacts.models import Contact, CustomFieldDefinition
from relasi.core.exceptions import ValidationError
from relasi.core.models import AuditAction, AuditLog
from tests.conftest import ApiClient
from tests.factories import ContactFactory

API = "/api/v1/custom-fields"
NEEDS_A_CHOICE = "A choice field needs at least one choice. Type one per line."
TYPE_LOCKED = (
    "The type cannot change because contacts already hold values for this field. Add a new field instead."
)


def _in(language: str, msgid: str) -> str:
    with translation.override(language):
        return gettext(msgid)


def _field(
    workspace: Workspace, key: str, field_type: str, choices: list[str] | None = None
) -> CustomFieldDefinition:
    values: dict[str, Any] = {"key": key, "label": key.replace("_", " ").title(), "field_type": field_type}
    if choices is not None:
        values["choices"] = choices
    return custom_fields.custom_field_create(workspace=workspace, actor=None, values=values)


def _actions(definition_id: int) -> list[str]:
    return list(
        AuditLog.objects.filter(object_type="contacts.customfielddefinition", object_id=str(definition_id))
        .order_by("id")
        .values_list("action", flat=True)
    )


@pytest.fixture
def custom_fields_api() -> str:
    """``/api/v1/custom-fields``, the project's own route."""
    assert resolve(API)
    return API


# Services: creating -----------------------------------------------------------------------


def test_create_audits_and_appends_the_field_at_the_end(owner: User, workspace: Workspace) -> None:
    # given
    _field(workspace, "hobi", CustomFieldType.TEXT)
    # when
    definition = custom_fields.custom_field_create(
        workspace=workspace,
        actor=owner,
        values={
            "key": "ukuran",
            "label": " Ukuran  baju ",
            "field_type": "choice",
            "choices": ["S", "M", "L"],
        },
    )
    # then
    definition.refresh_from_db()
    assert (definition.key, definition.label, definition.choices) == (
        "ukuran",
        "Ukuran baju",
        ["S", "M", "L"],
    )
    assert definition.position == 1
    entry = AuditLog.objects.get(object_id=str(definition.pk), action=AuditAction.CREATE)
    assert entry.actor == owner
    assert entry.changes["field_type"] == "choice"


def test_key_is_made_from_the_label_when_left_empty(workspace: Workspace) -> None:
    # when
    definition = custom_fields.custom_field_create(
        workspace=workspace,
        actor=None,
        values={"key": "", "label": "Ukuran Baju — Dewasa", "field_type": "text"},
    )
    # then
    assert definition.key == "ukuran_baju_dewasa"


@pytest.mark.parametrize(
    "key", ["Ukuran Baju", "ukuran-baju", "1ukuran", "ukuran__baju", "_ukuran", "u" * 41]
)
def test_key_must_be_a_slug(key: str, workspace: Workspace) -> None:
    # when
    with pytest.raises(ValidationError) as error:
        custom_fields.custom_field_create(
            workspace=workspace, actor=None, values={"key": key, "label": "Ukuran", "field_type": "text"}
        )
    # then
    assert set(error.value.fields) == {"key"}
    assert not CustomFieldDefinition.objects.exists()


def test_key_is_unique_in_the_workspace_but_free_in_another(
    workspace: Workspace, other_workspace: Workspace
) -> None:
    # given
    _field(workspace, "ukuran", CustomFieldType.TEXT)
    # when
    with translation.override("en"), pytest.raises(ValidationError) as error:
        _field(workspace, "ukuran", CustomFieldType.NUMBER)
    elsewhere = _field(other_workspace, "ukuran", CustomFieldType.NUMBER)
    # then
    assert error.value.fields == {
        "key": "A custom field with the key 'ukuran' exists already. Choose another key."
    }
    assert elsewhere.workspace == other_workspace
    assert CustomFieldDefinition.objects.filter(workspace=workspace).count() == 1


@pytest.mark.parametrize(
    "key", ["phone", "full_name", "company_id", "custom_fields", "tags", "id", "contains", "isnull"]
)
def test_key_cannot_be_a_contact_field_or_a_lookup_word(key: str, workspace: Workspace) -> None:
    # when
    with translation.override("en"), pytest.raises(ValidationError) as error:
        _field(workspace, key, CustomFieldType.TEXT)
    # then
    assert error.value.fields == {
        "key": f"'{key}' is already a contact field or a reserved word. Choose another key."
    }


def test_choice_field_needs_at_least_one_choice(workspace: Workspace) -> None:
    # when
    with translation.override("en"), pytest.raises(ValidationError) as error:
        _field(workspace, "ukuran", CustomFieldType.CHOICE, choices=["", "  "])
    # then
    assert error.value.fields == {"choices": NEEDS_A_CHOICE}
    assert not CustomFieldDefinition.objects.exists()


def test_only_a_choice_field_has_choices(workspace: Workspace) -> None:
    # when
    with pytest.raises(ValidationError) as error:
        _field(workspace, "umur", CustomFieldType.NUMBER, choices=["1", "2"])
    # then
    assert set(error.value.fields) == {"choices"}


def test_choices_are_trimmed_and_kept_once_and_may_come_one_per_line(workspace: Workspace) -> None:
    # when
    from_list = _field(workspace, "ukuran", CustomFieldType.CHOICE, choices=[" S ", "M", "S", "", "Extra  L"])
    from_lines = custom_fields.custom_field_create(
        workspace=workspace,
        actor=None,
        values={
            "key": "warna",
            "label": "Warna",
            "field_type": "choice",
            "choices": "Merah\n\nBiru\r\nMerah",
        },
    )
    # then
    assert from_list.choices == ["S", "M", "Extra L"]
    assert from_lines.choices == ["Merah", "Biru"]


def test_unknown_type_and_missing_label_are_reported_together(workspace: Workspace) -> None:
    # when
    with pytest.raises(ValidationError) as error:
        custom_fields.custom_field_create(
            workspace=workspace, actor=None, values={"key": "x_1", "label": "", "field_type": "boolean"}
        )
    # then
    assert set(error.value.fields) == {"label", "field_type"}


def test_a_workspace_has_a_bounded_number_of_fields(workspace: Workspace) -> None:
    # given
    CustomFieldDefinition.objects.bulk_create(
        [
            CustomFieldDefinition(
                workspace=workspace, key=f"f{n}", label=f"F{n}", field_type="text", position=n
            )
            for n in range(MAX_CUSTOM_FIELDS)
        ]
    )
    # when
    with pytest.raises(ValidationError) as error:
        _field(workspace, "satu_lagi", CustomFieldType.TEXT)
    # then
    assert set(error.value.fields) == {"key"}
    assert CustomFieldDefinition.objects.filter(workspace=workspace).count() == MAX_CUSTOM_FIELDS


# Services: changing and deleting ----------------------------------------------------------


def test_update_changes_label_choices_and_position_and_audits(owner: User, workspace: Workspace) -> None:
    # given
    definition = _field(workspace, "ukuran", CustomFieldType.CHOICE, choices=["S", "M"])
    # when
    custom_fields.custom_field_update(
        definition=definition,
        actor=owner,
        values={"label": "Ukuran kaos", "choices": ["S", "M", "L"], "position": 5},
    )
    # then
    definition.refresh_from_db()
    assert (definition.label, definition.choices, definition.position) == ("Ukuran kaos", ["S", "M", "L"], 5)
    entry = AuditLog.objects.get(object_id=str(definition.pk), action=AuditAction.UPDATE)
    assert entry.changes == {
        "label": ["Ukuran", "Ukuran kaos"],
        "choices": [["S", "M"], ["S", "M", "L"]],
        "position": [0, 5],
    }


def test_type_cannot_change_once_contacts_hold_values(owner: User, workspace: Workspace) -> None:
    # given
    definition = _field(workspace, "ukuran", CustomFieldType.CHOICE, choices=["S", "M"])
    services.contact_create(
        workspace=workspace, actor=owner, values={"full_name": "Ani", "custom_fields": {"ukuran": "M"}}
    )
    # when
    with translation.override("en"), pytest.raises(ValidationError) as error:
        custom_fields.custom_field_update(definition=definition, actor=owner, values={"field_type": "text"})
    # then
    assert error.value.fields == {"field_type": TYPE_LOCKED}
    definition.refresh_from_db()
    assert (definition.field_type, definition.choices) == ("choice", ["S", "M"])


def test_type_can_change_while_no_contact_holds_values(owner: User, workspace: Workspace) -> None:
    # given
    definition = _field(workspace, "ukuran", CustomFieldType.CHOICE, choices=["S", "M"])
    ContactFactory(workspace=workspace, custom_fields={"lain": "x"})
    # when
    custom_fields.custom_field_update(definition=definition, actor=owner, values={"field_type": "text"})
    # then
    definition.refresh_from_db()
    assert (definition.field_type, definition.choices) == ("text", [])


def test_key_cannot_change(owner: User, workspace: Workspace) -> None:
    # given
    definition = _field(workspace, "ukuran", CustomFieldType.TEXT)
    # when
    with pytest.raises(ValidationError) as error:
        custom_fields.custom_field_update(definition=definition, actor=owner, values={"key": "size"})
    # then
    assert set(error.value.fields) == {"key"}
    definition.refresh_from_db()
    assert definition.key == "ukuran"


def test_choice_update_cannot_remove_every_choice(owner: User, workspace: Workspace) -> None:
    # given
    definition = _field(workspace, "ukuran", CustomFieldType.CHOICE, choices=["S"])
    # when
    with translation.override("en"), pytest.raises(ValidationError) as error:
        custom_fields.custom_field_update(definition=definition, actor=owner, values={"choices": []})
    # then
    assert error.value.fields == {"choices": NEEDS_A_CHOICE}


def test_delete_keeps_the_values_in_the_contacts_and_audits(owner: User, workspace: Workspace) -> None:
    # given
    definition = _field(workspace, "ukuran", CustomFieldType.CHOICE, choices=["S", "M"])
    contact = services.contact_create(
        workspace=workspace, actor=owner, values={"full_name": "Ani", "custom_fields": {"ukuran": "M"}}
    )
    definition_id = definition.pk
    # when
    custom_fields.custom_field_delete(definition=definition, actor=owner)
    # then
    assert not CustomFieldDefinition.objects.filter(pk=definition_id).exists()
    contact.refresh_from_db()
    assert contact.custom_fields == {"ukuran": "M"}
    entry = AuditLog.objects.get(object_id=str(definition_id), action=AuditAction.DELETE)
    assert entry.changes["key"] == "ukuran"
    assert entry.changes["contacts_with_values"] == 1


def test_a_new_field_must_accept_values_left_under_its_key(owner: User, workspace: Workspace) -> None:
    # given: a deleted choice field left "M" in a contact
    old = _field(workspace, "ukuran", CustomFieldType.CHOICE, choices=["S", "M"])
    services.contact_create(
        workspace=workspace, actor=owner, values={"full_name": "Ani", "custom_fields": {"ukuran": "M"}}
    )
    custom_fields.custom_field_delete(definition=old, actor=owner)
    # when
    with pytest.raises(ValidationError) as as_number:
        _field(workspace, "ukuran", CustomFieldType.NUMBER)
    restored = _field(workspace, "ukuran", CustomFieldType.CHOICE, choices=["S", "M", "L"])
    # then
    assert set(as_number.value.fields) == {"key"}
    assert "'M'" in str(as_number.value.fields["key"])
    assert restored.choices == ["S", "M", "L"]


# Values on contacts -----------------------------------------------------------------------


def test_contact_values_are_checked_against_the_definitions(owner: User, workspace: Workspace) -> None:
    # given
    _field(workspace, "jumlah_anak", CustomFieldType.NUMBER)
    _field(workspace, "tanggal_gabung", CustomFieldType.DATE)
    _field(workspace, "ukuran", CustomFieldType.CHOICE, choices=["S", "M"])
    # when
    with translation.override("en"), pytest.raises(ValidationError) as error:
        services.contact_create(
            workspace=workspace,
            actor=owner,
            values={
                "full_name": "Budi",
                "custom_fields": {
                    "jumlah_anak": "dua",
                    "tanggal_gabung": "besok",
                    "ukuran": "XXL",
                    "hobi": "x",
                },
            },
        )
    # then
    assert error.value.fields == {
        "custom_fields.jumlah_anak": "Jumlah Anak must be a number.",
        "custom_fields.tanggal_gabung": "Tanggal Gabung must be a date like 31/01/2025.",
        "custom_fields.ukuran": "Ukuran must be one of: S, M.",
        "custom_fields.hobi": "There is no custom field 'hobi'. Add it under Settings first.",
    }
    assert not Contact.objects.exists()


def test_contact_values_are_normalised(owner: User, workspace: Workspace) -> None:
    # given
    _field(workspace, "berat", CustomFieldType.NUMBER)
    _field(workspace, "tanggal_gabung", CustomFieldType.DATE)
    _field(workspace, "ukuran", CustomFieldType.CHOICE, choices=["S", "M"])
    _field(workspace, "catatan_khusus", CustomFieldType.TEXT)
    # when
    contact = services.contact_create(
        workspace=workspace,
        actor=owner,
        values={
            "full_name": "Budi",
            "custom_fields": {
                "berat": "1,5",
                "tanggal_gabung": "31/01/2025",
                "ukuran": "M",
                "catatan_khusus": "VIP",
            },
        },
    )
    # then
    contact.refresh_from_db()
    assert contact.custom_fields == {
        "berat": "1.5",
        "tanggal_gabung": "2025-01-31",
        "ukuran": "M",
        "catatan_khusus": "VIP",
    }


def test_contacts_can_be_filtered_by_a_custom_field(owner: User, workspace: Workspace) -> None:
    # given
    _field(workspace, "ukuran", CustomFieldType.CHOICE, choices=["S", "M"])
    _field(workspace, "kota_asal", CustomFieldType.TEXT)
    for name, size, city in (("Ani", "M", "Solo"), ("Budi", "S", "Solo"), ("Citra", "M", "Bogor")):
        services.contact_create(
            workspace=workspace,
            actor=owner,
            values={"full_name": name, "custom_fields": {"ukuran": size, "kota_asal": city}},
        )
    services.contact_create(workspace=workspace, actor=owner, values={"full_name": "Dedi"})
    # when
    medium = selectors.contact_list(
        workspace=workspace, filters=selectors.ContactFilters(custom={"ukuran": "M"})
    )
    medium_in_solo = selectors.contact_list(
        workspace=workspace, filters=selectors.ContactFilters(custom={"ukuran": "M", "kota_asal": "Solo"})
    )
    # then
    assert sorted(c.full_name for c in medium) == ["Ani", "Citra"]
    assert [c.full_name for c in medium_in_solo] == ["Ani"]


def test_custom_field_messages_follow_the_active_language(workspace: Workspace) -> None:
    # when
    with translation.override("en"), pytest.raises(ValidationError) as english:
        _field(workspace, "ukuran", CustomFieldType.CHOICE, choices=[])
    with translation.override("id"), pytest.raises(ValidationError) as indonesian:
        _field(workspace, "ukuran", CustomFieldType.CHOICE, choices=[])
    # then
    assert str(english.value.fields["choices"]) == NEEDS_A_CHOICE
    assert str(indonesian.value.fields["choices"]) == _in("id", NEEDS_A_CHOICE)
    assert str(english.value.message) == "Some fields need fixing: choices."
    assert str(indonesian.value.message) == _in("id", "Some fields need fixing: %(fields)s.") % {
        "fields": "choices"
    }


# Pages ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.OWNER, 200),
        (Role.ADMIN, 200),
        (Role.SALES, 403),
        (Role.FINANCE, 403),
        (Role.AGENT, 403),
        (Role.VIEWER, 403),
    ],
)
def test_only_owner_and_admin_manage_custom_fields(
    role: str,
    status: int,
    make_member: Callable[..., User],
    workspace: Workspace,
    client_as: Callable[[User], Client],
) -> None:
    # given
    definition = _field(workspace, "ukuran", CustomFieldType.TEXT)
    client = client_as(make_member(workspace, role))
    slug = workspace.slug
    # when
    pages = [
        client.get(reverse("contacts:custom_field_list", args=[slug])),
        client.get(reverse("contacts:custom_field_create", args=[slug])),
        client.get(reverse("contacts:custom_field_edit", args=[slug, definition.pk])),
        client.get(reverse("contacts:custom_field_delete", args=[slug, definition.pk])),
    ]
    created = client.post(
        reverse("contacts:custom_field_create", args=[slug]),
        {"key": "baru", "label": "Baru", "field_type": "text"},
    )
    # then
    assert [p.status_code for p in pages] == [status] * 4
    assert CustomFieldDefinition.objects.filter(key="baru").exists() == (status == 200)
    assert created.status_code == (302 if status == 200 else 403)


def test_create_page_adds_a_choice_field_with_one_choice_per_line(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client]
) -> None:
    # when
    response = client_as(owner).post(
        reverse("contacts:custom_field_create", args=[workspace.slug]),
        {
            "key": "",
            "label": "Ukuran Baju",
            "field_type": "choice",
            "choices": "S\r\nM\r\n\r\nL",
            "position": "",
        },
        follow=True,
    )
    # then
    definition = CustomFieldDefinition.objects.get(workspace=workspace)
    assert (definition.key, definition.choices) == ("ukuran_baju", ["S", "M", "L"])
    assert response.redirect_chain[-1][0] == reverse("contacts:custom_field_list", args=[workspace.slug])
    assert "ukuran_baju" in response.content.decode()
    assert _actions(definition.pk) == [AuditAction.CREATE]


def test_create_page_shows_service_errors_on_the_fields(
    make_member: Callable[..., User], workspace: Workspace, client_as: Callable[[User], Client]
) -> None:
    # given
    admin = make_member(workspace, Role.ADMIN, language=Language.ENGLISH)
    # when
    response = client_as(admin).post(
        reverse("contacts:custom_field_create", args=[workspace.slug]),
        {"key": "phone", "label": "Telepon kantor", "field_type": "choice", "choices": ""},
    )
    # then
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["choices"] == [NEEDS_A_CHOICE]
    assert errors["key"] == ["'phone' is already a contact field or a reserved word. Choose another key."]
    assert NEEDS_A_CHOICE in response.content.decode()
    assert not CustomFieldDefinition.objects.exists()


def test_edit_page_refuses_a_type_change_once_values_exist(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client]
) -> None:
    # given
    definition = _field(workspace, "umur", CustomFieldType.NUMBER)
    ContactFactory(workspace=workspace, custom_fields={"umur": "30"})
    url = reverse("contacts:custom_field_edit", args=[workspace.slug, definition.pk])
    client = client_as(owner)
    # when
    page = client.get(url)
    response = client.post(url, {"label": "Usia", "field_type": "date", "choices": "", "position": "0"})
    # then
    assert page.status_code == 200
    assert "key" not in page.context["form"].fields
    assert response.status_code == 400
    assert response.context["form"].errors["field_type"] == [_in("id", TYPE_LOCKED)]
    definition.refresh_from_db()
    assert (definition.label, definition.field_type) == ("Umur", "number")


def test_edit_page_saves_label_choices_and_position(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client]
) -> None:
    # given
    definition = _field(workspace, "ukuran", CustomFieldType.CHOICE, choices=["S", "M"])
    # when
    response = client_as(owner).post(
        reverse("contacts:custom_field_edit", args=[workspace.slug, definition.pk]),
        {"label": "Ukuran kaos", "field_type": "choice", "choices": "S\nM\nXL", "position": "3"},
    )
    # then
    assert response.status_code == 302
    definition.refresh_from_db()
    assert (definition.label, definition.choices, definition.position) == ("Ukuran kaos", ["S", "M", "XL"], 3)


def test_delete_page_says_values_stay_then_deletes_on_post(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client]
) -> None:
    # given
    definition = _field(workspace, "ukuran", CustomFieldType.TEXT)
    contact = ContactFactory(workspace=workspace, custom_fields={"ukuran": "besar"})
    url = reverse("contacts:custom_field_delete", args=[workspace.slug, definition.pk])
    client = client_as(owner)
    # when
    confirm = client.get(url)
    # then
    assert confirm.status_code == 200
    assert confirm.context["value_count"] == 1
    assert "ukuran" in confirm.content.decode()
    assert CustomFieldDefinition.objects.filter(pk=definition.pk).exists()
    # when
    response = client.post(url)
    # then
    assert response.status_code == 302
    assert not CustomFieldDefinition.objects.filter(pk=definition.pk).exists()
    contact.refresh_from_db()
    assert contact.custom_fields == {"ukuran": "besar"}


@pytest.mark.parametrize("name", ["contacts:custom_field_edit", "contacts:custom_field_delete"])
def test_another_workspaces_custom_field_is_not_found(
    name: str,
    owner: User,
    workspace: Workspace,
    other_workspace: Workspace,
    client_as: Callable[[User], Client],
) -> None:
    # given
    foreign = _field(other_workspace, "rahasia", CustomFieldType.TEXT)
    client = client_as(owner)
    url = reverse(name, args=[workspace.slug, foreign.pk])
    # when
    get, post = client.get(url), client.post(url, {"label": "Dirampas", "field_type": "text"})
    # then
    assert (get.status_code, post.status_code) == (404, 404)
    assert CustomFieldDefinition.objects.get(pk=foreign.pk).label == "Rahasia"


def test_list_page_shows_only_this_workspaces_fields(
    owner: User,
    workspace: Workspace,
    other_workspace: Workspace,
    client_as: Callable[[User], Client],
) -> None:
    # given
    _field(workspace, "ukuran", CustomFieldType.TEXT)
    _field(other_workspace, "rahasia", CustomFieldType.TEXT)
    # when
    response = client_as(owner).get(reverse("contacts:custom_field_list", args=[workspace.slug]))
    # then
    assert [d.key for d in response.context["definitions"]] == ["ukuran"]


# API --------------------------------------------------------------------------------------


def test_api_lists_the_definitions_to_every_member(
    custom_fields_api: str,
    make_member: Callable[..., User],
    workspace: Workspace,
    other_workspace: Workspace,
    api_as: Callable[[User, Workspace], ApiClient],
) -> None:
    # given
    _field(workspace, "ukuran", CustomFieldType.CHOICE, choices=["S", "M"])
    _field(workspace, "umur", CustomFieldType.NUMBER)
    _field(other_workspace, "rahasia", CustomFieldType.TEXT)
    viewer = make_member(workspace, Role.VIEWER)
    # when
    response = api_as(viewer, workspace).get(custom_fields_api)
    # then
    assert response.status_code == 200
    body = response.json()
    assert [(d["key"], d["field_type"], d["choices"]) for d in body["items"]] == [
        ("ukuran", "choice", ["S", "M"]),
        ("umur", "number", []),
    ]
    assert body["next"] is None


@pytest.mark.parametrize("rows", [1, 20])
def test_api_list_query_count_does_not_grow_with_rows(
    rows: int,
    custom_fields_api: str,
    owner: User,
    workspace: Workspace,
    api_as: Callable[[User, Workspace], ApiClient],
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    # given
    for n in range(rows):
        _field(workspace, f"kolom_{n}", CustomFieldType.TEXT)
    api = api_as(owner, workspace)
    # when
    with django_assert_max_num_queries(5):
        response = api.get(custom_fields_api)
    # then
    assert len(response.json()["items"]) == rows


def test_api_owner_creates_updates_and_deletes(
    custom_fields_api: str, owner: User, workspace: Workspace, api_as: Callable[[User, Workspace], ApiClient]
) -> None:
    # given
    api = api_as(owner, workspace)
    # when
    created = api.post(
        custom_fields_api, {"label": "Ukuran baju", "field_type": "choice", "choices": ["S", "M"]}
    )
    field_id = created.json()["id"]
    patched = api.patch(f"{custom_fields_api}/{field_id}", {"choices": ["S", "M", "L"], "position": 2})
    fetched = api.get(f"{custom_fields_api}/{field_id}")
    deleted = api.delete(f"{custom_fields_api}/{field_id}")
    # then
    assert created.status_code == 201
    assert created.json()["key"] == "ukuran_baju"
    assert patched.status_code == 200
    assert (patched.json()["choices"], patched.json()["position"]) == (["S", "M", "L"], 2)
    assert fetched.json()["label"] == "Ukuran baju"
    assert deleted.status_code == 204
    assert _actions(field_id) == [AuditAction.CREATE, AuditAction.UPDATE, AuditAction.DELETE]


@pytest.mark.parametrize("role", [Role.SALES, Role.FINANCE, Role.AGENT, Role.VIEWER])
def test_api_writes_need_settings_permission(
    role: str,
    custom_fields_api: str,
    make_member: Callable[..., User],
    workspace: Workspace,
    api_as: Callable[[User, Workspace], ApiClient],
) -> None:
    # given
    definition = _field(workspace, "ukuran", CustomFieldType.TEXT)
    api = api_as(make_member(workspace, role), workspace)
    # when
    responses = [
        api.post(custom_fields_api, {"key": "baru", "label": "Baru", "field_type": "text"}),
        api.patch(f"{custom_fields_api}/{definition.pk}", {"label": "Diubah"}),
        api.delete(f"{custom_fields_api}/{definition.pk}"),
    ]
    # then
    assert [r.status_code for r in responses] == [403, 403, 403]
    assert responses[0].json()["code"] == "permission_denied"
    assert list(CustomFieldDefinition.objects.values_list("key", "label")) == [("ukuran", "Ukuran")]


def test_api_errors_are_400_naming_the_field(
    custom_fields_api: str, owner: User, workspace: Workspace, api_as: Callable[[User, Workspace], ApiClient]
) -> None:
    # given
    api = api_as(owner, workspace)
    definition = _field(workspace, "ukuran", CustomFieldType.TEXT)
    ContactFactory(workspace=workspace, custom_fields={"ukuran": "besar"})
    # when
    created = api.post(
        custom_fields_api,
        {"key": "ukuran", "label": "Lagi", "field_type": "choice"},
        **{"Accept-Language": "en"},
    )
    patched = api.patch(
        f"{custom_fields_api}/{definition.pk}", {"field_type": "number"}, **{"Accept-Language": "en"}
    )
    # then
    assert created.status_code == 400
    assert created.json()["code"] == "invalid"
    assert set(created.json()["fields"]) == {"key", "choices"}
    assert patched.status_code == 400
    assert patched.json()["fields"] == {"field_type": TYPE_LOCKED}


def test_api_another_workspaces_field_is_not_found(
    custom_fields_api: str,
    owner: User,
    workspace: Workspace,
    other_workspace: Workspace,
    api_as: Callable[[User, Workspace], ApiClient],
) -> None:
    # given
    foreign = _field(other_workspace, "rahasia", CustomFieldType.TEXT)
    api = api_as(owner, workspace)
    # when
    responses = [
        api.get(f"{custom_fields_api}/{foreign.pk}"),
        api.patch(f"{custom_fields_api}/{foreign.pk}", {"label": "Dirampas"}),
        api.delete(f"{custom_fields_api}/{foreign.pk}"),
    ]
    # then
    assert [r.status_code for r in responses] == [404, 404, 404]
    assert CustomFieldDefinition.objects.get(pk=foreign.pk).label == "Rahasia"


def test_api_contacts_carry_checked_custom_values_and_filter_by_them(
    custom_fields_api: str, owner: User, workspace: Workspace, api_as: Callable[[User, Workspace], ApiClient]
) -> None:
    # given
    api = api_as(owner, workspace)
    api.post(
        custom_fields_api, {"key": "ukuran", "label": "Ukuran", "field_type": "choice", "choices": ["S", "M"]}
    )
    # when
    refused = api.post("/api/v1/contacts", {"full_name": "Ani", "custom_fields": {"ukuran": "XXL"}})
    api.post("/api/v1/contacts", {"full_name": "Ani", "custom_fields": {"ukuran": "M"}})
    api.post("/api/v1/contacts", {"full_name": "Budi", "custom_fields": {"ukuran": "S"}})
    found = api.get("/api/v1/contacts", {"cf_ukuran": "M"})
    # then
    assert refused.status_code == 400
    assert set(refused.json()["fields"]) == {"custom_fields.ukuran"}
    assert [c["full_name"] for c in found.json()["items"]] == ["Ani"]
