"""``/api/v1/contacts``, ``/companies``, ``/departments``: thin endpoints over the services
and selectors. Lists are cursor-paginated (``?cursor=…``, ``next``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from relasi.accounts.api_access import ErrorOut, api_access
from relasi.accounts.models import Workspace
from relasi.accounts.permissions import Perm
from relasi.contacts import selectors, services
from relasi.contacts.models import Company, Contact, Department
from relasi.core.exceptions import NotFound
from relasi.core.pagination import paginate_keyset

contacts_router = Router()
companies_router = Router()
departments_router = Router()

MAX_LIMIT = 200


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


class TagOut(Schema):
    id: int
    name: str


class ContactOut(Schema):
    id: int
    kind: str
    full_name: str
    company_id: int | None
    department_id: int | None
    job_title: str
    phone: str
    phone_raw: str
    phone_alt: str
    email: str
    address: str
    province: str
    city: str
    postal_code: str
    birthday: dt.date | None
    gender: str
    nik: str
    npwp: str
    passport_no: str
    buyer_type: str
    source: str
    owner_id: int | None
    tags: list[str]
    custom_fields: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_tags(obj: Contact) -> list[str]:
        return [t.name for t in obj.tags.all()]


class ContactIn(Schema):
    """Fields to set. On create ``full_name`` is required; on update send only what changes."""

    kind: str | None = None
    full_name: str | None = None
    company_id: int | None = None
    department_id: int | None = None
    job_title: str | None = None
    phone: str | None = Field(None, description="Any form: 0812-3456-7890, +62 812…, 62812…")
    phone_alt: str | None = None
    email: str | None = None
    address: str | None = None
    province: str | None = None
    city: str | None = None
    postal_code: str | None = None
    birthday: str | None = Field(None, description="ISO 2025-01-31 or 31/01/2025")
    gender: str | None = None
    nik: str | None = None
    npwp: str | None = None
    passport_no: str | None = None
    buyer_type: str | None = None
    source: str | None = None
    owner_id: int | None = None
    tags: list[str] | None = None
    custom_fields: dict[str, Any] | None = None


class ContactPage(Schema):
    items: list[ContactOut]
    next: str | None


class ContactQuery(Schema):
    q: str = ""
    tag: str = ""
    owner: str = ""
    source: str = ""
    city: str = ""
    kind: str = ""
    company: str = ""
    department: str = ""
    created_from: dt.date | None = None
    created_to: dt.date | None = None
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=MAX_LIMIT)


def _given(payload: Schema) -> dict[str, Any]:
    return payload.model_dump(exclude_unset=True)


@contacts_router.get("", response=ContactPage, summary="List and search contacts")
def contact_list_api(request: HttpRequest, query: Query[ContactQuery]) -> dict[str, Any]:
    workspace, _user = api_access(request, Perm.CONTACTS_VIEW)
    custom = {k[3:]: request.GET.get(k, "") for k in request.GET if k.startswith("cf_") and len(k) > 3}
    filters = selectors.ContactFilters(
        q=query.q,
        tag=query.tag,
        owner=query.owner,
        source=query.source,
        city=query.city,
        kind=query.kind,
        company=query.company,
        department=query.department,
        created_from=query.created_from,
        created_to=query.created_to,
        custom=custom,
    )
    page = paginate_keyset(
        selectors.contact_list(workspace=workspace, filters=filters),
        cursor=query.cursor,
        limit=query.limit,
    )
    return {"items": page.items, "next": page.next_cursor}


@contacts_router.post("", response={201: ContactOut, 400: ErrorOut, 403: ErrorOut})
def contact_create_api(request: HttpRequest, payload: ContactIn) -> Status[Contact]:
    workspace, user = api_access(request, Perm.CONTACTS_EDIT)
    contact = services.contact_create(
        workspace=workspace, actor=user, values=_given(payload), ip_address=_ip(request)
    )
    return Status(201, contact)


def _contact_or_404(workspace: Workspace, contact_id: int) -> Contact:
    contact = selectors.contact_get(workspace=workspace, contact_id=contact_id)
    if contact is None:
        raise NotFound(_("Contact not found."), code="not_found")
    return contact


@contacts_router.get("/{int:contact_id}", response={200: ContactOut, 404: ErrorOut})
def contact_get_api(request: HttpRequest, contact_id: int) -> Contact:
    workspace, _user = api_access(request, Perm.CONTACTS_VIEW)
    return _contact_or_404(workspace, contact_id)


@contacts_router.patch("/{int:contact_id}", response={200: ContactOut, 400: ErrorOut, 404: ErrorOut})
def contact_update_api(request: HttpRequest, contact_id: int, payload: ContactIn) -> Contact:
    workspace, user = api_access(request, Perm.CONTACTS_EDIT)
    contact = _contact_or_404(workspace, contact_id)
    services.contact_update(contact=contact, actor=user, values=_given(payload), ip_address=_ip(request))
    return _contact_or_404(workspace, contact_id)


@contacts_router.delete("/{int:contact_id}", response={204: None, 404: ErrorOut})
def contact_delete_api(request: HttpRequest, contact_id: int) -> Status[None]:
    workspace, user = api_access(request, Perm.CONTACTS_DELETE)
    services.contact_delete(
        contact=_contact_or_404(workspace, contact_id), actor=user, ip_address=_ip(request)
    )
    return Status(204, None)


# Companies ------------------------------------------------------------------------------


class CompanyOut(Schema):
    id: int
    name: str
    npwp: str
    nitku: str
    email: str
    phone: str
    website: str
    industry: str
    address: str
    province: str
    city: str
    postal_code: str
    notes: str
    owner_id: int | None
    created_at: dt.datetime


class CompanyIn(Schema):
    name: str | None = None
    npwp: str | None = None
    nitku: str | None = None
    email: str | None = None
    phone: str | None = None
    website: str | None = None
    industry: str | None = None
    address: str | None = None
    province: str | None = None
    city: str | None = None
    postal_code: str | None = None
    notes: str | None = None
    owner_id: int | None = None


class CompanyPage(Schema):
    items: list[CompanyOut]
    next: str | None


def _company_or_404(workspace: Workspace, company_id: int) -> Company:
    company = selectors.company_get(workspace=workspace, company_id=company_id)
    if company is None:
        raise NotFound(_("Company not found."), code="not_found")
    return company


@companies_router.get("", response=CompanyPage, summary="List and search companies")
def company_list_api(
    request: HttpRequest, q: str = "", cursor: str | None = None, limit: int = 50
) -> dict[str, Any]:
    workspace, _user = api_access(request, Perm.CONTACTS_VIEW)
    page = paginate_keyset(
        selectors.company_list(workspace=workspace, q=q), cursor=cursor, limit=min(max(limit, 1), MAX_LIMIT)
    )
    return {"items": page.items, "next": page.next_cursor}


@companies_router.post("", response={201: CompanyOut, 400: ErrorOut, 403: ErrorOut})
def company_create_api(request: HttpRequest, payload: CompanyIn) -> Status[Company]:
    workspace, user = api_access(request, Perm.CONTACTS_EDIT)
    return Status(201, services.company_create(workspace=workspace, actor=user, values=_given(payload)))


@companies_router.get("/{int:company_id}", response={200: CompanyOut, 404: ErrorOut})
def company_get_api(request: HttpRequest, company_id: int) -> Company:
    workspace, _user = api_access(request, Perm.CONTACTS_VIEW)
    return _company_or_404(workspace, company_id)


@companies_router.patch("/{int:company_id}", response={200: CompanyOut, 400: ErrorOut, 404: ErrorOut})
def company_update_api(request: HttpRequest, company_id: int, payload: CompanyIn) -> Company:
    workspace, user = api_access(request, Perm.CONTACTS_EDIT)
    return services.company_update(
        company=_company_or_404(workspace, company_id), actor=user, values=_given(payload)
    )


@companies_router.delete("/{int:company_id}", response={204: None, 404: ErrorOut})
def company_delete_api(request: HttpRequest, company_id: int) -> Status[None]:
    workspace, user = api_access(request, Perm.CONTACTS_DELETE)
    services.company_delete(company=_company_or_404(workspace, company_id), actor=user)
    return Status(204, None)


# Departments ----------------------------------------------------------------------------


class DepartmentOut(Schema):
    id: int
    name: str
    code: str
    parent_id: int | None
    head_id: int | None
    notes: str
    created_at: dt.datetime


class DepartmentIn(Schema):
    name: str | None = None
    code: str | None = None
    parent_id: int | None = None
    head_id: int | None = None
    notes: str | None = None


class DepartmentPage(Schema):
    items: list[DepartmentOut]
    next: str | None


def _department_or_404(workspace: Workspace, department_id: int) -> Department:
    department = selectors.department_get(workspace=workspace, department_id=department_id)
    if department is None:
        raise NotFound(_("Department not found."), code="not_found")
    return department


@departments_router.get("", response=DepartmentPage, summary="List departments (internal customers)")
def department_list_api(
    request: HttpRequest, q: str = "", cursor: str | None = None, limit: int = 50
) -> dict[str, Any]:
    workspace, _user = api_access(request, Perm.CONTACTS_VIEW)
    page = paginate_keyset(
        selectors.department_list(workspace=workspace, q=q),
        cursor=cursor,
        limit=min(max(limit, 1), MAX_LIMIT),
    )
    return {"items": page.items, "next": page.next_cursor}


@departments_router.post("", response={201: DepartmentOut, 400: ErrorOut, 403: ErrorOut})
def department_create_api(request: HttpRequest, payload: DepartmentIn) -> Status[Department]:
    workspace, user = api_access(request, Perm.CONTACTS_EDIT)
    return Status(201, services.department_create(workspace=workspace, actor=user, values=_given(payload)))


@departments_router.get("/{int:department_id}", response={200: DepartmentOut, 404: ErrorOut})
def department_get_api(request: HttpRequest, department_id: int) -> Department:
    workspace, _user = api_access(request, Perm.CONTACTS_VIEW)
    return _department_or_404(workspace, department_id)


@departments_router.patch("/{int:department_id}", response={200: DepartmentOut, 400: ErrorOut, 404: ErrorOut})
def department_update_api(request: HttpRequest, department_id: int, payload: DepartmentIn) -> Department:
    workspace, user = api_access(request, Perm.CONTACTS_EDIT)
    return services.department_update(
        department=_department_or_404(workspace, department_id), actor=user, values=_given(payload)
    )


@departments_router.delete("/{int:department_id}", response={204: None, 404: ErrorOut})
def department_delete_api(request: HttpRequest, department_id: int) -> Status[None]:
    workspace, user = api_access(request, Perm.CONTACTS_DELETE)
    services.department_delete(department=_department_or_404(workspace, department_id), actor=user)
    return Status(204, None)
