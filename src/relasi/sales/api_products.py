"""``/api/v1/products``: the catalogue. Money in and out is a decimal string (``"150000.00"``);
lists are cursor-paginated (``?cursor=``, ``next``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from relasi.accounts.api_access import ErrorOut, api_access
from relasi.accounts.models import Workspace
from relasi.accounts.permissions import Perm
from relasi.core.exceptions import NotFound
from relasi.core.money import parse_api_decimal
from relasi.sales import selectors_catalogue, services_catalogue
from relasi.sales.api_schemas import PageQuery, given, page_of
from relasi.sales.models import Product

products_router = Router()


class ProductOut(Schema):
    id: int
    sku: str
    name: str
    description: str
    kind: str
    unit: str
    price: str = Field(..., description='Decimal string, e.g. "150000.00"')
    tax_treatment: str
    djp_code: str
    djp_unit_code: str
    is_active: bool
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_price(obj: Product) -> str:
        return f"{Decimal(obj.price):.2f}"


class ProductIn(Schema):
    """On create ``sku``, ``name`` and ``price`` are required; on update send only what changes."""

    sku: str | None = None
    name: str | None = None
    description: str | None = None
    kind: str | None = Field(None, description="goods or service")
    unit: str | None = Field(None, description="Free text: pcs, kg, jam, paket, …")
    price: str | int | None = Field(None, description='Decimal string, e.g. "1250000.00"')
    tax_treatment: str | None = Field(None, description="standard, luxury, exempt or not_collected")
    djp_code: str | None = Field(None, description="Six digits (Coretax goods/services code)")
    djp_unit_code: str | None = Field(None, description="For example UM.0018")
    is_active: bool | None = None


class ProductPage(Schema):
    items: list[ProductOut]
    next: str | None


class ProductQuery(PageQuery):
    q: str = ""
    active: str = Field("1", description="1 (default), 0 or all")
    kind: str = ""


def _product_or_404(workspace: Workspace, product_id: int) -> Product:
    product = selectors_catalogue.product_get(workspace=workspace, product_id=product_id)
    if product is None:
        raise NotFound(_("Product not found."), code="not_found")
    return product


@products_router.get("", response=ProductPage, summary="List and search products")
def product_list_api(request: HttpRequest, query: Query[ProductQuery]) -> dict[str, Any]:
    workspace, _user = api_access(request, Perm.SALES_VIEW)
    filters = selectors_catalogue.product_filters_from(
        {"q": query.q, "active": query.active, "kind": query.kind}
    )
    return page_of(
        selectors_catalogue.product_list(workspace=workspace, filters=filters),
        cursor=query.cursor,
        limit=query.limit,
    )


@products_router.post("", response={201: ProductOut, 400: ErrorOut, 403: ErrorOut})
def product_create_api(request: HttpRequest, payload: ProductIn) -> Status[Product]:
    workspace, user = api_access(request, Perm.SALES_EDIT)
    product = services_catalogue.product_create(
        workspace=workspace, actor=user, values=given(payload), money_parser=parse_api_decimal
    )
    return Status(201, product)


@products_router.get("/{int:product_id}", response={200: ProductOut, 404: ErrorOut})
def product_get_api(request: HttpRequest, product_id: int) -> Product:
    workspace, _user = api_access(request, Perm.SALES_VIEW)
    return _product_or_404(workspace, product_id)


@products_router.patch(
    "/{int:product_id}", response={200: ProductOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut}
)
def product_update_api(request: HttpRequest, product_id: int, payload: ProductIn) -> Product:
    workspace, user = api_access(request, Perm.SALES_EDIT)
    return services_catalogue.product_update(
        product=_product_or_404(workspace, product_id),
        actor=user,
        values=given(payload),
        money_parser=parse_api_decimal,
    )


@products_router.post(
    "/{int:product_id}/deactivate", response={200: ProductOut, 403: ErrorOut, 404: ErrorOut}
)
def product_deactivate_api(request: HttpRequest, product_id: int) -> Product:
    workspace, user = api_access(request, Perm.SALES_EDIT)
    return services_catalogue.product_deactivate(product=_product_or_404(workspace, product_id), actor=user)
