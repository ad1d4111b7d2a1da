"""Pages of quotations and sales orders, and the buyer's public page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.contacts.models import Contact
from relasi.sales.enums import DocumentEventKind, DocumentType, QuotationStatus
from relasi.sales.models import Deal, DocumentEvent, Product, Quotation, SalesOrder, SalesProfile
from relasi.sales.services_quotations import quotation_accept, quotation_create, quotation_send

LINE = {"description": "Parsel Lebaran Premium", "quantity": "1", "unit_price": "1.000.000"}


def form_data(buyer: Contact, *rows: dict[str, str], **header: str) -> dict[str, str]:
    data = {
        "contact": f"{buyer.full_name} (#{buyer.pk})",
        "kind": "quotation",
        "deposit_kind": "none",
        **header,
    }
    data["lines-count"] = str(len(rows) + 2)
    for i, row in enumerate(rows):
        for name, value in row.items():
            data[f"lines-{i}-{name}"] = value
        data.setdefault(f"lines-{i}-tax_treatment", "standard")
    return data


def url(name: str, *args: Any) -> str:
    return reverse(f"sales:{name}", args=["hero", *args])


@pytest.fixture
def owner_client(owner: User, client_as: Any, profile: SalesProfile) -> Client:
    client: Client = client_as(owner)
    return client


@pytest.fixture
def draft(workspace: Workspace, owner: User, buyer: Contact, profile: SalesProfile) -> Quotation:
    return quotation_create(workspace=workspace, actor=owner, values={"contact": buyer.pk}, lines=[LINE])


@pytest.fixture
def sent(draft: Quotation, owner: User) -> Quotation:
    quotation_send(quotation=draft, actor=owner, channel="link")
    draft.refresh_from_db()
    return draft


def test_create_with_the_line_editor_without_js(
    owner_client: Client, buyer: Contact, product: Product
) -> None:
    page = owner_client.get(url("quotation_create"))
    assert page.status_code == 200
    assert b'name="lines-0-description"' in page.content
    assert b'name="add_line"' in page.content
    response = owner_client.post(
        url("quotation_create"),
        form_data(buyer, LINE, {"product": str(product.pk), "quantity": "2"}, shipping_cost="50.000"),
    )
    quotation = Quotation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("quotation_detail", quotation.pk)
    # 1.000.000 + 2 × 1.000.000 + 50.000 shipping = 3.050.000; PPN 11% = 335.500
    assert quotation.grand_total == Decimal("3385500")
    assert quotation.lines.count() == 2


def test_add_line_posts_back_without_saving(owner_client: Client, buyer: Contact) -> None:
    response = owner_client.post(url("quotation_create"), {**form_data(buyer, LINE), "add_line": "1"})
    assert not Quotation.objects.exists()
    assert b'value="Parsel Lebaran Premium"' in response.content
    assert b'name="lines-1-description"' in response.content


def test_removed_rows_are_dropped(owner_client: Client, buyer: Contact) -> None:
    data = form_data(buyer, LINE, {"description": "Kartu", "quantity": "1", "unit_price": "5.000"})
    data["lines-1-remove"] = "1"
    owner_client.post(url("quotation_create"), data)
    assert list(Quotation.objects.get().lines.values_list("description", flat=True)) == [
        "Parsel Lebaran Premium"
    ]


def test_ambiguous_price_is_shown_on_the_price_field(owner_client: Client, buyer: Contact) -> None:
    response = owner_client.post(
        url("quotation_create"),
        form_data(buyer, {**LINE, "unit_price": "1,250.000"}),
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 400
    assert not Quotation.objects.exists()
    assert b'data-testid="line-1-unit_price-error"' in response.content
    assert b"1.250.000" in response.content  # the hint says how to write it
    assert b'value="1,250.000"' in response.content  # what was typed is kept


def test_header_errors_go_on_their_fields(owner_client: Client, buyer: Contact) -> None:
    response = owner_client.post(
        url("quotation_create"),
        form_data(buyer, {**LINE, "quantity": "-1"}, deposit_kind="percent", deposit_value="30"),
    )
    assert response.status_code == 400
    assert b'data-testid="error-deposit_kind"' in response.content
    assert b'data-testid="line-1-quantity-error"' in response.content
    assert not Quotation.objects.exists()


def test_prefill_from_deal_and_contact(
    owner_client: Client, workspace: Workspace, buyer: Contact, owner: User
) -> None:
    deal = Deal.objects.create(workspace=workspace, title="Parsel kantor", contact=buyer)
    page = owner_client.get(url("quotation_create") + f"?deal={deal.pk}")
    assert f'value="{buyer.full_name} (#{buyer.pk})"'.encode() in page.content
    assert f'<option value="{deal.pk}" selected>'.encode() in page.content
    response = owner_client.post(url("quotation_create"), form_data(buyer, LINE, deal=str(deal.pk)))
    assert response.status_code == 302
    assert Quotation.objects.get().deal == deal
    page = owner_client.get(url("quotation_create") + f"?contact={buyer.pk}")
    assert f'value="{buyer.full_name} (#{buyer.pk})"'.encode() in page.content


def test_contact_options_search(owner_client: Client, buyer: Contact) -> None:
    body = owner_client.get(url("quotation_contact_options") + "?q=Budi").json()
    assert body["items"] == [{"id": buyer.pk, "label": f"Budi Santoso (#{buyer.pk})"}]


def test_edit_a_draft(owner_client: Client, draft: Quotation, buyer: Contact) -> None:
    page = owner_client.get(url("quotation_edit", draft.pk))
    assert b'value="1.000.000"' in page.content  # amounts shown the Indonesian way
    assert f'value="{draft.valid_until.isoformat()}"'.encode() in page.content  # a date input reads ISO
    response = owner_client.post(url("quotation_edit", draft.pk), form_data(buyer, {**LINE, "quantity": "3"}))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.grand_total == Decimal("3330000")


def test_detail_shows_status_timeline_and_paper(owner_client: Client, sent: Quotation) -> None:
    page = owner_client.get(url("quotation_detail", sent.pk))
    assert page.status_code == 200
    content = page.content.decode()
    assert 'data-testid="document-timeline"' in content
    assert sent.public_token in content
    assert 'class="paper' in content  # the paper (sales/paper/quotation.html) is included


def test_list_and_filters(owner_client: Client, sent: Quotation) -> None:
    page = owner_client.get(url("quotation_list"))
    assert sent.number.encode() in page.content
    assert sent.number.encode() not in owner_client.get(url("quotation_list") + "?status=draft").content
    by_buyer = owner_client.get(url("quotation_list"), {"contact": f"Budi Santoso (#{sent.contact_id})"})
    assert sent.number.encode() in by_buyer.content
    assert sent.number.encode() not in owner_client.get(url("quotation_list"), {"contact": "#999999"}).content


def test_send_by_whatsapp_opens_wa_me(owner_client: Client, draft: Quotation) -> None:
    response = owner_client.post(url("quotation_send", draft.pk), {"channel": "whatsapp"})
    assert response.status_code == 302
    assert response["Location"].startswith("https://wa.me/6281234567890?text=")
    draft.refresh_from_db()
    assert draft.status == QuotationStatus.SENT


def test_actions_revise_accept_convert(owner_client: Client, sent: Quotation) -> None:
    owner_client.post(url("quotation_accept", sent.pk), {"name": "Budi", "po_number": "PO-5"})
    sent.refresh_from_db()
    assert sent.status == QuotationStatus.ACCEPTED
    response = owner_client.post(url("quotation_convert", sent.pk))
    order = SalesOrder.objects.get()
    assert response["Location"] == url("order_detail", order.pk)
    owner_client.post(url("quotation_convert", sent.pk))
    assert SalesOrder.objects.count() == 1
    page = owner_client.get(url("order_detail", order.pk))
    assert b'data-testid="create-invoice"' in page.content  # the invoices area's page, when wired in
    assert page.status_code == 200
    assert order.number.encode() in page.content


def test_agent_cannot_write(
    workspace: Workspace, make_member: Any, client_as: Any, buyer: Contact, draft: Quotation
) -> None:
    client = client_as(make_member(workspace, Role.AGENT))
    assert client.get(url("quotation_list")).status_code == 200
    assert client.get(url("quotation_detail", draft.pk)).status_code == 200
    assert client.post(url("quotation_create"), form_data(buyer, LINE)).status_code == 403
    assert client.post(url("quotation_send", draft.pk), {"channel": "link"}).status_code == 403
    assert client.post(url("order_create"), form_data(buyer, LINE)).status_code == 403
    assert Quotation.objects.count() == 1
    assert not SalesOrder.objects.exists()
    draft.refresh_from_db()
    assert draft.status == QuotationStatus.DRAFT


def test_other_workspace_ids_are_404(outsider: User, client_as: Any, draft: Quotation) -> None:
    client = client_as(outsider)
    for name in ("quotation_detail", "quotation_edit"):
        assert client.get(reverse(f"sales:{name}", args=["sebelah", draft.pk])).status_code == 404
    assert client.post(reverse("sales:quotation_cancel", args=["sebelah", draft.pk])).status_code == 404
    draft.refresh_from_db()
    assert draft.status == QuotationStatus.DRAFT


# Sales orders ----------------------------------------------------------------------------


def test_order_create_list_cancel(owner_client: Client, buyer: Contact) -> None:
    response = owner_client.post(url("order_create"), form_data(buyer, LINE, customer_po_number="PO-3"))
    order = SalesOrder.objects.get()
    assert response.status_code == 302
    assert (order.grand_total, order.customer_po_number) == (Decimal("1110000"), "PO-3")
    assert order.number.encode() in owner_client.get(url("order_list")).content
    owner_client.post(url("order_cancel", order.pk))
    order.refresh_from_db()
    assert order.status == "cancelled"


def test_order_bad_price(owner_client: Client, buyer: Contact) -> None:
    response = owner_client.post(url("order_create"), form_data(buyer, {**LINE, "unit_price": "12.5"}))
    assert response.status_code == 400
    assert b'data-testid="line-1-unit_price-error"' in response.content
    assert not SalesOrder.objects.exists()


# The buyer's public page -----------------------------------------------------------------


def public(quotation: Quotation) -> str:
    return reverse("sales:public_quotation", args=[quotation.public_token])


def viewed_events(quotation: Quotation) -> int:
    return DocumentEvent.objects.filter(
        document_type=DocumentType.QUOTATION, document_id=quotation.pk, kind=DocumentEventKind.VIEWED
    ).count()


def test_public_page_records_the_first_view_once(client: Client, sent: Quotation) -> None:
    response = client.get(public(sent))
    assert response.status_code == 200
    assert response["X-Robots-Tag"].startswith("noindex")
    assert response["Referrer-Policy"] == "same-origin"  # no leak elsewhere; forms keep their Origin
    assert sent.number.encode() in response.content
    assert b'data-testid="public-accept"' in response.content
    client.get(public(sent))
    assert viewed_events(sent) == 1


def test_a_member_opening_the_link_is_not_a_view(owner_client: Client, sent: Quotation) -> None:
    owner_client.get(public(sent))
    assert viewed_events(sent) == 0


def test_public_accept_works_once(client: Client, sent: Quotation) -> None:
    response = client.post(
        public(sent), {"action": "accept", "accept-name": "Budi Santoso", "accept-po_number": "PO-8"}
    )
    assert response.status_code == 302
    sent.refresh_from_db()
    assert (sent.status, sent.answered_by_name, sent.customer_po_number) == (
        QuotationStatus.ACCEPTED,
        "Budi Santoso",
        "PO-8",
    )
    again = client.post(public(sent), {"action": "accept", "accept-name": "Budi"})
    assert again.status_code == 409
    accepted = DocumentEvent.objects.filter(document_id=sent.pk, kind=DocumentEventKind.ACCEPTED)
    assert accepted.count() == 1
    assert accepted.get().actor is None


def test_public_accept_needs_a_name(client: Client, sent: Quotation) -> None:
    response = client.post(public(sent), {"action": "accept", "accept-name": ""})
    assert response.status_code == 400
    sent.refresh_from_db()
    assert sent.status == QuotationStatus.SENT


def test_public_decline_then_no_accept(client: Client, sent: Quotation) -> None:
    client.post(public(sent), {"action": "decline", "decline-reason": "Anggaran belum ada"})
    sent.refresh_from_db()
    assert (sent.status, sent.decline_reason) == (QuotationStatus.DECLINED, "Anggaran belum ada")
    page = client.get(public(sent))
    assert b'data-testid="public-accept"' not in page.content
    assert client.post(public(sent), {"action": "accept", "accept-name": "Budi"}).status_code == 409


def test_expired_cannot_be_accepted(client: Client, sent: Quotation) -> None:
    with time_machine.travel(timezone.localdate() + dt.timedelta(days=30)):
        assert client.post(public(sent), {"action": "accept", "accept-name": "Budi"}).status_code == 409
    sent.refresh_from_db()
    assert sent.status == QuotationStatus.SENT


def test_draft_cancelled_and_unknown_tokens_are_404(
    client: Client, draft: Quotation, workspace: Workspace, owner: User, buyer: Contact
) -> None:
    assert client.get(public(draft)).status_code == 404
    assert client.get(reverse("sales:public_quotation", args=["tidak-ada"])).status_code == 404
    quotation_send(quotation=draft, actor=owner, channel="link")
    from relasi.sales.services_quotations import quotation_cancel

    quotation_cancel(quotation=draft, actor=owner)
    assert client.get(public(draft)).status_code == 404
    assert viewed_events(draft) == 0


def test_accepted_on_behalf_shows_on_the_public_page(client: Client, sent: Quotation, owner: User) -> None:
    quotation_accept(quotation=sent, actor=owner, name="Budi Santoso")
    page = client.get(public(sent))
    assert b'data-testid="public-answer"' in page.content
    assert b"Budi Santoso" in page.content


def test_list_pages_query_count_does_not_grow(
    owner_client: Client, workspace: Workspace, owner: User, buyer: Contact
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(name: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert owner_client.get(url(name)).status_code == 200
        return len(queries)

    quotation_create(workspace=workspace, actor=owner, values={"contact": buyer.pk}, lines=[LINE])
    owner_client.post(url("order_create"), form_data(buyer, LINE))
    few = count("quotation_list"), count("order_list")
    for _ in range(20):
        quotation_create(workspace=workspace, actor=owner, values={"contact": buyer.pk}, lines=[LINE])
        owner_client.post(url("order_create"), form_data(buyer, LINE))
    assert (count("quotation_list"), count("order_list")) == few
