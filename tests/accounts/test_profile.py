"""My profile: name, language, password (Django's validators); each change audited."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from relasi.accounts.models import User, Workspace
from relasi.core.models import AuditAction, AuditLog
from tests.accounts.conftest import PASSWORD, in_english


def test_member_saves_name_and_language(
    sales: User, workspace: Workspace, client_as: Callable[[User], Client], url: Callable[..., str]
) -> None:
    # given
    client = client_as(sales)
    # when
    response = client.post(url("profile", workspace.slug), {"full_name": "Sales Hebat", "language": "en"})
    # then
    assert response.status_code == 302
    sales.refresh_from_db()
    assert (sales.full_name, sales.language) == ("Sales Hebat", "en")
    assert response.cookies["relasi_language"].value == "en"
    assert b'<html lang="en">' in client.get(url("profile", workspace.slug)).content
    entry = AuditLog.objects.get(action=AuditAction.UPDATE, object_type="accounts.user")
    assert entry.changes == {"full_name": ["Sales Hero", "Sales Hebat"], "language": ["id", "en"]}
    assert entry.actor == sales


def test_unknown_language_is_a_400(
    sales: User, workspace: Workspace, client_as: Callable[[User], Client], url: Callable[..., str]
) -> None:
    # when
    response = client_as(sales).post(url("profile", workspace.slug), {"full_name": "X", "language": "jv"})
    # then
    assert response.status_code == 400
    sales.refresh_from_db()
    assert sales.full_name == "Sales Hero"


def test_change_password_keeps_this_session_and_ends_the_others(
    sales: User, workspace: Workspace, client_as: Callable[[User], Client], url: Callable[..., str]
) -> None:
    # given: signed in on two devices
    laptop, phone = client_as(sales), client_as(sales)
    # when
    response = laptop.post(
        url("password", workspace.slug),
        {
            "current_password": PASSWORD,
            "new_password": "Kopi-Tubruk-2024",
            "new_password_again": "Kopi-Tubruk-2024",
        },
    )
    # then
    assert response.status_code == 302
    sales.refresh_from_db()
    assert sales.check_password("Kopi-Tubruk-2024")
    assert laptop.get(url("profile", workspace.slug)).status_code == 200
    assert phone.get(url("profile", workspace.slug)).status_code == 302  # back to sign-in
    entry = AuditLog.objects.get(action=AuditAction.UPDATE, object_type="accounts.user")
    assert entry.changes == {"password": ["********", "********"]}
    assert sales.password not in str(entry.changes)


def test_wrong_current_password_is_refused(
    sales: User, workspace: Workspace, client_as: Callable[[User], Client], url: Callable[..., str]
) -> None:
    # given
    client = client_as(in_english(sales))
    # when
    response = client.post(
        url("password", workspace.slug),
        {
            "current_password": "salah",
            "new_password": "Kopi-Tubruk-2024",
            "new_password_again": "Kopi-Tubruk-2024",
        },
    )
    # then
    assert response.status_code == 400
    assert b"Type the password you signed in with." in response.content
    sales.refresh_from_db()
    assert sales.check_password(PASSWORD)
    assert not AuditLog.objects.exists()


def test_django_password_validators_apply(
    sales: User, workspace: Workspace, client_as: Callable[[User], Client], url: Callable[..., str]
) -> None:
    # given
    client = client_as(in_english(sales))
    # when: too short, entirely numeric and common
    response = client.post(
        url("password", workspace.slug),
        {"current_password": PASSWORD, "new_password": "1234567", "new_password_again": "1234567"},
    )
    # then
    assert response.status_code == 400
    html = response.content.decode()
    assert "This password is too short." in html
    assert "This password is entirely numeric." in html
    sales.refresh_from_db()
    assert sales.check_password(PASSWORD)


def test_password_similar_to_the_email_is_refused(
    sales: User, workspace: Workspace, client_as: Callable[[User], Client], url: Callable[..., str]
) -> None:
    # when
    response = client_as(sales).post(
        url("password", workspace.slug),
        {
            "current_password": PASSWORD,
            "new_password": "sales@hero.test",
            "new_password_again": "sales@hero.test",
        },
    )
    # then
    assert response.status_code == 400
    sales.refresh_from_db()
    assert sales.check_password(PASSWORD)


def test_the_two_new_passwords_must_match(
    sales: User, workspace: Workspace, client_as: Callable[[User], Client], url: Callable[..., str]
) -> None:
    # when
    response = client_as(sales).post(
        url("password", workspace.slug),
        {
            "current_password": PASSWORD,
            "new_password": "Kopi-Tubruk-2024",
            "new_password_again": "Kopi-Tubruk-2025",
        },
    )
    # then
    assert response.status_code == 400
    assert b'id="id_new_password_again_error"' in response.content
    sales.refresh_from_db()
    assert sales.check_password(PASSWORD)


def test_password_change_needs_a_post(
    sales: User, workspace: Workspace, client_as: Callable[[User], Client], url: Callable[..., str]
) -> None:
    # when
    response = client_as(sales).get(url("password", workspace.slug))
    # then
    assert response.status_code == 405
