"""The settings every inbox has (``conversations.inbox_settings``), through the API of each
channel: the same rules for the name, the capacity and the agents on WhatsApp, e-mail and web
chat, every problem reported at once and nothing written, and the same audit entries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from relasi.accounts.models import User, Workspace
from relasi.conversations.models import Inbox
from relasi.core.models import AuditAction, AuditLog
from tests.conversations import make_inbox

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}

# Each channel's endpoint and a valid input apart from the inbox-level fields.
CHANNELS = {
    "whatsapp": (
        "/api/v1/inboxes",
        {
            "phone_number_id": "106540352242922",
            "business_account_id": "102290129340398",
            "access_token": "EAAG-rahasia",
            "app_secret": "app-rahasia",
        },
    ),
    "email": (
        "/api/v1/email-inboxes",
        {"address": "cs@tokohero.test", "smtp_host": "smtp.tokohero.test", "imap_enabled": False},
    ),
    "webchat": ("/api/v1/webchat-inboxes", {"website_name": "Toko Hero"}),
}


@pytest.fixture(params=sorted(CHANNELS))
def channel(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    return CHANNELS[request.param]


def test_the_name_is_folded_and_unique_among_every_channels_inboxes(
    api_as: Callable[..., Any], owner: User, workspace: Workspace, channel: tuple[str, dict[str, Any]]
) -> None:
    url, valid = channel
    make_inbox(workspace, name="Toko Lama")
    api = api_as(owner, workspace)

    created = api.post(url, {**valid, "name": "  CS   Toko Hero "}, **EN)
    assert created.status_code == 201, created.json()
    assert created.json()["name"] == "CS Toko Hero"

    for name in ("toko lama", "TOKO  LAMA"):  # another channel's inbox, case and spaces aside
        taken = api.patch(f"{url}/{created.json()['id']}", {"name": name}, **EN)
        assert taken.status_code == 400
        assert taken.json()["fields"] == {"name": "Another inbox already has this name."}
    assert Inbox.objects.get(pk=created.json()["id"]).name == "CS Toko Hero"


def test_every_inbox_level_problem_at_once_and_nothing_written(
    api_as: Callable[..., Any],
    owner: User,
    outsider: User,
    workspace: Workspace,
    channel: tuple[str, dict[str, Any]],
) -> None:
    url, valid = channel
    api = api_as(owner, workspace)
    bad = api.post(
        url, {**valid, "name": "x" * 121, "assignment_capacity": 1001, "member_ids": [outsider.pk]}, **EN
    )
    assert bad.status_code == 400
    assert bad.json()["fields"] == {
        "name": "Use at most 120 characters.",
        "assignment_capacity": "Enter a whole number from 0 to 1000.",
        "member_ids": "Choose members of this workspace.",
    }
    empty = api.post(url, {**valid, "name": " ", "assignment_capacity": -1}, **EN)
    assert empty.status_code == 400
    assert set(empty.json()["fields"]) >= {"name", "assignment_capacity"}
    assert not Inbox.objects.exists()
    assert not AuditLog.objects.filter(object_type="conversations.inbox").exists()


def test_changes_are_audited_alike_and_an_empty_change_is_not(
    api_as: Callable[..., Any], owner: User, workspace: Workspace, channel: tuple[str, dict[str, Any]]
) -> None:
    url, valid = channel
    api = api_as(owner, workspace)
    inbox_id = api.post(url, {**valid, "name": "CS"}, **EN).json()["id"]
    entries = AuditLog.objects.filter(object_type="conversations.inbox", object_id=str(inbox_id))
    created = entries.get()
    assert created.action == AuditAction.CREATE
    assert created.changes["name"] == "CS"
    assert created.changes["member_ids"] == []

    changed = api.patch(
        f"{url}/{inbox_id}", {"is_active": False, "assignment_capacity": 4, "member_ids": [owner.pk]}, **EN
    )
    assert changed.status_code == 200
    assert (changed.json()["is_active"], changed.json()["member_ids"]) == (False, [owner.pk])
    update = entries.latest("id")
    assert update.action == AuditAction.UPDATE
    assert update.changes == {
        "is_active": [True, False],
        "assignment_capacity": [0, 4],
        "member_ids": [[], [owner.pk]],
    }

    again = api.patch(f"{url}/{inbox_id}", {"is_active": False, "member_ids": [owner.pk]}, **EN)
    assert again.status_code == 200
    assert entries.count() == 2
