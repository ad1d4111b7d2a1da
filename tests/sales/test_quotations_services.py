"""Quotation / proforma services, checked against the rules (reference §1.6, §1.8, R1, R5,
R10, R20, R25, R26), not against the code's own output."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from relasi.accounts.models import User, Workspace
from relasi.contacts.models import Contact
from relasi.core.exceptions import Conflict, ValidationError
from relasi.sales.enums import DocumentEventKind, DocumentType, QuotationStatus
from relasi.sales.inputs import API
from relasi.sales.models import (
    DocumentEvent,
    Product,
    Quotation,
    QuotationLine,
    SalesOrder,
    SalesProfile,
)
from relasi.sales.services_quotations import (
    quotation_accept,
    quotation_cancel,
    quotation_convert,
    quotation_create,
    quotation_decline,
    quotation_revise,
    quotation_send,
    quotation_update,
    quotation_view_record,
    quotations_expire,
)

DAY = dt.date(2026, 3, 10)
ONE_MILLION_LINE = {"description": "Parsel Lebaran Premium", "quantity": "1", "unit_price": "1.000.000"}


def make(
    workspace: Workspace,
    owner: User,
    buyer: Contact,
    *,
    lines: list[dict[str, Any]] | None = None,
    **values: Any,
) -> Quotation:
    values.setdefault("contact", buyer.pk)
    values.setdefault("issue_date", DAY)
    return quotation_create(
        workspace=workspace, actor=owner, values=values, lines=lines or [ONE_MILLION_LINE]
    )


def events_of(quotation: Quotation) -> list[str]:
    return list(
        DocumentEvent.objects.filter(document_type=DocumentType.QUOTATION, document_id=quotation.pk)
        .order_by("id")
        .values_list("kind", flat=True)
    )


@pytest.fixture
def sent(workspace: Workspace, owner: User, buyer: Contact, profile: SalesProfile) -> Quotation:
    with time_machine.travel(dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC), tick=False):
        quotation = make(workspace, owner, buyer, kind="proforma")
        quotation_send(quotation=quotation, actor=owner, channel="link")
    quotation.refresh_from_db()
    return quotation


# Totals and PPN --------------------------------------------------------------------------


def test_pkp_seller_charges_ppn_11_percent_effective(
    workspace: Workspace, owner: User, buyer: Contact, profile: SalesProfile
) -> None:
    # Given a PKP seller; when one standard line of Rp1.000.000 is offered in 2026
    quotation = make(workspace, owner, buyer)
    # then PPN = 12% × 11/12 × 1.000.000 = Rp110.000 and the total Rp1.110.000 (PMK 131/2024)
    assert quotation.tax_applied is True
    assert quotation.ppn_total == Decimal("110000")
    assert quotation.grand_total == Decimal("1110000")
    assert quotation.other_base_total == Decimal("916666.67")
    assert quotation.status == QuotationStatus.DRAFT
    assert quotation.number == "PH/0001/III/2026"
    assert quotation.valid_until == DAY + dt.timedelta(days=14)
    assert quotation.buyer_name == "Budi Santoso"
    assert events_of(quotation) == [DocumentEventKind.CREATED]


def test_non_pkp_seller_never_charges_ppn(
    workspace: Workspace, owner: User, buyer: Contact, non_pkp_profile: SalesProfile
) -> None:
    quotation = make(workspace, owner, buyer)
    assert quotation.tax_applied is False
    assert quotation.ppn_total == Decimal("0")
    assert quotation.grand_total == Decimal("1000000")


def test_proforma_has_its_own_series_and_a_30_percent_deposit(
    workspace: Workspace, owner: User, buyer: Contact, profile: SalesProfile
) -> None:
    make(workspace, owner, buyer)  # a quotation does not use up the proforma series
    proforma = make(workspace, owner, buyer, kind="proforma", deposit_kind="percent", deposit_value="30")
    assert proforma.number == "PI/0001/III/2026"
    # 30% of Rp1.110.000 = Rp333.000
    assert proforma.deposit_amount == Decimal("333000")


def test_line_discount_shipping_and_other_costs(
    workspace: Workspace, owner: User, buyer: Contact, non_pkp_profile: SalesProfile
) -> None:
    # 2 × Rp500.000 less 10% = Rp900.000, + shipping Rp50.000 + installation Rp25.000
    quotation = make(
        workspace,
        owner,
        buyer,
        lines=[{"description": "Kursi", "quantity": "2", "unit_price": "500.000", "discount_percent": "10"}],
        shipping_cost="50.000",
        other_costs="25.000",
        other_costs_label="Pemasangan",
    )
    assert quotation.subtotal == Decimal("1000000")
    assert quotation.discount_total == Decimal("100000")
    assert quotation.grand_total == Decimal("975000")


def test_a_product_fills_the_line(
    workspace: Workspace, owner: User, buyer: Contact, profile: SalesProfile, product: Product
) -> None:
    quotation = make(workspace, owner, buyer, lines=[{"product": product.pk, "quantity": "2"}])
    line = QuotationLine.objects.get(quotation=quotation)
    assert (line.description, line.unit, line.unit_price) == (
        "Parsel Lebaran Premium",
        "paket",
        Decimal("1000000"),
    )
    assert quotation.grand_total == Decimal("2220000")


# Bad input -----------------------------------------------------------------------------


def test_negative_quantity_names_the_field_and_writes_nothing(
    workspace: Workspace, owner: User, buyer: Contact, profile: SalesProfile
) -> None:
    with pytest.raises(ValidationError) as caught:
        make(workspace, owner, buyer, lines=[{"description": "X", "quantity": "-1", "unit_price": "1000"}])
    assert "lines.1.quantity" in caught.value.fields
    assert not Quotation.objects.exists()
    assert not DocumentEvent.objects.exists()


def test_ambiguous_price_names_the_price_field(
    workspace: Workspace, owner: User, buyer: Contact, profile: SalesProfile
) -> None:
    with pytest.raises(ValidationError) as caught:
        make(
            workspace, owner, buyer, lines=[{"description": "X", "quantity": "1", "unit_price": "1,250.000"}]
        )
    assert set(caught.value.fields) == {"lines.1.unit_price"}
    assert not Quotation.objects.exists()


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"kind": "quotation", "deposit_kind": "percent", "deposit_value": "30"}, "deposit_kind"),
        ({"kind": "proforma", "deposit_kind": "percent", "deposit_value": "101"}, "deposit_value"),
        ({"kind": "proforma", "deposit_kind": "amount", "deposit_value": "2.000.000"}, "deposit_value"),
        ({"valid_until": DAY - dt.timedelta(days=1)}, "valid_until"),
        ({"other_costs": "10.000"}, "other_costs_label"),
        ({"contact": ""}, "contact"),
    ],
)
def test_header_rules(
    workspace: Workspace,
    owner: User,
    buyer: Contact,
    profile: SalesProfile,
    values: dict[str, Any],
    field: str,
) -> None:
    with pytest.raises(ValidationError) as caught:
        make(workspace, owner, buyer, **values)
    assert field in caught.value.fields
    assert not Quotation.objects.exists()


def test_another_workspaces_contact_or_deal_is_refused(
    workspace: Workspace, owner: User, buyer: Contact, profile: SalesProfile, other_workspace: Workspace
) -> None:
    stranger = Contact.objects.create(workspace=other_workspace, full_name="Orang Lain")
    with pytest.raises(ValidationError) as caught:
        make(workspace, owner, buyer, contact=stranger.pk, deal=999999)
    assert {"contact", "deal"} <= set(caught.value.fields)


def test_api_amounts_are_decimal_strings(
    workspace: Workspace, owner: User, buyer: Contact, profile: SalesProfile
) -> None:
    with pytest.raises(ValidationError) as caught:
        quotation_create(
            workspace=workspace,
            actor=owner,
            values={"contact": buyer.pk},
            lines=[{"description": "X", "quantity": "1", "unit_price": "1.000.000"}],
            input_format=API,
        )
    assert "lines.1.unit_price" in caught.value.fields


# Update and revise -----------------------------------------------------------------------


def test_update_changes_a_draft_only(
    workspace: Workspace, owner: User, buyer: Contact, profile: SalesProfile, sent: Quotation
) -> None:
    draft = make(workspace, owner, buyer)
    quotation_update(quotation=draft, actor=owner, values={"shipping_cost": "100.000"})
    draft.refresh_from_db()
    # shipping is part of the selling price: Rp100.000 + PPN 11% = Rp111.000 more
    assert draft.grand_total == Decimal("1221000")
    with pytest.raises(Conflict):
        quotation_update(quotation=sent, actor=owner, values={"notes": "x"})


def test_revise_keeps_the_previous_version(
    workspace: Workspace, owner: User, buyer: Contact, sent: Quotation
) -> None:
    # Given a sent proforma (v1, Rp1.110.000); when it is revised and repriced
    revised = quotation_revise(quotation=sent, actor=owner)
    assert (revised.version, revised.status, revised.sent_at) == (2, QuotationStatus.DRAFT, None)
    quotation_update(
        quotation=revised,
        actor=owner,
        values={"valid_until": timezone.localdate() + dt.timedelta(days=7)},
        lines=[{"description": "Parsel Lebaran Premium", "quantity": "2", "unit_price": "900.000"}],
    )
    revised.refresh_from_db()
    assert revised.grand_total == Decimal("1998000")  # 1.800.000 + 198.000 PPN
    # then version 1 is kept as it was: header, lines and totals
    version = sent.versions.get()
    snapshot = version.snapshot
    assert version.version == 1
    assert snapshot["header"]["number"] == sent.number
    assert snapshot["header"]["status"] == QuotationStatus.SENT
    assert snapshot["header"]["buyer_name"] == "Budi Santoso"
    assert snapshot["totals"]["grand_total"] == "1110000.00"
    assert snapshot["totals"]["ppn_total"] == "110000.00"
    assert [(line["description"], line["quantity"], line["unit_price"]) for line in snapshot["lines"]] == [
        ("Parsel Lebaran Premium", "1.000", "1000000.00")
    ]
    assert revised.number == sent.number
    assert DocumentEventKind.REVISED in events_of(sent)


def test_accepted_converted_and_cancelled_cannot_be_revised(
    workspace: Workspace, owner: User, buyer: Contact, sent: Quotation
) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 20, 9, tzinfo=dt.UTC)):
        quotation_accept(quotation=sent, actor=None, name="Budi")
    with pytest.raises(Conflict):
        quotation_revise(quotation=sent, actor=owner)
    draft = make(workspace, owner, buyer)
    with pytest.raises(Conflict):
        quotation_revise(quotation=draft, actor=owner)  # a draft is edited, not revised
    quotation_cancel(quotation=draft, actor=owner)
    with pytest.raises(Conflict):
        quotation_revise(quotation=draft, actor=owner)
    assert not draft.versions.exists()


# Send ------------------------------------------------------------------------------------


def test_send_by_email_after_commit_only(
    workspace: Workspace,
    owner: User,
    buyer: Contact,
    profile: SalesProfile,
    django_capture_on_commit_callbacks: Any,
) -> None:
    quotation = make(workspace, owner, buyer, issue_date=timezone.localdate())
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = quotation_send(quotation=quotation, actor=owner, channel="email")
    assert len(mail.outbox) == 0  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["budi@contoh.co.id"]
    assert quotation.number in message.subject
    assert result.public_url in message.body
    assert f"/d/penawaran/{quotation.public_token}/" in message.body
    assert f"/d/{quotation.public_token}/pdf/" in message.body  # the PDF link (sales:public_pdf)
    quotation.refresh_from_db()
    assert quotation.status == QuotationStatus.SENT
    assert quotation.sent_at is not None
    assert events_of(quotation)[-1] == DocumentEventKind.SENT


def test_send_by_email_without_an_address_is_refused(
    workspace: Workspace, owner: User, profile: SalesProfile, django_capture_on_commit_callbacks: Any
) -> None:
    nobody = Contact.objects.create(workspace=workspace, full_name="Tanpa Email")
    quotation = quotation_create(
        workspace=workspace, actor=owner, values={"contact": nobody.pk}, lines=[ONE_MILLION_LINE]
    )
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as caught:
        quotation_send(quotation=quotation, actor=owner, channel="email")
    assert "email" in caught.value.fields
    assert len(mail.outbox) == 0
    quotation.refresh_from_db()
    assert quotation.status == QuotationStatus.DRAFT


def test_whatsapp_link_carries_number_total_and_link_but_no_tax_ids(
    workspace: Workspace, owner: User, buyer: Contact, profile: SalesProfile
) -> None:
    buyer.nik = "3273011234560001"
    buyer.npwp = "0013121660091000"
    buyer.save()
    quotation = make(workspace, owner, buyer, issue_date=timezone.localdate())
    result = quotation_send(quotation=quotation, actor=owner, channel="whatsapp")
    assert result.whatsapp_url is not None
    assert result.whatsapp_url.startswith("https://wa.me/6281234567890?text=")
    text = parse_qs(urlparse(result.whatsapp_url).query)["text"][0]
    assert quotation.number in text
    assert "Rp1.110.000" in text
    assert result.public_url in text
    assert "3273011234560001" not in text
    assert "0013121660091000" not in text
    assert result.status == QuotationStatus.SENT


def test_link_channel_returns_the_public_url(
    workspace: Workspace, owner: User, buyer: Contact, profile: SalesProfile
) -> None:
    quotation = make(workspace, owner, buyer, issue_date=timezone.localdate())
    result = quotation_send(quotation=quotation, actor=owner, channel="link")
    assert result.whatsapp_url is None
    assert result.public_url.endswith(f"/d/penawaran/{quotation.public_token}/")


def test_a_past_validity_date_must_be_changed_before_sending(
    workspace: Workspace, owner: User, buyer: Contact, profile: SalesProfile
) -> None:
    quotation = make(workspace, owner, buyer, issue_date=dt.date(2025, 1, 2))
    with pytest.raises(ValidationError) as caught:
        quotation_send(quotation=quotation, actor=owner, channel="link")
    assert "valid_until" in caught.value.fields


# The buyer's answer ------------------------------------------------------------------------


def test_first_view_is_recorded_once(sent: Quotation) -> None:
    assert quotation_view_record(quotation=sent) is True
    assert quotation_view_record(quotation=sent) is False
    sent.refresh_from_db()
    assert sent.viewed_at is not None
    assert events_of(sent).count(DocumentEventKind.VIEWED) == 1


def test_accept_once_with_name_and_po(sent: Quotation) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 20, 9, tzinfo=dt.UTC)):
        accepted = quotation_accept(quotation=sent, actor=None, name="Budi Santoso", po_number="PO-77")
        assert (accepted.status, accepted.answered_by_name, accepted.customer_po_number) == (
            QuotationStatus.ACCEPTED,
            "Budi Santoso",
            "PO-77",
        )
        with pytest.raises(Conflict):
            quotation_accept(quotation=sent, actor=None, name="Budi Santoso")
    assert events_of(sent).count(DocumentEventKind.ACCEPTED) == 1


def test_accept_needs_a_name(sent: Quotation) -> None:
    with (
        time_machine.travel(dt.datetime(2026, 3, 20, 9, tzinfo=dt.UTC)),
        pytest.raises(ValidationError) as caught,
    ):
        quotation_accept(quotation=sent, actor=None, name="  ")
    assert "name" in caught.value.fields


def test_declined_or_expired_cannot_be_accepted(
    workspace: Workspace, owner: User, buyer: Contact, sent: Quotation
) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 20, 9, tzinfo=dt.UTC)):
        quotation_decline(quotation=sent, actor=None, reason="Terlalu mahal")
        with pytest.raises(Conflict):
            quotation_accept(quotation=sent, actor=None, name="Budi")
    sent.refresh_from_db()
    assert (sent.status, sent.decline_reason) == (QuotationStatus.DECLINED, "Terlalu mahal")
    # valid until 24 March 2026: on the 25th it can no longer be accepted, even before the job runs
    other = make(workspace, owner, buyer)
    with time_machine.travel(dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC)):
        quotation_send(quotation=other, actor=owner, channel="link")
    with time_machine.travel(dt.datetime(2026, 3, 25, 9, tzinfo=dt.UTC)), pytest.raises(Conflict):
        quotation_accept(quotation=other, actor=None, name="Budi")


def test_quotations_expire_after_validity(
    workspace: Workspace, owner: User, buyer: Contact, sent: Quotation
) -> None:
    # sent on 10 March 2026, valid until 24 March
    with time_machine.travel(dt.datetime(2026, 3, 24, 12, tzinfo=dt.UTC)):
        assert quotations_expire() == 0  # still valid on its last day
    with time_machine.travel(dt.datetime(2026, 3, 25, 1, tzinfo=dt.UTC)):
        assert quotations_expire() == 1
        assert quotations_expire() == 0  # safe to run twice
    sent.refresh_from_db()
    assert sent.status == QuotationStatus.EXPIRED
    assert events_of(sent).count(DocumentEventKind.EXPIRED) == 1
    # an expired quotation can be revised into a new draft version, valid again from today
    with time_machine.travel(dt.datetime(2026, 4, 1, 3, tzinfo=dt.UTC)):
        revised = quotation_revise(quotation=sent, actor=owner)
    assert revised.version == 2
    assert revised.valid_until == dt.date(2026, 4, 15)
    assert sent.versions.get().snapshot["header"]["valid_until"] == "2026-03-24"


def test_the_task_runs_the_service(sent: Quotation) -> None:
    from relasi.sales.tasks_quotations import quotations_expire_task

    with time_machine.travel(dt.datetime(2026, 4, 1, 1, tzinfo=dt.UTC)):
        assert quotations_expire_task.apply().get() == 1


# Convert -----------------------------------------------------------------------------------


def test_convert_makes_one_sales_order_with_the_same_lines_and_totals(
    workspace: Workspace, owner: User, sent: Quotation
) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 20, 9, tzinfo=dt.UTC)):
        quotation_accept(quotation=sent, actor=owner, name="Budi", po_number="PO-77")
        order = quotation_convert(quotation=sent, actor=owner)
        assert order.number == "SO/0001/III/2026"
        with pytest.raises(Conflict):
            quotation_convert(quotation=sent, actor=owner)
    sent.refresh_from_db()
    assert sent.status == QuotationStatus.CONVERTED
    assert SalesOrder.objects.count() == 1
    assert (order.grand_total, order.ppn_total, order.customer_po_number) == (
        Decimal("1110000"),
        Decimal("110000"),
        "PO-77",
    )
    assert order.buyer_name == sent.buyer_name
    assert order.contact_id == sent.contact_id
    assert [(line.description, line.quantity, line.unit_price, line.total) for line in order.lines.all()] == [
        (line.description, line.quantity, line.unit_price, line.total) for line in sent.lines.all()
    ]
    assert DocumentEventKind.CONVERTED in events_of(sent)


def test_only_an_accepted_quotation_converts(sent: Quotation, owner: User) -> None:
    with pytest.raises(Conflict):
        quotation_convert(quotation=sent, actor=owner)
    assert not SalesOrder.objects.exists()


def test_cancel(workspace: Workspace, owner: User, buyer: Contact, profile: SalesProfile) -> None:
    quotation = make(workspace, owner, buyer)
    quotation_cancel(quotation=quotation, actor=owner, reason="Salah harga")
    quotation.refresh_from_db()
    assert quotation.status == QuotationStatus.CANCELLED
    with pytest.raises(Conflict):
        quotation_cancel(quotation=quotation, actor=owner)
