"""API: ``/api/v1/surveys`` and ``/api/v1/survey-responses``: thin endpoints over the surveys
app's services and selectors.

* ``GET``/``POST /surveys``, ``GET``/``PATCH /surveys/{id}``
* ``POST /surveys/{id}/invitations`` — ask one customer (WhatsApp, e-mail, web chat or a link)
* ``GET /surveys/{id}/responses`` (cursor-paginated, with filters), ``POST`` — an answer
  given by phone or in person (source ``manual``)
* ``GET /surveys/{id}/summary`` — NPS, CSAT or CES with counts per score and category
* ``GET /survey-responses/{id}``, ``POST /survey-responses/{id}/follow-up``

Dates ISO 8601; scores integers; a score such as an NPS is exact in ``score_fraction``
(``"40/3"``) and rounded in ``score`` (half away from zero: NPS to a whole number, CSAT % to 1
decimal, CES average to 2).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from relasi.accounts.api_access import ErrorOut, api_access
from relasi.accounts.models import Workspace
from relasi.accounts.permissions import Perm
from relasi.core.exceptions import NotFound, fields_invalid
from relasi.core.pagination import paginate_keyset
from relasi.surveys import selectors, sending, services, tokens
from relasi.surveys.enums import ResponseSource
from relasi.surveys.models import Survey, SurveyInvitation, SurveyResponse

surveys_router = Router()
survey_responses_router = Router()

MAX_LIMIT = 200


# Schemas ------------------------------------------------------------------------------------------


class SurveyOut(Schema):
    id: int
    kind: str
    name: str
    question: str = Field(description="As asked (the kind's default when none was set)")
    question_custom: str = Field(description="The question set by the owner; '' = the default")
    comment_question: str
    is_active: bool
    public_link_enabled: bool
    public_url: str | None
    is_inbox_csat: bool
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_question(obj: Survey) -> str:
        return obj.question_text(obj.workspace.name)

    @staticmethod
    def resolve_question_custom(obj: Survey) -> str:
        return obj.question

    @staticmethod
    def resolve_comment_question(obj: Survey) -> str:
        return obj.comment_question_text()

    @staticmethod
    def resolve_public_url(obj: Survey) -> str | None:
        if obj.is_inbox_csat or not obj.public_link_enabled:
            return None
        return tokens.public_url(obj.public_token)


class SurveyIn(Schema):
    """On create ``kind`` and ``name`` are required; on update send only what changes."""

    kind: str | None = Field(
        None, description="nps (0–10), csat (1–5) or ces (1 very difficult … 7 very easy)"
    )
    name: str | None = None
    question: str | None = Field(None, description="'' = the kind's default question")
    comment_question: str | None = Field(None, description="'' = “What is the main reason for your score?”")
    is_active: bool | None = None
    public_link_enabled: bool | None = None


class SurveyPage(Schema):
    items: list[SurveyOut]
    next: str | None


class PageQuery(Schema):
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=MAX_LIMIT)


class InvitationIn(Schema):
    contact_id: int
    channel: str = Field(description="whatsapp, email, webchat or link")
    conversation_id: int | None = Field(
        None, description="Default: the customer's latest conversation of the channel"
    )
    agent_id: int | None = Field(
        None, description="The agent the answer is about; default: the conversation's"
    )


class InvitationOut(Schema):
    id: int
    survey_id: int
    contact_id: int
    conversation_id: int | None
    agent_id: int | None
    channel: str = Field(description="The channel used (e-mail when WhatsApp's window had closed)")
    status: str
    url: str
    sent_to: str
    note: str
    fallback: str = Field("", description="Why another channel than the one asked was used")
    sent_at: dt.datetime | None
    first_viewed_at: dt.datetime | None
    answered_at: dt.datetime | None
    created_at: dt.datetime

    @staticmethod
    def resolve_url(obj: SurveyInvitation) -> str:
        return tokens.invitation_url(obj.token)


class ResponseOut(Schema):
    id: int
    survey_id: int
    invitation_id: int | None
    contact_id: int | None
    contact_name: str
    conversation_id: int | None
    agent_id: int | None
    kind: str
    score: int
    category: str
    comment: str
    topics: list[str]
    topic_keywords: dict[str, list[str]] = Field(
        description="The keywords that put the answer under each topic"
    )
    source: str
    answered_at: dt.datetime
    followed_up_at: dt.datetime | None
    followed_up_by_id: int | None
    follow_up_note: str

    @staticmethod
    def resolve_contact_name(obj: SurveyResponse) -> str:
        return obj.contact.full_name if obj.contact else ""


class ResponsePage(Schema):
    items: list[ResponseOut]
    next: str | None


class ResponseIn(Schema):
    score: int | str = Field(description="On the survey's scale: NPS 0–10, CSAT 1–5, CES 1–7")
    comment: str = ""
    contact_id: int = Field(description="The customer who gave the answer")
    conversation_id: int | None = None
    agent_id: int | None = None
    answered_at: dt.datetime | None = Field(None, description="When it was given; default: now")


class FilterQuery(Schema):
    date_from: dt.date | None = Field(None, alias="from", description="Answered on or after (workspace day)")
    date_to: dt.date | None = Field(None, alias="to", description="Answered on or before (workspace day)")
    category: str = ""
    topic: str = Field("", description="A feedback topic's key, e.g. delivery")
    agent: int | None = None
    score: int | None = None
    source: str = ""
    contact: int | None = None


class ResponseQuery(FilterQuery):
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=MAX_LIMIT)


class CategoryOut(Schema):
    category: str
    label: str
    count: int
    percent: str | None


class SummaryOut(Schema):
    kind: str
    total: int
    score: str | None = Field(description="NPS, CSAT % satisfied or CES average, rounded half away from zero")
    score_fraction: str | None = Field(description='The exact value as a fraction, e.g. "40/3"')
    average: str | None = Field(description="Mean score, 2 decimals")
    distribution: dict[str, int] = Field(description="Answers per score, every score of the scale")
    categories: list[CategoryOut]


class FollowUpIn(Schema):
    note: str = ""


# Helpers ------------------------------------------------------------------------------------------


def _survey_or_404(workspace: Workspace, survey_id: int) -> Survey:
    survey = selectors.survey_get(workspace=workspace, survey_id=survey_id)
    if survey is None:
        raise NotFound(_("Survey not found."), code="not_found")
    return survey


def _filters(workspace: Workspace, survey: Survey, query: FilterQuery) -> selectors.ResponseFilters:
    return selectors.response_filters(
        workspace=workspace,
        kind=survey.kind,
        date_from=query.date_from,
        date_to=query.date_to,
        category=query.category,
        topic=query.topic,
        agent_id=query.agent,
        score=query.score,
        source=query.source,
        contact_id=query.contact,
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)


# Surveys ------------------------------------------------------------------------------------------


@surveys_router.get("", response={200: SurveyPage, 400: ErrorOut, 403: ErrorOut}, summary="List surveys")
def survey_list_api(request: HttpRequest, query: Query[PageQuery]) -> dict[str, Any]:
    workspace, _user = api_access(request, Perm.SURVEYS_VIEW)
    page = paginate_keyset(
        Survey.objects.filter(workspace=workspace).select_related("workspace"),
        cursor=query.cursor,
        limit=query.limit,
    )
    return {"items": page.items, "next": page.next_cursor}


@surveys_router.post("", response={201: SurveyOut, 400: ErrorOut, 403: ErrorOut}, summary="Create a survey")
def survey_create_api(request: HttpRequest, payload: SurveyIn) -> Status[Survey]:
    workspace, user = api_access(request, Perm.SURVEYS_MANAGE)
    survey = services.survey_create(
        workspace=workspace, actor=user, values=payload.model_dump(exclude_unset=True)
    )
    return Status(201, _survey_or_404(workspace, survey.pk))


@surveys_router.get(
    "/{int:survey_id}", response={200: SurveyOut, 403: ErrorOut, 404: ErrorOut}, summary="A survey"
)
def survey_get_api(request: HttpRequest, survey_id: int) -> Survey:
    workspace, _user = api_access(request, Perm.SURVEYS_VIEW)
    return _survey_or_404(workspace, survey_id)


@surveys_router.patch(
    "/{int:survey_id}",
    response={200: SurveyOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Change a survey",
)
def survey_update_api(request: HttpRequest, survey_id: int, payload: SurveyIn) -> Survey:
    workspace, user = api_access(request, Perm.SURVEYS_MANAGE)
    services.survey_update(
        survey=_survey_or_404(workspace, survey_id), actor=user, values=payload.model_dump(exclude_unset=True)
    )
    return _survey_or_404(workspace, survey_id)


@surveys_router.post(
    "/{int:survey_id}/invitations",
    response={201: InvitationOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Send the survey to a customer",
)
def survey_invite_api(
    request: HttpRequest, survey_id: int, payload: InvitationIn
) -> Status[SurveyInvitation]:
    """WhatsApp: a list (CSAT, CES) or the link (NPS) inside the 24-hour window, else by e-mail
    when the customer has an address (``fallback`` says why), else 409 ``window_closed``."""
    workspace, user = api_access(request, Perm.SURVEYS_MANAGE)
    survey = _survey_or_404(workspace, survey_id)
    contact = services.contact_check(workspace=workspace, contact_id=payload.contact_id)
    assert contact is not None
    result = sending.survey_invitation_send(
        survey=survey,
        contact=contact,
        channel=payload.channel,
        actor=user,
        conversation=sending.conversation_check(
            workspace_id=workspace.pk, conversation_id=payload.conversation_id, contact=contact
        ),
        agent=services.member_check(workspace=workspace, user_id=payload.agent_id, field="agent_id"),
    )
    invitation = result.invitation
    invitation.fallback = result.fallback  # type: ignore[attr-defined]  # read by InvitationOut
    return Status(201, invitation)


@surveys_router.get(
    "/{int:survey_id}/responses",
    response={200: ResponsePage, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="A survey's answers",
)
def survey_responses_api(request: HttpRequest, survey_id: int, query: Query[ResponseQuery]) -> dict[str, Any]:
    workspace, _user = api_access(request, Perm.SURVEYS_VIEW)
    survey = _survey_or_404(workspace, survey_id)
    page = paginate_keyset(
        selectors.response_list(
            workspace=workspace, survey=survey, filters=_filters(workspace, survey, query)
        ),
        cursor=query.cursor,
        limit=query.limit,
    )
    return {"items": page.items, "next": page.next_cursor}


@surveys_router.post(
    "/{int:survey_id}/responses",
    response={201: ResponseOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Record an answer given by phone or in person",
)
def survey_response_create_api(
    request: HttpRequest, survey_id: int, payload: ResponseIn
) -> Status[SurveyResponse]:
    workspace, user = api_access(request, Perm.SURVEYS_MANAGE)
    survey = _survey_or_404(workspace, survey_id)
    if survey.is_inbox_csat:
        raise fields_invalid(
            {
                "survey": _(
                    "Record a conversation's rating on the conversation (POST /conversations/{id}/csat)."
                )
            }
        )
    if payload.answered_at is not None and payload.answered_at > timezone.now():
        raise fields_invalid({"answered_at": _("The answer cannot come from the future.")})
    contact = services.contact_check(workspace=workspace, contact_id=payload.contact_id)
    response = services.survey_response_record(
        survey=survey,
        score=payload.score,
        comment=payload.comment,
        source=ResponseSource.MANUAL,
        contact=contact,
        conversation=sending.conversation_check(
            workspace_id=workspace.pk, conversation_id=payload.conversation_id, contact=contact
        ),
        agent=services.member_check(workspace=workspace, user_id=payload.agent_id, field="agent_id"),
        actor=user,
        answered_at=payload.answered_at,
    )
    found = selectors.response_get(workspace=workspace, response_id=response.pk)
    assert found is not None
    return Status(201, found)


@surveys_router.get(
    "/{int:survey_id}/summary",
    response={200: SummaryOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="NPS, CSAT or CES of the survey",
)
def survey_summary_api(request: HttpRequest, survey_id: int, query: Query[FilterQuery]) -> dict[str, Any]:
    workspace, _user = api_access(request, Perm.SURVEYS_VIEW)
    survey = _survey_or_404(workspace, survey_id)
    summary = selectors.survey_summary(
        survey=survey, filters=_filters(workspace, survey, query), workspace=workspace
    )
    return {
        "kind": summary.kind,
        "total": summary.total,
        "score": _text(summary.score_display),
        "score_fraction": _text(summary.score),
        "average": _text(summary.average_display),
        "distribution": {str(score): count for score, count in summary.distribution.items()},
        "categories": [
            {"category": c.category, "label": c.label, "count": c.count, "percent": _text(c.percent_display)}
            for c in summary.categories
        ],
    }


# Answers ------------------------------------------------------------------------------------------


def _response_or_404(workspace: Workspace, response_id: int) -> SurveyResponse:
    response = selectors.response_get(workspace=workspace, response_id=response_id)
    if response is None:
        raise NotFound(_("Answer not found."), code="not_found")
    return response


@survey_responses_router.get(
    "/{int:response_id}", response={200: ResponseOut, 403: ErrorOut, 404: ErrorOut}, summary="An answer"
)
def survey_response_get_api(request: HttpRequest, response_id: int) -> SurveyResponse:
    workspace, _user = api_access(request, Perm.SURVEYS_VIEW)
    return _response_or_404(workspace, response_id)


@survey_responses_router.post(
    "/{int:response_id}/follow-up",
    response={200: ResponseOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Mark an unhappy answer as followed up",
)
def survey_response_follow_up_api(
    request: HttpRequest, response_id: int, payload: FollowUpIn
) -> SurveyResponse:
    workspace, user = api_access(request, Perm.SURVEYS_MANAGE)
    services.survey_response_follow_up(
        response=_response_or_404(workspace, response_id), actor=user, note=payload.note
    )
    return _response_or_404(workspace, response_id)
