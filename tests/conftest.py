"""Shared fixtures: a workspace with an owner, members of every role, clients signed in as
them, and API clients carrying a bearer token."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from relasi.accounts.enums import Role
from relasi.accounts.models import Membership, User, Workspace
from relasi.accounts.services import api_token_create
from tests.factories import MembershipFactory, UserFactory, WorkspaceFactory


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _ppn_table(request: pytest.FixtureRequest) -> None:
    """The PPN rate table is data from a migration; a live-server or ``transaction=True``
    test flushes every table, so put the rows back for the tests that use the database."""
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if marker is None and not names & {"db", "transactional_db", "live_server"}:
        return
    transactional = bool(names & {"transactional_db", "live_server"}) or bool(
        marker and marker.kwargs.get("transaction")
    )
    request.getfixturevalue("transactional_db" if transactional else "db")
    from relasi.sales.models import TaxRate

    if not TaxRate.objects.exists():
        import importlib

        from django.apps import apps

        importlib.import_module("relasi.sales.migrations.0002_tax_rates").add_rates(apps, None)


@pytest.fixture
def workspace(db: None) -> Workspace:
    return WorkspaceFactory(name="Toko Hadiah Hero", slug="hero")


@pytest.fixture
def other_workspace(db: None) -> Workspace:
    return WorkspaceFactory(name="Toko Sebelah", slug="sebelah")


@pytest.fixture
def make_member(db: None) -> Callable[..., User]:
    def make(workspace: Workspace, role: str = Role.OWNER, **kwargs: Any) -> User:
        user = UserFactory(**kwargs)
        MembershipFactory(user=user, workspace=workspace, role=role)
        return user

    return make


@pytest.fixture
def owner(workspace: Workspace, make_member: Callable[..., User]) -> User:
    return make_member(workspace, Role.OWNER, email="pemilik@hero.test", full_name="Pemilik Hero")


@pytest.fixture
def owner_membership(owner: User, workspace: Workspace) -> Membership:
    return Membership.objects.get(user=owner, workspace=workspace)


@pytest.fixture
def outsider(other_workspace: Workspace, make_member: Callable[..., User]) -> User:
    """The owner of another workspace."""
    return make_member(other_workspace, Role.OWNER, email="pemilik@sebelah.test")


@pytest.fixture
def client_as() -> Callable[[User], Client]:
    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


class ApiClient:
    """A test client that sends ``Authorization: Bearer`` and JSON."""

    def __init__(self, token: str) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str, data: dict[str, Any] | None = None, **headers: str) -> Any:
        return self.client.get(path, data, headers={**self.headers, **headers})

    def post(self, path: str, data: Any = None, **headers: str) -> Any:
        return self.client.post(
            path, data or {}, content_type="application/json", headers={**self.headers, **headers}
        )

    def patch(self, path: str, data: Any = None, **headers: str) -> Any:
        return self.client.patch(
            path, data or {}, content_type="application/json", headers={**self.headers, **headers}
        )

    def delete(self, path: str, **headers: str) -> Any:
        return self.client.delete(path, headers={**self.headers, **headers})


@pytest.fixture
def api_as() -> Callable[[User, Workspace], ApiClient]:
    def make(user: User, workspace: Workspace) -> ApiClient:
        _token, raw = api_token_create(user=user, workspace=workspace, name="test")
        return ApiClient(raw)

    return make


@pytest.fixture(scope="session", autouse=True)
def _database_is_the_one_asked_for(django_db_setup: None, django_db_blocker: Any) -> None:
    """CI asks for PostgreSQL; a run that silently fell back to SQLite must fail."""
    import os

    from django.db import connection

    if os.environ.get("RELASI_REQUIRE_POSTGRES"):
        with django_db_blocker.unblock():
            assert connection.vendor == "postgresql", (
                f"RELASI_REQUIRE_POSTGRES is set but the tests run on {connection.vendor}"
            )
