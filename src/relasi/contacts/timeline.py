"""How other apps describe their events on a customer's timeline.

Contacts does not know sales documents or conversations; an app registers a describer for
its timeline kind in ``AppConfig.ready`` and the customer's page calls it for each event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from relasi.contacts.models import TimelineEvent


@dataclass(frozen=True)
class TimelineDetail:
    text: str  # one line, already translated
    url: str | None = None  # where the event's object lives


Describer = Callable[[TimelineEvent, str], TimelineDetail | None]  # (event, workspace slug)

_DESCRIBERS: dict[str, Describer] = {}


def register_timeline_describer(kind: str, describer: Describer) -> None:
    _DESCRIBERS[kind] = describer


def timeline_detail(event: TimelineEvent, workspace_slug: str) -> TimelineDetail | None:
    describer = _DESCRIBERS.get(event.kind)
    return describer(event, workspace_slug) if describer else None
