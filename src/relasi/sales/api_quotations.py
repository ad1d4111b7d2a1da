"""API: /api/v1/ routes of the sales app (quotations)."""

from __future__ import annotations

from ninja import Router

quotations_router = Router()
sales_orders_router = Router()
