"""Merge endpoints on ``/api/v1/contacts``: suggested duplicates, merge, undo.

Registered on ``contacts_router`` when this module is imported (``config/api.py`` imports
it in ``_register_routers``)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema

from relasi.accounts.api_access import ErrorOut, api_access
from relasi.accounts.models import Workspace
from relasi.accounts.permissions import Perm
from relasi.contacts import duplicates, selectors
from relasi.contacts.api import ContactOut, contacts_router
from relasi.contacts.merge import contact_merge, contact_merge_undo
from relasi.contacts.models import Contact
from relasi.core.exceptions import NotFound


def _contact(workspace: Workspace, contact_id: int) -> Contact:
    # Merged contacts are found too, so the service can say "already merged" plainly.
    contact = selectors.contact_get(workspace=workspace, contact_id=contact_id, include_merged=True)
    if contact is None:
        raise NotFound(_("Contact not found."), code="not_found")
    return contact


def _live(workspace: Workspace, contact_id: int) -> Contact:
    contact = selectors.contact_get(workspace=workspace, contact_id=contact_id)
    assert contact is not None
    return contact


class MergeIn(Schema):
    other_id: int = Field(description="The contact merged into this one and then hidden.")
    choices: dict[str, Literal["survivor", "merged"]] = Field(
        default_factory=dict,
        description=(
            "Which value to keep per field (or 'custom_fields.<key>'). Without a choice the "
            "survivor's value is kept unless it is empty."
        ),
    )


class MergeOut(Schema):
    merge_id: int
    survivor: ContactOut
    undo_until: dt.datetime


class MergeUndoOut(Schema):
    merge_id: int
    survivor: ContactOut
    restored: ContactOut
    undone_at: dt.datetime


class DuplicatePairOut(Schema):
    first: ContactOut
    second: ContactOut
    reasons: list[str] = Field(description="phone, email, name")
    group_size: int


class DuplicateList(Schema):
    items: list[DuplicatePairOut]


class DuplicateQuery(Schema):
    limit: int = Field(50, ge=1, le=200)


@contacts_router.get(
    "/duplicates",
    response={200: DuplicateList, 403: ErrorOut},
    summary="Suggested duplicate pairs",
)
def contact_duplicate_list_api(request: HttpRequest, query: Query[DuplicateQuery]) -> dict[str, Any]:
    workspace, _user = api_access(request, Perm.CONTACTS_MERGE)
    pairs = duplicates.duplicate_pair_list(workspace=workspace, limit=query.limit)
    return {
        "items": [
            {
                "first": pair.first,
                "second": pair.second,
                "reasons": [str(reason) for reason in pair.reasons],
                "group_size": pair.group_size,
            }
            for pair in pairs
        ]
    }


@contacts_router.post(
    "/{int:contact_id}/merge",
    response={200: MergeOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Merge another contact into this one",
)
def contact_merge_api(request: HttpRequest, contact_id: int, payload: MergeIn) -> dict[str, Any]:
    workspace, user = api_access(request, Perm.CONTACTS_MERGE)
    survivor = _contact(workspace, contact_id)
    merged = _contact(workspace, payload.other_id)
    merge = contact_merge(
        survivor=survivor,
        merged=merged,
        actor=user,
        choices=dict(payload.choices),
        ip_address=request.META.get("REMOTE_ADDR"),
    )
    return {
        "merge_id": merge.pk,
        "survivor": _live(workspace, survivor.pk),
        "undo_until": duplicates.merge_undo_deadline(merge),
    }


@contacts_router.post(
    "/merges/{int:merge_id}/undo",
    response={200: MergeUndoOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Undo a merge (within 30 days)",
)
def contact_merge_undo_api(request: HttpRequest, merge_id: int) -> dict[str, Any]:
    workspace, user = api_access(request, Perm.CONTACTS_MERGE)
    record = duplicates.contact_merge_get(workspace=workspace, merge_id=merge_id)
    if record is None:
        raise NotFound(_("Merge not found."), code="not_found")
    merge = contact_merge_undo(merge=record, actor=user, ip_address=request.META.get("REMOTE_ADDR"))
    assert merge.undone_at is not None
    return {
        "merge_id": merge.pk,
        "survivor": _contact(workspace, merge.survivor_id),
        "restored": _contact(workspace, merge.merged_id),
        "undone_at": merge.undone_at,
    }
