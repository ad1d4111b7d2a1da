"""Setting up e-mail inboxes: create, change, a new webhook secret, the connection test.

Passwords and the webhook secret are write-only and stored encrypted; a password left blank
keeps the stored one; the audit log says only that a secret changed, never its value."""

from __future__ import annotations

import re
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from relasi.accounts.models import User, Workspace
from relasi.channels.email.imap import ImapFailure, imap_check, imap_settings
from relasi.channels.email.models import EmailAccount, SmtpSecurity
from relasi.channels.email.sending import smtp_settings
from relasi.channels.email.smtp import SmtpFailure, smtp_check
from relasi.conversations.enums import ChannelType
from relasi.conversations.inbox_settings import (
    InboxInput,
    account_apply,
    inbox_apply,
    inbox_audit,
    inbox_create,
    inbox_created_changes,
)
from relasi.conversations.models import Inbox
from relasi.core.models import AuditAction

SECRET_FIELDS = ("smtp_password", "imap_password")
ACCOUNT_FIELDS = (
    "address",
    "display_name",
    "smtp_host",
    "smtp_port",
    "smtp_security",
    "smtp_username",
    "imap_enabled",
    "imap_host",
    "imap_port",
    "imap_ssl",
    "imap_username",
    "imap_folder",
)
_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$|^\[?[0-9A-Fa-f:.]+\]?$")


def webhook_secret_generate() -> str:
    """A fresh webhook secret: the HMAC key of ``X-Relasi-Signature`` and the ``?token=``."""
    return secrets.token_urlsafe(32)


def webhook_url(inbox: Inbox) -> str:
    """The absolute address inbound-mail relays post raw mails to."""
    path = reverse("email:webhook", args=[inbox.pk])
    return str(settings.RELASI_BASE_URL).rstrip("/") + path


def email_account_out(account: EmailAccount) -> dict[str, Any]:
    """What the API shows of a mailbox: the settings, never a password or the secret."""
    return {
        **{name: getattr(account, name) for name in ACCOUNT_FIELDS},
        "smtp_password_saved": bool(account.smtp_password),
        "imap_password_saved": bool(account.imap_password),
        "webhook_url": webhook_url(account.inbox),
        "last_polled_at": account.last_polled_at,
        "last_poll_error": account.last_poll_error,
    }


def _values(
    workspace: Workspace, values: dict[str, Any], inbox: Inbox | None
) -> tuple[InboxInput, dict[str, Any], dict[str, str]]:
    """Check the input of an e-mail inbox: ``(inbox input, account fields, secrets given)``;
    every problem at once as field errors."""
    given = InboxInput(
        workspace=workspace,
        values=values,
        inbox=inbox,
        account="email_account",
        name_missing=_("Enter a name, e.g. CS E-mail."),
    )
    account: EmailAccount | None = given.account
    current, errors = given.account_value, given.errors
    acc: dict[str, Any] = {
        "address": str(current("address")).strip().lower(),
        "display_name": " ".join(str(current("display_name")).split())[:120],
        "smtp_host": str(current("smtp_host")).strip(),
        "smtp_port": current("smtp_port", 587),
        "smtp_security": str(current("smtp_security", SmtpSecurity.STARTTLS)),
        "smtp_username": str(current("smtp_username")).strip(),
        "imap_enabled": bool(current("imap_enabled", True)),
        "imap_host": str(current("imap_host")).strip(),
        "imap_port": current("imap_port", 993),
        "imap_ssl": bool(current("imap_ssl", True)),
        "imap_username": str(current("imap_username")).strip(),
        "imap_folder": str(current("imap_folder", "INBOX")).strip() or "INBOX",
    }
    secrets_given = {k: str(values.get(k) or "") for k in SECRET_FIELDS}
    secrets_given = {k: v for k, v in secrets_given.items() if v.strip()}

    try:
        validate_email(acc["address"])
    except DjangoValidationError:
        errors["address"] = _("Type the mailbox's address, like cs@tokoanda.co.id.")
    else:
        if (
            EmailAccount.objects.filter(inbox__workspace=workspace, address__iexact=acc["address"])
            .exclude(pk=account.pk if account else -1)
            .exists()
        ):
            errors["address"] = _("This address is already connected to another inbox.")
    if acc["smtp_security"] not in SmtpSecurity.values:
        errors["smtp_security"] = _("Choose STARTTLS, SSL/TLS or none.")
    hosts = ["smtp_host"] + (["imap_host"] if acc["imap_enabled"] else [])
    for name in hosts:
        if not _HOST.match(acc[name]):
            errors[name] = _("Type the server's host name, like mail.tokoanda.co.id (no http://).")
    for name in ("smtp_port", "imap_port"):
        given.whole_number(acc, name, 1, 65535)
    if any(ch in acc["imap_folder"] for ch in "\r\n\x00") or len(acc["imap_folder"]) > 255:
        errors["imap_folder"] = _("Type the folder's name, e.g. INBOX.")
    smtp_password = secrets_given.get("smtp_password") or (account.smtp_password if account else "")
    if acc["smtp_username"] and not smtp_password:
        errors["smtp_password"] = _("Type the password of the SMTP user; it is stored encrypted.")
    imap_password_saved = bool(account and account.imap_password)
    if acc["imap_enabled"] and "imap_password" not in secrets_given and not imap_password_saved:
        if smtp_password:
            secrets_given["imap_password"] = smtp_password
        else:
            errors["imap_password"] = _("Type the password of the mailbox; it is stored encrypted.")
    if acc["imap_enabled"] and not acc["imap_username"]:
        acc["imap_username"] = acc["smtp_username"] or acc["address"]
    given.raise_errors()
    return given, acc, secrets_given


@transaction.atomic
def inbox_email_create(
    *, workspace: Workspace, actor: User, values: dict[str, Any], ip_address: str | None = None
) -> Inbox:
    """An e-mail inbox and its mailbox settings, with a fresh webhook secret. The IMAP password
    defaults to the SMTP one (most mailboxes use one password for both)."""
    checked, acc, secret_vals = _values(workspace, values, None)
    inbox = inbox_create(workspace=workspace, channel_type=ChannelType.EMAIL, checked=checked)
    EmailAccount.objects.create(inbox=inbox, webhook_secret=webhook_secret_generate(), **acc, **secret_vals)
    inbox_audit(
        action=AuditAction.CREATE,
        actor=actor,
        inbox=inbox,
        changes={**inbox_created_changes(checked), **acc, **dict.fromkeys(secret_vals, "set")},
        ip_address=ip_address,
    )
    return inbox


@transaction.atomic
def inbox_email_update(
    *, inbox: Inbox, actor: User, values: dict[str, Any], ip_address: str | None = None
) -> Inbox:
    """Change an e-mail inbox. A password left blank keeps the stored one. Another IMAP server,
    user or folder is another mailbox: polling starts again from there."""
    account = inbox.email_account
    checked, acc, secret_vals = _values(inbox.workspace, values, inbox)
    changes = inbox_apply(inbox=inbox, checked=checked)
    if any(acc[n] != getattr(account, n) for n in ("imap_host", "imap_username", "imap_folder")):
        account.imap_uid_validity, account.imap_last_uid = None, 0
    changes.update(account_apply(account, acc, secret_vals))
    inbox_audit(action=AuditAction.UPDATE, actor=actor, inbox=inbox, changes=changes, ip_address=ip_address)
    return inbox


@transaction.atomic
def email_webhook_secret_rotate(*, inbox: Inbox, actor: User, ip_address: str | None = None) -> str:
    """A new webhook secret for the inbox (the old one stops working at once); returns it."""
    account = inbox.email_account
    account.webhook_secret = webhook_secret_generate()
    account.save(update_fields=["webhook_secret", "updated_at"])
    inbox_audit(
        action=AuditAction.UPDATE,
        actor=actor,
        inbox=inbox,
        changes={"webhook_secret": "changed"},
        ip_address=ip_address,
    )
    return str(account.webhook_secret)


def email_connection_test(*, inbox: Inbox) -> dict[str, Any]:
    """Log in to the inbox's SMTP server, and to its IMAP server and folder when IMAP is on.
    ``{"ok": bool, "smtp": {"ok", "detail"}, "imap": {"ok", "detail", "messages"} | None}``;
    nothing is written, nothing is sent."""
    account = inbox.email_account
    result: dict[str, Any] = {"smtp": {}, "imap": None}
    try:
        result["smtp"] = {"ok": True, "detail": smtp_check(smtp_settings(account))}
    except SmtpFailure as error:
        result["smtp"] = {"ok": False, "detail": str(error), "code": error.code}
    if account.imap_enabled:
        try:
            _validity, count = imap_check(imap_settings(account))
            result["imap"] = {"ok": True, "detail": account.imap_folder, "messages": count}
        except ImapFailure as error:
            result["imap"] = {"ok": False, "detail": str(error)}
    result["ok"] = result["smtp"]["ok"] and (result["imap"] is None or result["imap"]["ok"])
    return result


def email_poll_request(*, inbox: Inbox) -> None:
    """Fetch the inbox's mail now (queued for a worker, after commit)."""
    from relasi.channels.email.tasks import poll_mailbox_task

    account_id = inbox.email_account.pk
    transaction.on_commit(lambda: poll_mailbox_task.delay(account_id))
