"""API: /api/v1/inboxes, /conversations, /quick-replies.

Thin endpoints over the services and selectors. Inbox secrets (access token, app secret) are
write-only: accepted on create/patch, never returned. Lists are cursor-paginated."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from relasi.accounts.api_access import ErrorOut, api_access
from relasi.accounts.models import Workspace
from relasi.accounts.permissions import Perm
from relasi.channels.webchat.schemas import WebChatOut
from relasi.conversations import selectors, services
from relasi.conversations.enums import MessageKind
from relasi.conversations.inbox_settings import InboxCreate, InboxUpdate
from relasi.conversations.models import Conversation, Inbox, Message, QuickReply
from relasi.core.exceptions import NotFound, ValidationError
from relasi.core.pagination import decode_cursor, encode_cursor

inboxes_router = Router()
conversations_router = Router()
quick_replies_router = Router()

MAX_LIMIT = 200


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


# Inboxes --------------------------------------------------------------------------------


class WhatsAppOut(Schema):
    phone_number_id: str
    business_account_id: str
    display_phone_number: str
    api_base_url: str
    messages_per_second: int
    recipient_spacing_seconds: int
    access_token_saved: bool
    app_secret_saved: bool


class EmailOut(Schema):
    """An e-mail inbox's mailbox (``channels/email``); passwords and the webhook secret are
    write-only: only whether they are saved is shown."""

    address: str
    display_name: str
    smtp_host: str
    smtp_port: int
    smtp_security: str
    smtp_username: str
    smtp_password_saved: bool
    imap_enabled: bool
    imap_host: str
    imap_port: int
    imap_ssl: bool
    imap_username: str
    imap_folder: str
    imap_password_saved: bool
    webhook_url: str
    last_polled_at: dt.datetime | None
    last_poll_error: str


class InboxSettingsOut(Schema):
    """What every inbox shows, whatever its channel (a channel's output adds its block)."""

    id: int
    name: str
    channel_type: str
    is_active: bool
    auto_assign: bool
    assignment_capacity: int
    member_ids: list[int]

    @staticmethod
    def resolve_member_ids(obj: Inbox) -> list[int]:
        return sorted(u.pk for u in obj.members.all())


class InboxOut(InboxSettingsOut):
    whatsapp: WhatsAppOut | None
    email: EmailOut | None = None
    webchat: WebChatOut | None = None

    @staticmethod
    def resolve_whatsapp(obj: Inbox) -> dict[str, Any] | None:
        account = getattr(obj, "whatsapp_account", None)
        if account is None:
            return None
        return {
            "phone_number_id": account.phone_number_id,
            "business_account_id": account.business_account_id,
            "display_phone_number": account.display_phone_number,
            "api_base_url": account.api_base_url,
            "messages_per_second": account.messages_per_second,
            "recipient_spacing_seconds": account.recipient_spacing_seconds,
            "access_token_saved": bool(account.access_token),
            "app_secret_saved": bool(account.app_secret),
        }

    @staticmethod
    def resolve_email(obj: Inbox) -> dict[str, Any] | None:
        from relasi.channels.email.services import email_account_out

        account = getattr(obj, "email_account", None)
        return email_account_out(account) if account is not None else None

    @staticmethod
    def resolve_webchat(obj: Inbox) -> dict[str, Any] | None:
        from relasi.channels.webchat.selectors import widget_summary

        widget = getattr(obj, "webchat_widget", None)
        return widget_summary(widget) if widget is not None else None


class InboxSettingsIn(Schema):
    """What every inbox has, whatever its channel (a channel's input adds its own fields)."""

    name: str | None = None
    member_ids: list[int] | None = None
    auto_assign: bool | None = None
    assignment_capacity: int | None = None
    is_active: bool | None = None


class InboxIn(InboxSettingsIn):
    """A WhatsApp inbox. On create ``name``, ``phone_number_id``, ``business_account_id``,
    ``access_token`` and ``app_secret`` are required; on patch send only what changes."""

    phone_number_id: str | None = None
    business_account_id: str | None = None
    display_phone_number: str | None = None
    access_token: str | None = Field(None, description="Write-only; never returned.")
    app_secret: str | None = Field(None, description="Write-only; never returned.")
    verify_token: str | None = None
    api_base_url: str | None = None
    messages_per_second: int | None = None
    recipient_spacing_seconds: int | None = None


def inbox_found(inbox: Inbox | None) -> Inbox:
    """``inbox``, or 404 when a selector found none (not in this workspace, another channel)."""
    if inbox is None:
        raise NotFound(_("Inbox not found."), code="not_found")
    return inbox


def inbox_api_create(
    request: HttpRequest,
    payload: InboxSettingsIn,
    *,
    create: InboxCreate,
    get: Callable[[Workspace, int], Inbox],
) -> Status[Inbox]:
    """``POST`` of a channel's inboxes: its create service with the fields sent, then the
    inbox as ``get`` reads it, with 201."""
    workspace, user = api_access(request, Perm.INBOXES_MANAGE)
    inbox = create(
        workspace=workspace,
        actor=user,
        values=payload.model_dump(exclude_unset=True),
        ip_address=_ip(request),
    )
    return Status(201, get(workspace, inbox.pk))


def inbox_api_update(
    request: HttpRequest,
    inbox_id: int,
    payload: InboxSettingsIn,
    *,
    update: InboxUpdate,
    get: Callable[[Workspace, int], Inbox],
) -> Inbox:
    """``PATCH`` of a channel's inbox (``get``: the inbox or an error): its update service with
    only the fields sent; returns the inbox as ``get`` reads it."""
    workspace, user = api_access(request, Perm.INBOXES_MANAGE)
    update(
        inbox=get(workspace, inbox_id),
        actor=user,
        values=payload.model_dump(exclude_unset=True),
        ip_address=_ip(request),
    )
    return get(workspace, inbox_id)


def _inbox_or_404(workspace: Workspace, inbox_id: int) -> Inbox:
    return inbox_found(selectors.inbox_get(workspace=workspace, inbox_id=inbox_id))


def _whatsapp_inbox(workspace: Workspace, inbox_id: int) -> Inbox:
    inbox = _inbox_or_404(workspace, inbox_id)
    if not hasattr(inbox, "whatsapp_account"):
        raise ValidationError(_("Only WhatsApp inboxes can be changed here."))
    return inbox


@inboxes_router.get("", response=list[InboxOut], summary="List inboxes")
def inbox_list_api(request: HttpRequest) -> list[Inbox]:
    workspace, _user = api_access(request, Perm.CONVERSATIONS_VIEW)
    return list(selectors.inbox_list(workspace=workspace).prefetch_related("members"))


@inboxes_router.get("/{int:inbox_id}", response={200: InboxOut, 404: ErrorOut})
def inbox_get_api(request: HttpRequest, inbox_id: int) -> Inbox:
    workspace, _user = api_access(request, Perm.CONVERSATIONS_VIEW)
    return _inbox_or_404(workspace, inbox_id)


@inboxes_router.post("", response={201: InboxOut, 400: ErrorOut, 403: ErrorOut})
def inbox_create_api(request: HttpRequest, payload: InboxIn) -> Status[Inbox]:
    return inbox_api_create(request, payload, create=services.inbox_whatsapp_create, get=_inbox_or_404)


@inboxes_router.patch(
    "/{int:inbox_id}", response={200: InboxOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut}
)
def inbox_update_api(request: HttpRequest, inbox_id: int, payload: InboxIn) -> Inbox:
    return inbox_api_update(
        request, inbox_id, payload, update=services.inbox_whatsapp_update, get=_whatsapp_inbox
    )


# Conversations --------------------------------------------------------------------------


class LabelOut(Schema):
    id: int
    name: str
    color: str


class ConversationOut(Schema):
    id: int
    inbox_id: int
    contact_id: int
    contact_name: str
    status: str
    assignee_id: int | None
    team_id: int | None
    labels: list[LabelOut]
    unread_count: int
    snoozed_until: dt.datetime | None
    last_message_at: dt.datetime | None
    last_inbound_at: dt.datetime | None
    last_message: str | None = None

    @staticmethod
    def resolve_contact_name(obj: Conversation) -> str:
        return obj.contact.full_name

    @staticmethod
    def resolve_labels(obj: Conversation) -> list[Any]:
        return list(obj.labels.all())

    @staticmethod
    def resolve_last_message(obj: Conversation) -> str | None:
        return getattr(obj, "last_body", None)


class ConversationPageOut(Schema):
    items: list[ConversationOut]
    next: str | None


class ConversationQuery(Schema):
    view: str = Field("all", description="mine, unassigned or all")
    status: str = ""
    inbox_id: int | None = None
    label_id: int | None = None
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=MAX_LIMIT)


def _conversation_or_404(workspace: Workspace, conversation_id: int) -> Conversation:
    conversation = selectors.conversation_get(workspace=workspace, conversation_id=conversation_id)
    if conversation is None:
        raise NotFound(_("Conversation not found."), code="not_found")
    return conversation


@conversations_router.get(
    "", response={200: ConversationPageOut, 400: ErrorOut}, summary="List conversations"
)
def conversation_list_api(request: HttpRequest, query: Query[ConversationQuery]) -> dict[str, Any]:
    workspace, user = api_access(request, Perm.CONVERSATIONS_VIEW)
    if query.view not in selectors.VIEWS:
        raise ValidationError(_("Unknown view."), fields={"view": _("Use mine, unassigned or all.")})
    page = selectors.conversation_list(
        workspace=workspace,
        user=user,
        view=query.view,
        status=query.status,
        inbox_id=query.inbox_id,
        label_id=query.label_id,
        cursor=query.cursor,
        limit=query.limit,
    )
    return {"items": page.items, "next": page.next_cursor}


@conversations_router.get("/{int:conversation_id}", response={200: ConversationOut, 404: ErrorOut})
def conversation_get_api(request: HttpRequest, conversation_id: int) -> Conversation:
    workspace, _user = api_access(request, Perm.CONVERSATIONS_VIEW)
    return _conversation_or_404(workspace, conversation_id)


class AssignIn(Schema):
    assignee_id: int | None = None
    team_id: int | None = None


@conversations_router.post(
    "/{int:conversation_id}/assign",
    response={200: ConversationOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def conversation_assign_api(request: HttpRequest, conversation_id: int, payload: AssignIn) -> Conversation:
    workspace, user = api_access(request, Perm.CONVERSATIONS_REPLY)
    conversation = _conversation_or_404(workspace, conversation_id)
    assignee = team = None
    if payload.assignee_id is not None:
        assignee = selectors.member_get(workspace=workspace, user_id=payload.assignee_id)
        if assignee is None:
            raise ValidationError(
                _("This person is not a member of the workspace."),
                fields={"assignee_id": _("Choose a member of this workspace.")},
            )
    if payload.team_id is not None:
        team = selectors.team_get(workspace=workspace, team_id=payload.team_id)
        if team is None:
            raise ValidationError(
                _("Team not found."), fields={"team_id": _("Choose a team of this workspace.")}
            )
    services.conversation_assign(conversation=conversation, actor=user, assignee=assignee, team=team)
    return _conversation_or_404(workspace, conversation_id)


@conversations_router.post(
    "/{int:conversation_id}/resolve", response={200: ConversationOut, 403: ErrorOut, 404: ErrorOut}
)
def conversation_resolve_api(request: HttpRequest, conversation_id: int) -> Conversation:
    workspace, user = api_access(request, Perm.CONVERSATIONS_REPLY)
    services.conversation_resolve(conversation=_conversation_or_404(workspace, conversation_id), actor=user)
    return _conversation_or_404(workspace, conversation_id)


@conversations_router.post(
    "/{int:conversation_id}/reopen",
    response={200: ConversationOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def conversation_reopen_api(request: HttpRequest, conversation_id: int) -> Conversation:
    workspace, user = api_access(request, Perm.CONVERSATIONS_REPLY)
    services.conversation_reopen(conversation=_conversation_or_404(workspace, conversation_id), actor=user)
    return _conversation_or_404(workspace, conversation_id)


class SnoozeIn(Schema):
    until: str = Field(..., description="ISO date-time in the future, e.g. 2026-01-31T09:00:00+07:00")


@conversations_router.post(
    "/{int:conversation_id}/snooze",
    response={200: ConversationOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def conversation_snooze_api(request: HttpRequest, conversation_id: int, payload: SnoozeIn) -> Conversation:
    from django.utils import timezone
    from django.utils.dateparse import parse_datetime

    workspace, user = api_access(request, Perm.CONVERSATIONS_REPLY)
    conversation = _conversation_or_404(workspace, conversation_id)
    try:
        until = parse_datetime(payload.until)
    except ValueError:
        until = None
    if until is None:
        raise ValidationError(
            _("Snooze until: not a date and time."),
            fields={"until": _("Use ISO format, e.g. 2026-01-31T09:00:00+07:00.")},
        )
    if timezone.is_naive(until):
        until = timezone.make_aware(until)
    services.conversation_snooze(conversation=conversation, actor=user, until=until)
    return _conversation_or_404(workspace, conversation_id)


class LabelsIn(Schema):
    labels: list[int | str] = Field(..., description="Label ids or names of this workspace.")


@conversations_router.post(
    "/{int:conversation_id}/labels",
    response={200: ConversationOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def conversation_labels_api(request: HttpRequest, conversation_id: int, payload: LabelsIn) -> Conversation:
    workspace, user = api_access(request, Perm.CONVERSATIONS_REPLY)
    conversation = _conversation_or_404(workspace, conversation_id)
    known = list(selectors.label_list(workspace=workspace))
    chosen = []
    for wanted in payload.labels:
        match = next(
            (
                lb
                for lb in known
                if lb.pk == wanted or (isinstance(wanted, str) and lb.name.lower() == wanted.lower())
            ),
            None,
        )
        if match is None:
            raise ValidationError(
                _("Label %(label)s not found.") % {"label": wanted},
                fields={"labels": _("Use ids or names of this workspace's labels.")},
            )
        chosen.append(match)
    services.conversation_set_labels(conversation=conversation, actor=user, labels=chosen)
    return _conversation_or_404(workspace, conversation_id)


# Messages -------------------------------------------------------------------------------


class AttachmentOut(Schema):
    id: int
    file_name: str
    content_type: str
    size: int


class MessageOut(Schema):
    id: int
    conversation_id: int
    inbox_id: int
    direction: str
    kind: str
    body: str
    payload: dict[str, Any]
    is_private: bool
    sender_id: int | None
    status: str
    error_code: str
    error_title: str
    created_at: dt.datetime
    sent_at: dt.datetime | None
    delivered_at: dt.datetime | None
    read_at: dt.datetime | None
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_attachments(obj: Message) -> list[Any]:
        return list(obj.attachments.all())


class MessagePageOut(Schema):
    items: list[MessageOut]
    next: str | None


class MessageIn(Schema):
    kind: str = MessageKind.TEXT
    body: str = ""
    private: bool = Field(False, description="A private note for agents (never sent).")
    template: str | None = Field(None, description="An APPROVED template's name (kind=template).")
    language: str | None = None
    variables: list[str] | None = None
    idempotency_key: str | None = None


@conversations_router.get(
    "/{int:conversation_id}/messages", response={200: MessagePageOut, 400: ErrorOut, 404: ErrorOut}
)
def conversation_messages_api(
    request: HttpRequest,
    conversation_id: int,
    cursor: str | None = None,
    before: str | None = None,
    limit: int = 50,
) -> dict[str, Any]:
    """The contact's thread. Without ``before``: oldest first, ``next`` continues after the
    last one (``?cursor=``). With ``before=<cursor or "latest">``: newest first, going back."""
    workspace, _user = api_access(request, Perm.CONVERSATIONS_VIEW)
    conversation = _conversation_or_404(workspace, conversation_id)
    limit = min(max(limit, 1), MAX_LIMIT)
    if before is not None:
        before_id = None if before in ("", "latest") else decode_cursor(before)
        rows = selectors.thread_messages(conversation=conversation, before_id=before_id, limit=limit + 1)
        rows.reverse()  # newest first
        has_more = len(rows) > limit
        rows = rows[:limit]
    else:
        after = decode_cursor(cursor) if cursor else 0
        rows = selectors.thread_messages(conversation=conversation, after_id=after, limit=limit + 1)
        has_more = len(rows) > limit
        rows = rows[:limit]
    return {"items": rows, "next": encode_cursor(rows[-1].pk) if has_more and rows else None}


@conversations_router.post(
    "/{int:conversation_id}/messages",
    response={201: MessageOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
)
def conversation_message_send_api(
    request: HttpRequest, conversation_id: int, payload: MessageIn
) -> Status[Message]:
    workspace, user = api_access(request, Perm.CONVERSATIONS_REPLY)
    conversation = _conversation_or_404(workspace, conversation_id)
    if payload.private:
        return Status(201, services.note_add(conversation=conversation, author=user, body=payload.body))
    from relasi.conversations import services_outbound

    template = None
    extra: dict[str, Any] | None = None
    if payload.kind == MessageKind.TEMPLATE:
        template = next(
            (
                t
                for t in selectors.approved_templates(conversation=conversation)
                if t.name == payload.template and (not payload.language or t.language == payload.language)
            ),
            None,
        )
        if template is None:
            raise ValidationError(
                _("Template not found or not approved."),
                fields={"template": _("Use the name of an APPROVED template of this number.")},
            )
        extra = {"variables": {"body": list(payload.variables or [])}}
    message = services_outbound.message_send(
        conversation=conversation,
        actor=user,
        kind=payload.kind,
        body=payload.body,
        payload=extra,
        template=template,
        idempotency_key=payload.idempotency_key,
    )
    return Status(201, message)


class DocumentIn(Schema):
    document_type: str = Field(description="``invoice`` (issued) or ``quotation`` (sent).")
    document_id: int
    idempotency_key: str | None = None


@conversations_router.post(
    "/{int:conversation_id}/documents",
    response={201: MessageOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Send an invoice's or a quotation's PDF",
)
def conversation_document_send_api(
    request: HttpRequest, conversation_id: int, payload: DocumentIn
) -> Status[Message]:
    """The document's PDF goes to the customer as a document message (the channel's rules
    apply: on WhatsApp only inside the 24-hour window)."""
    from relasi.conversations.services_documents import document_send

    workspace, user = api_access(request, Perm.CONVERSATIONS_REPLY)
    conversation = _conversation_or_404(workspace, conversation_id)
    message = document_send(
        conversation=conversation,
        actor=user,
        document_type=payload.document_type,
        document_id=payload.document_id,
        idempotency_key=payload.idempotency_key,
    )
    return Status(201, message)


# Quick replies --------------------------------------------------------------------------


class QuickReplyOut(Schema):
    id: int
    shortcut: str
    body: str


class QuickReplyIn(Schema):
    shortcut: str | None = None
    body: str | None = None


def _quick_reply_or_404(workspace: Workspace, item_id: int) -> QuickReply:
    item = selectors.quick_reply_get(workspace=workspace, quick_reply_id=item_id)
    if item is None:
        raise NotFound(_("Quick reply not found."), code="not_found")
    return item


@quick_replies_router.get("", response=list[QuickReplyOut], summary="List quick replies")
def quick_reply_list_api(request: HttpRequest) -> list[QuickReply]:
    workspace, _user = api_access(request, Perm.CONVERSATIONS_VIEW)
    return list(selectors.quick_reply_list(workspace=workspace))


@quick_replies_router.post("", response={201: QuickReplyOut, 400: ErrorOut, 403: ErrorOut})
def quick_reply_create_api(request: HttpRequest, payload: QuickReplyIn) -> Status[QuickReply]:
    workspace, user = api_access(request, Perm.INBOXES_MANAGE)
    values = payload.model_dump(exclude_none=True)
    return Status(201, services.quick_reply_create(workspace=workspace, actor=user, values=values))


@quick_replies_router.get("/{int:item_id}", response={200: QuickReplyOut, 404: ErrorOut})
def quick_reply_get_api(request: HttpRequest, item_id: int) -> QuickReply:
    workspace, _user = api_access(request, Perm.CONVERSATIONS_VIEW)
    return _quick_reply_or_404(workspace, item_id)


@quick_replies_router.patch(
    "/{int:item_id}", response={200: QuickReplyOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut}
)
def quick_reply_update_api(request: HttpRequest, item_id: int, payload: QuickReplyIn) -> QuickReply:
    workspace, user = api_access(request, Perm.INBOXES_MANAGE)
    item = _quick_reply_or_404(workspace, item_id)
    return services.quick_reply_update(
        quick_reply=item, actor=user, values=payload.model_dump(exclude_none=True)
    )


@quick_replies_router.delete("/{int:item_id}", response={204: None, 403: ErrorOut, 404: ErrorOut})
def quick_reply_delete_api(request: HttpRequest, item_id: int) -> Status[None]:
    workspace, user = api_access(request, Perm.INBOXES_MANAGE)
    services.quick_reply_delete(quick_reply=_quick_reply_or_404(workspace, item_id), actor=user)
    return Status(204, None)
