"""Pipeline pages: the board, deals, moves, the reason lists, statistics, and activities.

Thin views: check the permission (``workspace_view``), parse the form, call one service or
selector, render. Every action works without JavaScript (plain forms); ``pipeline.js`` adds
drag and drop, posting the same move endpoint.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from relasi.accounts.decorators import WorkspaceRequest, workspace_view
from relasi.accounts.permissions import Perm
from relasi.core.exceptions import ApplicationError
from relasi.sales import (
    pipeline_stats,
    selectors_activities,
    selectors_deals,
    services_activities,
    services_deals,
)
from relasi.sales.enums import DealStage
from relasi.sales.forms_deals import ActivityForm, DealForm, DealMoveForm, ReasonForm
from relasi.sales.models import Activity, Deal
from relasi.sales.views_common import int_or_none
from relasi.web.forms import form_status, form_submit

_GET_POST = require_http_methods(["GET", "POST"])


def _next_url(request: WorkspaceRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _get_deal(request: WorkspaceRequest, deal_id: int) -> Deal:
    deal = selectors_deals.deal_get(workspace=request.workspace, deal_id=deal_id)
    if deal is None:
        raise Http404(_("Deal not found."))
    return deal


def _period(request: WorkspaceRequest) -> tuple[dt.date, dt.date]:
    """``?from=`` and ``?to=`` (ISO dates), by default the last 90 days."""
    default_from, default_to = pipeline_stats.period_default(workspace=request.workspace)
    try:
        date_from = (
            dt.date.fromisoformat(request.GET.get("from", "")) if request.GET.get("from") else default_from
        )
        date_to = dt.date.fromisoformat(request.GET.get("to", "")) if request.GET.get("to") else default_to
    except ValueError:
        messages.error(request, _("Give the period's dates as 2025-01-31. The last 90 days are shown."))
        return default_from, default_to
    if date_from > date_to:
        date_from, date_to = date_to, date_from
    return date_from, date_to


# Board and statistics ----------------------------------------------------------------------


@workspace_view(Perm.SALES_VIEW)
def deal_board_view(request: WorkspaceRequest) -> HttpResponse:
    owner = request.GET.get("owner", "")
    owner_id = request.user.pk if owner == "me" else int_or_none(owner)
    contact_id = int_or_none(request.GET.get("contact"))
    date_from, date_to = pipeline_stats.period_default(workspace=request.workspace)
    context: dict[str, Any] = {
        "columns": selectors_deals.deal_board(
            workspace=request.workspace, owner_id=owner_id, contact_id=contact_id
        ),
        "stats": pipeline_stats.pipeline_stats(
            workspace=request.workspace, date_from=date_from, date_to=date_to
        ),
        "owners": selectors_deals.deal_owner_choices(workspace=request.workspace),
        "contacts": selectors_deals.board_contacts(workspace=request.workspace),
        "owner_filter": owner,
        "contact_filter": contact_id,
        "stages": DealStage.choices,
        "can_edit": request.membership.can(Perm.SALES_EDIT),
        "sales_tab": "pipeline",
    }
    return render(request, "sales/pipeline_board.html", context)


@workspace_view(Perm.SALES_VIEW)
def pipeline_stats_view(request: WorkspaceRequest) -> HttpResponse:
    date_from, date_to = _period(request)
    context = {
        "stats": pipeline_stats.pipeline_stats(
            workspace=request.workspace, date_from=date_from, date_to=date_to
        ),
        "sales_tab": "pipeline",
    }
    return render(request, "sales/pipeline_stats.html", context)


# Deals ------------------------------------------------------------------------------------


@_GET_POST
@workspace_view(Perm.SALES_EDIT)
def deal_create_view(request: WorkspaceRequest) -> HttpResponse:
    initial = {"owner_id": str(request.user.pk), "contact_id": request.GET.get("contact", "")}
    form = DealForm(request.POST or None, workspace=request.workspace, initial=initial)
    deal = form_submit(
        request,
        form,
        lambda: services_deals.deal_create(
            workspace=request.workspace, actor=request.user, values=form.values()
        ),
    )
    if deal is not None:
        messages.success(request, _("Deal %(title)s saved.") % {"title": deal.title})
        return redirect("sales:deal_detail", request.workspace.slug, deal.pk)
    context = {"form": form, "deal": None, "sales_tab": "pipeline"}
    return render(request, "sales/deal_form.html", context, status=form_status(request))


@workspace_view(Perm.SALES_VIEW)
def deal_detail_view(request: WorkspaceRequest, deal_id: int) -> HttpResponse:
    deal = _get_deal(request, deal_id)
    context = {
        "deal": deal,
        "history": selectors_deals.deal_stage_history(deal=deal),
        "activities": selectors_activities.deal_activities(workspace=request.workspace, deal_id=deal.pk),
        "quotations": selectors_deals.deal_quotations(deal=deal),
        "move_form": DealMoveForm(workspace=request.workspace, initial={"stage": deal.stage}),
        "stages": DealStage.choices,
        "can_edit": request.membership.can(Perm.SALES_EDIT),
        "sales_tab": "pipeline",
    }
    return render(request, "sales/deal_detail.html", context)


@_GET_POST
@workspace_view(Perm.SALES_EDIT)
def deal_edit_view(request: WorkspaceRequest, deal_id: int) -> HttpResponse:
    deal = _get_deal(request, deal_id)
    form = DealForm(
        request.POST or None, workspace=request.workspace, deal=deal, initial=DealForm.initial_for(deal)
    )
    saved = form_submit(
        request,
        form,
        lambda: services_deals.deal_update(deal=deal, actor=request.user, values=form.values()),
    )
    if saved is not None:
        messages.success(request, _("Changes saved."))
        return redirect("sales:deal_detail", request.workspace.slug, deal.pk)
    context = {"form": form, "deal": deal, "sales_tab": "pipeline"}
    return render(request, "sales/deal_form.html", context, status=form_status(request))


@_GET_POST
@workspace_view(Perm.SALES_EDIT)
def deal_move_view(request: WorkspaceRequest, deal_id: int) -> HttpResponse:
    """GET: the move form (with the reason lists). POST: the move — from the card's select,
    this form, or ``pipeline.js`` (an htmx/fetch request: 204 when moved)."""
    deal = _get_deal(request, deal_id)
    board = _next_url(request, reverse("sales:deal_board", args=[request.workspace.slug]))
    stage = request.GET.get("stage", deal.stage)
    form = DealMoveForm(
        request.POST or None, workspace=request.workspace, stage=stage, initial={"stage": stage}
    )
    moved = form_submit(
        request,
        form,
        lambda: services_deals.deal_move(
            deal=deal,
            stage=form.cleaned_data["stage"],
            actor=request.user,
            reason=form.chosen_reason(),
            note=form.cleaned_data.get("note", ""),
        ),
    )
    if moved is not None:
        if request.htmx:
            return HttpResponse(status=204)
        messages.success(
            request,
            _("%(title)s moved to %(stage)s.") % {"title": moved.title, "stage": moved.get_stage_display()},
        )
        return redirect(board)
    context = {"form": form, "deal": deal, "next": board, "sales_tab": "pipeline"}
    return render(request, "sales/deal_move.html", context, status=form_status(request))


@_GET_POST
@workspace_view(Perm.SALES_EDIT)
def deal_delete_view(request: WorkspaceRequest, deal_id: int) -> HttpResponse:
    deal = _get_deal(request, deal_id)
    if request.method == "POST":
        try:
            services_deals.deal_delete(deal=deal, actor=request.user)
        except ApplicationError as error:
            messages.error(request, str(error.message))
            return redirect("sales:deal_detail", request.workspace.slug, deal.pk)
        messages.success(request, _("Deal %(title)s deleted.") % {"title": deal.title})
        return redirect("sales:deal_board", request.workspace.slug)
    context = {
        "deal": deal,
        "quotation_count": selectors_deals.deal_quotations(deal=deal).count(),
        "sales_tab": "pipeline",
    }
    return render(request, "sales/deal_delete.html", context)


@_GET_POST
@workspace_view(Perm.SALES_EDIT)
def deal_reasons_view(request: WorkspaceRequest) -> HttpResponse:
    """The won and lost reason lists: add (POST ``name``, ``for_won``), delete (POST
    ``delete`` = a reason's id)."""
    form = ReasonForm(None if "delete" in request.POST else (request.POST or None))
    status = 200
    if request.method == "POST" and "delete" in request.POST:
        reason = selectors_deals.deal_reason_get(
            workspace=request.workspace, reason_id=int_or_none(request.POST["delete"]) or 0
        )
        if reason is None:
            raise Http404(_("Reason not found."))
        try:
            services_deals.deal_reason_delete(reason=reason)
            messages.success(request, _("Reason %(name)s deleted.") % {"name": reason.name})
        except ApplicationError as error:
            messages.error(request, str(error.message))
        return redirect("sales:deal_reasons", request.workspace.slug)
    created = form_submit(
        request,
        form,
        lambda: services_deals.deal_reason_create(
            workspace=request.workspace, name=form.cleaned_data["name"], for_won=form.cleaned_data["for_won"]
        ),
    )
    if created is not None:
        messages.success(request, _("Reason %(name)s added.") % {"name": created.name})
        return redirect("sales:deal_reasons", request.workspace.slug)
    if request.method == "POST":
        status = 400
    context = {
        "form": form,
        "lost_reasons": selectors_deals.deal_reasons(workspace=request.workspace, for_won=False),
        "won_reasons": selectors_deals.deal_reasons(workspace=request.workspace, for_won=True),
        "sales_tab": "pipeline",
    }
    return render(request, "sales/deal_reasons.html", context, status=status)


# Activities -------------------------------------------------------------------------------


def _get_activity(request: WorkspaceRequest, activity_id: int) -> Activity:
    activity = selectors_activities.activity_get(workspace=request.workspace, activity_id=activity_id)
    if activity is None:
        raise Http404(_("Activity not found."))
    return activity


@workspace_view(Perm.SALES_VIEW)
def activity_list_view(request: WorkspaceRequest) -> HttpResponse:
    """The signed-in member's activities by due bucket; managers may pick another member
    (``?owner=<id>``) or everyone (``?owner=all``)."""
    may_view_others = selectors_activities.activities_may_view_others(membership=request.membership)
    owner = request.GET.get("owner", "") if may_view_others else ""
    owner_id: int | None = request.user.pk
    if owner == "all":
        owner_id = None
    elif int_or_none(owner) is not None:
        owner_id = int_or_none(owner)
    context = {
        "groups": selectors_activities.activity_groups(workspace=request.workspace, owner_id=owner_id),
        "may_view_others": may_view_others,
        "owners": selectors_deals.deal_owner_choices(workspace=request.workspace) if may_view_others else [],
        "owner_filter": owner or str(request.user.pk),
        "show_owner": owner_id != request.user.pk,
        "can_edit": request.membership.can(Perm.SALES_EDIT),
        "sales_tab": "activities",
    }
    return render(request, "sales/activity_list.html", context)


def _activity_back(request: WorkspaceRequest) -> str:
    return _next_url(request, reverse("sales:activity_list", args=[request.workspace.slug]))


@_GET_POST
@workspace_view(Perm.SALES_EDIT)
def activity_create_view(request: WorkspaceRequest) -> HttpResponse:
    initial = {
        "owner_id": str(request.user.pk),
        "deal_id": request.GET.get("deal", ""),
        "contact_id": request.GET.get("contact", ""),
    }
    form = ActivityForm(request.POST or None, workspace=request.workspace, initial=initial)
    created = form_submit(
        request,
        form,
        lambda: services_activities.activity_create(
            workspace=request.workspace, actor=request.user, values=form.values()
        ),
    )
    if created is not None:
        messages.success(request, _("Activity %(subject)s planned.") % {"subject": created.subject})
        return redirect(_activity_back(request))
    context = {"form": form, "activity": None, "next": _activity_back(request), "sales_tab": "activities"}
    return render(request, "sales/activity_form.html", context, status=form_status(request))


@_GET_POST
@workspace_view(Perm.SALES_EDIT)
def activity_edit_view(request: WorkspaceRequest, activity_id: int) -> HttpResponse:
    activity = _get_activity(request, activity_id)
    form = ActivityForm(
        request.POST or None, workspace=request.workspace, initial=ActivityForm.initial_for(activity)
    )
    saved = form_submit(
        request,
        form,
        lambda: services_activities.activity_update(
            activity=activity, actor=request.user, values=form.values()
        ),
    )
    if saved is not None:
        messages.success(request, _("Changes saved."))
        return redirect(_activity_back(request))
    context = {"form": form, "activity": activity, "next": _activity_back(request), "sales_tab": "activities"}
    return render(request, "sales/activity_form.html", context, status=form_status(request))


@require_POST
@workspace_view(Perm.SALES_EDIT)
def activity_complete_view(request: WorkspaceRequest, activity_id: int) -> HttpResponse:
    activity = services_activities.activity_complete(
        activity=_get_activity(request, activity_id), actor=request.user
    )
    messages.success(request, _("%(subject)s is done.") % {"subject": activity.subject})
    return redirect(_activity_back(request))


@require_POST
@workspace_view(Perm.SALES_EDIT)
def activity_reopen_view(request: WorkspaceRequest, activity_id: int) -> HttpResponse:
    activity = services_activities.activity_reopen(
        activity=_get_activity(request, activity_id), actor=request.user
    )
    messages.success(request, _("%(subject)s is open again.") % {"subject": activity.subject})
    return redirect(_activity_back(request))


@_GET_POST
@workspace_view(Perm.SALES_EDIT)
def activity_delete_view(request: WorkspaceRequest, activity_id: int) -> HttpResponse:
    activity = _get_activity(request, activity_id)
    if request.method == "POST":
        services_activities.activity_delete(activity=activity, actor=request.user)
        messages.success(request, _("Activity %(subject)s deleted.") % {"subject": activity.subject})
        return redirect(_activity_back(request))
    context = {"activity": activity, "next": _activity_back(request), "sales_tab": "activities"}
    return render(request, "sales/activity_delete.html", context)
