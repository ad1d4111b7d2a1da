"""Panels other apps add to a customer's page, without ``contacts`` importing them.

An app registers a panel in its ``AppConfig.ready()``: the name of a URL that takes
``(slug, contact_id)`` and returns an HTML fragment, and the permission a member needs to see
it. The contact page loads each allowed panel with htmx after the page itself (the page never
waits for another app's work).
"""

from __future__ import annotations

from dataclasses import dataclass

from relasi.accounts.models import Membership
from relasi.accounts.permissions import Perm


@dataclass(frozen=True)
class ContactPanel:
    url_name: str
    perm: Perm


_PANELS: list[ContactPanel] = []


def register_contact_panel(url_name: str, perm: Perm | str) -> None:
    """Add a panel (registering the same URL again replaces it: ``ready()`` may run twice)."""
    panel = ContactPanel(url_name=url_name, perm=Perm(perm))
    _PANELS[:] = [p for p in _PANELS if p.url_name != url_name]
    _PANELS.append(panel)


def contact_panels(*, membership: Membership) -> list[ContactPanel]:
    """The panels this member may see, in the order they were registered."""
    return [panel for panel in _PANELS if membership.can(panel.perm)]
