"""Office hours (split shifts, holidays, time zones), greeting and away messages, and the
settings page. Expected values come from the rules: Asia/Jakarta = UTC+7, Asia/Makassar =
UTC+8; 17 Agustus 2026 is a Monday and Hari Kemerdekaan (SKB 3 Menteri 2026)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from relasi.accounts.enums import Role, TimeZone
from relasi.accounts.models import User, Workspace
from relasi.conversations import office_hours
from relasi.conversations.automations import conversation_greet_or_away
from relasi.conversations.enums import MessageDirection, MessageKind
from relasi.conversations.models import Holiday, Inbox, Message, OfficeHours
from relasi.conversations.services_inbound import message_receive
from relasi.core.exceptions import ValidationError
from tests.conversations import make_conversation, make_inbox

pytestmark = pytest.mark.django_db
WIB = ZoneInfo("Asia/Jakarta")
EN = {"Accept-Language": "en"}
BASE = "/w/hero/pengaturan/jam-kerja/"


def _t(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


def _split_shift(inbox: Inbox, days: range = range(5)) -> None:
    for day in days:
        OfficeHours.objects.create(inbox=inbox, weekday=day, opens=_t("08:00"), closes=_t("12:00"))
        OfficeHours.objects.create(inbox=inbox, weekday=day, opens=_t("13:00"), closes=_t("17:00"))


def _wib(y: int, m: int, d: int, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=WIB)


def _outbound(conversation_id: int) -> list[Message]:
    return list(
        Message.objects.filter(
            conversation_id=conversation_id, direction=MessageDirection.OUTBOUND, kind=MessageKind.TEXT
        ).order_by("id")
    )


# Rules ---------------------------------------------------------------------------------------


def test_split_shift_open_closed_open(workspace: Workspace) -> None:
    inbox = make_inbox(workspace)
    _split_shift(inbox)
    # Monday 10 August 2026
    assert office_hours.inbox_is_open(inbox=inbox, at=_wib(2026, 8, 10, 11, 59))
    assert not office_hours.inbox_is_open(inbox=inbox, at=_wib(2026, 8, 10, 12, 30))
    assert office_hours.inbox_is_open(inbox=inbox, at=_wib(2026, 8, 10, 13, 0))
    assert not office_hours.inbox_is_open(inbox=inbox, at=_wib(2026, 8, 10, 17, 0))
    # the same moment given in UTC: 04:59 UTC = 11:59 WIB
    assert office_hours.inbox_is_open(inbox=inbox, at=dt.datetime(2026, 8, 10, 4, 59, tzinfo=dt.UTC))


def test_closed_on_independence_day_even_inside_hours(workspace: Workspace) -> None:
    inbox = make_inbox(workspace)
    _split_shift(inbox)
    assert office_hours.holidays_seed(workspace=workspace, year=2026) == 25  # 17 + 8 (SKB)
    assert Holiday.objects.get(workspace=workspace, date=dt.date(2026, 8, 17)).kind == "national"
    assert dt.date(2026, 8, 17).weekday() == 0
    assert not office_hours.inbox_is_open(inbox=inbox, at=_wib(2026, 8, 17, 9, 0))
    assert office_hours.inbox_is_open(inbox=inbox, at=_wib(2026, 8, 18, 9, 0))


def test_holidays_seed_is_idempotent_and_keeps_edits(
    workspace: Workspace, other_workspace: Workspace
) -> None:
    office_hours.holidays_seed(workspace=workspace, year=2026)
    Holiday.objects.filter(workspace=workspace, date=dt.date(2026, 12, 24)).update(is_closed=False)
    assert office_hours.holidays_seed(workspace=workspace, year=2026) == 0
    assert Holiday.objects.filter(workspace=workspace).count() == 25
    assert not Holiday.objects.get(workspace=workspace, date=dt.date(2026, 12, 24)).is_closed
    assert not Holiday.objects.filter(workspace=other_workspace).exists()
    assert office_hours.holidays_seed(workspace=workspace, year=2027) > 0
    with pytest.raises(ValidationError):
        office_hours.holidays_seed(workspace=workspace, year=2031)


def test_wita_workspace_reads_hours_in_wita(workspace: Workspace) -> None:
    workspace.timezone = TimeZone.WITA
    workspace.save()
    inbox = make_inbox(workspace)
    _split_shift(inbox)
    # 08.00 WITA = 07.00 WIB: open; 07.30 WIB = 08.30 WITA: open; 06.59 WIB = 07.59 WITA: closed
    assert office_hours.inbox_is_open(inbox=inbox, at=_wib(2026, 8, 10, 7, 0))
    assert not office_hours.inbox_is_open(inbox=inbox, at=_wib(2026, 8, 10, 6, 59))
    # 16.30 WIB = 17.30 WITA: closed although inside WIB hours
    assert not office_hours.inbox_is_open(inbox=inbox, at=_wib(2026, 8, 10, 16, 30))


def test_no_intervals_means_always_open(workspace: Workspace) -> None:
    inbox = make_inbox(workspace)
    office_hours.holidays_seed(workspace=workspace, year=2026)
    assert office_hours.inbox_is_open(inbox=inbox, at=_wib(2026, 8, 9, 3, 0))  # Sunday night
    assert office_hours.next_opening(inbox=inbox, at=_wib(2026, 8, 9, 3, 0)) is None


def test_next_opening_across_weekend_and_holiday(workspace: Workspace) -> None:
    inbox = make_inbox(workspace)
    _split_shift(inbox)
    office_hours.holidays_seed(workspace=workspace, year=2026)
    # Friday 14 Aug 2026 17.30 → Saturday, Sunday closed, Monday 17 Aug holiday → Tuesday 08.00
    opens = office_hours.next_opening(inbox=inbox, at=_wib(2026, 8, 14, 17, 30))
    assert opens == _wib(2026, 8, 18, 8, 0)
    # Lunch break → 13.00 the same day; open now → now
    assert office_hours.next_opening(inbox=inbox, at=_wib(2026, 8, 18, 12, 15)) == _wib(2026, 8, 18, 13, 0)
    assert office_hours.next_opening(inbox=inbox, at=_wib(2026, 8, 18, 9, 0)) == _wib(2026, 8, 18, 9, 0)
    assert office_hours.opening_text(moment=_wib(2026, 8, 18, 8, 0), at=_wib(2026, 8, 14, 17, 30)) == (
        "Selasa, 08.00"
    )


def test_invalid_intervals_are_refused_and_nothing_written(owner: User, workspace: Workspace) -> None:
    inbox = make_inbox(workspace)
    _split_shift(inbox, range(1))
    for bad in [
        [(0, _t("12:00"), _t("08:00"))],
        [(0, _t("08:00"), _t("12:00")), (0, _t("11:00"), _t("17:00"))],
    ]:
        with pytest.raises(ValidationError) as error:
            office_hours.inbox_hours_update(
                inbox=inbox, actor=owner, intervals=bad, greeting_message="x", away_message="y"
            )
        assert "day_0" in error.value.fields
    assert OfficeHours.objects.filter(inbox=inbox).count() == 2
    inbox.refresh_from_db()
    assert inbox.greeting_message == ""


# Greeting and away ---------------------------------------------------------------------------


def test_greeting_once_for_a_new_conversation(workspace: Workspace) -> None:
    inbox = make_inbox(workspace, greeting_message="Halo {{first_name}}, ada yang bisa kami bantu?")
    conversation = make_conversation(inbox)
    conversation.contact.full_name = "Budi Santoso"
    conversation.contact.save()
    now = timezone.now()
    message_receive(
        inbox=inbox,
        conversation=conversation,
        external_id="wamid.1",
        kind="text",
        body="Halo",
        payload={},
        sent_at=now,
    )
    message_receive(
        inbox=inbox,
        conversation=conversation,
        external_id="wamid.2",
        kind="text",
        body="?",
        payload={},
        sent_at=now,
    )
    sent = _outbound(conversation.pk)
    assert [m.body for m in sent] == ["Halo Budi, ada yang bisa kami bantu?"]
    assert sent[0].sender is None


def test_away_message_when_closed_once_per_closed_period(workspace: Workspace) -> None:
    inbox = make_inbox(workspace, away_message="Kami buka lagi {{next_opening}}.")
    _split_shift(inbox)
    office_hours.holidays_seed(workspace=workspace, year=2026)
    conversation = make_conversation(inbox)
    friday_evening = _wib(2026, 8, 14, 18, 0)
    assert [
        m.body for m in conversation_greet_or_away(conversation=conversation, inbound_at=friday_evening)
    ] == ["Kami buka lagi Selasa, 08.00."]
    # Saturday: the same closed period → nothing new
    assert conversation_greet_or_away(conversation=conversation, inbound_at=_wib(2026, 8, 15, 10, 0)) == []
    # open on Tuesday → nothing
    assert conversation_greet_or_away(conversation=conversation, inbound_at=_wib(2026, 8, 18, 9, 0)) == []
    # Tuesday lunch break is a new closed period
    lunch = conversation_greet_or_away(conversation=conversation, inbound_at=_wib(2026, 8, 18, 12, 10))
    assert [m.body for m in lunch] == ["Kami buka lagi Selasa, 13.00."]
    assert len(_outbound(conversation.pk)) == 2


def test_no_away_message_when_open(workspace: Workspace) -> None:
    inbox = make_inbox(workspace, away_message="Tutup")
    _split_shift(inbox)
    conversation = make_conversation(inbox)
    assert conversation_greet_or_away(conversation=conversation, inbound_at=_wib(2026, 8, 10, 9, 0)) == []
    assert _outbound(conversation.pk) == []


def test_redelivered_message_sends_nothing_twice(workspace: Workspace) -> None:
    inbox = make_inbox(workspace, greeting_message="Halo!", away_message="Kami sedang libur.")
    _split_shift(inbox)
    now = timezone.now()
    Holiday.objects.create(workspace=workspace, date=now.astimezone(WIB).date(), name="Libur", kind="custom")
    conversation = make_conversation(inbox)
    for _ in range(2):
        message_receive(
            inbox=inbox,
            conversation=conversation,
            external_id="wamid.X",
            kind="text",
            body="Halo",
            payload={},
            sent_at=now,
        )
    assert [m.body for m in _outbound(conversation.pk)] == ["Halo!", "Kami sedang libur."]
    assert Message.objects.filter(conversation=conversation, direction=MessageDirection.INBOUND).count() == 1


# Settings page -------------------------------------------------------------------------------


def test_owner_sets_hours_and_texts(
    client_as: Callable[[User], Client], owner: User, workspace: Workspace
) -> None:
    inbox = make_inbox(workspace)
    client = client_as(owner)
    assert client.get(BASE, headers=EN).status_code == 200
    data = {
        "day_0": "08:00-12:00, 13:00-17:00",
        "day_5": "09.00-12.00",
        "greeting_message": "Halo",
        "away_message": "Tutup",
    }
    response = client.post(f"{BASE}kotak-masuk/{inbox.pk}/", data, headers=EN)
    assert response.status_code == 302
    rows = [(r.weekday, r.opens, r.closes) for r in OfficeHours.objects.filter(inbox=inbox)]
    assert rows == [
        (0, _t("08:00"), _t("12:00")),
        (0, _t("13:00"), _t("17:00")),
        (5, _t("09:00"), _t("12:00")),
    ]
    inbox.refresh_from_db()
    assert (inbox.greeting_message, inbox.away_message) == ("Halo", "Tutup")
    page = client.get(f"{BASE}kotak-masuk/{inbox.pk}/", headers=EN)
    assert "08:00-12:00, 13:00-17:00" in page.content.decode()


def test_bad_intervals_on_the_page_name_the_day(
    client_as: Callable[[User], Client], owner: User, workspace: Workspace
) -> None:
    inbox = make_inbox(workspace)
    client = client_as(owner)
    for value in ["8 sampai 12", "12:00-08:00", "08:00-12:00, 11:00-13:00"]:
        response = client.post(f"{BASE}kotak-masuk/{inbox.pk}/", {"day_2": value}, headers=EN)
        assert response.status_code == 400
        assert "day_2" in response.context["form"].errors
    assert not OfficeHours.objects.filter(inbox=inbox).exists()


def test_holidays_add_seed_delete(
    client_as: Callable[[User], Client], owner: User, workspace: Workspace
) -> None:
    client = client_as(owner)
    assert client.post(BASE + "libur/muat/2026/", headers=EN).status_code == 302
    assert Holiday.objects.filter(workspace=workspace).count() == 25
    response = client.post(
        BASE, {"date": "2026-07-01", "name": "Stock opname", "kind": "custom", "is_closed": "on"}, headers=EN
    )
    assert response.status_code == 302
    assert Holiday.objects.get(workspace=workspace, date=dt.date(2026, 7, 1)).name == "Stock opname"
    duplicate = client.post(BASE, {"date": "2026-08-17", "name": "Lagi", "kind": "custom"}, headers=EN)
    assert duplicate.status_code == 400
    assert "date" in duplicate.context["form"].errors
    holiday = Holiday.objects.get(workspace=workspace, date=dt.date(2026, 8, 17))
    assert client.post(f"{BASE}libur/{holiday.pk}/hapus/", headers=EN).status_code == 302
    assert not Holiday.objects.filter(pk=holiday.pk).exists()


def test_agent_may_not_manage_hours(
    client_as: Callable[[User], Client], make_member: Callable[..., User], workspace: Workspace
) -> None:
    inbox = make_inbox(workspace)
    holiday = Holiday.objects.create(workspace=workspace, date=dt.date(2026, 7, 1), name="Libur")
    agent = client_as(make_member(workspace, Role.AGENT))
    assert agent.get(BASE, headers=EN).status_code in (403, 404)
    assert agent.post(f"{BASE}kotak-masuk/{inbox.pk}/", {"day_0": "08:00-12:00"}, headers=EN).status_code in (
        403,
        404,
    )
    assert agent.post(BASE + "libur/muat/2026/", headers=EN).status_code in (403, 404)
    assert agent.post(f"{BASE}libur/{holiday.pk}/hapus/", headers=EN).status_code in (403, 404)
    assert not OfficeHours.objects.exists()
    assert Holiday.objects.filter(workspace=workspace).count() == 1


def test_other_workspace_ids_are_404(
    client_as: Callable[[User], Client], outsider: User, workspace: Workspace
) -> None:
    inbox = make_inbox(workspace)
    holiday = Holiday.objects.create(workspace=workspace, date=dt.date(2026, 7, 1), name="Libur")
    client = client_as(outsider)
    other = "/w/sebelah/pengaturan/jam-kerja/"
    assert client.get(f"{other}kotak-masuk/{inbox.pk}/", headers=EN).status_code == 404
    assert (
        client.post(f"{other}kotak-masuk/{inbox.pk}/", {"day_0": "08:00-12:00"}, headers=EN).status_code
        == 404
    )
    assert client.post(f"{other}libur/{holiday.pk}/hapus/", headers=EN).status_code == 404
    assert client.get(BASE, headers=EN).status_code in (403, 404)
    assert Holiday.objects.filter(pk=holiday.pk).exists()
    assert not OfficeHours.objects.exists()
