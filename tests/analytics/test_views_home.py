"""The analytics home: the figures of a refresh on a shop built for the purpose, every figure
a link to its customers, the period and segment filters, the satisfaction tiles, "refresh
now", both languages, permissions and workspace isolation."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.accounts.permissions import ROLE_PERMISSIONS, Perm
from relasi.analytics.enums import RunStatus
from relasi.analytics.models import CustomerMetrics, MetricsRun, Purchase, Segment
from relasi.core.money import format_rupiah
from relasi.surveys import scoring
from relasi.surveys.models import Survey, SurveyResponse
from tests.analytics.test_views_data import Shop, shop_build
from tests.factories import ContactFactory, TagFactory

TODAY = dt.datetime(2026, 11, 22, 10, 0, tzinfo=ZoneInfo("Asia/Jakarta"))


@pytest.fixture
def shop(workspace: Workspace) -> Shop:
    return shop_build(workspace)


@pytest.fixture
def owner_en(workspace: Workspace, make_member: Callable[..., User]) -> User:
    """An owner who reads English (the source strings; the Indonesian ones come later)."""
    return make_member(workspace, Role.OWNER, language="en", email="owner-en@hero.test")


@pytest.fixture(autouse=True)
def _today() -> Any:
    with time_machine.travel(TODAY, tick=False):
        yield


def home(slug: str = "hero") -> str:
    return reverse("analytics:home", args=[slug])


def _kpi(html: str, name: str) -> str:
    match = re.search(rf'data-testid="kpi-{name}">(.*?)</dd>', html, re.S)
    assert match, f"no figure {name}"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


@pytest.mark.django_db
def test_the_home_shows_the_figures_of_the_last_refresh(
    shop: Shop, owner: User, client_as: Callable[[User], Client]
) -> None:
    response = client_as(owner).get(home())
    assert response.status_code == 200
    html = response.content.decode()
    # 36 customers were built: Elok and 35 others; 33 of them bought (2 prospects did not)
    assert _kpi(html, "customers") == "35"
    assert _kpi(html, "buyers") == "33"
    total = sum(
        Purchase.objects.filter(workspace=shop.workspace).values_list("amount", flat=True), Decimal(0)
    )
    assert _kpi(html, "spend") == format_rupiah(total)
    clvs = list(
        CustomerMetrics.objects.filter(workspace=shop.workspace, orders__gt=0).values_list(
            "simple_clv", flat=True
        )
    )
    average = (sum(clvs, Decimal(0)) / len(clvs)).quantize(Decimal("1"))
    assert _kpi(html, "clv") == format_rupiah(average)
    at_risk = CustomerMetrics.objects.filter(workspace=shop.workspace, churn_risk__in=["high", "lost"])
    assert _kpi(html, "at-risk").startswith(str(at_risk.count()))
    # the refresh's time, and each bar a link to its customers
    assert 'data-testid="as-of"' in html
    assert "never-refreshed" not in html
    segment_count = CustomerMetrics.objects.filter(workspace=shop.workspace, rfm_segment="at_risk").count()
    assert re.search(
        rf'<a href="/w/hero/analitik/pelanggan/\?rfm_segment=at_risk" aria-label="[^":]+: {segment_count}"',
        html,
    )
    assert 'href="/w/hero/analitik/pelanggan/?lifecycle_stage=retention"' in html
    assert 'href="/w/hero/analitik/pelanggan/?churn_risk=high&amp;churn_risk=lost"' in html
    # the table of customers at risk: the most valuable first
    table = html.split('data-testid="at-risk"', 1)[1]
    first = at_risk.order_by("-simple_clv", "contact_id").select_related("contact").first()
    assert first is not None
    assert table.index(first.contact.full_name) < table.index("</table>")


@pytest.mark.django_db
def test_the_home_speaks_english_to_an_english_user(
    shop: Shop, workspace: Workspace, make_member: Callable[..., User], client_as: Callable[[User], Client]
) -> None:
    admin = make_member(workspace, Role.ADMIN, language="en")
    html = client_as(admin).get(home()).content.decode()
    for text in ("Headline figures", "Refresh now", "Customers at risk", "Figures as of", "Satisfaction"):
        assert text in html
    assert 'lang="en"' in html


@pytest.mark.django_db
def test_never_refreshed_says_so_with_a_button(
    workspace: Workspace, owner: User, client_as: Callable[[User], Client]
) -> None:
    ContactFactory(workspace=workspace)
    html = client_as(owner).get(home()).content.decode()
    assert 'data-testid="never-refreshed"' in html
    assert 'data-testid="refresh"' in html
    assert _kpi(html, "customers") == "0"  # no snapshot yet


@pytest.mark.django_db
def test_refresh_now_queues_the_refresh_that_computes_the_figures(
    workspace: Workspace,
    owner_en: User,
    client_as: Callable[[User], Client],
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from relasi.config.celery import app

    shop_build(workspace, refresh=False)
    monkeypatch.setitem(app.conf, "task_always_eager", True)  # the worker's work, here
    client = client_as(owner_en)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("analytics:refresh", args=["hero"]), follow=True)
    assert len(callbacks) == 1  # queued after the commit, not inside the request's transaction
    assert response.status_code == 200
    assert "Refresh started" in response.content.decode()
    run = MetricsRun.objects.get(workspace=workspace)
    assert run.status == RunStatus.DONE, run.error
    assert CustomerMetrics.objects.filter(workspace=workspace).count() == 35


@pytest.mark.django_db
def test_a_running_refresh_is_not_started_twice(
    workspace: Workspace,
    owner_en: User,
    client_as: Callable[[User], Client],
    django_capture_on_commit_callbacks: Any,
) -> None:
    MetricsRun.objects.create(workspace=workspace, as_of=TODAY.date(), status=RunStatus.RUNNING)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client_as(owner_en).post(reverse("analytics:refresh", args=["hero"]), follow=True)
    assert callbacks == []
    assert "already running" in response.content.decode()


@pytest.mark.django_db
def test_viewer_sees_the_home_but_cannot_refresh_or_export(
    shop: Shop, workspace: Workspace, make_member: Callable[..., User], client_as: Callable[[User], Client]
) -> None:
    viewer = make_member(workspace, Role.VIEWER, language="en")
    client = client_as(viewer)
    html = client.get(home()).content.decode()
    assert _kpi(html, "customers") == "35"
    assert 'data-testid="refresh"' not in html
    assert client.post(reverse("analytics:refresh", args=["hero"])).status_code == 403
    assert client.get(reverse("analytics:customer_export", args=["hero"]) + "?format=csv").status_code == 403


@pytest.mark.django_db
def test_money_is_hidden_from_a_role_without_sales_view(
    shop: Shop,
    workspace: Workspace,
    make_member: Callable[..., User],
    client_as: Callable[[User], Client],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # No role lacks SALES_VIEW today; take it away from agents for this test.
    monkeypatch.setitem(ROLE_PERMISSIONS, Role.AGENT, ROLE_PERMISSIONS[Role.AGENT] - {Perm.SALES_VIEW})
    agent = make_member(workspace, Role.AGENT, language="en")
    client = client_as(agent)
    html = client.get(home()).content.decode()
    assert _kpi(html, "customers") == "35"
    assert 'data-testid="kpi-spend"' not in html
    assert "Rp" not in html.split('data-testid="kpis"', 1)[1]
    listing = client.get(reverse("analytics:customer_list", args=["hero"])).content.decode()
    assert "Simple CLV" not in listing
    assert "Rp" not in listing.split('data-testid="customer-table"', 1)[1]
    panel = client.get(reverse("analytics:customer_panel", args=["hero", shop.elok.pk])).content.decode()
    assert "19.800.000" not in panel
    assert "Loyal customer" in panel  # the rest is there


@pytest.mark.django_db
def test_a_segment_restricts_every_figure(
    shop: Shop, owner: User, client_as: Callable[[User], Client]
) -> None:
    at_risk = CustomerMetrics.objects.filter(workspace=shop.workspace, rfm_segment="at_risk")
    html = client_as(owner).get(home(), {"segment": "rfm:at_risk"}).content.decode()
    assert _kpi(html, "customers") == str(at_risk.count())
    total = sum(at_risk.values_list("total_spend", flat=True), Decimal(0))
    assert _kpi(html, "spend") == format_rupiah(total)
    # a bar within the segment keeps the segment's condition in its link
    assert "rfm_segment=at_risk&amp;churn_risk=lost" in html
    # a saved segment: the Surabaya customers
    segment = Segment.objects.create(
        workspace=shop.workspace, name="Surabaya", filters={"city": ["Surabaya"]}
    )
    html = client_as(owner).get(home(), {"segment": str(segment.pk)}).content.decode()
    assert _kpi(html, "customers") == str(len(shop.groups["drifting"]))
    assert "Surabaya" in html


@pytest.mark.django_db
def test_a_tag_segment_counts_each_customer_once(
    shop: Shop, owner: User, client_as: Callable[[User], Client]
) -> None:
    vip, loyal = (
        TagFactory(workspace=shop.workspace, name="VIP"),
        TagFactory(workspace=shop.workspace, name="Setia"),
    )
    for contact in shop.groups["regular"][:3]:
        contact.tags.add(vip, loyal)  # both tags of the segment: still one customer
    segment = Segment.objects.create(
        workspace=shop.workspace, name="Bertanda", filters={"tag": [vip.pk, loyal.pk]}
    )
    client = client_as(owner)
    html = client.get(home(), {"segment": str(segment.pk)}).content.decode()
    assert _kpi(html, "customers") == "3"
    assert _kpi(html, "buyers") == "3"
    assert re.search(r'aria-label="[^":]+: 3" data-key="retention"', html)  # the grouped figures too
    listing = client.get(reverse("analytics:customer_list", args=["hero"]), {"tag": [vip.pk, loyal.pk]})
    assert listing.content.decode().count('data-testid="customer-row"') == 3


@pytest.mark.django_db
def test_bad_filters_say_what_to_fix(
    shop: Shop,
    owner: User,
    client_as: Callable[[User], Client],
    other_workspace: Workspace,
) -> None:
    client = client_as(owner)
    response = client.get(home(), {"period": "custom", "from": "2026-13-01", "to": "2026-11-01"})
    assert response.status_code == 400
    assert "2026-01-31" in response.content.decode()  # the example of a good date
    assert client.get(home(), {"segment": "rfm:best"}).status_code == 400
    theirs = Segment.objects.create(workspace=other_workspace, name="Theirs", filters={})
    assert client.get(home(), {"segment": str(theirs.pk)}).status_code == 404


@pytest.mark.django_db
def test_satisfaction_tiles_count_the_answers_of_the_period(
    shop: Shop, owner_en: User, client_as: Callable[[User], Client]
) -> None:
    workspace = shop.workspace
    nps = Survey.objects.create(workspace=workspace, kind="nps", name="NPS", public_token="nps-token")
    csat = Survey.objects.create(workspace=workspace, kind="csat", name="CSAT", public_token="csat-token")
    zone = ZoneInfo("Asia/Jakarta")
    answers = [
        (nps, 10, dt.datetime(2026, 11, 2, 9, tzinfo=zone)),
        (nps, 9, dt.datetime(2026, 11, 3, 9, tzinfo=zone)),
        (nps, 8, dt.datetime(2026, 11, 4, 9, tzinfo=zone)),
        (nps, 3, dt.datetime(2026, 11, 5, 9, tzinfo=zone)),
        (nps, 0, dt.datetime(2026, 9, 5, 9, tzinfo=zone)),  # before "this month"
        (csat, 5, dt.datetime(2026, 11, 6, 9, tzinfo=zone)),
        (csat, 4, dt.datetime(2026, 11, 7, 9, tzinfo=zone)),
        (csat, 2, dt.datetime(2026, 11, 8, 9, tzinfo=zone)),
    ]
    for survey, score, when in answers:
        SurveyResponse.objects.create(
            workspace=workspace,
            survey=survey,
            contact=shop.elok,
            kind=survey.kind,
            score=score,
            category=scoring.category(survey.kind, score),
            source="manual",
            answered_at=when,
        )
    html = client_as(owner_en).get(home(), {"period": "month"}).content.decode()
    tiles = html.split('data-testid="satisfaction"', 1)[1]
    # NPS: 2 promoters and 1 detractor of 4 → 50% − 25% = 25; CSAT: 2 of 3 satisfied → 66.7%
    nps_tile = tiles.split('data-testid="tile-nps"', 1)[1].split("</div>", 1)[0]
    assert '<p class="big">25</p>' in nps_tile
    assert "4 answers" in nps_tile
    csat_tile = tiles.split('data-testid="tile-csat"', 1)[1].split("</div>", 1)[0]
    assert '<p class="big">66.7%</p>' in csat_tile
    assert "No answers in this period." in tiles.split('data-testid="tile-ces"', 1)[1]
    # the whole year includes September's detractor: 2 promoters, 2 detractors of 5 → 0
    html = client_as(owner_en).get(home(), {"period": "12m"}).content.decode()
    nps_tile = html.split('data-testid="tile-nps"', 1)[1].split("</div>", 1)[0]
    assert '<p class="big">0</p>' in nps_tile
    # a segment with Elok has her answers; one without her has none
    html = client_as(owner_en).get(home(), {"period": "month", "segment": "rfm:champions"}).content.decode()
    assert '<p class="big">25</p>' in html.split('data-testid="tile-nps"', 1)[1].split("</div>", 1)[0]
    html = client_as(owner_en).get(home(), {"period": "month", "segment": "rfm:lost"}).content.decode()
    assert "No answers in this period." in html.split('data-testid="tile-nps"', 1)[1]


@pytest.mark.django_db
def test_another_workspace_cannot_open_this_home(
    shop: Shop, outsider: User, client_as: Callable[[User], Client]
) -> None:
    assert client_as(outsider).get(home()).status_code == 404
    assert client_as(outsider).post(reverse("analytics:refresh", args=["hero"])).status_code == 404


@pytest.mark.django_db
def test_the_navigation_links_to_the_analytics_home(
    workspace: Workspace, owner: User, client_as: Callable[[User], Client]
) -> None:
    html = client_as(owner).get(reverse("contacts:list", args=["hero"])).content.decode()
    assert f'href="{home()}"' in html
