"""Web chat: the widget of a web-chat inbox and the visitors who wrote through it.

What is stored about a visitor, and why (UU PDP: purpose limitation and data minimisation):

* the name, WhatsApp number and/or e-mail typed in the pre-chat form live on the **contact**
  (that is what the business asked them for: to answer and to reach them again); the visitor
  row only links the browser to that contact through a ``webchat`` contact identity;
* ``visitor_id``: a random UUID, the web-chat address of the identity (no tracking id, no
  cookie: the browser keeps a signed token in the widget's ``localStorage``);
* ``origin``: the website the chat started on (scheme and host only, never the page path);
* ``user_agent``: the browser's user-agent string cut to 200 characters, so an agent can tell
  "Android phone" from "Windows desktop" when helping; ``ip_network``: the client address
  truncated to its /24 (IPv4) or /48 (IPv6) network, enough to spot abuse by one network,
  never the full address;
* ``last_seen_at``: when the widget was last connected (agents see whether the visitor is
  still on the page); ``language``: the language the widget was shown in, for later automatic
  messages.

Everything goes with the contact (identity ``CASCADE``) or with the inbox."""

from __future__ import annotations

import secrets
import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from relasi.channels.webchat.enums import PrechatContact
from relasi.core.models import WorkspaceScopedModel

DEFAULT_COLOR = "#0b6e4f"


def public_token_generate() -> str:
    """The widget's public id in its script tag and URLs: 144 random bits, URL-safe."""
    return secrets.token_urlsafe(18)


class WebChatWidget(WorkspaceScopedModel):
    """The chat widget of a web-chat inbox, embedded with one script tag carrying
    ``public_token``. ``allowed_origins`` lists the websites (``https://toko.example``,
    ``https://*.toko.example``) that may embed it; empty means any website."""

    inbox = models.OneToOneField(
        "conversations.Inbox", on_delete=models.CASCADE, related_name="webchat_widget"
    )
    public_token = models.CharField(
        _("public id"), max_length=64, unique=True, default=public_token_generate, editable=False
    )
    website_name = models.CharField(_("website name"), max_length=120)
    allowed_origins = models.JSONField(_("allowed websites"), default=list, blank=True)
    welcome_text = models.TextField(_("welcome text"), blank=True)
    color = models.CharField(_("colour"), max_length=7, default=DEFAULT_COLOR)
    prechat_contact = models.CharField(
        _("contact details asked before the chat"),
        max_length=10,
        choices=PrechatContact.choices,
        default=PrechatContact.EITHER,
    )
    offline_text = models.TextField(_("text while closed"), blank=True)

    class Meta:
        verbose_name = _("web chat widget")
        verbose_name_plural = _("web chat widgets")
        constraints = [
            models.CheckConstraint(
                condition=Q(color__regex=r"^#[0-9a-fA-F]{6}$"), name="webchat_widget_color_hex"
            )
        ]

    def __str__(self) -> str:
        return self.website_name


class WebChatVisitor(WorkspaceScopedModel):
    """A browser that passed the pre-chat form of a widget; it writes as the contact behind
    ``identity`` (channel ``webchat``, address ``visitor_id``). See the module docstring for
    what is stored and why."""

    widget = models.ForeignKey(WebChatWidget, on_delete=models.CASCADE, related_name="visitors")
    visitor_id = models.UUIDField(_("visitor id"), default=uuid.uuid4, unique=True, editable=False)
    identity = models.ForeignKey(
        "contacts.ContactIdentity", on_delete=models.CASCADE, related_name="webchat_visitors"
    )
    origin = models.CharField(_("website"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=5, default="id")
    user_agent = models.CharField(_("browser"), max_length=200, blank=True)
    ip_network = models.CharField(_("network"), max_length=50, blank=True)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)

    class Meta:
        verbose_name = _("web chat visitor")
        verbose_name_plural = _("web chat visitors")

    def __str__(self) -> str:
        return str(self.visitor_id)
