"""The catalogue's services and selectors: rules for SKU, price, codes; deactivate vs delete;
search for line editors; workspace scoping."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.utils import translation

from relasi.accounts.models import User, Workspace
from relasi.contacts.models import Contact
from relasi.core.exceptions import Conflict, ValidationError
from relasi.core.money import parse_api_decimal
from relasi.sales import selectors_catalogue, services_catalogue
from relasi.sales.documents import buyer_snapshot, public_token_new
from relasi.sales.models import Product, Quotation, QuotationLine
from relasi.sales.selectors_catalogue import ProductFilters


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


VALUES = {
    "sku": "KOP-250",
    "name": "Kopi Gayo 250 g",
    "kind": "goods",
    "unit": "pcs",
    "price": "85.000",
    "tax_treatment": "standard",
    "djp_code": "000000",
    "djp_unit_code": "um.0018",
}


def test_create_parses_indonesian_price_and_normalises_codes(owner: User, workspace: Workspace) -> None:
    product = services_catalogue.product_create(workspace=workspace, actor=owner, values=VALUES)
    product.refresh_from_db()
    assert product.price == Decimal("85000")
    assert product.djp_unit_code == "UM.0018"
    assert product.is_active


def test_duplicate_sku_is_refused_case_insensitively(
    owner: User, workspace: Workspace, product: Product
) -> None:
    with pytest.raises(ValidationError) as err:
        services_catalogue.product_create(
            workspace=workspace, actor=owner, values={**VALUES, "sku": "hmp-001"}
        )
    assert "already used" in str(err.value.fields["sku"])
    assert Product.objects.filter(workspace=workspace).count() == 1


def test_the_same_sku_in_another_workspace_is_fine(
    owner: User, workspace: Workspace, other_workspace: Workspace, product: Product
) -> None:
    theirs = services_catalogue.product_create(
        workspace=other_workspace, actor=None, values={**VALUES, "sku": product.sku}
    )
    assert theirs.workspace == other_workspace


@pytest.mark.parametrize(
    ("price", "fragment"),
    [
        ("-5000", "negative"),
        ("1,250.000", "full stops between thousands"),
        ("12.5", "full stops between thousands"),
        ("", "Enter a price"),
    ],
)
def test_bad_prices_name_the_price_field(
    owner: User, workspace: Workspace, price: str, fragment: str
) -> None:
    with pytest.raises(ValidationError) as err:
        services_catalogue.product_create(workspace=workspace, actor=owner, values={**VALUES, "price": price})
    assert set(err.value.fields) == {"price"}
    assert fragment in str(err.value.fields["price"])
    assert not Product.objects.exists()


def test_api_prices_are_decimal_strings(owner: User, workspace: Workspace) -> None:
    product = services_catalogue.product_create(
        workspace=workspace,
        actor=owner,
        values={**VALUES, "price": "1250000.50"},
        money_parser=parse_api_decimal,
    )
    assert product.price == Decimal("1250000.50")
    with pytest.raises(ValidationError) as err:
        services_catalogue.product_create(
            workspace=workspace,
            actor=owner,
            values={**VALUES, "sku": "X", "price": "1.250.000"},
            money_parser=parse_api_decimal,
        )
    assert "price" in err.value.fields


def test_every_bad_field_is_reported_at_once(owner: User, workspace: Workspace) -> None:
    with pytest.raises(ValidationError) as err:
        services_catalogue.product_create(
            workspace=workspace,
            actor=owner,
            values={
                "sku": "",
                "name": "",
                "kind": "hardware",
                "price": "1000",
                "tax_treatment": "zero",
                "djp_code": "12345",
                "djp_unit_code": "PCS",
            },
        )
    assert set(err.value.fields) == {"sku", "name", "kind", "tax_treatment", "djp_code", "djp_unit_code"}


def test_update_is_partial_and_checks_sku(
    owner: User, workspace: Workspace, product: Product, service_product: Product
) -> None:
    services_catalogue.product_update(product=product, actor=owner, values={"price": "1.100.000"})
    product.refresh_from_db()
    assert product.price == Decimal("1100000")
    assert product.name == "Parsel Lebaran Premium"
    with pytest.raises(ValidationError) as err:
        services_catalogue.product_update(product=product, actor=owner, values={"sku": "JSA-001"})
    assert "sku" in err.value.fields
    # Its own SKU is not a duplicate.
    services_catalogue.product_update(
        product=product, actor=owner, values={"sku": "HMP-001", "name": "Parsel"}
    )


def test_deactivate_hides_from_search_and_default_list(
    owner: User, workspace: Workspace, product: Product
) -> None:
    services_catalogue.product_deactivate(product=product, actor=owner)
    product.refresh_from_db()
    assert not product.is_active
    assert selectors_catalogue.product_search(workspace=workspace, q="parsel") == []
    assert list(selectors_catalogue.product_list(workspace=workspace)) == []
    assert list(
        selectors_catalogue.product_list(workspace=workspace, filters=ProductFilters(active=None))
    ) == [product]


def test_used_product_cannot_be_deleted_unused_can(
    owner: User, workspace: Workspace, product: Product, service_product: Product, buyer: Contact
) -> None:
    quotation = Quotation.objects.create(
        workspace=workspace,
        contact=buyer,
        **buyer_snapshot(buyer),
        number="PH/0001/XI/2026",
        valid_until="2026-12-31",
        public_token=public_token_new(),
    )
    QuotationLine.objects.create(
        quotation=quotation, product=product, description=product.name, quantity=1, unit_price=product.price
    )
    with pytest.raises(Conflict):
        services_catalogue.product_delete(product=product, actor=owner)
    assert Product.objects.filter(pk=product.pk).exists()
    services_catalogue.product_delete(product=service_product, actor=owner)
    assert not Product.objects.filter(pk=service_product.pk).exists()


def test_search_ranks_exact_sku_first_and_returns_json_ready_rows(
    workspace: Workspace, other_workspace: Workspace, product: Product
) -> None:
    Product.objects.create(workspace=workspace, sku="HMP-0010", name="A Parsel Mini", price=Decimal("250000"))
    Product.objects.create(workspace=other_workspace, sku="HMP-001", name="Parsel Sebelah", price=1)
    results = selectors_catalogue.product_search(workspace=workspace, q="hmp-001")
    assert [r["sku"] for r in results] == ["HMP-001", "HMP-0010"]
    assert results[0] == {
        "id": product.pk,
        "sku": "HMP-001",
        "name": "Parsel Lebaran Premium",
        "unit": "paket",
        "price": "1000000.00",
        "tax_treatment": "standard",
        "kind": "goods",
    }


def test_list_filters_by_words_and_kind(
    workspace: Workspace, product: Product, service_product: Product
) -> None:
    assert list(
        selectors_catalogue.product_list(workspace=workspace, filters=ProductFilters(q="lebaran premium"))
    ) == [product]
    assert list(
        selectors_catalogue.product_list(workspace=workspace, filters=ProductFilters(kind="service"))
    ) == [service_product]
    assert selectors_catalogue.product_get(workspace=workspace, product_id=product.pk) == product
