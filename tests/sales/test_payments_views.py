"""Payments pages: record a payment from an invoice (Indonesian money input, R18), detail,
cancel, receipts list and detail (the kwitansi paper and its PDF link), the receivables page
and its reminder buttons; permissions, workspace isolation and query counts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.contacts.models import Contact
from relasi.sales.enums import InvoiceStatus, PaymentMethod
from relasi.sales.forms_payments import MONEY_HINT
from relasi.sales.models import BankAccount, DocumentEvent, Invoice, Payment, Receipt, SalesProfile
from relasi.sales.services_payments import payment_cancel
from tests.sales.test_payments_services import make_invoice, make_proforma, pay

EN = {"Accept-Language": "en"}


def _url(name: str, workspace: Workspace, *args: object) -> str:
    return reverse(f"sales:{name}", args=[workspace.slug, *args])


def _form(invoice: Invoice, **overrides: str) -> dict[str, str]:
    data = {
        "invoice": str(invoice.pk),
        "amount": "400.000",
        "paid_on": timezone.localdate().isoformat(),
        "method": PaymentMethod.CASH,
        "issue_receipt": "on",
    }
    data.update(overrides)
    return data


def test_the_form_is_prefilled_from_the_invoice_and_records_the_payment_with_its_receipt(
    owner: User,
    workspace: Workspace,
    profile: SalesProfile,
    buyer: Contact,
    bank_account: BankAccount,
    client_as: Callable[[User], Client],
) -> None:
    invoice = make_invoice(workspace, buyer, total=Decimal("1250000"))
    client = client_as(owner)
    page = client.get(_url("payment_create", workspace) + f"?invoice={invoice.pk}")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="1.250.000"' in html  # the balance due, typed the Indonesian way
    assert f'<option value="{invoice.pk}" selected>' in html
    response = client.post(
        _url("payment_create", workspace),
        _form(
            invoice,
            amount="Rp 1.250.000",
            method=PaymentMethod.BANK_TRANSFER,
            bank_account=str(bank_account.pk),
            reference="TRF 123",
        ),
    )
    payment = Payment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url("payment_detail", workspace, payment.pk)
    assert payment.amount == Decimal("1250000")
    assert payment.bank_account == bank_account
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    detail = client.get(response["Location"])
    assert payment.receipt.number in detail.content.decode()


def test_an_amount_typed_the_english_way_is_refused_naming_amount(
    owner: User,
    workspace: Workspace,
    profile: SalesProfile,
    buyer: Contact,
    client_as: Callable[[User], Client],
) -> None:
    invoice = make_invoice(workspace, buyer)
    response = client_as(owner).post(
        _url("payment_create", workspace), _form(invoice, amount="1,250.000"), headers=EN
    )
    assert response.status_code == 400
    assert response.context["form"].errors["amount"] == [str(MONEY_HINT)]
    assert not Payment.objects.exists()


def test_an_over_payment_in_the_form_shows_the_balance_on_the_amount_field(
    owner: User,
    workspace: Workspace,
    profile: SalesProfile,
    buyer: Contact,
    client_as: Callable[[User], Client],
) -> None:
    invoice = make_invoice(workspace, buyer, total=Decimal("1000000"))
    response = client_as(owner).post(
        _url("payment_create", workspace), _form(invoice, amount="1.000.001"), headers=EN
    )
    assert response.status_code == 400
    assert "Rp1.000.000" in response.context["form"].errors["amount"][0]
    assert not Payment.objects.exists()
    assert not Receipt.objects.exists()
    assert not DocumentEvent.objects.exists()


def test_a_deposit_is_prefilled_from_the_proforma(
    owner: User,
    workspace: Workspace,
    profile: SalesProfile,
    buyer: Contact,
    client_as: Callable[[User], Client],
) -> None:
    proforma = make_proforma(workspace, buyer, total=Decimal("10000000"))
    client = client_as(owner)
    assert (
        'value="10.000.000"'
        in client.get(_url("payment_create", workspace) + f"?quotation={proforma.pk}").content.decode()
    )
    response = client.post(
        _url("payment_create", workspace),
        {
            "quotation": str(proforma.pk),
            "amount": "2.500.000",
            "paid_on": timezone.localdate().isoformat(),
            "method": PaymentMethod.QRIS,
            "issue_receipt": "on",
        },
    )
    assert response.status_code == 302
    assert Payment.objects.get().is_deposit


def test_the_sales_role_cannot_record_or_cancel_payments(
    workspace: Workspace,
    owner: User,
    profile: SalesProfile,
    buyer: Contact,
    make_member: Callable[..., User],
    client_as: Callable[[User], Client],
) -> None:
    invoice = make_invoice(workspace, buyer)
    payment = pay(workspace, owner, invoice=invoice, amount=Decimal("1000"))
    seller = client_as(make_member(workspace, Role.SALES))
    assert seller.get(_url("payment_create", workspace)).status_code == 403
    assert seller.post(_url("payment_create", workspace), _form(invoice)).status_code == 403
    assert seller.post(_url("payment_cancel", workspace, payment.pk), {"reason": "x"}).status_code == 403
    assert Payment.objects.count() == 1
    assert Payment.objects.get().cancelled_at is None
    # but may look
    assert seller.get(_url("payment_list", workspace)).status_code == 200
    assert seller.get(_url("payment_detail", workspace, payment.pk)).status_code == 200
    assert seller.get(_url("receipt_detail", workspace, payment.receipt.pk)).status_code == 200
    assert seller.get(_url("receivables", workspace)).status_code == 200


def test_the_finance_role_records_payments(
    workspace: Workspace,
    profile: SalesProfile,
    buyer: Contact,
    make_member: Callable[..., User],
    client_as: Callable[[User], Client],
) -> None:
    invoice = make_invoice(workspace, buyer)
    finance = client_as(make_member(workspace, Role.FINANCE))
    assert finance.post(_url("payment_create", workspace), _form(invoice)).status_code == 302
    assert Payment.objects.count() == 1


def test_another_workspace_s_payments_receipts_and_invoices_are_not_found(
    owner: User,
    outsider: User,
    workspace: Workspace,
    other_workspace: Workspace,
    profile: SalesProfile,
    buyer: Contact,
    client_as: Callable[[User], Client],
) -> None:
    payment = pay(workspace, owner, invoice=make_invoice(workspace, buyer), amount=Decimal("1000"))
    stranger = Contact.objects.create(workspace=other_workspace, full_name="Orang Lain")
    their_invoice = make_invoice(other_workspace, stranger)
    intruder = client_as(outsider)
    assert intruder.get(_url("payment_detail", other_workspace, payment.pk)).status_code == 404
    assert intruder.get(_url("receipt_detail", other_workspace, payment.receipt.pk)).status_code == 404
    assert (
        intruder.post(_url("payment_cancel", other_workspace, payment.pk), {"reason": "x"}).status_code == 404
    )
    assert (
        intruder.post(
            _url("invoice_remind", other_workspace, payment.invoice_id), {"channel": "email"}
        ).status_code
        == 404
    )
    # the owner cannot pay the other workspace's invoice from their own form
    response = client_as(owner).post(_url("payment_create", workspace), _form(their_invoice))
    assert response.status_code == 400
    assert "invoice" in response.context["form"].errors
    assert Payment.objects.count() == 1


def test_cancelling_from_the_page_needs_a_reason_and_marks_the_receipt(
    owner: User,
    workspace: Workspace,
    profile: SalesProfile,
    buyer: Contact,
    client_as: Callable[[User], Client],
) -> None:
    payment = pay(workspace, owner, invoice=make_invoice(workspace, buyer), amount=Decimal("1000"))
    client = client_as(owner)
    response = client.post(_url("payment_cancel", workspace, payment.pk), {"reason": ""}, headers=EN)
    assert response.status_code == 400
    assert "reason" in response.context["form"].errors
    response = client.post(_url("payment_cancel", workspace, payment.pk), {"reason": "Dana tidak masuk"})
    assert response.status_code == 302
    payment.refresh_from_db()
    assert payment.cancelled_at is not None
    page = client.get(_url("receipt_detail", workspace, payment.receipt.pk), headers=EN).content.decode()
    assert 'data-testid="receipt-cancelled"' in page
    assert "Dana tidak masuk" in page


def test_the_receipt_page_shows_the_kwitansi_the_stamp_duty_hint_and_the_pdf_link(
    owner: User,
    workspace: Workspace,
    profile: SalesProfile,
    buyer: Contact,
    client_as: Callable[[User], Client],
) -> None:
    invoice = make_invoice(workspace, buyer, total=Decimal("5500000"))
    receipt = pay(workspace, owner, invoice=invoice, amount=Decimal("5500000")).receipt
    page = client_as(owner).get(_url("receipt_detail", workspace, receipt.pk)).content.decode()
    assert "KWITANSI" in page
    assert "Telah terima dari" in page
    assert "Budi Santoso" in page
    assert "Lima juta lima ratus ribu rupiah" in page
    assert 'data-testid="stamp-duty-hint"' in page
    assert reverse("sales:document_pdf", args=[workspace.slug, "receipt", receipt.pk]) in page


def test_lists_keep_a_fixed_number_of_queries(
    owner: User,
    workspace: Workspace,
    profile: SalesProfile,
    buyer: Contact,
    client_as: Callable[[User], Client],
) -> None:
    client = client_as(owner)

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    pay(workspace, owner, invoice=make_invoice(workspace, buyer), amount=Decimal("1000"))
    count(_url("payment_list", workspace))  # the first page of a session also writes the session
    few = (count(_url("payment_list", workspace)), count(_url("receipt_list", workspace)))
    for _ in range(8):
        pay(workspace, owner, invoice=make_invoice(workspace, buyer), amount=Decimal("1000"))
    pay(workspace, owner, quotation=make_proforma(workspace, buyer), amount=Decimal("1000"))
    many = (count(_url("payment_list", workspace)), count(_url("receipt_list", workspace)))
    assert many == few


def test_the_payment_list_filters_by_method_and_period(
    owner: User,
    workspace: Workspace,
    profile: SalesProfile,
    buyer: Contact,
    client_as: Callable[[User], Client],
) -> None:
    today = timezone.localdate()
    invoice = make_invoice(workspace, buyer)
    cash = pay(workspace, owner, invoice=invoice, amount=Decimal("1000"), paid_on=today - timedelta(days=40))
    qris = pay(workspace, owner, invoice=invoice, amount=Decimal("2000"), method=PaymentMethod.QRIS)
    client = client_as(owner)
    listed = client.get(_url("payment_list", workspace), {"method": "qris"}).context["payments"]
    assert [p.pk for p in listed] == [qris.pk]
    period = {
        "from": (today - timedelta(days=41)).isoformat(),
        "to": (today - timedelta(days=30)).isoformat(),
    }
    listed = client.get(_url("payment_list", workspace), period).context["payments"]
    assert [p.pk for p in listed] == [cash.pk]


def test_the_receivables_page_and_its_reminder_buttons(
    owner: User,
    workspace: Workspace,
    profile: SalesProfile,
    buyer: Contact,
    client_as: Callable[[User], Client],
) -> None:
    invoice = make_invoice(
        workspace, buyer, total=Decimal("2000000"), due_date=timezone.localdate() - timedelta(days=45)
    )
    client = client_as(owner)
    page = client.get(_url("receivables", workspace))
    assert page.status_code == 200
    html = page.content.decode()
    assert invoice.number in html
    assert 'data-testid="ageing-total-days_31_60">Rp2.000.000<' in html
    assert _url("invoice_remind", workspace, invoice.pk) in html
    response = client.post(_url("invoice_remind", workspace, invoice.pk), {"channel": "whatsapp"})
    assert response.status_code == 302
    assert response["Location"].startswith("https://wa.me/6281234567890?text=")
    response = client.post(_url("invoice_remind", workspace, invoice.pk), {"channel": "email"})
    assert response.status_code == 302
    assert response["Location"] == _url("receivables", workspace)
    # a second e-mail the same day: refused with a message, nothing sent
    response = client.post(
        _url("invoice_remind", workspace, invoice.pk), {"channel": "email"}, follow=True, headers=EN
    )
    assert "24 jam" in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.last_reminder_at is not None


def test_only_payment_recorders_send_reminders(
    workspace: Workspace,
    profile: SalesProfile,
    buyer: Contact,
    make_member: Callable[..., User],
    client_as: Callable[[User], Client],
) -> None:
    invoice = make_invoice(workspace, buyer, due_date=timezone.localdate() - timedelta(days=3))
    seller = client_as(make_member(workspace, Role.SALES))
    assert (
        _url("invoice_remind", workspace, invoice.pk)
        not in seller.get(_url("receivables", workspace)).content.decode()
    )
    assert seller.post(_url("invoice_remind", workspace, invoice.pk), {"channel": "email"}).status_code == 403
    assert not DocumentEvent.objects.exists()


def test_a_cancelled_payment_shows_as_cancelled_in_the_list(
    owner: User,
    workspace: Workspace,
    profile: SalesProfile,
    buyer: Contact,
    client_as: Callable[[User], Client],
) -> None:
    payment = pay(workspace, owner, invoice=make_invoice(workspace, buyer), amount=Decimal("1000"))
    payment_cancel(payment=payment, reason="salah", actor=owner)
    html = client_as(owner).get(_url("payment_list", workspace)).content.decode()
    assert "payment-cancelled" in html


def test_the_empty_form_offers_open_invoices_and_proformas_of_this_workspace_only(
    owner: User,
    workspace: Workspace,
    other_workspace: Workspace,
    profile: SalesProfile,
    buyer: Contact,
    client_as: Callable[[User], Client],
) -> None:
    open_invoice = make_invoice(workspace, buyer)
    paid = make_invoice(workspace, buyer, status=InvoiceStatus.PAID, amount_paid=Decimal("1000000"))
    proforma = make_proforma(workspace, buyer)
    stranger = Contact.objects.create(workspace=other_workspace, full_name="Orang Lain")
    theirs = make_invoice(other_workspace, stranger)
    response = client_as(owner).get(_url("payment_create", workspace))
    assert response.status_code == 200
    form = response.context["form"]
    invoice_ids = [value for value, _label in form.fields["invoice"].choices]
    assert str(open_invoice.pk) in invoice_ids
    assert str(paid.pk) not in invoice_ids
    assert str(theirs.pk) not in invoice_ids
    assert str(proforma.pk) in [value for value, _label in form.fields["quotation"].choices]
