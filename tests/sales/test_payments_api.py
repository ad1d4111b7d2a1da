"""``/api/v1/payments`` and ``/api/v1/receipts``: record (201 with the receipt number),
idempotent retries (200) and conflicting keys (409), bad input naming the field, cancel,
receivables ageing totals, receipts and their PDF; permissions, isolation, query counts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.contacts.models import Contact
from relasi.sales.enums import InvoiceStatus
from relasi.sales.models import BankAccount, DocumentEvent, Invoice, Payment, Receipt, SalesProfile
from tests.conftest import ApiClient
from tests.sales.test_payments_services import make_invoice, make_proforma, pay

PAYMENTS = "/api/v1/payments"
RECEIPTS = "/api/v1/receipts"


@pytest.fixture
def api(owner: User, workspace: Workspace, api_as: Callable[[User, Workspace], ApiClient]) -> ApiClient:
    return api_as(owner, workspace)


def test_record_a_payment_returns_201_with_its_receipt_number(
    api: ApiClient, workspace: Workspace, profile: SalesProfile, buyer: Contact, bank_account: BankAccount
) -> None:
    invoice = make_invoice(workspace, buyer, total=Decimal("19800000"))
    response = api.post(
        PAYMENTS,
        {
            "invoice": invoice.pk,
            "amount": "9800000.00",
            "paid_on": timezone.localdate().isoformat(),
            "method": "bank_transfer",
            "bank_account": bank_account.pk,
            "reference": "BIFAST-1",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    payment = Payment.objects.get()
    assert body["id"] == payment.pk
    assert body["amount"] == "9800000.00"
    assert body["invoice_number"] == invoice.number
    assert body["receipt_number"] == payment.receipt.number
    assert body["receipt_number"].startswith("KW/")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PARTIALLY_PAID


def test_a_retry_with_the_same_idempotency_key_answers_200_and_records_nothing(
    api: ApiClient, workspace: Workspace, profile: SalesProfile, buyer: Contact
) -> None:
    invoice = make_invoice(workspace, buyer, total=Decimal("1000000"))
    body = {"invoice": invoice.pk, "amount": "1000000.00", "method": "cash"}
    first = api.post(PAYMENTS, body, **{"Idempotency-Key": "order-77"})
    again = api.post(PAYMENTS, body, **{"Idempotency-Key": "order-77"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["receipt_number"] == first.json()["receipt_number"]
    assert Payment.objects.count() == 1
    assert Receipt.objects.count() == 1
    conflict = api.post(PAYMENTS, {**body, "amount": "500000.00"}, **{"Idempotency-Key": "order-77"})
    assert conflict.status_code == 409
    assert conflict.json()["code"] == "idempotency_conflict"
    assert Payment.objects.count() == 1


@pytest.mark.parametrize("amount", ["1.250.000,50", "1,250.00", "banyak", ""])
def test_an_amount_not_in_the_api_form_is_refused_naming_amount(
    api: ApiClient, workspace: Workspace, profile: SalesProfile, buyer: Contact, amount: str
) -> None:
    invoice = make_invoice(workspace, buyer)
    response = api.post(
        PAYMENTS, {"invoice": invoice.pk, "amount": amount, "method": "cash"}, **{"Accept-Language": "en"}
    )
    assert response.status_code == 400
    assert "amount" in response.json()["fields"]
    assert not Payment.objects.exists()


def test_over_payment_is_a_400_naming_amount_and_the_balance(
    api: ApiClient, workspace: Workspace, profile: SalesProfile, buyer: Contact
) -> None:
    invoice = make_invoice(workspace, buyer, total=Decimal("1000000"))
    response = api.post(
        PAYMENTS,
        {"invoice": invoice.pk, "amount": "1000000.01", "method": "cash"},
        **{"Accept-Language": "en"},
    )
    assert response.status_code == 400
    assert "Rp1.000.000" in response.json()["fields"]["amount"]
    assert not Payment.objects.exists()
    assert not DocumentEvent.objects.exists()


def test_a_deposit_on_a_proforma(
    api: ApiClient, workspace: Workspace, profile: SalesProfile, buyer: Contact
) -> None:
    proforma = make_proforma(workspace, buyer, total=Decimal("10000000"))
    response = api.post(PAYMENTS, {"quotation": proforma.pk, "amount": "3000000", "method": "qris"})
    assert response.status_code == 201
    assert response.json()["is_deposit"] is True
    assert response.json()["quotation_number"] == proforma.number


def test_the_sales_role_cannot_record_or_cancel_but_can_read(
    workspace: Workspace,
    owner: User,
    profile: SalesProfile,
    buyer: Contact,
    make_member: Callable[..., User],
    api_as: Callable[[User, Workspace], ApiClient],
) -> None:
    invoice = make_invoice(workspace, buyer)
    payment = pay(workspace, owner, invoice=invoice, amount=Decimal("1000"))
    seller = api_as(make_member(workspace, Role.SALES), workspace)
    assert (
        seller.post(PAYMENTS, {"invoice": invoice.pk, "amount": "1000", "method": "cash"}).status_code == 403
    )
    assert seller.post(f"{PAYMENTS}/{payment.pk}/cancel", {"reason": "x"}).status_code == 403
    assert Payment.objects.count() == 1
    assert Payment.objects.get().cancelled_at is None
    assert seller.get(PAYMENTS).status_code == 200
    assert seller.get(f"{RECEIPTS}/{payment.receipt.pk}").status_code == 200


def test_another_workspace_s_documents_are_not_found(
    api: ApiClient,
    owner: User,
    outsider: User,
    workspace: Workspace,
    other_workspace: Workspace,
    profile: SalesProfile,
    buyer: Contact,
    api_as: Callable[[User, Workspace], ApiClient],
) -> None:
    payment = pay(workspace, owner, invoice=make_invoice(workspace, buyer), amount=Decimal("1000"))
    intruder = api_as(outsider, other_workspace)
    assert intruder.get(f"{PAYMENTS}/{payment.pk}").status_code == 404
    assert intruder.post(f"{PAYMENTS}/{payment.pk}/cancel", {"reason": "x"}).status_code == 404
    assert intruder.get(f"{RECEIPTS}/{payment.receipt.pk}").status_code == 404
    assert intruder.get(f"{RECEIPTS}/{payment.receipt.pk}/pdf").status_code == 404
    assert intruder.get(PAYMENTS).json()["items"] == []
    theirs = BankAccount.objects.create(
        workspace=other_workspace, bank_name="BRI", account_number="9", account_holder="Sebelah"
    )
    mine = make_invoice(workspace, buyer)
    assert (
        intruder.post(PAYMENTS, {"invoice": mine.pk, "amount": "1000", "method": "cash"}).status_code == 404
    )
    response = api.post(
        PAYMENTS, {"invoice": mine.pk, "amount": "1000", "method": "bank_transfer", "bank_account": theirs.pk}
    )
    assert response.status_code == 400
    assert "bank_account" in response.json()["fields"]
    assert Payment.objects.count() == 1


def test_cancel_needs_a_reason_then_reopens_the_invoice(
    api: ApiClient, owner: User, workspace: Workspace, profile: SalesProfile, buyer: Contact
) -> None:
    invoice = make_invoice(workspace, buyer, total=Decimal("1000"))
    payment = pay(workspace, owner, invoice=invoice, amount=Decimal("1000"))
    response = api.post(f"{PAYMENTS}/{payment.pk}/cancel", {"reason": ""})
    assert response.status_code == 400
    assert "reason" in response.json()["fields"]
    response = api.post(f"{PAYMENTS}/{payment.pk}/cancel", {"reason": "Cek kosong"})
    assert response.status_code == 200
    assert response.json()["cancelled_at"] is not None
    assert response.json()["cancel_reason"] == "Cek kosong"
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.UNPAID
    assert api.post(f"{PAYMENTS}/{payment.pk}/cancel", {"reason": "lagi"}).status_code == 409
    receipt = api.get(f"{RECEIPTS}/{payment.receipt.pk}").json()
    assert receipt["payment_cancelled"] is True


def test_lists_are_cursor_paginated_with_a_fixed_number_of_queries(
    api: ApiClient, owner: User, workspace: Workspace, profile: SalesProfile, buyer: Contact
) -> None:
    def count(url: str, **params: str) -> tuple[int, dict[str, object]]:
        with CaptureQueriesContext(connection) as queries:
            response = api.get(url, params)
        assert response.status_code == 200
        return len(queries), response.json()

    pay(workspace, owner, invoice=make_invoice(workspace, buyer), amount=Decimal("1000"))
    count(PAYMENTS)  # the token's last use is written at most every 5 minutes: warm it up
    few = (count(PAYMENTS)[0], count(RECEIPTS)[0])
    for _ in range(6):
        pay(workspace, owner, invoice=make_invoice(workspace, buyer), amount=Decimal("1000"))
    pay(workspace, owner, quotation=make_proforma(workspace, buyer), amount=Decimal("1000"))
    many = (count(PAYMENTS)[0], count(RECEIPTS)[0])
    assert many == few
    _n, page = count(PAYMENTS, limit="5")
    assert len(page["items"]) == 5  # type: ignore[arg-type]
    _n, rest = count(PAYMENTS, limit="5", cursor=str(page["next"]))
    assert len(rest["items"]) == 3  # type: ignore[arg-type]
    assert rest["next"] is None


def test_receivables_ageing_totals(
    api: ApiClient, workspace: Workspace, profile: SalesProfile, buyer: Contact
) -> None:
    today = timezone.localdate()
    make_invoice(workspace, buyer, total=Decimal("100000"), due_date=today + timedelta(days=3))
    make_invoice(workspace, buyer, total=Decimal("200000"), due_date=today - timedelta(days=45))
    make_invoice(workspace, buyer, total=Decimal("300000"), due_date=today - timedelta(days=120))
    body = api.get(f"{PAYMENTS}/receivables").json()
    assert body == {
        "as_of": today.isoformat(),
        "current": "100000.00",
        "days_1_30": "0.00",
        "days_31_60": "200000.00",
        "days_61_90": "0.00",
        "days_over_90": "300000.00",
        "total": "600000.00",
    }


def test_receipt_pdf(
    api: ApiClient, owner: User, workspace: Workspace, profile: SalesProfile, buyer: Contact
) -> None:
    invoice = make_invoice(workspace, buyer, total=Decimal("1500000"))
    receipt = pay(workspace, owner, invoice=invoice, amount=Decimal("1500000")).receipt
    body = api.get(f"{RECEIPTS}/{receipt.pk}").json()
    assert body["amount_in_words"] == "Satu juta lima ratus ribu rupiah"
    assert body["stamp_duty_due"] is False
    response = api.get(f"{RECEIPTS}/{receipt.pk}/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
