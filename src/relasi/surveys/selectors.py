"""Reads of the surveys app, each scoped to a workspace. The counting is done by the database
(one aggregate query per summary); ``scoring`` turns the counts into NPS, CSAT and CES.

For the analytics app: ``latest_nps_by_contact``, ``satisfaction_summary`` and
``contact_survey_responses``."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext as _

from relasi.accounts.models import Membership, User, Workspace
from relasi.contacts.models import Contact
from relasi.core.exceptions import fields_invalid
from relasi.surveys import scoring, tokens
from relasi.surveys.enums import (
    NEGATIVE_CATEGORIES,
    ResponseCategory,
    ResponseSource,
    SurveyKind,
)
from relasi.surveys.models import FeedbackTopic, Survey, SurveyInvitation, SurveyResponse

# Surveys ------------------------------------------------------------------------------------


def survey_list(*, workspace: Workspace) -> QuerySet[Survey]:
    """The workspace's surveys, newest first, with their number of answers."""
    return (
        Survey.objects.filter(workspace=workspace)
        .annotate(response_count=Count("responses"))
        .select_related("created_by")
        .order_by("-id")
    )


def survey_get(*, workspace: Workspace, survey_id: int) -> Survey | None:
    return Survey.objects.filter(workspace=workspace, pk=survey_id).select_related("workspace").first()


def survey_get_public(*, public_token: str) -> Survey | None:
    """The survey of an open link (whatever its state: the page says when it is closed)."""
    if not public_token:
        return None
    return (
        Survey.objects.select_related("workspace")
        .filter(public_token=public_token, is_inbox_csat=False)
        .first()
    )


@dataclass(frozen=True)
class InvitationLink:
    """What an invitation token points at. ``expired``: older than
    ``tokens.INVITATION_MAX_AGE``."""

    invitation: SurveyInvitation
    expired: bool


def invitation_get_by_token(*, token: str) -> InvitationLink | None:
    """The invitation of a page token, ``None`` for a forged token, one of another survey's
    kind of link, or one whose invitation no longer exists. The inbox's CSAT is answered on
    its own page (``/d/survei/``), so its invitations are not found here."""
    read = tokens.invitation_token_read(token)
    if read is None:
        return None
    invitation_id, expired = read
    invitation = (
        SurveyInvitation.objects.select_related("survey", "survey__workspace", "contact")
        .filter(pk=invitation_id, token=token, survey__is_inbox_csat=False)
        .first()
    )
    if invitation is None:
        return None
    return InvitationLink(invitation=invitation, expired=expired)


def invitation_list(*, survey: Survey) -> QuerySet[SurveyInvitation]:
    return (
        SurveyInvitation.objects.filter(workspace_id=survey.workspace_id, survey=survey)
        .select_related("contact", "agent")
        .order_by("-id")
    )


def inbox_csat_survey_find(*, workspace: Workspace) -> Survey | None:
    return Survey.objects.filter(workspace=workspace, is_inbox_csat=True).first()


# Periods and filters -------------------------------------------------------------------------


def period_bounds(
    *, workspace: Workspace, date_from: dt.date | None, date_to: dt.date | None
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """``[start, end)`` of the calendar days ``date_from`` … ``date_to`` (both included) in
    the workspace's time zone; an open end stays ``None``."""
    zone = zoneinfo.ZoneInfo(workspace.timezone)
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=zone) if date_from else None
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=zone) if date_to else None
    return start, end


@dataclass(frozen=True)
class ResponseFilters:
    """The filters of a responses table: a period of answer dates (workspace days, both
    included), a category, a topic key, the agent rated, a score, a source, and whether
    followed up."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    category: str = ""
    topic: str = ""
    agent_id: int | None = None
    score: int | None = None
    source: str = ""
    contact_id: int | None = None

    def as_query(self) -> dict[str, str]:
        """The filters as a query string's values (for links and exports)."""
        values = {
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "category": self.category,
            "topic": self.topic,
            "agent": str(self.agent_id) if self.agent_id is not None else "",
            "score": str(self.score) if self.score is not None else "",
            "source": self.source,
            "contact": str(self.contact_id) if self.contact_id is not None else "",
        }
        return {key: value for key, value in values.items() if value}


def response_filters(
    *,
    workspace: Workspace,
    kind: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    category: str = "",
    topic: str = "",
    agent_id: int | None = None,
    score: int | None = None,
    source: str = "",
    contact_id: int | None = None,
) -> ResponseFilters:
    """Checked filters; raises ``ValidationError`` naming each bad field."""
    errors: dict[str, str] = {}
    if date_from and date_to and date_from > date_to:
        errors["from"] = _("The start date is after the end date.")
    category = (category or "").strip()
    if category and category not in ResponseCategory.values:
        errors["category"] = _("Use one of: %(values)s.") % {"values": ", ".join(ResponseCategory.values)}
    elif category and kind and category not in scoring.CATEGORIES[kind]:
        errors["category"] = _("Use one of: %(values)s.") % {"values": ", ".join(scoring.CATEGORIES[kind])}
    source = (source or "").strip()
    if source and source not in ResponseSource.values:
        errors["source"] = _("Use one of: %(values)s.") % {"values": ", ".join(ResponseSource.values)}
    if score is not None and kind and not scoring.score_valid(kind, score):
        low, high = scoring.SCALES[kind]
        errors["score"] = _("Choose a score from %(low)s to %(high)s.") % {"low": low, "high": high}
    if agent_id is not None and not Membership.objects.filter(workspace=workspace, user_id=agent_id).exists():
        errors["agent"] = _("Choose a member of this workspace.")
    topic = (topic or "").strip()
    if errors:
        raise fields_invalid(errors)
    return ResponseFilters(
        date_from=date_from,
        date_to=date_to,
        category=category,
        topic=topic,
        agent_id=agent_id,
        score=score,
        source=source,
        contact_id=contact_id,
    )


def _filtered(
    rows: QuerySet[SurveyResponse], workspace: Workspace, filters: ResponseFilters
) -> QuerySet[SurveyResponse]:
    start, end = period_bounds(workspace=workspace, date_from=filters.date_from, date_to=filters.date_to)
    if start is not None:
        rows = rows.filter(answered_at__gte=start)
    if end is not None:
        rows = rows.filter(answered_at__lt=end)
    if filters.category:
        rows = rows.filter(category=filters.category)
    if filters.topic:
        rows = rows.filter(topic_keywords__has_key=filters.topic)
    if filters.agent_id is not None:
        rows = rows.filter(agent_id=filters.agent_id)
    if filters.score is not None:
        rows = rows.filter(score=filters.score)
    if filters.source:
        rows = rows.filter(source=filters.source)
    if filters.contact_id is not None:
        rows = rows.filter(contact_id=filters.contact_id)
    return rows


def response_list(
    *, workspace: Workspace, survey: Survey | None = None, filters: ResponseFilters | None = None
) -> QuerySet[SurveyResponse]:
    """Answers, newest first (by id), with the filters; one survey's or the workspace's."""
    rows = SurveyResponse.objects.filter(workspace=workspace)
    if survey is not None:
        rows = rows.filter(survey=survey)
    rows = _filtered(rows, workspace, filters or ResponseFilters())
    return rows.select_related("survey", "contact", "agent", "followed_up_by").order_by("-id")


def response_get(*, workspace: Workspace, response_id: int) -> SurveyResponse | None:
    return (
        SurveyResponse.objects.filter(workspace=workspace, pk=response_id)
        .select_related("survey", "contact", "agent", "followed_up_by")
        .first()
    )


def follow_up_list(*, workspace: Workspace, done: bool = False) -> QuerySet[SurveyResponse]:
    """The unhappy answers (NPS detractors, unsatisfied CSAT, hard CES) nobody has followed up
    yet, newest first; ``done=True``: the ones followed up, latest follow-up first."""
    rows = SurveyResponse.objects.filter(workspace=workspace, category__in=NEGATIVE_CATEGORIES)
    if done:
        rows = rows.filter(followed_up_at__isnull=False).order_by("-followed_up_at", "-id")
    else:
        rows = rows.filter(followed_up_at__isnull=True).order_by("-answered_at", "-id")
    return rows.select_related("survey", "contact", "agent", "followed_up_by")


def feedback_topic_list(*, workspace: Workspace) -> list[FeedbackTopic]:
    return list(FeedbackTopic.objects.filter(workspace=workspace).order_by("position", "id"))


def feedback_topic_get(*, workspace: Workspace, topic_id: int) -> FeedbackTopic | None:
    return FeedbackTopic.objects.filter(workspace=workspace, pk=topic_id).first()


def topic_labels(*, workspace: Workspace) -> dict[str, str]:
    """``{key: label}`` of the workspace's topics (a response keeps keys of deleted topics:
    those show as their key)."""
    return {topic.key: topic.display_label for topic in feedback_topic_list(workspace=workspace)}


# Summaries ----------------------------------------------------------------------------------

_PLACES: dict[str, int] = {SurveyKind.NPS: 0, SurveyKind.CSAT: 1, SurveyKind.CES: 2}


@dataclass(frozen=True)
class CategoryCount:
    category: str
    label: str
    count: int
    percent: Fraction | None

    @property
    def percent_display(self) -> Decimal | None:
        return scoring.rounded(self.percent, 1)


@dataclass(frozen=True)
class SatisfactionSummary:
    """The answers of one kind, counted.

    ``score`` is the kind's headline figure, exact: NPS (% promoters − % detractors), CSAT
    (% satisfied, 4–5), CES (the average, 1 very difficult … 7 very easy). ``score_display``
    rounds it half away from zero (NPS to a whole number, CSAT % to 1 decimal, CES to 2).
    ``categories`` are positive, middle, negative in that order; ``distribution`` maps every
    score of the scale to its count."""

    kind: str
    total: int
    distribution: dict[int, int]
    categories: list[CategoryCount]
    average: Fraction | None
    score: Fraction | None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def score_display(self) -> Decimal | None:
        return scoring.rounded(self.score, _PLACES[self.kind])

    @property
    def average_display(self) -> Decimal | None:
        return scoring.rounded(self.average, 2)

    @property
    def positive(self) -> int:
        return self.categories[0].count

    @property
    def negative(self) -> int:
        return self.categories[2].count

    def category_count(self, category: str) -> int:
        return next((c.count for c in self.categories if c.category == category), 0)


def summary_from_counts(kind: str, counts: Mapping[int, int]) -> SatisfactionSummary:
    """A summary from ``{score: answers}`` (the scoring module's formulas)."""
    labels = dict(ResponseCategory.choices)
    if kind == SurveyKind.NPS:
        nps = scoring.nps_from_counts(counts)
        total, distribution = nps.total, nps.distribution
        numbers = (nps.promoters, nps.passives, nps.detractors)
        score = nps.nps
    elif kind == SurveyKind.CSAT:
        csat = scoring.csat_from_counts(counts)
        total, distribution = csat.total, csat.distribution
        numbers = (csat.satisfied, csat.neutral, csat.unsatisfied)
        score = csat.satisfied_percent
    else:
        ces = scoring.ces_from_counts(counts)
        total, distribution = ces.total, ces.distribution
        numbers = (ces.easy, ces.neutral, ces.hard)
        score = ces.average
    categories = [
        CategoryCount(name, str(labels[name]), count, Fraction(100 * count, total) if total else None)
        for name, count in zip(scoring.CATEGORIES[kind], numbers, strict=True)
    ]
    average = Fraction(sum(s * n for s, n in distribution.items()), total) if total else None
    return SatisfactionSummary(
        kind=kind,
        total=total,
        distribution=distribution,
        categories=categories,
        average=average,
        score=score,
    )


def _score_counts(rows: QuerySet[SurveyResponse], kind: str) -> dict[int, int]:
    """``{score: answers}`` of ``rows`` in one aggregate query."""
    low, high = scoring.SCALES[kind]
    aggregates = {f"s{s}": Count("id", filter=Q(score=s)) for s in range(low, high + 1)}
    row = rows.order_by().aggregate(**aggregates)
    return {s: int(row[f"s{s}"] or 0) for s in range(low, high + 1)}


def satisfaction_summary(
    *,
    workspace: Workspace,
    kind: str,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    contact_ids: Iterable[int] | QuerySet[Any] | None = None,
    survey: Survey | None = None,
) -> SatisfactionSummary:
    """All answers of ``kind`` (every survey of that kind, the inbox's CSAT included) answered
    in ``[since, until)``, of the customers ``contact_ids`` when given (a segment: ids, or a
    ``values("contact_id")`` queryset, which stays a subquery however large the segment), or of
    one ``survey``: counts, categories and the headline score. One query."""
    if kind not in scoring.SCALES:
        raise fields_invalid({"kind": _("Use nps, csat or ces.")})
    rows = SurveyResponse.objects.filter(workspace=workspace, kind=kind)
    if survey is not None:
        rows = rows.filter(survey=survey)
    if since is not None:
        rows = rows.filter(answered_at__gte=since)
    if until is not None:
        rows = rows.filter(answered_at__lt=until)
    if contact_ids is not None:
        ids = contact_ids if isinstance(contact_ids, QuerySet) else list(contact_ids)
        rows = rows.filter(contact_id__in=ids)
    return summary_from_counts(kind, _score_counts(rows, kind))


def survey_summary(
    *, survey: Survey, filters: ResponseFilters | None = None, workspace: Workspace | None = None
) -> SatisfactionSummary:
    """One survey's answers with the table's filters (period, agent, topic…), summarised."""
    ws = workspace or survey.workspace
    rows = _filtered(
        SurveyResponse.objects.filter(workspace=ws, survey=survey), ws, filters or ResponseFilters()
    )
    return summary_from_counts(survey.kind, _score_counts(rows, survey.kind))


def survey_results(*, workspace: Workspace) -> dict[int, SatisfactionSummary]:
    """``{survey id: summary}`` of every survey of the workspace, from one grouped query."""
    counts: dict[int, dict[int, int]] = {}
    kinds: dict[int, str] = {}
    for row in (
        SurveyResponse.objects.filter(workspace=workspace)
        .values("survey_id", "kind", "score")
        .annotate(n=Count("id"))
        .order_by()
    ):
        counts.setdefault(row["survey_id"], {})[row["score"]] = row["n"]
        kinds[row["survey_id"]] = row["kind"]
    return {survey_id: summary_from_counts(kinds[survey_id], c) for survey_id, c in counts.items()}


def topic_counts(*, survey: Survey, filters: ResponseFilters | None = None) -> dict[str, int]:
    """``{topic key: answers}`` of a survey's answers with the filters."""
    ws = survey.workspace
    rows = _filtered(
        SurveyResponse.objects.filter(workspace=ws, survey=survey), ws, filters or ResponseFilters()
    )
    counts: dict[str, int] = {}
    for topics in rows.exclude(topics=[]).values_list("topics", flat=True).iterator(chunk_size=2000):
        for key in topics or []:
            counts[key] = counts.get(key, 0) + 1
    return counts


# For the analytics app --------------------------------------------------------------------------


def latest_nps_by_contact(
    *, workspace: Workspace, contact_ids: Iterable[int] | None = None
) -> dict[int, int]:
    """``{contact id: the contact's latest NPS score (0–10)}`` over every NPS survey; one
    query (a window function numbers each contact's answers newest first)."""
    rows = SurveyResponse.objects.filter(workspace=workspace, kind=SurveyKind.NPS, contact__isnull=False)
    if contact_ids is not None:
        rows = rows.filter(contact_id__in=list(contact_ids))
    ranked = rows.annotate(
        newest=Window(
            RowNumber(), partition_by=[F("contact_id")], order_by=[F("answered_at").desc(), F("id").desc()]
        )
    ).filter(newest=1)
    return {int(contact_id): int(score) for contact_id, score in ranked.values_list("contact_id", "score")}


def contact_survey_responses(
    *, workspace: Workspace, contact: Contact, limit: int = 10
) -> list[SurveyResponse]:
    """A customer's latest answers (any survey), newest first."""
    return list(
        SurveyResponse.objects.filter(workspace=workspace, contact=contact)
        .select_related("survey", "agent")
        .order_by("-answered_at", "-id")[: max(0, limit)]
    )


def member_queryset(*, workspace: Workspace) -> QuerySet[User]:
    """The workspace's members (agents to filter by or rate), by name."""
    return User.objects.filter(memberships__workspace=workspace).order_by("full_name", "email")


def member_choices(*, workspace: Workspace) -> list[User]:
    return list(member_queryset(workspace=workspace))
