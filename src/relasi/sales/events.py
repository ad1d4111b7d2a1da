"""Document timelines: every event is written to the document's own timeline and, as a
``document`` event, to the customer's timeline."""

from __future__ import annotations

from typing import Any

from relasi.accounts.models import User
from relasi.contacts.enums import TimelineKind
from relasi.contacts.events import timeline_event_record
from relasi.contacts.models import Contact
from relasi.sales.models import DocumentEvent


def document_event_record(
    *,
    contact: Contact,
    document_type: str,
    document_id: int,
    number: str,
    kind: str,
    actor: User | None,
    data: dict[str, Any] | None = None,
) -> DocumentEvent:
    """Record ``kind`` (a ``DocumentEventKind``) on the document and on the customer."""
    payload = dict(data or {})
    event = DocumentEvent.objects.create(
        workspace_id=contact.workspace_id,
        document_type=document_type,
        document_id=document_id,
        kind=kind,
        actor=actor,
        data=payload,
    )
    timeline_event_record(
        contact=contact,
        kind=TimelineKind.DOCUMENT,
        actor=actor,
        data={
            "document_type": document_type,
            "document_id": document_id,
            "number": number,
            "event": kind,
            **payload,
        },
    )
    return event
