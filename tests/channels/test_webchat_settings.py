"""Setting up a web-chat inbox in the UI and over the API: permissions, the embed snippet and
live preview, and workspace isolation (a widget's token and an inbox id never reach another
workspace)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.channels.webchat.models import WebChatWidget
from relasi.channels.webchat.services import visitor_message_receive
from relasi.conversations.models import Conversation, Inbox
from relasi.core.models import AuditLog
from tests.channels.test_webchat_common import make_visitor, make_widget

pytestmark = pytest.mark.django_db
BASE = "/w/hero/pengaturan/kotak-masuk/"


def _form(**overrides: Any) -> dict[str, Any]:
    data = {
        "name": "Chat website",
        "website_name": "Toko Hero",
        "allowed_origins": "https://toko-hero.example\nhttps://*.toko-hero.example",
        "color": "#1f6feb",
        "welcome_text": "Halo! Ada yang bisa kami bantu?",
        "offline_text": "",
        "prechat_contact": "either",
        "assignment_capacity": "0",
        "auto_assign": "on",
        "is_active": "on",
    }
    data.update(overrides)
    return data


# Pages ------------------------------------------------------------------------------------


def test_create_from_the_inbox_list_then_the_snippet_and_preview(
    client_as: Callable[[User], Client], owner: User, workspace: Workspace
) -> None:
    client = client_as(owner)
    listing = client.get(BASE).content.decode()
    assert f'href="{BASE}webchat/baru/"' in listing
    response = client.post(BASE + "webchat/baru/", _form(member_ids=[str(owner.pk)]))
    assert response.status_code == 302
    inbox = Inbox.objects.get(workspace=workspace)
    widget = inbox.webchat_widget
    assert response["Location"] == f"{BASE}webchat/{inbox.pk}/"
    assert (inbox.name, inbox.channel_type, widget.website_name) == ("Chat website", "webchat", "Toko Hero")
    assert widget.allowed_origins == ["https://toko-hero.example", "https://*.toko-hero.example"]
    assert list(inbox.members.all()) == [owner]
    edit = client.get(f"{BASE}webchat/{inbox.pk}/").content.decode()
    assert f"http://127.0.0.1:8000/widget/{widget.public_token}.js" in edit  # RELASI_BASE_URL
    assert "&lt;script src=" in edit
    assert f'href="{BASE}webchat/{inbox.pk}/pratinjau/"' in edit
    preview = client.get(f"{BASE}webchat/{inbox.pk}/pratinjau/").content.decode()
    assert f'<script src="http://testserver/widget/{widget.public_token}.js" async></script>' in preview
    # The list links the inbox to its page.
    assert f'href="{BASE}webchat/{inbox.pk}/"' in client.get(BASE).content.decode()


def test_edit_keeps_the_token_and_reports_bad_fields(
    client_as: Callable[[User], Client], owner: User, workspace: Workspace
) -> None:
    owner.language = "en"
    owner.save()
    widget = make_widget(workspace)
    token = widget.public_token
    client = client_as(owner)
    bad = client.post(f"{BASE}webchat/{widget.inbox_id}/", _form(allowed_origins="toko-hero"))
    assert bad.status_code == 400
    html = bad.content.decode()
    assert 'id="id_allowed_origins_error"' in html
    assert "&#x27;toko-hero&#x27; is not a website address" in html
    nameless = client.post(f"{BASE}webchat/{widget.inbox_id}/", _form(website_name=""))
    assert nameless.status_code == 400
    assert 'id="id_website_name_error"' in nameless.content.decode()
    ok = client.post(f"{BASE}webchat/{widget.inbox_id}/", _form(prechat_contact="both", allowed_origins=""))
    assert ok.status_code == 302
    widget.refresh_from_db()
    assert (widget.public_token, widget.prechat_contact, widget.allowed_origins) == (token, "both", [])
    assert AuditLog.objects.filter(workspace=workspace, object_type="conversations.inbox").exists()


def test_agents_may_not_set_up_web_chats(
    client_as: Callable[[User], Client], workspace: Workspace, make_member: Callable[..., User]
) -> None:
    widget = make_widget(workspace)
    agent = client_as(make_member(workspace, Role.AGENT))
    assert agent.post(BASE + "webchat/baru/", _form(name="Lain")).status_code == 403
    assert agent.get(f"{BASE}webchat/{widget.inbox_id}/").status_code == 403
    assert agent.get(f"{BASE}webchat/{widget.inbox_id}/pratinjau/").status_code == 403
    assert Inbox.objects.count() == 1


def test_another_workspaces_web_chat_is_404(
    client_as: Callable[[User], Client], owner: User, other_workspace: Workspace
) -> None:
    theirs = make_widget(other_workspace)
    client = client_as(owner)
    assert client.get(f"{BASE}webchat/{theirs.inbox_id}/").status_code == 404
    assert client.post(f"{BASE}webchat/{theirs.inbox_id}/", _form()).status_code == 404
    assert client.get(f"{BASE}webchat/{theirs.inbox_id}/pratinjau/").status_code == 404


# API --------------------------------------------------------------------------------------


def test_api_create_change_and_read(api_as: Callable[..., Any], owner: User, workspace: Workspace) -> None:
    api = api_as(owner, workspace)
    created = api.post(
        "/api/v1/webchat-inboxes",
        {
            "name": "Chat website",
            "website_name": "Toko Hero",
            "allowed_origins": ["https://toko-hero.example/"],
            "prechat_contact": "whatsapp",
            "member_ids": [owner.pk],
        },
    )
    assert created.status_code == 201, created.content
    data = created.json()
    token = data["webchat"]["public_token"]
    assert data["channel_type"] == "webchat"
    assert data["member_ids"] == [owner.pk]
    assert data["webchat"]["allowed_origins"] == ["https://toko-hero.example"]
    assert data["webchat"]["prechat_contact"] == "whatsapp"
    assert (
        data["webchat"]["embed_code"]
        == f'<script src="http://127.0.0.1:8000/widget/{token}.js" async></script>'
    )
    changed = api.patch(f"/api/v1/webchat-inboxes/{data['id']}", {"color": "#AA3300", "is_active": False})
    assert changed.status_code == 200
    assert (changed.json()["webchat"]["color"], changed.json()["is_active"]) == ("#aa3300", False)
    assert changed.json()["webchat"]["public_token"] == token
    listed = api.get("/api/v1/webchat-inboxes").json()
    assert [i["id"] for i in listed] == [data["id"]]
    # The general inbox list carries the same block.
    general = api.get("/api/v1/inboxes").json()
    assert [i["webchat"]["public_token"] for i in general if i["id"] == data["id"]] == [token]


def test_api_errors_and_permissions(
    api_as: Callable[..., Any], owner: User, workspace: Workspace, make_member: Callable[..., User]
) -> None:
    bad = api_as(owner, workspace).post(
        "/api/v1/webchat-inboxes",
        {"name": "", "website_name": "Toko", "color": "merah"},
        **{"Accept-Language": "en"},
    )
    assert bad.status_code == 400
    assert set(bad.json()["fields"]) == {"name", "color"}
    agent = make_member(workspace, Role.AGENT)
    denied = api_as(agent, workspace).post("/api/v1/webchat-inboxes", {"name": "X", "website_name": "X"})
    assert denied.status_code == 403
    widget = make_widget(workspace)
    assert (
        api_as(agent, workspace)
        .patch(f"/api/v1/webchat-inboxes/{widget.inbox_id}", {"name": "Y"})
        .status_code
        == 403
    )
    assert api_as(agent, workspace).get(f"/api/v1/webchat-inboxes/{widget.inbox_id}").status_code == 200
    assert Inbox.objects.filter(workspace=workspace).count() == 1


def test_api_workspace_isolation(
    api_as: Callable[..., Any], owner: User, workspace: Workspace, other_workspace: Workspace
) -> None:
    theirs = make_widget(other_workspace, name="Chat mereka")
    api = api_as(owner, workspace)
    assert api.get(f"/api/v1/webchat-inboxes/{theirs.inbox_id}").status_code == 404
    assert api.patch(f"/api/v1/webchat-inboxes/{theirs.inbox_id}", {"name": "Diambil"}).status_code == 404
    assert api.get("/api/v1/webchat-inboxes").json() == []
    theirs.inbox.refresh_from_db()
    assert theirs.inbox.name == "Chat mereka"


def test_a_widget_token_only_ever_reaches_its_own_workspace(
    workspace: Workspace, other_workspace: Workspace
) -> None:
    ours = make_widget(workspace)
    theirs = make_widget(other_workspace)
    visitor = make_visitor(theirs)
    assert visitor.workspace == other_workspace
    assert visitor.identity.workspace == other_workspace
    message, _c = visitor_message_receive(visitor=visitor, client_id=str(uuid.uuid4()), body="Halo")
    conversation = Conversation.objects.get(pk=message.conversation_id)
    assert (conversation.workspace, conversation.inbox) == (other_workspace, theirs.inbox)
    assert not Conversation.objects.filter(workspace=workspace).exists()
    assert WebChatWidget.objects.get(public_token=ours.public_token).workspace == workspace
