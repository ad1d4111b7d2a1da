"""API: ``/api/v1/webchat-inboxes`` — web-chat inboxes with their widget (list, get, create,
change). Reading needs ``conversations.view``, writing ``inboxes.manage``. The same inboxes
also appear in ``/api/v1/inboxes`` with a ``webchat`` block."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Status

from relasi.accounts.api_access import ErrorOut, api_access
from relasi.accounts.models import Workspace
from relasi.accounts.permissions import Perm
from relasi.channels.webchat import selectors, services
from relasi.channels.webchat.schemas import WebChatOut
from relasi.conversations.api import (
    InboxSettingsIn,
    InboxSettingsOut,
    inbox_api_create,
    inbox_api_update,
    inbox_found,
)
from relasi.conversations.models import Inbox

webchat_inboxes_router = Router()


class WebChatInboxOut(InboxSettingsOut):
    webchat: WebChatOut

    @staticmethod
    def resolve_webchat(obj: Inbox) -> dict[str, Any]:
        return selectors.widget_summary(obj.webchat_widget)


class WebChatInboxIn(InboxSettingsIn):
    """A web-chat inbox. On create ``name`` and ``website_name`` are required; on patch send
    only what changes."""

    website_name: str | None = Field(None, description="Shown to visitors at the top of the chat.")
    allowed_origins: list[str] | None = Field(
        None, description="Websites that may embed the widget, e.g. https://toko.example; [] = any."
    )
    welcome_text: str | None = None
    color: str | None = Field(None, description="#rrggbb")
    prechat_contact: str | None = Field(None, description="either, whatsapp, email or both")
    offline_text: str | None = None


def _inbox_or_404(workspace: Workspace, inbox_id: int) -> Inbox:
    return inbox_found(selectors.webchat_inbox_get(workspace=workspace, inbox_id=inbox_id))


@webchat_inboxes_router.get("", response=list[WebChatInboxOut], summary="List web-chat inboxes")
def webchat_inbox_list_api(request: HttpRequest) -> list[Inbox]:
    workspace, _user = api_access(request, Perm.CONVERSATIONS_VIEW)
    return list(selectors.webchat_inbox_list(workspace=workspace))


@webchat_inboxes_router.get("/{int:inbox_id}", response={200: WebChatInboxOut, 404: ErrorOut})
def webchat_inbox_get_api(request: HttpRequest, inbox_id: int) -> Inbox:
    workspace, _user = api_access(request, Perm.CONVERSATIONS_VIEW)
    return _inbox_or_404(workspace, inbox_id)


@webchat_inboxes_router.post("", response={201: WebChatInboxOut, 400: ErrorOut, 403: ErrorOut})
def webchat_inbox_create_api(request: HttpRequest, payload: WebChatInboxIn) -> Status[Inbox]:
    return inbox_api_create(request, payload, create=services.webchat_inbox_create, get=_inbox_or_404)


@webchat_inboxes_router.patch(
    "/{int:inbox_id}", response={200: WebChatInboxOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut}
)
def webchat_inbox_update_api(request: HttpRequest, inbox_id: int, payload: WebChatInboxIn) -> Inbox:
    return inbox_api_update(
        request, inbox_id, payload, update=services.webchat_inbox_update, get=_inbox_or_404
    )
