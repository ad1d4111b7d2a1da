"""Reads for customers. Every query is scoped to one workspace; merged contacts are hidden.

Search (DESIGN §8, 1,000,000 contacts, p95 < 50 ms): the typed text decides the index —
an e-mail goes to the e-mail prefix index, a phone number (08…, +62…, 62…) to the E.164
prefix index, anything else to the trigram index on the name (PostgreSQL; SQLite scans).
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet

from relasi.accounts.models import Membership, User, Workspace
from relasi.contacts.models import (
    Company,
    Contact,
    ContactMerge,
    ContactNote,
    CustomFieldDefinition,
    Department,
    ImportJob,
    Tag,
    TimelineEvent,
)
from relasi.core.phone import phone_search_prefix

_EMAIL_LIKE = re.compile(r"^[^\s@]*@[^\s]*$")
_EMAIL_HINT = re.compile(r"[._\d]")


@dataclass
class ContactFilters:
    q: str = ""
    tag: str = ""  # a tag id
    owner: str = ""  # a user id, or "none"
    source: str = ""
    city: str = ""
    kind: str = ""
    company: str = ""  # a company id
    department: str = ""  # a department id
    created_from: dt.date | None = None
    created_to: dt.date | None = None
    custom: dict[str, str] = field(default_factory=dict)  # {custom field key: value}


def contact_search_q(text: str) -> Q:
    """The condition for the search box: a name substring, a phone prefix (any typed form),
    or an e-mail prefix when the text has an ``@`` (or, with ``.``, ``_`` or a digit, a name
    or an e-mail prefix). Plain words search names only: an OR with the e-mail index would
    make PostgreSQL combine both for every name search."""
    text = text.strip()
    if not text:
        return Q()
    if _EMAIL_LIKE.match(text):
        return Q(email__startswith=text.lower())
    prefix = phone_search_prefix(text)
    if prefix is not None:
        return Q(phone__startswith=prefix) | Q(phone_alt__startswith=prefix)
    if _EMAIL_HINT.search(text):  # "togar.", "budi_": likely the start of an address
        return Q(full_name__icontains=text) | Q(email__startswith=text.lower())
    return Q(full_name__icontains=text)


def _day_start(day: dt.date, tz: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=zoneinfo.ZoneInfo(tz))


def contact_list(*, workspace: Workspace, filters: ContactFilters | None = None) -> QuerySet[Contact]:
    """Live contacts of ``workspace`` matching ``filters``, with owner, company and tags."""
    f = filters or ContactFilters()
    qs = Contact.objects.filter(workspace=workspace, merged_into__isnull=True)
    if f.q:
        qs = qs.filter(contact_search_q(f.q))
    if f.tag.isdigit():
        qs = qs.filter(tags__id=int(f.tag))
    if f.owner == "none":
        qs = qs.filter(owner__isnull=True)
    elif f.owner.isdigit():
        qs = qs.filter(owner_id=int(f.owner))
    if f.source:
        qs = qs.filter(source=f.source)
    if f.city:
        qs = qs.filter(city__iexact=f.city.strip())
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.company.isdigit():
        qs = qs.filter(company_id=int(f.company))
    if f.department.isdigit():
        qs = qs.filter(department_id=int(f.department))
    if f.created_from:
        qs = qs.filter(created_at__gte=_day_start(f.created_from, workspace.timezone))
    if f.created_to:
        qs = qs.filter(created_at__lt=_day_start(f.created_to + dt.timedelta(days=1), workspace.timezone))
    for key, value in f.custom.items():
        if value != "":
            qs = qs.filter(**{f"custom_fields__{key}": value})
    return qs.select_related("owner", "company", "department").prefetch_related(
        Prefetch("tags", queryset=Tag.objects.order_by("name"))
    )


def contact_get(*, workspace: Workspace, contact_id: int, include_merged: bool = False) -> Contact | None:
    qs = Contact.objects.filter(workspace=workspace, pk=contact_id)
    if not include_merged:
        qs = qs.filter(merged_into__isnull=True)
    return (
        qs.select_related("owner", "company", "department", "created_by", "merged_into")
        .prefetch_related("tags", "identities")
        .first()
    )


def contact_merge_survivor(*, contact: Contact) -> Contact:
    """The live contact that ``contact`` was merged into, following a chain of merges."""
    seen = {contact.pk}
    current = contact
    while current.merged_into_id is not None:
        following = Contact.objects.filter(
            workspace_id=contact.workspace_id, pk=current.merged_into_id
        ).first()
        if following is None or following.pk in seen:
            break
        seen.add(following.pk)
        current = following
    return current


def contact_timeline(*, contact: Contact, limit: int = 100) -> QuerySet[TimelineEvent]:
    return (
        TimelineEvent.objects.filter(workspace_id=contact.workspace_id, contact=contact)
        .select_related("actor")
        .order_by("-created_at", "-id")[:limit]
    )


def contact_notes(*, contact: Contact) -> QuerySet[ContactNote]:
    return (
        ContactNote.objects.filter(workspace_id=contact.workspace_id, contact=contact)
        .select_related("author")
        .order_by("-created_at")
    )


def tag_list(*, workspace: Workspace) -> QuerySet[Tag]:
    return Tag.objects.filter(workspace=workspace).order_by("name")


def city_list(*, workspace: Workspace, limit: int = 200) -> list[str]:
    return list(
        Contact.objects.filter(workspace=workspace, merged_into__isnull=True)
        .exclude(city="")
        .order_by("city")
        .values_list("city", flat=True)
        .distinct()[:limit]
    )


def member_user_list(*, workspace: Workspace) -> QuerySet[User]:
    return User.objects.filter(
        pk__in=Membership.objects.filter(workspace=workspace).values("user_id")
    ).order_by("full_name", "email")


def company_list(*, workspace: Workspace, q: str = "") -> QuerySet[Company]:
    qs = Company.objects.filter(workspace=workspace)
    if q.strip():
        qs = qs.filter(name__icontains=q.strip())
    return qs.select_related("owner").prefetch_related("tags")


def company_get(*, workspace: Workspace, company_id: int) -> Company | None:
    return (
        Company.objects.filter(workspace=workspace, pk=company_id)
        .select_related("owner")
        .prefetch_related("tags")
        .first()
    )


def department_list(*, workspace: Workspace, q: str = "") -> QuerySet[Department]:
    qs = Department.objects.filter(workspace=workspace)
    if q.strip():
        qs = qs.filter(name__icontains=q.strip())
    return qs.select_related("parent", "head")


def department_get(*, workspace: Workspace, department_id: int) -> Department | None:
    return (
        Department.objects.filter(workspace=workspace, pk=department_id)
        .select_related("parent", "head")
        .first()
    )


def custom_field_list(*, workspace: Workspace) -> QuerySet[CustomFieldDefinition]:
    return CustomFieldDefinition.objects.filter(workspace=workspace).order_by("position", "id")


def import_job_get(*, workspace: Workspace, job_id: int) -> ImportJob | None:
    return ImportJob.objects.filter(workspace=workspace, pk=job_id).first()


def import_job_list(*, workspace: Workspace) -> QuerySet[ImportJob]:
    return ImportJob.objects.filter(workspace=workspace).select_related("created_by").order_by("-id")


def contact_merge_list(*, workspace: Workspace) -> QuerySet[ContactMerge]:
    return (
        ContactMerge.objects.filter(workspace=workspace)
        .select_related("survivor", "merged", "performed_by")
        .order_by("-id")
    )
