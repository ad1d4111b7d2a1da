"""Inbox set-up and conversation actions.

Every action is keyword-only and atomic, and writes an ``ACTIVITY`` message in the thread
("Assigned to Elok") so the conversation's history shows who did what. Inbox changes are
audited without their secrets (the access token and the app secret only show as "changed").
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from relasi.accounts.models import Membership, User, Workspace
from relasi.contacts.models import Contact
from relasi.conversations.enums import (
    ChannelType,
    ConversationStatus,
    DeliveryStatus,
    MessageDirection,
    MessageKind,
)
from relasi.conversations.inbox_settings import (
    InboxInput,
    account_apply,
    inbox_apply,
    inbox_audit,
    inbox_create,
    inbox_created_changes,
    member_ids_check,
)
from relasi.conversations.models import Conversation, Inbox, Label, Message, QuickReply, Team
from relasi.conversations.realtime import CONVERSATION_UPDATED, MESSAGE_CREATED, event_publish
from relasi.core.exceptions import ValidationError, fields_invalid
from relasi.core.models import AuditAction

SECRET_FIELDS = ("access_token", "app_secret")


def verify_token_generate() -> str:
    """A fresh webhook verify token (what Meta echoes back when the webhook is registered)."""
    return secrets.token_urlsafe(24)


# Activity -------------------------------------------------------------------------------


def _activity(
    *,
    conversation: Conversation,
    actor: User | None,
    action: str,
    text: str,
    data: dict[str, Any] | None = None,
) -> Message:
    """One system line in the thread. Private and never sent (status ``sent`` so no sender
    ever picks it up as queued). Every action writes one, so this is where the agents' pages
    are told (``conversation.updated``, after commit)."""
    line = Message.objects.create(
        workspace_id=conversation.workspace_id,
        inbox_id=conversation.inbox_id,
        conversation=conversation,
        direction=MessageDirection.OUTBOUND,
        kind=MessageKind.ACTIVITY,
        body=text,
        payload={"action": action, **(data or {})},
        sender=actor,
        is_private=True,
        status=DeliveryStatus.SENT,
    )
    event_publish(
        workspace_id=conversation.workspace_id, conversation_id=conversation.pk, event=CONVERSATION_UPDATED
    )
    return line


def _is_member(workspace: Workspace, user_id: int) -> bool:
    return Membership.objects.filter(workspace=workspace, user_id=user_id).exists()


def _locked(conversation: Conversation) -> Conversation:
    return Conversation.objects.select_for_update().get(pk=conversation.pk)


# Conversation actions -------------------------------------------------------------------


@transaction.atomic
def conversation_assign(
    *,
    conversation: Conversation,
    actor: User | None,
    assignee: User | None = None,
    team: Team | None = None,
) -> Conversation:
    """Give the conversation to ``assignee`` and/or ``team`` (``None`` for both unassigns).

    The assignee must be a member of the inbox's workspace and, when the inbox lists its
    agents, one of them; the team must belong to the workspace."""
    conv = _locked(conversation)
    inbox = conv.inbox
    if assignee is not None:
        if not _is_member(inbox.workspace, assignee.pk):
            raise ValidationError(
                _("This person is not a member of the workspace."),
                fields={"assignee_id": _("Choose a member of this workspace.")},
            )
        if inbox.members.exists() and not inbox.members.filter(pk=assignee.pk).exists():
            raise ValidationError(
                _("This person is not an agent of the inbox %(inbox)s.") % {"inbox": inbox.name},
                fields={
                    "assignee_id": _("Choose one of the inbox's agents, or add the person to the inbox.")
                },
            )
    if team is not None and team.workspace_id != conv.workspace_id:
        raise ValidationError(_("Team not found."), fields={"team_id": _("Choose a team of this workspace.")})
    conv.assignee = assignee
    conv.team = team
    conv.save(update_fields=["assignee", "team", "updated_at"])
    if assignee is not None:
        text = _("Assigned to %(name)s") % {"name": str(assignee)}
    elif team is not None:
        text = _("Assigned to the team %(name)s") % {"name": team.name}
    else:
        text = _("Unassigned")
    if assignee is not None and team is not None:
        text = _("Assigned to %(name)s (team %(team)s)") % {"name": str(assignee), "team": team.name}
    _activity(
        conversation=conv,
        actor=actor,
        action="assigned",
        text=text,
        data={"assignee_id": assignee.pk if assignee else None, "team_id": team.pk if team else None},
    )
    conversation.assignee, conversation.team = conv.assignee, conv.team
    return conv


def _open_load(inbox: Inbox, user_ids: Iterable[int]) -> dict[int, int]:
    rows = (
        Conversation.objects.filter(
            workspace_id=inbox.workspace_id,
            assignee_id__in=list(user_ids),
            status=ConversationStatus.OPEN,
        )
        .values("assignee_id")
        .annotate(n=Count("id"))
    )
    return {row["assignee_id"]: row["n"] for row in rows}


@transaction.atomic
def conversation_auto_assign(*, conversation: Conversation) -> User | None:
    """Round-robin: the next agent of the inbox (ordered by user id) after the one assigned
    last in this inbox, skipping agents at capacity (open conversations assigned to them in
    the workspace ≥ ``assignment_capacity``; 0 = no limit). The inbox row is locked so two
    conversations arriving together do not both go to the same "next" agent. Returns the
    agent, or ``None`` when auto-assign is off, the inbox has no agents or all are full."""
    inbox = Inbox.objects.select_for_update().get(pk=conversation.inbox_id)
    if not inbox.auto_assign:
        return None
    agent_ids = sorted(
        inbox.members.filter(memberships__workspace_id=inbox.workspace_id, is_active=True).values_list(
            "id", flat=True
        )
    )
    if not agent_ids:
        return None
    last = (
        Message.objects.filter(
            inbox=inbox, kind=MessageKind.ACTIVITY, payload__action="assigned", payload__auto=True
        )
        .order_by("-id")
        .values_list("payload", flat=True)
        .first()
    )
    last_id = last.get("assignee_id") if isinstance(last, dict) else None
    start = 0
    if last_id is not None:
        start = next((i + 1 for i, uid in enumerate(agent_ids) if uid == last_id), 0)
        if last_id not in agent_ids:
            start = next((i for i, uid in enumerate(agent_ids) if uid > last_id), 0)
    ordered = agent_ids[start:] + agent_ids[:start]
    load = _open_load(inbox, ordered) if inbox.assignment_capacity else {}
    for uid in ordered:
        if inbox.assignment_capacity and load.get(uid, 0) >= inbox.assignment_capacity:
            continue
        agent = User.objects.get(pk=uid)
        conv = _locked(conversation)
        conv.assignee = agent
        conv.save(update_fields=["assignee", "updated_at"])
        _activity(
            conversation=conv,
            actor=None,
            action="assigned",
            text=_("Assigned to %(name)s automatically") % {"name": str(agent)},
            data={"assignee_id": agent.pk, "team_id": conv.team_id, "auto": True},
        )
        conversation.assignee = agent
        return agent
    return None


def _set_status(
    conversation: Conversation, actor: User | None, status: str, action: str, text: str, **extra: Any
) -> Conversation:
    conv = _locked(conversation)
    conv.status = status
    fields = ["status", "updated_at", *extra]
    for name, value in extra.items():
        setattr(conv, name, value)
    conv.save(update_fields=fields)
    _activity(conversation=conv, actor=actor, action=action, text=text)
    for name in ("status", *extra):
        setattr(conversation, name, getattr(conv, name))
    return conv


@transaction.atomic
def conversation_resolve(*, conversation: Conversation, actor: User | None) -> Conversation:
    """Mark the conversation done. A later customer message reopens it. The customer is
    asked for a rating after commit (``csat.csat_request_schedule``)."""
    if conversation.status == ConversationStatus.RESOLVED:
        return conversation
    conv = _set_status(
        conversation,
        actor,
        ConversationStatus.RESOLVED,
        "resolved",
        _("Resolved by %(name)s") % {"name": str(actor)} if actor else _("Resolved"),
        resolved_at=timezone.now(),
        snoozed_until=None,
    )
    from relasi.conversations.csat import csat_request_schedule

    csat_request_schedule(conversation=conv)
    return conv


@transaction.atomic
def conversation_reopen(*, conversation: Conversation, actor: User | None) -> Conversation:
    """Open a resolved or snoozed conversation again. Only one unresolved conversation per
    contact identity and inbox may exist: reopening an old one while a newer one is open is
    refused."""
    if conversation.status == ConversationStatus.OPEN:
        return conversation
    try:
        with transaction.atomic():
            return _set_status(
                conversation,
                actor,
                ConversationStatus.OPEN,
                "reopened",
                _("Reopened by %(name)s") % {"name": str(actor)} if actor else _("Reopened"),
                snoozed_until=None,
                resolved_at=None,
            )
    except IntegrityError as exc:
        raise ValidationError(
            _("This customer already has an open conversation in this inbox. Continue there."),
            code="conflict",
        ) from exc


@transaction.atomic
def conversation_snooze(
    *, conversation: Conversation, actor: User | None, until: dt.datetime
) -> Conversation:
    """Hide the conversation until ``until`` (must be in the future) or the customer's next
    message."""
    if until <= timezone.now():
        raise ValidationError(
            _("The snooze time has already passed."),
            fields={"until": _("Choose a time in the future.")},
        )
    local = timezone.localtime(until)
    return _set_status(
        conversation,
        actor,
        ConversationStatus.SNOOZED,
        "snoozed",
        _("Snoozed until %(time)s") % {"time": local.strftime("%d-%m-%Y %H:%M")},
        snoozed_until=until,
    )


@transaction.atomic
def conversation_set_labels(
    *, conversation: Conversation, actor: User | None, labels: Iterable[Label]
) -> Conversation:
    """Replace the conversation's labels (all must belong to its workspace)."""
    chosen = list(labels)
    if any(label.workspace_id != conversation.workspace_id for label in chosen):
        raise ValidationError(_("Label not found."), fields={"labels": _("Choose labels of this workspace.")})
    before = {label.pk for label in conversation.labels.all()}
    after = {label.pk for label in chosen}
    if before == after:
        return conversation
    conversation.labels.set(chosen)
    names = ", ".join(sorted(label.name for label in chosen)) or "—"
    _activity(
        conversation=conversation,
        actor=actor,
        action="labelled",
        text=_("Labels: %(names)s") % {"names": names},
        data={"label_ids": sorted(after)},
    )
    return conversation


@transaction.atomic
def conversation_mark_read(*, conversation: Conversation) -> Conversation:
    """No unread customer messages left (no activity line: reading is not an action)."""
    if conversation.unread_count:
        now = timezone.now()
        Conversation.objects.filter(pk=conversation.pk).update(unread_count=0, updated_at=now)
        conversation.unread_count, conversation.updated_at = 0, now
        event_publish(
            workspace_id=conversation.workspace_id,
            conversation_id=conversation.pk,
            event=CONVERSATION_UPDATED,
            touch=False,
        )
    return conversation


_MENTION = re.compile(r"@([\w.+-]+@[\w-]+(?:\.[\w-]+)+|[\w.-]+)", re.UNICODE)


def mentions_parse(*, workspace: Workspace, body: str) -> list[int]:
    """The ids of the workspace's members named in ``body`` by ``@email``, ``@full name`` or
    ``@first-name`` (case-insensitive), in the order of their user id."""
    if "@" not in body:
        return []
    lowered = body.lower()
    tokens = {m.group(1).lower().rstrip(".") for m in _MENTION.finditer(body)}
    found: set[int] = set()
    members = User.objects.filter(memberships__workspace=workspace).only("id", "email", "full_name")
    for user in members:
        full = (user.full_name or "").strip().lower()
        first = full.split(" ")[0] if full else ""
        if user.email.lower() in tokens or (full and f"@{full}" in lowered) or (first and first in tokens):
            found.add(user.pk)
    return sorted(found)


@transaction.atomic
def note_add(*, conversation: Conversation, author: User, body: str) -> Message:
    """A private note for agents (never sent). ``@email``/``@name`` mentions of workspace
    members are stored in ``payload["mentions"]`` as user ids."""
    text = body.strip()
    if not text:
        raise ValidationError(_("The note is empty."), fields={"body": _("Write the note.")})
    note = Message.objects.create(
        workspace_id=conversation.workspace_id,
        inbox_id=conversation.inbox_id,
        conversation=conversation,
        direction=MessageDirection.OUTBOUND,
        kind=MessageKind.NOTE,
        body=text,
        payload={"mentions": mentions_parse(workspace=conversation.inbox.workspace, body=text)},
        sender=author,
        is_private=True,
        status=DeliveryStatus.SENT,
    )
    event_publish(
        workspace_id=conversation.workspace_id,
        conversation_id=conversation.pk,
        event=MESSAGE_CREATED,
        message_id=note.pk,
    )
    return note


# Quick replies --------------------------------------------------------------------------


def quick_reply_fill(*, body: str, contact: Contact | None) -> str:
    """``body`` with ``{{name}}``, ``{{first_name}}`` and ``{{phone}}`` filled from the
    contact (empty when unknown)."""
    name = contact.full_name if contact else ""
    values = {
        "name": name,
        "first_name": name.split(" ")[0] if name else "",
        "phone": contact.phone if contact else "",
    }
    return re.sub(r"\{\{\s*(name|first_name|phone)\s*\}\}", lambda m: values[m.group(1)], body)


_SHORTCUT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


def _quick_reply_check(
    workspace: Workspace, values: dict[str, Any], instance: QuickReply | None
) -> tuple[str, str]:
    shortcut = str(values.get("shortcut", instance.shortcut if instance else "")).strip().lstrip("/").lower()
    body = str(values.get("body", instance.body if instance else "")).strip()
    errors: dict[str, str] = {}
    if not _SHORTCUT.match(shortcut):
        errors["shortcut"] = _("Use 1–40 letters, digits, - or _, e.g. salam.")
    elif (
        QuickReply.objects.filter(workspace=workspace, shortcut=shortcut)
        .exclude(pk=instance.pk if instance else -1)
        .exists()
    ):
        errors["shortcut"] = _("Another quick reply already uses /%(s)s.") % {"s": shortcut}
    if not body:
        errors["body"] = _("Write the text of the reply.")
    if errors:
        raise fields_invalid(errors)
    return shortcut, body


@transaction.atomic
def quick_reply_create(*, workspace: Workspace, actor: User, values: dict[str, Any]) -> QuickReply:
    """A saved answer agents insert with ``/shortcut``."""
    shortcut, body = _quick_reply_check(workspace, values, None)
    return QuickReply.objects.create(workspace=workspace, shortcut=shortcut, body=body)


@transaction.atomic
def quick_reply_update(*, quick_reply: QuickReply, actor: User, values: dict[str, Any]) -> QuickReply:
    shortcut, body = _quick_reply_check(quick_reply.workspace, values, quick_reply)
    quick_reply.shortcut, quick_reply.body = shortcut, body
    quick_reply.save()
    return quick_reply


@transaction.atomic
def quick_reply_delete(*, quick_reply: QuickReply, actor: User) -> None:
    quick_reply.delete()


# Labels and teams -----------------------------------------------------------------------

_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _name_check(model: type[Label] | type[Team], workspace: Workspace, name: str, pk: int | None) -> str:
    name = name.strip()
    if not name:
        raise fields_invalid({"name": _("Enter a name.")})
    if (
        model.objects.filter(workspace=workspace, name__iexact=name)
        .exclude(pk=pk if pk is not None else -1)
        .exists()
    ):
        raise fields_invalid({"name": _("This name is already used. Choose another.")})
    return name


@transaction.atomic
def label_save(
    *, workspace: Workspace, actor: User, values: dict[str, Any], label: Label | None = None
) -> Label:
    """Create (``label=None``) or change a label."""
    name = _name_check(
        Label, workspace, str(values.get("name", label.name if label else "")), label.pk if label else None
    )
    color = str(values.get("color") or (label.color if label else "#64748b"))
    if not _COLOR.match(color):
        raise fields_invalid({"color": _("Use a colour like #1f883d.")})
    if label is None:
        return Label.objects.create(workspace=workspace, name=name, color=color)
    label.name, label.color = name, color
    label.save()
    return label


@transaction.atomic
def label_delete(*, label: Label, actor: User) -> None:
    label.delete()


@transaction.atomic
def team_save(*, workspace: Workspace, actor: User, values: dict[str, Any], team: Team | None = None) -> Team:
    """Create (``team=None``) or change a team; ``member_ids`` must be workspace members."""
    name = _name_check(
        Team, workspace, str(values.get("name", team.name if team else "")), team.pk if team else None
    )
    member_ids = member_ids_check(workspace, values.get("member_ids"))
    if team is None:
        team = Team.objects.create(workspace=workspace, name=name)
    else:
        team.name = name
        team.save()
    if member_ids is not None:
        team.members.set(member_ids)
    return team


@transaction.atomic
def team_delete(*, team: Team, actor: User) -> None:
    team.delete()


# WhatsApp inboxes -----------------------------------------------------------------------


def _whatsapp_values(
    workspace: Workspace, values: dict[str, Any], inbox: Inbox | None
) -> tuple[InboxInput, dict[str, Any], dict[str, str]]:
    """Check the input of a WhatsApp inbox: ``(inbox input, account fields, secrets given)``;
    every problem at once as field errors."""
    from relasi.channels.whatsapp.models import GRAPH_API_BASE, WhatsAppAccount

    given = InboxInput(
        workspace=workspace,
        values=values,
        inbox=inbox,
        account="whatsapp_account",
        name_missing=_("Enter a name, e.g. CS WhatsApp."),
    )
    current, errors = given.account_value, given.errors
    acc = {
        "phone_number_id": re.sub(r"\s", "", str(current("phone_number_id"))),
        "business_account_id": re.sub(r"\s", "", str(current("business_account_id"))),
        "display_phone_number": str(current("display_phone_number")).strip(),
        "verify_token": str(current("verify_token")).strip() or verify_token_generate(),
        "api_base_url": str(current("api_base_url", GRAPH_API_BASE)).strip().rstrip("/") or GRAPH_API_BASE,
        "messages_per_second": current("messages_per_second", 80),
        "recipient_spacing_seconds": current("recipient_spacing_seconds", 6),
    }
    secrets_given = {k: str(values.get(k) or "").strip() for k in SECRET_FIELDS}
    if not acc["phone_number_id"].isdigit():
        errors["phone_number_id"] = _(
            "Copy the phone number ID (digits) from Meta's WhatsApp API set-up page."
        )
    elif (
        WhatsAppAccount.objects.filter(phone_number_id=acc["phone_number_id"])
        .exclude(pk=given.account.pk if given.account else -1)
        .exists()
    ):
        errors["phone_number_id"] = _("This phone number ID is already connected to another inbox.")
    if not acc["business_account_id"].isdigit():
        errors["business_account_id"] = _("Copy the WhatsApp business account ID (digits) from Meta.")
    if not re.match(r"^https?://[^\s/]+", acc["api_base_url"]):
        errors["api_base_url"] = _("Enter an address starting with https://, e.g. %(url)s.") % {
            "url": GRAPH_API_BASE
        }
    given.whole_number(acc, "messages_per_second", 1, 1000)
    given.whole_number(acc, "recipient_spacing_seconds", 0, 3600)
    for name in SECRET_FIELDS:
        if not secrets_given[name] and given.account is None:
            errors[name] = _("Paste the value from Meta; it is stored encrypted.")
    given.raise_errors()
    return given, acc, {k: v for k, v in secrets_given.items() if v}


@transaction.atomic
def inbox_whatsapp_create(
    *, workspace: Workspace, actor: User, values: dict[str, Any], ip_address: str | None = None
) -> Inbox:
    """A WhatsApp inbox and its Cloud API account. The access token and app secret are
    required and stored encrypted; a verify token is generated when none is given."""
    from relasi.channels.whatsapp.models import WhatsAppAccount

    checked, acc, secret_vals = _whatsapp_values(workspace, values, None)
    inbox = inbox_create(workspace=workspace, channel_type=ChannelType.WHATSAPP, checked=checked)
    WhatsAppAccount.objects.create(inbox=inbox, **acc, **secret_vals)
    inbox_audit(
        action=AuditAction.CREATE,
        actor=actor,
        inbox=inbox,
        changes={**inbox_created_changes(checked), **acc, "verify_token": "•"},
        ip_address=ip_address,
    )
    return inbox


@transaction.atomic
def inbox_whatsapp_update(
    *, inbox: Inbox, actor: User, values: dict[str, Any], ip_address: str | None = None
) -> Inbox:
    """Change a WhatsApp inbox. A secret left blank keeps the stored one; the audit says only
    that a secret changed, never its value (nor the verify token's)."""
    checked, acc, secret_vals = _whatsapp_values(inbox.workspace, values, inbox)
    changes = inbox_apply(inbox=inbox, checked=checked)
    changes.update(account_apply(inbox.whatsapp_account, acc, secret_vals))
    if "verify_token" in changes:
        changes["verify_token"] = ["•", "•"]
    inbox_audit(action=AuditAction.UPDATE, actor=actor, inbox=inbox, changes=changes, ip_address=ip_address)
    return inbox


def inbox_test_connection(*, inbox: Inbox) -> dict[str, Any]:
    """Ask the Graph API about the inbox's number: ``{"ok": True, "info": {...}}`` with the
    verified name and quality rating, or ``{"ok": False, "error": "<Meta's message>"}``.
    Nothing is written."""
    from relasi.channels.whatsapp.client import GraphApiError, GraphClient

    account = inbox.whatsapp_account
    try:
        info = GraphClient(account.api_base_url, account.access_token, 10.0).phone_number_info(
            account.phone_number_id
        )
    except GraphApiError as error:
        return {"ok": False, "error": error.message or str(error), "code": error.code}
    return {"ok": True, "info": dict(info)}
