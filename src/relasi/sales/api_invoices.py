"""API: /api/v1/ routes of the sales app (invoices)."""

from __future__ import annotations

from ninja import Router

invoices_router = Router()
credit_notes_router = Router()
