"""Forms of the inbox pages: the shape of the input only; the rules live in ``services``."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from relasi.accounts.models import Workspace
from relasi.channels.whatsapp.models import GRAPH_API_BASE
from relasi.conversations import selectors
from relasi.conversations.models import Inbox


class SecretInput(forms.PasswordInput):
    """Write-only: never rendered back; a saved value shows as "•••• saved"."""

    def __init__(self, saved: bool = False) -> None:
        attrs = {"autocomplete": "new-password"}
        if saved:
            attrs["placeholder"] = "•••• " + str(_("saved"))
        super().__init__(attrs=attrs, render_value=False)


class InboxForm(forms.Form):
    """The settings every inbox has, whatever its channel: a channel's form adds its own fields
    (shown between ``name`` and the agents) and ``channel_initial``; ``inbox`` is the inbox
    being edited (``None`` on create). ``values()`` is what the channel's set-up service
    takes."""

    name = forms.CharField(label=_("Name"), max_length=120)
    member_ids = forms.MultipleChoiceField(
        label=_("Agents"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Nobody chosen: every member may be assigned."),
    )
    auto_assign = forms.BooleanField(
        label=_("Assign new conversations automatically"), required=False, initial=True
    )
    assignment_capacity = forms.IntegerField(
        label=_("Open conversations per agent (0 = no limit)"), initial=0
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    SHARED_LAST = ("member_ids", "auto_assign", "assignment_capacity", "is_active")  # after the channel's

    def __init__(self, *args: Any, workspace: Workspace, inbox: Inbox | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.SHARED_LAST:
            self.fields[name] = self.fields.pop(name)
        cast(forms.MultipleChoiceField, self.fields["member_ids"]).choices = [
            (str(u.pk), str(u)) for u in selectors.member_list(workspace=workspace)
        ]

    @classmethod
    def initial_for(cls, inbox: Inbox) -> dict[str, Any]:
        """The form's values for an existing inbox (an edit page)."""
        return {
            "name": inbox.name,
            **cls.channel_initial(inbox),
            "member_ids": [str(u.pk) for u in inbox.members.all()],
            "auto_assign": inbox.auto_assign,
            "assignment_capacity": inbox.assignment_capacity,
            "is_active": inbox.is_active,
        }

    @staticmethod
    def channel_initial(inbox: Inbox) -> dict[str, Any]:
        """The channel's own fields of ``initial_for``."""
        return {}

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["member_ids"] = [int(x) for x in data.get("member_ids") or []]
        return data


class WhatsAppInboxForm(InboxForm):
    phone_number_id = forms.CharField(label=_("Phone number ID"), max_length=40)
    business_account_id = forms.CharField(label=_("WhatsApp business account ID"), max_length=40)
    display_phone_number = forms.CharField(label=_("Display phone number"), max_length=20, required=False)
    access_token = forms.CharField(label=_("Access token"), required=False, max_length=2000)
    app_secret = forms.CharField(label=_("App secret"), required=False, max_length=200)
    verify_token = forms.CharField(
        label=_("Verify token"),
        max_length=100,
        required=False,
        help_text=_("Paste it in Meta's webhook settings. Leave blank to generate one."),
    )
    api_base_url = forms.CharField(
        label=_("Graph API address"),
        max_length=200,
        initial=GRAPH_API_BASE,
        help_text=_("Meta's address; for the demo, the address of relasi fake-whatsapp."),
    )
    messages_per_second = forms.IntegerField(label=_("Messages per second"), initial=80)
    recipient_spacing_seconds = forms.IntegerField(
        label=_("Seconds between messages to one customer"), initial=6
    )

    def __init__(self, *args: Any, workspace: Workspace, inbox: Inbox | None = None, **kwargs: Any) -> None:
        super().__init__(*args, workspace=workspace, inbox=inbox, **kwargs)
        saved = inbox is not None
        for name in ("access_token", "app_secret"):
            self.fields[name].widget = SecretInput(saved=saved)
            self.fields[name].required = not saved
            if saved:
                self.fields[name].help_text = _("Leave blank to keep the saved value.")

    @staticmethod
    def channel_initial(inbox: Inbox) -> dict[str, Any]:
        account = inbox.whatsapp_account
        return {
            "phone_number_id": account.phone_number_id,
            "business_account_id": account.business_account_id,
            "display_phone_number": account.display_phone_number,
            "verify_token": account.verify_token,
            "api_base_url": account.api_base_url,
            "messages_per_second": account.messages_per_second,
            "recipient_spacing_seconds": account.recipient_spacing_seconds,
        }


class QuickReplyForm(forms.Form):
    shortcut = forms.CharField(label=_("Shortcut"), max_length=41, help_text=_("Typed after /, e.g. salam."))
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("You may use {{name}}, {{first_name}} and {{phone}}."),
    )


class LabelForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    color = forms.CharField(
        label=_("Colour"), max_length=7, initial="#64748b", widget=forms.TextInput(attrs={"type": "color"})
    )


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    member_ids = forms.MultipleChoiceField(
        label=_("Members"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.MultipleChoiceField, self.fields["member_ids"]).choices = [
            (str(u.pk), str(u)) for u in selectors.member_list(workspace=workspace)
        ]

    def values(self) -> dict[str, Any]:
        return {
            "name": self.cleaned_data["name"],
            "member_ids": [int(x) for x in self.cleaned_data["member_ids"]],
        }
