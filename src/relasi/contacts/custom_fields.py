"""Writes for custom field definitions: the fields a workspace adds to its contacts.

A definition names a key, a label, a type (text, number, date, choice) and, for a choice, its
options. The values live in ``Contact.custom_fields`` under the key and are checked by
``contacts.validation.clean_custom_fields`` whenever a contact is written.

Rules held here:

* the key is a lower-case slug (letters, digits, single underscores), unique in the
  workspace, and never one of the contact's own field names nor a JSON lookup name, because
  ``selectors.contact_list`` filters with ``custom_fields__<key>`` (a key ``contains`` or
  ``isnull`` would turn the filter into another query);
* the key never changes: the stored values are found by it;
* a choice field has at least one choice; other types have none;
* the type cannot change once contacts hold values for the field;
* deleting a definition leaves the values in the contacts' JSON, hidden. Creating a field
  with the same key later shows them again, so a new definition must accept every value
  still stored under its key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import Max
from django.db.models.fields.json import KeyTransform
from django.utils.text import slugify
from django.utils.translation import gettext as _

from relasi.accounts.models import User, Workspace
from relasi.contacts.enums import CustomFieldType
from relasi.contacts.models import Contact, CustomFieldDefinition
from relasi.contacts.validation import CONTACT_INPUT_FIELDS, parse_date
from relasi.core.audit import audit_record, diff, snapshot
from relasi.core.exceptions import ValidationError, fields_invalid
from relasi.core.models import AuditAction

# Bounded so that the contact form, the filters and the unpaginated API list stay small.
MAX_CUSTOM_FIELDS = 100
MAX_CHOICES = 100
KEY_MAX_LENGTH = 40
LABEL_MAX_LENGTH = 80
CHOICE_MAX_LENGTH = 100
POSITION_MAX = 32767  # PositiveSmallIntegerField
AUDITED_FIELDS = ("key", "label", "field_type", "choices", "position")
INPUT_FIELDS = frozenset(AUDITED_FIELDS)

# Starts with a letter; single underscores only ("__" is Django's lookup separator).
_KEY_PATTERN = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")


def reserved_keys() -> frozenset[str]:
    """Names a custom field key may not take: the contact's own fields (names, columns and
    input names) and every lookup Django would read instead of a JSON key."""
    names: set[str] = {"pk"}
    for field in Contact._meta.get_fields():
        names.add(field.name)
        if isinstance(field, models.Field):
            names.add(field.attname)
    names.update(CONTACT_INPUT_FIELDS)
    names.update(models.JSONField.get_class_lookups())
    names.update(KeyTransform.get_class_lookups())
    return frozenset(names)


def _fail(errors: dict[str, str]) -> ValidationError:
    return fields_invalid(errors)


def _clean_key(raw: Any, *, label: str) -> tuple[str, str | None]:
    """The key, derived from the label when empty, and an error message or ``None``."""
    key = str(raw or "").strip()
    if not key:
        key = slugify(label).replace("-", "_")
        key = re.sub(r"_+", "_", key).strip("_")
        if key and not key[0].isalpha():
            key = f"f_{key}"
        if not key:
            return "", _("Type a key: lower-case letters, digits and _, e.g. shirt_size.")
    if len(key) > KEY_MAX_LENGTH:
        return key, _("The key has at most %(limit)d characters.") % {"limit": KEY_MAX_LENGTH}
    if not _KEY_PATTERN.match(key):
        return key, _(
            "The key may hold lower-case letters, digits and single underscores, and starts "
            "with a letter, e.g. shirt_size."
        )
    if key in reserved_keys():
        return key, _("'%(key)s' is already a contact field or a reserved word. Choose another key.") % {
            "key": key
        }
    return key, None


def _clean_label(raw: Any) -> tuple[str, str | None]:
    label = " ".join(str(raw or "").split())
    if not label:
        return label, _("Type a label: the name people see on the contact form.")
    if len(label) > LABEL_MAX_LENGTH:
        return label, _("The label has at most %(limit)d characters.") % {"limit": LABEL_MAX_LENGTH}
    return label, None


def _clean_choices(raw: Any) -> tuple[list[str], str | None]:
    """A list of distinct, non-empty options; a string is read as one option per line."""
    if raw is None:
        return [], None
    items: Iterable[Any] = raw.splitlines() if isinstance(raw, str) else raw
    if not isinstance(items, list | tuple):
        return [], _("Give the choices as a list, one option each.")
    choices: list[str] = []
    for item in items:
        text = " ".join(str(item).split())
        if not text or text in choices:
            continue
        if len(text) > CHOICE_MAX_LENGTH:
            return choices, _("A choice has at most %(limit)d characters.") % {"limit": CHOICE_MAX_LENGTH}
        choices.append(text)
    if len(choices) > MAX_CHOICES:
        return choices, _("A field has at most %(limit)d choices.") % {"limit": MAX_CHOICES}
    return choices, None


def _clean_position(raw: Any) -> tuple[int, str | None]:
    try:
        position = int(str(raw).strip())
    except ValueError:
        return 0, _("The position is a whole number, 0 or more.")
    if not 0 <= position <= POSITION_MAX:
        return 0, _("The position is a whole number from 0 to %(max)d.") % {"max": POSITION_MAX}
    return position, None


def _value_fits(*, field_type: str, choices: list[str], value: Any) -> bool:
    """Whether a stored value is valid for a definition (mirrors ``clean_custom_fields``)."""
    if value in (None, ""):
        return True
    if field_type == CustomFieldType.NUMBER:
        try:
            Decimal(str(value).replace(",", "."))
        except InvalidOperation:
            return False
        return True
    if field_type == CustomFieldType.DATE:
        try:
            parse_date(value)
        except ValueError:
            return False
        return True
    if field_type == CustomFieldType.CHOICE:
        return str(value) in choices
    return True


def _contacts_holding(*, workspace_id: int, key: str) -> models.QuerySet[Contact]:
    return Contact.objects.filter(workspace_id=workspace_id, custom_fields__has_key=key)


def _check_stored_values_fit(
    *, workspace_id: int, key: str, field_type: str, choices: list[str]
) -> str | None:
    """An error when contacts still hold values under ``key`` (left by a deleted field) that
    the new definition would not accept."""
    if field_type == CustomFieldType.TEXT:
        return None
    bad_count, example = 0, ""
    rows = _contacts_holding(workspace_id=workspace_id, key=key).values_list("custom_fields", flat=True)
    for values in rows.iterator(chunk_size=2000):
        value = values.get(key) if isinstance(values, dict) else None
        if not _value_fits(field_type=field_type, choices=choices, value=value):
            bad_count += 1
            example = example or str(value)
    if not bad_count:
        return None
    return _(
        "%(count)d contacts still hold values under '%(key)s' from a field deleted earlier that "
        "do not fit this type, e.g. '%(example)s'. Choose another key, or a type that fits them."
    ) % {"count": bad_count, "key": key, "example": example[:50]}


@transaction.atomic
def custom_field_create(
    *, workspace: Workspace, actor: User | None, values: Mapping[str, Any]
) -> CustomFieldDefinition:
    """Add a custom field to the workspace's contacts.

    ``values``: ``label`` (required), ``field_type`` (text, number, date, choice), ``key``
    (optional; made from the label when empty), ``choices`` (a list, or one per line; a choice
    field needs at least one), ``position`` (optional; the end of the list by default).
    Raises ``ValidationError`` with every problem at once; audits the new definition.
    """
    errors: dict[str, str] = {}
    for name in sorted(set(values) - INPUT_FIELDS):
        errors[name] = _("Unknown field '%(name)s'.") % {"name": name}
    label, error = _clean_label(values.get("label"))
    if error:
        errors["label"] = error
    key, error = _clean_key(values.get("key"), label=label)
    if error:
        errors["key"] = error
    elif CustomFieldDefinition.objects.filter(workspace=workspace, key=key).exists():
        errors["key"] = _("A custom field with the key '%(key)s' exists already. Choose another key.") % {
            "key": key
        }
    field_type = str(values.get("field_type") or "")
    if field_type not in CustomFieldType.values:
        errors["field_type"] = _("Choose the type: text, number, date or choice.")
    choices, error = _clean_choices(values.get("choices"))
    if error:
        errors["choices"] = error
    elif field_type == CustomFieldType.CHOICE and not choices:
        errors["choices"] = _("A choice field needs at least one choice. Type one per line.")
    elif field_type != CustomFieldType.CHOICE and choices:
        errors["choices"] = _("Only a choice field has choices. Clear them or pick the type Choice.")
    if values.get("position") not in (None, ""):
        position, error = _clean_position(values.get("position"))
        if error:
            errors["position"] = error
    else:
        last = CustomFieldDefinition.objects.filter(workspace=workspace).aggregate(m=Max("position"))["m"]
        position = min((last + 1) if last is not None else 0, POSITION_MAX)
    if CustomFieldDefinition.objects.filter(workspace=workspace).count() >= MAX_CUSTOM_FIELDS:
        errors.setdefault(
            "key",
            _("A workspace has at most %(limit)d custom fields. Delete one you no longer use.")
            % {"limit": MAX_CUSTOM_FIELDS},
        )
    if not errors:
        leftover = _check_stored_values_fit(
            workspace_id=workspace.pk, key=key, field_type=field_type, choices=choices
        )
        if leftover:
            errors["key"] = leftover
    if errors:
        raise _fail(errors)

    definition = CustomFieldDefinition(
        workspace=workspace,
        key=key,
        label=label,
        field_type=field_type,
        choices=choices,
        position=position,
    )
    try:
        # A savepoint, so that a concurrent create of the same key becomes a message.
        with transaction.atomic():
            definition.save()
    except IntegrityError as exc:
        raise _fail(
            {
                "key": _("A custom field with the key '%(key)s' exists already. Choose another key.")
                % {"key": key}
            }
        ) from exc
    audit_record(
        action=AuditAction.CREATE,
        actor=actor,
        workspace=workspace,
        instance=definition,
        changes=snapshot(definition, AUDITED_FIELDS),
    )
    return definition


@transaction.atomic
def custom_field_update(
    *, definition: CustomFieldDefinition, actor: User | None, values: Mapping[str, Any]
) -> CustomFieldDefinition:
    """Change a definition's ``label``, ``choices``, ``position`` or ``field_type`` (a partial
    update). The key never changes; the type only while no contact holds a value for it.
    Removing a choice leaves contacts that have it unchanged. Audits {field: [old, new]}."""
    definition = CustomFieldDefinition.objects.select_for_update().get(pk=definition.pk)
    errors: dict[str, str] = {}
    for name in sorted(set(values) - INPUT_FIELDS):
        errors[name] = _("Unknown field '%(name)s'.") % {"name": name}
    if "key" in values and str(values.get("key") or "").strip() != definition.key:
        errors["key"] = _(
            "The key cannot change: contacts' values are stored under it. Add a new field instead."
        )
    cleaned: dict[str, Any] = {}
    if "label" in values:
        cleaned["label"], error = _clean_label(values.get("label"))
        if error:
            errors["label"] = error
    field_type = definition.field_type
    if "field_type" in values:
        field_type = str(values.get("field_type") or "")
        if field_type not in CustomFieldType.values:
            errors["field_type"] = _("Choose the type: text, number, date or choice.")
        elif (
            field_type != definition.field_type
            and _contacts_holding(workspace_id=definition.workspace_id, key=definition.key).exists()
        ):
            errors["field_type"] = _(
                "The type cannot change because contacts already hold values for this field. "
                "Add a new field instead."
            )
        cleaned["field_type"] = field_type
    choices: list[str] = list(definition.choices)
    if "choices" in values:
        choices, error = _clean_choices(values.get("choices"))
        if error:
            errors["choices"] = error
        cleaned["choices"] = choices
    elif "field_type" in values and field_type != CustomFieldType.CHOICE:
        choices = []
        cleaned["choices"] = choices
    if "choices" not in errors:
        if field_type == CustomFieldType.CHOICE and not choices:
            errors["choices"] = _("A choice field needs at least one choice. Type one per line.")
        elif field_type != CustomFieldType.CHOICE and choices:
            errors["choices"] = _("Only a choice field has choices. Clear them or pick the type Choice.")
    if "position" in values:
        cleaned["position"], error = _clean_position(values.get("position"))
        if error:
            errors["position"] = error
    if errors:
        raise _fail(errors)

    before = snapshot(definition, AUDITED_FIELDS)
    for name, value in cleaned.items():
        setattr(definition, name, value)
    definition.save()
    changes = diff(before, snapshot(definition, AUDITED_FIELDS))
    if changes:
        audit_record(
            action=AuditAction.UPDATE,
            actor=actor,
            workspace=definition.workspace,
            instance=definition,
            changes=changes,
        )
    return definition


@transaction.atomic
def custom_field_delete(*, definition: CustomFieldDefinition, actor: User | None) -> None:
    """Remove a definition. Contacts keep their values in ``custom_fields`` (hidden, and shown
    again if a field with the same key is added later); the audit entry records how many."""
    holding = _contacts_holding(workspace_id=definition.workspace_id, key=definition.key).count()
    audit_record(
        action=AuditAction.DELETE,
        actor=actor,
        workspace=definition.workspace,
        instance=definition,
        changes=snapshot(definition, AUDITED_FIELDS) | {"contacts_with_values": holding},
    )
    definition.delete()
