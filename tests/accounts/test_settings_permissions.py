"""Which role may open which settings page (DESIGN §6: a permission test per capability).
Forbidden pages answer 403; the settings index links only to the pages the role may open."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from relasi.accounts import views_settings
from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.accounts.permissions import Perm

PAGES = ["members", "workspace", "tokens", "audit", "outbox", "profile"]

# The matrix for the settings pages, written out by hand (not derived from ROLE_PERMISSIONS),
# so a change to the roles shows up here as a failing case.
ALLOWED: dict[str, set[str]] = {
    Role.OWNER: set(PAGES),
    Role.ADMIN: set(PAGES),
    Role.SALES: {"tokens", "profile"},
    Role.FINANCE: {"tokens", "profile"},
    Role.AGENT: {"tokens", "profile"},
    Role.VIEWER: {"tokens", "profile"},
}


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", list(Role))
def test_settings_page_answers_by_role(
    role: Role,
    page: str,
    workspace: Workspace,
    make_member: Callable[..., User],
    client_as: Callable[[User], Client],
    url: Callable[..., str],
) -> None:
    # given
    client = client_as(make_member(workspace, role))
    # when
    response = client.get(url(page, workspace.slug))
    # then
    expected = 200 if page in ALLOWED[role] else 403
    assert response.status_code == expected
    if expected == 403:
        assert "403.html" in [t.name for t in response.templates]


@pytest.mark.parametrize("role", list(Role))
def test_settings_index_links_only_to_permitted_pages(
    role: Role,
    workspace: Workspace,
    make_member: Callable[..., User],
    client_as: Callable[[User], Client],
    url: Callable[..., str],
) -> None:
    # given
    client = client_as(make_member(workspace, role))
    # when
    response = client.get(reverse("web:settings", args=[workspace.slug]))
    # then
    assert response.status_code == 200
    html = response.content.decode()
    for page in PAGES:
        link = f'href="{url(page, workspace.slug)}"'
        assert (link in html) == (page in ALLOWED[role]), page


@pytest.mark.parametrize("page", PAGES)
def test_settings_pages_ask_an_anonymous_visitor_to_sign_in(
    page: str, workspace: Workspace, client: Client, url: Callable[..., str]
) -> None:
    # when
    response = client.get(url(page, workspace.slug))
    # then
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("member_role", [1]),
        ("member_remove", [1]),
        ("invitation_revoke", [1]),
    ],
)
@pytest.mark.parametrize("role", [Role.SALES, Role.FINANCE, Role.AGENT, Role.VIEWER])
def test_member_actions_are_forbidden_without_members_manage(
    role: Role,
    name: str,
    args: list[int],
    workspace: Workspace,
    owner: User,
    make_member: Callable[..., User],
    client_as: Callable[[User], Client],
    url: Callable[..., str],
) -> None:
    # given
    client = client_as(make_member(workspace, role))
    # when
    response = client.post(url(name, workspace.slug, *args), {"role": Role.VIEWER})
    # then
    assert response.status_code == 403


def test_another_apps_registered_page_is_listed_for_permitted_roles_only(
    workspace: Workspace,
    make_member: Callable[..., User],
    client_as: Callable[[User], Client],
) -> None:
    # given: the contacts app registers its custom-fields page at start-up (ContactsConfig.ready)
    index = reverse("web:settings", args=[workspace.slug])
    custom_fields = reverse("contacts:custom_field_list", args=[workspace.slug])
    # when
    as_admin = client_as(make_member(workspace, Role.ADMIN)).get(index).content.decode()
    as_agent = client_as(make_member(workspace, Role.AGENT)).get(index).content.decode()
    # then: listed once, before "My profile", and only for roles that may manage settings
    assert as_admin.count(f'href="{custom_fields}"') == 1
    assert as_admin.index(custom_fields) < as_admin.index('data-page="profile"')
    assert custom_fields not in as_agent


def test_registering_a_page_twice_lists_it_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views_settings, "SETTINGS_PAGES", list(views_settings.SETTINGS_PAGES))
    before = len(views_settings.SETTINGS_PAGES)
    page = views_settings.SettingsPage("web:settings", "Uji", "Uji", Perm.SETTINGS_MANAGE)
    views_settings.register_settings_page(page)
    views_settings.register_settings_page(page)
    assert len(views_settings.SETTINGS_PAGES) == before + 1
