"""Workspace settings: name, city, time zone (WIB/WITA/WIT), audited."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from relasi.accounts import services
from relasi.accounts.enums import Role, TimeZone
from relasi.accounts.models import Membership, User, Workspace
from relasi.core.exceptions import PermissionDenied, ValidationError
from relasi.core.models import AuditAction, AuditLog


def test_owner_saves_name_city_and_time_zone(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client], url: Callable[..., str]
) -> None:
    # when
    response = client_as(owner).post(
        url("workspace", workspace.slug),
        {"name": "Toko Hero Jayapura", "city": "Jayapura", "timezone": TimeZone.WIT},
    )
    # then
    assert response.status_code == 302
    workspace.refresh_from_db()
    assert (workspace.name, workspace.city, workspace.timezone) == (
        "Toko Hero Jayapura",
        "Jayapura",
        "Asia/Jayapura",
    )
    assert workspace.slug == "hero"
    entry = AuditLog.objects.get(action=AuditAction.UPDATE, object_type="accounts.workspace")
    assert entry.changes == {
        "name": ["Toko Hadiah Hero", "Toko Hero Jayapura"],
        "city": ["", "Jayapura"],
        "timezone": ["Asia/Jakarta", "Asia/Jayapura"],
    }
    assert entry.actor == owner


def test_form_shows_the_current_values(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client], url: Callable[..., str]
) -> None:
    # when
    html = client_as(owner).get(url("workspace", workspace.slug)).content.decode()
    # then
    assert 'value="Toko Hadiah Hero"' in html
    assert '<option value="Asia/Jakarta" selected>' in html


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "", "city": "", "timezone": TimeZone.WIB}, "name"),
        ({"name": "Toko", "city": "", "timezone": "Europe/Amsterdam"}, "timezone"),
        ({"name": "Toko", "city": "x" * 81, "timezone": TimeZone.WIB}, "city"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_changes_nothing(
    data: dict[str, str],
    field: str,
    owner: User,
    workspace: Workspace,
    client_as: Callable[[User], Client],
    url: Callable[..., str],
) -> None:
    # when
    response = client_as(owner).post(url("workspace", workspace.slug), data)
    # then
    assert response.status_code == 400
    assert f'id="id_{field}_error"'.encode() in response.content
    workspace.refresh_from_db()
    assert workspace.name == "Toko Hadiah Hero"
    assert not AuditLog.objects.exists()


def test_saving_without_changes_writes_no_audit_entry(owner: User, workspace: Workspace) -> None:
    # when
    services.workspace_update(
        workspace=workspace,
        updated_by=Membership.objects.get(user=owner),
        name=workspace.name,
        city=workspace.city,
        timezone_name=workspace.timezone,
    )
    # then
    assert not AuditLog.objects.exists()


def test_service_checks_the_role_and_the_workspace(
    sales: User, outsider: User, workspace: Workspace, other_workspace: Workspace
) -> None:
    # given
    sales_membership = Membership.objects.get(user=sales)
    foreign_owner = Membership.objects.get(user=outsider)
    # when / then
    for who in (sales_membership, foreign_owner):
        with pytest.raises(PermissionDenied):
            services.workspace_update(
                workspace=workspace, updated_by=who, name="Dibajak", city="", timezone_name=TimeZone.WIB
            )
    workspace.refresh_from_db()
    assert workspace.name == "Toko Hadiah Hero"


def test_service_rejects_an_unknown_time_zone(owner: User, workspace: Workspace) -> None:
    # when / then
    with pytest.raises(ValidationError) as error:
        services.workspace_update(
            workspace=workspace,
            updated_by=Membership.objects.get(user=owner, workspace=workspace),
            name="Toko",
            city="",
            timezone_name="Asia/Singapore",
        )
    assert set(error.value.fields) == {"timezone"}


def test_admin_may_change_the_workspace(
    owner: User,
    admin: User,
    workspace: Workspace,
    client_as: Callable[[User], Client],
    url: Callable[..., str],
) -> None:
    # when
    response = client_as(admin).post(
        url("workspace", workspace.slug), {"name": "Toko Hero", "city": "Bandung", "timezone": TimeZone.WIB}
    )
    # then
    assert response.status_code == 302
    assert Workspace.objects.get(pk=workspace.pk).city == "Bandung"
    assert Membership.objects.get(user=admin).role == Role.ADMIN
