"""API: /api/v1/whatsapp-templates."""

from __future__ import annotations

from ninja import Router

templates_router = Router()
