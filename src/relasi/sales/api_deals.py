"""API: /api/v1/ routes of the sales app (deals)."""

from __future__ import annotations

from ninja import Router

deals_router = Router()
activities_router = Router()
