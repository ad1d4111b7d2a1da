"""API: /api/v1/email-inboxes — create and change e-mail inboxes, test their connection, make
a new webhook secret. Reading them is ``GET /api/v1/inboxes`` (the ``email`` part of an inbox).

Passwords are write-only; the webhook secret is returned only when it is made (on create and
by ``POST /{id}/webhook-secret``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from relasi.accounts.api_access import ErrorOut, api_access
from relasi.accounts.models import Workspace
from relasi.accounts.permissions import Perm
from relasi.channels.email import services
from relasi.channels.email.selectors import email_inbox_get
from relasi.conversations.api import (
    InboxOut,
    InboxSettingsIn,
    inbox_api_create,
    inbox_api_update,
    inbox_found,
)
from relasi.conversations.models import Inbox

email_inboxes_router = Router()


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


class EmailInboxIn(InboxSettingsIn):
    """An e-mail inbox. On create ``name``, ``address`` and ``smtp_host`` are required, with
    ``imap_host`` and a password while IMAP is on (the default); on patch send only what
    changes. ``imap_password`` defaults to ``smtp_password``."""

    address: str | None = None
    display_name: str | None = None
    smtp_host: str | None = None
    smtp_port: int | None = None
    smtp_security: str | None = Field(None, description="starttls, ssl or none")
    smtp_username: str | None = None
    smtp_password: str | None = Field(None, description="Write-only; never returned.")
    imap_enabled: bool | None = None
    imap_host: str | None = None
    imap_port: int | None = None
    imap_ssl: bool | None = None
    imap_username: str | None = None
    imap_password: str | None = Field(None, description="Write-only; never returned.")
    imap_folder: str | None = None


class EmailInboxCreatedOut(InboxOut):
    webhook_secret: str = Field(description="Shown once: keep it for the mail relay.")

    @staticmethod
    def resolve_webhook_secret(obj: Inbox) -> str:
        return str(obj.email_account.webhook_secret)


class ConnectionPartOut(Schema):
    ok: bool
    detail: str
    code: int | None = None
    messages: int | None = None


class ConnectionTestOut(Schema):
    ok: bool
    smtp: ConnectionPartOut
    imap: ConnectionPartOut | None


class WebhookSecretOut(Schema):
    webhook_url: str
    webhook_secret: str


def _inbox_or_404(workspace: Workspace, inbox_id: int) -> Inbox:
    return inbox_found(email_inbox_get(workspace=workspace, inbox_id=inbox_id))


@email_inboxes_router.post(
    "", response={201: EmailInboxCreatedOut, 400: ErrorOut, 403: ErrorOut}, summary="Create an e-mail inbox"
)
def email_inbox_create_api(request: HttpRequest, payload: EmailInboxIn) -> Status[Inbox]:
    return inbox_api_create(request, payload, create=services.inbox_email_create, get=_inbox_or_404)


@email_inboxes_router.patch(
    "/{int:inbox_id}",
    response={200: InboxOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Change an e-mail inbox",
)
def email_inbox_update_api(request: HttpRequest, inbox_id: int, payload: EmailInboxIn) -> Inbox:
    return inbox_api_update(request, inbox_id, payload, update=services.inbox_email_update, get=_inbox_or_404)


@email_inboxes_router.post(
    "/{int:inbox_id}/test",
    response={200: ConnectionTestOut, 403: ErrorOut, 404: ErrorOut},
    summary="Log in to the inbox's SMTP and IMAP servers",
)
def email_inbox_test_api(request: HttpRequest, inbox_id: int) -> dict[str, Any]:
    workspace, _user = api_access(request, Perm.INBOXES_MANAGE)
    return services.email_connection_test(inbox=_inbox_or_404(workspace, inbox_id))


@email_inboxes_router.post(
    "/{int:inbox_id}/webhook-secret",
    response={200: WebhookSecretOut, 403: ErrorOut, 404: ErrorOut},
    summary="Make a new webhook secret (the old one stops working)",
)
def email_inbox_secret_api(request: HttpRequest, inbox_id: int) -> dict[str, str]:
    workspace, user = api_access(request, Perm.INBOXES_MANAGE)
    inbox = _inbox_or_404(workspace, inbox_id)
    secret = services.email_webhook_secret_rotate(inbox=inbox, actor=user, ip_address=_ip(request))
    return {"webhook_url": services.webhook_url(inbox), "webhook_secret": secret}
