"""Timeline writers: one function per kind of event (``<entity>_<past tense>_event``).
Later apps (messages, documents, surveys) add theirs through ``timeline_event_record``."""

from __future__ import annotations

from typing import Any

from relasi.accounts.models import User
from relasi.contacts.enums import TimelineKind
from relasi.contacts.models import Contact, TimelineEvent


def timeline_event_record(
    *, contact: Contact, kind: str, actor: User | None, data: dict[str, Any] | None = None
) -> TimelineEvent:
    return TimelineEvent.objects.create(
        workspace_id=contact.workspace_id, contact=contact, kind=kind, actor=actor, data=data or {}
    )


def contact_created_event(*, contact: Contact, actor: User | None, source: str = "") -> TimelineEvent:
    return timeline_event_record(
        contact=contact, kind=TimelineKind.CREATED, actor=actor, data={"source": source}
    )


def contact_updated_event(*, contact: Contact, actor: User | None, changed: list[str]) -> TimelineEvent:
    return timeline_event_record(
        contact=contact, kind=TimelineKind.UPDATED, actor=actor, data={"fields": changed}
    )


def contact_note_added_event(*, contact: Contact, actor: User | None, note_id: int) -> TimelineEvent:
    return timeline_event_record(
        contact=contact, kind=TimelineKind.NOTE_ADDED, actor=actor, data={"note_id": note_id}
    )


def contact_imported_event(*, contact: Contact, actor: User | None, job_id: int, row: int) -> TimelineEvent:
    return timeline_event_record(
        contact=contact, kind=TimelineKind.IMPORTED, actor=actor, data={"job_id": job_id, "row": row}
    )


def contact_merged_event(
    *, contact: Contact, actor: User | None, merged_name: str, merge_id: int
) -> TimelineEvent:
    return timeline_event_record(
        contact=contact,
        kind=TimelineKind.MERGED,
        actor=actor,
        data={"merged_name": merged_name, "merge_id": merge_id},
    )


def contact_unmerged_event(
    *, contact: Contact, actor: User | None, restored_name: str, merge_id: int
) -> TimelineEvent:
    return timeline_event_record(
        contact=contact,
        kind=TimelineKind.UNMERGED,
        actor=actor,
        data={"restored_name": restored_name, "merge_id": merge_id},
    )


def contact_identity_added_event(
    *, contact: Contact, actor: User | None, channel: str, address: str
) -> TimelineEvent:
    return timeline_event_record(
        contact=contact,
        kind=TimelineKind.IDENTITY_ADDED,
        actor=actor,
        data={"channel": channel, "address": address},
    )
