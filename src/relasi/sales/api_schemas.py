"""What the sales API endpoints share: how money and numbers go out (decimal strings), how
amounts come in, document lines in and out, list paging (DESIGN §7)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from django.db.models import QuerySet
from ninja import Field, Schema
from pydantic import PlainSerializer, WithJsonSchema

from relasi.core.pagination import paginate_keyset

MAX_LIMIT = 200

# A Decimal written as a decimal string with two places ("19800000.00").
Money = Annotated[
    Decimal,
    PlainSerializer(lambda value: f"{value:.2f}", return_type=str),
    WithJsonSchema({"type": "string", "example": "1110000.00"}),
]
# A quantity or percentage as a plain decimal string ("1.5").
Number = Annotated[
    Decimal,
    PlainSerializer(lambda value: f"{value.normalize():f}", return_type=str),
    WithJsonSchema({"type": "string", "example": "1.5"}),
]
# Amounts in: a decimal string or an integer; parsed by the services (parse_api_decimal).
AmountIn = str | int | None


class PageQuery(Schema):
    """The paging part of a list's query string."""

    cursor: str | None = None
    limit: int = Field(50, ge=1, le=MAX_LIMIT)


class LineIn(Schema):
    product_id: int | None = None
    description: str | None = None
    quantity: AmountIn = Field(None, description='Decimal string, e.g. "2" or "1.5"')
    unit: str | None = None
    unit_price: AmountIn = Field(
        None, description='Decimal string, e.g. "1000000.00"; empty: the product\'s price'
    )
    discount_percent: AmountIn = None
    discount_amount: AmountIn = None
    tax_treatment: str | None = Field(None, description="standard, luxury, exempt or not_collected")


class LineOut(Schema):
    position: int
    product_id: int | None
    description: str
    quantity: Number
    unit: str
    unit_price: Money
    discount_percent: Number
    discount_amount: Money
    tax_treatment: str
    gross: Money
    discount: Money
    net: Money
    other_base: Money
    ppn: Money
    total: Money


def line_rows(lines: list[LineIn] | None) -> list[dict[str, Any]]:
    """API lines in the shape ``documents.lines_clean`` reads (``product_id`` → ``product``)."""
    rows = []
    for line in lines or []:
        row = line.model_dump(exclude_unset=True)
        if "product_id" in row:
            row["product"] = row.pop("product_id")
        rows.append(row)
    return rows


def given(payload: Schema) -> dict[str, Any]:
    """Only the fields the client sent (a PATCH changes what it names)."""
    return payload.model_dump(exclude_unset=True)


def page_of(queryset: QuerySet[Any], *, cursor: str | None, limit: int) -> dict[str, Any]:
    """One page of a list answer, ``{"items": [...], "next": cursor or None}``; ``limit`` is
    kept within 1..``MAX_LIMIT``."""
    page = paginate_keyset(queryset, cursor=cursor, limit=min(max(limit, 1), MAX_LIMIT))
    return {"items": page.items, "next": page.next_cursor}
