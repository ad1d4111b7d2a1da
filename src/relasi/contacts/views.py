"""Customer pages: list with filters and search, create, detail with timeline, edit, delete."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relasi.accounts.decorators import WorkspaceRequest, workspace_view
from relasi.accounts.permissions import Perm
from relasi.contacts import selectors, services
from relasi.contacts.enums import ContactKind, Source
from relasi.contacts.forms import ContactForm, NoteForm
from relasi.contacts.models import Contact
from relasi.contacts.panels import contact_panels
from relasi.contacts.validation import parse_date
from relasi.core.exceptions import ApplicationError
from relasi.core.pagination import paginate_keyset
from relasi.web.forms import apply_errors, form_status

PAGE_SIZE = 50


def _date_param(value: str) -> dt.date | None:
    try:
        return parse_date(value) if value else None
    except ValueError:
        return None


def filters_from_request(request: WorkspaceRequest) -> selectors.ContactFilters:
    """The list's filters from the query string (shared by the list and the export)."""
    get = request.GET
    owner = get.get("owner", "")
    return selectors.ContactFilters(
        q=get.get("q", "")[:200],
        tag=get.get("tag", ""),
        owner=str(request.user.pk) if owner == "me" else owner,
        source=get.get("source", ""),
        city=get.get("city", "")[:80],
        kind=get.get("kind", ""),
        company=get.get("company", ""),
        department=get.get("department", ""),
        created_from=_date_param(get.get("created_from", "")),
        created_to=_date_param(get.get("created_to", "")),
        custom={k[3:]: get.get(k, "") for k in get if k.startswith("cf_") and get.get(k)},
    )


@workspace_view(Perm.CONTACTS_VIEW)
def contact_list_view(request: WorkspaceRequest) -> HttpResponse:
    filters = filters_from_request(request)
    try:
        page = paginate_keyset(
            selectors.contact_list(workspace=request.workspace, filters=filters),
            cursor=request.GET.get("cursor") or None,
            limit=PAGE_SIZE,
        )
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return redirect("contacts:list", request.workspace.slug)
    query = request.GET.copy()
    query.pop("cursor", None)
    context: dict[str, Any] = {
        "contacts": page.items,
        "next_cursor": page.next_cursor,
        "query_string": query.urlencode(),
        "filters": filters,
        "tags": selectors.tag_list(workspace=request.workspace),
        "members": selectors.member_user_list(workspace=request.workspace),
        "sources": Source.choices,
        "kinds": ContactKind.choices,
        "custom_filters": [
            (definition, filters.custom.get(definition.key, ""))
            for definition in selectors.custom_field_list(workspace=request.workspace)
        ],
        "filters_active": any(
            (
                filters.tag,
                filters.owner,
                filters.source,
                filters.city,
                filters.kind,
                filters.created_from,
                filters.created_to,
                filters.custom,
            )
        ),
        "can_edit": request.membership.can(Perm.CONTACTS_EDIT),
        "can_import": request.membership.can(Perm.CONTACTS_IMPORT),
        "can_export": request.membership.can(Perm.CONTACTS_EXPORT),
        "can_merge": request.membership.can(Perm.CONTACTS_MERGE),
        "is_first_page": not request.GET.get("cursor"),
    }
    template = (
        "contacts/_rows.html"
        if request.htmx and request.htmx.target in ("contact-rows", "more-row")
        else "contacts/list.html"
    )
    return render(request, template, context)


@workspace_view(Perm.CONTACTS_EDIT)
def contact_create_view(request: WorkspaceRequest) -> HttpResponse:
    prefill = {k: request.GET[k] for k in ("company_id", "department_id", "kind") if request.GET.get(k)}
    form = ContactForm(request.POST or None, workspace=request.workspace, initial=prefill)
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.contact_create(
                workspace=request.workspace,
                actor=request.user,
                values=form.values(),
                ip_address=request.META.get("REMOTE_ADDR"),
            )
        except ApplicationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Customer %(name)s saved.") % {"name": contact.full_name})
            return redirect("contacts:detail", request.workspace.slug, contact.pk)
    status = form_status(request)
    return render(request, "contacts/form.html", {"form": form, "contact": None}, status=status)


def _get_contact(request: WorkspaceRequest, contact_id: int) -> Contact:
    contact = selectors.contact_get(workspace=request.workspace, contact_id=contact_id, include_merged=True)
    if contact is None:
        raise Http404(_("Customer not found."))
    return contact


@workspace_view(Perm.CONTACTS_VIEW)
def contact_detail_view(request: WorkspaceRequest, contact_id: int) -> HttpResponse:
    contact = _get_contact(request, contact_id)
    if contact.merged_into_id:
        survivor = selectors.contact_merge_survivor(contact=contact)
        messages.info(
            request,
            _("%(name)s was merged into %(survivor)s.")
            % {"name": contact.full_name, "survivor": survivor.full_name},
        )
        return redirect("contacts:detail", request.workspace.slug, survivor.pk)
    context = {
        "contact": contact,
        "timeline": selectors.contact_timeline(contact=contact),
        "notes": selectors.contact_notes(contact=contact),
        "note_form": NoteForm(),
        "custom_definitions": selectors.custom_field_list(workspace=request.workspace),
        "can_edit": request.membership.can(Perm.CONTACTS_EDIT),
        "can_delete": request.membership.can(Perm.CONTACTS_DELETE),
        "can_merge": request.membership.can(Perm.CONTACTS_MERGE),
        "panels": contact_panels(membership=request.membership),
    }
    return render(request, "contacts/detail.html", context)


@workspace_view(Perm.CONTACTS_EDIT)
def contact_edit_view(request: WorkspaceRequest, contact_id: int) -> HttpResponse:
    contact = _get_contact(request, contact_id)
    if contact.merged_into_id:
        return redirect("contacts:detail", request.workspace.slug, contact.pk)
    form = ContactForm(
        request.POST or None, workspace=request.workspace, initial=ContactForm.initial_for(contact)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_update(
                contact=contact,
                actor=request.user,
                values=form.values(),
                ip_address=request.META.get("REMOTE_ADDR"),
            )
        except ApplicationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("contacts:detail", request.workspace.slug, contact.pk)
    status = form_status(request)
    return render(request, "contacts/form.html", {"form": form, "contact": contact}, status=status)


@require_POST
@workspace_view(Perm.CONTACTS_DELETE)
def contact_delete_view(request: WorkspaceRequest, contact_id: int) -> HttpResponse:
    contact = _get_contact(request, contact_id)
    try:
        services.contact_delete(
            contact=contact, actor=request.user, ip_address=request.META.get("REMOTE_ADDR")
        )
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return redirect("contacts:detail", request.workspace.slug, contact.pk)
    messages.success(request, _("Customer %(name)s deleted.") % {"name": contact.full_name})
    return redirect("contacts:list", request.workspace.slug)


@require_POST
@workspace_view(Perm.CONTACTS_EDIT)
def contact_note_add_view(request: WorkspaceRequest, contact_id: int) -> HttpResponse:
    contact = _get_contact(request, contact_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.contact_note_add(contact=contact, author=request.user, body=form.cleaned_data["body"])
        except ApplicationError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("Note added."))
    else:
        messages.error(request, _("The note is empty. Write something first."))
    return redirect("contacts:detail", request.workspace.slug, contact.pk)
