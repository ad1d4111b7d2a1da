"""Two payments at the same moment on one invoice can never together exceed its balance: the
invoice row is locked (``SELECT … FOR UPDATE``) while the balance is checked. Real
concurrency needs PostgreSQL (SQLite serialises whole-database writes)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from relasi.accounts.models import User, Workspace
from relasi.contacts.models import Contact
from relasi.core.exceptions import ValidationError
from relasi.sales.enums import InvoiceStatus, PaymentMethod
from relasi.sales.models import Invoice, Payment, Receipt, SalesProfile
from relasi.sales.services_payments import payment_record
from tests.sales.test_payments_services import make_invoice

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_concurrent_payments_exceeding_the_balance_one_succeeds_one_is_refused(
    owner: User, workspace: Workspace, profile: SalesProfile, buyer: Contact
) -> None:
    # given an invoice of Rp1.000.000 and two clerks recording Rp600.000 each at once
    invoice = make_invoice(workspace, buyer, total=Decimal("1000000"))
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def record() -> None:
        from django.db import connections

        try:
            barrier.wait()
            payment_record(
                workspace=workspace,
                actor=owner,
                invoice=invoice,
                amount=Decimal("600000"),
                paid_on=timezone.localdate(),
                method=PaymentMethod.CASH,
            )
            outcomes.append("paid")
        except ValidationError as error:
            outcomes.append("refused:" + ",".join(error.fields))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=record) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # then exactly one is recorded, the other is refused on its amount
    assert sorted(outcomes) == ["paid", "refused:amount"]
    invoice.refresh_from_db()
    assert invoice.amount_paid == Decimal("600000")
    assert invoice.status == InvoiceStatus.PARTIALLY_PAID
    assert Payment.objects.count() == 1
    assert Receipt.objects.count() == 1
    assert Invoice.objects.get(pk=invoice.pk).balance_due == Decimal("400000")
