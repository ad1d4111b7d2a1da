"""The inbox page ``/w/<slug>/percakapan/``: views in the left column, the conversation list,
the open conversation with its composer, the contact panel and the actions.

Thin views: check the permission, parse the input, call one service or selector, render.
Sending goes through ``services_outbound.message_send``.

Live updates (``static/conversations/inbox.js``): the page opens the inbox websocket
(``consumers.InboxConsumer``; its address from ``realtime.realtime_url``) and, on an event,
re-reads only what changed: ``messages_poll_view`` for the open thread (new messages, changed
delivery ticks, the header) and ``conversation_list_view`` for the list and its counts. While
the socket is down the page polls the thread every 5 s instead.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from relasi.accounts.decorators import WorkspaceRequest, workspace_view
from relasi.accounts.permissions import Perm
from relasi.conversations import realtime, selectors, services
from relasi.conversations.enums import ChannelType, ConversationStatus, MessageKind
from relasi.conversations.models import Conversation, Message
from relasi.core.exceptions import ApplicationError

PAGE_SIZE = 50
# The composer's emoji picker: what Indonesian shop chats use most (no font or CDN needed).
EMOJI = tuple("😊😀😁😂🙂😉😍🥰🤗🙏👍👌👏🙌💪🤝✅💖🎉🎁📦🚚💳💰🧾📄📞⏰😅😢🙇⭐👋🤔")  # one code point each

# What a failed WhatsApp message says, by Meta's error code (whatsapp-cloud-api.md).
ERROR_EXPLAINED = {
    "131047": gettext_lazy("The 24-hour window had closed: send a template instead."),
    "130429": gettext_lazy("Sent too fast: Meta's rate limit was reached."),
    "131056": gettext_lazy("Too many messages to this customer in a short time."),
}


def error_explained(message: Message) -> str:
    """Why an outbound message failed, in the user's language; else Meta's title."""
    known = ERROR_EXPLAINED.get(message.error_code)
    if known:
        return str(known)
    return message.error_title or message.error_detail or _("Meta did not deliver this message.")


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _conversation(request: WorkspaceRequest, conversation_id: int) -> Conversation:
    conversation = selectors.conversation_get(workspace=request.workspace, conversation_id=conversation_id)
    if conversation is None:
        raise Http404(_("Conversation not found."))
    return conversation


def _filters(request: WorkspaceRequest) -> dict[str, Any]:
    view = request.GET.get("view", "all")
    return {
        "view": view if view in selectors.VIEWS else "all",
        "status": request.GET.get("status", ConversationStatus.OPEN),
        "inbox_id": _int(request.GET.get("inbox")),
        "label_id": _int(request.GET.get("label")),
    }


def window_state(conversation: Conversation) -> dict[str, Any]:
    """``{"closed": bool, "closes_at": datetime | None, "left": timedelta | None}`` — the
    WhatsApp 24-hour window of the conversation (no window for other channels)."""
    if conversation.inbox.channel_type != ChannelType.WHATSAPP:
        return {"closed": False, "closes_at": None, "left": None}
    closes = selectors.window_closes_at(conversation=conversation)
    now = timezone.now()
    if closes is None or closes <= now:
        return {"closed": True, "closes_at": closes, "left": None}
    return {"closed": False, "closes_at": closes, "left": closes - now}


def _left_text(left: dt.timedelta | None) -> str:
    if left is None:
        return ""
    minutes = int(left.total_seconds() // 60)
    return _("%(h)d h %(m)d min left") % {"h": minutes // 60, "m": minutes % 60}


def _list_context(request: WorkspaceRequest) -> dict[str, Any]:
    """The conversation list as the query string asks (view, status, inbox, label, cursor) and
    the counts of the views; raises ``ApplicationError`` on a bad cursor."""
    filters = _filters(request)
    page = selectors.conversation_list(
        workspace=request.workspace,
        user=request.user,
        cursor=request.GET.get("cursor") or None,
        limit=PAGE_SIZE,
        **filters,
    )
    query = request.GET.copy()
    query.pop("cursor", None)
    query.pop("current", None)
    return {
        "conversations": page.items,
        "next_cursor": page.next_cursor,
        "query_string": query.urlencode(),
        "filters": filters,
        "counts": selectors.conversation_counts(workspace=request.workspace, user=request.user),
    }


def _page(request: WorkspaceRequest, conversation: Conversation | None) -> HttpResponse:
    try:
        context = _list_context(request)
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return redirect("conversations:inbox", request.workspace.slug)
    context |= {
        "current_id": conversation.pk if conversation is not None else None,
        "realtime_url": realtime.realtime_url(slug=request.workspace.slug, request_host=request.get_host()),
        "inboxes": selectors.inbox_list(workspace=request.workspace),
        "labels": selectors.label_list(workspace=request.workspace),
        "statuses": ConversationStatus.choices,
        "can_reply": request.membership.can(Perm.CONVERSATIONS_REPLY),
        "conversation": conversation,
    }
    if conversation is not None:
        context.update(_conversation_context(request, conversation))
    return render(request, "conversations/inbox.html", context)


def _explain(thread: list[Message]) -> list[Message]:
    for message in thread:
        if message.status == "failed":
            message.failure_reason = error_explained(message)  # type: ignore[attr-defined]
    return thread


def thread_cursor(thread: list[Message], floor: int) -> int:
    """The id up to which the page's copy of the thread is complete (``thread`` in id order,
    ``floor`` the cursor before it). Ids are taken when a row is written, not when it commits:
    a message written in the last ``WATCH_LOOKBACK`` may still be joined by one with a lower id
    whose transaction commits later, so the cursor stays before the recent messages; the page
    asks for them again and says which it ``have``."""
    recent = timezone.now() - realtime.WATCH_LOOKBACK
    cursor = floor
    for message in thread:
        if message.created_at > recent:
            break
        cursor = message.pk
    return cursor


def _version(conversation: Conversation) -> str:
    """Changes whenever the conversation does (its ``updated_at``): the page re-reads the
    header when it moved."""
    return str(int(conversation.updated_at.timestamp() * 1_000_000))


def _conversation_context(request: WorkspaceRequest, conversation: Conversation) -> dict[str, Any]:
    thread = _explain(selectors.thread_messages(conversation=conversation))
    window = window_state(conversation)
    others = selectors.contact_other_conversations(conversation=conversation)
    return {
        "thread": thread,
        "after": thread_cursor(thread, thread[0].pk - 1 if thread else 0),
        "version": _version(conversation),
        # The thread shows the contact's whole history: events of these conversations touch it.
        "related_ids": ",".join(str(pk) for pk in [conversation.pk, *(c.pk for c in others)]),
        "window": window,
        "window_left": _left_text(window["left"]),
        "templates": selectors.approved_templates(conversation=conversation) if window["closed"] else [],
        "quick_replies": [
            {
                "shortcut": q.shortcut,
                "body": services.quick_reply_fill(body=q.body, contact=conversation.contact),
            }
            for q in selectors.quick_reply_list(workspace=request.workspace)[:200]
        ],
        "emoji": EMOJI,
        "members": selectors.member_list(workspace=request.workspace),
        "teams": selectors.team_list(workspace=request.workspace),
        "other_conversations": others,
        "sales": selectors.contact_sales_summary(conversation=conversation),
        "conversation_labels": {label.pk for label in conversation.labels.all()},
    }


@require_GET
@workspace_view(Perm.CONVERSATIONS_VIEW)
def inbox_view(request: WorkspaceRequest) -> HttpResponse:
    return _page(request, None)


@require_GET
@workspace_view(Perm.CONVERSATIONS_VIEW)
def conversation_view(request: WorkspaceRequest, conversation_id: int) -> HttpResponse:
    conversation = _conversation(request, conversation_id)
    if conversation.unread_count and request.membership.can(Perm.CONVERSATIONS_REPLY):
        services.conversation_mark_read(conversation=conversation)
    return _page(request, conversation)


@require_GET
@workspace_view(Perm.CONVERSATIONS_VIEW)
def conversation_list_view(request: WorkspaceRequest) -> HttpResponse:
    """The conversation list and the counts of the views alone, for the live update of the
    page's list (same query string as the page; ``current`` = the open conversation)."""
    try:
        context = _list_context(request)
    except ApplicationError as error:
        return HttpResponse(str(error.message), status=400)
    context.update({"current_id": _int(request.GET.get("current")), "counts_oob": True})
    return render(request, "conversations/_conversation_list.html", context)


LIVE_IDS_MAX = 100  # ids a live update may name (``have``, ``st``)


def _id_list(raw: str | None) -> list[int]:
    return [pk for pk in (_int(part.strip()) for part in (raw or "").split(",")[:LIVE_IDS_MAX]) if pk]


def _shown_statuses(raw: str | None) -> dict[int, str]:
    """``12:sent,13:delivered`` → ``{12: "sent", 13: "delivered"}`` (what the page's ticks show)."""
    shown: dict[int, str] = {}
    for part in (raw or "").split(",")[:LIVE_IDS_MAX]:
        pk, _sep, status = part.strip().partition(":")
        number = _int(pk)
        if number and status:
            shown[number] = status
    return shown


@require_GET
@workspace_view(Perm.CONVERSATIONS_VIEW)
def messages_poll_view(request: WorkspaceRequest, conversation_id: int) -> HttpResponse:
    """What changed in the open thread since the page last looked (on a live event; every 5 s
    while the websocket is down): the messages after ``after`` that it does not ``have``
    (comma-separated ids), the messages whose delivery status differs from what its ticks show
    (``st=id:status,…``), the header when the conversation's version ``v`` moved, and the next
    cursor (``thread_cursor``). An empty 204 when nothing changed. ``read=1`` (the agent is
    looking at the page) marks the conversation read."""
    conversation = _conversation(request, conversation_id)
    after = _int(request.GET.get("after")) or 0
    have = set(_id_list(request.GET.get("have")))
    if (
        request.GET.get("read") == "1"
        and conversation.unread_count
        and request.membership.can(Perm.CONVERSATIONS_REPLY)
    ):
        services.conversation_mark_read(conversation=conversation)
    since = selectors.thread_messages(conversation=conversation, after_id=after)
    new = [m for m in since if m.pk not in have]
    shown = _shown_statuses(request.GET.get("st"))
    new_ids = {m.pk for m in new}
    changed = [
        m
        for m in (selectors.thread_messages_by_id(conversation=conversation, ids=shown) if shown else [])
        if m.pk not in new_ids and m.status != shown[m.pk]
    ]
    cursor = thread_cursor(since, after)
    version = _version(conversation)
    head = "v" in request.GET and request.GET["v"] != version
    if not new and not changed and not head and cursor == after:
        return HttpResponse(status=204)
    context = {
        "thread": _explain(sorted(new + changed, key=lambda m: m.pk)),
        "after": cursor,
        "version": version,
        "head": head,
        "conversation": conversation,
    }
    return render(request, "conversations/_messages_poll.html", context)


@require_POST
@workspace_view(Perm.CONVERSATIONS_REPLY)
def message_send_view(request: WorkspaceRequest, conversation_id: int) -> HttpResponse:
    """The composer: a reply (text, attachment or template) or a private note."""
    conversation = _conversation(request, conversation_id)
    body = request.POST.get("body", "").strip()
    try:
        if request.POST.get("mode") == "note":
            services.note_add(conversation=conversation, author=request.user, body=body)
        else:
            from relasi.conversations import services_outbound

            template = None
            payload: dict[str, Any] | None = None
            kind: str = MessageKind.TEXT
            upload = request.FILES.get("attachment")
            attachment = None
            if request.POST.get("template_id"):
                template = next(
                    (
                        t
                        for t in selectors.approved_templates(conversation=conversation)
                        if str(t.pk) == request.POST["template_id"]
                    ),
                    None,
                )
                if template is None:
                    raise ApplicationError(
                        _("Choose an approved template."), fields={"template_id": _("Choose one.")}
                    )
                kind = MessageKind.TEMPLATE
                variables = [v for v in request.POST.getlist("variables") if v.strip()]
                payload = {"variables": {"body": variables}}
            elif upload is not None:
                kind = _kind_for(upload.content_type or "")
                attachment = services_outbound.OutboundFile(
                    content=upload.read(),
                    name=upload.name or "file",
                    mime_type=upload.content_type or "application/octet-stream",
                )
            services_outbound.message_send(
                conversation=conversation,
                actor=request.user,
                kind=kind,
                body=body,
                payload=payload,
                attachment=attachment,
                template=template,
                idempotency_key=request.POST.get("idempotency_key") or None,
            )
    except ApplicationError as error:
        messages.error(request, str(error.message))
    return redirect("conversations:conversation", request.workspace.slug, conversation.pk)


def _kind_for(content_type: str) -> str:
    head = content_type.split("/")[0]
    return {"image": MessageKind.IMAGE, "audio": MessageKind.AUDIO, "video": MessageKind.VIDEO}.get(
        head, MessageKind.DOCUMENT
    )


def _action(request: WorkspaceRequest, conversation: Conversation, run: Any, done: str) -> HttpResponse:
    try:
        run()
        messages.success(request, done)
    except ApplicationError as error:
        messages.error(request, str(error.message))
    return redirect("conversations:conversation", request.workspace.slug, conversation.pk)


@require_POST
@workspace_view(Perm.CONVERSATIONS_REPLY)
def assign_view(request: WorkspaceRequest, conversation_id: int) -> HttpResponse:
    conversation = _conversation(request, conversation_id)
    raw = request.POST.get("assignee", "")
    assignee = request.user if raw == "me" else None
    if raw and raw != "me":
        assignee = selectors.member_get(workspace=request.workspace, user_id=_int(raw) or 0)
        if assignee is None:
            messages.error(request, _("Choose a member of this workspace."))
            return redirect("conversations:conversation", request.workspace.slug, conversation.pk)
    team = None
    if request.POST.get("team"):
        team = selectors.team_get(workspace=request.workspace, team_id=_int(request.POST["team"]) or 0)
        if team is None:
            raise Http404(_("Team not found."))
    return _action(
        request,
        conversation,
        lambda: services.conversation_assign(
            conversation=conversation, actor=request.user, assignee=assignee, team=team
        ),
        _("Assignment saved."),
    )


@require_POST
@workspace_view(Perm.CONVERSATIONS_REPLY)
def document_send_view(request: WorkspaceRequest, conversation_id: int) -> HttpResponse:
    """Send an invoice's or a quotation's PDF from the contact panel."""
    from relasi.conversations.services_documents import document_send

    conversation = _conversation(request, conversation_id)
    return _action(
        request,
        conversation,
        lambda: document_send(
            conversation=conversation,
            actor=request.user,
            document_type=request.POST.get("document_type", ""),
            document_id=_int(request.POST.get("document_id")) or 0,
            idempotency_key=request.POST.get("idempotency_key") or None,
        ),
        _("The PDF is on its way to the customer."),
    )


@require_POST
@workspace_view(Perm.CONVERSATIONS_REPLY)
def resolve_view(request: WorkspaceRequest, conversation_id: int) -> HttpResponse:
    conversation = _conversation(request, conversation_id)
    return _action(
        request,
        conversation,
        lambda: services.conversation_resolve(conversation=conversation, actor=request.user),
        _("Conversation resolved."),
    )


@require_POST
@workspace_view(Perm.CONVERSATIONS_REPLY)
def reopen_view(request: WorkspaceRequest, conversation_id: int) -> HttpResponse:
    conversation = _conversation(request, conversation_id)
    return _action(
        request,
        conversation,
        lambda: services.conversation_reopen(conversation=conversation, actor=request.user),
        _("Conversation reopened."),
    )


@require_POST
@workspace_view(Perm.CONVERSATIONS_REPLY)
def snooze_view(request: WorkspaceRequest, conversation_id: int) -> HttpResponse:
    conversation = _conversation(request, conversation_id)
    until = parse_datetime(request.POST.get("until", ""))
    if until is None:
        messages.error(request, _("Snooze until: choose a date and time."))
        return redirect("conversations:conversation", request.workspace.slug, conversation.pk)
    if timezone.is_naive(until):
        until = timezone.make_aware(until)
    return _action(
        request,
        conversation,
        lambda: services.conversation_snooze(conversation=conversation, actor=request.user, until=until),
        _("Conversation snoozed."),
    )


@require_POST
@workspace_view(Perm.CONVERSATIONS_REPLY)
def labels_view(request: WorkspaceRequest, conversation_id: int) -> HttpResponse:
    conversation = _conversation(request, conversation_id)
    wanted = {_int(x) for x in request.POST.getlist("labels")}
    chosen = [label for label in selectors.label_list(workspace=request.workspace) if label.pk in wanted]
    return _action(
        request,
        conversation,
        lambda: services.conversation_set_labels(
            conversation=conversation, actor=request.user, labels=chosen
        ),
        _("Labels saved."),
    )


@require_GET
@workspace_view(Perm.CONVERSATIONS_VIEW)
def attachment_view(request: WorkspaceRequest, attachment_id: int) -> HttpResponse:
    """Download an attachment of this workspace (never a public media URL)."""
    attachment = selectors.attachment_get(workspace=request.workspace, attachment_id=attachment_id)
    if attachment is None or not attachment.file:
        raise Http404(_("Attachment not found."))
    response: Any = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.file_name or str(attachment.file.name).rsplit("/", 1)[-1],
        content_type=attachment.content_type or "application/octet-stream",
    )
    return response  # type: ignore[no-any-return]
