"""Numbering (R9) through invoice issue: the template, Roman months, the yearly reset,
refused templates, no gap after a failed issue, and 50 concurrent issues on PostgreSQL giving
50 consecutive numbers with no gap and no duplicate."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connection, connections

from relasi.accounts.models import Workspace
from relasi.contacts.models import Contact
from relasi.core.exceptions import ValidationError
from relasi.sales import numbering, services_invoices
from relasi.sales.enums import InvoiceStatus, SequenceReset, Series
from relasi.sales.models import DocumentCounter, DocumentSequence, Invoice, SalesProfile
from relasi.sales.services_invoices import invoice_issue
from tests.sales.test_invoices_services import draft, issued

N_CONCURRENT = 50


@pytest.mark.django_db
def test_default_template_in_november_2026(
    profile: SalesProfile, workspace: Workspace, buyer: Contact
) -> None:
    assert issued(workspace, buyer, issue_date=dt.date(2026, 11, 3)).number == "INV/0001/XI/2026"
    assert issued(workspace, buyer, issue_date=dt.date(2026, 11, 4)).number == "INV/0002/XI/2026"


@pytest.mark.parametrize(("month", "roman"), [(1, "I"), (4, "IV"), (9, "IX"), (12, "XII")])
def test_roman_months(month: int, roman: str) -> None:
    number = numbering.number_format(
        template="INV/{seq}/{ROMAN_MM}/{YYYY}", seq=7, padding=4, day=dt.date(2026, month, 15)
    )
    assert number == f"INV/0007/{roman}/2026"


def test_other_placeholders() -> None:
    assert (
        numbering.number_format(template="F-{YY}{MM}-{seq}", seq=12, padding=3, day=dt.date(2027, 2, 1))
        == "F-2702-012"
    )


@pytest.mark.django_db
def test_yearly_reset_on_1_january(profile: SalesProfile, workspace: Workspace, buyer: Contact) -> None:
    assert issued(workspace, buyer, issue_date=dt.date(2026, 12, 30)).number == "INV/0001/XII/2026"
    assert issued(workspace, buyer, issue_date=dt.date(2026, 12, 31)).number == "INV/0002/XII/2026"
    assert issued(workspace, buyer, issue_date=dt.date(2027, 1, 1)).number == "INV/0001/I/2027"
    assert issued(workspace, buyer, issue_date=dt.date(2027, 1, 2)).number == "INV/0002/I/2027"


@pytest.mark.django_db
def test_a_back_dated_invoice_continues_its_own_year(
    profile: SalesProfile, workspace: Workspace, buyer: Contact
) -> None:
    assert issued(workspace, buyer, issue_date=dt.date(2026, 12, 30)).number == "INV/0001/XII/2026"
    assert issued(workspace, buyer, issue_date=dt.date(2027, 1, 2)).number == "INV/0001/I/2027"
    # Issued later but dated in 2026: 2026's count goes on, 2027's is untouched.
    assert issued(workspace, buyer, issue_date=dt.date(2026, 12, 31)).number == "INV/0002/XII/2026"
    assert issued(workspace, buyer, issue_date=dt.date(2027, 1, 3)).number == "INV/0002/I/2027"


@pytest.mark.django_db
def test_a_custom_template_and_monthly_reset(
    profile: SalesProfile, workspace: Workspace, buyer: Contact
) -> None:
    numbering.sequence_update(
        workspace=workspace,
        series=Series.INVOICE,
        template="FJ-{YYYY}{MM}-{seq}",
        padding=3,
        reset=SequenceReset.MONTHLY,
    )
    assert issued(workspace, buyer, issue_date=dt.date(2026, 11, 30)).number == "FJ-202611-001"
    assert issued(workspace, buyer, issue_date=dt.date(2026, 12, 1)).number == "FJ-202612-001"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("template", "reset", "says"),
    [
        ("INV/{ROMAN_MM}/{YYYY}", SequenceReset.YEARLY, "{seq}"),
        ("INV/{seq}", SequenceReset.YEARLY, "every year"),
        ("INV/{seq}/{YYYY}", SequenceReset.MONTHLY, "every month"),
        ("INV/{seq}/{DD}/{YYYY}", SequenceReset.YEARLY, "{DD}"),
        ("INV/" + "X" * 40 + "/{seq}/{YYYY}", SequenceReset.YEARLY, "40 characters"),
    ],
)
def test_invalid_templates_are_refused_with_a_message(
    workspace: Workspace, template: str, reset: str, says: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        numbering.sequence_update(
            workspace=workspace, series=Series.INVOICE, template=template, padding=4, reset=reset
        )
    assert says in str(caught.value.fields["template"])
    assert not DocumentSequence.objects.filter(workspace=workspace, template=template).exists()


@pytest.mark.django_db
def test_a_failed_issue_leaves_no_gap(
    profile: SalesProfile, workspace: Workspace, buyer: Contact, monkeypatch: pytest.MonkeyPatch
) -> None:
    numbering.sequences_ensure(workspace=workspace)
    first = draft(workspace, buyer)

    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("failure after the number was allocated")

    monkeypatch.setattr(services_invoices, "_event", boom)  # called after the allocation
    with pytest.raises(RuntimeError):
        invoice_issue(invoice=first, actor=None)
    first.refresh_from_db()
    assert first.status == InvoiceStatus.DRAFT
    assert first.number == ""
    assert not DocumentCounter.objects.filter(
        sequence__workspace=workspace, sequence__series=Series.INVOICE
    ).exists()
    monkeypatch.undo()
    assert invoice_issue(invoice=first, actor=None).number == "INV/0001/XI/2026"
    assert issued(workspace, buyer).number == "INV/0002/XI/2026"


def _expected(n: int) -> list[str]:
    return [f"INV/{i:04d}/XI/2026" for i in range(1, n + 1)]


@pytest.mark.django_db
def test_sequential_issues_are_consecutive(
    profile: SalesProfile, workspace: Workspace, buyer: Contact
) -> None:
    """The single-connection equivalent of the concurrency test (SQLite serialises writers)."""
    drafts = [draft(workspace, buyer) for _ in range(N_CONCURRENT)]
    numbers = [invoice_issue(invoice=d, actor=None).number for d in reversed(drafts)]
    assert sorted(numbers) == _expected(N_CONCURRENT)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks across connections need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_50_concurrent_issues_give_50_consecutive_numbers(
    profile: SalesProfile, workspace: Workspace, buyer: Contact
) -> None:
    numbering.sequences_ensure(workspace=workspace)
    ids = [draft(workspace, buyer).pk for _ in range(N_CONCURRENT)]
    barrier = threading.Barrier(N_CONCURRENT)
    errors: list[BaseException] = []

    def issue(pk: int) -> None:
        try:
            invoice = Invoice.objects.get(pk=pk)
            barrier.wait(timeout=60)
            invoice_issue(invoice=invoice, actor=None)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue, args=(pk,)) for pk in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert errors == []
    numbers = list(Invoice.objects.filter(pk__in=ids).values_list("number", flat=True))
    assert sorted(numbers) == _expected(N_CONCURRENT)  # each exactly once: no gap, no duplicate
    counter = DocumentCounter.objects.get(sequence__workspace=workspace, sequence__series=Series.INVOICE)
    assert counter.last_value == N_CONCURRENT


@pytest.mark.django_db
def test_the_restart_rule_cannot_change_once_numbers_are_issued(
    profile: SalesProfile, workspace: Workspace, buyer: Contact
) -> None:
    numbering.sequence_update(
        workspace=workspace,
        series=Series.INVOICE,
        template="INV/{seq}/{MM}/{YYYY}",
        padding=4,
        reset="yearly",
    )
    assert issued(workspace, buyer, issue_date=dt.date(2026, 11, 3)).number == "INV/0001/11/2026"
    # Monthly would start November again at 0001: refused, nothing changed.
    with pytest.raises(ValidationError) as caught:
        numbering.sequence_update(
            workspace=workspace,
            series=Series.INVOICE,
            template="INV/{seq}/{MM}/{YYYY}",
            padding=4,
            reset=SequenceReset.MONTHLY,
        )
    assert "reset" in caught.value.fields
    assert DocumentSequence.objects.get(workspace=workspace, series=Series.INVOICE).reset == "yearly"
    # The template may still change; the count goes on.
    numbering.sequence_update(
        workspace=workspace, series=Series.INVOICE, template="F/{YYYY}/{seq}", padding=3, reset="yearly"
    )
    assert issued(workspace, buyer, issue_date=dt.date(2026, 11, 4)).number == "F/2026/002"
