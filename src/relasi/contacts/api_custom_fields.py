"""``/api/v1/custom-fields``: the custom fields a workspace adds to its contacts.

Every member may read the definitions (a client needs them to send ``custom_fields`` on a
contact); only roles with ``settings.manage`` (owner, admin) change them. A workspace has at
most ``MAX_CUSTOM_FIELDS`` definitions, so the list comes in one page (``next`` is null).

Registered in ``config/api.py``::

    api.add_router("/v1/custom-fields", custom_fields_router, tags=["custom fields"])
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from relasi.accounts.api_access import ErrorOut, api_access
from relasi.accounts.models import Workspace
from relasi.accounts.permissions import Perm
from relasi.contacts import custom_fields, selectors, selectors_org
from relasi.contacts.models import CustomFieldDefinition
from relasi.core.exceptions import NotFound

custom_fields_router = Router()


class CustomFieldOut(Schema):
    id: int
    key: str
    label: str
    field_type: str = Field(description="text, number, date or choice")
    choices: list[str]
    position: int
    created_at: dt.datetime
    updated_at: dt.datetime


class CustomFieldIn(Schema):
    """On create ``label`` and ``field_type`` are required and ``key`` is made from the label
    when left out. On update send only what changes; the key never changes."""

    key: str | None = Field(None, description="Lower-case letters, digits and _, e.g. shirt_size")
    label: str | None = None
    field_type: str | None = Field(None, description="text, number, date or choice")
    choices: list[str] | None = Field(None, description="The options of a choice field")
    position: int | None = None


class CustomFieldList(Schema):
    items: list[CustomFieldOut]
    next: str | None


def _definition_or_404(workspace: Workspace, field_id: int) -> CustomFieldDefinition:
    definition = selectors_org.custom_field_get(workspace=workspace, field_id=field_id)
    if definition is None:
        raise NotFound(_("Custom field not found."), code="not_found")
    return definition


def _given(payload: Schema) -> dict[str, Any]:
    return payload.model_dump(exclude_unset=True)


@custom_fields_router.get("", response={200: CustomFieldList, 403: ErrorOut}, summary="List custom fields")
def custom_field_list_api(request: HttpRequest) -> dict[str, Any]:
    workspace, _user = api_access(request, Perm.CONTACTS_VIEW)
    return {"items": list(selectors.custom_field_list(workspace=workspace)), "next": None}


@custom_fields_router.post(
    "", response={201: CustomFieldOut, 400: ErrorOut, 403: ErrorOut}, summary="Add a custom field"
)
def custom_field_create_api(request: HttpRequest, payload: CustomFieldIn) -> Status[CustomFieldDefinition]:
    workspace, user = api_access(request, Perm.SETTINGS_MANAGE)
    return Status(
        201, custom_fields.custom_field_create(workspace=workspace, actor=user, values=_given(payload))
    )


@custom_fields_router.get("/{int:field_id}", response={200: CustomFieldOut, 403: ErrorOut, 404: ErrorOut})
def custom_field_get_api(request: HttpRequest, field_id: int) -> CustomFieldDefinition:
    workspace, _user = api_access(request, Perm.CONTACTS_VIEW)
    return _definition_or_404(workspace, field_id)


@custom_fields_router.patch(
    "/{int:field_id}",
    response={200: CustomFieldOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Change a custom field's label, choices, position or (while unused) type",
)
def custom_field_update_api(
    request: HttpRequest, field_id: int, payload: CustomFieldIn
) -> CustomFieldDefinition:
    workspace, user = api_access(request, Perm.SETTINGS_MANAGE)
    return custom_fields.custom_field_update(
        definition=_definition_or_404(workspace, field_id), actor=user, values=_given(payload)
    )


@custom_fields_router.delete(
    "/{int:field_id}",
    response={204: None, 403: ErrorOut, 404: ErrorOut},
    summary="Delete a custom field; contacts keep their values, hidden",
)
def custom_field_delete_api(request: HttpRequest, field_id: int) -> Status[None]:
    workspace, user = api_access(request, Perm.SETTINGS_MANAGE)
    custom_fields.custom_field_delete(definition=_definition_or_404(workspace, field_id), actor=user)
    return Status(204, None)
