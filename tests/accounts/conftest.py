"""Fixtures for the accounts tests: the settings pages' URLs, members of every role."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace

PASSWORD = "rahasia-sekali-123"  # tests/factories.py UserFactory


@pytest.fixture
def url() -> Callable[..., str]:
    """``url("members", "hero")`` → ``/w/hero/pengaturan/anggota/``."""

    def make(name: str, slug: str, *args: Any) -> str:
        return reverse(f"settings:{name}", args=[slug, *args])

    return make


@pytest.fixture
def admin(workspace: Workspace, make_member: Callable[..., User]) -> User:
    return make_member(workspace, Role.ADMIN, email="admin@hero.test", full_name="Admin Hero")


@pytest.fixture
def sales(workspace: Workspace, make_member: Callable[..., User]) -> User:
    return make_member(workspace, Role.SALES, email="sales@hero.test", full_name="Sales Hero")


def in_english(user: User) -> User:
    """Make ``user`` read the pages in English (the default is Bahasa Indonesia), so a test
    can look for the English message text whatever the translations say."""
    User.objects.filter(pk=user.pk).update(language="en")
    user.language = "en"
    return user
