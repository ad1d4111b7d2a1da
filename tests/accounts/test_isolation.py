"""One workspace cannot see or change another's settings (DESIGN §4 tenancy)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from relasi.accounts import services
from relasi.accounts.enums import Role
from relasi.accounts.models import ApiToken, Invitation, Membership, User, Workspace
from relasi.core.exceptions import PermissionDenied
from relasi.core.models import OutboxMail

PAGES = ["members", "workspace", "tokens", "audit", "outbox", "profile"]


@pytest.mark.parametrize("page", PAGES)
def test_owner_of_another_workspace_gets_404_on_its_settings_pages(
    page: str,
    owner: User,
    outsider: User,
    workspace: Workspace,
    client_as: Callable[[User], Client],
    url: Callable[..., str],
) -> None:
    # when
    response = client_as(outsider).get(url(page, workspace.slug))
    # then
    assert response.status_code == 404


def test_settings_index_of_another_workspace_is_404(
    owner: User, outsider: User, workspace: Workspace, client_as: Callable[[User], Client]
) -> None:
    # when
    response = client_as(outsider).get(f"/w/{workspace.slug}/pengaturan/")
    # then
    assert response.status_code == 404


def test_cannot_revoke_another_workspaces_token_by_id(
    owner: User,
    outsider: User,
    workspace: Workspace,
    other_workspace: Workspace,
    client_as: Callable[[User], Client],
    url: Callable[..., str],
) -> None:
    # given
    token, _raw = services.api_token_create(user=owner, workspace=workspace, name="Hero")
    client = client_as(outsider)
    # when: through the other workspace's address and through one's own
    through_theirs = client.post(url("token_revoke", workspace.slug, token.pk))
    through_mine = client.post(url("token_revoke", other_workspace.slug, token.pk))
    # then
    assert through_theirs.status_code == 404
    assert through_mine.status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_cannot_revoke_another_workspaces_invitation_by_id(
    owner: User,
    outsider: User,
    workspace: Workspace,
    other_workspace: Workspace,
    client_as: Callable[[User], Client],
    url: Callable[..., str],
) -> None:
    # given
    invitation, _raw = services.invitation_create(
        workspace=workspace, email="sari@contoh.co.id", role=Role.AGENT, invited_by=owner
    )
    client = client_as(outsider)
    # when
    through_theirs = client.post(url("invitation_revoke", workspace.slug, invitation.pk))
    through_mine = client.post(url("invitation_revoke", other_workspace.slug, invitation.pk))
    # then
    assert through_theirs.status_code == 404
    assert through_mine.status_code == 404
    assert Invitation.objects.get(pk=invitation.pk).revoked_at is None


def test_cannot_change_or_remove_another_workspaces_member_by_id(
    owner: User,
    outsider: User,
    workspace: Workspace,
    other_workspace: Workspace,
    client_as: Callable[[User], Client],
    url: Callable[..., str],
) -> None:
    # given
    target = Membership.objects.get(user=owner, workspace=workspace)
    client = client_as(outsider)
    # when
    role = client.post(url("member_role", other_workspace.slug, target.pk), {"role": Role.VIEWER})
    remove = client.post(url("member_remove", other_workspace.slug, target.pk))
    # then
    assert role.status_code == 404
    assert remove.status_code == 404
    assert Membership.objects.get(pk=target.pk).role == Role.OWNER


def test_cannot_read_another_workspaces_mail_by_id(
    owner: User,
    outsider: User,
    workspace: Workspace,
    other_workspace: Workspace,
    client_as: Callable[[User], Client],
    url: Callable[..., str],
) -> None:
    # given
    mail = OutboxMail.objects.create(
        workspace=workspace, to=owner.email, subject="Undangan Hero", body="rahasia", from_email="x@y.id"
    )
    # when
    response = client_as(outsider).get(url("outbox_detail", other_workspace.slug, mail.pk))
    # then
    assert response.status_code == 404


def test_service_refuses_to_revoke_an_invitation_for_another_workspace(
    owner: User, outsider: User, workspace: Workspace, other_workspace: Workspace
) -> None:
    # given
    invitation, _raw = services.invitation_create(
        workspace=workspace, email="sari@contoh.co.id", role=Role.AGENT, invited_by=owner
    )
    foreign = Membership.objects.get(user=outsider, workspace=other_workspace)
    # when / then
    with pytest.raises(PermissionDenied):
        services.invitation_revoke(invitation=invitation, revoked_by=foreign)
    assert Invitation.objects.get(pk=invitation.pk).revoked_at is None
