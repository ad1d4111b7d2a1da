"""Reads for merging: suggested duplicate pairs, contacts similar to one contact, past merges.

Duplicate suggestions must stay fast at 1,000,000 contacts (DESIGN §8), so nothing here
compares contacts pairwise. Each reason is one ``GROUP BY … HAVING COUNT(*) > 1`` over a
column of the workspace's live contacts, ordered by that column and limited to ``limit``
groups; a group yields one pair (its oldest and newest contact). Once that pair is merged
the group's next pair shows up. The query count does not depend on the number of contacts.

On PostgreSQL each query stops after ``limit`` groups when a partial btree index
``(workspace_id, <column>) INCLUDE (id) WHERE merged_into_id IS NULL`` gives it the rows in
order (measured at 1,000,000 contacts: 3–40 ms per query); without such an index it is a
full scan and sort of the workspace's live contacts (seconds at that size).

Similar names: the same normalised name (lower case, spaces collapsed) as a group query on
any database; for one given contact, PostgreSQL also ranks names by ``pg_trgm`` similarity
(the trigram index of migration contacts/0002), SQLite falls back to the first word.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection, models, transaction
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Lower, Upper
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from relasi.accounts.models import Workspace
from relasi.contacts.models import Contact, ContactMerge, Tag
from relasi.core.exceptions import ApplicationError, Conflict

MERGE_UNDO_DAYS = 30
# On SQLite a name is matched by its first word; one letter would match nearly everyone.
SIMILAR_MIN_WORD = 2
# pg_trgm similarity (0…1) from which two names count as similar.
SIMILAR_NAME_THRESHOLD = 0.5


class DuplicateReason(models.TextChoices):
    """Why two contacts look like the same customer, strongest first."""

    PHONE = "phone", gettext_lazy("Same phone number")  # across phone and other phone
    EMAIL = "email", gettext_lazy("Same e-mail")
    NAME = "name", gettext_lazy("Same name")  # equal after lower-casing and collapsing spaces
    SIMILAR_NAME = "similar_name", gettext_lazy("Similar name")  # trigram or first-word match


_REASON_ORDER = {reason: position for position, reason in enumerate(DuplicateReason)}


@dataclass(frozen=True)
class DuplicatePair:
    """Two live contacts that look like one customer. ``first`` is the older one (the
    suggested survivor); ``group_size`` is how many contacts share the matched value."""

    first: Contact
    second: Contact
    reasons: tuple[DuplicateReason, ...]
    group_size: int = 2

    @property
    def reason_labels(self) -> list[str]:
        return [str(reason.label) for reason in self.reasons]


@dataclass(frozen=True)
class SimilarContact:
    """A live contact that may be the same customer as a given one, and why."""

    contact: Contact
    reasons: tuple[DuplicateReason, ...]
    similarity: float | None = None  # pg_trgm similarity of the names, PostgreSQL only


@dataclass
class _Candidate:
    reasons: set[DuplicateReason] = field(default_factory=set)
    group_size: int = 2


def normalised_name(name: str) -> str:
    """The form names are compared in: lower case, runs of white space collapsed."""
    return " ".join(name.split()).lower()


def normalised_name_expression() -> models.Func:
    """``normalised_name`` in SQL: every writer (services, import, seed) stores names with
    white space already collapsed, so lower-casing is enough; PostgreSQL has an index on
    exactly this expression (migration 0003)."""
    return Lower(F("full_name"))


def _live(workspace: Workspace) -> QuerySet[Contact]:
    return Contact.objects.filter(workspace=workspace, merged_into__isnull=True)


def _phones(contact: Contact) -> set[str]:
    return {number for number in (contact.phone, contact.phone_alt) if number}


def pair_reasons(first: Contact, second: Contact) -> set[DuplicateReason]:
    """Every exact reason two loaded contacts share (used to complete a group's reason)."""
    reasons: set[DuplicateReason] = set()
    if _phones(first) & _phones(second):
        reasons.add(DuplicateReason.PHONE)
    if first.email and first.email.lower() == second.email.lower():
        reasons.add(DuplicateReason.EMAIL)
    if normalised_name(first.full_name) and normalised_name(first.full_name) == normalised_name(
        second.full_name
    ):
        reasons.add(DuplicateReason.NAME)
    return reasons


def _group_pairs(
    queryset: QuerySet[Contact], column: str | models.Func, *, limit: int
) -> list[tuple[int, int, int]]:
    """``(oldest id, newest id, size)`` of up to ``limit`` groups of ``queryset`` sharing a
    non-empty ``column`` value: one ``GROUP BY … HAVING COUNT(*) > 1`` query."""
    # "> ''" rather than "<> ''": a range an index can start from, past the empty values.
    if isinstance(column, str):
        grouped = queryset.filter(**{f"{column}__gt": ""}).values(column)
        order = column
    else:
        grouped = queryset.annotate(_group_key=column).filter(_group_key__gt="").values("_group_key")
        order = "_group_key"
    rows = (
        grouped.annotate(size=Count("id"), oldest=Min("id"), newest=Max("id"))
        .filter(size__gt=1)
        .order_by(order)
        .values_list("oldest", "newest", "size")[:limit]
    )
    return [(int(oldest), int(newest), int(size)) for oldest, newest, size in rows]


def _cross_phone_pairs(workspace: Workspace, *, limit: int) -> list[tuple[int, int, int]]:
    """Contacts whose *other* phone is another contact's main phone (index probes on
    ``(workspace, phone)`` per contact that has another phone; no grouping needed)."""
    holders = _live(workspace).filter(phone=OuterRef("phone_alt")).exclude(pk=OuterRef("pk"))
    rows = (
        _live(workspace)
        .filter(phone_alt__gt="")
        .filter(Exists(holders))
        .annotate(holder=Subquery(holders.order_by("pk").values("pk")[:1]))
        .order_by("phone_alt")
        .values_list("pk", "holder")[:limit]
    )
    return [(min(a, b), max(a, b), 2) for a, b in rows]


def duplicate_pair_list(*, workspace: Workspace, limit: int = 50) -> list[DuplicatePair]:
    """Suggested duplicate pairs among the live contacts of ``workspace``, strongest first:
    same phone (across ``phone`` and ``phone_alt``), same e-mail, same normalised name.

    At most ``limit`` pairs, in seven queries whatever the size: five groupings, then the
    contacts with their owner and company, then their tags."""
    limit = max(1, min(limit, 500))
    live = _live(workspace)
    sources: list[tuple[DuplicateReason, list[tuple[int, int, int]]]] = [
        (DuplicateReason.PHONE, _group_pairs(live, "phone", limit=limit)),
        (DuplicateReason.PHONE, _group_pairs(live, "phone_alt", limit=limit)),
        (DuplicateReason.PHONE, _cross_phone_pairs(workspace, limit=limit)),
        (DuplicateReason.EMAIL, _group_pairs(live, "email", limit=limit)),
        (DuplicateReason.NAME, _group_pairs(live, normalised_name_expression(), limit=limit)),
    ]
    candidates: dict[tuple[int, int], _Candidate] = {}
    for reason, pairs in sources:
        for oldest, newest, size in pairs:
            candidate = candidates.setdefault((oldest, newest), _Candidate())
            candidate.reasons.add(reason)
            candidate.group_size = max(candidate.group_size, size)
    ids = {pk for key in candidates for pk in key}
    contacts = {
        c.pk: c
        for c in live.filter(pk__in=ids)
        .select_related("owner", "company")
        .prefetch_related(models.Prefetch("tags", queryset=Tag.objects.order_by("name")))
    }
    result: list[DuplicatePair] = []
    for (oldest, newest), candidate in candidates.items():
        first, second = contacts.get(oldest), contacts.get(newest)
        if first is None or second is None:
            continue
        reasons = candidate.reasons | pair_reasons(first, second)
        result.append(
            DuplicatePair(
                first=first,
                second=second,
                reasons=tuple(sorted(reasons, key=_REASON_ORDER.__getitem__)),
                group_size=candidate.group_size,
            )
        )
    result.sort(key=lambda p: (-len(p.reasons), _REASON_ORDER[p.reasons[0]], -p.second.pk))
    return result[:limit]


def _name_matches(
    workspace: Workspace, contact: Contact, *, limit: int
) -> list[tuple[Contact, float | None]]:
    name = normalised_name(contact.full_name)
    if not name:
        return []
    others = _live(workspace).exclude(pk=contact.pk).select_related("company", "owner")
    if connection.vendor == "postgresql":
        # ``UPPER(full_name) % 'NAME'`` uses the GIN trigram index of migration 0002. The
        # default threshold (0.3) lets common Indonesian names match thousands of rows that
        # all need a recheck; 0.5 keeps spelling variants and is ~5× faster at 1,000,000.
        upper = name.upper()
        rows = (
            others.annotate(upper_name=Upper("full_name"))
            .filter(upper_name__trigram_similar=upper)
            .annotate(similarity=TrigramSimilarity(Upper("full_name"), upper))
            .order_by("-similarity", "-pk")[:limit]
        )
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('pg_trgm.similarity_threshold', true), "
                "set_config('pg_trgm.similarity_threshold', %s, true)",
                [str(SIMILAR_NAME_THRESHOLD)],
            )
            row = cursor.fetchone()
            previous = (row[0] if row else None) or "0.3"  # unset until pg_trgm is first used
            found: list[tuple[Contact, float | None]] = [(c, float(c.similarity)) for c in rows]
            cursor.execute("SELECT set_config('pg_trgm.similarity_threshold', %s, true)", [previous])
        return found
    first_word = name.split()[0]
    if len(first_word) < SIMILAR_MIN_WORD:
        return []
    return [(c, None) for c in others.filter(full_name__icontains=first_word).order_by("-pk")[:limit]]


def contact_similar_list(*, workspace: Workspace, contact: Contact, limit: int = 10) -> list[SimilarContact]:
    """Live contacts that may be ``contact`` again: sharing a phone number or the e-mail
    first, then by similar name (trigram similarity on PostgreSQL, the first word on
    SQLite). A fixed number of queries; never ``contact`` itself."""
    exact_q = Q()
    numbers = _phones(contact)
    if numbers:
        exact_q |= Q(phone__in=numbers) | Q(phone_alt__in=numbers)
    if contact.email:
        exact_q |= Q(email=contact.email.lower())
    found: dict[int, SimilarContact] = {}
    if exact_q:
        for other in (
            _live(workspace)
            .exclude(pk=contact.pk)
            .filter(exact_q)
            .select_related("company", "owner")
            .order_by("-pk")[:limit]
        ):
            reasons = pair_reasons(contact, other)
            found[other.pk] = SimilarContact(
                contact=other, reasons=tuple(sorted(reasons, key=_REASON_ORDER.__getitem__))
            )
    for other, similarity in _name_matches(workspace, contact, limit=limit):
        if other.pk in found or len(found) >= limit:
            continue
        reasons = pair_reasons(contact, other) or {DuplicateReason.SIMILAR_NAME}
        found[other.pk] = SimilarContact(
            contact=other,
            reasons=tuple(sorted(reasons, key=_REASON_ORDER.__getitem__)),
            similarity=similarity,
        )
    return list(found.values())[:limit]


# What a merge moves ---------------------------------------------------------------------


@dataclass(frozen=True)
class ContactRelation:
    """A foreign key to ``Contact`` on some model: the rows that belong to a customer."""

    model: type[models.Model]
    field: models.ForeignKey[Any, Any]

    @property
    def key(self) -> str:
        return f"{self.model._meta.label_lower}.{self.field.name}"

    @property
    def label(self) -> str:
        known = _RELATION_LABELS.get(self.key)
        return str(known) if known else capfirst(str(self.model._meta.verbose_name_plural))


_RELATION_LABELS = {
    "contacts.contactidentity.contact": gettext_lazy("Channel addresses"),
    "contacts.contactnote.contact": gettext_lazy("Notes"),
    "contacts.timelineevent.contact": gettext_lazy("Timeline events"),
    "contacts.department.head": gettext_lazy("Departments headed"),
}


def contact_relations() -> list[ContactRelation]:
    """Every foreign key to ``Contact`` whose rows follow the customer in a merge: the
    reverse relations of every app, hidden ones (``related_name="+"``) included, and the
    through tables of many-to-many relations *to* contacts. Excluded: ``merged_into``,
    ``ContactMerge``'s keys, and the through tables of ``Contact``'s own many-to-many
    fields (tags), which a merge unites instead."""
    own_through = {m2m.remote_field.through for m2m in Contact._meta.many_to_many}  # type: ignore[attr-defined]
    relations: list[ContactRelation] = []
    for rel in Contact._meta.get_fields(include_hidden=True):
        if not rel.auto_created or rel.concrete or rel.many_to_many:
            continue  # forward fields; a reverse M2M moves through its through table's key
        model = rel.related_model
        foreign_key = rel.field  # type: ignore[union-attr]
        if not isinstance(model, type) or not isinstance(foreign_key, models.ForeignKey):
            continue
        if model is ContactMerge or model in own_through:
            continue
        if model is Contact and foreign_key.name == "merged_into":
            continue
        relations.append(ContactRelation(model=model, field=foreign_key))
    return relations


def contact_related_counts(*, contact: Contact) -> list[tuple[ContactRelation, int]]:
    """How many rows of each relation belong to ``contact`` (those a merge would move); one
    query per relation, relations without rows left out."""
    counts = []
    for relation in contact_relations():
        count = relation.model._base_manager.filter(**{relation.field.attname: contact.pk}).count()
        if count:
            counts.append((relation, count))
    return counts


# Past merges ----------------------------------------------------------------------------


def merge_undo_deadline(merge: ContactMerge) -> dt.datetime:
    return merge.created_at + dt.timedelta(days=MERGE_UNDO_DAYS)


def merge_undo_refusal(*, merge: ContactMerge, now: dt.datetime | None = None) -> ApplicationError | None:
    """Why ``merge`` cannot be undone now (an error to raise or show), or ``None``.

    Reads the merge and its survivor as loaded; ``contact_merge_undo`` calls it again on
    locked, fresh rows."""
    now = now or timezone.now()
    if merge.undone_at is not None:
        return Conflict(
            _("This merge was already undone."),
            code="merge_already_undone",
        )
    if now > merge_undo_deadline(merge):
        return Conflict(
            _("A merge can be undone for %(days)d days only; this one is older.") % {"days": MERGE_UNDO_DAYS},
            code="merge_undo_expired",
        )
    if merge.survivor.merged_into_id is not None:
        return Conflict(
            _("%(name)s has since been merged into another customer. Undo that merge first.")
            % {"name": merge.survivor.full_name},
            code="merge_survivor_merged",
        )
    return None


@dataclass(frozen=True)
class RecentMerge:
    merge: ContactMerge
    undo_until: dt.datetime
    can_undo: bool


def contact_merge_get(*, workspace: Workspace, merge_id: int) -> ContactMerge | None:
    return (
        ContactMerge.objects.filter(workspace=workspace, pk=merge_id)
        .select_related("survivor", "merged", "performed_by", "undone_by")
        .first()
    )


def contact_merge_recent_list(*, workspace: Workspace, limit: int = 20) -> list[RecentMerge]:
    """The workspace's latest merges, newest first, each with whether it can be undone."""
    now = timezone.now()
    merges: Iterable[ContactMerge] = (
        ContactMerge.objects.filter(workspace=workspace)
        .select_related("survivor", "merged", "performed_by", "undone_by")
        .order_by("-id")[:limit]
    )
    return [
        RecentMerge(
            merge=merge,
            undo_until=merge_undo_deadline(merge),
            can_undo=merge_undo_refusal(merge=merge, now=now) is None,
        )
        for merge in merges
    ]
