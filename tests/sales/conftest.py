"""Fixtures shared by the sales tests: a PKP and a non-PKP seller, a buyer, products."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.utils import translation

from relasi.accounts.models import Workspace
from relasi.contacts.models import Contact
from relasi.sales.models import BankAccount, Product, SalesProfile
from relasi.sales.profile import sales_profile_get


@pytest.fixture(autouse=True)
def _english_messages() -> Iterator[None]:
    """Services answer in the active language; the sales tests read their messages in
    English (pages still follow the user's language, Indonesian by default)."""
    with translation.override("en"):
        yield


@pytest.fixture
def profile(workspace: Workspace) -> SalesProfile:
    """The hero workspace as a PKP seller with an NPWP and a NITKU."""
    profile = sales_profile_get(workspace=workspace)
    profile.legal_name = "PT Hadiah Hero Nusantara"
    profile.address = "Jl. Braga No. 10, Bandung"
    profile.city = "Bandung"
    profile.is_pkp = True
    profile.npwp = "0013121660091000"
    profile.nitku = "0013121660091000000000"
    profile.signatory_name = "Elok Pratiwi"
    profile.save()
    return profile


@pytest.fixture
def non_pkp_profile(workspace: Workspace) -> SalesProfile:
    profile = sales_profile_get(workspace=workspace)
    profile.is_pkp = False
    profile.save()
    return profile


@pytest.fixture
def bank_account(workspace: Workspace) -> BankAccount:
    return BankAccount.objects.create(
        workspace=workspace,
        bank_name="BCA",
        account_number="1234567890",
        account_holder="PT Hadiah Hero Nusantara",
    )


@pytest.fixture
def buyer(workspace: Workspace) -> Contact:
    return Contact.objects.create(
        workspace=workspace,
        full_name="Budi Santoso",
        email="budi@contoh.co.id",
        phone="+6281234567890",
        address="Jl. Asia Afrika 5",
        city="Bandung",
    )


@pytest.fixture
def product(workspace: Workspace) -> Product:
    return Product.objects.create(
        workspace=workspace,
        sku="HMP-001",
        name="Parsel Lebaran Premium",
        unit="paket",
        price=Decimal("1000000"),
        djp_code="000000",
        djp_unit_code="UM.0021",
    )


@pytest.fixture
def service_product(workspace: Workspace) -> Product:
    return Product.objects.create(
        workspace=workspace,
        sku="JSA-001",
        name="Jasa Desain Kartu",
        kind="service",
        unit="jam",
        price=Decimal("150000"),
    )
