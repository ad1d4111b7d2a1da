"""Base models shared by every app, the audit log and the mail outbox."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class WorkspaceScopedModel(TimestampedModel):
    """Every domain row belongs to one workspace; selectors always filter on it."""

    workspace = models.ForeignKey(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="+", verbose_name=_("workspace")
    )

    class Meta:
        abstract = True


class AuditAction(models.TextChoices):
    SIGN_IN = "sign_in", _("Signed in")  # a successful sign-in
    SIGN_IN_FAILED = "sign_in_failed", _("Sign-in failed")  # wrong password or locked out
    SIGN_OUT = "sign_out", _("Signed out")
    CREATE = "create", _("Created")  # a row holding personal data was created
    UPDATE = "update", _("Updated")  # changes holds {field: [old, new]}
    DELETE = "delete", _("Deleted")
    MERGE = "merge", _("Merged")
    UNMERGE = "unmerge", _("Merge undone")
    IMPORT = "import", _("Imported")
    EXPORT = "export", _("Exported")  # personal data left the system in a file


class AuditLog(models.Model):
    """Append-only: who did what to which personal-data row, and when (UU PDP, R31)."""

    workspace = models.ForeignKey(
        "accounts.Workspace", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_email = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "-created_at"]),
            models.Index(fields=["object_type", "object_id"]),
        ]
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_email} {self.action} {self.object_repr}"


class OutboxMail(models.Model):
    """Mail 'sent' in the embedded mode: kept here so the owner can read it in the app.
    ``workspace`` is the workspace the mail was sent for (shown only to its owners)."""

    workspace = models.ForeignKey(
        "accounts.Workspace", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    to = models.TextField()
    subject = models.CharField(max_length=300)
    body = models.TextField()
    html_body = models.TextField(blank=True)
    from_email = models.CharField(max_length=254)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject}"
