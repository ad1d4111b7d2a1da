"""Choices of the web-chat channel. A comment per value says when it applies."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PrechatContact(models.TextChoices):
    """Which way to reach the visitor the pre-chat form asks for (the name is always asked)."""

    EITHER = "either", _("WhatsApp number or e-mail (at least one)")
    WHATSAPP = "whatsapp", _("WhatsApp number")  # the number is required, the e-mail optional
    EMAIL = "email", _("E-mail")  # the e-mail is required, the number optional
    BOTH = "both", _("WhatsApp number and e-mail")  # both are required
