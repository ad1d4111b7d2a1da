"""Tests of the surveys app. ``make_survey`` goes through the service; ``make_invitation``
writes a link invitation (nothing is sent)."""

from __future__ import annotations

from typing import Any

from relasi.accounts.models import User, Workspace
from relasi.contacts.models import Contact
from relasi.surveys import services
from relasi.surveys.enums import SurveyChannel
from relasi.surveys.models import Survey, SurveyInvitation


def make_survey(workspace: Workspace, kind: str = "nps", actor: User | None = None, **values: Any) -> Survey:
    values.setdefault("name", f"Survei {kind.upper()}")
    return services.survey_create(workspace=workspace, actor=actor, values={"kind": kind, **values})


def make_invitation(survey: Survey, contact: Contact, **kwargs: Any) -> SurveyInvitation:
    return services.survey_invitation_create(
        survey=survey, contact=contact, channel=SurveyChannel.LINK, **kwargs
    )
