"""The settings every inbox has, whatever its channel, checked, saved and audited the same way
by every channel's set-up service (WhatsApp in ``conversations.services``, ``channels.email``
and ``channels.webchat``): a name unique in the workspace, active or not, automatic assignment
and its capacity, the agents (members of the workspace), the greeting and away message.

A channel's service reads its input through an ``InboxInput``, which checks the inbox-level
part at once, then checks its own account fields, collecting every problem in the same
``errors`` so that the person sees them all at once::

    given = InboxInput(workspace=..., values=..., inbox=..., account="email_account",
                       name_missing=_("Enter a name, e.g. CS E-mail."))
    account_values = {"smtp_host": str(given.account_value("smtp_host")).strip(), ...}
    ...  # the channel's own checks add to ``given.errors``
    given.raise_errors()

then writes with ``inbox_create`` / ``inbox_apply`` and ``account_apply``, and records the
changes with ``inbox_audit`` (secrets only ever appear as "set" or "changed")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from django.db import models
from django.utils.translation import gettext as _

from relasi.accounts.models import Membership, User, Workspace
from relasi.conversations.models import Inbox
from relasi.core.audit import audit_record, diff, snapshot
from relasi.core.exceptions import ValidationError, fields_invalid
from relasi.core.models import AuditAction

INBOX_FIELDS = ("name", "is_active", "auto_assign", "assignment_capacity", "greeting_message", "away_message")
NAME_MAX = 120  # ``Inbox.name``
CAPACITY_MAX = 1000


class InboxCreate(Protocol):
    """A channel's inbox create service (``inbox_whatsapp_create``, ``inbox_email_create``, …)."""

    def __call__(
        self, *, workspace: Workspace, actor: User, values: dict[str, Any], ip_address: str | None = None
    ) -> Inbox: ...


class InboxUpdate(Protocol):
    """A channel's inbox update service (``inbox_whatsapp_update``, ``inbox_email_update``, …)."""

    def __call__(
        self, *, inbox: Inbox, actor: User, values: dict[str, Any], ip_address: str | None = None
    ) -> Inbox: ...


def given_or_stored(values: Mapping[str, Any], obj: Any, name: str, default: Any = "") -> Any:
    """``values[name]`` when given (and not ``None``), else the value stored on ``obj`` (a
    partial update keeps what is not given), else ``default`` (on create ``obj`` is ``None``)."""
    if values.get(name) is not None:
        return values[name]
    return getattr(obj, name) if obj is not None else default


def member_ids_check(workspace: Workspace, raw: Any) -> list[int] | None:
    """The user ids of ``raw``, sorted and without duplicates, each a member of ``workspace``;
    ``None`` when ``raw`` is ``None`` (not given). Raises ``ValidationError`` on ``member_ids``."""
    if raw is None:
        return None
    try:
        ids = sorted({int(x) for x in raw})
    except (TypeError, ValueError):
        raise fields_invalid({"member_ids": _("Choose members of this workspace.")}) from None
    known = set(
        Membership.objects.filter(workspace=workspace, user_id__in=ids).values_list("user_id", flat=True)
    )
    if set(ids) - known:
        raise fields_invalid({"member_ids": _("Choose members of this workspace.")})
    return ids


class InboxInput:
    """The set-up input of an inbox of one channel, being checked: ``values`` as given (on
    update only what changes: the rest keeps its stored value), the channel's ``account`` row
    of the inbox (``account`` names the inbox's relation to it, e.g. ``"email_account"``;
    ``None`` on create), and the ``errors`` found so far.

    The inbox-level part is checked on construction into ``fields`` (every name of
    ``INBOX_FIELDS``) and ``member_ids`` (``None``: not given, the agents stay as they are).
    The name is trimmed, its inner white space folded, at most ``NAME_MAX`` characters and
    unique in the workspace (case ignored); ``name_missing`` is the channel's message for an
    empty one."""

    def __init__(
        self,
        *,
        workspace: Workspace,
        values: Mapping[str, Any],
        inbox: Inbox | None,
        account: str,
        name_missing: str,
    ) -> None:
        self.values = values
        self.account: Any = getattr(inbox, account, None) if inbox is not None else None
        self.errors: dict[str, str] = {}
        self.fields: dict[str, Any] = {
            "name": " ".join(str(given_or_stored(values, inbox, "name")).split()),
            "is_active": bool(given_or_stored(values, inbox, "is_active", True)),
            "auto_assign": bool(given_or_stored(values, inbox, "auto_assign", True)),
            "assignment_capacity": given_or_stored(values, inbox, "assignment_capacity", 0),
            "greeting_message": str(given_or_stored(values, inbox, "greeting_message")),
            "away_message": str(given_or_stored(values, inbox, "away_message")),
        }
        name = self.fields["name"]
        if not name:
            self.errors["name"] = name_missing
        elif len(name) > NAME_MAX:
            self.errors["name"] = _("Use at most %(limit)d characters.") % {"limit": NAME_MAX}
        elif (
            Inbox.objects.filter(workspace=workspace, name__iexact=name)
            .exclude(pk=inbox.pk if inbox else -1)
            .exists()
        ):
            self.errors["name"] = _("Another inbox already has this name.")
        self.whole_number(self.fields, "assignment_capacity", 0, CAPACITY_MAX)
        self.member_ids: list[int] | None = None
        try:
            self.member_ids = member_ids_check(workspace, values.get("member_ids"))
        except ValidationError as error:
            self.add(error)

    def account_value(self, name: str, default: Any = "") -> Any:
        """A field of the channel's account: as given, else as stored, else ``default``."""
        return given_or_stored(self.values, self.account, name, default)

    def whole_number(self, target: dict[str, Any], name: str, low: int, high: int) -> None:
        """Make ``target[name]`` a whole number from ``low`` to ``high``, or note the error."""
        try:
            number = int(target[name])
        except (TypeError, ValueError):
            number = -1
        if low <= number <= high:
            target[name] = number
        else:
            self.errors[name] = _("Enter a whole number from %(low)s to %(high)s.") % {
                "low": low,
                "high": high,
            }

    def add(self, error: ValidationError) -> None:
        """Note a check's field errors with the others."""
        self.errors.update({name: str(message) for name, message in error.fields.items()})

    def raise_errors(self) -> None:
        """Raise every problem found, each on its field (``ValidationError``); none: nothing."""
        if self.errors:
            raise fields_invalid(self.errors)


def inbox_create(*, workspace: Workspace, channel_type: str, checked: InboxInput) -> Inbox:
    """A new inbox of ``channel_type`` with the checked values and agents (the channel then
    creates its account row)."""
    inbox = Inbox.objects.create(workspace=workspace, channel_type=channel_type, **checked.fields)
    if checked.member_ids is not None:
        inbox.members.set(checked.member_ids)
    return inbox


def inbox_created_changes(checked: InboxInput) -> dict[str, Any]:
    """The audit entry of a new inbox's inbox-level values (the channel adds its account's)."""
    return {**checked.fields, "member_ids": checked.member_ids or []}


def inbox_apply(*, inbox: Inbox, checked: InboxInput) -> dict[str, Any]:
    """Write the checked values and agents to ``inbox``; returns what changed for the audit
    log: ``{field: [old, new]}``, and ``member_ids: [old ids, new ids]`` when the agents
    changed."""
    before = snapshot(inbox, INBOX_FIELDS)
    before_members = sorted(inbox.members.values_list("id", flat=True))
    for name, value in checked.fields.items():
        setattr(inbox, name, value)
    inbox.save()
    changes: dict[str, Any] = diff(before, checked.fields)
    if checked.member_ids is not None and checked.member_ids != before_members:
        inbox.members.set(checked.member_ids)
        changes["member_ids"] = [before_members, checked.member_ids]
    return changes


def account_apply(
    account: models.Model, values: Mapping[str, Any], secrets: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Write a channel account's checked ``values`` and the ``secrets`` given (write-only) and
    save it; returns what changed for the audit log: ``{field: [old, new]}``, and a secret
    only as ``"changed"``, never its value."""
    before = snapshot(account, values)
    for name, value in {**values, **(secrets or {})}.items():
        setattr(account, name, value)
    account.save()
    changes: dict[str, Any] = diff(before, dict(values))
    changes.update(dict.fromkeys(secrets or {}, "changed"))
    return changes


def inbox_audit(
    *,
    action: AuditAction,
    actor: User | None,
    inbox: Inbox,
    changes: dict[str, Any],
    ip_address: str | None = None,
) -> None:
    """Record ``changes`` of ``inbox`` in the audit log; an update that changed nothing is not
    recorded."""
    if not changes and action == AuditAction.UPDATE:
        return
    audit_record(
        action=action,
        actor=actor,
        workspace=inbox.workspace,
        instance=inbox,
        changes=changes,
        ip_address=ip_address,
    )
