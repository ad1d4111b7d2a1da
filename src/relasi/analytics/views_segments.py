"""Saved segments (``/analitik/segmen/``): list, create, edit, delete. A segment opens the
customer list with its filter. Changing them needs ``Perm.CONTACTS_EDIT``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from relasi.accounts.decorators import WorkspaceRequest, workspace_view
from relasi.accounts.permissions import Perm
from relasi.analytics.forms import SegmentForm
from relasi.analytics.models import Segment
from relasi.analytics.segments import segment_create, segment_delete, segment_get, segment_update
from relasi.analytics.selectors import segment_list
from relasi.analytics.views import customers_url, describe_filters, tag_names
from relasi.core.exceptions import NotFound
from relasi.web.forms import form_status, form_submit

_GET_POST = require_http_methods(["GET", "POST"])


def _get_segment(request: WorkspaceRequest, segment_id: int) -> Segment:
    try:
        return segment_get(workspace=request.workspace, segment_id=segment_id)
    except NotFound as error:
        raise Http404(str(error.message)) from error


@require_GET
@workspace_view(Perm.CONTACTS_VIEW)
def segment_list_view(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    segments = list(segment_list(workspace=workspace))
    names = tag_names(workspace) if any("tag" in s.filters for s in segments) else {}
    context: dict[str, Any] = {
        "segments": [
            {
                "segment": segment,
                "conditions": describe_filters(segment.filters, tag_names=names),
                "url": customers_url(workspace.slug, segment.filters),
            }
            for segment in segments
        ],
        "can_edit": request.membership.can(Perm.CONTACTS_EDIT),
        "analytics_tab": "segments",
    }
    return render(request, "analytics/segments.html", context)


@_GET_POST
@workspace_view(Perm.CONTACTS_EDIT)
def segment_create_view(request: WorkspaceRequest) -> HttpResponse:
    form = SegmentForm(request.POST or None, workspace=request.workspace)
    segment = form_submit(
        request,
        form,
        lambda: segment_create(
            workspace=request.workspace,
            actor=request.user,
            name=form.cleaned_data["name"],
            description=form.cleaned_data["description"],
            filters=form.filters(),
        ),
    )
    if segment is not None:
        messages.success(request, _("Segment %(name)s saved.") % {"name": segment.name})
        return redirect("analytics:segment_list", request.workspace.slug)
    context = {"form": form, "segment": None, "analytics_tab": "segments"}
    return render(request, "analytics/segment_form.html", context, status=form_status(request))


@_GET_POST
@workspace_view(Perm.CONTACTS_EDIT)
def segment_edit_view(request: WorkspaceRequest, segment_id: int) -> HttpResponse:
    segment = _get_segment(request, segment_id)
    form = SegmentForm(
        request.POST or None, workspace=request.workspace, initial=SegmentForm.initial_for(segment)
    )
    saved = form_submit(
        request,
        form,
        lambda: segment_update(
            segment=segment,
            name=form.cleaned_data["name"],
            description=form.cleaned_data["description"],
            filters=form.filters(),
        ),
    )
    if saved is not None:
        messages.success(request, _("Changes saved."))
        return redirect("analytics:segment_list", request.workspace.slug)
    context = {"form": form, "segment": segment, "analytics_tab": "segments"}
    return render(request, "analytics/segment_form.html", context, status=form_status(request))


@require_POST
@workspace_view(Perm.CONTACTS_EDIT)
def segment_delete_view(request: WorkspaceRequest, segment_id: int) -> HttpResponse:
    segment = _get_segment(request, segment_id)
    name = segment.name
    segment_delete(segment=segment)
    messages.success(request, _("Segment %(name)s deleted.") % {"name": name})
    return redirect("analytics:segment_list", request.workspace.slug)
