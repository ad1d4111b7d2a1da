"""The customers behind a figure: the filtered list (keyset pages, fixed query count), its
CSV/XLSX export (exactly the filtered rows, formula-guarded, audited), "save as segment",
and the analytics panel on a customer's page with "recompute this customer"."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.analytics import views_customers
from relasi.analytics.models import AnalyticsSettings, CustomerMetrics, MetricsRun, Segment
from relasi.core.models import AuditAction, AuditLog
from tests.analytics.test_views_data import ELOK_CLV, Shop, shop_build
from tests.factories import ContactFactory


@pytest.fixture
def shop(workspace: Workspace) -> Shop:
    return shop_build(workspace)


@pytest.fixture
def owner_en(workspace: Workspace, make_member: Callable[..., User]) -> User:
    """An owner who reads English (the source strings; the Indonesian ones come later)."""
    return make_member(workspace, Role.OWNER, language="en", email="owner-en@hero.test")


def customers(slug: str = "hero") -> str:
    return reverse("analytics:customer_list", args=[slug])


def export(slug: str = "hero") -> str:
    return reverse("analytics:customer_export", args=[slug])


def _names(html: str) -> list[str]:
    rows = re.findall(r'<tr data-testid="customer-row">\s*<td><a href="[^"]+">([^<]+)</a>', html)
    return rows


def _expected(workspace: Workspace, **filters: Any) -> set[str]:
    return set(
        CustomerMetrics.objects.filter(workspace=workspace, **filters).values_list(
            "contact__full_name", flat=True
        )
    )


@pytest.mark.django_db
def test_the_list_shows_the_customers_of_a_filter(
    shop: Shop, owner_en: User, client_as: Callable[[User], Client]
) -> None:
    response = client_as(owner_en).get(customers(), {"rfm_segment": "at_risk"})
    assert response.status_code == 200
    html = response.content.decode()
    assert set(_names(html)) == _expected(shop.workspace, rfm_segment="at_risk") != set()
    assert "RFM segment: <strong>At risk</strong>" in html
    # two conditions: any of the bands, and a city
    html = client_as(owner_en).get(customers() + "?churn_risk=high,lost&city=Medan").content.decode()
    assert set(_names(html)) == shop.names("gone")  # one purchase over a year ago: lost
    # a number: at least 12 purchases
    html = client_as(owner_en).get(customers(), {"min_orders": "12"}).content.decode()
    assert set(_names(html)) == {"Elok Pratiwi"} | shop.names("regular")


@pytest.mark.django_db
def test_a_row_carries_the_customers_figures(
    shop: Shop, owner_en: User, client_as: Callable[[User], Client]
) -> None:
    html = client_as(owner_en).get(customers(), {"min_orders": "36"}).content.decode()
    row = html.split('data-testid="customer-row"', 1)[1].split("</tr>", 1)[0]
    assert f'href="/w/hero/pelanggan/{shop.elok.pk}/"' in row
    assert "Rp9.900.000" in row  # 36 × 275.000 spent
    assert "Rp19.800.000" in row  # simple CLV
    for label in ("Champions", "Loyal customer", "Retention"):
        assert label in row
    assert "19 Nov 2026" in row  # the last purchase


@pytest.mark.django_db
def test_a_bad_filter_is_named_with_status_400(
    shop: Shop, owner: User, client_as: Callable[[User], Client]
) -> None:
    response = client_as(owner).get(customers(), {"rfm_segment": "best"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "rfm_segment" in html
    assert "at_risk" in html  # the allowed values are listed
    assert _names(html) == []
    assert client_as(owner).get(customers(), {"colour": "red"}).status_code == 400
    assert client_as(owner).get(customers(), {"max_p_alive": "2"}).status_code == 400
    assert client_as(owner).get(customers(), {"cursor": "not-a-cursor"}).status_code == 400


@pytest.mark.django_db
def test_pages_follow_the_keyset_without_offset_or_count(
    shop: Shop, owner: User, client_as: Callable[[User], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views_customers, "PAGE_SIZE", 10)
    client = client_as(owner)
    seen: list[str] = []
    url: str | None = customers()
    pages = 0
    while url:
        with CaptureQueriesContext(connection) as queries:
            html = client.get(url).content.decode()
        sql = " ".join(q["sql"].upper() for q in queries.captured_queries)
        assert "OFFSET" not in sql
        assert "COUNT(" not in sql
        seen += _names(html)
        pages += 1
        more = re.search(r'<tr id="more-row"><td colspan="\d+"><a class="button" href="([^"]+)"', html)
        url = customers() + more.group(1).replace("&amp;", "&") if more else None
    assert pages == 4  # 35 customers, 10 a page
    assert len(seen) == len(set(seen)) == 35


@pytest.mark.django_db
def test_the_list_costs_the_same_queries_for_8_or_35_rows(
    shop: Shop, owner: User, client_as: Callable[[User], Client]
) -> None:
    client = client_as(owner)
    client.get(customers())  # warm the session
    with CaptureQueriesContext(connection) as few:
        html = client.get(customers(), {"rfm_segment": "at_risk"}).content.decode()
    assert len(_names(html)) == CustomerMetrics.objects.filter(rfm_segment="at_risk").count()
    with CaptureQueriesContext(connection) as many:
        html = client.get(customers()).content.decode()
    assert len(_names(html)) == 35
    # session, user, membership, the page's ids, its rows with their contacts, the last run,
    # the navigation's memberships: 7, whatever the number of rows
    assert len(many.captured_queries) == len(few.captured_queries) <= 8


@pytest.mark.django_db
def test_the_csv_export_holds_exactly_the_filtered_customers_and_is_audited(
    shop: Shop, owner_en: User, client_as: Callable[[User], Client]
) -> None:
    drifting = shop.groups["drifting"][0]
    drifting.full_name = '=HYPERLINK("http://x")'
    drifting.save(update_fields=["full_name"])
    response = client_as(owner_en).get(export(), {"format": "csv", "churn_risk": "lost", "city": "Surabaya"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "no-store"
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    header, rows = lines[0], lines[1:]
    expected = _expected(shop.workspace, churn_risk="lost", contact__city="Surabaya")
    assert {row[0] for row in rows} == {f"'{n}" if n.startswith("=") else n for n in expected}
    assert '\'=HYPERLINK("http://x")' in {row[0] for row in rows}  # guarded, not a formula
    assert "Simple CLV (Rp)" in header
    assert "P(alive)" in header
    entry = AuditLog.objects.get(action=AuditAction.EXPORT, workspace=shop.workspace)
    assert entry.changes["row_count"] == len(rows) == len(expected)
    assert entry.changes["filters"] == {"churn_risk": ["lost"], "city": ["Surabaya"]}
    assert entry.changes["format"] == "csv"


@pytest.mark.django_db
def test_the_xlsx_export_has_the_same_rows(
    shop: Shop, owner_en: User, client_as: Callable[[User], Client]
) -> None:
    response = client_as(owner_en).get(export(), {"format": "xlsx", "min_orders": "12"})
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook.active.iter_rows(values_only=True))
    names = {row[0] for row in rows[1:]}
    assert names == {"Elok Pratiwi"} | shop.names("regular")
    header = list(rows[0])
    elok = next(row for row in rows[1:] if row[0] == "Elok Pratiwi")
    assert Decimal(str(elok[header.index("Simple CLV (Rp)")])) == ELOK_CLV
    assert elok[header.index("Last purchase")].date() == dt.date(2026, 11, 19)


@pytest.mark.django_db
def test_exports_refuse_a_bad_filter_or_format(
    shop: Shop, owner: User, client_as: Callable[[User], Client]
) -> None:
    assert client_as(owner).get(export(), {"format": "pdf"}).status_code == 400
    assert client_as(owner).get(export(), {"format": "csv", "rfm_segment": "best"}).status_code == 400
    assert not AuditLog.objects.filter(action=AuditAction.EXPORT).exists()


@pytest.mark.django_db
def test_agents_cannot_export_and_see_no_export_button(
    shop: Shop, workspace: Workspace, make_member: Callable[..., User], client_as: Callable[[User], Client]
) -> None:
    agent = make_member(workspace, Role.AGENT)
    html = client_as(agent).get(customers()).content.decode()
    assert 'data-testid="export-csv"' not in html
    assert client_as(agent).get(export(), {"format": "csv"}).status_code == 403
    sales = make_member(workspace, Role.SALES)  # sales may export customers
    assert client_as(sales).get(export(), {"format": "csv"}).status_code == 200


@pytest.mark.django_db
def test_another_workspaces_customers_never_show(
    shop: Shop,
    owner: User,
    outsider: User,
    other_workspace: Workspace,
    client_as: Callable[[User], Client],
) -> None:
    theirs = ContactFactory(workspace=other_workspace, full_name="Orang Sebelah", city="Surabaya")
    CustomerMetrics.objects.create(
        workspace=other_workspace, contact=theirs, as_of=shop.as_of, orders=3, rfm_segment="at_risk"
    )
    html = client_as(owner).get(customers(), {"rfm_segment": "at_risk"}).content.decode()
    assert "Orang Sebelah" not in html
    response = client_as(owner).get(export(), {"format": "csv", "city": "Surabaya"})
    assert "Orang Sebelah" not in b"".join(response.streaming_content).decode("utf-8-sig")
    assert client_as(outsider).get(customers()).status_code == 404
    # our contact's panel under their workspace, and theirs under ours: not found
    assert (
        client_as(outsider)
        .get(reverse("analytics:customer_panel", args=["sebelah", shop.elok.pk]))
        .status_code
        == 404
    )
    assert (
        client_as(owner).get(reverse("analytics:customer_panel", args=["hero", theirs.pk])).status_code == 404
    )


@pytest.mark.django_db
def test_save_as_segment_keeps_the_lists_conditions(
    shop: Shop, owner_en: User, client_as: Callable[[User], Client]
) -> None:
    client = client_as(owner_en)
    url = reverse("analytics:segment_save", args=["hero"])
    query = "churn_risk=high&churn_risk=lost&city=Surabaya"
    response = client.post(url, {"name": "Surabaya berisiko", "query": query})
    assert response.status_code == 302
    assert response["Location"] == f"{customers()}?{query}"
    segment = Segment.objects.get(workspace=shop.workspace)
    assert segment.name == "Surabaya berisiko"
    assert segment.filters == {"churn_risk": ["high", "lost"], "city": ["Surabaya"]}
    assert segment.created_by == owner_en
    # the same name again: refused, with the reason
    response = client.post(url, {"name": "Surabaya berisiko", "query": query}, follow=True)
    assert "already exists" in response.content.decode()
    assert Segment.objects.filter(workspace=shop.workspace).count() == 1


@pytest.mark.django_db
def test_viewers_cannot_save_a_segment(
    shop: Shop, workspace: Workspace, make_member: Callable[..., User], client_as: Callable[[User], Client]
) -> None:
    viewer = make_member(workspace, Role.VIEWER)
    html = client_as(viewer).get(customers(), {"rfm_segment": "lost"}).content.decode()
    assert 'data-testid="save-segment"' not in html
    response = client_as(viewer).post(
        reverse("analytics:segment_save", args=["hero"]), {"name": "x", "query": ""}
    )
    assert response.status_code == 403


# The panel on a customer's page ----------------------------------------------------------------


def _percent(share: float) -> str:
    """A share as the panel shows it: a percentage to one decimal, half up."""
    return str((Decimal(str(share)) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def panel(contact_id: int, slug: str = "hero") -> str:
    return reverse("analytics:customer_panel", args=[slug, contact_id])


@pytest.mark.django_db
def test_the_panel_explains_elok_in_english(
    shop: Shop, workspace: Workspace, make_member: Callable[..., User], client_as: Callable[[User], Client]
) -> None:
    admin = make_member(workspace, Role.ADMIN, language="en")
    runs = MetricsRun.objects.count()
    with CaptureQueriesContext(connection) as queries:
        response = client_as(admin).get(panel(shop.elok.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html  # a fragment for htmx
    assert 'data-testid="panel-clv-value">Rp19.800.000<' in html
    assert "Average sale Rp275.000 × 24 purchases a year × 3 years = Rp19.800.000." in html
    assert "Loyal customer" in html
    assert "the rule: at least 3 purchases" in html
    assert "Retention" in html
    assert "Bought on 36 different days" in html
    assert "As of 20 November 2026" in html
    metrics = CustomerMetrics.objects.get(contact=shop.elok)
    assert metrics.p_alive is not None
    assert f'data-testid="panel-p-alive">{_percent(metrics.p_alive)}%' in html
    assert "BG/NBD expects" in html
    assert "(new record) → Retention" in html  # the stage history
    # never a model fit on page load: no refresh, a handful of reads
    assert MetricsRun.objects.count() == runs
    assert not any("INSERT" in q["sql"] and "customermetrics" in q["sql"] for q in queries.captured_queries)


@pytest.mark.django_db
def test_the_panel_uses_decimal_commas_in_indonesian(
    shop: Shop, owner: User, client_as: Callable[[User], Client]
) -> None:
    html = client_as(owner).get(panel(shop.elok.pk)).content.decode()
    metrics = CustomerMetrics.objects.get(contact=shop.elok)
    assert metrics.p_alive is not None
    percent = _percent(metrics.p_alive).replace(".", ",")
    assert f'data-testid="panel-p-alive">{percent}%' in html
    assert "Rp275.000 × 24" in html


@pytest.mark.django_db
def test_the_panel_shows_time_in_the_owners_unit(
    shop: Shop, owner: User, client_as: Callable[[User], Client]
) -> None:
    AnalyticsSettings.objects.filter(workspace=shop.workspace).update(time_unit="weeks")
    html = client_as(owner).get(panel(shop.elok.pk)).content.decode()
    times = html.split('data-testid="panel-times"', 1)[1].split("</div>", 1)[0]
    # first purchase 5 Jun 2025, as of 20 Nov 2026: T = 533 days = 76,1 weeks; the last
    # purchase 1 day ago = 0,1 week; recency 532 days = 76 weeks
    assert "<dd>76,1</dd>" in times
    assert "<dd>0,1</dd>" in times
    assert "<dd>76</dd>" in times


@pytest.mark.django_db
def test_the_panel_has_an_empty_state(
    workspace: Workspace, owner: User, client_as: Callable[[User], Client]
) -> None:
    newcomer = ContactFactory(workspace=workspace, full_name="Baru Datang")
    html = client_as(owner).get(panel(newcomer.pk)).content.decode()
    assert 'data-testid="panel-empty"' in html
    assert 'data-testid="panel-recompute"' not in html  # nothing to score against yet


@pytest.mark.django_db
def test_recompute_one_customer_now(shop: Shop, owner: User, client_as: Callable[[User], Client]) -> None:
    client = client_as(owner)
    newcomer = ContactFactory(workspace=shop.workspace, full_name="Baru Datang")
    html = client.get(panel(newcomer.pk)).content.decode()
    assert 'data-testid="panel-empty"' in html
    assert 'data-testid="panel-recompute"' in html
    url = reverse("analytics:customer_recompute", args=["hero", newcomer.pk])
    response = client.post(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="panel-notice"' in html
    assert 'data-testid="panel-empty"' not in html  # now scored (reach: no purchase yet)
    assert CustomerMetrics.objects.get(contact=newcomer).lifecycle_stage == "reach"
    assert MetricsRun.objects.count() == 1  # no new full run
    # without htmx: back to the customer's page
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("contacts:detail", args=["hero", newcomer.pk])


@pytest.mark.django_db
def test_viewers_read_the_panel_but_cannot_recompute(
    shop: Shop, workspace: Workspace, make_member: Callable[..., User], client_as: Callable[[User], Client]
) -> None:
    viewer = make_member(workspace, Role.VIEWER)
    html = client_as(viewer).get(panel(shop.elok.pk)).content.decode()
    assert "Rp19.800.000" in html
    assert 'data-testid="panel-recompute"' not in html
    url = reverse("analytics:customer_recompute", args=["hero", shop.elok.pk])
    assert client_as(viewer).post(url).status_code == 403


@pytest.mark.django_db
def test_the_contact_page_loads_the_panel(
    shop: Shop, owner: User, client_as: Callable[[User], Client]
) -> None:
    html = client_as(owner).get(reverse("contacts:detail", args=["hero", shop.elok.pk])).content.decode()
    assert f'hx-get="{panel(shop.elok.pk)}" hx-trigger="load"' in html
