"""The customer's survey pages (no login).

* ``/d/survei-pelanggan/<token>/`` — one invitation: the question, the scale as big buttons,
  an optional comment. The first opening (by someone who is not a member of the workspace) is
  recorded; the first answer is final, after it the page thanks, shows the answer and, when
  it came without a comment (a tap in WhatsApp), offers to add one. A forged token is a 404;
  an unanswered invitation older than ``tokens.INVITATION_MAX_AGE``, or of a survey switched
  off, is a 410 ("closed").
* ``/d/survei-pelanggan/umum/<public_token>/`` — the survey's open link: anyone with it can
  answer, anonymously or as the customer named by a signed ``?c=`` token. A signed cookie
  remembers the answer in that browser (the page then thanks instead of asking again); an open
  link cannot stop a determined person answering twice — send invitations for one answer per
  customer.

(``/d/survei/<token>/`` is the inbox's CSAT page, in the conversations app.)
"""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from relasi.accounts.models import Membership
from relasi.contacts.models import Contact
from relasi.core.exceptions import ApplicationError, Conflict
from relasi.surveys import selectors, services, tokens
from relasi.surveys.enums import SCALE_ENDS, SCORE_LABELS, ResponseSource
from relasi.surveys.forms import AnswerForm, CommentForm
from relasi.surveys.models import Survey, SurveyInvitation, SurveyResponse

_COOKIE_SALT = "relasi.surveys.open-link"
_COOKIE_AGE = 365 * 24 * 3600


def _headers(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex, nofollow"
    # The token must not leak to other sites ("same-origin" keeps the form's CSRF check working).
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response


def _scale(survey: Survey) -> list[dict[str, Any]]:
    low, high = survey.scale
    labels = SCORE_LABELS[survey.kind]
    return [{"score": s, "label": str(labels.get(s, ""))} for s in range(low, high + 1)]


def _page(
    request: HttpRequest,
    *,
    state: str,
    survey: Survey | None = None,
    response: SurveyResponse | None = None,
    error: str = "",
    values: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    """``state``: ``form`` (ask), ``answered`` (thank and show), ``closed`` (410),
    ``missing`` (404)."""
    context: dict[str, Any] = {"state": state, "page_error": error, "values": values or {}}
    if survey is not None:
        low_label, high_label = SCALE_ENDS[survey.kind]
        context.update(
            {
                "survey": survey,
                "business": survey.workspace.name,
                "question": survey.question_text(survey.workspace.name),
                "comment_question": survey.comment_question_text(),
                "scale": _scale(survey),
                "low_label": low_label,
                "low_score": survey.scale[0],
                "high_score": survey.scale[1],
                "high_label": high_label,
                "comment_max": services.COMMENT_MAX,
            }
        )
    if response is not None:
        context["response"] = response
        context["can_comment"] = not response.comment
    return _headers(render(request, "surveys/public_survey.html", context, status=status))


def _is_member(request: HttpRequest, workspace_id: int) -> bool:
    user = request.user
    return bool(
        user.is_authenticated
        and Membership.objects.filter(user_id=user.pk, workspace_id=workspace_id).exists()
    )


def _invitation_source(invitation: SurveyInvitation) -> str:
    channel = str(invitation.channel)
    return channel if channel in ResponseSource.values else ResponseSource.LINK


def _answer_values(request: HttpRequest) -> dict[str, str]:
    return {"score": request.POST.get("score", ""), "comment": request.POST.get("comment", "")}


def _error_text(error: ApplicationError) -> str:
    return str(next(iter(error.fields.values()), error.message))


@require_http_methods(["GET", "POST"])
def survey_answer_view(request: HttpRequest, token: str) -> HttpResponse:
    link = selectors.invitation_get_by_token(token=token)
    if link is None:
        return _page(request, state="missing", status=404)
    invitation, survey = link.invitation, link.invitation.survey
    response = SurveyResponse.objects.filter(invitation=invitation).first()
    if response is not None:
        if request.method == "POST" and request.POST.get("action") == "comment" and not response.comment:
            return _comment(request, survey, response, token)
        return _page(request, state="answered", survey=survey, response=response)
    if link.expired or not survey.is_active:
        return _page(request, state="closed", survey=survey, status=410)
    if request.method == "GET":
        if not _is_member(request, survey.workspace_id):
            services.survey_invitation_view_record(invitation=invitation)
        return _page(request, state="form", survey=survey)
    values = _answer_values(request)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return _page(
            request,
            state="form",
            survey=survey,
            error=_("Keep the comment shorter."),
            values=values,
            status=400,
        )
    try:
        services.survey_response_record(
            survey=survey,
            score=form.cleaned_data["score"],
            comment=form.cleaned_data["comment"],
            source=_invitation_source(invitation),
            invitation=invitation,
        )
    except Conflict as error:
        answered = SurveyResponse.objects.filter(invitation=invitation).first()
        if answered is not None:
            return _page(request, state="answered", survey=survey, response=answered)
        return _page(request, state="closed", survey=survey, error=str(error.message), status=error.status)
    except ApplicationError as error:
        return _page(
            request, state="form", survey=survey, error=_error_text(error), values=values, status=error.status
        )
    return redirect("surveys:answer", token)


def _comment(request: HttpRequest, survey: Survey, response: SurveyResponse, token: str) -> HttpResponse:
    form = CommentForm(request.POST)
    values = {"comment": request.POST.get("comment", "")}
    if not form.is_valid():
        error = (
            _("Write your comment first.")
            if not values["comment"].strip()
            else _("Keep the comment shorter.")
        )
        return _page(
            request,
            state="answered",
            survey=survey,
            response=response,
            error=error,
            values=values,
            status=400,
        )
    try:
        services.survey_response_comment_add(response=response, comment=form.cleaned_data["comment"])
    except ApplicationError as error:
        response.refresh_from_db()
        return _page(
            request,
            state="answered",
            survey=survey,
            response=response,
            error=_error_text(error),
            status=error.status,
        )
    return redirect("surveys:answer", token)


def _cookie_name(survey: Survey) -> str:
    return f"relasi_survey_{survey.pk}"


def _remembered(request: HttpRequest, survey: Survey) -> SurveyResponse | None:
    try:
        value = request.get_signed_cookie(_cookie_name(survey), salt=_COOKIE_SALT)
    except (KeyError, signing.BadSignature):
        return None
    if not isinstance(value, str) or not value.isdigit():
        return None
    return SurveyResponse.objects.filter(pk=int(value), survey=survey).first()


def _contact(request: HttpRequest, survey: Survey) -> Contact | None:
    contact_id = tokens.contact_token_read(request.GET.get("c", ""))
    if contact_id is None:
        return None
    return Contact.objects.filter(
        pk=contact_id, workspace_id=survey.workspace_id, merged_into__isnull=True
    ).first()


@require_http_methods(["GET", "POST"])
def survey_public_view(request: HttpRequest, public_token: str) -> HttpResponse:
    survey = selectors.survey_get_public(public_token=public_token)
    if survey is None:
        return _page(request, state="missing", status=404)
    remembered = _remembered(request, survey)
    if remembered is not None:
        if request.method == "POST" and request.POST.get("action") == "comment" and not remembered.comment:
            return _comment_open(request, survey, remembered)
        return _page(request, state="answered", survey=survey, response=remembered)
    if not survey.is_active or not survey.public_link_enabled:
        return _page(request, state="closed", survey=survey, status=410)
    if request.method == "GET":
        return _page(request, state="form", survey=survey)
    values = _answer_values(request)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return _page(
            request,
            state="form",
            survey=survey,
            error=_("Keep the comment shorter."),
            values=values,
            status=400,
        )
    try:
        response = services.survey_response_record(
            survey=survey,
            score=form.cleaned_data["score"],
            comment=form.cleaned_data["comment"],
            source=ResponseSource.LINK,
            contact=_contact(request, survey),
        )
    except ApplicationError as error:
        state = "closed" if error.code == "survey_closed" else "form"
        return _page(
            request, state=state, survey=survey, error=_error_text(error), values=values, status=error.status
        )
    redirect_to = request.get_full_path()
    reply = redirect(redirect_to)
    reply.set_signed_cookie(
        _cookie_name(survey),
        str(response.pk),
        salt=_COOKIE_SALT,
        max_age=_COOKIE_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
        path=request.path,
    )
    return reply


def _comment_open(request: HttpRequest, survey: Survey, response: SurveyResponse) -> HttpResponse:
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.survey_response_comment_add(response=response, comment=form.cleaned_data["comment"])
        except ApplicationError as error:
            return _page(
                request,
                state="answered",
                survey=survey,
                response=response,
                error=_error_text(error),
                status=error.status,
            )
        return redirect(request.get_full_path())
    return _page(
        request,
        state="answered",
        survey=survey,
        response=response,
        error=_("Write your comment first."),
        status=400,
    )
