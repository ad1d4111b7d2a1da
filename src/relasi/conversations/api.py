"""API: /api/v1/inboxes, /conversations, /quick-replies."""

from __future__ import annotations

from ninja import Router

inboxes_router = Router()
conversations_router = Router()
quick_replies_router = Router()
