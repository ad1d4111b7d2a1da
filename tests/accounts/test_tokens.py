"""API tokens: create (shown once), list, revoke in the settings page and with `relasi token`;
a revoked token, or the token of a removed member, gets 401 on the API."""

from __future__ import annotations

import re
from collections.abc import Callable
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from relasi.accounts import services
from relasi.accounts.enums import Role
from relasi.accounts.models import ApiToken, Membership, User, Workspace
from tests.conftest import ApiClient

TOKEN = re.compile(r"rls_[A-Za-z0-9_-]{43}")


def test_create_token_in_the_page_shows_it_once_and_stores_only_its_hash(
    sales: User, workspace: Workspace, client_as: Callable[[User], Client], url: Callable[..., str]
) -> None:
    # given
    client = client_as(sales)
    # when
    response = client.post(url("tokens", workspace.slug), {"name": "Sinkron akuntansi"})
    # then
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    match = TOKEN.search(html)
    assert match is not None
    raw = match.group(0)
    token = ApiToken.objects.get(user=sales, workspace=workspace)
    assert token.name == "Sinkron akuntansi"
    assert raw not in (token.key_hash, token.prefix)
    assert raw.startswith(token.prefix)
    assert ApiClient(raw).get("/api/v1/contacts").status_code == 200
    # and the next visit no longer shows it
    again = client.get(url("tokens", workspace.slug)).content.decode()
    assert raw not in again
    assert token.prefix in again


def test_token_list_shows_prefix_name_and_last_use(
    owner: User,
    workspace: Workspace,
    client_as: Callable[[User], Client],
    url: Callable[..., str],
) -> None:
    # given: one used token, one never used
    used, raw = services.api_token_create(user=owner, workspace=workspace, name="Dipakai")
    unused, _raw = services.api_token_create(user=owner, workspace=workspace, name="Belum")
    ApiClient(raw).get("/api/v1/contacts")
    # when
    html = client_as(owner).get(url("tokens", workspace.slug)).content.decode()
    # then
    used_row = html.split(f'data-token="{used.prefix}"')[1].split("</tr>")[0]
    unused_row = html.split(f'data-token="{unused.prefix}"')[1].split("</tr>")[0]
    assert "Dipakai" in used_row
    used.refresh_from_db()
    assert used.last_used_at is not None
    assert str(used.last_used_at.year) in used_row.split("</td>")[3]
    assert str(unused.created_at.year) in unused_row.split("</td>")[2]
    assert unused_row.count(str(unused.created_at.year)) == 1  # never used: no date in that cell


def test_token_page_lists_only_ones_own_tokens_of_this_workspace(
    owner: User,
    sales: User,
    workspace: Workspace,
    other_workspace: Workspace,
    client_as: Callable[[User], Client],
    url: Callable[..., str],
) -> None:
    # given
    Membership.objects.create(user=sales, workspace=other_workspace, role=Role.AGENT)
    mine, _r1 = services.api_token_create(user=sales, workspace=workspace, name="Punyaku")
    other_ws, _r2 = services.api_token_create(user=sales, workspace=other_workspace, name="Toko lain")
    colleague, _r3 = services.api_token_create(user=owner, workspace=workspace, name="Punya bos")
    # when
    html = client_as(sales).get(url("tokens", workspace.slug)).content.decode()
    # then
    assert f'data-token="{mine.prefix}"' in html
    assert f'data-token="{other_ws.prefix}"' not in html
    assert f'data-token="{colleague.prefix}"' not in html


def test_revoke_in_the_page_makes_the_api_answer_401(
    sales: User, workspace: Workspace, client_as: Callable[[User], Client], url: Callable[..., str]
) -> None:
    # given
    token, raw = services.api_token_create(user=sales, workspace=workspace, name="Integrasi")
    api = ApiClient(raw)
    assert api.get("/api/v1/contacts").status_code == 200
    # when
    response = client_as(sales).post(url("token_revoke", workspace.slug, token.pk))
    # then
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    denied = api.get("/api/v1/contacts")
    assert denied.status_code == 401
    assert denied.json()["code"] == "unauthorized"


def test_member_cannot_revoke_a_colleagues_token(
    owner: User,
    sales: User,
    workspace: Workspace,
    client_as: Callable[[User], Client],
    url: Callable[..., str],
) -> None:
    # given
    token, _raw = services.api_token_create(user=owner, workspace=workspace, name="Bos")
    # when
    response = client_as(sales).post(url("token_revoke", workspace.slug, token.pk))
    # then
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_token_of_a_removed_member_gets_401(owner: User, sales: User, workspace: Workspace) -> None:
    # given
    _token, raw = services.api_token_create(user=sales, workspace=workspace, name="x")
    api = ApiClient(raw)
    assert api.get("/api/v1/contacts").status_code == 200
    # when: the membership goes, even without the service revoking the token
    Membership.objects.filter(user=sales, workspace=workspace).delete()
    # then
    assert api.get("/api/v1/contacts").status_code == 401


def test_token_create_command_prints_only_a_token_that_works_on_the_api(
    owner: User, workspace: Workspace
) -> None:
    # given
    out, err = StringIO(), StringIO()
    # when
    call_command(
        "token", "create", "--email", "PEMILIK@hero.test", "--workspace", "hero", stdout=out, stderr=err
    )
    # then
    printed = out.getvalue()
    assert TOKEN.fullmatch(printed.strip()), printed
    assert printed == printed.strip() + "\n"
    assert err.getvalue() == ""
    assert ApiToken.objects.get(user=owner).name == "CLI"
    response = ApiClient(printed.strip()).get("/api/v1/contacts")
    assert response.status_code == 200


def test_token_create_command_takes_a_name(owner: User, workspace: Workspace) -> None:
    # when
    call_command(
        "token", "create", "--email", owner.email, "--workspace", "hero", "--name", "Kasir", stdout=StringIO()
    )
    # then
    assert ApiToken.objects.get(user=owner).name == "Kasir"


@pytest.mark.parametrize(
    ("email", "slug", "message"),
    [
        ("siapa@tidak.ada", "hero", "No user with the e-mail address 'siapa@tidak.ada'."),
        ("pemilik@hero.test", "tidak-ada", "No workspace with the slug 'tidak-ada'."),
        ("pemilik@sebelah.test", "hero", "pemilik@sebelah.test is not a member of the workspace 'hero'."),
    ],
)
def test_token_create_command_fails_clearly(
    email: str, slug: str, message: str, owner: User, outsider: User, workspace: Workspace
) -> None:
    # given
    out = StringIO()
    # when
    with pytest.raises(CommandError) as error:
        call_command("token", "create", "--email", email, "--workspace", slug, stdout=out)
    # then: `relasi` prints "CommandError: <message>" on stderr and exits with this code
    assert str(error.value) == message
    assert error.value.returncode == 1
    assert out.getvalue() == ""
    assert not ApiToken.objects.exists()


def test_token_revoke_command_revokes_by_prefix(owner: User, workspace: Workspace) -> None:
    # given
    token, raw = services.api_token_create(user=owner, workspace=workspace, name="Lama")
    out = StringIO()
    # when
    call_command("token", "revoke", "--prefix", token.prefix, stdout=out)
    # then
    assert token.prefix in out.getvalue()
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert ApiClient(raw).get("/api/v1/contacts").status_code == 401


def test_token_revoke_command_fails_for_an_unknown_prefix(owner: User, workspace: Workspace) -> None:
    # when / then
    with pytest.raises(CommandError, match="No live token"):
        call_command("token", "revoke", "--prefix", "rls_tidakada", stdout=StringIO())


def test_token_list_command_never_prints_the_secret(owner: User, workspace: Workspace) -> None:
    # given
    token, raw = services.api_token_create(user=owner, workspace=workspace, name="Kasir")
    out = StringIO()
    # when
    call_command("token", "list", "--workspace", "hero", stdout=out)
    # then
    assert token.prefix in out.getvalue()
    assert "Kasir" in out.getvalue()
    assert raw not in out.getvalue()
