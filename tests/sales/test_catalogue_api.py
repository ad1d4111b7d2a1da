"""``/api/v1/products`` and the catalogue pages: money as decimal strings, permissions,
isolation, bad input, query counts, the JSON product search."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.sales.models import Product
from tests.conftest import ApiClient

EN = {"Accept-Language": "en"}
URL = "/api/v1/products"


def test_create_get_patch_deactivate(
    owner: User, workspace: Workspace, api_as: Callable[..., ApiClient]
) -> None:
    api = api_as(owner, workspace)
    created = api.post(
        URL,
        {
            "sku": "KOP-250",
            "name": "Kopi Gayo",
            "price": "85000.00",
            "unit": "pcs",
            "djp_unit_code": "UM.0018",
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["price"] == "85000.00"
    assert body["kind"] == "goods"
    product_id = body["id"]
    assert api.get(f"{URL}/{product_id}").json()["sku"] == "KOP-250"
    patched = api.patch(f"{URL}/{product_id}", {"price": "90000.50"})
    assert patched.status_code == 200
    assert patched.json()["price"] == "90000.50"
    assert patched.json()["name"] == "Kopi Gayo"
    deactivated = api.post(f"{URL}/{product_id}/deactivate")
    assert deactivated.status_code == 200
    assert deactivated.json()["is_active"] is False
    assert Product.objects.get(pk=product_id).price == Decimal("90000.50")


def test_list_search_active_filter_and_cursor(
    owner: User,
    workspace: Workspace,
    api_as: Callable[..., ApiClient],
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    for n in range(5):
        Product.objects.create(
            workspace=workspace, sku=f"SKU-{n}", name=f"Barang {n}", price=Decimal(n * 1000)
        )
    Product.objects.create(workspace=workspace, sku="OLD", name="Lama", price=1, is_active=False)
    api = api_as(owner, workspace)
    first = api.get(URL, {"limit": 3}).json()
    assert [p["sku"] for p in first["items"]] == ["SKU-4", "SKU-3", "SKU-2"]
    second = api.get(URL, {"limit": 3, "cursor": first["next"]}).json()
    assert [p["sku"] for p in second["items"]] == ["SKU-1", "SKU-0"]
    assert second["next"] is None
    assert [p["sku"] for p in api.get(URL, {"active": "0"}).json()["items"]] == ["OLD"]
    assert [p["sku"] for p in api.get(URL, {"q": "barang 3"}).json()["items"]] == ["SKU-3"]
    with django_assert_num_queries(4):  # token + membership, page ids, page rows (+ last-used update)
        api.get(URL, {"active": "all"})


def test_bad_input_names_the_field_and_writes_nothing(
    owner: User, workspace: Workspace, api_as: Callable[..., ApiClient], product: Product
) -> None:
    api = api_as(owner, workspace)
    for payload, field in (
        ({"sku": "N1", "name": "X", "price": "-1.00"}, "price"),
        ({"sku": "N2", "name": "X", "price": "1,250.000"}, "price"),
        ({"sku": "HMP-001", "name": "X", "price": "1.00"}, "sku"),
    ):
        response = api.post(URL, payload, **EN)
        assert response.status_code == 400, payload
        assert field in response.json()["fields"]
    assert Product.objects.filter(workspace=workspace).count() == 1


@pytest.mark.parametrize("role", [Role.AGENT, Role.VIEWER])
def test_read_only_roles_cannot_write(
    role: str,
    workspace: Workspace,
    make_member: Callable[..., User],
    api_as: Callable[..., ApiClient],
    product: Product,
) -> None:
    api = api_as(make_member(workspace, role), workspace)
    assert api.get(URL).status_code == 200
    assert api.post(URL, {"sku": "N", "name": "X", "price": "1.00"}).status_code == 403
    assert api.patch(f"{URL}/{product.pk}", {"name": "Ganti"}).status_code == 403
    assert api.post(f"{URL}/{product.pk}/deactivate").status_code == 403
    product.refresh_from_db()
    assert product.name == "Parsel Lebaran Premium"
    assert product.is_active
    assert Product.objects.count() == 1


def test_other_workspaces_product_is_404(
    owner: User, workspace: Workspace, other_workspace: Workspace, api_as: Callable[..., ApiClient]
) -> None:
    theirs = Product.objects.create(workspace=other_workspace, sku="X", name="Sebelah", price=1)
    api = api_as(owner, workspace)
    assert api.get(f"{URL}/{theirs.pk}").status_code == 404
    assert api.patch(f"{URL}/{theirs.pk}", {"name": "Ambil"}).status_code == 404
    assert api.post(f"{URL}/{theirs.pk}/deactivate").status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Sebelah"
    assert theirs.is_active
    assert api.get(URL).json()["items"] == []


# Pages ---------------------------------------------------------------------------------------


def test_pages_create_edit_detail_list(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client]
) -> None:
    client = client_as(owner)
    slug = workspace.slug
    assert client.get(reverse("sales:product_create", args=[slug])).status_code == 200
    created = client.post(
        reverse("sales:product_create", args=[slug]),
        {"sku": "PRS-01", "name": "Parsel", "kind": "goods", "unit": "paket", "price": "1.250.000",
         "tax_treatment": "standard", "is_active": "on"},
    )  # fmt: skip
    assert created.status_code == 302
    product = Product.objects.get(workspace=workspace, sku="PRS-01")
    assert product.price == Decimal("1250000")
    detail = client.get(reverse("sales:product_detail", args=[slug, product.pk]))
    assert "Rp1.250.000" in detail.content.decode()
    edit = client.get(reverse("sales:product_edit", args=[slug, product.pk]))
    assert 'value="1.250.000"' in edit.content.decode()
    listing = client.get(reverse("sales:product_list", args=[slug]), {"q": "prs"})
    assert "PRS-01" in listing.content.decode()


def test_page_ambiguous_price_is_put_on_the_price_field(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client]
) -> None:
    owner.language = "en"  # pages follow the user's language, not Accept-Language
    owner.save(update_fields=["language"])
    response = client_as(owner).post(
        reverse("sales:product_create", args=[workspace.slug]),
        {"sku": "PRS-01", "name": "Parsel", "kind": "goods", "unit": "pcs", "price": "1,250.000",
         "tax_treatment": "standard"},
        headers=EN,
    )  # fmt: skip
    assert response.status_code == 400
    assert "full stops" in response.context["form"].errors["price"][0]
    assert not Product.objects.exists()


@pytest.mark.parametrize("role", [Role.AGENT, Role.VIEWER])
def test_read_only_roles_see_but_cannot_change_pages(
    role: str,
    workspace: Workspace,
    make_member: Callable[..., User],
    client_as: Callable[[User], Client],
    product: Product,
) -> None:
    client = client_as(make_member(workspace, role))
    slug = workspace.slug
    assert client.get(reverse("sales:product_list", args=[slug])).status_code == 200
    assert client.get(reverse("sales:product_detail", args=[slug, product.pk])).status_code == 200
    assert (
        client.post(
            reverse("sales:product_create", args=[slug]), {"sku": "N", "name": "N", "price": "1"}
        ).status_code
        == 403
    )
    assert (
        client.post(reverse("sales:product_active", args=[slug, product.pk]), {"active": "0"}).status_code
        == 403
    )
    assert client.post(reverse("sales:product_delete", args=[slug, product.pk])).status_code == 403
    assert client.get(reverse("sales:product_import", args=[slug])).status_code == 403
    product.refresh_from_db()
    assert product.is_active
    assert Product.objects.count() == 1


def test_pages_of_another_workspaces_product_are_404(
    owner: User, workspace: Workspace, other_workspace: Workspace, client_as: Callable[[User], Client]
) -> None:
    theirs = Product.objects.create(workspace=other_workspace, sku="X", name="Sebelah", price=1)
    client = client_as(owner)
    slug = workspace.slug
    assert client.get(reverse("sales:product_detail", args=[slug, theirs.pk])).status_code == 404
    assert (
        client.post(reverse("sales:product_edit", args=[slug, theirs.pk]), {"name": "Y"}).status_code == 404
    )
    assert client.post(reverse("sales:product_delete", args=[slug, theirs.pk])).status_code == 404
    assert Product.objects.filter(pk=theirs.pk, name="Sebelah").exists()


def test_product_search_json(
    owner: User, workspace: Workspace, client_as: Callable[[User], Client], product: Product
) -> None:
    response = client_as(owner).get(reverse("sales:product_search", args=[workspace.slug]), {"q": "parsel"})
    assert response.status_code == 200
    assert response.json()["results"][0]["price"] == "1000000.00"


def test_list_page_query_count(
    owner: User,
    workspace: Workspace,
    client_as: Callable[[User], Client],
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    for n in range(30):
        Product.objects.create(workspace=workspace, sku=f"S{n}", name=f"Produk {n}", price=1000)
    client = client_as(owner)
    url = reverse("sales:product_list", args=[workspace.slug])
    client.get(url)
    with django_assert_max_num_queries(10):
        assert client.get(url).status_code == 200
