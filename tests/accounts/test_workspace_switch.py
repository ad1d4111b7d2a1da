"""A person in several workspaces sees them all in the switcher and moves between them;
a workspace they do not belong to stays closed."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from relasi.accounts.enums import Role
from relasi.accounts.models import Membership, User, Workspace


@pytest.fixture
def two_workspace_user(owner: User, workspace: Workspace, other_workspace: Workspace) -> User:
    Membership.objects.create(user=owner, workspace=other_workspace, role=Role.AGENT)
    return owner


def test_switcher_lists_every_workspace_of_the_user(
    two_workspace_user: User,
    workspace: Workspace,
    other_workspace: Workspace,
    client_as: Callable[[User], Client],
    url: Callable[..., str],
) -> None:
    # when
    html = client_as(two_workspace_user).get(url("profile", workspace.slug)).content.decode()
    # then
    switcher = html.split('id="ws-switch"')[1].split("</select>")[0]
    assert f'<option value="{workspace.slug}" selected>{workspace.name}</option>' in switcher
    assert f'<option value="{other_workspace.slug}">{other_workspace.name}</option>' in switcher


def test_switcher_does_not_list_workspaces_of_others(
    owner: User,
    outsider: User,
    workspace: Workspace,
    other_workspace: Workspace,
    client_as: Callable[[User], Client],
    url: Callable[..., str],
) -> None:
    # when
    html = client_as(owner).get(url("profile", workspace.slug)).content.decode()
    # then
    assert f'value="{other_workspace.slug}"' not in html


def test_switch_goes_to_the_chosen_workspace_with_its_role(
    two_workspace_user: User,
    other_workspace: Workspace,
    client_as: Callable[[User], Client],
    url: Callable[..., str],
) -> None:
    # given
    client = client_as(two_workspace_user)
    # when
    response = client.get("/ganti-workspace/", {"slug": other_workspace.slug})
    # then
    assert response.status_code == 302
    assert response["Location"] == f"/w/{other_workspace.slug}/pelanggan/"
    # the role there is agent: members page closed, own tokens open
    assert client.get(url("members", other_workspace.slug)).status_code == 403
    assert client.get(url("tokens", other_workspace.slug)).status_code == 200


def test_start_page_returns_to_the_workspace_used_last(
    two_workspace_user: User,
    other_workspace: Workspace,
    client_as: Callable[[User], Client],
    url: Callable[..., str],
) -> None:
    # given
    client = client_as(two_workspace_user)
    client.get(url("profile", other_workspace.slug))
    # when
    response = client.get("/")
    # then
    assert response["Location"] == f"/w/{other_workspace.slug}/pelanggan/"


def test_switch_to_a_workspace_one_does_not_belong_to_goes_nowhere(
    owner: User,
    outsider: User,
    other_workspace: Workspace,
    client_as: Callable[[User], Client],
    url: Callable[..., str],
) -> None:
    # given
    client = client_as(owner)
    # when
    response = client.get("/ganti-workspace/", {"slug": other_workspace.slug})
    # then
    assert response.status_code == 302
    assert other_workspace.slug not in response["Location"]
    assert client.get(url("profile", other_workspace.slug)).status_code == 404
