"""The reads the analytics app uses: the latest NPS per customer, satisfaction summaries of a
period or a segment, a customer's answers; one query each, scoped to the workspace."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

import pytest
from django.utils import timezone

from relasi.accounts.models import Workspace
from relasi.surveys import selectors, services
from relasi.surveys.enums import ResponseSource
from relasi.surveys.models import Survey
from tests.factories import ContactFactory
from tests.surveys import make_survey

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def _answer(survey: Survey, score: int, contact: Any = None, days_ago: float = 0) -> None:
    services.survey_response_record(
        survey=survey,
        score=score,
        source=ResponseSource.LINK,
        contact=contact,
        answered_at=NOW - dt.timedelta(days=days_ago),
    )


def test_latest_nps_by_contact_in_one_query(
    workspace: Workspace, other_workspace: Workspace, django_assert_num_queries: Any
) -> None:
    ani, budi, citra = (ContactFactory(workspace=workspace) for _ in range(3))
    first, second = make_survey(workspace, "nps", name="A"), make_survey(workspace, "nps", name="B")
    _answer(first, 3, ani, days_ago=30)
    _answer(second, 9, ani, days_ago=2)  # Ani's latest, in another NPS survey
    _answer(first, 6, budi, days_ago=5)
    _answer(make_survey(workspace, "csat"), 5, citra)  # not an NPS
    _answer(first, 10)  # anonymous
    elsewhere = ContactFactory(workspace=other_workspace)
    _answer(make_survey(other_workspace, "nps"), 0, elsewhere)
    with django_assert_num_queries(1):
        latest = selectors.latest_nps_by_contact(workspace=workspace)
    assert latest == {ani.pk: 9, budi.pk: 6}
    with django_assert_num_queries(1):
        assert selectors.latest_nps_by_contact(workspace=workspace, contact_ids=[budi.pk, citra.pk]) == {
            budi.pk: 6
        }


def test_satisfaction_summary_of_a_period_and_a_segment(
    workspace: Workspace, django_assert_num_queries: Any
) -> None:
    ani, budi = ContactFactory(workspace=workspace), ContactFactory(workspace=workspace)
    survey = make_survey(workspace, "csat")
    inbox = services.inbox_csat_survey_get(workspace=workspace)
    _answer(survey, 5, ani, days_ago=1)
    _answer(survey, 4, budi, days_ago=1)
    _answer(inbox, 2, ani, days_ago=1)  # the inbox's CSAT counts too
    _answer(survey, 1, budi, days_ago=40)  # before the period
    with django_assert_num_queries(1):
        summary = selectors.satisfaction_summary(
            workspace=workspace, kind="csat", since=NOW - dt.timedelta(days=7)
        )
    assert (summary.total, summary.positive, summary.negative) == (3, 2, 1)
    assert summary.score == Fraction(200, 3)  # 2 of 3 satisfied
    assert str(summary.score_display) == "66.7"
    assert summary.average == Fraction(11, 3)
    assert summary.distribution == {1: 0, 2: 1, 3: 0, 4: 1, 5: 1}
    segment = selectors.satisfaction_summary(workspace=workspace, kind="csat", contact_ids=[budi.pk])
    assert (segment.total, segment.distribution[1], segment.distribution[4]) == (2, 1, 1)
    until = selectors.satisfaction_summary(workspace=workspace, kind="csat", until=NOW - dt.timedelta(days=7))
    assert until.total == 1
    empty = selectors.satisfaction_summary(workspace=workspace, kind="nps")
    assert (empty.total, empty.score, empty.score_display) == (0, None, None)


def test_ces_summary_reads_one_as_very_difficult(workspace: Workspace) -> None:
    survey = make_survey(workspace, "ces")
    for score in (7, 6, 2):
        _answer(survey, score)
    summary = selectors.satisfaction_summary(workspace=workspace, kind="ces")
    assert summary.score == 5  # the average (7 + 6 + 2) / 3
    assert [(c.category, c.count) for c in summary.categories] == [("easy", 2), ("neutral", 0), ("hard", 1)]


def test_a_customers_answers_newest_first(workspace: Workspace) -> None:
    ani = ContactFactory(workspace=workspace)
    nps, csat = make_survey(workspace, "nps"), make_survey(workspace, "csat")
    _answer(nps, 8, ani, days_ago=10)
    _answer(csat, 3, ani, days_ago=1)
    _answer(nps, 2, ContactFactory(workspace=workspace))
    answers = selectors.contact_survey_responses(workspace=workspace, contact=ani)
    assert [(r.kind, r.score) for r in answers] == [("csat", 3), ("nps", 8)]
    assert len(selectors.contact_survey_responses(workspace=workspace, contact=ani, limit=1)) == 1
