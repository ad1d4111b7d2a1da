"""Reads for the company, department and custom-field pages. Every query is scoped to one
workspace; merged contacts are never counted or listed.

Counts are correlated subqueries evaluated for the rows of the page only, so a list costs the
same number of queries whatever the number of rows (DESIGN §6).
"""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from relasi.accounts.models import Workspace
from relasi.contacts.enums import ContactKind
from relasi.contacts.models import Company, Contact, CustomFieldDefinition, Department

# A department's members are its colleagues: live internal contacts in it.
_MEMBER_FILTER = {"kind": ContactKind.INTERNAL, "merged_into__isnull": True}


def _count_of(queryset: QuerySet[Contact], group_by: str) -> Coalesce:
    counted = queryset.order_by().values(group_by).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def company_list_with_counts(*, workspace: Workspace, q: str = "") -> QuerySet[Company]:
    """The workspace's companies (name contains ``q``) with ``contact_count`` and the owner."""
    qs = Company.objects.filter(workspace=workspace)
    if q.strip():
        qs = qs.filter(name__icontains=q.strip())
    live_contacts = Contact.objects.filter(company=OuterRef("pk"), merged_into__isnull=True)
    return qs.select_related("owner").annotate(contact_count=_count_of(live_contacts, "company"))


def company_contacts(*, company: Company, limit: int) -> list[Contact]:
    """The first ``limit`` live contacts of ``company`` by name."""
    return list(
        Contact.objects.filter(
            workspace_id=company.workspace_id, company=company, merged_into__isnull=True
        ).order_by("full_name", "id")[:limit]
    )


def company_contact_count(*, company: Company) -> int:
    return Contact.objects.filter(
        workspace_id=company.workspace_id, company=company, merged_into__isnull=True
    ).count()


def department_list_with_counts(*, workspace: Workspace) -> QuerySet[Department]:
    """Every department of the workspace by name, with parent, head and ``member_count``."""
    members = Contact.objects.filter(department=OuterRef("pk"), **_MEMBER_FILTER)
    return (
        Department.objects.filter(workspace=workspace)
        .select_related("parent", "head")
        .annotate(member_count=_count_of(members, "department"))
        .order_by("name", "id")
    )


def department_members(*, department: Department, limit: int) -> list[Contact]:
    """The first ``limit`` colleagues (live internal contacts) of ``department`` by name."""
    return list(
        Contact.objects.filter(
            workspace_id=department.workspace_id, department=department, **_MEMBER_FILTER
        ).order_by("full_name", "id")[:limit]
    )


def department_member_count(*, department: Department) -> int:
    return Contact.objects.filter(
        workspace_id=department.workspace_id, department=department, **_MEMBER_FILTER
    ).count()


def department_children(*, department: Department) -> QuerySet[Department]:
    return Department.objects.filter(workspace_id=department.workspace_id, parent=department).order_by(
        "name", "id"
    )


def department_descendant_ids(*, workspace: Workspace, department_id: int) -> set[int]:
    """The ids of every department below ``department_id`` (children, their children, …).

    One query for the workspace's (id, parent) pairs; a workspace has tens of departments.
    A department may not get one of these (or itself) as parent: that would close a cycle.
    """
    children: dict[int, list[int]] = {}
    for pk, parent_id in Department.objects.filter(workspace=workspace).values_list("pk", "parent_id"):
        if parent_id is not None:
            children.setdefault(parent_id, []).append(pk)
    found: set[int] = set()
    stack = list(children.get(department_id, []))
    while stack:
        pk = stack.pop()
        if pk in found:
            continue  # a cycle already in the data: stop rather than loop
        found.add(pk)
        stack.extend(children.get(pk, []))
    found.discard(department_id)
    return found


def department_head_candidates(*, workspace: Workspace, limit: int = 500) -> list[Contact]:
    """Contacts offered as a department's head: live internal contacts by name."""
    return list(
        Contact.objects.filter(workspace=workspace, kind=ContactKind.INTERNAL, merged_into__isnull=True)
        .select_related("department")
        .order_by("full_name", "id")[:limit]
    )


def custom_field_get(*, workspace: Workspace, field_id: int) -> CustomFieldDefinition | None:
    return CustomFieldDefinition.objects.filter(workspace=workspace, pk=field_id).first()


def custom_field_value_count(*, definition: CustomFieldDefinition) -> int:
    """How many contacts (merged ones included) hold a value for the field."""
    return Contact.objects.filter(
        workspace_id=definition.workspace_id, custom_fields__has_key=definition.key
    ).count()
