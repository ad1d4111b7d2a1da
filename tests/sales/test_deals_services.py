"""Deal services against the pipeline's rules: creation, moves (history, time in stage,
probability, closing, reasons), deletion, and the board's totals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.contacts.models import Contact
from relasi.core.exceptions import Conflict, ValidationError
from relasi.sales import selectors_deals
from relasi.sales.models import Deal, DealStageChange, LostReason, Quotation
from relasi.sales.services_deals import (
    deal_create,
    deal_delete,
    deal_move,
    deal_reason_create,
    deal_reason_delete,
    deal_update,
)
from tests.factories import ContactFactory

START = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)


def _deal(workspace: Workspace, owner: User, buyer: Contact, **values: object) -> Deal:
    data: dict[str, object] = {
        "title": "Parsel Lebaran 50 paket",
        "contact_id": buyer.pk,
        "value": Decimal("50000000"),
    }
    data.update(values)
    return deal_create(workspace=workspace, actor=owner, values=data)


def test_create_takes_the_stage_default_probability_and_records_the_entry(
    workspace: Workspace, owner: User, buyer: Contact
) -> None:
    # when
    deal = _deal(workspace, owner, buyer)

    # then: lead → 10 %, owner defaults to the actor, entry recorded from the empty stage
    assert (deal.stage, deal.probability, deal.owner_id) == ("lead", 10, owner.pk)
    change = DealStageChange.objects.get(deal=deal)
    assert (change.from_stage, change.to_stage, change.seconds_in_previous) == ("", "lead", 0)


def test_create_in_proposal_starts_at_50_percent(workspace: Workspace, owner: User, buyer: Contact) -> None:
    deal = _deal(workspace, owner, buyer, stage="proposal")
    assert (deal.stage, deal.probability) == ("proposal", 50)


def test_create_reports_every_bad_field_and_writes_nothing(
    workspace: Workspace, owner: User, other_workspace: Workspace, outsider: User
) -> None:
    # given: a customer and a member of another workspace
    foreign = ContactFactory(workspace=other_workspace)

    # when
    with pytest.raises(ValidationError) as caught:
        deal_create(
            workspace=workspace,
            actor=owner,
            values={
                "title": "",
                "contact_id": foreign.pk,
                "value": "1,250.000",
                "probability": 150,
                "owner_id": outsider.pk,
            },
        )

    # then
    assert set(caught.value.fields) == {"title", "contact_id", "value", "probability", "owner_id"}
    assert "0 to 100" in str(caught.value.fields["probability"])
    assert Deal.objects.count() == 0
    assert DealStageChange.objects.count() == 0


def test_negative_value_is_refused(workspace: Workspace, owner: User, buyer: Contact) -> None:
    with pytest.raises(ValidationError) as caught:
        _deal(workspace, owner, buyer, value=Decimal("-1"))
    assert "value" in caught.value.fields


def test_update_changes_fields_but_never_the_stage(workspace: Workspace, owner: User, buyer: Contact) -> None:
    deal = _deal(workspace, owner, buyer)

    deal_update(deal=deal, actor=owner, values={"value": Decimal("75000000"), "probability": 30})
    deal.refresh_from_db()
    assert (deal.value, deal.probability) == (Decimal("75000000.00"), 30)

    with pytest.raises(ValidationError) as caught:
        deal_update(deal=deal, actor=owner, values={"stage": "won"})
    assert "stage" in caught.value.fields
    deal.refresh_from_db()
    assert deal.stage == "lead"


def test_move_records_the_time_spent_and_sets_the_new_stage_default(
    workspace: Workspace, owner: User, buyer: Contact
) -> None:
    # given: a lead created on Monday
    with time_machine.travel(START, tick=False):
        deal = _deal(workspace, owner, buyer)

    # when: qualified three days later
    with time_machine.travel(START + dt.timedelta(days=3), tick=False):
        deal = deal_move(deal=deal, stage="qualified", actor=owner)

    # then
    change = DealStageChange.objects.filter(deal=deal).last()
    assert change is not None
    assert (change.from_stage, change.to_stage) == ("lead", "qualified")
    assert change.seconds_in_previous == 3 * 86400
    assert deal.stage_entered_at == START + dt.timedelta(days=3)
    assert deal.probability == 25


def test_move_keeps_a_probability_the_user_changed(workspace: Workspace, owner: User, buyer: Contact) -> None:
    # given: the salesperson judged the lead at 40 % instead of the usual 10 %
    deal = _deal(workspace, owner, buyer, probability=40)

    # when
    deal = deal_move(deal=deal, stage="qualified", actor=owner)

    # then
    assert deal.probability == 40


def test_moving_to_lost_without_a_reason_names_reason_and_writes_nothing(
    workspace: Workspace, owner: User, buyer: Contact
) -> None:
    deal = _deal(workspace, owner, buyer)

    with pytest.raises(ValidationError) as caught:
        deal_move(deal=deal, stage="lost", actor=owner)

    assert list(caught.value.fields) == ["reason"]
    deal.refresh_from_db()
    assert (deal.stage, deal.closed_at) == ("lead", None)
    assert DealStageChange.objects.filter(deal=deal).count() == 1


def test_lost_with_a_new_reason_closes_the_deal_and_adds_the_reason_to_the_list(
    workspace: Workspace, owner: User, buyer: Contact
) -> None:
    deal = _deal(workspace, owner, buyer)

    with time_machine.travel(START, tick=False):
        deal = deal_move(
            deal=deal, stage="lost", actor=owner, reason="Harga terlalu mahal", note="Pilih pesaing"
        )

    reason = LostReason.objects.get(workspace=workspace, for_won=False)
    assert reason.name == "Harga terlalu mahal"
    assert (deal.stage, deal.probability, deal.closed_at) == ("lost", 0, START)
    assert (deal.close_reason_id, deal.close_note) == (reason.pk, "Pilih pesaing")


def test_a_reason_of_the_other_list_or_workspace_is_refused(
    workspace: Workspace, other_workspace: Workspace, owner: User, buyer: Contact
) -> None:
    deal = _deal(workspace, owner, buyer)
    won_reason = LostReason.objects.create(workspace=workspace, name="Harga cocok", for_won=True)
    foreign = LostReason.objects.create(workspace=other_workspace, name="Mahal", for_won=False)

    for reason in (won_reason.pk, foreign.pk):
        with pytest.raises(ValidationError) as caught:
            deal_move(deal=deal, stage="lost", actor=owner, reason=reason)
        assert "reason" in caught.value.fields
    deal.refresh_from_db()
    assert deal.stage == "lead"


def test_won_without_reason_then_reopened_clears_the_close(
    workspace: Workspace, owner: User, buyer: Contact
) -> None:
    deal = _deal(workspace, owner, buyer)

    deal = deal_move(deal=deal, stage="won", actor=owner)
    assert (deal.probability, deal.closed_at is not None, deal.close_reason_id) == (100, True, None)

    deal = deal_move(deal=deal, stage="negotiation", actor=owner)
    assert (deal.stage, deal.probability, deal.closed_at) == ("negotiation", 75, None)


def test_moving_to_the_same_stage_records_nothing(workspace: Workspace, owner: User, buyer: Contact) -> None:
    deal = _deal(workspace, owner, buyer)
    deal_move(deal=deal, stage="lead", actor=owner)
    assert DealStageChange.objects.filter(deal=deal).count() == 1


def test_unknown_stage_is_refused(workspace: Workspace, owner: User, buyer: Contact) -> None:
    deal = _deal(workspace, owner, buyer)
    with pytest.raises(ValidationError) as caught:
        deal_move(deal=deal, stage="closed", actor=owner)
    assert "stage" in caught.value.fields


def test_a_deal_with_a_quotation_cannot_be_deleted(workspace: Workspace, owner: User, buyer: Contact) -> None:
    deal = _deal(workspace, owner, buyer)
    Quotation.objects.create(
        workspace=workspace,
        contact=buyer,
        buyer_name=buyer.full_name,
        number="PI/2025/0001",
        valid_until=dt.date(2025, 12, 31),
        public_token="tok-deal-delete",
        deal=deal,
    )

    with pytest.raises(Conflict):
        deal_delete(deal=deal, actor=owner)
    assert Deal.objects.filter(pk=deal.pk).exists()


def test_a_deal_without_quotations_is_deleted_with_its_history(
    workspace: Workspace, owner: User, buyer: Contact
) -> None:
    deal = _deal(workspace, owner, buyer)
    deal_delete(deal=deal, actor=owner)
    assert not Deal.objects.exists()
    assert not DealStageChange.objects.exists()


def test_reason_lists(workspace: Workspace, owner: User, buyer: Contact) -> None:
    reason = deal_reason_create(workspace=workspace, name="Harga terlalu mahal", for_won=False)
    with pytest.raises(ValidationError) as caught:
        deal_reason_create(workspace=workspace, name="harga terlalu mahal", for_won=False)
    assert "name" in caught.value.fields
    # the same name may be on the other list
    deal_reason_create(workspace=workspace, name="Harga terlalu mahal", for_won=True)

    deal = _deal(workspace, owner, buyer)
    deal_move(deal=deal, stage="lost", actor=owner, reason=reason.pk)
    with pytest.raises(Conflict):
        deal_reason_delete(reason=reason)
    unused = deal_reason_create(workspace=workspace, name="Tidak ada anggaran", for_won=False)
    deal_reason_delete(reason=unused)
    assert not LostReason.objects.filter(pk=unused.pk).exists()


def test_board_columns_total_and_weighted_value(
    workspace: Workspace, owner: User, buyer: Contact, make_member: Callable[..., User]
) -> None:
    # given: two proposals of Rp10.000.000 (50 %) and Rp3.000.000 at 30 %, one lead of Rp1.000.000
    sales = make_member(workspace, Role.SALES)
    _deal(workspace, owner, buyer, value=Decimal("10000000"), stage="proposal")
    _deal(
        workspace, owner, buyer, value=Decimal("3000000"), stage="proposal", probability=30, owner_id=sales.pk
    )
    _deal(workspace, owner, buyer, value=Decimal("1000000"))

    # when
    columns = {c.stage: c for c in selectors_deals.deal_board(workspace=workspace)}

    # then: total 13.000.000; weighted 10.000.000 × 50 % + 3.000.000 × 30 % = 5.900.000
    assert [c.stage for c in selectors_deals.deal_board(workspace=workspace)] == [
        "lead",
        "qualified",
        "proposal",
        "negotiation",
        "won",
        "lost",
    ]
    assert (columns["proposal"].count, columns["proposal"].total) == (2, Decimal("13000000.00"))
    assert columns["proposal"].weighted == Decimal("5900000.00")
    assert (columns["lead"].total, columns["lead"].weighted) == (Decimal("1000000.00"), Decimal("100000.00"))
    assert columns["won"].count == 0

    # and the "mine" filter keeps only the member's deals
    mine = {c.stage: c for c in selectors_deals.deal_board(workspace=workspace, owner_id=sales.pk)}
    assert (mine["proposal"].count, mine["proposal"].total, mine["lead"].count) == (
        1,
        Decimal("3000000.00"),
        0,
    )


def test_board_limit_keeps_the_totals_over_every_deal(
    workspace: Workspace, owner: User, buyer: Contact
) -> None:
    for _ in range(3):
        _deal(workspace, owner, buyer, value=Decimal("1000"))

    lead = selectors_deals.deal_board(workspace=workspace, limit=2)[0]

    assert (len(lead.deals), lead.count, lead.more, lead.total) == (2, 3, 1, Decimal("3000.00"))


def test_next_activity_is_the_earliest_open_one(workspace: Workspace, owner: User, buyer: Contact) -> None:
    from relasi.sales.models import Activity

    deal = _deal(workspace, owner, buyer)
    now = timezone.now()
    Activity.objects.create(
        workspace=workspace, kind="call", subject="Sudah", deal=deal, owner=owner, due_at=now, done_at=now
    )
    Activity.objects.create(
        workspace=workspace,
        kind="meeting",
        subject="Nanti",
        deal=deal,
        owner=owner,
        due_at=now + dt.timedelta(days=5),
    )
    Activity.objects.create(
        workspace=workspace,
        kind="call",
        subject="Besok",
        deal=deal,
        owner=owner,
        due_at=now + dt.timedelta(days=1),
    )

    found = selectors_deals.deal_get(workspace=workspace, deal_id=deal.pk)

    assert found is not None
    assert found.next_activity_subject == "Besok"  # type: ignore[attr-defined]
