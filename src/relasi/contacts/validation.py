"""Turning input (a form, the API, an imported row) into contact field values.

One place for every rule, so the web form, the API and the importer agree. All problems are
collected and raised together as ``ValidationError(fields={field: message})``, each message
naming the fix in the user's language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

from relasi.accounts.models import Membership, Workspace
from relasi.contacts.enums import BuyerType, ContactKind, CustomFieldType, Gender, Source
from relasi.contacts.models import Company, CustomFieldDefinition, Department
from relasi.core.exceptions import fields_invalid
from relasi.core.identifiers import IdentifierError, clean_nik, clean_npwp
from relasi.core.phone import normalize_phone

TEXT_LIMITS = {
    "full_name": 200,
    "job_title": 100,
    "address": 2000,
    "province": 60,
    "city": 80,
    "postal_code": 10,
    "passport_no": 20,
}
CHOICES = {
    "kind": ContactKind,
    "gender": Gender,
    "buyer_type": BuyerType,
    "source": Source,
}
CONTACT_INPUT_FIELDS = (
    "kind",
    "full_name",
    "company_id",
    "department_id",
    "job_title",
    "phone",
    "phone_alt",
    "email",
    "address",
    "province",
    "city",
    "postal_code",
    "birthday",
    "gender",
    "nik",
    "npwp",
    "passport_no",
    "buyer_type",
    "source",
    "owner_id",
    "tags",
    "custom_fields",
)

_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y")


def optional_id(value: Any) -> int | None:
    """A reference given as an id: ``None`` when empty, ``0`` (matches nothing) when not a
    number, so the caller's existence check reports it."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    return int(text) if text.isdigit() else 0


def clean_owner(*, workspace: Workspace, value: Any, errors: dict[str, str]) -> int | None:
    """The person in charge of a record: a member of the workspace, or nobody."""
    owner_id = optional_id(value)
    if owner_id is not None and not Membership.objects.filter(workspace=workspace, user_id=owner_id).exists():
        errors["owner_id"] = _("The owner must be a member of this workspace.")
    return owner_id


def parse_date(value: Any) -> dt.date:
    """ISO or day-first (``31/01/2025``); never month-first (reference/indonesia.md R17)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a date, not a time
        except ValueError:
            continue
    raise ValueError(text)


def identifier_message(kind: str, error: IdentifierError) -> str:
    reason = str(error)
    if kind == "nik":
        return {
            "length": _("NIK has 16 digits. Check the number on the KTP."),
            "zeros": _("NIK cannot be all zeros. Type the number on the KTP."),
            "birth_date": _("The birth date in this NIK (digits 7–12) is not a real date. Check the number."),
        }.get(reason, _("This NIK is not valid. Check the region code and birth date digits."))
    return {
        "length": _("NPWP has 16 digits (or the old 15). Type the digits only."),
        "zeros": _("NPWP cannot be all zeros. Type the number on the NPWP card."),
    }.get(reason, _("This NPWP is not valid (the check digit does not match). Check the number."))


def clean_custom_fields(
    *, workspace: Workspace, values: Mapping[str, Any], errors: dict[str, str]
) -> dict[str, Any]:
    definitions = {d.key: d for d in CustomFieldDefinition.objects.filter(workspace=workspace)}
    cleaned: dict[str, Any] = {}
    for key, raw in values.items():
        field = f"custom_fields.{key}"
        definition = definitions.get(key)
        if definition is None:
            errors[field] = _("There is no custom field '%(key)s'. Add it under Settings first.") % {
                "key": key
            }
            continue
        if raw in (None, ""):
            continue
        if definition.field_type == CustomFieldType.NUMBER:
            try:
                cleaned[key] = str(Decimal(str(raw).replace(",", ".")))
            except InvalidOperation:
                errors[field] = _("%(label)s must be a number.") % {"label": definition.label}
        elif definition.field_type == CustomFieldType.DATE:
            try:
                cleaned[key] = parse_date(raw).isoformat()
            except ValueError:
                errors[field] = _("%(label)s must be a date like 31/01/2025.") % {"label": definition.label}
        elif definition.field_type == CustomFieldType.CHOICE:
            if str(raw) not in definition.choices:
                errors[field] = _("%(label)s must be one of: %(choices)s.") % {
                    "label": definition.label,
                    "choices": ", ".join(definition.choices),
                }
            else:
                cleaned[key] = str(raw)
        else:
            cleaned[key] = str(raw)[:500]
    return cleaned


def contact_values_clean(
    *, workspace: Workspace, values: Mapping[str, Any], partial: bool = False
) -> dict[str, Any]:
    """Validate and normalise contact input. Returns model attribute values; ``tags`` stays a
    list of names. Raises ``ValidationError`` with every problem at once."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    unknown = set(values) - set(CONTACT_INPUT_FIELDS)
    for name in sorted(unknown):
        errors[name] = _("Unknown field '%(name)s'.") % {"name": name}

    def given(name: str) -> bool:
        return name in values

    if not partial or given("full_name"):
        name = " ".join(str(values.get("full_name") or "").split())
        if not name:
            errors["full_name"] = _("Type the customer's name.")
        out["full_name"] = name

    for name, limit in TEXT_LIMITS.items():
        if name == "full_name" or not given(name):
            continue
        text = str(values.get(name) or "").strip()
        if len(text) > limit:
            errors[name] = _("Use at most %(limit)d characters.") % {"limit": limit}
        out[name] = text

    for name, choices in CHOICES.items():
        if not given(name):
            continue
        value = str(values.get(name) or "")
        if value not in choices.values:
            errors[name] = _("Choose one of: %(choices)s.") % {
                "choices": ", ".join(v for v in choices.values if v)
            }
        out[name] = value

    for name in ("phone", "phone_alt"):
        if not given(name):
            continue
        raw = str(values.get(name) or "").strip()
        if not raw:
            out[name], out[f"{name}_raw"] = "", ""
            continue
        number = normalize_phone(raw)
        if number is None:
            errors[name] = _(
                "'%(raw)s' is not a valid phone number. Type it like 0812-3456-7890 or +62 812 3456 7890."
            ) % {"raw": raw}
        else:
            out[name], out[f"{name}_raw"] = number.e164, raw[:40]

    if given("email"):
        email = str(values.get("email") or "").strip().lower()
        if email:
            try:
                validate_email(email)
            except DjangoValidationError:
                errors["email"] = _(
                    "'%(email)s' is not an e-mail address. Type it like nama@contoh.co.id."
                ) % {"email": email}
        out["email"] = email

    if given("birthday"):
        raw_birthday = values.get("birthday")
        if raw_birthday in (None, ""):
            out["birthday"] = None
        else:
            try:
                birthday = parse_date(raw_birthday)
            except ValueError:
                errors["birthday"] = _("Type the birthday as day/month/year, e.g. 31/01/1990.")
            else:
                if birthday > timezone.localdate() or birthday.year < 1900:
                    errors["birthday"] = _("The birthday must be a past date after 1900.")
                out["birthday"] = birthday

    for name, cleaner in (("nik", clean_nik), ("npwp", clean_npwp)):
        if not given(name):
            continue
        raw = str(values.get(name) or "").strip()
        if not raw:
            out[name] = ""
            continue
        try:
            out[name] = cleaner(raw)
        except IdentifierError as error:
            errors[name] = identifier_message(name, error)

    for name, model, label in (
        ("company_id", Company, _("company")),
        ("department_id", Department, _("department")),
    ):
        if not given(name):
            continue
        ref_id = optional_id(values.get(name))
        out[name] = ref_id
        if ref_id is None:
            continue
        if not model.objects.filter(workspace=workspace, pk=ref_id).exists():
            errors[name] = _("That %(label)s does not exist in this workspace. Choose one from the list.") % {
                "label": label
            }

    if given("owner_id"):
        owner_id = optional_id(values.get("owner_id"))
        out["owner_id"] = owner_id
        if (
            owner_id is not None
            and not Membership.objects.filter(workspace=workspace, user_id=owner_id).exists()
        ):
            errors["owner_id"] = _("The owner must be a member of this workspace.")

    if given("tags"):
        raw_tags = values.get("tags") or []
        if isinstance(raw_tags, str):
            raw_tags = raw_tags.split(",")
        names: list[str] = []
        for tag in raw_tags:
            text = " ".join(str(tag).split())
            if not text:
                continue
            if len(text) > 50:
                errors["tags"] = _("A tag has at most 50 characters.")
            elif text.lower() not in {n.lower() for n in names}:
                names.append(text)
        out["tags"] = names

    if given("custom_fields"):
        raw_custom = values.get("custom_fields") or {}
        if not isinstance(raw_custom, Mapping):
            errors["custom_fields"] = _("Custom fields must be given as key: value pairs.")
        else:
            out["custom_fields"] = clean_custom_fields(workspace=workspace, values=raw_custom, errors=errors)

    kind = out.get("kind")
    if kind == ContactKind.INTERNAL and not partial and not out.get("department_id"):
        errors.setdefault("department_id", _("An internal customer belongs to a department. Choose one."))

    if errors:
        raise fields_invalid(errors)
    return out
