"""Staff pages: permissions and workspace isolation, results whose figures link to the answers
behind them, the answers table and its CSV/XLSX export, follow-up, topics, sending."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.core.models import AuditAction, AuditLog
from relasi.surveys import services
from relasi.surveys.enums import ResponseSource
from relasi.surveys.models import FeedbackTopic, Survey, SurveyInvitation, SurveyResponse
from tests.factories import ContactFactory
from tests.surveys import make_survey

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("customer_texts_in_english")]

ClientAs = Callable[[User], Client]
HAND_COUNTED = [9, 10, 10, 8, 7, 6, 3, 10, 9, 0]


@pytest.fixture
def client_as() -> ClientAs:
    """Signed in, reading the pages in English (the pages follow the user's language)."""

    def make(user: User) -> Client:
        user.language = "en"
        user.save(update_fields=["language"])
        client = Client()
        client.force_login(user)
        return client

    return make


def _url(name: str, *args: object) -> str:
    return reverse(f"surveys:{name}", args=["hero", *args])


def _nps(workspace: Workspace) -> Survey:
    survey = make_survey(workspace, "nps", name="NPS toko")
    for score in HAND_COUNTED:
        services.survey_response_record(
            survey=survey,
            score=score,
            comment="Pengiriman telat" if score == 3 else "",
            source=ResponseSource.LINK,
            contact=ContactFactory(workspace=workspace, full_name=f"Pelanggan skor {score}"),
        )
    return survey


def test_the_result_page_shows_the_hand_counted_nps_and_links_each_figure(
    workspace: Workspace, owner: User, client_as: ClientAs
) -> None:
    survey = _nps(workspace)
    page = client_as(owner).get(_url("detail", survey.pk))
    assert page.status_code == 200
    html = page.content.decode()
    assert '<dd data-testid="survey-score">20</dd>' in html
    detractors = f"{_url('responses', survey.pk)}?category=detractor"
    assert f'href="{detractors}" data-testid="category-detractor">3</a>' in html
    assert f'href="{_url("responses", survey.pk)}?score=10" data-testid="bar-10"' in html
    assert 'class="bar bar-promoter"' in html
    assert "<svg" in html
    assert "cdn" not in html.lower()
    # the figure's link shows the answers behind it
    listing = client_as(owner).get(detractors).content.decode()
    assert sorted(int(s) for s in re.findall(r"Pelanggan skor (\d+)", listing)) == [0, 3, 6]


def test_the_answers_table_filters_by_topic_and_shows_the_keywords(
    workspace: Workspace, owner: User, client_as: ClientAs
) -> None:
    survey = _nps(workspace)
    html = client_as(owner).get(_url("responses", survey.pk), {"topic": "delivery"}).content.decode()
    assert "Pelanggan skor 3" in html
    assert "Pelanggan skor 10" not in html
    assert "(pengiriman, telat)" in html


def test_a_bad_filter_is_a_400_with_the_reason(
    workspace: Workspace, owner: User, client_as: ClientAs
) -> None:
    survey = _nps(workspace)
    page = client_as(owner).get(_url("responses", survey.pk), {"category": "happy", "from": "2026-13-01"})
    assert page.status_code == 400
    assert "Use a date like 2026-01-31." in page.content.decode()


def test_csv_export_is_formula_guarded_and_audited(
    workspace: Workspace, owner: User, client_as: ClientAs
) -> None:
    survey = make_survey(workspace, "csat", name="CSAT")
    contact = ContactFactory(
        workspace=workspace, full_name='=HYPERLINK("http://jahat")', phone="+6281200000001"
    )
    services.survey_response_record(
        survey=survey, score=1, comment="@SUM(1+1) barang rusak", source=ResponseSource.LINK, contact=contact
    )
    services.survey_response_record(survey=survey, score=5, comment="Mantap", source=ResponseSource.LINK)
    response = client_as(owner).get(
        _url("responses_export", survey.pk), {"format": "csv", "category": "unsatisfied"}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="survey-')
    text = b"".join(response.streaming_content).decode("utf-8")  # type: ignore[attr-defined]
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    header, *body = rows
    assert header[:8] == ["ID", "Answered", "Survey", "Kind", "Score", "Category", "Customer ID", "Customer"]
    assert len(body) == 1  # the filter applies
    row = dict(zip(header, body[0], strict=True))
    assert (row["Score"], row["Category"], row["Kind"]) == ("1", "Unsatisfied", "CSAT")
    assert row["Customer"] == '\'=HYPERLINK("http://jahat")'
    assert row["Comment"] == "'@SUM(1+1) barang rusak"
    assert (row["Topics"], row["Topic keywords"]) == ("Quality", "Quality: rusak")
    audit = AuditLog.objects.get(action=AuditAction.EXPORT)
    assert (audit.changes["row_count"], audit.changes["format"]) == (1, "csv")


def test_xlsx_export_has_the_same_rows(workspace: Workspace, owner: User, client_as: ClientAs) -> None:
    survey = _nps(workspace)
    services.survey_response_record(survey=survey, score=0, comment="=1+1", source=ResponseSource.LINK)
    response = client_as(owner).get(_url("responses_export", survey.pk), {"format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active  # type: ignore[attr-defined]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][4] == "Score"
    assert sorted(r[4] for r in rows[1:]) == sorted([*HAND_COUNTED, 0])
    formula_row = next(r for r in rows[1:] if r[11] == "=1+1")
    assert formula_row[4] == 0  # kept as text, not evaluated as a formula


@pytest.mark.parametrize("role", [Role.VIEWER, Role.AGENT, Role.SALES, Role.FINANCE])
def test_readers_read_and_only_managers_change(
    workspace: Workspace, make_member: Callable[..., User], client_as: ClientAs, role: str
) -> None:
    survey = _nps(workspace)
    response = SurveyResponse.objects.filter(category="detractor").first()
    assert response is not None
    client = client_as(make_member(workspace, role))
    for url in (
        _url("list"),
        _url("detail", survey.pk),
        _url("responses", survey.pk),
        _url("follow_up_list"),
    ):
        assert client.get(url).status_code == 200, url
    contact = ContactFactory(workspace=workspace)
    for url in (
        _url("create"),
        _url("edit", survey.pk),
        _url("responses_export", survey.pk) + "?format=csv",
        _url("topics"),
        _url("send") + f"?contact={contact.pk}",
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(_url("follow_up", response.pk), {"note": "x"}).status_code == 403
    response.refresh_from_db()
    assert response.followed_up_at is None


def test_another_workspace_sees_nothing(
    workspace: Workspace, other_workspace: Workspace, outsider: User, client_as: ClientAs
) -> None:
    survey = _nps(workspace)
    client = client_as(outsider)
    assert client.get(_url("detail", survey.pk)).status_code == 404  # not a member of hero
    # and hero's survey through the outsider's own workspace
    assert client.get(reverse("surveys:detail", args=["sebelah", survey.pk])).status_code == 404
    assert client.get(reverse("surveys:responses", args=["sebelah", survey.pk])).status_code == 404
    response = SurveyResponse.objects.first()
    assert response is not None
    assert client.post(reverse("surveys:follow_up", args=["sebelah", response.pk])).status_code == 404


def test_create_and_edit_a_survey_with_the_forms(
    workspace: Workspace, owner: User, client_as: ClientAs
) -> None:
    client = client_as(owner)
    bad = client.post(_url("create"), {"name": "", "kind": "ces"})
    assert bad.status_code == 400
    created = client.post(_url("create"), {"name": "CES pengembalian", "kind": "ces", "is_active": "on"})
    survey = Survey.objects.get()
    assert created.status_code == 302
    assert (survey.kind, survey.is_active, survey.public_link_enabled) == ("ces", True, False)
    edited = client.post(_url("edit", survey.pk), {"name": "CES retur", "kind": "nps", "question": "Mudah?"})
    assert edited.status_code == 302
    survey.refresh_from_db()
    assert (survey.name, survey.kind, survey.question, survey.is_active) == (
        "CES retur",
        "ces",
        "Mudah?",
        False,
    )


def test_follow_up_from_the_list(workspace: Workspace, owner: User, client_as: ClientAs) -> None:
    survey = _nps(workspace)
    client = client_as(owner)
    page = client.get(_url("follow_up_list")).content.decode()
    waiting = SurveyResponse.objects.filter(category="detractor").order_by("id")
    assert all(f'data-testid="follow-up-{r.pk}"' in page for r in waiting)
    first = waiting[0]
    assert client.post(_url("follow_up", first.pk), {"note": "Ditelepon, minta maaf"}).status_code == 302
    first.refresh_from_db()
    assert (first.follow_up_note, first.followed_up_by_id) == ("Ditelepon, minta maaf", owner.pk)
    assert f'data-testid="follow-up-{first.pk}"' not in client.get(_url("follow_up_list")).content.decode()
    assert "Ditelepon, minta maaf" in client.get(_url("follow_up_list") + "?done=1").content.decode()
    assert survey.responses.filter(followed_up_at__isnull=False).count() == 1


def test_topics_page_edits_keywords_and_tags_again(
    workspace: Workspace, owner: User, client_as: ClientAs
) -> None:
    survey = make_survey(workspace, "csat")
    response = services.survey_response_record(
        survey=survey, score=2, comment="Paket penyok", source=ResponseSource.LINK
    )
    client = client_as(owner)
    assert client.get(_url("topics")).status_code == 200
    delivery = FeedbackTopic.objects.get(workspace=workspace, key="delivery")
    assert response.topics == ["delivery"]
    saved = client.post(
        _url("topic_edit", delivery.pk),
        {f"t{delivery.pk}-label": "Kiriman", f"t{delivery.pk}-keywords": "kurir, ongkir"},
    )
    assert saved.status_code == 302
    response.refresh_from_db()
    assert response.topics == []
    added = client.post(_url("topics"), {"new-label": "Kemasan", "new-keywords": "penyok, kardus"})
    assert added.status_code == 302
    response.refresh_from_db()
    assert response.topic_keywords == {"kemasan": ["penyok"]}
    assert client.post(_url("topic_delete", delivery.pk)).status_code == 302
    assert not FeedbackTopic.objects.filter(pk=delivery.pk).exists()


def test_send_page_makes_a_link_and_explains_a_refusal(
    workspace: Workspace, owner: User, client_as: ClientAs
) -> None:
    survey = make_survey(workspace, "nps")
    contact = ContactFactory(workspace=workspace, full_name="Budi", email="")
    client = client_as(owner)
    url = _url("send") + f"?contact={contact.pk}"
    assert "Send a survey to Budi" in client.get(url).content.decode()
    made = client.post(url, {"survey": survey.pk, "channel": "link"})
    assert made.status_code == 200
    invitation = SurveyInvitation.objects.get()
    assert f"/d/survei-pelanggan/{invitation.token}/" in made.content.decode()
    refused = client.post(url, {"survey": survey.pk, "channel": "whatsapp"})
    assert refused.status_code == 400
    assert "no e-mail address" in refused.content.decode()
    assert SurveyInvitation.objects.count() == 1
    assert client.get(_url("send") + "?contact=999999").status_code == 404
