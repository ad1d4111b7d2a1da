"""Reads of the inbox. Every selector filters by workspace.

The conversation list is keyset-paginated on ``(last_message_at, id)``, newest first (no
OFFSET, no COUNT): a fixed number of queries per page whatever its size — the page's rows
with their contact, inbox, assignee and team, their labels, and the last message's preview
as a subquery.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from relasi.accounts.models import User, Workspace
from relasi.conversations.enums import ChannelType, ConversationStatus, MessageKind
from relasi.conversations.models import Attachment, Conversation, Inbox, Label, Message, QuickReply, Team
from relasi.core.exceptions import ValidationError

VIEWS = ("mine", "unassigned", "all")
PREVIEW_KINDS_HIDDEN = (MessageKind.NOTE, MessageKind.ACTIVITY)


@dataclass
class ConversationPage:
    items: list[Conversation]
    next_cursor: str | None


def _encode(at: dt.datetime | None, pk: int) -> str:
    raw = f"c:{at.isoformat() if at else ''}|{pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[dt.datetime | None, int]:
    try:
        raw = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()).decode()
        kind, _sep, rest = raw.partition(":")
        stamp, _bar, pk = rest.rpartition("|")
        if kind != "c":
            raise ValueError(cursor)
        at = parse_datetime(stamp) if stamp else None
        if stamp and at is None:
            raise ValueError(stamp)
        return at, int(pk)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationError(
            _("The page cursor is not valid. Start again from the first page."),
            code="invalid_cursor",
            fields={"cursor": _("Use the 'next' value of a previous page.")},
        ) from exc


def _last_message(field: str) -> Subquery:
    return Subquery(
        Message.objects.filter(conversation=OuterRef("pk"))
        .exclude(kind__in=PREVIEW_KINDS_HIDDEN)
        .order_by("-created_at", "-id")
        .values(field)[:1]
    )


def conversation_queryset(*, workspace: Workspace) -> QuerySet[Conversation]:
    return (
        Conversation.objects.filter(workspace=workspace)
        .select_related("contact", "inbox", "assignee", "team")
        .prefetch_related(Prefetch("labels", queryset=Label.objects.order_by("name")))
    )


def conversation_list(
    *,
    workspace: Workspace,
    user: User,
    view: str = "all",
    status: str = "",
    inbox_id: int | None = None,
    label_id: int | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> ConversationPage:
    """Conversations of ``workspace`` newest first, filtered by view (``mine``,
    ``unassigned``, ``all``), status, inbox and label, one keyset page after ``cursor``.

    Each row carries ``last_body``, ``last_kind`` and ``last_direction`` (the newest message
    that is not a note or an activity line). Two queries (+1 for the labels), whatever the
    page's size or depth. A conversation without any message yet (there is one only inside
    the transaction that stores its first message) would come first."""
    qs = conversation_queryset(workspace=workspace)
    if view == "mine":
        qs = qs.filter(assignee=user)
    elif view == "unassigned":
        qs = qs.filter(assignee__isnull=True)
    if status:
        if status not in ConversationStatus.values:
            raise ValidationError(
                _("Unknown status."),
                fields={"status": _("Use one of: %(v)s.") % {"v": ", ".join(ConversationStatus.values)}},
            )
        qs = qs.filter(status=status)
    if inbox_id:
        qs = qs.filter(inbox_id=inbox_id)
    if label_id:
        qs = qs.filter(labels__id=label_id)
    if cursor:
        at, pk = _decode(cursor)
        if at is None:  # still among the conversations without a message (they come first)
            qs = qs.filter(Q(last_message_at__isnull=True, id__lt=pk) | Q(last_message_at__isnull=False))
        else:
            # ``last_message_at <= at`` on its own is the index range that starts the page at the
            # cursor (page 10 reads what page 1 reads); the OR only sorts out ties on ``at``.
            qs = qs.filter(Q(last_message_at__lte=at) & (Q(last_message_at__lt=at) | Q(id__lt=pk)))
    # Newest first in the order of the ``conv_*_recent`` indexes (``DESC`` is ``NULLS FIRST`` in
    # PostgreSQL; said so that SQLite agrees): the page is read from the index, never sorted.
    qs = qs.annotate(
        last_body=_last_message("body"),
        last_kind=_last_message("kind"),
        last_direction=_last_message("direction"),
    ).order_by(F("last_message_at").desc(nulls_first=True), F("id").desc())
    rows: list[Conversation] = list(qs[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = _encode(rows[-1].last_message_at, rows[-1].pk) if has_more and rows else None
    return ConversationPage(items=rows, next_cursor=next_cursor)


def conversation_get(*, workspace: Workspace, conversation_id: int) -> Conversation | None:
    return conversation_queryset(workspace=workspace).filter(pk=conversation_id).first()


def conversation_counts(*, workspace: Workspace, user: User) -> dict[str, int]:
    """Open conversations per sidebar view (one query, limited to open ones). It reads only
    ``workspace`` and ``assignee`` (``COUNT(workspace_id)``, never null, counts rows): the
    partial index ``conv_open_counts`` answers it without reading the table."""
    row = Conversation.objects.filter(workspace=workspace, status=ConversationStatus.OPEN).aggregate(
        all=Count("workspace"),
        mine=Count("workspace", filter=Q(assignee=user)),
        unassigned=Count("workspace", filter=Q(assignee__isnull=True)),
    )
    return {k: int(v or 0) for k, v in row.items()}


def _thread_qs(conversation: Conversation) -> QuerySet[Message]:
    return (
        Message.objects.filter(
            workspace_id=conversation.workspace_id, conversation__contact_id=conversation.contact_id
        )
        .select_related("sender", "inbox")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
    )


def thread_messages(
    *,
    conversation: Conversation,
    after_id: int | None = None,
    before_id: int | None = None,
    limit: int = 200,
) -> list[Message]:
    """The contact's whole history across inboxes and channels, oldest first: the newest
    ``limit`` messages (before ``before_id`` when given), or every message after
    ``after_id`` (the poll of an open conversation)."""
    qs = _thread_qs(conversation)
    if after_id is not None:
        return list(qs.filter(id__gt=after_id).order_by("id")[:limit])
    if before_id is not None:
        qs = qs.filter(id__lt=before_id)
    newest = list(qs.order_by("-id")[:limit])
    newest.reverse()
    return newest


def thread_messages_by_id(*, conversation: Conversation, ids: Iterable[int]) -> list[Message]:
    """The messages among ``ids`` in the conversation's thread (the contact's history), oldest
    first: the live update re-reads those whose delivery ticks may have changed."""
    return list(_thread_qs(conversation).filter(pk__in=list(ids)).order_by("id"))


def message_get(*, workspace: Workspace, message_id: int) -> Message | None:
    return Message.objects.filter(workspace=workspace, pk=message_id).select_related("conversation").first()


def attachment_get(*, workspace: Workspace, attachment_id: int) -> Attachment | None:
    return (
        Attachment.objects.filter(message__workspace=workspace, pk=attachment_id)
        .select_related("message")
        .first()
    )


def contact_other_conversations(*, conversation: Conversation, limit: int = 10) -> list[Conversation]:
    return list(
        Conversation.objects.filter(
            workspace_id=conversation.workspace_id, contact_id=conversation.contact_id
        )
        .exclude(pk=conversation.pk)
        .select_related("inbox")
        .order_by("-last_message_at", "-id")[:limit]
    )


def contact_sales_summary(*, conversation: Conversation, limit: int = 5) -> dict[str, list[Any]]:
    """Open quotations (sent or accepted) and unpaid invoices of the conversation's contact,
    read-only, for the contact panel."""
    from relasi.sales.enums import OPEN_INVOICE_STATUSES, QuotationStatus
    from relasi.sales.models import Invoice, Quotation

    scope = {"workspace_id": conversation.workspace_id, "contact_id": conversation.contact_id}
    quotations = list(
        Quotation.objects.filter(
            **scope, status__in=[QuotationStatus.SENT, QuotationStatus.ACCEPTED]
        ).order_by("-id")[:limit]
    )
    invoices = list(Invoice.objects.filter(**scope, status__in=OPEN_INVOICE_STATUSES).order_by("-id")[:limit])
    return {"quotations": quotations, "invoices": invoices}


# Set-up lists ---------------------------------------------------------------------------


# Each inbox has one channel account; all three are joined so a list costs one query.
INBOX_CHANNELS = ("whatsapp_account", "email_account", "webchat_widget")


def inbox_list(*, workspace: Workspace) -> QuerySet[Inbox]:
    return Inbox.objects.filter(workspace=workspace).select_related(*INBOX_CHANNELS).order_by("name")


def inbox_get(*, workspace: Workspace, inbox_id: int) -> Inbox | None:
    return (
        Inbox.objects.filter(workspace=workspace, pk=inbox_id)
        .select_related(*INBOX_CHANNELS)
        .prefetch_related("members")
        .first()
    )


def label_list(*, workspace: Workspace) -> QuerySet[Label]:
    return Label.objects.filter(workspace=workspace).order_by("name")


def label_get(*, workspace: Workspace, label_id: int) -> Label | None:
    return Label.objects.filter(workspace=workspace, pk=label_id).first()


def team_list(*, workspace: Workspace) -> QuerySet[Team]:
    return Team.objects.filter(workspace=workspace).prefetch_related("members").order_by("name")


def team_get(*, workspace: Workspace, team_id: int) -> Team | None:
    return Team.objects.filter(workspace=workspace, pk=team_id).first()


def quick_reply_list(*, workspace: Workspace) -> QuerySet[QuickReply]:
    return QuickReply.objects.filter(workspace=workspace).order_by("shortcut")


def quick_reply_get(*, workspace: Workspace, quick_reply_id: int) -> QuickReply | None:
    return QuickReply.objects.filter(workspace=workspace, pk=quick_reply_id).first()


def member_get(*, workspace: Workspace, user_id: int) -> User | None:
    return User.objects.filter(pk=user_id, memberships__workspace=workspace).first()


def member_list(*, workspace: Workspace) -> QuerySet[User]:
    return User.objects.filter(memberships__workspace=workspace).order_by("full_name", "email")


def approved_templates(*, conversation: Conversation) -> list[Any]:
    """The APPROVED WhatsApp templates of the conversation's inbox (empty for other channels)."""
    from relasi.channels.whatsapp.models import WhatsAppTemplate

    return list(
        WhatsAppTemplate.objects.filter(account__inbox_id=conversation.inbox_id, status="APPROVED").order_by(
            "name", "language"
        )
    )


def window_closes_at(*, conversation: Conversation) -> dt.datetime | None:
    """When the WhatsApp 24-hour window closes. ``None``: no window (the customer never
    wrote, or the channel has none: e-mail and web chat)."""
    from relasi.channels.whatsapp.adapter import window_closes_at as whatsapp_window

    if conversation.inbox.channel_type != ChannelType.WHATSAPP:
        return None
    return whatsapp_window(conversation)


def now() -> dt.datetime:
    return timezone.now()
