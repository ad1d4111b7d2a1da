"""Writes for customers: contacts, companies, departments, notes, identities, tags.

Every service is keyword-only and atomic, audits changes to personal data and writes the
contact's timeline. Merge lives in ``contacts/merge.py``, import/export in
``contacts/imports.py`` and ``contacts/exports.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from relasi.accounts.models import User, Workspace
from relasi.contacts import events
from relasi.contacts.enums import Channel, ContactKind
from relasi.contacts.models import (
    Company,
    Contact,
    ContactIdentity,
    ContactNote,
    Department,
    Tag,
)
from relasi.contacts.selectors_org import department_descendant_ids
from relasi.contacts.validation import CONTACT_INPUT_FIELDS, clean_owner, contact_values_clean, optional_id
from relasi.core.audit import audit_record, diff, snapshot
from relasi.core.exceptions import Conflict, ValidationError, fields_invalid
from relasi.core.identifiers import IdentifierError, clean_nitku, clean_npwp
from relasi.core.models import AuditAction
from relasi.core.phone import normalize_phone

AUDITED_CONTACT_FIELDS = tuple(name for name in CONTACT_INPUT_FIELDS if name != "tags")


def tags_get_or_create(*, workspace: Workspace, names: list[str]) -> list[Tag]:
    """The workspace's tags with these names (case-insensitive), creating the missing ones."""
    existing = {t.name.lower(): t for t in Tag.objects.filter(workspace=workspace)}
    result = []
    for name in names:
        tag = existing.get(name.lower())
        if tag is None:
            tag = Tag.objects.create(workspace=workspace, name=name)
            existing[name.lower()] = tag
        result.append(tag)
    return result


@transaction.atomic
def contact_create(
    *,
    workspace: Workspace,
    actor: User | None,
    values: Mapping[str, Any],
    timeline_source: str = "",
    ip_address: str | None = None,
) -> Contact:
    """Create a customer from raw input (form, API or import row). See ``contact_values_clean``."""
    cleaned = contact_values_clean(workspace=workspace, values=values)
    tag_names = cleaned.pop("tags", [])
    contact = Contact(workspace=workspace, created_by=actor, **cleaned)
    if actor is not None and "owner_id" not in cleaned:
        contact.owner = actor
    contact.save()
    if tag_names:
        contact.tags.set(tags_get_or_create(workspace=workspace, names=tag_names))
    audit_record(
        action=AuditAction.CREATE,
        actor=actor,
        workspace=workspace,
        instance=contact,
        changes=snapshot(contact, AUDITED_CONTACT_FIELDS) | {"tags": tag_names},
        ip_address=ip_address,
    )
    events.contact_created_event(contact=contact, actor=actor, source=timeline_source)
    number = normalize_phone(contact.phone) if contact.phone else None
    if number is not None and number.is_mobile:
        _identity_ensure(contact=contact, channel=Channel.WHATSAPP, address=contact.whatsapp_id)
    if contact.email:
        _identity_ensure(contact=contact, channel=Channel.EMAIL, address=contact.email)
    return contact


def _identity_ensure(*, contact: Contact, channel: str, address: str) -> None:
    """Link a channel address unless another contact already holds it (a duplicate to merge)."""
    ContactIdentity.objects.get_or_create(
        workspace_id=contact.workspace_id,
        channel=channel,
        address=address,
        defaults={"contact": contact},
    )


@transaction.atomic
def contact_update(
    *,
    contact: Contact,
    actor: User | None,
    values: Mapping[str, Any],
    ip_address: str | None = None,
) -> Contact:
    """Change some fields of a contact (a partial update). Audits {field: [old, new]}."""
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    cleaned = contact_values_clean(workspace=contact.workspace, values=values, partial=True)
    before = snapshot(contact, AUDITED_CONTACT_FIELDS)
    before_tags = sorted(contact.tags.values_list("name", flat=True))
    tag_names = cleaned.pop("tags", None)
    if "custom_fields" in cleaned:
        # Keys sent empty clear the value; keys not sent keep theirs.
        given = values.get("custom_fields") or {}
        cleared = {k for k, v in given.items() if v in (None, "")}
        merged = {**contact.custom_fields, **cleaned["custom_fields"]}
        cleaned["custom_fields"] = {k: v for k, v in merged.items() if k not in cleared}
    for name, value in cleaned.items():
        setattr(contact, name, value)
    if contact.kind == ContactKind.INTERNAL and contact.department_id is None:
        raise ValidationError(
            _("An internal customer belongs to a department. Choose one."),
            fields={"department_id": _("An internal customer belongs to a department. Choose one.")},
        )
    contact.save()
    changes = diff(before, snapshot(contact, AUDITED_CONTACT_FIELDS))
    if tag_names is not None:
        contact.tags.set(tags_get_or_create(workspace=contact.workspace, names=tag_names))
        after_tags = sorted(t for t in tag_names)
        if [t.lower() for t in after_tags] != [t.lower() for t in before_tags]:
            changes["tags"] = [before_tags, after_tags]
    if changes:
        audit_record(
            action=AuditAction.UPDATE,
            actor=actor,
            workspace=contact.workspace,
            instance=contact,
            changes=changes,
            ip_address=ip_address,
        )
        events.contact_updated_event(contact=contact, actor=actor, changed=sorted(changes))
    return contact


@transaction.atomic
def contact_delete(*, contact: Contact, actor: User | None, ip_address: str | None = None) -> None:
    audit_record(
        action=AuditAction.DELETE,
        actor=actor,
        workspace=contact.workspace,
        instance=contact,
        changes=snapshot(contact, AUDITED_CONTACT_FIELDS),
        ip_address=ip_address,
    )
    try:
        contact.delete()
    except ProtectedError as error:
        # Sales documents keep their customer: tax records are kept 10 years (R13).
        raise Conflict(
            _(
                "This customer has sales documents (quotations, invoices, payments or deals) and "
                "cannot be deleted. Merge it into another customer instead."
            ),
            code="has_documents",
        ) from error


@transaction.atomic
def contact_note_add(*, contact: Contact, author: User, body: str) -> ContactNote:
    """Add a note to a customer (audited: notes often hold personal details)."""
    body = body.strip()
    if not body:
        raise ValidationError(_("The note is empty."), fields={"body": _("Write something first.")})
    note = ContactNote.objects.create(
        workspace_id=contact.workspace_id, contact=contact, author=author, body=body[:10000]
    )
    events.contact_note_added_event(contact=contact, actor=author, note_id=note.pk)
    audit_record(
        action=AuditAction.CREATE,
        actor=author,
        workspace=contact.workspace,
        instance=note,
        changes={"contact_id": contact.pk, "body": note.body},
    )
    return note


def identity_address_normalize(*, channel: str, address: str) -> str:
    address = address.strip()
    if channel == Channel.WHATSAPP:
        number = normalize_phone(address)
        if number is None or not number.is_mobile:
            raise ValidationError(
                _("A WhatsApp address is a mobile number, like 0812-3456-7890."),
                fields={"address": _("Type a mobile number.")},
            )
        return number.whatsapp_id
    if channel == Channel.EMAIL:
        return address.lower()
    if channel == Channel.WEBCHAT:
        if not address:
            raise ValidationError(_("The visitor id is empty."), fields={"address": _("Give the id.")})
        return address
    raise ValidationError(
        _("Unknown channel."), fields={"channel": _("Choose WhatsApp, e-mail or web chat.")}
    )


@transaction.atomic
def contact_identity_add(
    *, contact: Contact, channel: str, address: str, actor: User | None, display_name: str = ""
) -> ContactIdentity:
    """Link a channel address to ``contact``; an address belongs to one contact per workspace."""
    normalized = identity_address_normalize(channel=channel, address=address)
    holder = (
        ContactIdentity.objects.select_related("contact")
        .filter(workspace_id=contact.workspace_id, channel=channel, address=normalized)
        .first()
    )
    if holder is not None:
        if holder.contact_id == contact.pk:
            return holder
        raise Conflict(
            _("This address already belongs to %(name)s. Merge the two customers instead.")
            % {"name": holder.contact.full_name},
            code="identity_taken",
            fields={"address": _("Use another address or merge the customers.")},
        )
    identity = ContactIdentity.objects.create(
        workspace_id=contact.workspace_id,
        contact=contact,
        channel=channel,
        address=normalized,
        display_name=display_name[:200],
    )
    events.contact_identity_added_event(contact=contact, actor=actor, channel=channel, address=normalized)
    audit_record(
        action=AuditAction.CREATE,
        actor=actor,
        workspace=contact.workspace,
        instance=identity,
        changes={"contact_id": contact.pk, "channel": channel, "address": normalized},
    )
    return identity


# Companies and departments -------------------------------------------------------------

COMPANY_FIELDS = (
    "name",
    "npwp",
    "nitku",
    "email",
    "phone",
    "website",
    "industry",
    "address",
    "province",
    "city",
    "postal_code",
    "notes",
    "owner_id",
)


def _company_clean(*, workspace: Workspace, values: Mapping[str, Any], partial: bool) -> dict[str, Any]:
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    for name in sorted(set(values) - set(COMPANY_FIELDS) - {"tags"}):
        errors[name] = _("Unknown field '%(name)s'.") % {"name": name}
    if not partial or "name" in values:
        out["name"] = " ".join(str(values.get("name") or "").split())[:200]
        if not out["name"]:
            errors["name"] = _("Type the company's name.")
    limits = {
        "website": 200,
        "industry": 80,
        "address": 2000,
        "province": 60,
        "city": 80,
        "postal_code": 10,
        "notes": 10000,
    }
    for name, limit in limits.items():
        if name in values:
            out[name] = str(values.get(name) or "").strip()
            if len(out[name]) > limit:
                errors[name] = _("Use at most %(limit)d characters.") % {"limit": limit}
    if "email" in values:
        out["email"] = str(values.get("email") or "").strip().lower()
        if out["email"]:
            try:
                validate_email(out["email"])
            except DjangoValidationError:
                errors["email"] = _(
                    "'%(email)s' is not an e-mail address. Type it like nama@contoh.co.id."
                ) % {"email": out["email"]}
    if "phone" in values:
        raw = str(values.get("phone") or "").strip()
        number = normalize_phone(raw) if raw else None
        if raw and number is None:
            errors["phone"] = _("'%(raw)s' is not a valid phone number. Type it like (021) 555-1234.") % {
                "raw": raw
            }
        out["phone"], out["phone_raw"] = (number.e164 if number else ""), raw[:40]
    for name, cleaner, message in (
        ("npwp", clean_npwp, _("This NPWP is not valid. Type the 16 digits (or the old 15).")),
        ("nitku", clean_nitku, _("NITKU has 22 digits: the NPWP followed by 6 digits.")),
    ):
        if name in values:
            raw = str(values.get(name) or "").strip()
            try:
                out[name] = cleaner(raw) if raw else ""
            except IdentifierError:
                errors[name] = message
    if "owner_id" in values:
        out["owner_id"] = clean_owner(workspace=workspace, value=values.get("owner_id"), errors=errors)
    if errors:
        raise fields_invalid(errors)
    return out


@transaction.atomic
def company_create(*, workspace: Workspace, actor: User | None, values: Mapping[str, Any]) -> Company:
    cleaned = _company_clean(workspace=workspace, values=values, partial=False)
    company = Company.objects.create(workspace=workspace, **cleaned)
    if values.get("tags"):
        names = [str(t).strip() for t in values["tags"] if str(t).strip()]
        company.tags.set(tags_get_or_create(workspace=workspace, names=names))
    audit_record(
        action=AuditAction.CREATE,
        actor=actor,
        workspace=workspace,
        instance=company,
        changes=snapshot(company, COMPANY_FIELDS),
    )
    return company


@transaction.atomic
def company_update(*, company: Company, actor: User | None, values: Mapping[str, Any]) -> Company:
    cleaned = _company_clean(workspace=company.workspace, values=values, partial=True)
    before = snapshot(company, COMPANY_FIELDS)
    for name, value in cleaned.items():
        setattr(company, name, value)
    company.save()
    changes = diff(before, snapshot(company, COMPANY_FIELDS))
    if "tags" in values:
        before_tags = sorted(company.tags.values_list("name", flat=True))
        names = [str(t).strip() for t in values["tags"] or [] if str(t).strip()]
        company.tags.set(tags_get_or_create(workspace=company.workspace, names=names))
        if sorted(n.lower() for n in names) != sorted(n.lower() for n in before_tags):
            changes["tags"] = [before_tags, sorted(names)]
    if changes:
        audit_record(
            action=AuditAction.UPDATE,
            actor=actor,
            workspace=company.workspace,
            instance=company,
            changes=changes,
        )
    return company


@transaction.atomic
def company_delete(*, company: Company, actor: User | None) -> None:
    audit_record(
        action=AuditAction.DELETE,
        actor=actor,
        workspace=company.workspace,
        instance=company,
        changes=snapshot(company, COMPANY_FIELDS),
    )
    company.delete()


def _department_clean(
    *, workspace: Workspace, values: Mapping[str, Any], partial: bool, instance: Department | None
) -> dict[str, Any]:
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    allowed = {"name", "code", "parent_id", "head_id", "notes"}
    for name in sorted(set(values) - allowed):
        errors[name] = _("Unknown field '%(name)s'.") % {"name": name}
    if not partial or "name" in values:
        out["name"] = " ".join(str(values.get("name") or "").split())[:120]
        if not out["name"]:
            errors["name"] = _("Type the department's name.")
        elif (
            Department.objects.filter(workspace=workspace, name__iexact=out["name"])
            .exclude(pk=instance.pk if instance else 0)
            .exists()
        ):
            errors["name"] = _("A department with this name exists already.")
    for name in ("code", "notes"):
        if name in values:
            out[name] = str(values.get(name) or "").strip()
    if len(out.get("code", "")) > 20:
        errors["code"] = _("Use at most %(limit)d characters.") % {"limit": 20}
    if "parent_id" in values:
        ref = values.get("parent_id")
        out["parent_id"] = optional_id(ref)
        if ref not in (None, ""):
            if not Department.objects.filter(workspace=workspace, pk=out["parent_id"] or 0).exists():
                errors["parent_id"] = _("Choose a department of this workspace.")
            elif instance is not None and out["parent_id"] == instance.pk:
                errors["parent_id"] = _("A department cannot be its own parent.")
            elif instance is not None and out["parent_id"] in department_descendant_ids(
                workspace=workspace, department_id=instance.pk
            ):
                errors["parent_id"] = _(
                    "That department is below this one, so it cannot be its parent. Choose another."
                )
    if "head_id" in values:
        ref = values.get("head_id")
        out["head_id"] = optional_id(ref)
        if (
            ref not in (None, "")
            and not Contact.objects.filter(workspace=workspace, pk=out["head_id"] or 0).exists()
        ):
            errors["head_id"] = _("Choose a contact of this workspace as head.")
    if errors:
        raise fields_invalid(errors)
    return out


@transaction.atomic
def department_create(*, workspace: Workspace, actor: User | None, values: Mapping[str, Any]) -> Department:
    cleaned = _department_clean(workspace=workspace, values=values, partial=False, instance=None)
    department = Department.objects.create(workspace=workspace, **cleaned)
    audit_record(
        action=AuditAction.CREATE, actor=actor, workspace=workspace, instance=department, changes=cleaned
    )
    return department


@transaction.atomic
def department_update(*, department: Department, actor: User | None, values: Mapping[str, Any]) -> Department:
    cleaned = _department_clean(
        workspace=department.workspace, values=values, partial=True, instance=department
    )
    fields = ("name", "code", "parent_id", "head_id", "notes")
    before = snapshot(department, fields)
    for name, value in cleaned.items():
        setattr(department, name, value)
    department.save()
    changes = diff(before, snapshot(department, fields))
    if changes:
        audit_record(
            action=AuditAction.UPDATE,
            actor=actor,
            workspace=department.workspace,
            instance=department,
            changes=changes,
        )
    return department


@transaction.atomic
def department_delete(*, department: Department, actor: User | None) -> None:
    audit_record(action=AuditAction.DELETE, actor=actor, workspace=department.workspace, instance=department)
    department.delete()
