"""The demo shop's selling side (``relasi seed_sales --demo``), made through the services so
every document has its number, totals, events and timeline: a PKP seller profile, bank
accounts and a static QRIS, a catalogue, quotations in every state, invoices issued over the
last months (some paid, some overdue for the receivables page), deals on the board and
activities for the owner.

Idempotent: nothing is added when the workspace already has products.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Protocol

from django.db import transaction
from django.utils import timezone

from relasi.accounts.models import User, Workspace
from relasi.contacts.models import Contact
from relasi.core.qris import qris_crc
from relasi.sales import inputs, services_activities, services_deals, services_invoices, services_quotations
from relasi.sales.enums import DealStage, PaymentMethod, QuotationKind
from relasi.sales.models import BankAccount, Product
from relasi.sales.profile import sales_profile_get
from relasi.sales.services_payments import payment_record

PRODUCTS: list[dict[str, Any]] = [
    {
        "sku": "PRL-001",
        "name": "Parsel Lebaran Premium",
        "unit": "paket",
        "price": "1000000.00",
        "djp_code": "000000",
        "djp_unit_code": "UM.0021",
    },
    {
        "sku": "PRL-002",
        "name": "Parsel Lebaran Hemat",
        "unit": "paket",
        "price": "350000.00",
        "djp_code": "000000",
        "djp_unit_code": "UM.0021",
    },
    {
        "sku": "HMP-010",
        "name": "Hampers Natal Keluarga",
        "unit": "paket",
        "price": "750000.00",
        "djp_code": "000000",
        "djp_unit_code": "UM.0021",
    },
    {
        "sku": "KTK-001",
        "name": "Kotak Kado Kayu Jati",
        "unit": "pcs",
        "price": "125000.00",
        "djp_code": "000000",
        "djp_unit_code": "UM.0018",
    },
    {
        "sku": "KRT-001",
        "name": "Kartu Ucapan Cetak",
        "unit": "lusin",
        "price": "60000.00",
        "djp_code": "000000",
        "djp_unit_code": "UM.0018",
    },
    {
        "sku": "PTA-001",
        "name": "Pita Satin 2,5 cm",
        "unit": "meter",
        "price": "4500.00",
        "djp_code": "000000",
        "djp_unit_code": "UM.0013",
    },
    {
        "sku": "JSA-001",
        "name": "Jasa Desain Kemasan",
        "kind": "service",
        "unit": "jam",
        "price": "150000.00",
        "djp_code": "000000",
        "djp_unit_code": "UM.0030",
    },
    {
        "sku": "JSA-002",
        "name": "Jasa Pengiriman Dalam Kota",
        "kind": "service",
        "unit": "paket",
        "price": "50000.00",
        "djp_code": "000000",
        "djp_unit_code": "UM.0030",
    },
]


class _Writer(Protocol):
    def write(self, text: str, /) -> Any: ...


def demo_qris_payload(*, name: str, city: str) -> str:
    """A static QRIS for the demo (EMVCo TLV; the NMID is made up, no bank knows it)."""

    def tlv(tag: str, value: str) -> str:
        return f"{tag}{len(value):02d}{value}"

    merchant = tlv("00", "ID.CO.QRIS.WWW") + tlv("02", "ID1026000000001") + tlv("03", "UMI")
    body = (
        tlv("00", "01")
        + tlv("01", "11")
        + tlv("51", merchant)
        + tlv("52", "5947")
        + tlv("53", "360")
        + tlv("58", "ID")
        + tlv("59", name[:25])
        + tlv("60", city[:15])
        + "6304"
    )
    return body + qris_crc(body)


def _lines(products: dict[str, Product], *items: tuple[str, str]) -> list[dict[str, Any]]:
    return [{"product": products[sku].pk, "quantity": quantity} for sku, quantity in items]


@transaction.atomic
def demo_sales_ensure(
    *, workspace: Workspace, owner: User, customers: list[Contact], stdout: _Writer | None = None
) -> bool:
    """Fill the demo workspace's sales side once; ``False`` when it was already there."""
    if Product.objects.filter(workspace=workspace).exists() or len(customers) < 8:
        return False
    profile = sales_profile_get(workspace=workspace)
    profile.legal_name = "PT Hadiah Hero Nusantara"
    profile.address = "Jl. Braga No. 10, Sumur Bandung, Bandung 40111"
    profile.city = "Bandung"
    profile.phone = "+62224201234"
    profile.email = "halo@hero.test"
    profile.is_pkp = True
    profile.npwp = "0013121660091000"
    profile.nitku = "0013121660091000000000"
    profile.signatory_name = "Elok Pratiwi"
    profile.signatory_title = "Direktur"
    profile.qris_payload = demo_qris_payload(name="HADIAH HERO", city="BANDUNG")
    profile.save()
    bca = BankAccount.objects.create(
        workspace=workspace, bank_name="BCA", account_number="4371234567", account_holder=profile.legal_name
    )
    BankAccount.objects.create(
        workspace=workspace,
        bank_name="Bank Mandiri",
        account_number="1300012345678",
        account_holder=profile.legal_name,
        position=1,
    )
    products = {values["sku"]: Product.objects.create(workspace=workspace, **values) for values in PRODUCTS}

    today = timezone.localdate()
    # Quotations: a draft, a sent proforma with a 30% deposit, an accepted one turned into an
    # order and an invoice.
    services_quotations.quotation_create(
        workspace=workspace,
        actor=owner,
        values={"contact": customers[0].pk, "kind": QuotationKind.QUOTATION},
        lines=_lines(products, ("PRL-002", "20"), ("KRT-001", "2")),
        input_format=inputs.API,
    )
    proforma = services_quotations.quotation_create(
        workspace=workspace,
        actor=owner,
        values={
            "contact": customers[1].pk,
            "kind": QuotationKind.PROFORMA,
            "deposit_kind": "percent",
            "deposit_value": "30",
            "shipping_cost": "100000.00",
        },
        lines=_lines(products, ("PRL-001", "10"), ("KTK-001", "10")),
        input_format=inputs.API,
    )
    services_quotations.quotation_send(quotation=proforma, actor=owner, channel="link")
    accepted = services_quotations.quotation_create(
        workspace=workspace,
        actor=owner,
        values={"contact": customers[2].pk, "kind": QuotationKind.PROFORMA},
        lines=_lines(products, ("HMP-010", "12"), ("JSA-001", "3")),
        input_format=inputs.API,
    )
    services_quotations.quotation_send(quotation=accepted, actor=owner, channel="link")
    services_quotations.quotation_accept(
        quotation=accepted, actor=owner, name="Bapak Hendra", po_number="PO-7781"
    )
    order = services_quotations.quotation_convert(quotation=accepted, actor=owner)
    services_invoices.invoice_create_from_order(order=order, actor=owner)

    # Invoices issued over the last months: paid, partly paid, overdue at 10, 45 and 100 days.
    for index, (days_ago, paid) in enumerate(
        [(120, "all"), (75, "none"), (50, "half"), (24, "none"), (5, "none")]
    ):
        invoice = services_invoices.invoice_create(
            workspace=workspace,
            actor=owner,
            values={
                "contact": customers[3 + index].pk,
                "issue_date": (today - dt.timedelta(days=days_ago)).isoformat(),
                "payment_terms_days": 14,
            },
            lines=_lines(products, ("PRL-001", str(2 + index)), ("PTA-001", "50")),
            input_format=inputs.API,
        )
        invoice = services_invoices.invoice_issue(invoice=invoice, actor=owner)
        if paid != "none":
            amount = invoice.grand_total if paid == "all" else (invoice.grand_total / 2).quantize(Decimal(1))
            payment_record(
                workspace=workspace,
                actor=owner,
                invoice=invoice,
                amount=amount,
                paid_on=invoice.issue_date + dt.timedelta(days=7),
                method=PaymentMethod.BANK_TRANSFER,
                bank_account=bca,
                reference=f"TRF-{invoice.pk:05d}",
            )

    # The board and the owner's activities.
    for index, (title, stage, value) in enumerate(
        [
            ("Parsel Lebaran 200 paket — PT Sinar Jaya", DealStage.LEAD, "70000000.00"),
            ("Hampers Natal karyawan", DealStage.QUALIFIED, "37500000.00"),
            ("Souvenir pernikahan 500 pcs", DealStage.PROPOSAL, "62500000.00"),
            ("Kado ulang tahun perusahaan", DealStage.NEGOTIATION, "15000000.00"),
            ("Parsel kantor cabang Surabaya", DealStage.WON, "21000000.00"),
        ]
    ):
        deal = services_deals.deal_create(
            workspace=workspace,
            actor=owner,
            values={
                "title": title,
                "contact_id": customers[index].pk,
                "value": value,
                "expected_close_date": (today + dt.timedelta(days=14 * (index + 1))).isoformat(),
                "owner_id": owner.pk,
            },
        )
        if stage != DealStage.LEAD:
            services_deals.deal_move(deal=deal, stage=stage, actor=owner)
        if stage not in (DealStage.WON, DealStage.LOST):
            services_activities.activity_create(
                workspace=workspace,
                actor=owner,
                values={
                    "kind": "call" if index % 2 else "follow_up",
                    "subject": f"Tindak lanjut: {title}",
                    "due_at": timezone.localtime() + dt.timedelta(days=index - 1, hours=2),
                    "owner_id": owner.pk,
                    "deal_id": deal.pk,
                },
            )
    if stdout is not None:
        stdout.write("Penjualan demo: produk, penawaran, invoice, pembayaran dan peluang dibuat.\n")
    return True
