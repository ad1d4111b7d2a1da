"""The demo's surveys (``relasi seed_surveys --demo``): an NPS and a CES survey with answers;
Elok Pratiwi is a promoter; running it again adds nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from relasi.accounts.models import User, Workspace
from relasi.surveys import selectors
from relasi.surveys.models import Survey, SurveyInvitation, SurveyResponse
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_demo_surveys_are_complete_and_idempotent(workspace: Workspace, owner: User) -> None:
    elok = ContactFactory(workspace=workspace, full_name="Elok Pratiwi")
    for index in range(11):
        ContactFactory(
            workspace=workspace,
            full_name=f"Pelanggan Demo {index}",
            email="" if index % 2 else f"p{index}@contoh.id",
        )
    out = io.StringIO()
    call_command("seed_surveys", demo=True, workspace="hero", stdout=out)
    assert "NPS pelanggan" in out.getvalue()
    nps = Survey.objects.get(workspace=workspace, kind="nps")
    ces = Survey.objects.get(workspace=workspace, kind="ces")
    assert nps.responses.count() == 12  # every customer once
    assert ces.responses.count() == 4  # every third customer
    assert selectors.latest_nps_by_contact(workspace=workspace)[elok.pk] == 10
    assert SurveyResponse.objects.exclude(topics=[]).exists()  # the comments are sorted by topic
    counts = (Survey.objects.count(), SurveyInvitation.objects.count(), SurveyResponse.objects.count())
    call_command("seed_surveys", demo=True, workspace="hero", stdout=io.StringIO())
    assert (
        Survey.objects.count(),
        SurveyInvitation.objects.count(),
        SurveyResponse.objects.count(),
    ) == counts


def test_needs_the_demo_flag() -> None:
    with pytest.raises(CommandError):
        call_command("seed_surveys")
