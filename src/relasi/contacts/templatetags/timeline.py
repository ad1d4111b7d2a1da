"""``{% timeline_detail event as detail %}``: a line for events other apps put on the timeline."""

from __future__ import annotations

from typing import Any

from django import template

from relasi.contacts import timeline
from relasi.contacts.models import TimelineEvent

register = template.Library()


@register.simple_tag(takes_context=True)
def timeline_detail(context: dict[str, Any], event: TimelineEvent) -> timeline.TimelineDetail | None:
    workspace = context.get("workspace")
    return timeline.timeline_detail(event, workspace.slug if workspace else "")
