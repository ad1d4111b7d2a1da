"""The report pages: lifecycle board, cohort retention (with its exports), acquisition cost
against CLV (with the owner's costs) and cycle time (with the textbook 8 hours / 40 units =
0,2 hours = 12 minutes, and the sales cycle from the pipeline)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.analytics.enums import PurchaseSource
from relasi.analytics.models import AcquisitionCost, CustomerMetrics, CycleTimeRecord, Purchase
from relasi.analytics.purchases import purchases_add
from relasi.contacts.models import Contact
from relasi.core.money import format_rupiah
from relasi.sales.enums import DealStage
from relasi.sales.models import Deal
from tests.analytics.test_views_data import Shop, shop_build
from tests.factories import ContactFactory

ZONE = ZoneInfo("Asia/Jakarta")
TODAY = dt.datetime(2026, 11, 22, 10, 0, tzinfo=ZONE)


@pytest.fixture(autouse=True)
def _today() -> Any:
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def shop(workspace: Workspace) -> Shop:
    return shop_build(workspace)


def url(name: str, *args: object) -> str:
    return reverse(f"analytics:{name}", args=["hero", *args])


# Lifecycle board ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_lifecycle_board_counts_each_stage_and_the_weeks_moves(
    shop: Shop, workspace: Workspace, make_member: Callable[..., User], client_as: Callable[[User], Client]
) -> None:
    admin = make_member(workspace, Role.ADMIN, language="en")
    html = client_as(admin).get(url("lifecycle")).content.decode()

    def stage(key: str) -> str:
        match = re.search(rf'data-testid="stage-{key}"><span class="stage-count">(\d+)</span>', html)
        assert match, key
        return match.group(1)

    # 2 prospects (reach), 10 one-time buyers (conversion), 23 repeat buyers (retention)
    assert [stage(k) for k in ("reach", "acquisition", "conversion", "retention", "loyalty")] == [
        "2",
        "0",
        "10",
        "23",
        "0",
    ]
    assert 'href="/w/hero/analitik/pelanggan/?lifecycle_stage=conversion"' in html
    # the refresh of Friday 20 November saw everyone for the first time: the week of 16 Nov
    moves = html.split('data-testid="moves"', 1)[1]
    assert "Week of 16 Nov" in moves
    rows = re.findall(r"<tr><td>([^<]+)</td><td>([^<]+)</td>(.*?)</tr>", moves, re.S)
    last_week = {
        (source, target): re.findall(r'<td class="num">(?:<span class="muted">)?(\d+)', cells)[-1]
        for source, target, cells in rows
    }
    assert last_week == {
        ("(new record)", "Reach"): "2",
        ("(new record)", "Conversion"): "10",
        ("(new record)", "Retention"): "23",
    }


@pytest.mark.django_db
def test_the_lifecycle_board_in_english_shows_the_stage_names(
    shop: Shop, workspace: Workspace, make_member: Callable[..., User], client_as: Callable[[User], Client]
) -> None:
    viewer = make_member(workspace, Role.VIEWER, language="en")
    html = client_as(viewer).get(url("lifecycle")).content.decode()
    assert "Moves between stages, week by week" in html
    assert "Conversion" in html


# Cohorts -----------------------------------------------------------------------------------------


def _bought(workspace: Workspace, contact: Contact, *days: str) -> None:
    for day in days:
        purchase = Purchase(
            workspace=workspace,
            contact=contact,
            purchased_on=dt.date.fromisoformat(day),
            amount=Decimal("100000"),
            source=PurchaseSource.IMPORT,
            source_ref=f"{contact.pk}-{day}",
        )
        purchases_add(workspace=workspace, purchases=[purchase])


@pytest.fixture
def cohorts(workspace: Workspace) -> Workspace:
    """September: Ani (back in October and November) and Budi (never back); October: Citra
    (back in November) and Dedi (twice in October, never after)."""
    _bought(
        workspace,
        ContactFactory(workspace=workspace, full_name="Ani"),
        "2026-09-03",
        "2026-10-15",
        "2026-11-02",
    )
    _bought(workspace, ContactFactory(workspace=workspace, full_name="Budi"), "2026-09-20")
    _bought(workspace, ContactFactory(workspace=workspace, full_name="Citra"), "2026-10-01", "2026-11-10")
    _bought(workspace, ContactFactory(workspace=workspace, full_name="Dedi"), "2026-10-09", "2026-10-20")
    return workspace


PERIOD = {"period": "custom", "from": "2026-09-01", "to": "2026-11-30"}


@pytest.mark.django_db
def test_the_cohort_table_shows_the_share_coming_back_each_month(
    cohorts: Workspace, owner: User, client_as: Callable[[User], Client]
) -> None:
    html = client_as(owner).get(url("cohorts"), PERIOD).content.decode()
    table = html.split('data-testid="cohort-table"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td class="num">(\d+)</td>(.*?)</tr>', table, re.S)
    cells = {month: (size, re.findall(r'<td class="(heat-[\w]+)">([^<]*)', row)) for month, size, row in rows}
    # September: 2 customers; month 0 both, month 1 Ani (50%), month 2 Ani (50%)
    assert cells["Sep 2026"] == ("2", [("heat-10", "100%"), ("heat-5", "50%"), ("heat-5", "50%")])
    # October: 2 customers; month 1 Citra (50%); month 2 is still to come
    assert cells["Okt 2026"] == ("2", [("heat-10", "100%"), ("heat-5", "50%"), ("heat-none", "")])
    assert "style=" not in table  # colours come from classes (the CSP forbids inline style)


@pytest.mark.django_db
def test_the_cohort_exports(cohorts: Workspace, owner: User, client_as: Callable[[User], Client]) -> None:
    client = client_as(owner)
    response = client.get(url("cohort_export"), {**PERIOD, "format": "csv"})
    assert response.status_code == 200
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines[1:] == [
        ["2026-09-01", "2", "100.0", "50.0", "50.0"],
        ["2026-10-01", "2", "100.0", "50.0", ""],
    ]
    assert len(lines[0]) == 5
    response = client.get(url("cohort_export"), {**PERIOD, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0].date() == dt.date(2026, 9, 1)
    assert rows[1][1:3] == (2, 100)
    assert client.get(url("cohort_export"), {**PERIOD, "format": "doc"}).status_code == 400


@pytest.mark.django_db
def test_agents_see_cohorts_but_do_not_export_them(
    cohorts: Workspace, make_member: Callable[..., User], client_as: Callable[[User], Client]
) -> None:
    agent = make_member(cohorts, Role.AGENT)
    html = client_as(agent).get(url("cohorts"), PERIOD).content.decode()
    assert "100%" in html
    assert 'data-testid="export-csv"' not in html
    assert client_as(agent).get(url("cohort_export"), {**PERIOD, "format": "csv"}).status_code == 403


@pytest.mark.django_db
def test_a_bad_period_is_refused_with_the_default_shown(
    cohorts: Workspace, owner: User, client_as: Callable[[User], Client]
) -> None:
    response = client_as(owner).get(
        url("cohorts"), {"period": "custom", "from": "2026-11-30", "to": "2026-09-01"}
    )
    assert response.status_code == 400
    assert client_as(owner).get(url("cohorts"), {"period": "decade"}).status_code == 400


# Acquisition -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_acquisition_sets_cost_per_customer_against_clv(
    shop: Shop, owner: User, client_as: Callable[[User], Client]
) -> None:
    client = client_as(owner)
    response = client.post(
        url("acquisition_cost_set"),
        {"source": "instagram", "month": "2026-11", "amount": "1.500.000", "note": "Iklan IG"},
    )
    assert response.status_code == 302
    cost = AcquisitionCost.objects.get(workspace=shop.workspace)
    assert (cost.source, cost.month, cost.amount) == ("instagram", dt.date(2026, 11, 1), Decimal("1500000"))
    html = client.get(url("acquisition"), {"period": "month"}).content.decode()
    row = html.split('data-testid="source-instagram"', 1)[1].split("</tr>", 1)[0]
    # Instagram brought Elok and the 10 drifting customers, all recorded this month (today)
    instagram = CustomerMetrics.objects.filter(workspace=shop.workspace, contact__source="instagram")
    assert instagram.count() == 11
    per_customer = (Decimal("1500000") / 11).quantize(Decimal("1"), rounding=ROUND_HALF_UP)  # 136.364
    clvs = list(instagram.values_list("simple_clv", flat=True))
    average = (sum(clvs, Decimal(0)) / len(clvs)).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    ratio = (average / per_customer).quantize(Decimal("0.01"))
    assert '<td class="num">11</td>' in row
    assert format_rupiah(Decimal("1500000")) in row
    assert format_rupiah(per_customer) == "Rp136.364"
    assert format_rupiah(per_customer) in row
    assert format_rupiah(average) in row
    assert f"{ratio}".replace(".", ",") + "×" in row
    assert 'href="/w/hero/analitik/pelanggan/?source=instagram"' in row
    # the cost appears in the list and can be deleted
    assert "Iklan IG" in html
    assert client.post(url("acquisition_cost_delete", cost.pk)).status_code == 302
    assert not AcquisitionCost.objects.exists()


@pytest.mark.django_db
def test_a_wrong_cost_is_named_at_its_field(
    workspace: Workspace, make_member: Callable[..., User], client_as: Callable[[User], Client]
) -> None:
    admin = make_member(workspace, Role.ADMIN, language="en")
    response = client_as(admin).post(
        url("acquisition_cost_set"), {"source": "tiktok", "month": "2026-11", "amount": "-5"}
    )
    assert response.status_code == 400
    assert 'id="id_amount_error">Give the cost in rupiah, e.g. 1.500.000.' in response.content.decode()
    assert not AcquisitionCost.objects.exists()


@pytest.mark.django_db
def test_only_owners_and_admins_enter_costs(
    workspace: Workspace,
    other_workspace: Workspace,
    owner: User,
    make_member: Callable[..., User],
    client_as: Callable[[User], Client],
) -> None:
    sales = make_member(workspace, Role.SALES)
    html = client_as(sales).get(url("acquisition")).content.decode()
    assert 'data-testid="cost-form"' not in html
    response = client_as(sales).post(
        url("acquisition_cost_set"), {"source": "tiktok", "month": "2026-11", "amount": "1"}
    )
    assert response.status_code == 403
    theirs = AcquisitionCost.objects.create(
        workspace=other_workspace, source="tiktok", month=dt.date(2026, 11, 1), amount=Decimal("5")
    )
    assert client_as(owner).post(url("acquisition_cost_delete", theirs.pk)).status_code == 404
    assert AcquisitionCost.objects.filter(pk=theirs.pk).exists()


# Cycle time --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_cycle_time_of_the_textbook_run(
    workspace: Workspace, owner: User, client_as: Callable[[User], Client]
) -> None:
    client = client_as(owner)
    response = client.post(
        url("cycle_time_record_create"),
        {"process": "Sablon kaos", "recorded_on": "2026-11-20", "net_production_hours": "8", "units": "40"},
    )
    assert response.status_code == 302
    html = client.get(url("cycle_time")).content.decode()
    # 8 hours / 40 units = 0,2 hours = 12 minutes, in Indonesian number format
    assert 'data-testid="cycle-1">0,2 ' in html
    assert re.search(r'data-testid="cycle-1">0,2 [^<]*= 12 ', html)
    # a second run of 7,5 hours for 30 units: (8 + 7,5) / 70 = 0,2214 hours = 13,29 minutes
    client.post(
        url("cycle_time_record_create"),
        {"process": "Sablon kaos", "recorded_on": "2026-11-21", "net_production_hours": "7,5", "units": "30"},
    )
    html = client.get(url("cycle_time")).content.decode()
    assert re.search(r'data-testid="cycle-1">0,2214 [^<]*= 13,29 ', html)


@pytest.mark.django_db
def test_cycle_time_in_english(
    workspace: Workspace, make_member: Callable[..., User], client_as: Callable[[User], Client]
) -> None:
    admin = make_member(workspace, Role.ADMIN, language="en")
    CycleTimeRecord.objects.create(
        workspace=workspace,
        process="Packing",
        recorded_on=dt.date(2026, 11, 20),
        net_production_hours=8,
        units=40,
    )
    html = client_as(admin).get(url("cycle_time")).content.decode()
    assert 'data-testid="cycle-1">0.2 hours = 12 minutes<' in html


@pytest.mark.django_db
def test_a_wrong_run_is_named_at_its_fields_and_records_are_deleted(
    workspace: Workspace,
    other_workspace: Workspace,
    make_member: Callable[..., User],
    client_as: Callable[[User], Client],
) -> None:
    agent = make_member(workspace, Role.AGENT, language="en")
    client = client_as(agent)
    response = client.post(
        url("cycle_time_record_create"),
        {"process": "", "recorded_on": "2026-11-20", "net_production_hours": "0", "units": "0"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_process_error">Name the process' in html
    assert 'id="id_net_production_hours_error">Give the net production time in hours' in html
    assert 'id="id_units_error">Give the number of units produced, at least 1.' in html
    record = CycleTimeRecord.objects.create(
        workspace=workspace,
        process="Packing",
        recorded_on=dt.date(2026, 11, 20),
        net_production_hours=8,
        units=40,
    )
    theirs = CycleTimeRecord.objects.create(
        workspace=other_workspace,
        process="X",
        recorded_on=dt.date(2026, 11, 20),
        net_production_hours=1,
        units=1,
    )
    assert client.post(url("cycle_time_record_delete", theirs.pk)).status_code == 404
    assert client.post(url("cycle_time_record_delete", record.pk)).status_code == 302
    assert list(CycleTimeRecord.objects.values_list("pk", flat=True)) == [theirs.pk]


@pytest.mark.django_db
def test_viewers_read_cycle_times_but_record_nothing(
    workspace: Workspace, make_member: Callable[..., User], client_as: Callable[[User], Client]
) -> None:
    viewer = make_member(workspace, Role.VIEWER)
    html = client_as(viewer).get(url("cycle_time")).content.decode()
    assert 'data-testid="cycle-form"' not in html
    response = client_as(viewer).post(
        url("cycle_time_record_create"),
        {"process": "A", "recorded_on": "2026-11-20", "net_production_hours": "1", "units": "1"},
    )
    assert response.status_code == 403


@pytest.mark.django_db
def test_the_sales_cycle_from_the_pipeline(
    workspace: Workspace, owner: User, client_as: Callable[[User], Client]
) -> None:
    buyer = ContactFactory(workspace=workspace)
    closed = timezone.now()
    for days in (2, 4, 12):  # median 4, average 6
        deal = Deal.objects.create(
            workspace=workspace, title=f"Deal {days}", contact=buyer, stage=DealStage.WON, closed_at=closed
        )
        Deal.objects.filter(pk=deal.pk).update(created_at=closed - dt.timedelta(days=days))
    html = client_as(owner).get(url("cycle_time")).content.decode()
    section = html.split('data-testid="sales-cycle"', 1)[1]
    assert re.findall(r"<dd>([^<]+)</dd>", section)[:3] == ["3", "4", "6"]
