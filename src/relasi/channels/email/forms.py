"""The e-mail inbox form: the shape of the input only; the rules live in ``services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from relasi.accounts.models import Workspace
from relasi.channels.email.models import SmtpSecurity
from relasi.channels.email.services import ACCOUNT_FIELDS, SECRET_FIELDS
from relasi.conversations.forms import InboxForm, SecretInput
from relasi.conversations.models import Inbox


class EmailInboxForm(InboxForm):
    address = forms.CharField(
        label=_("E-mail address"),
        max_length=254,
        help_text=_("The address customers write to and replies are sent from."),
    )
    display_name = forms.CharField(
        label=_("Sender name"), max_length=120, required=False, help_text=_("e.g. Toko Hero Customer Service")
    )
    smtp_host = forms.CharField(label=_("SMTP server"), max_length=255, help_text=_("e.g. smtp.gmail.com"))
    smtp_port = forms.IntegerField(label=_("SMTP port"), initial=587)
    smtp_security = forms.ChoiceField(
        label=_("SMTP security"), choices=SmtpSecurity.choices, initial=SmtpSecurity.STARTTLS
    )
    smtp_username = forms.CharField(
        label=_("SMTP user name"),
        max_length=255,
        required=False,
        help_text=_("Usually the e-mail address. Leave blank for a relay without login."),
    )
    smtp_password = forms.CharField(label=_("SMTP password"), required=False, max_length=500)
    imap_enabled = forms.BooleanField(label=_("Fetch incoming mail over IMAP"), required=False, initial=True)
    imap_host = forms.CharField(
        label=_("IMAP server"), max_length=255, required=False, help_text=_("e.g. imap.gmail.com")
    )
    imap_port = forms.IntegerField(label=_("IMAP port"), initial=993)
    imap_ssl = forms.BooleanField(label=_("IMAP over SSL/TLS"), required=False, initial=True)
    imap_username = forms.CharField(
        label=_("IMAP user name"),
        max_length=255,
        required=False,
        help_text=_("Leave blank to use the SMTP user name."),
    )
    imap_password = forms.CharField(
        label=_("IMAP password"),
        required=False,
        max_length=500,
        help_text=_("Leave blank to use the SMTP password."),
    )
    imap_folder = forms.CharField(label=_("IMAP folder"), max_length=255, initial="INBOX")

    def __init__(self, *args: Any, workspace: Workspace, inbox: Inbox | None = None, **kwargs: Any) -> None:
        super().__init__(*args, workspace=workspace, inbox=inbox, **kwargs)
        account = getattr(inbox, "email_account", None) if inbox is not None else None
        for name in SECRET_FIELDS:
            saved = bool(account is not None and getattr(account, name))
            self.fields[name].widget = SecretInput(saved=saved)
            if saved:
                self.fields[name].help_text = _("Leave blank to keep the saved value.")

    @staticmethod
    def channel_initial(inbox: Inbox) -> dict[str, Any]:
        account = inbox.email_account
        return {name: getattr(account, name) for name in ACCOUNT_FIELDS}
