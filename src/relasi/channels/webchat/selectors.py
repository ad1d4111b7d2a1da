"""Reads of the web-chat channel.

A visitor only ever reads messages of **its own** web-chat identity in **its** widget's
inbox: the customer's own messages and what the business sent them (never private notes or
activity lines, never the contact's conversations on other channels, never another
visitor's, even when both were linked to the same contact)."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _

from relasi.accounts.models import Workspace
from relasi.channels.webchat.models import WebChatVisitor, WebChatWidget
from relasi.channels.webchat.tokens import file_token_make
from relasi.conversations.enums import ChannelType, MessageDirection, MessageKind
from relasi.conversations.models import Attachment, Conversation, Inbox, Message
from relasi.conversations.office_hours import inbox_is_open, next_opening, opening_text
from relasi.conversations.services import quick_reply_fill

HISTORY_LIMIT = 100
HIDDEN_KINDS = (MessageKind.NOTE, MessageKind.ACTIVITY)
_NEXT_OPENING = re.compile(r"\{\{\s*next_opening\s*\}\}")


# Widgets and inboxes --------------------------------------------------------------------


def widget_get_public(*, token: str) -> WebChatWidget | None:
    """The widget behind a public token, when its inbox is active (else ``None``: the script
    and the frame answer 404, the websocket is refused)."""
    if not token or len(token) > 64:
        return None
    return (
        WebChatWidget.objects.select_related("inbox__workspace")
        .filter(public_token=token, inbox__is_active=True, inbox__channel_type=ChannelType.WEBCHAT)
        .first()
    )


def webchat_inbox_list(*, workspace: Workspace) -> QuerySet[Inbox]:
    return (
        Inbox.objects.filter(
            workspace=workspace, channel_type=ChannelType.WEBCHAT, webchat_widget__isnull=False
        )
        .select_related("webchat_widget")
        .prefetch_related("members")
        .order_by("name")
    )


def webchat_inbox_get(*, workspace: Workspace, inbox_id: int) -> Inbox | None:
    return webchat_inbox_list(workspace=workspace).filter(pk=inbox_id).first()


def script_url(widget: WebChatWidget, base_url: str | None = None) -> str:
    """The absolute address of the widget's script (``RELASI_BASE_URL`` unless given)."""
    base = (base_url or str(settings.RELASI_BASE_URL)).rstrip("/")
    return base + reverse("webchat:loader", args=[widget.public_token])


def embed_code(widget: WebChatWidget, base_url: str | None = None) -> str:
    """The one script tag to paste before ``</body>`` of the business's website."""
    return f'<script src="{script_url(widget, base_url)}" async></script>'


def widget_summary(widget: WebChatWidget) -> dict[str, Any]:
    """The widget's settings as the API shows them (``InboxOut.webchat``)."""
    return {
        "public_token": widget.public_token,
        "website_name": widget.website_name,
        "allowed_origins": list(widget.allowed_origins or []),
        "welcome_text": widget.welcome_text,
        "color": widget.color,
        "prechat_contact": widget.prechat_contact,
        "offline_text": widget.offline_text,
        "script_url": script_url(widget),
        "embed_code": embed_code(widget),
    }


def widget_availability(*, widget: WebChatWidget, at: dt.datetime, language: str) -> dict[str, Any]:
    """Whether the inbox is open at ``at`` and what the widget says about it, in ``language``:
    the welcome text while open; while closed the widget's offline text (or the inbox's away
    message, its ``{{next_opening}}`` filled) and when it opens again ("Senin, 08.00")."""
    inbox = widget.inbox
    is_open = inbox_is_open(inbox=inbox, at=at)
    opens = None if is_open else next_opening(inbox=inbox, at=at)
    with translation.override(language):
        opens_text = _opening_text(opens, at, language) if opens else ""
        if is_open:
            text = widget.welcome_text
        else:
            text = (
                widget.offline_text.strip()
                or quick_reply_fill(
                    body=_NEXT_OPENING.sub(opens_text, inbox.away_message), contact=None
                ).strip()
            )
            if not text:
                text = _("We are away right now. Leave a message and we will answer when we are back.")
        return {
            "open": is_open,
            "text": text,
            "next_opening": opens.isoformat() if opens else None,
            "next_opening_text": (_("We are back %(when)s.") % {"when": opens_text}) if opens_text else "",
        }


def _opening_text(moment: dt.datetime, at: dt.datetime, language: str) -> str:
    if language == "id":
        return opening_text(moment=moment, at=at)
    if (moment.date() - at.astimezone(moment.tzinfo).date()).days < 7:
        return formats.date_format(moment, "l, H:i")
    return formats.date_format(moment, "l, j F Y, H:i")


# Visitors and their messages ------------------------------------------------------------


def visitor_get(*, widget: WebChatWidget, visitor_id: uuid.UUID) -> WebChatVisitor | None:
    return (
        WebChatVisitor.objects.select_related("identity__contact", "widget__inbox__workspace")
        .filter(widget=widget, workspace_id=widget.workspace_id, visitor_id=visitor_id)
        .first()
    )


def visitor_conversation_ids(*, visitor: WebChatVisitor) -> QuerySet[Conversation, int]:
    return Conversation.objects.filter(
        workspace_id=visitor.workspace_id, inbox_id=visitor.widget.inbox_id, identity_id=visitor.identity_id
    ).values_list("id", flat=True)


def visitor_current_conversation(*, visitor: WebChatVisitor) -> Conversation | None:
    """The visitor's newest conversation in the widget's inbox (new messages go to it, or to a
    new one after it was resolved)."""
    return (
        Conversation.objects.filter(
            workspace_id=visitor.workspace_id,
            inbox_id=visitor.widget.inbox_id,
            identity_id=visitor.identity_id,
        )
        .order_by("-id")
        .first()
    )


def _visible(visitor: WebChatVisitor) -> QuerySet[Message]:
    """One indexed query: the thread index ``(conversation, created_at, id)`` over the few
    conversations of this identity in this inbox."""
    return (
        Message.objects.filter(
            workspace_id=visitor.workspace_id,
            conversation_id__in=visitor_conversation_ids(visitor=visitor),
            is_private=False,
        )
        .exclude(kind__in=HIDDEN_KINDS)
        .select_related("sender")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
    )


def visitor_messages(
    *, visitor: WebChatVisitor, after_id: int = 0, limit: int = HISTORY_LIMIT
) -> list[Message]:
    """What the visitor sees, oldest first: every message after ``after_id`` (up to ``limit``),
    or without ``after_id`` the newest ``limit`` messages."""
    qs = _visible(visitor)
    if after_id:
        return list(qs.filter(id__gt=after_id).order_by("id")[:limit])
    newest = list(qs.order_by("-id")[:limit])
    newest.reverse()
    return newest


def visitor_message_get(*, visitor: WebChatVisitor, message_id: int) -> Message | None:
    return _visible(visitor).filter(pk=message_id).first()


def visitor_attachment_get(*, visitor: WebChatVisitor, attachment_id: int) -> Attachment | None:
    return (
        Attachment.objects.filter(
            pk=attachment_id,
            message__workspace_id=visitor.workspace_id,
            message__conversation_id__in=visitor_conversation_ids(visitor=visitor),
            message__is_private=False,
        )
        .exclude(message__kind__in=HIDDEN_KINDS)
        .first()
    )


def message_for_visitor(message: Message, *, visitor: WebChatVisitor) -> dict[str, Any]:
    """A message as the widget shows it (JSON): who wrote it (``visitor`` or ``business``),
    the text, the files (each a short-lived link for this visitor) and, for the business's
    messages, the delivery status (sent → delivered → read)."""
    token = visitor.widget.public_token
    mine = message.direction == MessageDirection.INBOUND
    sender = ""
    if not mine:
        name = (message.sender.full_name or "").strip() if message.sender else ""
        sender = name.split(" ")[0] if name else visitor.widget.website_name
    files = [
        {
            "id": a.pk,
            "name": a.file_name,
            "type": a.content_type,
            "size": a.size,
            "url": reverse("webchat:file", args=[token, a.pk])
            + "?t="
            + file_token_make(attachment_id=a.pk, visitor_id=visitor.visitor_id),
        }
        for a in message.attachments.all()
        if a.file
    ]
    client_id = ""
    if mine and message.external_id.startswith("wc:"):
        client_id = message.external_id[3:]
    return {
        "id": message.pk,
        "from": "visitor" if mine else "business",
        "kind": message.kind,
        "body": message.body,
        "at": message.created_at.isoformat(),
        "status": message.status,
        "client_id": client_id,
        "sender": sender,
        "files": files,
    }
