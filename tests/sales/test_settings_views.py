"""The seller's settings pages: listed in the settings index, permissions, isolation, and
form round trips (Indonesian money input, field errors, nothing written on error)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.contacts.models import Contact
from relasi.sales.models import BankAccount, DocumentSequence, SalesProfile
from relasi.sales.profile import sales_profile_get
from tests.core.test_qris import STATIC as QRIS_STATIC

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _form(profile: SalesProfile, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "legal_name": profile.legal_name,
        "city": profile.city,
        "npwp": profile.npwp,
        "nitku": profile.nitku,
        "payment_terms_days": profile.payment_terms_days,
        "quotation_validity_days": profile.quotation_validity_days,
        "stamp_duty_threshold": "5.000.000",
        "stamp_duty_amount": "10.000",
        "qris_limit": "10.000.000",
        "turnover_threshold": "4.800.000.000",
    }
    if profile.is_pkp:
        data["is_pkp"] = "on"
    data.update(changes)
    return data


def test_settings_index_lists_the_sales_pages(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client]
) -> None:
    page = client_as(owner).get(reverse("web:settings", args=[workspace.slug]), **EN)
    assert page.status_code == 200
    for name in ("sales:settings_tax", "sales:settings_bank_list", "sales:settings_numbering"):
        assert reverse(name, args=[workspace.slug]) in page.content.decode()


def test_tax_page_saves_indonesian_amounts_and_qris(
    owner: User, workspace: Workspace, profile: SalesProfile, client_as: Callable[[User], Client]
) -> None:
    client = client_as(owner)
    url = reverse("sales:settings_tax", args=[workspace.slug])
    assert client.get(url, **EN).status_code == 200
    response = client.post(
        url, _form(profile, stamp_duty_threshold="6.000.000", qris_payload=QRIS_STATIC), **EN
    )
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.stamp_duty_threshold == Decimal("6000000")
    assert profile.qris_payload == QRIS_STATIC
    page = client.get(url, **EN).content.decode()
    assert "ID1020021181745" in page
    assert "TOKO MAJU JAYA" in page


def test_tax_page_bad_npwp_names_the_field_and_saves_nothing(
    owner: User, workspace: Workspace, profile: SalesProfile, client_as: Callable[[User], Client]
) -> None:
    url = reverse("sales:settings_tax", args=[workspace.slug])
    response = client_as(owner).post(url, _form(profile, legal_name="PT Baru", npwp="013121661091000"), **EN)
    assert response.status_code == 400
    assert "npwp" in response.context["form"].errors
    assert "NPWP" in response.context["form"].errors["npwp"][0]
    profile.refresh_from_db()
    assert profile.legal_name == "PT Hadiah Hero Nusantara"


def test_tax_page_ambiguous_amount_is_refused(
    owner: User, workspace: Workspace, profile: SalesProfile, client_as: Callable[[User], Client]
) -> None:
    url = reverse("sales:settings_tax", args=[workspace.slug])
    response = client_as(owner).post(url, _form(profile, qris_limit="1,250.000"), **EN)
    assert response.status_code == 400
    assert "qris_limit" in response.context["form"].errors


@pytest.mark.parametrize("role", [Role.SALES, Role.FINANCE, Role.AGENT, Role.VIEWER])
def test_only_settings_managers_open_the_pages(
    role: str,
    workspace: Workspace,
    make_member: Callable[..., User],
    client_as: Callable[[User], Client],
    bank_account: BankAccount,
) -> None:
    client = client_as(make_member(workspace, role))
    slug = workspace.slug
    assert client.get(reverse("sales:settings_tax", args=[slug])).status_code == 403
    assert client.post(reverse("sales:settings_tax", args=[slug]), {"legal_name": "X"}).status_code == 403
    created = client.post(
        reverse("sales:settings_bank_list", args=[slug]),
        {"bank_name": "BRI", "account_number": "99999999", "account_holder": "X"},
    )
    assert created.status_code == 403
    assert client.get(reverse("sales:settings_numbering", args=[slug])).status_code == 403
    assert BankAccount.objects.filter(workspace=workspace).count() == 1
    assert sales_profile_get(workspace=workspace).legal_name != "X"


def test_bank_pages_add_edit_deactivate(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client]
) -> None:
    client = client_as(owner)
    slug = workspace.slug
    added = client.post(
        reverse("sales:settings_bank_list", args=[slug]),
        {"bank_name": "Mandiri", "account_number": "1300-0123-4567", "account_holder": "PT Hero"},
    )
    assert added.status_code == 302
    account = BankAccount.objects.get(workspace=workspace)
    assert account.account_number == "130001234567"
    bad = client.post(
        reverse("sales:settings_bank_edit", args=[slug, account.pk]),
        {"bank_name": "Mandiri", "account_number": "abc", "account_holder": "PT Hero"},
        **EN,
    )
    assert bad.status_code == 400
    assert "account_number" in bad.context["form"].errors
    client.post(reverse("sales:settings_bank_active", args=[slug, account.pk]), {"active": "0"})
    account.refresh_from_db()
    assert account.account_number == "130001234567"
    assert not account.is_active
    page = client.get(reverse("sales:settings_bank_list", args=[slug]), **EN).content.decode()
    assert "Nonaktif" in page


def test_other_workspaces_bank_account_is_404(
    owner: User, workspace: Workspace, other_workspace: Workspace, client_as: Callable[[User], Client]
) -> None:
    theirs = BankAccount.objects.create(
        workspace=other_workspace, bank_name="BNI", account_number="5555555", account_holder="Sebelah"
    )
    client = client_as(owner)
    assert (
        client.get(reverse("sales:settings_bank_edit", args=[workspace.slug, theirs.pk])).status_code == 404
    )
    response = client.post(
        reverse("sales:settings_bank_active", args=[workspace.slug, theirs.pk]), {"active": "0"}
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_active


def test_numbering_page_shows_examples_and_edits(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client]
) -> None:
    client = client_as(owner)
    page = client.get(reverse("sales:settings_numbering", args=[workspace.slug]), **EN)
    assert page.status_code == 200
    assert "INV/0001/" in page.content.decode()
    url = reverse("sales:settings_sequence_edit", args=[workspace.slug, "INV"])
    bad = client.post(url, {"template": "INV", "padding": 4, "reset": "yearly"}, **EN)
    assert bad.status_code == 400
    assert "template" in bad.context["form"].errors
    good = client.post(url, {"template": "INV-{YYYY}-{seq}", "padding": 5, "reset": "yearly"}, **EN)
    assert good.status_code == 302
    assert DocumentSequence.objects.get(workspace=workspace, series="INV").template == "INV-{YYYY}-{seq}"
    assert (
        client.get(reverse("sales:settings_sequence_edit", args=[workspace.slug, "XXX"])).status_code == 404
    )


def test_tax_page_shows_the_turnover_warning_for_a_non_pkp(
    owner: User,
    workspace: Workspace,
    non_pkp_profile: SalesProfile,
    buyer: Contact,
    client_as: Callable[[User], Client],
) -> None:
    from tests.sales.test_settings_services import make_invoice

    make_invoice(workspace, buyer, total=Decimal("4000000000"), issue_date=timezone.localdate())
    page = client_as(owner).get(reverse("sales:settings_tax", args=[workspace.slug]), **EN).content.decode()
    assert 'data-testid="turnover-warning"' in page
    assert "Rp4.000.000.000" in page
    assert "Rp4.800.000.000" in page
    assert "83%" in page
