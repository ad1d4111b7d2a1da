"""Tests of the inbox. ``make_inbox``/``make_conversation``/``make_message`` write rows
straight to the tables (no services) to set up state."""

from __future__ import annotations

import datetime as dt
from itertools import count
from typing import Any

from django.utils import timezone

from relasi.accounts.models import Workspace
from relasi.channels.whatsapp.models import WhatsAppAccount
from relasi.contacts.models import Contact, ContactIdentity
from relasi.conversations.enums import ChannelType, DeliveryStatus, MessageDirection, MessageKind
from relasi.conversations.models import Conversation, Inbox, Message

_seq = count(1)


def make_inbox(workspace: Workspace, name: str = "", **kwargs: Any) -> Inbox:
    n = next(_seq)
    inbox = Inbox.objects.create(
        workspace=workspace, name=name or f"WA {n}", channel_type=ChannelType.WHATSAPP, **kwargs
    )
    WhatsAppAccount.objects.create(
        inbox=inbox,
        phone_number_id=f"10{n:06d}",
        business_account_id="200000",
        display_phone_number="+62 811-000-000",
        access_token="EAAG-token-rahasia",
        app_secret="app-secret-rahasia",
        verify_token="verif",
    )
    return inbox


def make_conversation(
    inbox: Inbox, contact: Contact | None = None, *, at: dt.datetime | None = None, **kwargs: Any
) -> Conversation:
    n = next(_seq)
    if contact is None:
        contact = Contact.objects.create(
            workspace=inbox.workspace, full_name=f"Budi Santoso {n}", phone=f"+62812{n:08d}"
        )
    identity = ContactIdentity.objects.create(
        workspace=inbox.workspace, contact=contact, channel="whatsapp", address=f"62813{n:08d}"
    )
    at = at or timezone.now()
    kwargs.setdefault("last_message_at", at)
    kwargs.setdefault("last_inbound_at", at)
    return Conversation.objects.create(
        workspace=inbox.workspace, inbox=inbox, contact=contact, identity=identity, **kwargs
    )


def make_message(conversation: Conversation, body: str = "Halo kak", **kwargs: Any) -> Message:
    kwargs.setdefault("direction", MessageDirection.INBOUND)
    kwargs.setdefault("status", DeliveryStatus.RECEIVED)
    kwargs.setdefault("kind", MessageKind.TEXT)
    return Message.objects.create(
        workspace_id=conversation.workspace_id,
        inbox_id=conversation.inbox_id,
        conversation=conversation,
        body=body,
        **kwargs,
    )
