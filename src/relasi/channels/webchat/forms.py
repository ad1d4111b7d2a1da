"""The settings form of a web-chat inbox: the shape of the input only; the rules live in
``services`` (``webchat_inbox_create`` / ``webchat_inbox_update``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from relasi.channels.webchat.enums import PrechatContact
from relasi.channels.webchat.models import DEFAULT_COLOR
from relasi.conversations.forms import InboxForm
from relasi.conversations.models import Inbox


class WebChatInboxForm(InboxForm):
    name = forms.CharField(
        label=_("Inbox name"), max_length=120, help_text=_("What agents see in the inbox, e.g. Chat website.")
    )
    website_name = forms.CharField(
        label=_("Name shown to visitors"),
        max_length=120,
        help_text=_("At the top of the chat, e.g. Toko Hero."),
    )
    allowed_origins = forms.CharField(
        label=_("Websites that may show the chat"),
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": "https://toko.example\nhttps://*.toko.example"}
        ),
        help_text=_("One address per line. Leave empty to allow any website."),
    )
    color = forms.CharField(
        label=_("Colour"),
        max_length=7,
        initial=DEFAULT_COLOR,
        widget=forms.TextInput(attrs={"type": "color"}),
    )
    welcome_text = forms.CharField(
        label=_("Welcome text"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown while you are open, e.g. Halo! Ada yang bisa kami bantu?"),
    )
    offline_text = forms.CharField(
        label=_("Text while closed"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown outside office hours. Empty: the inbox's away message."),
    )
    prechat_contact = forms.ChoiceField(
        label=_("Ask visitors for"),
        choices=PrechatContact.choices,
        initial=PrechatContact.EITHER,
        widget=forms.RadioSelect,
        help_text=_("Their name is always asked."),
    )

    @staticmethod
    def channel_initial(inbox: Inbox) -> dict[str, Any]:
        widget = inbox.webchat_widget
        return {
            "website_name": widget.website_name,
            "allowed_origins": "\n".join(widget.allowed_origins or []),
            "color": widget.color,
            "welcome_text": widget.welcome_text,
            "offline_text": widget.offline_text,
            "prechat_contact": widget.prechat_contact,
        }
