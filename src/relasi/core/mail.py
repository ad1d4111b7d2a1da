"""Sending mail for a workspace, and the e-mail backend that stores mail in the database (the
embedded mode's local sink, read by the workspace's owners under Settings → Mail)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage, EmailMultiAlternatives

WORKSPACE_HEADER = "X-Relasi-Workspace"


def send_workspace_mail(*, workspace_id: int, subject: str, body: str, to: list[str]) -> int:
    """Send a plain-text mail on behalf of a workspace (the header ties it to the workspace)."""
    message = EmailMessage(subject=subject, body=body, to=to, headers={WORKSPACE_HEADER: str(workspace_id)})
    return message.send()


class OutboxEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        from relasi.core.models import OutboxMail

        rows = []
        for message in email_messages:
            html = ""
            if isinstance(message, EmailMultiAlternatives):
                alternatives: list[Any] = list(message.alternatives)
                for alternative in alternatives:
                    content, mimetype = alternative[0], alternative[1]
                    if mimetype == "text/html":
                        html = str(content)
            workspace_id = str(message.extra_headers.get(WORKSPACE_HEADER, ""))
            rows.append(
                OutboxMail(
                    workspace_id=int(workspace_id) if workspace_id.isdigit() else None,
                    to=", ".join(message.recipients()),
                    subject=str(message.subject)[:300],
                    body=str(message.body),
                    html_body=html,
                    from_email=str(message.from_email),
                )
            )
        OutboxMail.objects.bulk_create(rows)
        return len(rows)
