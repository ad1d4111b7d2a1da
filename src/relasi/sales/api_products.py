"""API: /api/v1/ routes of the sales app (products)."""

from __future__ import annotations

from ninja import Router

products_router = Router()
