"""WhatsApp Cloud API: the business number behind an inbox, raw webhook events, templates."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from relasi.core.crypto import EncryptedTextField

GRAPH_API_BASE = "https://graph.facebook.com/v21.0"


class WhatsAppAccount(models.Model):
    """The Cloud API number of an inbox. ``access_token`` and ``app_secret`` are encrypted at
    rest. ``api_base_url`` points at Meta's Graph API, or at ``relasi fake-whatsapp``."""

    inbox = models.OneToOneField(
        "conversations.Inbox", on_delete=models.CASCADE, related_name="whatsapp_account"
    )
    phone_number_id = models.CharField(_("phone number ID"), max_length=40, unique=True)
    business_account_id = models.CharField(_("WhatsApp business account ID"), max_length=40)
    display_phone_number = models.CharField(_("display phone number"), max_length=20, blank=True)
    access_token = EncryptedTextField(_("access token"))
    app_secret = EncryptedTextField(_("app secret"))
    verify_token = models.CharField(_("verify token"), max_length=100)
    api_base_url = models.URLField(_("Graph API address"), default=GRAPH_API_BASE)
    messages_per_second = models.PositiveSmallIntegerField(_("messages per second"), default=80)
    recipient_spacing_seconds = models.PositiveSmallIntegerField(
        _("seconds between messages to one customer"), default=6
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.display_phone_number or self.phone_number_id


class WebhookEvent(models.Model):
    """A signed POST from Meta exactly as received. Stored once (same bytes, same row: Meta
    redelivers for up to 7 days), processed after commit by a worker.

    A worker drains an account's unprocessed events in order (``inbound.events_drain``): it
    claims a batch (``claimed_until``, a lease, so concurrent drains never take the same rows
    and a crashed one's rows come back when the lease ends) and processes it outside any
    transaction. ``wa_event_pending`` is that queue: only unprocessed rows, by account, in
    arrival order; ``wa_event_unprocessed`` serves the sweep (the oldest, any account)."""

    account = models.ForeignKey(
        WhatsAppAccount, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    body = models.BinaryField()
    body_sha256 = models.CharField(max_length=64, unique=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        indexes = [
            # The drain's queue: an account's unprocessed events in arrival order.
            models.Index(
                fields=["account", "id"],
                name="wa_event_pending",
                condition=models.Q(processed_at__isnull=True),
            ),
            # The sweep: the oldest unprocessed events of every account.
            models.Index(
                fields=["received_at"],
                name="wa_event_unprocessed",
                condition=models.Q(processed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.received_at:%Y-%m-%d %H:%M:%S} {self.body_sha256[:12]}"


class WhatsAppTemplate(models.Model):
    """An approved (or pending, rejected…) message template, synced from the Graph API."""

    account = models.ForeignKey(WhatsAppAccount, on_delete=models.CASCADE, related_name="templates")
    name = models.CharField(max_length=512)
    language = models.CharField(max_length=15)
    category = models.CharField(max_length=20)  # MARKETING, UTILITY, AUTHENTICATION
    status = models.CharField(max_length=20)  # APPROVED, PENDING, REJECTED, PAUSED, DISABLED
    components = models.JSONField(default=list)
    external_id = models.CharField(max_length=40, blank=True)
    synced_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "name", "language"], name="wa_template_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"
