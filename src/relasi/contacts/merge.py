"""Merging a duplicate customer into another, and undoing it within 30 days.

``contact_merge`` moves *every* row that points at the merged contact to the survivor. It
finds them generically, from ``Contact._meta`` (reverse foreign keys, including hidden ones
with ``related_name="+"``, and the through tables of many-to-many relations), so rows that
other apps add later (messages, invoices, tickets…) move without a change here. It records
the id of every moved row and the survivor's previous values in ``ContactMerge``, which is
what ``contact_merge_undo`` needs to put everything back.

Not moved: ``Contact.merged_into`` (contacts merged earlier into the merged one keep
pointing at it, so their own merge can still be undone) and ``ContactMerge``'s own keys.
A row that cannot move because of a unique constraint (say, a one-to-one the survivor
already has) stays with the merged contact and is listed under ``kept``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from relasi.accounts.models import User
from relasi.contacts import events
from relasi.contacts.duplicates import ContactRelation, contact_relations, merge_undo_refusal
from relasi.contacts.models import Contact, ContactMerge, Tag
from relasi.core.audit import audit_record, snapshot
from relasi.core.exceptions import Conflict, NotFound, ValidationError
from relasi.core.models import AuditAction

SURVIVOR: Literal["survivor"] = "survivor"
MERGED: Literal["merged"] = "merged"
CUSTOM_PREFIX = "custom_fields."

# The contact's own values a merge decides between, in the order a person reads them.
MERGE_FIELDS: tuple[str, ...] = (
    "full_name",
    "kind",
    "phone",
    "phone_alt",
    "email",
    "company",
    "department",
    "job_title",
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
    "owner",
)
# Values that travel with a chosen field (the number as typed goes with the number).
COMPANION_FIELDS: dict[str, tuple[str, ...]] = {
    "phone": ("phone_raw",),
    "phone_alt": ("phone_alt_raw",),
}
_UPDATE_CHUNK = 1000
_EMPTY: tuple[Any, ...] = (None, "", {}, [])


def _attname(name: str) -> str:
    return Contact._meta.get_field(name).attname  # type: ignore[union-attr]


SNAPSHOT_FIELDS: tuple[str, ...] = (
    *(_attname(name) for name in MERGE_FIELDS),
    *(companion for group in COMPANION_FIELDS.values() for companion in group),
    "custom_fields",
)


@dataclass(frozen=True)
class MergeFieldResult:
    """One field of the merged record: both values and which one is kept. Values are the
    stored ones (ids for foreign keys)."""

    name: str  # a MERGE_FIELDS name, or "custom_fields.<key>"
    survivor_value: Any
    merged_value: Any
    source: Literal["survivor", "merged"]

    @property
    def value(self) -> Any:
        return self.survivor_value if self.source == SURVIVOR else self.merged_value

    @property
    def differs(self) -> bool:
        return bool(self.survivor_value != self.merged_value)

    @property
    def custom_key(self) -> str:
        return self.name[len(CUSTOM_PREFIX) :] if self.name.startswith(CUSTOM_PREFIX) else ""


@dataclass(frozen=True)
class MergePreview:
    """The record ``contact_merge`` would produce, field by field."""

    fields: list[MergeFieldResult]  # MERGE_FIELDS, then the custom fields by key
    tags: list[Tag]  # the union, by name
    tags_added: list[Tag]  # the merged contact's tags the survivor lacks
    companions: dict[str, Any]  # phone_raw etc., from the side their field was taken from

    @property
    def values(self) -> dict[str, Any]:
        """``{attribute: value}`` as it would be stored, plus ``custom_fields`` and ``tags``
        (names)."""
        result: dict[str, Any] = {}
        custom: dict[str, Any] = {}
        for item in self.fields:
            if item.custom_key:
                if item.value not in _EMPTY:
                    custom[item.custom_key] = item.value
            else:
                result[_attname(item.name)] = item.value
        result.update(self.companions)
        result["custom_fields"] = custom
        result["tags"] = [tag.name for tag in self.tags]
        return result

    @property
    def differing(self) -> list[MergeFieldResult]:
        return [item for item in self.fields if item.differs]


def _stored(contact: Contact, name: str) -> Any:
    return getattr(contact, _attname(name))


def _default_source(survivor_value: Any, merged_value: Any) -> Literal["survivor", "merged"]:
    return MERGED if survivor_value in _EMPTY and merged_value not in _EMPTY else SURVIVOR


def check_merge_choices(
    *, survivor: Contact, merged: Contact, choices: Mapping[str, str] | None
) -> dict[str, Literal["survivor", "merged"]]:
    """``choices`` checked: every key a mergeable field (or ``custom_fields.<key>`` of either
    contact), every value ``"survivor"`` or ``"merged"``. Raises ``ValidationError``."""
    errors: dict[str, str] = {}
    cleaned: dict[str, Literal["survivor", "merged"]] = {}
    custom_keys = set(survivor.custom_fields or {}) | set(merged.custom_fields or {})
    for key, value in (choices or {}).items():
        known = key in MERGE_FIELDS or (
            key.startswith(CUSTOM_PREFIX) and key[len(CUSTOM_PREFIX) :] in custom_keys
        )
        if not known:
            errors[key] = _("Unknown field '%(name)s'.") % {"name": key}
        elif value == SURVIVOR:
            cleaned[key] = SURVIVOR
        elif value == MERGED:
            cleaned[key] = MERGED
        else:
            errors[key] = _("Choose 'survivor' or 'merged'.")
    if errors:
        raise ValidationError(
            _("Some choices need fixing: %(fields)s.") % {"fields": ", ".join(sorted(errors))},
            code="invalid_choices",
            fields=errors,
        )
    return cleaned


def contact_merge_preview(
    *, survivor: Contact, merged: Contact, choices: Mapping[str, str] | None = None
) -> MergePreview:
    """The record that merging ``merged`` into ``survivor`` would give. Writes nothing.

    For each field, ``choices`` (``{field: "survivor" | "merged"}``) picks the value; without
    a choice the survivor's value is kept unless it is empty, then the merged one's is
    taken. ``custom_fields`` are decided key by key (``"custom_fields.<key>"``); tags are the
    union of both contacts' tags. Raises ``ValidationError`` for an unknown choice."""
    picked = check_merge_choices(survivor=survivor, merged=merged, choices=choices)
    fields: list[MergeFieldResult] = []
    companions: dict[str, Any] = {}
    for name in MERGE_FIELDS:
        ours, theirs = _stored(survivor, name), _stored(merged, name)
        source = picked.get(name) or _default_source(ours, theirs)
        fields.append(MergeFieldResult(name, ours, theirs, source))
        for companion in COMPANION_FIELDS.get(name, ()):
            companions[companion] = getattr(survivor if source == SURVIVOR else merged, companion)
    survivor_custom = survivor.custom_fields or {}
    merged_custom = merged.custom_fields or {}
    for key in sorted(set(survivor_custom) | set(merged_custom)):
        name = CUSTOM_PREFIX + key
        ours, theirs = survivor_custom.get(key), merged_custom.get(key)
        source = picked.get(name) or _default_source(ours, theirs)
        fields.append(MergeFieldResult(name, ours, theirs, source))
    survivor_tags = {tag.pk: tag for tag in survivor.tags.all()}
    added = [tag for tag in merged.tags.all() if tag.pk not in survivor_tags]
    return MergePreview(
        fields=fields,
        tags=sorted([*survivor_tags.values(), *added], key=lambda t: t.name.lower()),
        tags_added=sorted(added, key=lambda t: t.name.lower()),
        companions=companions,
    )


# Locking and moving rows ------------------------------------------------------------------


def _lock_contacts(*pks: int) -> dict[int, Contact]:
    """Fresh copies of the contacts, locked in id order so that two merges touching the
    same contacts queue instead of deadlocking."""
    return {
        contact.pk: contact
        for contact in Contact.objects.select_for_update().filter(pk__in=pks).order_by("pk")
    }


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), _UPDATE_CHUNK):
        yield ids[start : start + _UPDATE_CHUNK]


def _move_rows(relation: ContactRelation, *, source_pk: int, target_pk: int) -> tuple[list[int], list[int]]:
    """Point ``relation``'s rows from ``source_pk`` to ``target_pk``; ``(moved, kept)`` ids.
    All at once when possible; row by row when a unique constraint objects, keeping the
    rows that would collide."""
    manager = relation.model._base_manager
    column = relation.field.attname
    ids = list(manager.filter(**{column: source_pk}).order_by("pk").values_list("pk", flat=True))
    if not ids:
        return [], []
    try:
        with transaction.atomic():
            for chunk in _chunks(ids):
                manager.filter(pk__in=chunk).update(**{column: target_pk})
    except IntegrityError:
        moved: list[int] = []
        kept: list[int] = []
        for pk in ids:
            try:
                with transaction.atomic():
                    manager.filter(pk=pk).update(**{column: target_pk})
            except IntegrityError:
                kept.append(pk)
            else:
                moved.append(pk)
        return moved, kept
    return ids, []


def _audit_values(contact: Contact) -> dict[str, Any]:
    return snapshot(contact, SNAPSHOT_FIELDS)


# Merge ------------------------------------------------------------------------------------


@transaction.atomic
def contact_merge(
    *,
    survivor: Contact,
    merged: Contact,
    actor: User | None,
    choices: Mapping[str, str] | None = None,
    ip_address: str | None = None,
) -> ContactMerge:
    """Merge ``merged`` into ``survivor`` and return the ``ContactMerge`` record.

    The survivor takes the values of ``contact_merge_preview`` (same ``choices``) and the
    union of the tags; every row pointing at ``merged`` (identities, notes, timeline and
    whatever other apps link to a contact) moves to the survivor; ``merged`` is hidden
    (``merged_into``). Both contacts are locked first. Refused: a contact with itself,
    contacts of two workspaces, a contact that is already merged. Audited (MERGE) and
    written to the survivor's timeline. ``contact_merge_undo`` reverses it for 30 days."""
    if survivor.pk == merged.pk:
        raise ValidationError(
            _("A customer cannot be merged with itself. Choose another customer."),
            code="merge_same_contact",
            fields={"other_id": _("Choose a different customer.")},
        )
    if survivor.workspace_id != merged.workspace_id:
        raise ValidationError(
            _("Only customers of the same workspace can be merged."),
            code="merge_other_workspace",
            fields={"other_id": _("Choose a customer of this workspace.")},
        )
    locked = _lock_contacts(survivor.pk, merged.pk)
    fresh_survivor, fresh_merged = locked.get(survivor.pk), locked.get(merged.pk)
    if fresh_survivor is None or fresh_merged is None:
        raise NotFound(_("One of the customers no longer exists."), code="not_found")
    survivor, merged = fresh_survivor, fresh_merged
    for contact in (survivor, merged):
        if contact.merged_into_id is not None:
            raise Conflict(
                _("%(name)s has already been merged into another customer.") % {"name": contact.full_name},
                code="merge_already_merged",
            )

    preview = contact_merge_preview(survivor=survivor, merged=merged, choices=choices)
    before = _audit_values(survivor)
    for attname, value in preview.values.items():
        if attname != "tags":
            setattr(survivor, attname, value)
    survivor.save()
    after = _audit_values(survivor)
    changed_to = {name: value for name, value in after.items() if before.get(name) != value}

    rows: dict[str, list[int]] = {}
    kept: dict[str, list[int]] = {}
    for relation in contact_relations():
        moved_ids, kept_ids = _move_rows(relation, source_pk=merged.pk, target_pk=survivor.pk)
        if moved_ids:
            rows[relation.key] = moved_ids
        if kept_ids:
            kept[relation.key] = kept_ids
    added: dict[str, list[int]] = {}
    for m2m in Contact._meta.many_to_many:
        have = set(getattr(survivor, m2m.name).values_list("pk", flat=True))
        extra = [
            pk
            for pk in getattr(merged, m2m.name).order_by("pk").values_list("pk", flat=True)
            if pk not in have
        ]
        if extra:
            getattr(survivor, m2m.name).add(*extra)
            added[m2m.name] = extra

    merged.merged_into = survivor
    merged.save(update_fields=["merged_into", "updated_at"])
    merge = ContactMerge.objects.create(
        workspace_id=survivor.workspace_id,
        survivor=survivor,
        merged=merged,
        performed_by=actor,
        survivor_before=before,
        moved={"rows": rows, "kept": kept, "added": added, "changed_to": changed_to},
    )
    changes = {
        "merge_id": merge.pk,
        "merged_id": merged.pk,
        "merged_name": merged.full_name,
        "fields": {name: [before.get(name), value] for name, value in changed_to.items()},
        "moved": {key: len(ids) for key, ids in rows.items()},
        "kept": {key: len(ids) for key, ids in kept.items()},
        "tags_added": [tag.name for tag in preview.tags_added],
    }
    audit_record(
        action=AuditAction.MERGE,
        actor=actor,
        workspace=survivor.workspace,
        instance=survivor,
        changes=changes,
        ip_address=ip_address,
    )
    audit_record(
        action=AuditAction.MERGE,
        actor=actor,
        workspace=survivor.workspace,
        instance=merged,
        changes={"merge_id": merge.pk, "merged_into": survivor.pk},
        ip_address=ip_address,
    )
    events.contact_merged_event(
        contact=survivor, actor=actor, merged_name=merged.full_name, merge_id=merge.pk
    )
    return merge


# Undo -------------------------------------------------------------------------------------


def _restored_value(name: str, value: Any) -> Any:
    """A snapshot value turned back into what the model stores."""
    field = next(f for f in Contact._meta.concrete_fields if f.attname == name)
    if isinstance(field, models.DateField) and isinstance(value, str):
        return dt.date.fromisoformat(value)
    if isinstance(field, models.ForeignKey) and value is not None:
        related = field.related_model
        assert isinstance(related, type)
        return value if related._base_manager.filter(pk=value).exists() else None
    return value


def _restore_survivor(*, survivor: Contact, before: dict[str, Any], changed_to: dict[str, Any]) -> list[str]:
    """Put back the survivor's values the merge changed, where they still hold the value the
    merge gave them (a later edit wins). Returns the restored attribute names."""
    current = _audit_values(survivor)
    restored: list[str] = []
    for name in MERGE_FIELDS:
        attname = _attname(name)
        if attname not in changed_to or current[attname] != changed_to[attname]:
            continue
        for target in (attname, *COMPANION_FIELDS.get(name, ())):
            if target in before:
                setattr(survivor, target, _restored_value(target, before[target]))
                restored.append(target)
    if "custom_fields" in changed_to:
        old: dict[str, Any] = before.get("custom_fields") or {}
        new: dict[str, Any] = changed_to["custom_fields"] or {}
        custom = dict(survivor.custom_fields or {})
        for key in sorted(set(old) | set(new)):
            if old.get(key) == new.get(key) or custom.get(key) != new.get(key):
                continue
            if key in old:
                custom[key] = old[key]
            else:
                custom.pop(key, None)
            restored.append(CUSTOM_PREFIX + key)
        survivor.custom_fields = custom
    return restored


@transaction.atomic
def contact_merge_undo(
    *, merge: ContactMerge, actor: User | None, ip_address: str | None = None
) -> ContactMerge:
    """Separate the contacts of ``merge`` again and return the updated record.

    Allowed once, within 30 days, and not after the survivor was itself merged into another
    contact (undo that merge first). The rows recorded as moved go back to the merged
    contact (rows added to the survivor since stay); the survivor's fields the merge changed
    are restored unless edited since; the tags the merge added are removed; the merged
    contact is visible again. Audited (UNMERGE); both timelines get an event."""
    merge = ContactMerge.objects.select_for_update().get(pk=merge.pk)
    locked = _lock_contacts(merge.survivor_id, merge.merged_id)
    fresh_survivor, fresh_merged = locked.get(merge.survivor_id), locked.get(merge.merged_id)
    if fresh_survivor is None or fresh_merged is None:
        raise NotFound(_("One of the customers no longer exists."), code="not_found")
    survivor, merged = fresh_survivor, fresh_merged
    merge.survivor, merge.merged = survivor, merged
    refusal = merge_undo_refusal(merge=merge)
    if refusal is not None:
        raise refusal
    if merged.merged_into_id != survivor.pk:
        raise Conflict(
            _("%(name)s is no longer merged into %(survivor)s; there is nothing to undo.")
            % {"name": merged.full_name, "survivor": survivor.full_name},
            code="merge_not_current",
        )

    moved: dict[str, Any] = merge.moved or {}
    returned: dict[str, int] = {}
    for key, ids in (moved.get("rows") or {}).items():
        relation = next((r for r in contact_relations() if r.key == key), None)
        if relation is None:  # the app that owned these rows is gone
            continue
        column = relation.field.attname
        count = 0
        for chunk in _chunks(ids):
            count += relation.model._base_manager.filter(pk__in=chunk, **{column: survivor.pk}).update(
                **{column: merged.pk}
            )
        returned[key] = count
    removed: dict[str, list[int]] = {}
    for name, ids in (moved.get("added") or {}).items():
        if ids and name in {field.name for field in Contact._meta.many_to_many}:
            getattr(survivor, name).remove(*ids)
            removed[name] = ids

    restored = _restore_survivor(
        survivor=survivor,
        before=merge.survivor_before or {},
        changed_to=moved.get("changed_to") or {},
    )
    survivor.save()
    merged.merged_into = None
    merged.save(update_fields=["merged_into", "updated_at"])
    merge.undone_at = timezone.now()
    merge.undone_by = actor
    merge.save(update_fields=["undone_at", "undone_by", "updated_at"])

    audit_record(
        action=AuditAction.UNMERGE,
        actor=actor,
        workspace=survivor.workspace,
        instance=survivor,
        changes={
            "merge_id": merge.pk,
            "merged_id": merged.pk,
            "restored_fields": restored,
            "returned": returned,
            "removed": removed,
        },
        ip_address=ip_address,
    )
    audit_record(
        action=AuditAction.UNMERGE,
        actor=actor,
        workspace=survivor.workspace,
        instance=merged,
        changes={"merge_id": merge.pk, "separated_from": survivor.pk},
        ip_address=ip_address,
    )
    for contact in (survivor, merged):
        events.contact_unmerged_event(
            contact=contact, actor=actor, restored_name=merged.full_name, merge_id=merge.pk
        )
    return merge
