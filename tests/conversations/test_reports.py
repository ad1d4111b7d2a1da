"""Conversation and CSAT reports: figures computed by hand from fixed timestamps, days in the
workspace's time zone (WIB), the export, the API, the pages and who may see them."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zoneinfo
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.contacts.models import Contact
from relasi.conversations import reports
from relasi.conversations.enums import ChannelType, ConversationStatus, MessageKind
from relasi.conversations.models import Conversation, Inbox, Label
from relasi.conversations.services_outbound import message_send
from relasi.core.exceptions import ValidationError
from relasi.core.models import AuditAction, AuditLog
from tests.conversations import make_conversation, make_inbox, make_message

pytestmark = pytest.mark.django_db

WIB = zoneinfo.ZoneInfo("Asia/Jakarta")
EN = {"Accept-Language": "en"}


def wib(day: int, hour: int, minute: int = 0, month: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=WIB)


def _at(conversation: Conversation, **times: dt.datetime | None) -> Conversation:
    """Put the conversation's timestamps where the test says (``created_at`` is automatic)."""
    Conversation.objects.filter(pk=conversation.pk).update(**times)
    conversation.refresh_from_db()
    return conversation


class World:
    """March 2026 in a shop on WIB (UTC+7). Conversations, with the times that matter:

    ======  ================  ==============  ====================  ========  ======
    conv    opened (WIB)      first reply     resolved (WIB)        agent     inbox
    ======  ================  ==============  ====================  ========  ======
    c1      1 Mar 09.00       +120 s          1 Mar 10.00 (3600 s)  Elok      WA
    c2      1 Mar 10.00       +300 s          2 Mar 10.00 (86400)   Elok      WA
    c3      2 Mar 00.30 (*)   +600 s          —                     Budi      WA
    c4      2 Mar 23.30       —               —                     —         e-mail
    c5      28 Feb 23.30      +60 s           1 Mar 08.00 (30600)   Elok      WA
    c6      4 Mar 00.00       +10 s           4 Mar 01.00           Elok      WA
    ======  ================  ==============  ====================  ========  ======

    (*) 1 Mar 17.30 UTC: on 2 March in Jakarta. c5 was opened before the period, c6 after.
    Another workspace has a conversation in the period (must never count).
    """

    def __init__(self, workspace: Workspace, other: Workspace, make_member: Callable[..., User]) -> None:
        self.workspace = workspace
        self.elok = make_member(workspace, Role.AGENT, full_name="Elok Wijaya")
        self.budi = make_member(workspace, Role.AGENT, full_name="Budi Hartono")
        self.wa = make_inbox(workspace, "WA Toko")
        self.mail = Inbox.objects.create(workspace=workspace, name="Surel CS", channel_type=ChannelType.EMAIL)
        self.vip = Label.objects.create(workspace=workspace, name="VIP")
        second = dt.timedelta(seconds=1)
        resolved = ConversationStatus.RESOLVED
        self.c1 = self._conv(self.wa, wib(1, 9), 120 * second, wib(1, 10), self.elok, "Ani")
        self.c2 = self._conv(self.wa, wib(1, 10), 300 * second, wib(2, 10), self.elok, "Bayu")
        self.c3 = self._conv(self.wa, wib(2, 0, 30), 600 * second, None, self.budi, "Citra")
        self.c4 = self._conv(self.mail, wib(2, 23, 30), None, None, None, '=HYPERLINK("http://x")')
        self.c5 = self._conv(self.wa, wib(28, 23, 30, month=2), 60 * second, wib(1, 8), self.elok, "Eka")
        self.c6 = self._conv(self.wa, wib(4, 0), 10 * second, wib(4, 1), self.elok, "Fajar")
        for conv in (self.c1, self.c2, self.c5, self.c6):
            assert conv.status == resolved
        self.c1.labels.add(self.vip)
        self.theirs = self._conv(make_inbox(other), wib(1, 9), 5 * second, wib(1, 9, 30), None, "Tetangga")

    def _conv(
        self,
        inbox: Inbox,
        opened: dt.datetime,
        first_reply: dt.timedelta | None,
        resolved_at: dt.datetime | None,
        agent: User | None,
        name: str,
    ) -> Conversation:
        contact = Contact.objects.create(workspace=inbox.workspace, full_name=name)
        conv = make_conversation(inbox, contact, assignee=agent)
        return _at(
            conv,
            created_at=opened,
            first_response_at=opened + first_reply if first_reply else None,
            resolved_at=resolved_at,
            status=ConversationStatus.RESOLVED if resolved_at else ConversationStatus.OPEN,
        )

    def filters(self, **kwargs: Any) -> reports.ReportFilters:
        return reports.report_filters(
            workspace=self.workspace, date_from=dt.date(2026, 3, 1), date_to=dt.date(2026, 3, 3), **kwargs
        )


@pytest.fixture
def world(workspace: Workspace, other_workspace: Workspace, make_member: Callable[..., User]) -> World:
    return World(workspace, other_workspace, make_member)


def _row(report: reports.ConversationReport, key: Any) -> reports.ConversationReportRow:
    return next(r for r in report.rows if r.key == key)


# Conversation report ----------------------------------------------------------------------


def test_per_day_in_jakarta_time(world: World) -> None:
    report = reports.conversation_report(workspace=world.workspace, filters=world.filters(), group_by="day")
    assert [r.key for r in report.rows] == [dt.date(2026, 3, 1), dt.date(2026, 3, 2), dt.date(2026, 3, 3)]
    first, second, third = report.rows
    # 1 March: c1 and c2 opened; c1 and c5 resolved. FRT median of 120 and 300 = 210.
    assert (first.opened, first.resolved) == (2, 2)
    assert first.first_response == reports.DurationStats(2, 210.0, 210.0)
    assert first.resolution == reports.DurationStats(2, 17100.0, 17100.0)  # (3600 + 30600) / 2
    # 2 March: c3 (00.30 WIB, still 1 March in UTC) and c4 opened; c2 resolved.
    assert (second.opened, second.resolved) == (2, 1)
    assert second.first_response == reports.DurationStats(1, 600.0, 600.0)  # c4 unanswered
    assert second.resolution == reports.DurationStats(1, 86400.0, 86400.0)
    assert (third.opened, third.resolved, third.first_response.count) == (0, 0, 0)
    assert third.first_response.median is None
    # The period: FRT 120, 300, 600 → median 300, mean 340; resolution 3600, 30600, 86400.
    total = report.total
    assert (total.opened, total.resolved) == (4, 3)
    assert total.first_response == reports.DurationStats(3, 340.0, 300.0)
    assert total.resolution == reports.DurationStats(3, 40200.0, 30600.0)


def test_a_day_of_the_period_is_a_local_day(world: World) -> None:
    only_second = reports.report_filters(
        workspace=world.workspace, date_from=dt.date(2026, 3, 2), date_to=dt.date(2026, 3, 2)
    )
    report = reports.conversation_report(workspace=world.workspace, filters=only_second)
    assert report.total.opened == 2  # c3 at 00.30 and c4 at 23.30 WIB
    assert report.total.first_response.median == 600.0


def test_per_channel(world: World) -> None:
    report = reports.conversation_report(
        workspace=world.workspace, filters=world.filters(), group_by="channel"
    )
    assert [r.key for r in report.rows] == [ChannelType.EMAIL, ChannelType.WHATSAPP]  # by label
    email, whatsapp = report.rows
    assert (whatsapp.opened, whatsapp.resolved) == (3, 3)
    assert whatsapp.first_response == reports.DurationStats(3, 340.0, 300.0)
    assert (email.opened, email.resolved, email.first_response.count) == (1, 0, 0)


def test_per_agent(world: World) -> None:
    report = reports.conversation_report(workspace=world.workspace, filters=world.filters(), group_by="agent")
    assert [r.label for r in report.rows] == ["Budi Hartono", "Elok Wijaya", "Unassigned"]
    elok = _row(report, world.elok.pk)
    assert (elok.opened, elok.resolved) == (2, 3)
    assert elok.first_response == reports.DurationStats(2, 210.0, 210.0)
    assert elok.resolution == reports.DurationStats(3, 40200.0, 30600.0)
    budi = _row(report, world.budi.pk)
    assert (budi.opened, budi.resolved, budi.first_response.median) == (1, 0, 600.0)
    assert _row(report, None).opened == 1


def test_per_inbox_and_filters(world: World) -> None:
    report = reports.conversation_report(workspace=world.workspace, filters=world.filters(), group_by="inbox")
    assert [(r.label, r.opened) for r in report.rows] == [("Surel CS", 1), ("WA Toko", 3)]
    mail_only = reports.conversation_report(
        workspace=world.workspace, filters=world.filters(inbox_id=world.mail.pk), group_by="day"
    )
    assert mail_only.total.opened == 1
    budi_only = reports.conversation_report(
        workspace=world.workspace, filters=world.filters(agent_id=world.budi.pk)
    )
    assert (budi_only.total.opened, budi_only.total.first_response.median) == (1, 600.0)


def test_the_report_takes_a_fixed_number_of_queries(world: World, workspace: Workspace) -> None:
    filters = world.filters()
    for _ in range(20):
        World._conv(world, world.wa, wib(2, 9), dt.timedelta(minutes=3), wib(2, 12), world.elok, "Lagi")
    with CaptureQueriesContext(connection) as queries:
        reports.conversation_report(workspace=workspace, filters=filters, group_by="agent")
    assert len(queries) <= 10


def test_filters_are_checked(workspace: Workspace, other_workspace: Workspace) -> None:
    with pytest.raises(ValidationError) as error:
        reports.report_filters(
            workspace=workspace, date_from=dt.date(2026, 3, 5), date_to=dt.date(2026, 3, 1)
        )
    assert "from" in error.value.fields
    with pytest.raises(ValidationError):
        reports.report_filters(
            workspace=workspace, date_from=dt.date(2025, 1, 1), date_to=dt.date(2026, 3, 1)
        )
    with pytest.raises(ValidationError) as error:
        reports.report_filters(
            workspace=workspace, channel="telegram", inbox_id=make_inbox(other_workspace).pk
        )
    assert set(error.value.fields) == {"channel", "inbox_id"}


def test_default_period_is_the_last_30_days_in_the_workspace_zone(workspace: Workspace) -> None:
    import time_machine

    with time_machine.travel(dt.datetime(2026, 3, 31, 18, 0, tzinfo=dt.UTC), tick=False):  # 1 April 01.00 WIB
        filters = reports.report_filters(workspace=workspace)
    assert (filters.date_from, filters.date_to) == (dt.date(2026, 3, 3), dt.date(2026, 4, 1))


def test_only_agent_messages_start_the_first_response_clock(workspace: Workspace, owner: User) -> None:
    inbox = make_inbox(workspace)
    conversation = make_conversation(inbox)
    make_message(conversation, "Halo")
    message_send(conversation=conversation, actor=None, kind=MessageKind.TEXT, body="Selamat datang!")
    conversation.refresh_from_db()
    assert conversation.first_response_at is None  # an automatic greeting is not a response
    reply = message_send(conversation=conversation, actor=owner, kind=MessageKind.TEXT, body="Ada kak")
    conversation.refresh_from_db()
    assert conversation.first_response_at is not None
    assert conversation.first_response_at >= reply.created_at - dt.timedelta(seconds=1)


# CSAT report ------------------------------------------------------------------------------


def _rated(
    conv: Conversation, requested: dt.datetime, score: int | None, agent: User | None, comment: str = ""
) -> None:
    _at(
        conv,
        csat_requested_at=requested,
        csat_answered_at=requested + dt.timedelta(minutes=5) if score else None,
        csat_score=score,
        csat_comment=comment,
        csat_agent=agent,
    )


def test_csat_average_response_rate_and_per_agent(world: World) -> None:
    _rated(world.c1, wib(1, 10), 5, world.elok)
    _rated(world.c2, wib(2, 10), 4, world.elok)
    _rated(world.c5, wib(1, 8), None, world.elok)  # asked, never answered
    _rated(world.c3, wib(2, 12), 2, world.budi, "Lama dibalas")
    _rated(world.c6, wib(4, 1), 1, world.elok)  # asked after the period
    _rated(world.theirs, wib(1, 10), 1, None)  # another workspace

    report = reports.csat_report(workspace=world.workspace, filters=world.filters())

    total = report.total
    assert (total.requested, total.answered) == (4, 3)
    assert str(total.average) == "3.67"  # (5 + 4 + 2) / 3
    assert str(total.response_rate) == "75.0"
    assert str(total.satisfied_rate) == "66.7"  # 5 and 4 of three answers
    assert total.distribution == {1: 0, 2: 1, 3: 0, 4: 1, 5: 1}
    assert [a.name for a in report.agents] == ["Budi Hartono", "Elok Wijaya"]
    budi, elok = report.agents
    assert (elok.stats.requested, elok.stats.answered, str(elok.stats.average)) == (3, 2, "4.50")
    assert (str(elok.stats.response_rate), str(elok.stats.satisfied_rate)) == ("66.7", "100.0")
    assert (budi.stats.requested, budi.stats.answered, str(budi.stats.average)) == (1, 1, "2.00")
    assert [(c.customer, c.score, c.comment) for c in report.comments] == [("Citra", 2, "Lama dibalas")]


def test_csat_of_an_empty_period(workspace: Workspace) -> None:
    report = reports.csat_report(workspace=workspace, filters=reports.report_filters(workspace=workspace))
    assert (report.total.requested, report.total.average, report.total.response_rate) == (0, None, None)
    assert report.agents == []


# Export -----------------------------------------------------------------------------------


def _csv_rows(response: Any) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_csv_export_one_row_per_conversation(
    world: World, owner: User, client_as: Callable[[User], Client]
) -> None:
    owner.language = "en"
    owner.save()
    _rated(world.c1, wib(1, 10), 5, world.elok, "Mantap")
    response = client_as(owner).get(
        reverse("conversations:reports_export", args=[world.workspace.slug]),
        {"format": "csv", "from": "2026-03-01", "to": "2026-03-03"},
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert "attachment" in response["Content-Disposition"]
    rows = _csv_rows(response)
    assert rows[0] == [
        "ID",
        "Inbox",
        "Channel",
        "Customer",
        "Agent",
        "Team",
        "Status",
        "Opened",
        "First response",
        "Resolved",
        "First response time (seconds)",
        "Resolution time (seconds)",
        "CSAT",
        "CSAT comment",
        "Labels",
    ]
    body = {int(r[0]): r for r in rows[1:]}
    assert sorted(body) == sorted([world.c1.pk, world.c2.pk, world.c3.pk, world.c4.pk])
    assert body[world.c1.pk] == [
        str(world.c1.pk),
        "WA Toko",
        "WhatsApp",
        "Ani",
        "Elok Wijaya",
        "",
        "Resolved",
        "2026-03-01 09:00",
        "2026-03-01 09:02",
        "2026-03-01 10:00",
        "120",
        "3600",
        "5",
        "Mantap",
        "VIP",
    ]
    assert body[world.c3.pk][7] == "2026-03-02 00:30"  # local time, not UTC
    assert body[world.c4.pk][3] == '\'=HYPERLINK("http://x")'  # no formula in a spreadsheet
    assert body[world.c4.pk][10:12] == ["", ""]
    audit = AuditLog.objects.get(action=AuditAction.EXPORT)
    assert audit.changes["row_count"] == 4
    assert audit.changes["object_type"] == "conversations.conversation"


def test_xlsx_export(world: World, owner: User, client_as: Callable[[User], Client]) -> None:
    owner.language = "en"
    owner.save()
    response = client_as(owner).get(
        reverse("conversations:reports_export", args=[world.workspace.slug]),
        {"format": "xlsx", "from": "2026-03-01", "to": "2026-03-03", "channel": "whatsapp"},
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "ID"
    assert sorted(r[0] for r in rows[1:]) == sorted([world.c1.pk, world.c2.pk, world.c3.pk])
    c2 = next(r for r in rows[1:] if r[0] == world.c2.pk)
    assert c2[7] == wib(1, 10).replace(tzinfo=None)  # local time, as spreadsheets want it
    assert (c2[10], c2[11]) == (300, 86400)


def test_export_bad_input(world: World, owner: User, client_as: Callable[[User], Client]) -> None:
    url = reverse("conversations:reports_export", args=[world.workspace.slug])
    client = client_as(owner)
    assert client.get(url, {"format": "pdf"}).status_code == 400
    assert client.get(url, {"format": "csv", "from": "kemarin"}).status_code == 400


# API ---------------------------------------------------------------------------------------


def test_api_conversation_report(world: World, owner: User, api_as: Callable[..., Any]) -> None:
    api = api_as(owner, world.workspace)
    response = api.get("/api/v1/reports/conversations", {"from": "2026-03-01", "to": "2026-03-03"})
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["time_zone"], data["group_by"]) == ("Asia/Jakarta", "day")
    assert [r["key"] for r in data["rows"]] == ["2026-03-01", "2026-03-02", "2026-03-03"]
    assert data["rows"][0]["first_response"] == {
        "count": 2,
        "average_seconds": 210.0,
        "median_seconds": 210.0,
    }
    assert data["total"]["resolution"] == {"count": 3, "average_seconds": 40200.0, "median_seconds": 30600.0}
    per_agent = api.get(
        "/api/v1/reports/conversations", {"from": "2026-03-01", "to": "2026-03-03", "group_by": "agent"}
    ).json()
    assert {r["key"]: r["opened"] for r in per_agent["rows"]} == {world.elok.pk: 2, world.budi.pk: 1, None: 1}
    bad = api.get("/api/v1/reports/conversations", {"group_by": "week"}, **EN)
    assert bad.status_code == 400
    assert "group_by" in bad.json()["fields"]


def test_api_csat_report_and_exports(world: World, owner: User, api_as: Callable[..., Any]) -> None:
    _rated(world.c1, wib(1, 10), 5, world.elok)
    _rated(world.c5, wib(1, 8), None, world.elok)
    api = api_as(owner, world.workspace)
    data = api.get("/api/v1/reports/csat", {"from": "2026-03-01", "to": "2026-03-03"}).json()
    assert data["total"] == {
        "requested": 2,
        "answered": 1,
        "average": "5.00",
        "response_rate_percent": "50.0",
        "satisfied_percent": "100.0",
        "distribution": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 1},
    }
    assert [a["agent_id"] for a in data["agents"]] == [world.elok.pk]
    exported = api.get("/api/v1/reports/conversations.csv", {"from": "2026-03-01", "to": "2026-03-03"}, **EN)
    assert exported.status_code == 200
    assert len(_csv_rows(exported)) == 1 + 4
    xlsx = api.get("/api/v1/reports/conversations.xlsx", {"from": "2026-03-01", "to": "2026-03-01"})
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


@pytest.mark.parametrize("role", [Role.AGENT, Role.SALES, Role.VIEWER])
def test_reports_are_for_owners_and_admins(
    workspace: Workspace,
    role: str,
    make_member: Callable[..., User],
    client_as: Callable[[User], Client],
    api_as: Callable[..., Any],
) -> None:
    member = make_member(workspace, role)
    client = client_as(member)
    for name in ("reports", "reports_csat", "reports_export"):
        assert client.get(reverse(f"conversations:{name}", args=[workspace.slug])).status_code == 403
    api = api_as(member, workspace)
    for path in ("conversations", "csat", "conversations.csv"):
        assert api.get(f"/api/v1/reports/{path}").status_code == 403
    admin = make_member(workspace, Role.ADMIN)
    assert client_as(admin).get(reverse("conversations:reports", args=[workspace.slug])).status_code == 200
    # The navigation shows "Reports" only to those who may open it.
    inbox_url = reverse("conversations:inbox", args=[workspace.slug])
    reports_url = reverse("conversations:reports", args=[workspace.slug])
    assert reports_url not in client.get(inbox_url).content.decode()
    assert reports_url in client_as(admin).get(inbox_url).content.decode()


def test_workspaces_never_see_each_others_figures(
    world: World, outsider: User, api_as: Callable[..., Any]
) -> None:
    _rated(world.c1, wib(1, 10), 5, world.elok)
    api = api_as(outsider, world.theirs.workspace)
    data = api.get("/api/v1/reports/conversations", {"from": "2026-03-01", "to": "2026-03-03"}).json()
    assert data["total"]["opened"] == 1  # their own conversation only
    assert data["total"]["first_response"]["median_seconds"] == 5.0
    csat_data = api.get("/api/v1/reports/csat", {"from": "2026-03-01", "to": "2026-03-03"}).json()
    assert csat_data["total"]["requested"] == 0
    # Filtering by our inbox or agent is refused, not answered with our data.
    assert api.get("/api/v1/reports/conversations", {"inbox_id": world.wa.pk}).status_code == 400
    assert api.get("/api/v1/reports/csat", {"agent_id": world.elok.pk}).status_code == 400
    rows = _csv_rows(api.get("/api/v1/reports/conversations.csv", {"from": "2026-03-01", "to": "2026-03-03"}))
    assert [int(r[0]) for r in rows[1:]] == [world.theirs.pk]


# Pages -------------------------------------------------------------------------------------


def test_report_pages_render_the_figures(
    world: World, owner: User, client_as: Callable[[User], Client]
) -> None:
    owner.language = "en"
    owner.save()
    _rated(world.c3, wib(2, 12), 2, world.budi, "Lama dibalas")
    client = client_as(owner)
    period = {"from": "2026-03-01", "to": "2026-03-03"}
    page = client.get(
        reverse("conversations:reports", args=[world.workspace.slug]), {**period, "group_by": "day"}
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="total-opened">4<' in html
    assert 'data-testid="total-frt-median">5 min 00 s<' in html  # 300 s
    assert 'data-testid="row-2026-03-02"' in html
    assert "format=csv" in html
    assert "from=2026-03-01" in html
    bad = client.get(reverse("conversations:reports", args=[world.workspace.slug]), {"from": "bukan-tanggal"})
    assert bad.status_code == 400
    csat_page = client.get(reverse("conversations:reports_csat", args=[world.workspace.slug]), period)
    assert csat_page.status_code == 200
    text = csat_page.content.decode()
    assert 'data-testid="csat-counts">1 / 1<' in text
    assert "Lama dibalas" in text
    assert f'data-testid="csat-settings-{world.wa.pk}"' in text


def test_survey_settings_form(world: World, owner: User, client_as: Callable[[User], Client]) -> None:
    url = reverse("conversations:csat_settings", args=[world.workspace.slug, world.wa.pk])
    response = client_as(owner).post(url, {"template_name": ""})  # checkbox unticked: off
    assert response.status_code == 302
    world.wa.refresh_from_db()
    assert world.wa.csat_enabled is False
    client_as(owner).post(url, {"csat_enabled": "on", "template_name": "tidak_ada"})
    world.wa.refresh_from_db()
    assert (world.wa.csat_enabled, world.wa.csat_template_name) == (False, "")  # refused as a whole
