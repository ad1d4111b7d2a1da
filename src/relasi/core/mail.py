"""An e-mail backend that stores mail in the database (the embedded mode's local sink)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage, EmailMultiAlternatives


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
            rows.append(
                OutboxMail(
                    to=", ".join(message.recipients()),
                    subject=str(message.subject)[:300],
                    body=str(message.body),
                    html_body=html,
                    from_email=str(message.from_email),
                )
            )
        OutboxMail.objects.bulk_create(rows)
        return len(rows)
