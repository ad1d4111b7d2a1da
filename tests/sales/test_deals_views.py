"""Pipeline pages: the board, the deal form with Indonesian money input, moves without
JavaScript, the reason lists, statistics; permissions and workspace isolation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.contacts.models import Contact
from relasi.sales.models import Deal, DealStageChange, LostReason, Quotation
from relasi.sales.services_deals import deal_create
from tests.factories import ContactFactory

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _url(name: str, *args: Any) -> str:
    return reverse(f"sales:{name}", args=["hero", *args])


@pytest.fixture
def deal(workspace: Workspace, owner: User, buyer: Contact) -> Deal:
    return deal_create(
        workspace=workspace,
        actor=owner,
        values={"title": "Parsel Lebaran", "contact_id": buyer.pk, "value": Decimal("12500000")},
    )


def test_board_shows_cards_and_column_totals(
    client_as: Callable[[User], Client], owner: User, deal: Deal
) -> None:
    response = client_as(owner).get(_url("deal_board"), **EN)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Parsel Lebaran" in html
    assert "Budi Santoso" in html
    assert "Rp12.500.000" in html  # the lead column's total and the card
    assert "Rp1.250.000" in html  # weighted: 12.500.000 × 10 %
    assert "<script>" not in html
    assert 'style="' not in html


def test_board_filters_by_owner_and_customer(
    client_as: Callable[[User], Client],
    owner: User,
    workspace: Workspace,
    deal: Deal,
    make_member: Callable[..., User],
) -> None:
    sales = make_member(workspace, Role.SALES)
    other = ContactFactory(workspace=workspace, full_name="Siti Aminah")
    deal_create(
        workspace=workspace,
        actor=sales,
        values={"title": "Souvenir kantor", "contact_id": other.pk, "value": Decimal("1000000")},
    )
    client = client_as(sales)

    mine = client.get(_url("deal_board"), {"owner": "me"}, **EN).content.decode()
    by_customer = client.get(_url("deal_board"), {"contact": deal.contact_id}, **EN).content.decode()

    assert "Souvenir kantor" in mine
    assert "Parsel Lebaran" not in mine
    assert "Parsel Lebaran" in by_customer
    assert "Souvenir kantor" not in by_customer


def test_create_with_indonesian_money(
    client_as: Callable[[User], Client], owner: User, buyer: Contact
) -> None:
    response = client_as(owner).post(
        _url("deal_create"),
        {"title": "Seragam 100 pcs", "contact_id": buyer.pk, "value": "1.250.000,50", "owner_id": owner.pk},
        **EN,
    )

    assert response.status_code == 302
    deal = Deal.objects.get()
    assert (deal.value, deal.probability, deal.stage) == (Decimal("1250000.50"), 10, "lead")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("value", "1,250.000", "1.250.000"),
        ("probability", "150", "0 sampai 100"),
    ],
)
def test_create_with_bad_input_names_the_field(
    client_as: Callable[[User], Client], owner: User, buyer: Contact, field: str, value: str, message: str
) -> None:
    data = {"title": "Seragam", "contact_id": buyer.pk, "value": "1.000.000", "owner_id": owner.pk}
    data[field] = value

    response = client_as(owner).post(_url("deal_create"), data, **EN)

    assert response.status_code == 400
    assert message in str(response.context["form"].errors[field])
    assert not Deal.objects.exists()


def test_another_workspaces_customer_or_owner_is_a_field_error(
    client_as: Callable[[User], Client], owner: User, other_workspace: Workspace, outsider: User
) -> None:
    foreign = ContactFactory(workspace=other_workspace)

    response = client_as(owner).post(
        _url("deal_create"),
        {"title": "X", "contact_id": foreign.pk, "value": "1.000", "owner_id": outsider.pk},
        **EN,
    )

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "contact_id" in errors
    assert "owner_id" in errors
    assert not Deal.objects.exists()


def test_move_with_the_cards_select(client_as: Callable[[User], Client], owner: User, deal: Deal) -> None:
    response = client_as(owner).post(
        _url("deal_move", deal.pk), {"stage": "proposal", "next": _url("deal_board")}, **EN
    )

    assert response.status_code == 302
    assert response["Location"] == _url("deal_board")
    deal.refresh_from_db()
    assert (deal.stage, deal.probability) == ("proposal", 50)


def test_move_from_script_answers_204(client_as: Callable[[User], Client], owner: User, deal: Deal) -> None:
    response = client_as(owner).post(
        _url("deal_move", deal.pk), {"stage": "qualified"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 204
    deal.refresh_from_db()
    assert deal.stage == "qualified"


def test_move_to_lost_without_reason_shows_the_reason_field(
    client_as: Callable[[User], Client], owner: User, deal: Deal
) -> None:
    client = client_as(owner)
    LostReason.objects.create(workspace=deal.workspace, name="Harga terlalu mahal")

    response = client.post(_url("deal_move", deal.pk), {"stage": "lost"}, **EN)

    assert response.status_code == 400
    assert "Tulis alasan peluang ini kalah" in str(response.context["form"].errors["reason"])
    assert "Harga terlalu mahal" in response.content.decode()  # the lost list is offered
    deal.refresh_from_db()
    assert deal.stage == "lead"

    # and with a reason picked from the list it is moved
    reason = LostReason.objects.get()
    response = client.post(_url("deal_move", deal.pk), {"stage": "lost", "reason": reason.pk}, **EN)
    assert response.status_code == 302
    deal.refresh_from_db()
    assert (deal.stage, deal.close_reason_id) == ("lost", reason.pk)


def test_move_refuses_an_outside_next_url(
    client_as: Callable[[User], Client], owner: User, deal: Deal
) -> None:
    response = client_as(owner).post(
        _url("deal_move", deal.pk), {"stage": "qualified", "next": "https://evil.example/"}, **EN
    )
    assert response["Location"] == _url("deal_board")


def test_viewer_sees_the_board_but_cannot_move(
    client_as: Callable[[User], Client], workspace: Workspace, deal: Deal, make_member: Callable[..., User]
) -> None:
    viewer = make_member(workspace, Role.VIEWER)
    client = client_as(viewer)

    board = client.get(_url("deal_board"), **EN)
    moved = client.post(_url("deal_move", deal.pk), {"stage": "won"}, **EN)
    created = client.post(_url("deal_create"), {"title": "X"}, **EN)

    assert board.status_code == 200
    assert _url("deal_move", deal.pk) not in board.content.decode()  # no move control offered
    assert (moved.status_code, created.status_code) == (403, 403)
    deal.refresh_from_db()
    assert deal.stage == "lead"
    assert DealStageChange.objects.count() == 1


def test_other_workspaces_deal_is_404(
    client_as: Callable[[User], Client], outsider: User, deal: Deal, other_workspace: Workspace
) -> None:
    client = client_as(outsider)
    for name in ("deal_detail", "deal_edit", "deal_move", "deal_delete"):
        url = reverse(f"sales:{name}", args=["sebelah", deal.pk])
        assert client.get(url).status_code == 404, name
    assert (
        client.post(reverse("sales:deal_move", args=["sebelah", deal.pk]), {"stage": "won"}).status_code
        == 404
    )
    deal.refresh_from_db()
    assert deal.stage == "lead"


def test_detail_shows_history_and_links_a_new_quotation(
    client_as: Callable[[User], Client], owner: User, deal: Deal
) -> None:
    Quotation.objects.create(
        workspace=deal.workspace,
        contact=deal.contact,
        buyer_name="Budi Santoso",
        number="PI/2025/0007",
        valid_until=dt.date(2025, 12, 31),
        public_token="tok-detail",
        deal=deal,
        grand_total=Decimal("12500000"),
    )

    response = client_as(owner).get(_url("deal_detail", deal.pk), **EN)

    html = response.content.decode()
    assert response.status_code == 200
    assert "PI/2025/0007" in html
    assert "Dibuat di tahap Prospek" in html
    try:
        create_url = reverse("sales:quotation_create", args=["hero"])
    except Exception:  # the quotations area is not wired in: no dead button
        assert 'data-testid="new-quotation"' not in html
    else:
        assert f"{create_url}?deal={deal.pk}&amp;contact={deal.contact_id}" in html


def test_edit_shows_the_value_the_indonesian_way_and_saves(
    client_as: Callable[[User], Client], owner: User, deal: Deal
) -> None:
    client = client_as(owner)

    page = client.get(_url("deal_edit", deal.pk), **EN)
    assert 'value="12.500.000"' in page.content.decode()

    response = client.post(
        _url("deal_edit", deal.pk),
        {
            "title": "Parsel Lebaran 60",
            "contact_id": deal.contact_id,
            "value": "15.000.000",
            "probability": "20",
        },
        **EN,
    )
    assert response.status_code == 302
    deal.refresh_from_db()
    assert (deal.title, deal.value, deal.probability) == ("Parsel Lebaran 60", Decimal("15000000.00"), 20)


def test_delete(client_as: Callable[[User], Client], owner: User, deal: Deal) -> None:
    client = client_as(owner)
    assert client.get(_url("deal_delete", deal.pk)).status_code == 200
    assert client.post(_url("deal_delete", deal.pk)).status_code == 302
    assert not Deal.objects.exists()


def test_reason_lists_page(client_as: Callable[[User], Client], owner: User, workspace: Workspace) -> None:
    client = client_as(owner)

    added = client.post(_url("deal_reasons"), {"name": "Harga cocok", "for_won": "1"}, **EN)
    empty = client.post(_url("deal_reasons"), {"name": " ", "for_won": "0"}, **EN)

    assert added.status_code == 302
    assert LostReason.objects.get().for_won is True
    assert empty.status_code == 400
    assert "name" in empty.context["form"].errors
    reason = LostReason.objects.get()
    assert client.post(_url("deal_reasons"), {"delete": reason.pk}).status_code == 302
    assert not LostReason.objects.exists()


def test_stats_page(client_as: Callable[[User], Client], owner: User, deal: Deal) -> None:
    response = client_as(owner).get(_url("pipeline_stats"), {"from": "2020-01-01", "to": "2030-12-31"}, **EN)

    assert response.status_code == 200
    assert response.context["stats"].conversions[0].entered == 1
    bad = client_as(owner).get(_url("pipeline_stats"), {"from": "31-31-2020"}, **EN)
    assert bad.status_code == 200  # falls back to the last 90 days with a message
