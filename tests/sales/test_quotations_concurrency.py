"""Two clicks at once (two tabs, a double click) accept once and convert once: the services
lock the quotation row. Needs real row locks and concurrent connections: PostgreSQL."""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.db import connection, connections

from relasi.accounts.models import User, Workspace
from relasi.contacts.models import Contact
from relasi.core.exceptions import Conflict
from relasi.sales.enums import DocumentEventKind, QuotationStatus
from relasi.sales.models import DocumentEvent, Quotation, SalesOrder, SalesProfile
from relasi.sales.services_quotations import (
    quotation_accept,
    quotation_convert,
    quotation_create,
    quotation_send,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (CI runs it)"),
]


def race(work: Callable[[], Any], times: int = 2) -> list[Any]:
    """Run ``work`` in ``times`` threads released together; return results or exceptions."""
    barrier = threading.Barrier(times)
    results: list[Any] = []
    lock = threading.Lock()

    def run() -> None:
        barrier.wait()
        try:
            outcome: Any = work()
        except Exception as exc:  # collected for the assertions
            outcome = exc
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.fixture(autouse=True)
def _tax_rates() -> Iterator[None]:
    """A transactional test flushes every table, the PPN table of the data migration too:
    put it back before (for this test) and after (for the tests that follow)."""
    add_rates = importlib.import_module("relasi.sales.migrations.0002_tax_rates").add_rates
    add_rates(django_apps, None)
    yield
    add_rates(django_apps, None)


@pytest.fixture
def sent(workspace: Workspace, owner: User, buyer: Contact, profile: SalesProfile) -> Quotation:
    quotation = quotation_create(
        workspace=workspace,
        actor=owner,
        values={"contact": buyer.pk},
        lines=[{"description": "Parsel", "quantity": "1", "unit_price": "1.000.000"}],
    )
    quotation_send(quotation=quotation, actor=owner, channel="link")
    return Quotation.objects.get(pk=quotation.pk)


def test_two_accepts_at_once_accept_once(sent: Quotation) -> None:
    results = race(
        lambda: quotation_accept(quotation=Quotation.objects.get(pk=sent.pk), actor=None, name="Budi")
    )
    assert sum(isinstance(r, Quotation) for r in results) == 1
    assert sum(isinstance(r, Conflict) for r in results) == 1
    assert DocumentEvent.objects.filter(document_id=sent.pk, kind=DocumentEventKind.ACCEPTED).count() == 1


def test_two_converts_at_once_make_one_order(sent: Quotation, owner: User) -> None:
    quotation_accept(quotation=sent, actor=owner, name="Budi")
    results = race(
        lambda: quotation_convert(quotation=Quotation.objects.get(pk=sent.pk), actor=owner), times=3
    )
    assert sum(isinstance(r, SalesOrder) for r in results) == 1
    assert sum(isinstance(r, Conflict) for r in results) == 2
    assert SalesOrder.objects.count() == 1
    assert Quotation.objects.get(pk=sent.pk).status == QuotationStatus.CONVERTED
