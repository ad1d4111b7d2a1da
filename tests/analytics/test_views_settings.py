"""Analytics settings: the last run's cut points shown, every field saved as typed the
Indonesian way, the service's errors at their fields with nothing saved, the segment rule
table edited and reset, owners and admins only."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.analytics.metrics.rfm import DEFAULT_SEGMENT_RULES
from relasi.analytics.models import AnalyticsSettings, MetricsRun
from relasi.analytics.settings import analytics_settings_get


def settings_url() -> str:
    return reverse("analytics:settings", args=["hero"])


def _form(**changes: str) -> dict[str, Any]:
    """The page's form as posted unchanged (defaults, quintiles, the default rule table)."""
    data: dict[str, Any] = {
        "retention_years": "3",
        "margin_percent": "",
        "clv_horizon_months": "12",
        "monthly_discount_rate": "1",
        "time_unit": "days",
    }
    for name in ("recency_cuts", "frequency_cuts", "monetary_cuts"):
        for position in range(1, 5):
            data[f"{name}_{position}"] = ""
    for index, rule in enumerate(DEFAULT_SEGMENT_RULES):
        data[f"rule-{index}-key"] = rule.key
        for bound in ("r_min", "r_max", "f_min", "f_max", "m_min", "m_max"):
            data[f"rule-{index}-{bound}"] = str(getattr(rule, bound))
    data.update(changes)
    return data


@pytest.fixture
def admin(workspace: Workspace, make_member: Callable[..., User]) -> User:
    return make_member(workspace, Role.ADMIN, language="en")


@pytest.mark.django_db
def test_the_page_shows_the_settings_and_the_last_runs_cut_points(
    workspace: Workspace, admin: User, client_as: Callable[[User], Client]
) -> None:
    MetricsRun.objects.create(
        workspace=workspace,
        as_of="2026-11-20",
        status="done",
        cuts={
            "recency": [6.4, 10.8, 262.0, 326.0],
            "frequency": [1, 3, 8, 12],
            "monetary": [114800.0, 430200.0, 649600.4, 1357400.0],
        },
    )
    html = client_as(admin).get(settings_url()).content.decode()
    # written the way the inputs read them: thousands with a full stop, decimals with a comma
    assert "Used by the last refresh: 6,4 · 10,8 · 262 · 326" in html
    assert "Used by the last refresh: 114.800 · 430.200 · 649.600,4 · 1.357.400" in html
    assert 'name="retention_years" value="3"' in html
    assert 'name="rule-5-key"' in html
    assert '<option value="at_risk" selected>' in html


@pytest.mark.django_db
def test_settings_are_saved_as_typed(
    workspace: Workspace, admin: User, client_as: Callable[[User], Client]
) -> None:
    data = _form(
        recency_cuts_1="30",
        recency_cuts_2="60",
        recency_cuts_3="120",
        recency_cuts_4="240",
        monetary_cuts_1="500.000",
        monetary_cuts_2="1.000.000",
        monetary_cuts_3="2.500.000",
        monetary_cuts_4="5.000.000",
        retention_years="2,5",
        margin_percent="40",
        clv_horizon_months="24",
        monthly_discount_rate="1,5",
        time_unit="weeks",
    )
    response = client_as(admin).post(settings_url(), data)
    assert response.status_code == 302
    saved = analytics_settings_get(workspace=workspace)
    assert saved.recency_cuts == [30, 60, 120, 240]
    assert saved.frequency_cuts == []  # empty: quintiles
    assert saved.monetary_cuts == [500000, 1000000, 2500000, 5000000]
    assert saved.retention_years == Decimal("2.5")
    assert saved.margin_percent == Decimal("40")
    assert saved.clv_horizon_months == 24
    assert saved.monthly_discount_rate == Decimal("1.5")
    assert saved.time_unit == "weeks"
    assert [rule["key"] for rule in saved.segment_rules] == [rule.key for rule in DEFAULT_SEGMENT_RULES]


@pytest.mark.django_db
def test_errors_are_shown_at_their_fields_and_nothing_is_saved(
    workspace: Workspace, admin: User, client_as: Callable[[User], Client]
) -> None:
    data = _form(
        recency_cuts_1="240",
        recency_cuts_2="120",
        recency_cuts_3="60",
        recency_cuts_4="30",
        margin_percent="150",
        clv_horizon_months="0",
        **{"rule-0-r_min": "7"},
    )
    response = client_as(admin).post(settings_url(), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert (
        'data-testid="error-recency_cuts">Give four different numbers, not negative, from small to large'
        in html
    )
    assert (
        'data-testid="error-margin_percent">Give the margin in percent, 0 to 100, or leave it empty.' in html
    )
    assert 'data-testid="error-clv_horizon_months">Give the horizon in whole months, 1 to 120.' in html
    assert 'data-testid="error-segment_rules">Rule 1: scores must be whole numbers from 1 to 5' in html
    assert 'name="recency_cuts_1" value="240"' in html  # what was typed is kept
    assert 'name="rule-0-r_min" value="7"' in html
    saved = AnalyticsSettings.objects.get(workspace=workspace)
    assert (saved.recency_cuts, saved.margin_percent, saved.segment_rules) == ([], None, [])


@pytest.mark.django_db
def test_the_rule_table_is_edited_and_reset(
    workspace: Workspace, admin: User, client_as: Callable[[User], Client]
) -> None:
    client = client_as(admin)
    # remove the first rule (empty its segment) and add one in an empty row
    count = len(DEFAULT_SEGMENT_RULES)
    data = _form(**{"rule-0-key": ""})
    data.update({f"rule-{count}-key": "champions", f"rule-{count}-r_min": "5", f"rule-{count}-f_min": "5"})
    assert client.post(settings_url(), data).status_code == 302
    rules = analytics_settings_get(workspace=workspace).segment_rules
    assert [rule["key"] for rule in rules] == [r.key for r in DEFAULT_SEGMENT_RULES[1:]] + ["champions"]
    assert rules[-1] == {
        "key": "champions",
        "r_min": 5,
        "r_max": 5,
        "f_min": 5,
        "f_max": 5,
        "m_min": 1,
        "m_max": 5,
    }
    # back to the default map
    assert client.post(settings_url(), _form(rules_reset="on")).status_code == 302
    assert analytics_settings_get(workspace=workspace).segment_rules == []


@pytest.mark.django_db
def test_only_owners_and_admins_change_the_settings(
    workspace: Workspace, make_member: Callable[..., User], client_as: Callable[[User], Client]
) -> None:
    for role in (Role.SALES, Role.FINANCE, Role.AGENT, Role.VIEWER):
        member = make_member(workspace, role)
        client = client_as(member)
        assert client.get(settings_url()).status_code == 403
        assert client.post(settings_url(), _form(retention_years="9")).status_code == 403
        assert (
            'href="/w/hero/analitik/pengaturan/"'
            not in client.get(reverse("analytics:home", args=["hero"])).content.decode()
        )
    assert not AnalyticsSettings.objects.filter(workspace=workspace, retention_years=9).exists()


@pytest.mark.django_db
def test_another_workspace_cannot_reach_the_settings(
    workspace: Workspace, outsider: User, client_as: Callable[[User], Client]
) -> None:
    assert client_as(outsider).get(settings_url()).status_code == 404
