"""``/api/v1/analytics``: every endpoint, permissions (viewer and owner), workspace isolation,
bad input naming the field, fixed query counts on the lists, texts in English and Bahasa
Indonesia, and the OpenAPI document.

The numbers are computed by hand from the purchases below and the owner's RFM cut points
(recency 30/60/120/240 days, frequency 1/2/5/10 purchases, monetary Rp500.000/1.000.000/
2.000.000/5.000.000)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.analytics.enums import PurchaseSource
from relasi.analytics.models import AcquisitionCost, AnalyticsSettings, CycleTimeRecord, Purchase, Segment
from relasi.analytics.purchases import purchases_add
from relasi.analytics.refresh import metrics_refresh
from relasi.contacts.models import Contact
from tests.conftest import ApiClient
from tests.contacts.spreadsheets import csv_bytes, install_catalog
from tests.factories import ContactFactory

AS_OF = dt.date(2026, 11, 20)
URL = "/api/v1/analytics"
ELOK_FORMULA = (
    "Average sale Rp275.000 × 24 purchases a year × 3 years = Rp19.800.000. "
    "Purchases a year: those of the last 12 months."
)


def _buy(workspace: Workspace, contact: Contact, day: dt.date, amount: str, ref: str) -> None:
    purchase = Purchase(
        workspace=workspace,
        contact=contact,
        purchased_on=day,
        amount=Decimal(amount),
        source=PurchaseSource.IMPORT,
        source_ref=ref,
    )
    purchases_add(workspace=workspace, purchases=[purchase])


def _cuts(workspace: Workspace) -> None:
    AnalyticsSettings.objects.update_or_create(
        workspace=workspace,
        defaults={
            "recency_cuts": [30, 60, 120, 240],
            "frequency_cuts": [1, 2, 5, 10],
            "monetary_cuts": [500000, 1000000, 2000000, 5000000],
        },
    )


@pytest.fixture
def people(workspace: Workspace) -> dict[str, Contact]:
    """Elok: Rp275.000 on the 5th and the 19th of the as-of month and the 17 before it (36
    purchases from 05/06/2025, the last on 19/11/2026, one day before; 24 in the last 365
    days). Budi: once, Rp150.000 on 01/05/2026 (203 days before). Citra: no purchase."""
    elok = ContactFactory(workspace=workspace, full_name="Elok Pratiwi", source="instagram")
    budi = ContactFactory(workspace=workspace, full_name="Budi Santoso", source="walk_in")
    citra = ContactFactory(workspace=workspace, full_name="Citra")
    for k in range(18):
        month_index = AS_OF.year * 12 + AS_OF.month - 1 - k  # November 2026 back to June 2025
        year, month = divmod(month_index, 12)
        for day in (5, 19):
            _buy(workspace, elok, dt.date(year, month + 1, day), "275000", f"e-{k}-{day}")
    _buy(workspace, budi, dt.date(2026, 5, 1), "150000", "b-1")
    _cuts(workspace)
    metrics_refresh(workspace=workspace, as_of=AS_OF)
    return {"elok": elok, "budi": budi, "citra": citra}


@pytest.fixture
def owner_api(owner: User, workspace: Workspace, api_as: Callable[..., ApiClient]) -> ApiClient:
    return api_as(owner, workspace)


@pytest.fixture
def viewer_api(
    workspace: Workspace, make_member: Callable[..., User], api_as: Callable[..., ApiClient]
) -> ApiClient:
    return api_as(make_member(workspace, Role.VIEWER), workspace)


@pytest.fixture
def outsider_api(outsider: User, other_workspace: Workspace, api_as: Callable[..., ApiClient]) -> ApiClient:
    return api_as(outsider, other_workspace)


EN = {"Accept-Language": "en"}


# One customer -------------------------------------------------------------------------------


def test_a_customers_numbers_come_with_their_reasons(
    owner_api: ApiClient, people: dict[str, Contact]
) -> None:
    elok = people["elok"]
    body = owner_api.get(f"{URL}/customers/{elok.pk}", **EN).json()
    assert body["contact_id"] == elok.pk
    assert body["full_name"] == "Elok Pratiwi"
    assert body["as_of"] == "2026-11-20"
    assert body["computed_at"] is not None
    assert body["purchases"] == {
        "orders": 36,
        "orders_last_year": 24,
        "discounted_orders": 0,
        "first_purchase": "2025-06-05",
        "last_purchase": "2026-11-19",
        "total_spend": "9900000.00",
        "average_sale": "275000.00",
        "repeat_purchases": 35,
        "recency_days": (dt.date(2026, 11, 19) - dt.date(2025, 6, 5)).days,  # 532
        "tenure_days": (AS_OF - dt.date(2025, 6, 5)).days,  # 533
        "top_category": "",
        "conversations": 0,
        "quotations": 0,
    }
    # R: 1 day is past no cut → 5; F: 36 is past all four cuts → 5; M: 9.9 M is past all four → 5
    assert body["rfm"] == {
        "recency_days": 1,
        "frequency": 36,
        "monetary": "9900000.00",
        "r_score": 5,
        "f_score": 5,
        "m_score": 5,
        "score": "555",
        "segment": "champions",
        "segment_label": "Champions",
        "explanation": "Recency 5 (last purchase 1 day ago), frequency 5 (36 purchases), monetary 5 "
        "(Rp9.900.000 in total).",
    }
    assert body["customer_type"] == {
        "key": "loyal",
        "label": "Loyal customer",
        "reason": "36 purchases, the last 1 day ago: recency score 5 and frequency score 5 (the rule: at "
        "least 3 purchases and both scores 3 or better).",
    }
    assert body["lifecycle"]["stage"] == "retention"
    assert body["lifecycle"]["label"] == "Retention"
    assert body["lifecycle"]["reason"] == "Bought on 36 different days: a repeat customer."
    assert body["lifecycle"]["transitions"] == [
        {
            "from_stage": "",
            "from_label": "",
            "to_stage": "retention",
            "to_label": "Retention",
            "changed_on": "2026-11-20",
        }
    ]
    assert body["simple_clv"] == {
        "value": "19800000.00",
        "formula": ELOK_FORMULA,
        "inputs": {
            "average_sale": "275000.00",
            "purchases_per_year": "24",
            "retention_years": "3",
            "margin_percent": None,
        },
    }
    # Two buyers, one repeat buyer: too few to fit BG/NBD (20 needed)
    assert body["probabilistic_clv"] == {
        "value": None,
        "expected_purchases": None,
        "expected_average_spend": None,
        "horizon_months": 12,
        "monthly_discount_rate_percent": "1",
        "explanation": "Not computed: the models need at least 20 repeat buyers in the workspace and a "
        "purchase history they can be fitted to.",
    }
    assert body["p_alive"] is None
    assert body["churn_risk"] == {
        "band": "low",
        "label": "Low",
        "reason": "Too few repeat buyers in the workspace to fit the model yet.",
    }


def test_a_one_time_buyer_is_judged_by_the_days_since(
    owner_api: ApiClient, people: dict[str, Contact]
) -> None:
    body = owner_api.get(f"{URL}/customers/{people['budi'].pk}", **EN).json()
    assert body["rfm"]["score"] == "211"  # 203 days: past 30, 60 and 120 → R 2; 1 purchase; Rp150.000
    assert body["rfm"]["segment"] == "hibernating"
    # 1 purchase × 365 / 203 days = 1,80 a year; 150.000 × 1,80 × 3 = 810.000
    assert body["simple_clv"]["value"] == "810000.00"
    assert body["churn_risk"] == {
        "band": "high",
        "label": "High",
        "reason": "Bought once, 203 days ago: one-time buyers are judged by the days since that purchase.",
    }


def test_texts_follow_accept_language(
    settings: Any, tmp_path: Path, owner_api: ApiClient, people: dict[str, Contact]
) -> None:
    install_catalog(
        settings,
        tmp_path / "locale",
        "id",
        {
            "Average sale %(avg)s × %(per_year)s purchases a year × %(years)s years%(margin)s = %(clv)s.": (
                "Rata-rata penjualan %(avg)s × %(per_year)s pembelian setahun × %(years)s tahun%(margin)s "
                "= %(clv)s."
            ),
            "Purchases a year: those of the last 12 months.": "Pembelian setahun: yang 12 bulan terakhir.",
            "Champions": "Juara",
            "Loyal customer": "Pelanggan setia",
        },
    )
    url = f"{URL}/customers/{people['elok'].pk}"
    indonesian = owner_api.get(url, **{"Accept-Language": "id"}).json()
    assert indonesian["simple_clv"]["formula"] == (
        "Rata-rata penjualan Rp275.000 × 24 pembelian setahun × 3 tahun = Rp19.800.000. "
        "Pembelian setahun: yang 12 bulan terakhir."
    )
    assert indonesian["rfm"]["segment_label"] == "Juara"
    assert indonesian["customer_type"]["label"] == "Pelanggan setia"
    english = owner_api.get(url, **{"Accept-Language": "en"}).json()
    assert english["simple_clv"]["formula"] == ELOK_FORMULA
    assert english["rfm"]["segment_label"] == "Champions"


def test_unknown_other_workspace_and_not_yet_computed_customers_are_404(
    owner_api: ApiClient, outsider_api: ApiClient, workspace: Workspace, people: dict[str, Contact]
) -> None:
    theirs = outsider_api.get(f"{URL}/customers/{people['elok'].pk}", **EN)
    assert theirs.status_code == 404
    assert theirs.json() == {
        "code": "not_found",
        "message": "Customer not found in this workspace.",
        "fields": {},
    }
    newcomer = ContactFactory(workspace=workspace)  # added after the last refresh
    fresh = owner_api.get(f"{URL}/customers/{newcomer.pk}", **EN)
    assert fresh.status_code == 404
    assert fresh.json()["code"] == "not_computed"
    assert "not been computed yet" in fresh.json()["message"]
    assert "refresh" in fresh.json()["message"].lower()
    assert owner_api.get(f"{URL}/customers/999999", **EN).json()["code"] == "not_found"


def test_a_merged_customer_points_to_the_survivor(owner_api: ApiClient, people: dict[str, Contact]) -> None:
    budi = people["budi"]
    Contact.objects.filter(pk=budi.pk).update(merged_into=people["elok"])
    response = owner_api.get(f"{URL}/customers/{budi.pk}", **EN)
    assert response.status_code == 404
    assert response.json()["code"] == "merged"
    assert str(people["elok"].pk) in response.json()["message"]


# Customer lists -----------------------------------------------------------------------------


def _names(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["full_name"] for item in response.json()["items"]]


def test_customer_list_filters_by_the_segment_keys_and_pages(
    owner_api: ApiClient, people: dict[str, Contact]
) -> None:
    url = f"{URL}/customers"
    assert _names(owner_api.get(url, {"rfm_segment": "champions"})) == ["Elok Pratiwi"]
    assert sorted(_names(owner_api.get(url, {"rfm_segment": "champions,hibernating"}))) == [
        "Budi Santoso",
        "Elok Pratiwi",
    ]
    assert sorted(_names(owner_api.get(f"{url}?rfm_segment=champions&rfm_segment=hibernating"))) == [
        "Budi Santoso",
        "Elok Pratiwi",
    ]
    assert _names(owner_api.get(url, {"min_total_spend": "1000000"})) == ["Elok Pratiwi"]
    assert _names(owner_api.get(url, {"churn_risk": "high", "source": "walk_in"})) == ["Budi Santoso"]
    everyone = owner_api.get(url, {"limit": 2}).json()
    assert len(everyone["items"]) == 2
    rest = owner_api.get(url, {"limit": 2, "cursor": everyone["next"]}).json()
    assert len(rest["items"]) == 1
    assert rest["next"] is None
    names = {i["full_name"] for i in everyone["items"] + rest["items"]}
    assert names == {"Elok Pratiwi", "Budi Santoso", "Citra"}
    item = next(i for i in everyone["items"] + rest["items"] if i["full_name"] == "Elok Pratiwi")
    assert (item["simple_clv"], item["total_spend"], item["rfm_segment"]) == (
        "19800000.00",
        "9900000.00",
        "champions",
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"rfm_segment": "juara"}, "rfm_segment"),
        ({"max_p_alive": "2"}, "max_p_alive"),
        ({"min_orders": "banyak"}, "min_orders"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(
    owner_api: ApiClient, people: dict[str, Contact], query: dict[str, str], field: str
) -> None:
    response = owner_api.get(f"{URL}/customers", query, **EN)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["fields"]) == [field]


def test_list_endpoints_run_a_fixed_number_of_queries(
    owner_api: ApiClient,
    workspace: Workspace,
    people: dict[str, Contact],
    django_assert_num_queries: Any,
) -> None:
    segment = Segment.objects.create(workspace=workspace, name="Semua", filters={})
    for n in range(3):
        Segment.objects.create(workspace=workspace, name=f"S{n}", filters={"min_orders": n})
        AcquisitionCost.objects.create(workspace=workspace, source="instagram", month=dt.date(2026, n + 1, 1))
    # token, membership, page ids, page rows (the token's last-used time is written at most
    # every five minutes: by the warming call)
    lists = [
        (f"{URL}/customers", 4),
        (f"{URL}/segments", 4),
        (f"{URL}/acquisition-costs", 4),
        (f"{URL}/segments/{segment.pk}/customers", 5),  # + the segment
    ]
    for url, expected in lists:
        owner_api.get(url)  # warm: the settings row, caches
        with django_assert_num_queries(expected):
            assert owner_api.get(url).status_code == 200
    # more rows, the same queries
    for _n in range(10):
        ContactFactory(workspace=workspace)
    metrics_refresh(workspace=workspace, as_of=AS_OF)
    for url, expected in lists:
        with django_assert_num_queries(expected):
            assert owner_api.get(url).status_code == 200


# Segments -----------------------------------------------------------------------------------


def test_segments_can_be_saved_read_changed_and_deleted(
    owner_api: ApiClient, viewer_api: ApiClient, people: dict[str, Contact]
) -> None:
    created = owner_api.post(
        f"{URL}/segments", {"name": "Berisiko", "filters": {"churn_risk": ["high", "lost"]}}
    )
    assert created.status_code == 201, created.content
    segment_id = created.json()["id"]
    assert created.json()["filters"] == {"churn_risk": ["high", "lost"]}
    detail = viewer_api.get(f"{URL}/segments/{segment_id}").json()
    assert (detail["name"], detail["customers"]) == ("Berisiko", 1)
    assert _names(viewer_api.get(f"{URL}/segments/{segment_id}/customers")) == ["Budi Santoso"]
    assert [s["name"] for s in viewer_api.get(f"{URL}/segments").json()["items"]] == ["Berisiko"]

    changed = owner_api.patch(f"{URL}/segments/{segment_id}", {"filters": {"rfm_segment": "champions"}})
    assert changed.status_code == 200
    assert changed.json()["name"] == "Berisiko"  # unchanged: not sent
    assert _names(owner_api.get(f"{URL}/segments/{segment_id}/customers")) == ["Elok Pratiwi"]

    assert owner_api.delete(f"{URL}/segments/{segment_id}").status_code == 204
    assert owner_api.get(f"{URL}/segments/{segment_id}").status_code == 404


def test_segment_input_is_checked_and_nothing_half_saved(
    owner_api: ApiClient, viewer_api: ApiClient, workspace: Workspace, people: dict[str, Contact]
) -> None:
    bad = owner_api.post(f"{URL}/segments", {"name": "X", "filters": {"lifecycle_stage": ["setia"]}}, **EN)
    assert bad.status_code == 400
    assert list(bad.json()["fields"]) == ["lifecycle_stage"]
    unnamed = owner_api.post(f"{URL}/segments", {"filters": {}}, **EN)
    assert (unnamed.status_code, list(unnamed.json()["fields"])) == (400, ["name"])
    assert Segment.objects.count() == 0
    owner_api.post(f"{URL}/segments", {"name": "Juara", "filters": {"rfm_segment": ["champions"]}})
    twice = owner_api.post(f"{URL}/segments", {"name": "Juara", "filters": {}})
    assert twice.status_code == 409
    segment = Segment.objects.get(workspace=workspace)
    patched = owner_api.patch(
        f"{URL}/segments/{segment.pk}", {"name": "Baru", "filters": {"min_orders": "x"}}
    )
    assert patched.status_code == 400
    segment.refresh_from_db()
    assert (segment.name, segment.filters) == ("Juara", {"rfm_segment": ["champions"]})
    forbidden = viewer_api.post(f"{URL}/segments", {"name": "Y", "filters": {}}, **{"Accept-Language": "id"})
    assert forbidden.status_code == 403
    assert forbidden.json()["message"] == "Peran Anda tidak mengizinkan tindakan ini."


def test_another_workspaces_segment_is_not_there(
    owner_api: ApiClient, other_workspace: Workspace, people: dict[str, Contact]
) -> None:
    theirs = Segment.objects.create(workspace=other_workspace, name="Milik mereka", filters={})
    for response in (
        owner_api.get(f"{URL}/segments/{theirs.pk}"),
        owner_api.get(f"{URL}/segments/{theirs.pk}/customers"),
        owner_api.patch(f"{URL}/segments/{theirs.pk}", {"name": "Diambil"}),
        owner_api.delete(f"{URL}/segments/{theirs.pk}"),
        owner_api.get(f"{URL}/summary", {"segment_id": theirs.pk}),
    ):
        assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Milik mereka"


# Figures ------------------------------------------------------------------------------------


def test_summary_gives_the_headline_figures_and_distributions(
    viewer_api: ApiClient, workspace: Workspace, people: dict[str, Contact]
) -> None:
    body = viewer_api.get(f"{URL}/summary", **EN).json()
    assert body["as_of"] == "2026-11-20"
    assert (body["customers"], body["buyers"]) == (3, 2)
    assert body["total_spend"] == "10050000.00"  # 9.900.000 + 150.000
    assert body["average_simple_clv"] == "10305000.00"  # (19.800.000 + 810.000) / 2
    assert body["average_clv_probabilistic"] is None
    assert (body["at_risk"], body["at_risk_value"]) == (1, "810000.00")  # Budi, high
    segments = {row["key"]: row["count"] for row in body["segments"]["rows"]}
    assert (segments["champions"], segments["hibernating"], segments["loyal"]) == (1, 1, 0)
    assert body["segments"]["filter_key"] == "rfm_segment"
    champions = next(row for row in body["segments"]["rows"] if row["key"] == "champions")
    assert (champions["label"], champions["total_spend"]) == ("Champions", "9900000.00")
    stages = {row["key"]: row["count"] for row in body["stages"]["rows"]}
    assert stages == {"reach": 1, "acquisition": 0, "conversion": 1, "retention": 1, "loyalty": 0}
    only = Segment.objects.create(workspace=workspace, name="Juara", filters={"rfm_segment": ["champions"]})
    narrowed = viewer_api.get(f"{URL}/summary", {"segment_id": only.pk}).json()
    assert (narrowed["customers"], narrowed["total_spend"]) == (1, "9900000.00")


def test_a_customer_merged_since_the_refresh_leaves_the_figures_and_lists(
    owner_api: ApiClient, workspace: Workspace, people: dict[str, Contact]
) -> None:
    """Budi (the at-risk customer, simple CLV Rp810.000) is merged into Elok after the last
    refresh: until the next one his snapshot stays stored, but no figure or list counts it."""
    Contact.objects.filter(pk=people["budi"].pk).update(merged_into=people["elok"])
    body = owner_api.get(f"{URL}/summary", **EN).json()
    assert (body["customers"], body["buyers"]) == (2, 1)
    assert body["total_spend"] == "9900000.00"
    assert (body["at_risk"], body["at_risk_value"]) == (0, "0.00")
    risky = Segment.objects.create(workspace=workspace, name="Berisiko", filters={"churn_risk": ["high"]})
    assert _names(owner_api.get(f"{URL}/segments/{risky.pk}/customers")) == []
    assert owner_api.get(f"{URL}/segments/{risky.pk}").json()["customers"] == 0


def test_cohorts_show_who_came_back_each_month(viewer_api: ApiClient, workspace: Workspace) -> None:
    today = timezone.localdate()

    def month_start(back: int) -> dt.date:
        index = today.year * 12 + today.month - 1 - back
        return dt.date(index // 12, index % 12 + 1, 1)

    ana, bayu, cahya = (ContactFactory(workspace=workspace) for _ in range(3))
    _buy(workspace, ana, month_start(2), "1000", "a0")
    _buy(workspace, ana, month_start(1), "1000", "a1")
    _buy(workspace, ana, month_start(0), "1000", "a2")
    _buy(workspace, bayu, month_start(2), "1000", "b0")
    _buy(workspace, cahya, month_start(1), "1000", "c0")
    body = viewer_api.get(f"{URL}/cohorts", {"months": 3}).json()
    assert body == {
        "months": 3,
        "cohorts": [
            # Ana and Bayu started two months ago; Ana came back in each month since: 1/2, 1/2
            {"month": month_start(2).isoformat(), "size": 2, "retention": [1.0, 0.5, 0.5]},
            # Cahya started last month and did not come back this month; month 2 lies ahead
            {"month": month_start(1).isoformat(), "size": 1, "retention": [1.0, 0.0, None]},
        ],
    }
    assert viewer_api.get(f"{URL}/cohorts", {"months": 0}).status_code == 422


def test_refresh_is_queued_after_commit(
    viewer_api: ApiClient, people: dict[str, Contact], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        response = viewer_api.post(f"{URL}/refresh", **EN)
    assert response.status_code == 202
    assert response.json()["status"] == "queued"
    assert response.json()["computed_at"] is not None
    assert len(callbacks) == 1


# Settings -----------------------------------------------------------------------------------


def test_settings_are_read_by_all_and_changed_by_the_owner(
    owner_api: ApiClient, viewer_api: ApiClient, workspace: Workspace, people: dict[str, Contact]
) -> None:
    body = viewer_api.get(f"{URL}/settings").json()
    assert body["recency_cuts"] == [30, 60, 120, 240]
    assert body["retention_years"] == "3"
    assert body["margin_percent"] is None
    assert body["default_segment_rules"] is True
    assert body["segment_rules"][0] == {
        "key": "champions",
        "r_min": 4,
        "r_max": 5,
        "f_min": 4,
        "f_max": 5,
        "m_min": 1,
        "m_max": 5,
    }
    changed = owner_api.patch(
        f"{URL}/settings", {"retention_years": "2.5", "margin_percent": 40, "time_unit": "weeks"}
    )
    assert changed.status_code == 200, changed.content
    assert (changed.json()["retention_years"], changed.json()["margin_percent"]) == ("2.5", "40")
    assert changed.json()["recency_cuts"] == [30, 60, 120, 240]  # not sent, not touched
    cleared = owner_api.patch(f"{URL}/settings", {"margin_percent": None, "recency_cuts": []})
    assert (cleared.json()["margin_percent"], cleared.json()["recency_cuts"]) == (None, [])
    assert viewer_api.patch(f"{URL}/settings", {"retention_years": "1"}).status_code == 403


def test_bad_settings_are_a_400_naming_every_field_and_nothing_is_saved(
    owner_api: ApiClient, workspace: Workspace, people: dict[str, Contact]
) -> None:
    response = owner_api.patch(
        f"{URL}/settings",
        {
            "retention_years": "2",  # fine on its own, but not saved with the rest wrong
            "clv_horizon_months": 0,
            "recency_cuts": [240, 120, 60, 30],
            "monthly_discount_rate": "-1",
            "time_unit": "years",
            "segment_rules": [{"key": "champions", "r_min": 6}],
        },
        **EN,
    )
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {
        "clv_horizon_months",
        "recency_cuts",
        "monthly_discount_rate",
        "time_unit",
        "segment_rules",
    }
    assert response.json()["fields"]["clv_horizon_months"] == "Give the horizon in whole months, 1 to 120."
    settings = AnalyticsSettings.objects.get(workspace=workspace)
    assert (settings.retention_years, settings.clv_horizon_months) == (Decimal("3"), 12)


# Acquisition --------------------------------------------------------------------------------


def test_acquisition_costs_and_cost_per_customer_against_clv(
    owner_api: ApiClient,
    viewer_api: ApiClient,
    outsider_api: ApiClient,
    workspace: Workspace,
    people: dict[str, Contact],
) -> None:
    set_cost = _put(
        owner_api, {"source": "instagram", "month": "2026-10", "amount": "1500000.00", "note": "Iklan"}
    )
    assert set_cost.status_code == 200, set_cost.content
    assert set_cost.json()["amount"] == "1500000.00"  # a decimal string, not read as 150.000.000
    assert (set_cost.json()["month"], set_cost.json()["source_label"]) == ("2026-10-01", "Instagram")
    again = _put(owner_api, {"source": "instagram", "month": "2026-10", "amount": 1200000})
    assert again.json()["id"] == set_cost.json()["id"]
    assert again.json()["amount"] == "1200000.00"
    listed = viewer_api.get(f"{URL}/acquisition-costs").json()["items"]
    assert [(c["source"], c["amount"]) for c in listed] == [("instagram", "1200000.00")]

    report = viewer_api.get(f"{URL}/acquisition", **EN).json()
    instagram = next(row for row in report["rows"] if row["source"] == "instagram")
    # one Instagram customer (Elok) won in the period, Rp1.200.000 spent: CLV 19.800.000 ÷ 1.200.000 = 16,5
    assert instagram == {
        "source": "instagram",
        "label": "Instagram",
        "customers": 1,
        "buyers": 1,
        "cost": "1200000.00",
        "cost_per_customer": "1200000.00",
        "average_simple_clv": "19800000.00",
        "clv_to_cost": "16.5",
    }
    walk_in = next(row for row in report["rows"] if row["source"] == "walk_in")
    assert (walk_in["label"], walk_in["cost_per_customer"]) == ("Walk-in", None)
    indonesian = viewer_api.get(f"{URL}/acquisition", **{"Accept-Language": "id"}).json()
    assert next(r for r in indonesian["rows"] if r["source"] == "walk_in")["label"] == "Datang langsung"

    backwards = viewer_api.get(f"{URL}/acquisition", {"since": "2026-11-01", "until": "2026-10-01"}, **EN)
    assert (backwards.status_code, list(backwards.json()["fields"])) == (400, ["since"])
    grouped = _put(owner_api, {"source": "instagram", "month": "2026-09", "amount": "1.500.000"}, **EN)
    assert (grouped.status_code, list(grouped.json()["fields"])) == (400, ["amount"])
    unknown = _put(owner_api, {"source": "radio", "month": "2026-13", "amount": "1"}, **EN)
    assert (unknown.status_code, set(unknown.json()["fields"])) == (400, {"source", "month"})
    assert AcquisitionCost.objects.count() == 1
    assert _put(viewer_api, {"source": "instagram", "month": "2026-10", "amount": "1"}).status_code == 403
    cost_id = set_cost.json()["id"]
    assert outsider_api.delete(f"{URL}/acquisition-costs/{cost_id}").status_code == 404
    assert owner_api.delete(f"{URL}/acquisition-costs/{cost_id}").status_code == 204
    assert AcquisitionCost.objects.count() == 0


def _put(api: ApiClient, data: dict[str, Any], **headers: str) -> Any:
    return api.client.put(
        f"{URL}/acquisition-costs", data, content_type="application/json", headers={**api.headers, **headers}
    )


# Cycle times --------------------------------------------------------------------------------


def test_cycle_time_of_the_textbook_example(
    owner_api: ApiClient, viewer_api: ApiClient, outsider_api: ApiClient, workspace: Workspace
) -> None:
    created = owner_api.post(
        f"{URL}/cycle-times",
        {"process": "Sablon kaos", "recorded_on": "2026-11-02", "net_production_hours": "8", "units": 40},
    )
    assert created.status_code == 201, created.content
    assert (created.json()["net_production_hours"], created.json()["units"]) == ("8", 40)
    body = viewer_api.get(f"{URL}/cycle-times").json()
    # 8 hours ÷ 40 units = 0,2 hours = 12 minutes
    assert body["processes"] == [
        {
            "process": "Sablon kaos",
            "runs": 1,
            "hours": "8",
            "units": 40,
            "hours_per_unit": "0.2",
            "minutes_per_unit": "12",
        }
    ]
    assert [r["process"] for r in body["records"]] == ["Sablon kaos"]
    assert body["sales_cycle"] == {"deals_won": 0, "median_days": None, "average_days": None}
    bad = owner_api.post(
        f"{URL}/cycle-times",
        {"process": "", "recorded_on": "kemarin", "net_production_hours": "0", "units": 0},
        **EN,
    )
    assert bad.status_code == 400
    assert set(bad.json()["fields"]) == {"process", "recorded_on", "net_production_hours", "units"}
    assert (
        viewer_api.post(
            f"{URL}/cycle-times",
            {"process": "X", "recorded_on": "2026-11-02", "net_production_hours": "1", "units": 1},
        ).status_code
        == 403
    )
    record_id = created.json()["id"]
    assert outsider_api.delete(f"{URL}/cycle-times/{record_id}").status_code == 404
    assert owner_api.delete(f"{URL}/cycle-times/{record_id}").status_code == 204
    assert CycleTimeRecord.objects.count() == 0


# Import -------------------------------------------------------------------------------------


def _upload(api: ApiClient, rows: list[list[str]], **headers: str) -> Any:
    upload = SimpleUploadedFile("riwayat.csv", csv_bytes(rows), "text/csv")
    return api.client.post(f"{URL}/imports", {"file": upload}, headers={**api.headers, **headers})


def test_import_by_api(owner_api: ApiClient, viewer_api: ApiClient, workspace: Workspace) -> None:
    rows = [["No Pesanan", "Pelanggan", "Tanggal", "Jumlah"], ["INV-1", "Budi", "01/02/2026", "1.250.000"]]
    created = _upload(owner_api, rows)
    assert created.status_code == 201, created.content
    assert {k: created.json()[k] for k in ("file_name", "rows_total", "rows_imported", "rows_skipped")} == {
        "file_name": "riwayat.csv",
        "rows_total": 1,
        "rows_imported": 1,
        "rows_skipped": 0,
    }
    assert Purchase.objects.get(workspace=workspace).amount == Decimal("1250000")
    again = _upload(owner_api, rows)
    assert (again.json()["rows_imported"], again.json()["rows_skipped"]) == (0, 1)

    wrong = _upload(owner_api, [*rows, ["INV-2", "Budi", "01/02/2026", "satu juta"]], **EN)
    assert wrong.status_code == 400
    body = wrong.json()
    assert body["code"] == "rows_invalid"
    assert body["rows_total"] == 2
    assert body["errors"] == [
        {
            "row": 3,
            "field": "amount",
            "column": "Jumlah",
            "message": "'satu juta' is not an amount. Write it like 1.250.000 or 1250000,50 (a comma "
            "before the cents).",
        }
    ]
    assert list(body["fields"]) == ["rows.3.amount"]
    assert Purchase.objects.count() == 1

    unreadable = _upload(owner_api, [["Nama", "Kota"], ["Budi", "Bandung"]], **EN)
    assert unreadable.status_code == 400
    assert "file" in unreadable.json()["fields"]
    assert _upload(viewer_api, rows).status_code == 403


# The document -------------------------------------------------------------------------------


def test_the_openapi_document_builds(db: None) -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/analytics/customers/{contact_id}",
        "/api/v1/analytics/customers",
        "/api/v1/analytics/segments",
        "/api/v1/analytics/segments/{segment_id}",
        "/api/v1/analytics/segments/{segment_id}/customers",
        "/api/v1/analytics/cohorts",
        "/api/v1/analytics/summary",
        "/api/v1/analytics/refresh",
        "/api/v1/analytics/settings",
        "/api/v1/analytics/acquisition-costs",
        "/api/v1/analytics/acquisition",
        "/api/v1/analytics/cycle-times",
        "/api/v1/analytics/imports",
    ):
        assert path in paths, path
    assert "multipart/form-data" in paths["/api/v1/analytics/imports"]["post"]["requestBody"]["content"]
