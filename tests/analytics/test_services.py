"""The owner's hand-entered numbers: acquisition costs and production runs; the settings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from relasi.accounts.models import User, Workspace
from relasi.analytics.models import AcquisitionCost, AnalyticsSettings, CycleTimeRecord
from relasi.analytics.selectors import process_cycle_times
from relasi.analytics.services import acquisition_cost_set, cycle_time_record_create
from relasi.analytics.settings import analytics_settings_get, analytics_settings_update
from relasi.core.exceptions import ValidationError


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1.500.000", "1500000"),
        ("1500000,50", "1500000.50"),
        ("Rp 750.000", "750000"),
        (Decimal("1500000.00"), "1500000"),
    ],
)
def test_costs_are_read_the_indonesian_way(workspace: Workspace, typed: object, expected: str) -> None:
    cost = acquisition_cost_set(workspace=workspace, source="instagram", month="2026-11", amount=typed)
    assert cost.amount == Decimal(expected)
    assert cost.month == dt.date(2026, 11, 1)


@pytest.mark.django_db
def test_setting_a_month_again_replaces_it(workspace: Workspace) -> None:
    acquisition_cost_set(workspace=workspace, source="tiktok", month="2026-10-15", amount="900.000")
    acquisition_cost_set(workspace=workspace, source="tiktok", month="2026-10", amount="1.200.000")
    assert list(AcquisitionCost.objects.values_list("amount", flat=True)) == [Decimal("1200000")]


@pytest.mark.django_db
def test_bad_cost_names_every_field_and_saves_nothing(workspace: Workspace) -> None:
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        acquisition_cost_set(workspace=workspace, source="radio", month="November", amount="-5")
    assert set(caught.value.fields) == {"source", "month", "amount"}
    assert "YYYY-MM" in str(caught.value.fields["month"])
    assert not AcquisitionCost.objects.exists()


@pytest.mark.django_db
def test_cycle_time_of_the_textbook_run(workspace: Workspace, owner: User) -> None:
    """8 hours for 40 units, then 7,5 hours for 35: (8 + 7,5) / 75 = 0,2067 h = 12,4 minutes."""
    cycle_time_record_create(
        workspace=workspace,
        actor=owner,
        process="Sablon kaos",
        recorded_on="2026-11-20",
        net_production_hours="8",
        units="40",
    )
    first = process_cycle_times(workspace=workspace)[0]
    assert (first.hours_per_unit, first.minutes_per_unit) == (Decimal("0.2"), Decimal("12"))
    cycle_time_record_create(
        workspace=workspace,
        actor=owner,
        process="Sablon kaos",
        recorded_on="2026-11-21",
        net_production_hours="7,5",
        units=35,
    )
    both = process_cycle_times(workspace=workspace)[0]
    assert both.runs == 2
    assert both.hours_per_unit == Decimal("0.2067")
    assert both.minutes_per_unit == Decimal("12.40")


@pytest.mark.django_db
def test_bad_run_is_refused_whole(workspace: Workspace, owner: User) -> None:
    with pytest.raises(ValidationError) as caught:
        cycle_time_record_create(
            workspace=workspace,
            actor=owner,
            process=" ",
            recorded_on="kemarin",
            net_production_hours="0",
            units="nol",
        )
    assert set(caught.value.fields) == {"process", "recorded_on", "net_production_hours", "units"}
    assert not CycleTimeRecord.objects.exists()


@pytest.mark.django_db
def test_settings_check_every_field_and_keep_the_old_values(workspace: Workspace, owner: User) -> None:
    with pytest.raises(ValidationError) as caught:
        analytics_settings_update(
            workspace=workspace,
            actor=owner,
            values={
                "recency_cuts": [60, 30, 120, 240],  # not ascending
                "retention_years": "0",
                "clv_horizon_months": "500",
                "segment_rules": [{"key": "champions", "r_min": 6}],
            },
        )
    assert set(caught.value.fields) == {
        "recency_cuts",
        "retention_years",
        "clv_horizon_months",
        "segment_rules",
    }
    assert analytics_settings_get(workspace=workspace).retention_years == Decimal("3")
    updated = analytics_settings_update(
        workspace=workspace,
        actor=owner,
        values={"recency_cuts": ["30", "60", "120", "240"], "margin_percent": "30"},
    )
    assert updated.recency_cuts == [30.0, 60.0, 120.0, 240.0]
    assert AnalyticsSettings.objects.get(workspace=workspace).margin_percent == Decimal("30")
