"""API: /api/v1/ routes of the sales app (payments)."""

from __future__ import annotations

from ninja import Router

payments_router = Router()
receipts_router = Router()
