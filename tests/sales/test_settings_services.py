"""Seller settings: the tax/letterhead profile (R1, R3/R4, R12, R34), bank accounts (R34),
numbering (R9) and the PKP turnover warning (R2)."""

from __future__ import annotations

import io
import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from relasi.accounts.models import User, Workspace
from relasi.contacts.models import Contact
from relasi.core.exceptions import ValidationError
from relasi.core.models import AuditAction, AuditLog
from relasi.sales import selectors_settings, services_settings
from relasi.sales.documents import buyer_snapshot, public_token_new
from relasi.sales.enums import InvoiceStatus, Series
from relasi.sales.models import BankAccount, DocumentSequence, Invoice, SalesProfile
from relasi.sales.profile import sales_profile_get
from tests.core.test_qris import STATIC as QRIS_STATIC

NPWP_16 = "0013121660091000"
NPWP_15 = "01.312.166.0-091.000"
NPWP_BAD_CHECK_DIGIT = "013121661091000"
NITKU = NPWP_16 + "000000"


@pytest.fixture(autouse=True)
def _english() -> object:
    with translation.override("en"):
        yield


def png_upload(
    name: str = "logo.png", size: tuple[int, int] = (20, 10), fmt: str = "PNG"
) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


# Profile -----------------------------------------------------------------------------------


def test_a_15_digit_npwp_becomes_16_digits_and_the_change_is_audited(
    owner: User, workspace: Workspace
) -> None:
    profile = services_settings.sales_profile_update(
        workspace=workspace,
        actor=owner,
        values={"legal_name": "PT Hadiah Hero", "is_pkp": True, "npwp": NPWP_15, "nitku": NITKU},
    )
    profile.refresh_from_db()
    assert profile.npwp == NPWP_16
    assert profile.is_pkp
    assert profile.nitku == NITKU
    entry = AuditLog.objects.get(object_type="sales.salesprofile", action=AuditAction.UPDATE)
    assert entry.changes["npwp"] == ["", NPWP_16]
    assert entry.actor == owner


def test_a_bad_npwp_checksum_names_npwp_and_nothing_is_saved(owner: User, workspace: Workspace) -> None:
    with pytest.raises(ValidationError) as err:
        services_settings.sales_profile_update(
            workspace=workspace,
            actor=owner,
            values={"legal_name": "Nama Baru", "npwp": NPWP_BAD_CHECK_DIGIT},
        )
    assert "npwp" in err.value.fields
    assert "NPWP" in str(err.value.fields["npwp"])
    profile = sales_profile_get(workspace=workspace)
    assert profile.legal_name != "Nama Baru"
    assert profile.npwp == ""
    assert not AuditLog.objects.filter(object_type="sales.salesprofile").exists()


@pytest.mark.parametrize("npwp", ["0000000000000000", "12345"])
def test_all_zero_or_short_npwp_is_refused(owner: User, workspace: Workspace, npwp: str) -> None:
    with pytest.raises(ValidationError) as err:
        services_settings.sales_profile_update(workspace=workspace, actor=owner, values={"npwp": npwp})
    assert set(err.value.fields) == {"npwp"}


def test_a_pkp_needs_an_npwp(owner: User, workspace: Workspace) -> None:
    with pytest.raises(ValidationError) as err:
        services_settings.sales_profile_update(
            workspace=workspace, actor=owner, values={"is_pkp": True, "npwp": ""}
        )
    assert "npwp" in err.value.fields
    assert not sales_profile_get(workspace=workspace).is_pkp


def test_nitku_must_start_with_the_npwp(owner: User, workspace: Workspace) -> None:
    other_npwp_nitku = "0024869810441000000000"  # a different valid NPWP + 000000
    with pytest.raises(ValidationError) as err:
        services_settings.sales_profile_update(
            workspace=workspace, actor=owner, values={"npwp": NPWP_16, "nitku": other_npwp_nitku}
        )
    assert set(err.value.fields) == {"nitku"}
    with pytest.raises(ValidationError) as err:
        services_settings.sales_profile_update(
            workspace=workspace, actor=owner, values={"npwp": NPWP_16, "nitku": NPWP_16 + "000"}
        )
    assert set(err.value.fields) == {"nitku"}


def test_qris_is_validated_and_stored_without_line_breaks(owner: User, workspace: Workspace) -> None:
    with pytest.raises(ValidationError) as err:
        services_settings.sales_profile_update(
            workspace=workspace, actor=owner, values={"qris_payload": QRIS_STATIC[:-1] + "0"}
        )
    assert "checksum" in str(err.value.fields["qris_payload"])
    half = len(QRIS_STATIC) // 2
    profile = services_settings.sales_profile_update(
        workspace=workspace,
        actor=owner,
        values={"qris_payload": f"  {QRIS_STATIC[:half]}\n{QRIS_STATIC[half:]} "},
    )
    assert profile.qris_payload == QRIS_STATIC
    merchant = selectors_settings.qris_merchant_of(profile)
    assert merchant is not None
    assert merchant.nmid == "ID1020021181745"


def test_negative_amounts_and_bad_days_are_refused(owner: User, workspace: Workspace) -> None:
    with pytest.raises(ValidationError) as err:
        services_settings.sales_profile_update(
            workspace=workspace,
            actor=owner,
            values={"stamp_duty_threshold": Decimal("-1"), "payment_terms_days": 400},
        )
    assert set(err.value.fields) == {"stamp_duty_threshold", "payment_terms_days"}


def test_logo_png_is_stored_and_a_fake_image_refused(owner: User, workspace: Workspace) -> None:
    profile = services_settings.sales_profile_update(
        workspace=workspace, actor=owner, values={"logo": png_upload()}
    )
    assert profile.logo.name.endswith(".png")
    fake = SimpleUploadedFile("logo.png", b"not an image at all", content_type="image/png")
    with pytest.raises(ValidationError) as err:
        services_settings.sales_profile_update(workspace=workspace, actor=owner, values={"logo": fake})
    assert "logo" in err.value.fields


def test_logo_over_one_megabyte_is_refused(owner: User, workspace: Workspace) -> None:
    big = SimpleUploadedFile("logo.png", b"\x89PNG" + b"0" * 1_000_001, content_type="image/png")
    with pytest.raises(ValidationError) as err:
        services_settings.sales_profile_update(workspace=workspace, actor=owner, values={"logo": big})
    assert "1 MB" in str(err.value.fields["logo"])


def test_gif_logo_is_refused(owner: User, workspace: Workspace) -> None:
    with pytest.raises(ValidationError) as err:
        services_settings.sales_profile_update(
            workspace=workspace, actor=owner, values={"logo": png_upload("logo.gif", fmt="GIF")}
        )
    assert "PNG or JPEG" in str(err.value.fields["logo"])


# Bank accounts -------------------------------------------------------------------------------


def test_bank_account_digits_only_and_duplicates_refused(owner: User, workspace: Workspace) -> None:
    account = services_settings.bank_account_create(
        workspace=workspace,
        actor=owner,
        values={"bank_name": "BCA", "account_number": "123-456 7890", "account_holder": "PT Hero"},
    )
    assert account.account_number == "1234567890"
    assert AuditLog.objects.filter(object_type="sales.bankaccount", action=AuditAction.CREATE).count() == 1
    with pytest.raises(ValidationError) as err:
        services_settings.bank_account_create(
            workspace=workspace,
            actor=owner,
            values={"bank_name": "bca", "account_number": "1234567890", "account_holder": "PT Hero"},
        )
    assert "account_number" in err.value.fields
    with pytest.raises(ValidationError) as err:
        services_settings.bank_account_create(
            workspace=workspace,
            actor=owner,
            values={"bank_name": "", "account_number": "12AB", "account_holder": ""},
        )
    assert set(err.value.fields) == {"bank_name", "account_number", "account_holder"}
    assert BankAccount.objects.filter(workspace=workspace).count() == 1


def test_bank_account_update_and_deactivate(
    owner: User, workspace: Workspace, bank_account: BankAccount
) -> None:
    services_settings.bank_account_update(
        account=bank_account,
        actor=owner,
        values={"bank_name": "BCA", "account_number": "1234567890", "account_holder": "PT Hero Baru"},
    )
    services_settings.bank_account_deactivate(account=bank_account, actor=owner)
    bank_account.refresh_from_db()
    assert bank_account.account_holder == "PT Hero Baru"
    assert not bank_account.is_active
    assert selectors_settings.bank_account_list(workspace=workspace, active_only=True).count() == 0
    changes = [e.changes for e in AuditLog.objects.filter(object_type="sales.bankaccount").order_by("id")]
    assert changes == [
        {"account_holder": ["PT Hadiah Hero Nusantara", "PT Hero Baru"]},
        {"is_active": [True, False]},
    ]


# Numbering -----------------------------------------------------------------------------------


def test_six_series_with_an_example_number(workspace: Workspace) -> None:
    rows = selectors_settings.document_sequence_list(workspace=workspace, day=date(2026, 11, 5))
    assert [r.sequence.series for r in rows] == ["QUO", "PI", "SO", "INV", "KW", "CN"]
    invoice = next(r for r in rows if r.sequence.series == Series.INVOICE)
    assert invoice.example == "INV/0001/XI/2026"


def test_sequence_update_validates_and_audits(owner: User, workspace: Workspace) -> None:
    with pytest.raises(ValidationError) as err:
        services_settings.document_sequence_update(
            workspace=workspace, actor=owner, series="INV", template="INV-{YYYY}", padding=4, reset="yearly"
        )
    assert "template" in err.value.fields
    services_settings.document_sequence_update(
        workspace=workspace,
        actor=owner,
        series="INV",
        template="F/{YY}{MM}/{seq}",
        padding=3,
        reset="monthly",
    )
    sequence = DocumentSequence.objects.get(workspace=workspace, series="INV")
    assert (sequence.template, sequence.padding, sequence.reset) == ("F/{YY}{MM}/{seq}", 3, "monthly")
    rows = selectors_settings.document_sequence_list(workspace=workspace, day=date(2026, 2, 1))
    assert next(r for r in rows if r.sequence.series == "INV").example == "F/2602/001"
    assert AuditLog.objects.filter(object_type="sales.documentsequence").count() == 1


# Turnover warning (R2) -----------------------------------------------------------------------

_numbers = itertools.count(1)


def make_invoice(
    workspace: Workspace, contact: Contact, *, total: Decimal, issue_date: date, **extra: object
) -> Invoice:
    n = next(_numbers)
    return Invoice.objects.create(
        workspace=workspace,
        contact=contact,
        **buyer_snapshot(contact),
        number=f"INV/{n:04d}/2026",
        status=extra.pop("status", InvoiceStatus.UNPAID),
        issue_date=issue_date,
        due_date=issue_date + timedelta(days=14),
        subtotal=total,
        net_total=total,
        grand_total=total,
        public_token=public_token_new(),
        **extra,
    )


def test_non_pkp_over_80_percent_is_warned(
    workspace: Workspace, non_pkp_profile: SalesProfile, buyer: Contact
) -> None:
    today = date(2026, 11, 5)
    # Rp4,8 miliar threshold; 80% = Rp3.840.000.000.
    make_invoice(workspace, buyer, total=Decimal("2000000000"), issue_date=today)
    make_invoice(workspace, buyer, total=Decimal("1900000000"), issue_date=today - timedelta(days=364))
    # A credit note of Rp100 million on the first one brings turnover down to Rp3,8 miliar.
    credited = make_invoice(
        workspace, buyer, total=Decimal("100000000"), issue_date=today, status=InvoiceStatus.PAID
    )
    assert selectors_settings.turnover_warning(workspace=workspace, today=today) is not None
    Invoice.objects.filter(pk=credited.pk).update(amount_credited=Decimal("100000000"))
    # 2.000.000.000 + 1.900.000.000 = 3.900.000.000 ≥ 3.840.000.000 → still warned, 81%.
    warning = selectors_settings.turnover_warning(workspace=workspace, today=today)
    assert warning is not None
    assert warning.turnover == Decimal("3900000000")
    assert warning.threshold == Decimal("4800000000")
    assert warning.percent == 81
    assert not warning.exceeded


def test_older_invoices_drafts_and_voids_are_ignored(
    workspace: Workspace, non_pkp_profile: SalesProfile, buyer: Contact
) -> None:
    today = date(2026, 11, 5)
    make_invoice(workspace, buyer, total=Decimal("3000000000"), issue_date=today - timedelta(days=365))
    make_invoice(workspace, buyer, total=Decimal("3000000000"), issue_date=today, status=InvoiceStatus.VOID)
    make_invoice(workspace, buyer, total=Decimal("3800000000"), issue_date=today)
    # Only the Rp3,8 miliar of this year counts: 79%, below 80%.
    assert selectors_settings.turnover_warning(workspace=workspace, today=today) is None
    make_invoice(workspace, buyer, total=Decimal("40000000"), issue_date=today - timedelta(days=10))
    assert selectors_settings.turnover_warning(workspace=workspace, today=today) is not None


def test_pkp_gets_no_warning(workspace: Workspace, profile: SalesProfile, buyer: Contact) -> None:
    today = date(2026, 11, 5)
    make_invoice(workspace, buyer, total=Decimal("6000000000"), issue_date=today)
    assert selectors_settings.turnover_warning(workspace=workspace, today=today) is None


def test_other_workspaces_invoices_do_not_count(
    workspace: Workspace, other_workspace: Workspace, non_pkp_profile: SalesProfile, buyer: Contact
) -> None:
    today = date(2026, 11, 5)
    theirs = Contact.objects.create(workspace=other_workspace, full_name="Orang Sebelah")
    make_invoice(other_workspace, theirs, total=Decimal("6000000000"), issue_date=today)
    assert selectors_settings.turnover_warning(workspace=workspace, today=today) is None
