"""API: /api/v1/whatsapp-templates (list; ``POST /sync`` fetches them from Meta)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from relasi.accounts.api_access import ErrorOut, api_access
from relasi.accounts.permissions import Perm
from relasi.channels.whatsapp.templates_sync import (
    templates_sync,
    whatsapp_account_get,
    whatsapp_template_list,
)
from relasi.core.pagination import paginate_keyset

templates_router = Router()

MAX_LIMIT = 200


class TemplateOut(Schema):
    id: int
    inbox_id: int
    name: str
    language: str
    category: str
    status: str
    components: list[dict[str, Any]]
    synced_at: dt.datetime

    @staticmethod
    def resolve_inbox_id(obj: Any) -> int:
        return int(obj.account.inbox_id)


class TemplatePage(Schema):
    items: list[TemplateOut]
    next: str | None


class SyncIn(Schema):
    inbox: int


class SyncOut(Schema):
    synced: int


@templates_router.get("", response={200: TemplatePage, 403: ErrorOut})
def template_list_api(
    request: HttpRequest,
    inbox: int | None = None,
    status: str = "",
    cursor: str | None = None,
    limit: int = 50,
) -> dict[str, Any]:
    workspace, _user = api_access(request, Perm.CONVERSATIONS_VIEW)
    page = paginate_keyset(
        whatsapp_template_list(workspace=workspace, inbox_id=inbox, status=status),
        cursor=cursor,
        limit=min(max(limit, 1), MAX_LIMIT),
    )
    return {"items": page.items, "next": page.next_cursor}


@templates_router.post("/sync", response={200: SyncOut, 403: ErrorOut, 404: ErrorOut, 502: ErrorOut})
def template_sync_api(request: HttpRequest, payload: SyncIn) -> dict[str, int]:
    workspace, _user = api_access(request, Perm.INBOXES_MANAGE)
    account = whatsapp_account_get(workspace=workspace, inbox_id=payload.inbox)
    return {"synced": templates_sync(account=account)}
