"""Invoice pages: list (filters, keyset, query count), create, from order, detail, issue,
void, credit note, Faktur Pajak number, Coretax export, the public link; permissions and
workspace isolation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.contacts.enums import BuyerType
from relasi.contacts.models import Contact
from relasi.sales.enums import InvoiceStatus, OrderStatus, TaxInvoiceStatus
from relasi.sales.models import BankAccount, CreditNote, Invoice, Product, SalesOrder, SalesProfile
from tests.sales.test_invoices_services import draft, issued

pytestmark = pytest.mark.django_db
EN_HEADERS = {"Accept-Language": "en"}


def url(name: str, workspace: Workspace, *args: Any) -> str:
    return reverse(f"sales:{name}", args=[workspace.slug, *args])


@pytest.fixture
def client(owner: User, client_as: Callable[[User], Client]) -> Client:
    return client_as(owner)


def test_list_shows_filters_and_has_a_fixed_query_count(
    client: Client, profile: SalesProfile, workspace: Workspace, buyer: Contact
) -> None:
    late = issued(workspace, buyer, issue_date=dt.date(2026, 1, 5))
    fresh = draft(workspace, buyer)
    page = client.get(url("invoice_list", workspace))
    assert page.status_code == 200
    assert late.number.encode() in page.content
    overdue = client.get(url("invoice_list", workspace), {"status": "overdue"})
    assert late.number.encode() in overdue.content
    assert f"#{fresh.pk}".encode() not in overdue.content
    with CaptureQueriesContext(connection) as few:
        client.get(url("invoice_list", workspace))
    for _ in range(5):
        issued(workspace, buyer)
    with CaptureQueriesContext(connection) as many:
        client.get(url("invoice_list", workspace))
    assert len(many) == len(few)


def test_list_warns_a_non_pkp_near_the_turnover_threshold(
    client: Client, non_pkp_profile: SalesProfile, workspace: Workspace, buyer: Contact
) -> None:
    non_pkp_profile.turnover_threshold = Decimal("1000000")
    non_pkp_profile.save()
    issued(workspace, buyer, issue_date=timezone.localdate())
    page = client.get(url("invoice_list", workspace))
    assert b'data-testid="turnover-warning"' in page.content


def test_create_a_draft_from_the_form(
    client: Client, profile: SalesProfile, workspace: Workspace, buyer: Contact, product: Product
) -> None:
    assert client.get(url("invoice_create", workspace)).status_code == 200
    response = client.post(
        url("invoice_create", workspace),
        {
            "contact": f"Budi Santoso (#{buyer.pk})",
            "issue_date": "2026-11-20",
            "payment_terms_days": "14",
            "shipping_cost": "25.000",
            "lines-count": "2",
            "lines-0-product": str(product.pk),
            "lines-0-quantity": "2",
            "lines-1-description": "Kartu ucapan",
            "lines-1-quantity": "1,5",
            "lines-1-unit_price": "10.000",
            "lines-1-tax_treatment": "standard",
        },
    )
    invoice = Invoice.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("invoice_detail", workspace, invoice.pk)
    assert invoice.status == InvoiceStatus.DRAFT
    assert invoice.net_total == Decimal("2040000")  # 2 × 1.000.000 + 1,5 × 10.000 + 25.000


def test_create_with_bad_input_shows_errors_and_writes_nothing(
    client: Client, profile: SalesProfile, workspace: Workspace
) -> None:
    response = client.post(
        url("invoice_create", workspace),
        {
            "contact": "",
            "lines-count": "1",
            "lines-0-description": "X",
            "lines-0-quantity": "1",
            "lines-0-unit_price": "12.5",
        },
        headers=EN_HEADERS,
    )
    assert response.status_code == 400
    assert b"Pilih pelanggan yang akan ditagih." in response.content
    assert b"1.250.000" in response.content  # the money hint on the line
    assert Invoice.objects.count() == 0


def test_edit_a_draft(client: Client, profile: SalesProfile, workspace: Workspace, buyer: Contact) -> None:
    invoice = draft(workspace, buyer)
    assert client.get(url("invoice_edit", workspace, invoice.pk)).status_code == 200
    response = client.post(
        url("invoice_edit", workspace, invoice.pk),
        {
            "contact": str(buyer.pk),
            "issue_date": "2026-11-20",
            "notes": "Kirim Senin",
            "lines-count": "1",
            "lines-0-description": "Parsel",
            "lines-0-quantity": "3",
            "lines-0-unit_price": "100.000",
        },
    )
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.notes == "Kirim Senin"
    assert invoice.net_total == Decimal("300000")


def test_invoice_a_sales_order(
    client: Client, profile: SalesProfile, workspace: Workspace, buyer: Contact
) -> None:
    order = SalesOrder.objects.create(
        workspace=workspace, number="SO/0001/XI/2026", contact=buyer, buyer_name="Budi"
    )
    order.lines.create(position=1, description="Parsel", quantity=Decimal("1"), unit_price=Decimal("500000"))
    confirm = client.get(url("invoice_create_from_order", workspace, order.pk))
    assert confirm.status_code == 200
    assert b"confirm-invoice" in confirm.content
    assert Invoice.objects.count() == 0
    response = client.post(url("invoice_create_from_order", workspace, order.pk))
    invoice = Invoice.objects.get()
    assert response["Location"] == url("invoice_detail", workspace, invoice.pk)
    order.refresh_from_db()
    assert order.status == OrderStatus.INVOICED
    again = client.post(url("invoice_create_from_order", workspace, order.pk))
    assert again.status_code == 409
    assert Invoice.objects.count() == 1


def test_detail_issue_and_public_link(
    client: Client, profile: SalesProfile, workspace: Workspace, buyer: Contact, bank_account: BankAccount
) -> None:
    invoice = draft(workspace, buyer)
    page = client.get(url("invoice_detail", workspace, invoice.pk))
    assert page.status_code == 200
    assert b'data-testid="issue"' in page.content
    public = reverse("sales:public_invoice", args=[invoice.public_token])
    assert Client().get(public).status_code == 404  # a draft is never public
    response = client.post(url("invoice_issue", workspace, invoice.pk))
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.number == "INV/0001/XI/2026"
    page = client.get(url("invoice_detail", workspace, invoice.pk))
    assert b"INV/0001/XI/2026" in page.content
    assert b'data-testid="issue"' not in page.content
    assert public.encode() in page.content
    if reverse_or_none("sales:payment_create", workspace.slug):
        assert f"?invoice={invoice.pk}".encode() in page.content
    visitor = Client().get(public)
    assert visitor.status_code == 200
    assert b"1234567890" in visitor.content  # the bank account to pay into
    assert b'data-testid="payment-instructions"' in visitor.content
    assert b"sign out" not in visitor.content.lower()


def reverse_or_none(name: str, *args: Any) -> str | None:
    from django.urls import NoReverseMatch

    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def test_a_sales_role_cannot_issue_and_nothing_is_written(
    profile: SalesProfile,
    workspace: Workspace,
    buyer: Contact,
    make_member: Callable[..., User],
    client_as: Any,
) -> None:
    seller = client_as(make_member(workspace, Role.SALES))
    invoice = draft(workspace, buyer)
    assert seller.post(url("invoice_issue", workspace, invoice.pk)).status_code == 403
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.DRAFT
    assert invoice.number == ""
    assert seller.get(url("coretax_export", workspace)).status_code == 403
    assert seller.get(url("credit_note_create", workspace, invoice.pk)).status_code == 403
    finance = client_as(make_member(workspace, Role.FINANCE))
    assert finance.post(url("invoice_issue", workspace, invoice.pk)).status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.UNPAID
    viewer = client_as(make_member(workspace, Role.VIEWER))
    assert viewer.get(url("invoice_detail", workspace, invoice.pk)).status_code == 200
    assert viewer.get(url("invoice_create", workspace)).status_code == 403


def test_another_workspaces_invoice_is_404(
    profile: SalesProfile,
    workspace: Workspace,
    buyer: Contact,
    outsider: User,
    other_workspace: Workspace,
    client_as: Any,
) -> None:
    invoice = issued(workspace, buyer)
    stranger = client_as(outsider)
    assert stranger.get(url("invoice_detail", other_workspace, invoice.pk)).status_code == 404
    assert stranger.post(url("invoice_void", other_workspace, invoice.pk), {"reason": "x"}).status_code == 404
    assert stranger.get(url("invoice_detail", workspace, invoice.pk)).status_code == 404
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.UNPAID


def test_void_from_the_page(
    client: Client, profile: SalesProfile, workspace: Workspace, buyer: Contact
) -> None:
    invoice = issued(workspace, buyer)
    missing = client.post(url("invoice_void", workspace, invoice.pk), {"reason": ""}, headers=EN_HEADERS)
    assert missing.status_code == 400
    assert b"Tulis alasan faktur dibatalkan." in missing.content
    done = client.post(url("invoice_void", workspace, invoice.pk), {"reason": "Salah harga"})
    assert done.status_code == 302
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.VOID


def test_credit_note_from_the_page(
    client: Client, profile: SalesProfile, workspace: Workspace, buyer: Contact
) -> None:
    invoice = issued(
        workspace, buyer, lines=[{"description": "Parsel", "quantity": "10", "unit_price": "100.000"}]
    )
    line = invoice.lines.get()
    form = client.get(url("credit_note_create", workspace, invoice.pk))
    assert form.status_code == 200
    over = client.post(
        url("credit_note_create", workspace, invoice.pk),
        {"reason": "Retur", f"qty-{line.pk}": "11"},
        headers=EN_HEADERS,
    )
    assert over.status_code == 400
    assert b'data-testid="line-error"' in over.content
    assert CreditNote.objects.count() == 0
    done = client.post(
        url("credit_note_create", workspace, invoice.pk), {"reason": "Retur", f"qty-{line.pk}": "2"}
    )
    note = CreditNote.objects.get()
    assert done["Location"] == url("credit_note_detail", workspace, note.pk)
    detail = client.get(url("credit_note_detail", workspace, note.pk))
    assert detail.status_code == 200
    assert note.number.encode() in detail.content
    assert client.get(url("invoice_detail", workspace, invoice.pk)).status_code == 200


def test_record_the_faktur_pajak_number(
    client: Client, profile: SalesProfile, workspace: Workspace, buyer: Contact
) -> None:
    invoice = issued(workspace, buyer)
    page = client.get(url("invoice_detail", workspace, invoice.pk))
    assert b'data-testid="tax-number-form"' in page.content
    client.post(url("invoice_tax_number", workspace, invoice.pk), {"tax_invoice_number": "123"})
    assert Invoice.objects.get(pk=invoice.pk).tax_invoice_number == ""
    client.post(url("invoice_tax_number", workspace, invoice.pk), {"tax_invoice_number": "04002600000000001"})
    invoice.refresh_from_db()
    assert invoice.tax_invoice_status == TaxInvoiceStatus.APPROVED


def test_coretax_page_and_download(
    client: Client, profile: SalesProfile, workspace: Workspace, product: Product
) -> None:
    contact = Contact.objects.create(
        workspace=workspace, full_name="Budi", nik="3273012501900001", buyer_type=BuyerType.ID_INDIVIDUAL
    )
    invoice = issued(workspace, contact, lines=[{"product": product.pk, "quantity": "1"}])
    page = client.get(url("coretax_export", workspace), {"date_from": "2026-11-01", "date_to": "2026-11-30"})
    assert page.status_code == 200
    assert invoice.number.encode() in page.content
    download = client.post(url("coretax_export", workspace), {"invoice": [str(invoice.pk)]})
    assert download.status_code == 200
    assert download["Content-Type"].startswith("application/xml")
    assert b"<RefDesc>INV/0001/XI/2026</RefDesc>" in download.content
    invoice.refresh_from_db()
    assert invoice.tax_invoice_status == TaxInvoiceStatus.EXPORTED


def test_coretax_hidden_and_refused_for_non_pkp(
    client: Client, non_pkp_profile: SalesProfile, workspace: Workspace, buyer: Contact
) -> None:
    invoice = issued(workspace, buyer)
    assert b"coretax-link" not in client.get(url("invoice_list", workspace)).content
    assert b'data-testid="not-pkp"' in client.get(url("coretax_export", workspace)).content
    refused = client.post(url("coretax_export", workspace), {"invoice": [str(invoice.pk)]})
    assert refused.status_code == 302
    assert Invoice.objects.get(pk=invoice.pk).tax_invoice_status == TaxInvoiceStatus.NOT_EXPORTED
    detail = client.get(url("invoice_detail", workspace, invoice.pk))
    assert b'data-testid="tax-number-form"' not in detail.content
