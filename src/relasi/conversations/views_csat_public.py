"""The customer's satisfaction survey page (no login): ``/d/survei/<token>/``.

The token (see ``csat``) is the only key: a forged one, or one naming a conversation that was
never surveyed, is a 404. A valid token shows five buttons (1–5) and an optional comment; the
first answer is final, after it the page thanks and shows the answer. Seven days after the
survey was sent the link expires (410) unless it was answered.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from relasi.conversations import csat
from relasi.conversations.models import Conversation, CsatSource
from relasi.core.exceptions import ApplicationError, Conflict


def _page(
    request: HttpRequest,
    conversation: Conversation,
    *,
    expired: bool = False,
    error: str = "",
    values: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {
        "conversation": conversation,
        "business": conversation.workspace.name,
        "options": [(score, csat.score_label(score)) for score in csat.SCORES],
        "answered": conversation.csat_answered_at is not None,
        "answer_label": csat.score_label(conversation.csat_score or 0),
        "expired": expired and conversation.csat_answered_at is None,
        "page_error": error,
        "values": values or {},
        "comment_max": csat.COMMENT_MAX,
        "link_days": csat.LINK_MAX_AGE.days,
    }
    response = render(request, "conversations/csat_survey.html", context, status=status)
    response["X-Robots-Tag"] = "noindex, nofollow"
    # The token must not leak to other sites ("same-origin" keeps the form's CSRF check working).
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
def csat_survey_view(request: HttpRequest, token: str) -> HttpResponse:
    link = csat.csat_link_resolve(token=token)
    if link is None:
        raise Http404(_("This survey does not exist."))
    conversation = link.conversation
    if link.expired and conversation.csat_answered_at is None:
        return _page(request, conversation, expired=True, status=410)
    if request.method == "GET" or conversation.csat_answered_at is not None:
        return _page(request, conversation)
    values = {"score": request.POST.get("score", ""), "comment": request.POST.get("comment", "")}
    try:
        csat.csat_record(
            conversation=conversation,
            score=values["score"],
            comment=values["comment"],
            source=CsatSource.LINK,
        )
    except Conflict:
        conversation.refresh_from_db()
        return _page(request, conversation)
    except ApplicationError as error:
        message = next(iter(error.fields.values()), error.message)
        return _page(request, conversation, error=str(message), values=values, status=400)
    return redirect("conversations:csat_survey", token)
