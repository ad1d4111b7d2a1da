"""Reads of the e-mail channel, scoped to the workspace."""

from __future__ import annotations

from relasi.accounts.models import Workspace
from relasi.conversations.models import Inbox


def email_inbox_get(*, workspace: Workspace, inbox_id: int) -> Inbox | None:
    """The workspace's e-mail inbox ``inbox_id`` with its mailbox settings, else ``None``."""
    return (
        Inbox.objects.filter(workspace=workspace, pk=inbox_id, email_account__isnull=False)
        .select_related("email_account", "workspace")
        .prefetch_related("members")
        .first()
    )
