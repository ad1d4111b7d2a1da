"""Choices of the conversations app. A comment per value says when it applies."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChannelType(models.TextChoices):
    WHATSAPP = "whatsapp", _("WhatsApp")  # Cloud API (channels/whatsapp)
    EMAIL = "email", _("E-mail")  # SMTP out, IMAP / raw-MIME webhook in
    WEBCHAT = "webchat", _("Web chat")  # the widget on the business's website


class ConversationStatus(models.TextChoices):
    OPEN = "open", _("Open")  # waiting for the business
    PENDING = "pending", _("Pending")  # waiting for the customer
    SNOOZED = "snoozed", _("Snoozed")  # hidden until snoozed_until, or a new customer message
    RESOLVED = "resolved", _("Resolved")  # done; a new customer message reopens it


class MessageDirection(models.TextChoices):
    INBOUND = "inbound", _("From the customer")
    OUTBOUND = "outbound", _("From the business")


class MessageKind(models.TextChoices):
    TEXT = "text", _("Text")
    IMAGE = "image", _("Image")
    AUDIO = "audio", _("Audio")
    VIDEO = "video", _("Video")
    DOCUMENT = "document", _("Document")
    STICKER = "sticker", _("Sticker")
    LOCATION = "location", _("Location")
    CONTACTS = "contacts", _("Contact card")
    INTERACTIVE = "interactive", _("Button or list")  # outbound buttons, or the customer's reply to them
    BUTTON = "button", _("Template button")  # the customer tapped a template's quick-reply button
    REACTION = "reaction", _("Reaction")
    TEMPLATE = "template", _("Template")  # an approved WhatsApp template we sent
    UNSUPPORTED = "unsupported", _("Unsupported")  # a type the API cannot deliver to us
    NOTE = "note", _("Private note")  # visible to agents only, never sent
    ACTIVITY = "activity", _("Activity")  # assigned, resolved, reopened… (written by the system)


class DeliveryStatus(models.TextChoices):
    """Outbound messages only move forward: queued < sent < delivered < read; failed records
    Meta's error. Inbound messages are ``received``."""

    RECEIVED = "received", _("Received")
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    READ = "read", _("Read")
    FAILED = "failed", _("Failed")


# How far a status is along; a webhook never moves a message backwards (``read`` may arrive
# before ``delivered``). ``failed`` is final, except that a later delivered/read wins.
DELIVERY_RANK: dict[str, int] = {
    DeliveryStatus.QUEUED: 0,
    DeliveryStatus.FAILED: 1,
    DeliveryStatus.SENT: 2,
    DeliveryStatus.DELIVERED: 3,
    DeliveryStatus.READ: 4,
    DeliveryStatus.RECEIVED: 0,
}
