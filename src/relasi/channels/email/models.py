"""E-mail channel: the mailbox behind an inbox (SMTP out, IMAP and a raw-MIME webhook in) and
the raw inbound mails exactly as received."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from relasi.core.crypto import EncryptedTextField


class SmtpSecurity(models.TextChoices):
    STARTTLS = "starttls", _("STARTTLS (port 587)")  # plain connection upgraded to TLS
    SSL = "ssl", _("SSL/TLS (port 465)")  # TLS from the first byte
    NONE = "none", _("None (local relay only)")  # plain text: only for a relay on a trusted network


class InboundSource(models.TextChoices):
    IMAP = "imap", _("IMAP")
    WEBHOOK = "webhook", _("Webhook")


class EmailAccount(models.Model):
    """The mailbox of an e-mail inbox. Passwords and the webhook secret are encrypted at rest.

    ``imap_uid_validity`` and ``imap_last_uid`` are the polling resume point: the next poll
    fetches the UIDs above ``imap_last_uid``; a different UIDVALIDITY means the server renumbered
    the folder, and polling starts again (the Message-ID keeps every mail stored once)."""

    inbox = models.OneToOneField(
        "conversations.Inbox", on_delete=models.CASCADE, related_name="email_account"
    )
    address = models.EmailField(_("e-mail address"))
    display_name = models.CharField(_("sender name"), max_length=120, blank=True)

    smtp_host = models.CharField(_("SMTP server"), max_length=255)
    smtp_port = models.PositiveIntegerField(_("SMTP port"), default=587)
    smtp_security = models.CharField(
        _("SMTP security"), max_length=10, choices=SmtpSecurity.choices, default=SmtpSecurity.STARTTLS
    )
    smtp_username = models.CharField(_("SMTP user name"), max_length=255, blank=True)
    smtp_password = EncryptedTextField(_("SMTP password"), blank=True)

    imap_enabled = models.BooleanField(_("fetch mail over IMAP"), default=True)
    imap_host = models.CharField(_("IMAP server"), max_length=255, blank=True)
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_ssl = models.BooleanField(_("IMAP over SSL/TLS"), default=True)
    imap_username = models.CharField(_("IMAP user name"), max_length=255, blank=True)
    imap_password = EncryptedTextField(_("IMAP password"), blank=True)
    imap_folder = models.CharField(_("IMAP folder"), max_length=255, default="INBOX")
    imap_uid_validity = models.BigIntegerField(null=True, blank=True)
    imap_last_uid = models.BigIntegerField(default=0)

    webhook_secret = EncryptedTextField(_("webhook secret"))
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_poll_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("e-mail account")
        verbose_name_plural = _("e-mail accounts")

    def __str__(self) -> str:
        return self.address


class InboundEmail(models.Model):
    """One raw RFC 5322 mail exactly as received (webhook POST or IMAP fetch), stored once per
    account and bytes, processed after commit by a worker (``inbound.inbound_email_process``)."""

    account = models.ForeignKey(EmailAccount, on_delete=models.CASCADE, related_name="inbound_emails")
    source = models.CharField(max_length=10, choices=InboundSource.choices)
    raw = models.BinaryField()
    raw_sha256 = models.CharField(max_length=64)
    imap_uid = models.BigIntegerField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)  # why it failed, or why it was skipped (auto-reply, …)
    message = models.ForeignKey(
        "conversations.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "raw_sha256"], name="email_inbound_unique_raw")
        ]
        indexes = [
            models.Index(
                fields=["received_at"],
                name="email_inbound_unprocessed",
                condition=models.Q(processed_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.received_at:%Y-%m-%d %H:%M:%S} {self.raw_sha256[:12]}"
