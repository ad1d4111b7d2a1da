"""/api/v1/inboxes, /conversations, /quick-replies."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.conversations.enums import ConversationStatus, DeliveryStatus, MessageDirection, MessageKind
from relasi.conversations.models import Inbox, Label, Message, QuickReply
from tests.conversations import make_conversation, make_inbox, make_message

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}


def test_inbox_create_and_patch_never_return_secrets(
    api_as: Callable[..., Any], owner: User, workspace: Workspace
) -> None:
    api = api_as(owner, workspace)
    body = {
        "name": "CS WA",
        "phone_number_id": "106540352242922",
        "business_account_id": "102290129340398",
        "access_token": "EAAG-rahasia",
        "app_secret": "sekret-app",
    }
    created = api.post("/api/v1/inboxes", body)
    assert created.status_code == 201, created.content
    text = created.content.decode()
    assert "EAAG-rahasia" not in text
    assert "sekret-app" not in text
    data = created.json()
    assert data["whatsapp"]["access_token_saved"] is True
    inbox_id = data["id"]
    patched = api.patch(
        f"/api/v1/inboxes/{inbox_id}", {"access_token": "EAAG-baru", "assignment_capacity": 2}
    )
    assert patched.status_code == 200
    assert "EAAG-baru" not in patched.content.decode()
    assert Inbox.objects.get().whatsapp_account.access_token == "EAAG-baru"
    for response in (api.get("/api/v1/inboxes"), api.get(f"/api/v1/inboxes/{inbox_id}")):
        assert response.status_code == 200
        assert "EAAG" not in response.content.decode()


def test_inbox_bad_input_and_permission(
    api_as: Callable[..., Any], owner: User, workspace: Workspace, make_member: Callable[..., User]
) -> None:
    bad = api_as(owner, workspace).post("/api/v1/inboxes", {"name": "X", "phone_number_id": "abc"}, **EN)
    assert bad.status_code == 400
    assert {"phone_number_id", "business_account_id", "access_token", "app_secret"} <= set(
        bad.json()["fields"]
    )
    agent = make_member(workspace, Role.AGENT)
    denied = api_as(agent, workspace).post("/api/v1/inboxes", {"name": "X"})
    assert denied.status_code == 403
    assert not Inbox.objects.exists()


def test_conversation_list_pages_and_query_count(
    api_as: Callable[..., Any], owner: User, workspace: Workspace
) -> None:
    inbox = make_inbox(workspace)
    label = Label.objects.create(workspace=workspace, name="VIP")
    base = timezone.now()
    for i in range(30):
        conv = make_conversation(inbox, at=base - dt.timedelta(minutes=i))
        conv.labels.add(label)
        make_message(conv, f"pesan {i}")
    api = api_as(owner, workspace)
    api.get("/api/v1/quick-replies")  # the token's first use writes its last-used time
    with CaptureQueriesContext(connection) as ctx:
        first = api.get("/api/v1/conversations", {"limit": 20})
    assert first.status_code == 200
    data = first.json()
    assert len(data["items"]) == 20
    assert data["next"]
    assert data["items"][0]["last_message"] == "pesan 0"
    assert data["items"][0]["labels"][0]["name"] == "VIP"
    page_queries = len(ctx.captured_queries)
    with CaptureQueriesContext(connection) as ctx:
        second = api.get("/api/v1/conversations", {"limit": 20, "cursor": data["next"]})
    assert len(second.json()["items"]) == 10
    assert second.json()["next"] is None
    assert len(ctx.captured_queries) == page_queries  # same count whatever the page size
    assert page_queries <= 4  # token, rows, labels (+ membership)
    assert api.get("/api/v1/conversations", {"cursor": "rubbish"}).status_code == 400


def test_conversation_actions(
    api_as: Callable[..., Any], owner: User, workspace: Workspace, outsider: User
) -> None:
    conv = make_conversation(make_inbox(workspace))
    api = api_as(owner, workspace)
    url = f"/api/v1/conversations/{conv.pk}"
    assert api.post(url + "/assign", {"assignee_id": owner.pk}).json()["assignee_id"] == owner.pk
    refused = api.post(url + "/assign", {"assignee_id": outsider.pk})
    assert refused.status_code == 400
    assert "assignee_id" in refused.json()["fields"]
    Label.objects.create(workspace=workspace, name="VIP")
    assert [lb["name"] for lb in api.post(url + "/labels", {"labels": ["vip"]}).json()["labels"]] == ["VIP"]
    past = api.post(url + "/snooze", {"until": "2020-01-01T09:00:00+07:00"})
    assert past.status_code == 400
    assert "until" in past.json()["fields"]
    until = (timezone.now() + dt.timedelta(hours=2)).isoformat()
    assert api.post(url + "/snooze", {"until": until}).json()["status"] == ConversationStatus.SNOOZED
    assert api.post(url + "/resolve").json()["status"] == ConversationStatus.RESOLVED
    assert api.post(url + "/reopen").json()["status"] == ConversationStatus.OPEN
    assert api.get(url).json()["assignee_id"] == owner.pk


def test_messages_read_note_and_send(api_as: Callable[..., Any], owner: User, workspace: Workspace) -> None:
    conv = make_conversation(make_inbox(workspace))
    msgs = [make_message(conv, f"m{i}") for i in range(5)]
    api = api_as(owner, workspace)
    url = f"/api/v1/conversations/{conv.pk}/messages"
    page = api.get(url, {"limit": 3}).json()
    assert [m["body"] for m in page["items"]] == ["m0", "m1", "m2"]
    assert [m["body"] for m in api.get(url, {"limit": 3, "cursor": page["next"]}).json()["items"]] == [
        "m3",
        "m4",
    ]
    newest = api.get(url, {"limit": 2, "before": "latest"}).json()
    assert [m["body"] for m in newest["items"]] == ["m4", "m3"]
    assert [m["body"] for m in api.get(url, {"limit": 2, "before": newest["next"]}).json()["items"]] == [
        "m2",
        "m1",
    ]
    note = api.post(url, {"kind": "text", "body": "catatan", "private": True})
    assert note.status_code == 201
    assert note.json()["kind"] == MessageKind.NOTE
    sent = api.post(url, {"kind": "text", "body": "Siap kak"})
    assert sent.status_code == 201, sent.content
    stored = Message.objects.get(pk=sent.json()["id"])
    assert stored.status == DeliveryStatus.QUEUED
    assert stored.direction == MessageDirection.OUTBOUND
    assert len(msgs) == 5


def test_send_outside_the_window_is_refused(
    api_as: Callable[..., Any], owner: User, workspace: Workspace
) -> None:
    conv = make_conversation(make_inbox(workspace), at=timezone.now() - dt.timedelta(hours=25))
    response = api_as(owner, workspace).post(
        f"/api/v1/conversations/{conv.pk}/messages", {"kind": "text", "body": "x"}
    )
    assert response.status_code == 409
    assert not Message.objects.filter(conversation=conv).exists()


def test_viewer_reads_but_cannot_act(
    api_as: Callable[..., Any], workspace: Workspace, make_member: Callable[..., User]
) -> None:
    viewer = make_member(workspace, Role.VIEWER)
    conv = make_conversation(make_inbox(workspace))
    api = api_as(viewer, workspace)
    assert api.get(f"/api/v1/conversations/{conv.pk}").status_code == 200
    assert api.post(f"/api/v1/conversations/{conv.pk}/resolve").status_code == 403
    assert (
        api.post(f"/api/v1/conversations/{conv.pk}/messages", {"body": "x", "private": True}).status_code
        == 403
    )
    assert not Message.objects.exists()


def test_workspace_isolation(
    api_as: Callable[..., Any], owner: User, workspace: Workspace, other_workspace: Workspace
) -> None:
    inbox = make_inbox(other_workspace)
    conv = make_conversation(inbox)
    api = api_as(owner, workspace)
    assert api.get(f"/api/v1/inboxes/{inbox.pk}").status_code == 404
    assert api.patch(f"/api/v1/inboxes/{inbox.pk}", {"name": "x"}).status_code == 404
    assert api.get(f"/api/v1/conversations/{conv.pk}").status_code == 404
    assert api.post(f"/api/v1/conversations/{conv.pk}/resolve").status_code == 404
    assert api.get(f"/api/v1/conversations/{conv.pk}/messages").status_code == 404
    assert api.get("/api/v1/conversations").json()["items"] == []
    conv.refresh_from_db()
    assert conv.status == ConversationStatus.OPEN


def test_quick_replies_crud(api_as: Callable[..., Any], owner: User, workspace: Workspace) -> None:
    api = api_as(owner, workspace)
    created = api.post("/api/v1/quick-replies", {"shortcut": "salam", "body": "Halo {{name}}"})
    assert created.status_code == 201
    qid = created.json()["id"]
    assert api.post("/api/v1/quick-replies", {"shortcut": "salam", "body": "x"}).status_code == 400
    assert api.patch(f"/api/v1/quick-replies/{qid}", {"body": "Hai"}).json()["body"] == "Hai"
    assert [q["shortcut"] for q in api.get("/api/v1/quick-replies").json()] == ["salam"]
    assert api.delete(f"/api/v1/quick-replies/{qid}").status_code == 204
    assert not QuickReply.objects.exists()
