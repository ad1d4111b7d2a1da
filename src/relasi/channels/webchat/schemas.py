"""API schemas of the web-chat widget, shared by ``/api/v1/webchat-inboxes`` and the
``webchat`` block of ``/api/v1/inboxes``."""

from __future__ import annotations

from ninja import Schema


class WebChatOut(Schema):
    public_token: str
    website_name: str
    allowed_origins: list[str]
    welcome_text: str
    color: str
    prechat_contact: str
    offline_text: str
    script_url: str
    embed_code: str
