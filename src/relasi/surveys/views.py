"""Survey pages for staff under ``/w/<slug>/survei/``: the list, create and edit, a survey's
results (every figure links to the answers behind it), the answers table with filters and
CSV/XLSX export, the follow-up list of unhappy customers, feedback topics, and sending a
survey to a customer.

``Perm.SURVEYS_VIEW`` reads, ``Perm.SURVEYS_MANAGE`` changes, sends, exports and follows up.
Thin views: parse, call one service or selector, render.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from relasi.accounts.decorators import WorkspaceRequest, workspace_view
from relasi.accounts.permissions import Perm
from relasi.contacts.models import Contact
from relasi.core.exceptions import ApplicationError, fields_invalid
from relasi.core.pagination import paginate_keyset
from relasi.core.spreadsheets import XLSX_CONTENT_TYPE
from relasi.surveys import charts, exports, scoring, selectors, sending, services, tokens
from relasi.surveys.enums import NEGATIVE_CATEGORIES, ResponseCategory, ResponseSource, SurveyKind
from relasi.surveys.forms import FollowUpForm, SendForm, SurveyForm, TopicForm
from relasi.surveys.models import Survey
from relasi.web.forms import apply_errors, form_status, form_submit

_GET_POST = require_http_methods(["GET", "POST"])
PAGE_SIZE = 50


def _survey(request: WorkspaceRequest, survey_id: int) -> Survey:
    survey = selectors.survey_get(workspace=request.workspace, survey_id=survey_id)
    if survey is None:
        raise Http404(_("Survey not found."))
    return survey


def _int(value: str | None, field: str) -> int | None:
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise fields_invalid({field: _("Give a number.")}) from None


def _date(value: str | None, field: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise fields_invalid({field: _("Use a date like 2026-01-31.")}) from None


def filters_from_query(query: QueryDict, *, workspace: Any, kind: str | None) -> selectors.ResponseFilters:
    """The responses filters of ``?from=&to=&category=&topic=&agent=&score=&source=&contact=``;
    raises ``ValidationError`` naming the bad field."""
    return selectors.response_filters(
        workspace=workspace,
        kind=kind,
        date_from=_date(query.get("from"), "from"),
        date_to=_date(query.get("to"), "to"),
        category=query.get("category", ""),
        topic=query.get("topic", ""),
        agent_id=_int(query.get("agent"), "agent"),
        score=_int(query.get("score"), "score"),
        source=query.get("source", ""),
        contact_id=_int(query.get("contact"), "contact"),
    )


def _filters(request: WorkspaceRequest, kind: str | None) -> tuple[selectors.ResponseFilters, int]:
    """The asked filters, or none with the error shown (status 400)."""
    try:
        return filters_from_query(request.GET, workspace=request.workspace, kind=kind), 200
    except ApplicationError as error:
        details = "; ".join(str(v) for v in error.fields.values())
        messages.error(request, f"{error.message} {details}".strip())
        return selectors.ResponseFilters(), 400


def _responses_url(slug: str, survey: Survey, filters: selectors.ResponseFilters, **extra: Any) -> str:
    """The answers table of ``survey`` with the page's filters plus ``extra`` (a figure's)."""
    query = QueryDict(mutable=True)
    query.update(filters.as_query())
    for key, value in extra.items():
        query[key] = str(value)
    base = reverse("surveys:responses", args=[slug, survey.pk])
    return f"{base}?{query.urlencode()}" if query else base


# Surveys ----------------------------------------------------------------------------------------


@require_GET
@workspace_view(Perm.SURVEYS_VIEW)
def survey_list_view(request: WorkspaceRequest) -> HttpResponse:
    surveys = list(selectors.survey_list(workspace=request.workspace))
    results = selectors.survey_results(workspace=request.workspace)
    context: dict[str, Any] = {
        "rows": [(survey, results.get(survey.pk)) for survey in surveys],
        "can_manage": request.membership.can(Perm.SURVEYS_MANAGE),
        "follow_up_count": selectors.follow_up_list(workspace=request.workspace).count(),
        "surveys_tab": "surveys",
    }
    return render(request, "surveys/survey_list.html", context)


@_GET_POST
@workspace_view(Perm.SURVEYS_MANAGE)
def survey_create_view(request: WorkspaceRequest) -> HttpResponse:
    form = SurveyForm(request.POST or None, initial={"kind": request.GET.get("kind", SurveyKind.NPS)})
    survey = form_submit(
        request,
        form,
        lambda: services.survey_create(workspace=request.workspace, actor=request.user, values=form.values()),
    )
    if survey is not None:
        messages.success(request, _("Survey %(name)s created.") % {"name": survey.name})
        return redirect("surveys:detail", request.workspace.slug, survey.pk)
    return render(
        request,
        "surveys/survey_form.html",
        {"form": form, "surveys_tab": "surveys"},
        status=form_status(request),
    )


@_GET_POST
@workspace_view(Perm.SURVEYS_MANAGE)
def survey_edit_view(request: WorkspaceRequest, survey_id: int) -> HttpResponse:
    survey = _survey(request, survey_id)
    initial = {
        "name": survey.name,
        "kind": survey.kind,
        "question": survey.question,
        "comment_question": survey.comment_question,
        "is_active": survey.is_active,
        "public_link_enabled": survey.public_link_enabled,
    }
    form = SurveyForm(request.POST or None, initial=initial, survey=survey)
    saved = form_submit(
        request, form, lambda: services.survey_update(survey=survey, actor=request.user, values=form.values())
    )
    if saved is not None:
        messages.success(request, _("Survey %(name)s saved.") % {"name": saved.name})
        return redirect("surveys:detail", request.workspace.slug, survey.pk)
    context = {"form": form, "survey": survey, "surveys_tab": "surveys"}
    return render(request, "surveys/survey_form.html", context, status=form_status(request))


@require_GET
@workspace_view(Perm.SURVEYS_VIEW)
def survey_detail_view(request: WorkspaceRequest, survey_id: int) -> HttpResponse:
    survey = _survey(request, survey_id)
    filters, status = _filters(request, survey.kind)
    summary = selectors.survey_summary(survey=survey, filters=filters, workspace=request.workspace)
    slug = request.workspace.slug
    labels = selectors.topic_labels(workspace=request.workspace)
    topic_counts = selectors.topic_counts(survey=survey, filters=filters)
    context: dict[str, Any] = {
        "survey": survey,
        "question": survey.question_text(request.workspace.name),
        "summary": summary,
        "filters": filters,
        "chart": charts.distribution_chart(
            summary, link=lambda score: _responses_url(slug, survey, filters, score=score)
        ),
        "category_links": [
            (c, _responses_url(slug, survey, filters, category=c.category), c.category in NEGATIVE_CATEGORIES)
            for c in summary.categories
        ],
        "all_url": _responses_url(slug, survey, filters),
        "topics": [
            (labels.get(key, key), count, _responses_url(slug, survey, filters, topic=key))
            for key, count in sorted(topic_counts.items(), key=lambda item: (-item[1], item[0]))
        ],
        "public_url": tokens.public_url(survey.public_token)
        if survey.public_link_enabled and not survey.is_inbox_csat
        else "",
        "invitations": list(selectors.invitation_list(survey=survey)[:20]),
        "can_manage": request.membership.can(Perm.SURVEYS_MANAGE),
        "negative": scoring.NEGATIVE[survey.kind],
        "surveys_tab": "surveys",
    }
    return render(request, "surveys/survey_detail.html", context, status=status)


# Answers ----------------------------------------------------------------------------------------


@require_GET
@workspace_view(Perm.SURVEYS_VIEW)
def response_list_view(request: WorkspaceRequest, survey_id: int) -> HttpResponse:
    survey = _survey(request, survey_id)
    filters, status = _filters(request, survey.kind)
    try:
        page = paginate_keyset(
            selectors.response_list(workspace=request.workspace, survey=survey, filters=filters),
            cursor=request.GET.get("cursor") or None,
            limit=PAGE_SIZE,
        )
    except ApplicationError as error:
        messages.error(request, str(error.message))
        page = paginate_keyset(
            selectors.response_list(workspace=request.workspace, survey=survey, filters=filters),
            cursor=None,
            limit=PAGE_SIZE,
        )
        status = 400
    query = request.GET.copy()
    query.pop("cursor", None)
    next_query = query.copy()
    if page.next_cursor:
        next_query["cursor"] = page.next_cursor
    low, high = survey.scale
    context: dict[str, Any] = {
        "survey": survey,
        "filters": filters,
        "responses": page.items,
        "next_query": next_query.urlencode() if page.next_cursor else "",
        "query_string": query.urlencode(),
        "topic_labels": selectors.topic_labels(workspace=request.workspace),
        "topics": selectors.feedback_topic_list(workspace=request.workspace),
        "categories": [(c, ResponseCategory(c).label) for c in scoring.CATEGORIES[survey.kind]],
        "sources": ResponseSource.choices,
        "scores": list(range(low, high + 1)),
        "agents": selectors.member_choices(workspace=request.workspace),
        "can_manage": request.membership.can(Perm.SURVEYS_MANAGE),
        "summary": selectors.survey_summary(survey=survey, filters=filters, workspace=request.workspace),
        "surveys_tab": "surveys",
    }
    return render(request, "surveys/response_list.html", context, status=status)


@require_GET
@workspace_view(Perm.SURVEYS_MANAGE)
def response_export_view(request: WorkspaceRequest, survey_id: int) -> HttpResponse:
    """``?format=csv|xlsx`` with the table's filters."""
    survey = _survey(request, survey_id)
    file_format = request.GET.get("format", "csv")
    if file_format not in ("csv", "xlsx"):
        return HttpResponse(_("Choose format=csv or format=xlsx."), status=400, content_type="text/plain")
    try:
        filters = filters_from_query(request.GET, workspace=request.workspace, kind=survey.kind)
    except ApplicationError as error:
        return HttpResponse(str(error.message), status=400, content_type="text/plain")
    return export_response(request, survey, filters, file_format)


def export_response(
    request: Any, survey: Survey, filters: selectors.ResponseFilters, file_format: str
) -> HttpResponse:
    """The export as a download (shared by the page and the API)."""
    name = exports.export_filename(survey=survey, file_format=file_format)
    args = {
        "workspace": request.workspace,
        "survey": survey,
        "actor": request.user,
        "filters": filters,
        "ip_address": request.META.get("REMOTE_ADDR"),
    }
    response: HttpResponse | StreamingHttpResponse
    if file_format == "xlsx":
        response = FileResponse(
            exports.responses_export_xlsx(**args),
            as_attachment=True,
            filename=name,
            content_type=XLSX_CONTENT_TYPE,
        )
    else:
        response = StreamingHttpResponse(
            exports.responses_export_csv(**args), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    response["Cache-Control"] = "no-store"  # customer names and comments: never kept by a shared cache
    return response  # type: ignore[return-value]


# Follow-up ---------------------------------------------------------------------------------------


@require_GET
@workspace_view(Perm.SURVEYS_VIEW)
def follow_up_list_view(request: WorkspaceRequest) -> HttpResponse:
    done = request.GET.get("done") == "1"
    rows = list(selectors.follow_up_list(workspace=request.workspace, done=done)[:200])
    context: dict[str, Any] = {
        "responses": rows,
        "done": done,
        "topic_labels": selectors.topic_labels(workspace=request.workspace),
        "can_manage": request.membership.can(Perm.SURVEYS_MANAGE),
        "surveys_tab": "follow_up",
    }
    return render(request, "surveys/follow_up_list.html", context)


@require_POST
@workspace_view(Perm.SURVEYS_MANAGE)
def follow_up_view(request: WorkspaceRequest, response_id: int) -> HttpResponse:
    response = selectors.response_get(workspace=request.workspace, response_id=response_id)
    if response is None:
        raise Http404(_("Answer not found."))
    form = FollowUpForm(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(str(e) for errors in form.errors.values() for e in errors))
    else:
        try:
            services.survey_response_follow_up(
                response=response, actor=request.user, note=form.cleaned_data["note"]
            )
        except ApplicationError as error:
            messages.error(request, str(error.message))
        else:
            name = response.contact.full_name if response.contact else _("an anonymous customer")
            messages.success(request, _("Follow-up of %(name)s recorded.") % {"name": name})
    return redirect("surveys:follow_up_list", request.workspace.slug)


# Feedback topics --------------------------------------------------------------------------------


@_GET_POST
@workspace_view(Perm.SURVEYS_MANAGE)
def topic_list_view(request: WorkspaceRequest) -> HttpResponse:
    """The topics with their keywords (one form each) and a form to add one."""
    topics = services.feedback_topics_ensure(workspace=request.workspace)
    form = TopicForm(request.POST or None, prefix="new")
    created = form_submit(
        request,
        form,
        lambda: services.feedback_topic_create(
            workspace=request.workspace,
            actor=request.user,
            label=form.cleaned_data["label"],
            keywords=form.cleaned_data["keywords"],
        ),
    )
    if created is not None:
        messages.success(
            request,
            _("Topic %(name)s added; the answers were tagged again.") % {"name": created.display_label},
        )
        return redirect("surveys:topics", request.workspace.slug)
    edit_forms = [
        (
            topic,
            TopicForm(
                initial={"label": topic.display_label, "keywords": ", ".join(topic.keywords)},
                prefix=f"t{topic.pk}",
            ),
        )
        for topic in topics
    ]
    context = {
        "form": form,
        "edit_forms": edit_forms,
        "clitics": ", ".join(f"-{c}" for c in scoring.CLITICS),
        "surveys_tab": "topics",
    }
    return render(request, "surveys/topic_list.html", context, status=form_status(request))


@require_POST
@workspace_view(Perm.SURVEYS_MANAGE)
def topic_edit_view(request: WorkspaceRequest, topic_id: int) -> HttpResponse:
    topic = selectors.feedback_topic_get(workspace=request.workspace, topic_id=topic_id)
    if topic is None:
        raise Http404(_("Topic not found."))
    form = TopicForm(request.POST, prefix=f"t{topic.pk}")
    saved = form_submit(
        request,
        form,
        lambda: services.feedback_topic_update(
            topic=topic,
            actor=request.user,
            label=form.cleaned_data["label"],
            keywords=form.cleaned_data["keywords"],
        ),
    )
    if saved is None:
        errors = [str(e) for errors in form.errors.values() for e in errors]
        messages.error(request, "; ".join(errors) or _("The topic was not saved."))
    else:
        messages.success(
            request, _("Topic %(name)s saved; the answers were tagged again.") % {"name": saved.display_label}
        )
    return redirect("surveys:topics", request.workspace.slug)


@require_POST
@workspace_view(Perm.SURVEYS_MANAGE)
def topic_delete_view(request: WorkspaceRequest, topic_id: int) -> HttpResponse:
    topic = selectors.feedback_topic_get(workspace=request.workspace, topic_id=topic_id)
    if topic is None:
        raise Http404(_("Topic not found."))
    name = topic.display_label
    services.feedback_topic_delete(topic=topic, actor=request.user)
    messages.success(request, _("Topic %(name)s removed.") % {"name": name})
    return redirect("surveys:topics", request.workspace.slug)


@require_POST
@workspace_view(Perm.SURVEYS_MANAGE)
def topics_retag_view(request: WorkspaceRequest) -> HttpResponse:
    changed = services.survey_responses_retag(workspace=request.workspace)
    messages.success(request, _("Answers tagged again: %(count)s changed.") % {"count": changed})
    return redirect("surveys:topics", request.workspace.slug)


# Sending ----------------------------------------------------------------------------------------


@_GET_POST
@workspace_view(Perm.SURVEYS_MANAGE)
def survey_send_view(request: WorkspaceRequest) -> HttpResponse:
    """``?contact=<id>``: ask one customer a survey (linked from the customer's page)."""
    contact_id = request.GET.get("contact") or request.POST.get("contact") or ""
    contact = (
        Contact.objects.filter(
            workspace=request.workspace, pk=int(contact_id), merged_into__isnull=True
        ).first()
        if contact_id.isdigit()
        else None
    )
    if contact is None:
        raise Http404(_("Customer not found."))
    surveys = selectors.survey_list(workspace=request.workspace).filter(is_active=True, is_inbox_csat=False)
    members = selectors.member_queryset(workspace=request.workspace)
    initial = {"survey": request.GET.get("survey")} if request.GET.get("survey") else {}
    form = SendForm(request.POST or None, surveys=surveys, members=members, initial=initial)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = sending.survey_invitation_send(
                survey=form.cleaned_data["survey"],
                contact=contact,
                channel=form.cleaned_data["channel"],
                actor=request.user,
                agent=form.cleaned_data["agent"],
            )
        except ApplicationError as error:
            apply_errors(form, error)
    context: dict[str, Any] = {
        "contact": contact,
        "form": form,
        "result": result,
        "has_surveys": surveys.exists(),
        "surveys_tab": "surveys",
    }
    return render(
        request,
        "surveys/send.html",
        context,
        status=400 if request.method == "POST" and result is None else 200,
    )
