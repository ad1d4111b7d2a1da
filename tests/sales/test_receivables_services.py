"""Receivables: ageing buckets by days past due as of today in the workspace's time zone
(current, 1–30, 31–60, 61–90, > 90), the overdue list, and reminders per invoice by e-mail
(after commit, at most one a day) or WhatsApp click-to-chat (R23, R25, R26)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from relasi.accounts.models import User, Workspace
from relasi.contacts.models import Contact
from relasi.core.exceptions import Conflict, ValidationError
from relasi.sales.enums import DocumentEventKind, InvoiceStatus
from relasi.sales.models import DocumentEvent, Invoice, SalesProfile
from relasi.sales.selectors_receivables import overdue_list, receivables_ageing, workspace_today
from relasi.sales.services_reminders import invoice_reminder_send
from tests.sales.test_payments_services import make_invoice, pay

WIB = ZoneInfo("Asia/Jakarta")
# 10:00 WIB on Friday 20 November 2026: "today" for the ageing tests.
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=WIB)
TODAY = date(2026, 11, 20)


@pytest.fixture
def at_now() -> object:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def due(days_ago: int) -> date:
    return TODAY - timedelta(days=days_ago)


# Ageing -----------------------------------------------------------------------------------


def test_each_invoice_lands_in_the_bucket_of_its_days_past_due(
    at_now: object, workspace: Workspace, profile: SalesProfile, buyer: Contact
) -> None:
    # given open invoices of distinct amounts due at the edges of every bucket
    cases = {
        -10: ("current", Decimal("100")),  # due in 10 days
        0: ("current", Decimal("200")),  # due today: not yet overdue
        1: ("days_1_30", Decimal("1000")),
        30: ("days_1_30", Decimal("2000")),
        31: ("days_31_60", Decimal("10000")),
        45: ("days_31_60", Decimal("20000")),  # due 45 days ago: 31–60
        60: ("days_31_60", Decimal("40000")),
        61: ("days_61_90", Decimal("100000")),
        90: ("days_61_90", Decimal("200000")),
        91: ("days_over_90", Decimal("1000000")),
        400: ("days_over_90", Decimal("2000000")),
    }
    for days_ago, (_bucket, amount) in cases.items():
        make_invoice(workspace, buyer, total=amount, due_date=due(days_ago))
    # when
    ageing = receivables_ageing(workspace=workspace)
    # then
    assert ageing.today == TODAY
    assert ageing.total.amounts == {
        "current": Decimal("300"),
        "days_1_30": Decimal("3000"),
        "days_31_60": Decimal("70000"),
        "days_61_90": Decimal("300000"),
        "days_over_90": Decimal("3000000"),
    }
    assert ageing.total.total == Decimal("3373300")
    assert len(ageing.customers) == 1
    assert ageing.customers[0].amounts == ageing.total.amounts
    assert ageing.customers[0].invoices == len(cases)


def test_only_what_is_still_owed_on_issued_invoices_counts(
    at_now: object, owner: User, workspace: Workspace, profile: SalesProfile, buyer: Contact
) -> None:
    partly = make_invoice(workspace, buyer, total=Decimal("1000000"), due_date=due(45))
    pay(workspace, owner, invoice=partly, amount=Decimal("400000"), paid_on=TODAY)
    paid = make_invoice(workspace, buyer, total=Decimal("500000"), due_date=due(45))
    pay(workspace, owner, invoice=paid, amount=Decimal("500000"), paid_on=TODAY)
    make_invoice(workspace, buyer, total=Decimal("7000000"), due_date=due(45), status=InvoiceStatus.VOID)
    make_invoice(workspace, buyer, total=Decimal("9000000"), due_date=due(45), status=InvoiceStatus.DRAFT)
    ageing = receivables_ageing(workspace=workspace)
    assert ageing.total.amounts["days_31_60"] == Decimal("600000")
    assert ageing.total.total == Decimal("600000")


def test_per_customer_rows_largest_debt_first_and_other_workspaces_left_out(
    at_now: object, workspace: Workspace, other_workspace: Workspace, profile: SalesProfile, buyer: Contact
) -> None:
    sari = Contact.objects.create(workspace=workspace, full_name="Sari Dewi")
    make_invoice(workspace, buyer, total=Decimal("100000"), due_date=due(5))
    make_invoice(workspace, sari, total=Decimal("300000"), due_date=due(70))
    make_invoice(workspace, sari, total=Decimal("50000"), due_date=due(-3))
    stranger = Contact.objects.create(workspace=other_workspace, full_name="Orang Lain")
    make_invoice(other_workspace, stranger, total=Decimal("999999"), due_date=due(5))
    ageing = receivables_ageing(workspace=workspace)
    assert [(row.name, row.total) for row in ageing.customers] == [
        ("Sari Dewi", Decimal("350000")),
        ("Budi Santoso", Decimal("100000")),
    ]
    assert ageing.customers[0].amounts["days_61_90"] == Decimal("300000")
    assert ageing.customers[0].amounts["current"] == Decimal("50000")
    assert ageing.total.total == Decimal("450000")


def test_ageing_is_aggregated_in_sql_with_a_fixed_number_of_queries(
    at_now: object, workspace: Workspace, profile: SalesProfile, buyer: Contact
) -> None:
    for days_ago in range(0, 120, 7):
        make_invoice(workspace, buyer, due_date=due(days_ago))
    with CaptureQueriesContext(connection) as queries:
        receivables_ageing(workspace=workspace, today=TODAY)
    assert len(queries) == 2
    assert "CASE WHEN" in queries[0]["sql"].upper()


def test_today_is_the_workspace_s_date_not_the_server_s(
    workspace: Workspace, profile: SalesProfile, buyer: Contact
) -> None:
    # 23:30 UTC on 19 November is already 20 November in WIB (UTC+7) and WIT (UTC+9).
    make_invoice(workspace, buyer, total=Decimal("1000"), due_date=date(2026, 11, 19))
    with time_machine.travel(datetime(2026, 11, 19, 23, 30, tzinfo=ZoneInfo("UTC")), tick=False):
        assert workspace_today(workspace=workspace) == date(2026, 11, 20)
        assert receivables_ageing(workspace=workspace).total.amounts["days_1_30"] == Decimal("1000")
        workspace.timezone = "Asia/Jayapura"
        workspace.save()
        assert workspace_today(workspace=workspace) == date(2026, 11, 20)


def test_the_overdue_list_most_overdue_first_with_balance_and_last_reminder(
    at_now: object, owner: User, workspace: Workspace, profile: SalesProfile, buyer: Contact
) -> None:
    late = make_invoice(workspace, buyer, total=Decimal("1000000"), due_date=due(45))
    pay(workspace, owner, invoice=late, amount=Decimal("250000"), paid_on=TODAY)
    later = make_invoice(workspace, buyer, total=Decimal("500000"), due_date=due(100))
    make_invoice(workspace, buyer, total=Decimal("700000"), due_date=due(0))  # due today: not overdue
    rows = overdue_list(workspace=workspace)
    assert [(r.invoice.pk, r.days_overdue, r.balance) for r in rows] == [
        (later.pk, 100, Decimal("500000")),
        (late.pk, 45, Decimal("750000")),
    ]
    assert rows[0].invoice.last_reminder_at is None


# Reminders --------------------------------------------------------------------------------


def test_an_e_mail_reminder_goes_out_after_commit_with_the_facts_and_the_link(
    at_now: object,
    owner: User,
    workspace: Workspace,
    profile: SalesProfile,
    buyer: Contact,
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    invoice = make_invoice(workspace, buyer, total=Decimal("19800000"), due_date=due(45))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:  # type: ignore[attr-defined]
        sent = invoice_reminder_send(invoice=invoice, actor=owner, channel="email")
        assert mail.outbox == []  # nothing leaves inside the transaction
    for callback in callbacks:  # type: ignore[attr-defined]
        callback()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["budi@contoh.co.id"] == [sent.to]
    assert invoice.number in message.subject
    assert invoice.number in message.body
    assert "Rp19.800.000" in message.body
    assert "6 Oktober 2026" in message.body  # the due date, 45 days before 20 November
    assert "45" in message.body  # days overdue
    assert reverse("sales:public_invoice", args=[invoice.public_token]) in message.body
    invoice.refresh_from_db()
    assert invoice.last_reminder_at == NOW
    event = DocumentEvent.objects.get(kind=DocumentEventKind.REMINDER_SENT, document_id=invoice.pk)
    assert event.data["channel"] == "email"
    assert event.actor == owner


def test_a_second_e_mail_within_24_hours_is_refused_whatsapp_is_not(
    owner: User, workspace: Workspace, profile: SalesProfile, buyer: Contact
) -> None:
    invoice = make_invoice(workspace, buyer, due_date=date(2026, 10, 1))
    with time_machine.travel(NOW, tick=False):
        invoice_reminder_send(invoice=invoice, actor=owner, channel="email")
    with time_machine.travel(NOW + timedelta(hours=23, minutes=59), tick=False):
        with pytest.raises(Conflict) as error:
            invoice_reminder_send(invoice=invoice, actor=owner, channel="email")
        assert "24" in str(error.value.message)
        invoice_reminder_send(invoice=invoice, actor=owner, channel="whatsapp")
    with time_machine.travel(NOW + timedelta(hours=24, minutes=1), tick=False):
        invoice_reminder_send(invoice=invoice, actor=owner, channel="email")
    assert DocumentEvent.objects.filter(kind=DocumentEventKind.REMINDER_SENT).count() == 3


def test_the_whatsapp_link_is_click_to_chat_with_the_facts_and_no_nik_or_npwp(
    at_now: object, owner: User, workspace: Workspace, profile: SalesProfile
) -> None:
    buyer = Contact.objects.create(
        workspace=workspace,
        full_name="Budi Santoso",
        phone="+6281234567890",
        nik="3273010101900001",
        npwp="0013121660091000",
    )
    invoice = make_invoice(workspace, buyer, total=Decimal("1500000"), due_date=due(10))
    sent = invoice_reminder_send(invoice=invoice, actor=owner, channel="whatsapp")
    parts = urlsplit(sent.link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "wa.me", "/6281234567890")
    text = parse_qs(parts.query)["text"][0]
    assert invoice.number in text
    assert "Rp1.500.000" in text
    assert "10" in text
    assert "3273010101900001" not in text
    assert "0013121660091000" not in text
    assert "+" not in parts.path
    assert mail.outbox == []
    invoice.refresh_from_db()
    assert invoice.last_reminder_at == NOW


@pytest.mark.parametrize("status", [InvoiceStatus.DRAFT, InvoiceStatus.PAID, InvoiceStatus.VOID])
def test_no_reminder_for_draft_paid_or_void_invoices(
    at_now: object, owner: User, workspace: Workspace, profile: SalesProfile, buyer: Contact, status: str
) -> None:
    invoice = make_invoice(workspace, buyer, due_date=due(10), status=status)
    for channel in ("email", "whatsapp"):
        with pytest.raises(ValidationError):
            invoice_reminder_send(invoice=invoice, actor=owner, channel=channel)
    assert not DocumentEvent.objects.exists()
    assert Invoice.objects.get(pk=invoice.pk).last_reminder_at is None


def test_a_reminder_needs_an_address_for_its_channel(
    at_now: object, owner: User, workspace: Workspace, profile: SalesProfile
) -> None:
    nobody = Contact.objects.create(workspace=workspace, full_name="Tanpa Kontak")
    invoice = make_invoice(workspace, nobody, due_date=due(10))
    for channel in ("email", "whatsapp", "sms"):
        with pytest.raises(ValidationError) as error:
            invoice_reminder_send(invoice=invoice, actor=owner, channel=channel)
        assert set(error.value.fields) == {"channel"}
    assert not DocumentEvent.objects.exists()
