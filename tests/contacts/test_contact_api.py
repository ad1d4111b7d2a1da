"""/api/v1/contacts: CRUD, search, cursor pages, errors, permissions and isolation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.contacts import services
from relasi.contacts.models import Contact
from tests.factories import ContactFactory


def test_create_then_find_by_any_phone_form(
    owner: User, workspace: Workspace, api_as: Callable[..., Any]
) -> None:
    api = api_as(owner, workspace)
    # when
    created = api.post(
        "/api/v1/contacts", {"full_name": "Elok Pratiwi", "phone": "0812-3456-7890", "tags": ["vip"]}
    )
    # then
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["phone"] == "+6281234567890"
    assert body["tags"] == ["vip"]
    for typed in ("62812", "0812-34", "+62 812 3456", "81234"):
        found = api.get("/api/v1/contacts", {"q": typed}).json()["items"]
        assert [c["full_name"] for c in found] == ["Elok Pratiwi"], typed


def test_search_by_name_substring_and_email_prefix(
    owner: User, workspace: Workspace, api_as: Callable[..., Any]
) -> None:
    ContactFactory(workspace=workspace, full_name="Siti Rahmawati", email="siti@contoh.id")
    ContactFactory(workspace=workspace, full_name="Budi Santoso", email="budi@contoh.id")
    api = api_as(owner, workspace)
    assert [c["full_name"] for c in api.get("/api/v1/contacts", {"q": "rahma"}).json()["items"]] == [
        "Siti Rahmawati"
    ]
    assert [c["full_name"] for c in api.get("/api/v1/contacts", {"q": "budi@"}).json()["items"]] == [
        "Budi Santoso"
    ]


def test_bad_input_is_a_400_naming_each_field(
    owner: User, workspace: Workspace, api_as: Callable[..., Any]
) -> None:
    api = api_as(owner, workspace)
    response = api.post(
        "/api/v1/contacts", {"full_name": "", "email": "x", "npwp": "123"}, **{"Accept-Language": "en"}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["fields"]) == {"full_name", "email", "npwp"}
    assert not Contact.objects.exists()


def test_wrong_type_is_a_422_in_the_error_shape(
    owner: User, workspace: Workspace, api_as: Callable[..., Any]
) -> None:
    api = api_as(owner, workspace)
    response = api.post("/api/v1/contacts", {"full_name": "A", "tags": "not-a-list"})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
    assert "tags" in response.json()["fields"]


def test_patch_changes_only_given_fields(
    owner: User, workspace: Workspace, api_as: Callable[..., Any]
) -> None:
    contact = services.contact_create(
        workspace=workspace,
        actor=owner,
        values={"full_name": "Rudi", "city": "Medan", "phone": "081311112222"},
    )
    api = api_as(owner, workspace)
    response = api.patch(f"/api/v1/contacts/{contact.pk}", {"city": "Binjai"})
    assert response.status_code == 200
    assert response.json()["city"] == "Binjai"
    assert response.json()["phone"] == "+6281311112222"


def test_cursor_pages_cover_every_row_once(
    owner: User, workspace: Workspace, api_as: Callable[..., Any]
) -> None:
    ContactFactory.create_batch(7, workspace=workspace)
    api = api_as(owner, workspace)
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = api.get("/api/v1/contacts", params).json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next"]
        if not cursor:
            break
    assert sorted(seen) == sorted(Contact.objects.values_list("id", flat=True))
    assert len(seen) == len(set(seen)) == 7
    bad = api.get("/api/v1/contacts", {"cursor": "!!!"})
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid_cursor"


def test_list_query_count_does_not_grow_with_rows(
    owner: User, workspace: Workspace, api_as: Callable[..., Any], django_assert_max_num_queries: Any
) -> None:
    api = api_as(owner, workspace)
    api.get("/api/v1/contacts")  # token last-used update happens on the first call
    ContactFactory.create_batch(30, workspace=workspace)
    with django_assert_max_num_queries(5):
        response = api.get("/api/v1/contacts")
    assert len(response.json()["items"]) == 30


def test_no_token_is_401(db: None, client: Any) -> None:
    response = client.get("/api/v1/contacts")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    assert client.get("/api/v1/contacts", headers={"Authorization": "Bearer rls_nope"}).status_code == 401


@pytest.mark.parametrize(
    ("role", "read", "write", "delete"),
    [
        (Role.OWNER, 200, 201, 204),
        (Role.ADMIN, 200, 201, 204),
        (Role.SALES, 200, 201, 403),
        (Role.FINANCE, 200, 201, 403),
        (Role.AGENT, 200, 201, 403),
        (Role.VIEWER, 200, 403, 403),
    ],
)
def test_permissions_per_role(
    role: str,
    read: int,
    write: int,
    delete: int,
    workspace: Workspace,
    make_member: Callable[..., User],
    api_as: Callable[..., Any],
) -> None:
    user = make_member(workspace, role)
    contact = ContactFactory(workspace=workspace)
    api = api_as(user, workspace)
    assert api.get("/api/v1/contacts").status_code == read
    assert api.post("/api/v1/contacts", {"full_name": "Baru"}).status_code == write
    assert api.delete(f"/api/v1/contacts/{contact.pk}").status_code == delete


def test_workspace_isolation(
    owner: User, workspace: Workspace, outsider: User, other_workspace: Workspace, api_as: Callable[..., Any]
) -> None:
    # given a contact in A and a token of B's owner
    mine = ContactFactory(workspace=workspace, full_name="Rahasia Hero")
    theirs = api_as(outsider, other_workspace)
    # then B can neither list, read, change nor delete it
    assert theirs.get("/api/v1/contacts", {"q": "Rahasia"}).json()["items"] == []
    assert theirs.get(f"/api/v1/contacts/{mine.pk}").status_code == 404
    assert theirs.patch(f"/api/v1/contacts/{mine.pk}", {"full_name": "X"}).status_code == 404
    assert theirs.delete(f"/api/v1/contacts/{mine.pk}").status_code == 404
    mine.refresh_from_db()
    assert mine.full_name == "Rahasia Hero"


def test_error_message_follows_accept_language(
    owner: User, workspace: Workspace, api_as: Callable[..., Any]
) -> None:
    api = api_as(owner, workspace)
    english = api.post("/api/v1/contacts", {"full_name": ""}, **{"Accept-Language": "en"}).json()
    indonesian = api.post("/api/v1/contacts", {"full_name": ""}, **{"Accept-Language": "id"}).json()
    assert english["fields"]["full_name"] == "Type the customer's name."
    assert indonesian["fields"]["full_name"] != english["fields"]["full_name"]


def test_openapi_schema_is_served(db: None, client: Any) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/contacts" in response.json()["paths"]
