"""Pipeline statistics against numbers worked out by hand from a known set of deals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import time_machine

from relasi.accounts.models import User, Workspace
from relasi.contacts.models import Contact
from relasi.sales.models import Deal
from relasi.sales.pipeline_stats import pipeline_stats
from relasi.sales.services_deals import deal_create, deal_move
from tests.factories import ContactFactory

# Monday 3 March 2025, 09.00 WIB
T0 = dt.datetime(2025, 3, 3, 2, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
MARCH = (dt.date(2025, 3, 1), dt.date(2025, 3, 31))


@contextmanager
def at(moment: dt.datetime) -> Iterator[None]:
    with time_machine.travel(moment, tick=False):
        yield


def _new(
    workspace: Workspace, owner: User, buyer: Contact, when: dt.datetime, value: str = "1000000", **kw: Any
) -> Deal:
    with at(when):
        return deal_create(
            workspace=workspace,
            actor=owner,
            values={"title": "Deal", "contact_id": buyer.pk, "value": Decimal(value), **kw},
        )


def _move(deal: Deal, stage: str, when: dt.datetime, owner: User, reason: str | None = None) -> Deal:
    with at(when):
        return deal_move(deal=deal, stage=stage, actor=owner, reason=reason)


def test_average_days_per_stage(workspace: Workspace, owner: User, buyer: Contact) -> None:
    # given: a deal that spent 3 days in lead and 2 days in qualified
    deal = _new(workspace, owner, buyer, T0)
    deal = _move(deal, "qualified", T0 + 3 * DAY, owner)
    _move(deal, "proposal", T0 + 5 * DAY, owner)

    # when
    stats = pipeline_stats(workspace=workspace, date_from=MARCH[0], date_to=MARCH[1])

    # then
    days = {t.stage: t.average_days for t in stats.stage_times}
    assert days == {
        "lead": Decimal("3.0"),
        "qualified": Decimal("2.0"),
        "proposal": None,
        "negotiation": None,
    }


def test_average_is_the_mean_over_deals(workspace: Workspace, owner: User, buyer: Contact) -> None:
    # given: two leads qualified after 1 day and after 4 days → mean 2.5 days
    first = _new(workspace, owner, buyer, T0)
    second = _new(workspace, owner, buyer, T0)
    _move(first, "qualified", T0 + 1 * DAY, owner)
    _move(second, "qualified", T0 + 4 * DAY, owner)

    stats = pipeline_stats(workspace=workspace, date_from=MARCH[0], date_to=MARCH[1])

    lead = next(t for t in stats.stage_times if t.stage == "lead")
    assert (lead.moves, lead.average_days) == (2, Decimal("2.5"))


def test_conversion_win_rate_and_reasons_by_hand(
    workspace: Workspace, other_workspace: Workspace, owner: User, outsider: User, buyer: Contact
) -> None:
    # given, all in March:
    #   D1 lead → qualified → proposal → won      D2 lead → qualified → lost (Harga)
    #   D3 lead → lost (Harga)                    D4 lead, still open
    #   D5 created in qualified → negotiation (skips proposal)
    d1 = _new(workspace, owner, buyer, T0, value="10000000")
    d1 = _move(d1, "qualified", T0 + DAY, owner)
    d1 = _move(d1, "proposal", T0 + 2 * DAY, owner)
    _move(d1, "won", T0 + 3 * DAY, owner)
    d2 = _new(workspace, owner, buyer, T0)
    d2 = _move(d2, "qualified", T0 + DAY, owner)
    _move(d2, "lost", T0 + 2 * DAY, owner, reason="Harga")
    d3 = _new(workspace, owner, buyer, T0)
    _move(d3, "lost", T0 + DAY, owner, reason="harga")  # the same reason, matched case-insensitively
    _new(workspace, owner, buyer, T0)
    d5 = _new(workspace, owner, buyer, T0, stage="qualified")
    _move(d5, "negotiation", T0 + DAY, owner)
    # and noise that must not count: a deal of February, another workspace's won deal
    old = _new(workspace, owner, buyer, T0 - 30 * DAY)
    _move(old, "won", T0 - 29 * DAY, owner)
    foreign = _new(other_workspace, outsider, ContactFactory(workspace=other_workspace), T0)
    _move(foreign, "won", T0 + DAY, outsider)

    # when
    stats = pipeline_stats(workspace=workspace, date_from=MARCH[0], date_to=MARCH[1])

    # then
    # lead: entered D1–D4 (4), moved on D1, D2 (2) → 50 %
    # qualified: entered D1, D2, D5 (3), moved on D1 (proposal), D5 (negotiation) → 66,7 %
    # proposal: entered D1, moved on to won → 100 %; negotiation: D5 entered, still there → 0 %
    conversion = {c.stage: (c.entered, c.advanced, c.rate) for c in stats.conversions}
    assert conversion == {
        "lead": (4, 2, Decimal("50.0")),
        "qualified": (3, 2, Decimal("66.7")),
        "proposal": (1, 1, Decimal("100.0")),
        "negotiation": (1, 0, Decimal("0.0")),
    }
    # win rate: 1 won / (1 won + 2 lost) = 33,3 %
    assert (stats.won, stats.lost, stats.win_rate) == (1, 2, Decimal("33.3"))
    assert stats.won_value == Decimal("10000000.00")
    assert [(r.name, r.count) for r in stats.lost_reasons] == [("Harga", 2)]
    assert [(r.name, r.count) for r in stats.won_reasons] == [("", 1)]


def test_empty_period_has_no_rates(workspace: Workspace) -> None:
    stats = pipeline_stats(workspace=workspace, date_from=MARCH[0], date_to=MARCH[1])
    assert stats.win_rate is None
    assert all(c.rate is None for c in stats.conversions)
    assert stats.won_value == Decimal("0.00")


def test_period_boundaries_follow_the_workspace_time_zone(
    workspace: Workspace, owner: User, buyer: Contact, make_member: Callable[..., User]
) -> None:
    # given: won at 1 April 00.30 WIB (= 31 March 17.30 UTC)
    deal = _new(workspace, owner, buyer, T0)
    _move(deal, "won", dt.datetime(2025, 3, 31, 17, 30, tzinfo=dt.UTC), owner)

    march = pipeline_stats(workspace=workspace, date_from=MARCH[0], date_to=MARCH[1])
    april = pipeline_stats(workspace=workspace, date_from=dt.date(2025, 4, 1), date_to=dt.date(2025, 4, 30))

    assert (march.won, april.won) == (0, 1)
