"""Pages for companies, departments (internal customers) and custom field definitions.

Thin views: check the permission (``workspace_view``), parse the form, call one service or
selector, render. Deleting asks first: GET shows what will happen, POST does it.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from relasi.accounts.decorators import WorkspaceRequest, workspace_view
from relasi.accounts.permissions import Perm
from relasi.contacts import custom_fields, selectors, selectors_org, services
from relasi.contacts.forms_org import CompanyForm, CustomFieldEditForm, CustomFieldForm, DepartmentForm
from relasi.contacts.models import Company, CustomFieldDefinition, Department
from relasi.core.exceptions import ApplicationError
from relasi.core.pagination import paginate_keyset
from relasi.web.forms import form_status, form_submit

PAGE_SIZE = 50
CONTACTS_SHOWN = 50  # on a company's or department's page; the rest via the filtered list

_GET_POST = require_http_methods(["GET", "POST"])


# Companies ------------------------------------------------------------------------------


def _get_company(request: WorkspaceRequest, company_id: int) -> Company:
    company = selectors.company_get(workspace=request.workspace, company_id=company_id)
    if company is None:
        raise Http404(_("Company not found."))
    return company


@workspace_view(Perm.CONTACTS_VIEW)
def company_list_view(request: WorkspaceRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:200]
    try:
        page = paginate_keyset(
            selectors_org.company_list_with_counts(workspace=request.workspace, q=q),
            cursor=request.GET.get("cursor") or None,
            limit=PAGE_SIZE,
        )
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return redirect("contacts:company_list", request.workspace.slug)
    query = request.GET.copy()
    query.pop("cursor", None)
    context: dict[str, Any] = {
        "companies": page.items,
        "next_cursor": page.next_cursor,
        "query_string": query.urlencode(),
        "q": q,
        "can_edit": request.membership.can(Perm.CONTACTS_EDIT),
        "subnav_active": "companies",
    }
    if request.htmx and request.htmx.target in ("company-rows", "more-row"):
        return render(request, "contacts/company_list_rows.html", context)
    return render(request, "contacts/company_list.html", context)


@_GET_POST
@workspace_view(Perm.CONTACTS_EDIT)
def company_create_view(request: WorkspaceRequest) -> HttpResponse:
    form = CompanyForm(request.POST or None, workspace=request.workspace)
    company = form_submit(
        request,
        form,
        lambda: services.company_create(
            workspace=request.workspace, actor=request.user, values=form.values()
        ),
    )
    if company is not None:
        messages.success(request, _("Company %(name)s saved.") % {"name": company.name})
        return redirect("contacts:company_detail", request.workspace.slug, company.pk)
    context = {"form": form, "company": None, "subnav_active": "companies"}
    return render(request, "contacts/company_form.html", context, status=form_status(request))


@workspace_view(Perm.CONTACTS_VIEW)
def company_detail_view(request: WorkspaceRequest, company_id: int) -> HttpResponse:
    company = _get_company(request, company_id)
    contacts = selectors_org.company_contacts(company=company, limit=CONTACTS_SHOWN + 1)
    context = {
        "company": company,
        "contacts": contacts[:CONTACTS_SHOWN],
        "more_contacts": len(contacts) > CONTACTS_SHOWN,
        "can_edit": request.membership.can(Perm.CONTACTS_EDIT),
        "can_delete": request.membership.can(Perm.CONTACTS_DELETE),
        "subnav_active": "companies",
    }
    return render(request, "contacts/company_detail.html", context)


@_GET_POST
@workspace_view(Perm.CONTACTS_EDIT)
def company_edit_view(request: WorkspaceRequest, company_id: int) -> HttpResponse:
    company = _get_company(request, company_id)
    form = CompanyForm(
        request.POST or None, workspace=request.workspace, initial=CompanyForm.initial_for(company)
    )
    saved = form_submit(
        request,
        form,
        lambda: services.company_update(company=company, actor=request.user, values=form.values()),
    )
    if saved is not None:
        messages.success(request, _("Changes saved."))
        return redirect("contacts:company_detail", request.workspace.slug, company.pk)
    context = {"form": form, "company": company, "subnav_active": "companies"}
    return render(request, "contacts/company_form.html", context, status=form_status(request))


@_GET_POST
@workspace_view(Perm.CONTACTS_DELETE)
def company_delete_view(request: WorkspaceRequest, company_id: int) -> HttpResponse:
    company = _get_company(request, company_id)
    if request.method == "POST":
        services.company_delete(company=company, actor=request.user)
        messages.success(request, _("Company %(name)s deleted.") % {"name": company.name})
        return redirect("contacts:company_list", request.workspace.slug)
    context = {
        "company": company,
        "contact_count": selectors_org.company_contact_count(company=company),
        "subnav_active": "companies",
    }
    return render(request, "contacts/company_delete.html", context)


# Departments (internal customers) -------------------------------------------------------


def _get_department(request: WorkspaceRequest, department_id: int) -> Department:
    department = selectors.department_get(workspace=request.workspace, department_id=department_id)
    if department is None:
        raise Http404(_("Department not found."))
    return department


@workspace_view(Perm.CONTACTS_VIEW)
def department_list_view(request: WorkspaceRequest) -> HttpResponse:
    context = {
        "departments": selectors_org.department_list_with_counts(workspace=request.workspace),
        "can_edit": request.membership.can(Perm.CONTACTS_EDIT),
        "subnav_active": "departments",
    }
    return render(request, "contacts/department_list.html", context)


@_GET_POST
@workspace_view(Perm.CONTACTS_EDIT)
def department_create_view(request: WorkspaceRequest) -> HttpResponse:
    form = DepartmentForm(request.POST or None, workspace=request.workspace)
    department = form_submit(
        request,
        form,
        lambda: services.department_create(
            workspace=request.workspace, actor=request.user, values=form.values()
        ),
    )
    if department is not None:
        messages.success(request, _("Department %(name)s saved.") % {"name": department.name})
        return redirect("contacts:department_detail", request.workspace.slug, department.pk)
    context = {"form": form, "department": None, "subnav_active": "departments"}
    return render(request, "contacts/department_form.html", context, status=form_status(request))


@workspace_view(Perm.CONTACTS_VIEW)
def department_detail_view(request: WorkspaceRequest, department_id: int) -> HttpResponse:
    department = _get_department(request, department_id)
    members = selectors_org.department_members(department=department, limit=CONTACTS_SHOWN + 1)
    context = {
        "department": department,
        "members": members[:CONTACTS_SHOWN],
        "more_members": len(members) > CONTACTS_SHOWN,
        "children": selectors_org.department_children(department=department),
        "can_edit": request.membership.can(Perm.CONTACTS_EDIT),
        "can_delete": request.membership.can(Perm.CONTACTS_DELETE),
        "subnav_active": "departments",
    }
    return render(request, "contacts/department_detail.html", context)


@_GET_POST
@workspace_view(Perm.CONTACTS_EDIT)
def department_edit_view(request: WorkspaceRequest, department_id: int) -> HttpResponse:
    department = _get_department(request, department_id)
    form = DepartmentForm(
        request.POST or None,
        workspace=request.workspace,
        department=department,
        initial=DepartmentForm.initial_for(department),
    )
    saved = form_submit(
        request,
        form,
        lambda: services.department_update(department=department, actor=request.user, values=form.values()),
    )
    if saved is not None:
        messages.success(request, _("Changes saved."))
        return redirect("contacts:department_detail", request.workspace.slug, department.pk)
    context = {"form": form, "department": department, "subnav_active": "departments"}
    return render(request, "contacts/department_form.html", context, status=form_status(request))


@_GET_POST
@workspace_view(Perm.CONTACTS_DELETE)
def department_delete_view(request: WorkspaceRequest, department_id: int) -> HttpResponse:
    department = _get_department(request, department_id)
    if request.method == "POST":
        services.department_delete(department=department, actor=request.user)
        messages.success(request, _("Department %(name)s deleted.") % {"name": department.name})
        return redirect("contacts:department_list", request.workspace.slug)
    context = {
        "department": department,
        "member_count": selectors_org.department_member_count(department=department),
        "child_count": selectors_org.department_children(department=department).count(),
        "subnav_active": "departments",
    }
    return render(request, "contacts/department_delete.html", context)


# Custom field definitions ---------------------------------------------------------------


def _get_custom_field(request: WorkspaceRequest, field_id: int) -> CustomFieldDefinition:
    definition = selectors_org.custom_field_get(workspace=request.workspace, field_id=field_id)
    if definition is None:
        raise Http404(_("Custom field not found."))
    return definition


@workspace_view(Perm.SETTINGS_MANAGE)
def custom_field_list_view(request: WorkspaceRequest) -> HttpResponse:
    context = {"definitions": selectors.custom_field_list(workspace=request.workspace)}
    return render(request, "contacts/custom_field_list.html", context)


@_GET_POST
@workspace_view(Perm.SETTINGS_MANAGE)
def custom_field_create_view(request: WorkspaceRequest) -> HttpResponse:
    form = CustomFieldForm(request.POST or None)
    definition = form_submit(
        request,
        form,
        lambda: custom_fields.custom_field_create(
            workspace=request.workspace, actor=request.user, values=form.values()
        ),
    )
    if definition is not None:
        messages.success(request, _("Custom field %(label)s added.") % {"label": definition.label})
        return redirect("contacts:custom_field_list", request.workspace.slug)
    context = {"form": form, "definition": None}
    return render(request, "contacts/custom_field_form.html", context, status=form_status(request))


@_GET_POST
@workspace_view(Perm.SETTINGS_MANAGE)
def custom_field_edit_view(request: WorkspaceRequest, field_id: int) -> HttpResponse:
    definition = _get_custom_field(request, field_id)
    form = CustomFieldEditForm(request.POST or None, initial=CustomFieldForm.initial_for(definition))
    saved = form_submit(
        request,
        form,
        lambda: custom_fields.custom_field_update(
            definition=definition, actor=request.user, values=form.values()
        ),
    )
    if saved is not None:
        messages.success(request, _("Changes saved."))
        return redirect("contacts:custom_field_list", request.workspace.slug)
    context = {"form": form, "definition": definition}
    return render(request, "contacts/custom_field_form.html", context, status=form_status(request))


@_GET_POST
@workspace_view(Perm.SETTINGS_MANAGE)
def custom_field_delete_view(request: WorkspaceRequest, field_id: int) -> HttpResponse:
    definition = _get_custom_field(request, field_id)
    if request.method == "POST":
        custom_fields.custom_field_delete(definition=definition, actor=request.user)
        messages.success(
            request,
            _("Custom field %(label)s deleted. Contacts keep their values, hidden.")
            % {"label": definition.label},
        )
        return redirect("contacts:custom_field_list", request.workspace.slug)
    context = {
        "definition": definition,
        "value_count": selectors_org.custom_field_value_count(definition=definition),
    }
    return render(request, "contacts/custom_field_delete.html", context)
