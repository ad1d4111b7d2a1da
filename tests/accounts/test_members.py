"""Members: change roles, remove. Only owners touch owners; the last owner stays."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from relasi.accounts import services
from relasi.accounts.enums import Role
from relasi.accounts.models import ApiToken, Membership, User, Workspace
from relasi.core.exceptions import Conflict, PermissionDenied
from relasi.core.models import AuditAction, AuditLog
from tests.accounts.conftest import in_english


def _membership(user: User, workspace: Workspace) -> Membership:
    return Membership.objects.get(user=user, workspace=workspace)


def test_owner_changes_a_members_role_and_it_is_audited(
    owner: User,
    sales: User,
    workspace: Workspace,
    client_as: Callable[[User], Client],
    url: Callable[..., str],
) -> None:
    # given
    member = _membership(sales, workspace)
    # when
    response = client_as(owner).post(url("member_role", workspace.slug, member.pk), {"role": Role.FINANCE})
    # then
    assert response.status_code == 302
    assert _membership(sales, workspace).role == Role.FINANCE
    entry = AuditLog.objects.get(action=AuditAction.UPDATE, object_type="accounts.membership")
    assert entry.actor == owner
    assert entry.workspace == workspace
    assert entry.changes == {"role": ["sales", "finance"]}


def test_the_last_owner_cannot_step_down(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client], url: Callable[..., str]
) -> None:
    # given
    client = client_as(in_english(owner))
    me = _membership(owner, workspace)
    # when
    response = client.post(url("member_role", workspace.slug, me.pk), {"role": Role.ADMIN})
    # then
    assert response.status_code == 409
    assert b"A workspace needs at least one owner." in response.content
    assert _membership(owner, workspace).role == Role.OWNER


def test_an_owner_can_step_down_when_another_owner_remains(
    owner: User,
    workspace: Workspace,
    make_member: Callable[..., User],
    client_as: Callable[[User], Client],
    url: Callable[..., str],
) -> None:
    # given
    make_member(workspace, Role.OWNER)
    me = _membership(owner, workspace)
    # when
    response = client_as(owner).post(url("member_role", workspace.slug, me.pk), {"role": Role.ADMIN})
    # then
    assert response.status_code == 302
    assert _membership(owner, workspace).role == Role.ADMIN


def test_admin_cannot_change_an_owners_role(
    owner: User,
    admin: User,
    workspace: Workspace,
    client_as: Callable[[User], Client],
    url: Callable[..., str],
) -> None:
    # given
    make_owner_target = _membership(owner, workspace)
    # when
    response = client_as(admin).post(
        url("member_role", workspace.slug, make_owner_target.pk), {"role": Role.VIEWER}
    )
    # then
    assert response.status_code == 403
    assert _membership(owner, workspace).role == Role.OWNER


def test_admin_cannot_make_an_owner(
    owner: User,
    admin: User,
    sales: User,
    workspace: Workspace,
    client_as: Callable[[User], Client],
    url: Callable[..., str],
) -> None:
    # when
    response = client_as(admin).post(
        url("member_role", workspace.slug, _membership(sales, workspace).pk), {"role": Role.OWNER}
    )
    # then
    assert response.status_code == 403
    assert _membership(sales, workspace).role == Role.SALES


def test_admin_changes_a_non_owner_role(
    owner: User,
    admin: User,
    sales: User,
    workspace: Workspace,
    client_as: Callable[[User], Client],
    url: Callable[..., str],
) -> None:
    # when
    response = client_as(admin).post(
        url("member_role", workspace.slug, _membership(sales, workspace).pk), {"role": Role.VIEWER}
    )
    # then
    assert response.status_code == 302
    assert _membership(sales, workspace).role == Role.VIEWER


def test_owner_can_make_another_owner(
    owner: User,
    sales: User,
    workspace: Workspace,
    client_as: Callable[[User], Client],
    url: Callable[..., str],
) -> None:
    # when
    response = client_as(owner).post(
        url("member_role", workspace.slug, _membership(sales, workspace).pk), {"role": Role.OWNER}
    )
    # then
    assert response.status_code == 302
    assert _membership(sales, workspace).role == Role.OWNER


def test_unknown_role_is_a_400(
    owner: User,
    sales: User,
    workspace: Workspace,
    client_as: Callable[[User], Client],
    url: Callable[..., str],
) -> None:
    # when
    response = client_as(owner).post(
        url("member_role", workspace.slug, _membership(sales, workspace).pk), {"role": "raja"}
    )
    # then
    assert response.status_code == 400
    assert _membership(sales, workspace).role == Role.SALES


def test_members_page_hides_owner_controls_from_an_admin(
    owner: User,
    admin: User,
    workspace: Workspace,
    client_as: Callable[[User], Client],
    url: Callable[..., str],
) -> None:
    # when
    html = client_as(admin).get(url("members", workspace.slug)).content.decode()
    # then
    owner_row = html.split(f'data-member="{owner.email}"')[1].split("</tr>")[0]
    assert "<form" not in owner_row
    assert url("member_role", workspace.slug, _membership(admin, workspace).pk) in html


def test_owner_removes_a_member_whose_tokens_stop_working(
    owner: User,
    sales: User,
    workspace: Workspace,
    client_as: Callable[[User], Client],
    url: Callable[..., str],
    api_as: Callable[..., object],
) -> None:
    # given
    api = api_as(sales, workspace)
    assert api.get("/api/v1/contacts").status_code == 200  # type: ignore[attr-defined]
    member = _membership(sales, workspace)
    # when
    response = client_as(owner).post(url("member_remove", workspace.slug, member.pk))
    # then
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=member.pk).exists()
    assert api.get("/api/v1/contacts").status_code == 401  # type: ignore[attr-defined]
    assert not ApiToken.objects.filter(user=sales, revoked_at__isnull=True).exists()
    entry = AuditLog.objects.get(action=AuditAction.DELETE, object_type="accounts.membership")
    assert entry.changes == {"user": sales.email, "role": "sales"}
    assert entry.actor == owner


def test_removed_member_cannot_open_the_workspace(
    owner: User,
    sales: User,
    workspace: Workspace,
    client_as: Callable[[User], Client],
    url: Callable[..., str],
) -> None:
    # given
    sales_client = client_as(sales)
    client_as(owner).post(url("member_remove", workspace.slug, _membership(sales, workspace).pk))
    # when
    response = sales_client.get(url("profile", workspace.slug))
    # then
    assert response.status_code == 404


def test_admin_cannot_remove_an_owner(
    owner: User,
    admin: User,
    workspace: Workspace,
    client_as: Callable[[User], Client],
    url: Callable[..., str],
) -> None:
    # when
    response = client_as(admin).post(url("member_remove", workspace.slug, _membership(owner, workspace).pk))
    # then
    assert response.status_code == 403
    assert Membership.objects.filter(user=owner, workspace=workspace).exists()


def test_owner_removes_another_owner_but_never_the_last(
    owner: User, workspace: Workspace, make_member: Callable[..., User]
) -> None:
    # given
    second = _membership(make_member(workspace, Role.OWNER), workspace)
    me = _membership(owner, workspace)
    # when
    services.membership_remove(membership=second, removed_by=me)
    # then
    assert not Membership.objects.filter(pk=second.pk).exists()
    with pytest.raises(Conflict):
        services.membership_change_role(membership=me, role=Role.ADMIN, changed_by=me)


def test_nobody_removes_themselves(
    owner: User,
    workspace: Workspace,
    make_member: Callable[..., User],
    client_as: Callable[[User], Client],
    url: Callable[..., str],
) -> None:
    # given: another owner exists, so the last-owner rule is not what stops it
    make_member(workspace, Role.OWNER)
    # when
    response = client_as(owner).post(url("member_remove", workspace.slug, _membership(owner, workspace).pk))
    # then
    assert response.status_code == 400
    assert Membership.objects.filter(user=owner, workspace=workspace).exists()


def test_service_refuses_a_changer_from_another_workspace(
    owner: User, sales: User, workspace: Workspace, outsider: User, other_workspace: Workspace
) -> None:
    # given: the owner of another workspace, passed in by mistake
    foreign = _membership(outsider, other_workspace)
    # when / then
    with pytest.raises(PermissionDenied):
        services.membership_change_role(
            membership=_membership(sales, workspace), role=Role.ADMIN, changed_by=foreign
        )
    with pytest.raises(PermissionDenied):
        services.membership_remove(membership=_membership(sales, workspace), removed_by=foreign)
    assert _membership(sales, workspace).role == Role.SALES


def test_service_refuses_a_changer_without_members_manage(
    owner: User, sales: User, workspace: Workspace, make_member: Callable[..., User]
) -> None:
    # given
    agent = _membership(make_member(workspace, Role.AGENT), workspace)
    # when / then
    with pytest.raises(PermissionDenied):
        services.membership_change_role(
            membership=_membership(sales, workspace), role=Role.ADMIN, changed_by=agent
        )
