"""Language: Bahasa Indonesia by default; a signed-in user's choice is stored on the user."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from relasi.accounts.models import User, Workspace


def test_pages_are_in_indonesian_by_default(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client], url: Callable[..., str]
) -> None:
    # when
    response = client_as(owner).get(url("profile", workspace.slug))
    # then
    assert b'<html lang="id">' in response.content


def test_language_switch_stores_the_users_choice(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client], url: Callable[..., str]
) -> None:
    # given
    client = client_as(owner)
    page = url("profile", workspace.slug)
    # when
    response = client.post("/akun/bahasa/", {"language": "en", "next": page})
    # then
    assert response.status_code == 302
    assert response["Location"] == page
    owner.refresh_from_db()
    assert owner.language == "en"
    assert response.cookies["relasi_language"].value == "en"
    assert b'<html lang="en">' in client.get(page).content


def test_the_stored_language_follows_the_user_to_another_browser(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client], url: Callable[..., str]
) -> None:
    # given
    client_as(owner).post("/akun/bahasa/", {"language": "en"})
    # when
    fresh = client_as(owner)
    # then
    assert b'<html lang="en">' in fresh.get(url("profile", workspace.slug)).content


def test_unknown_language_changes_nothing(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client], url: Callable[..., str]
) -> None:
    # when
    client_as(owner).post("/akun/bahasa/", {"language": "fr"})
    # then
    owner.refresh_from_db()
    assert owner.language == "id"


def test_language_switch_works_before_signing_in(client: Client, db: None) -> None:
    # when
    client.post("/akun/bahasa/", {"language": "en", "next": "/akun/masuk/"})
    # then
    assert b'<html lang="en">' in client.get("/akun/masuk/").content
