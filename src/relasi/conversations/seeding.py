"""The demo workspace's inbox: a WhatsApp number connected to the local fake Graph API (what
the customer simulator plays), quick replies, labels, office hours with the national holidays,
and a few conversations with history. Safe to run again: everything is found by name first."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any, Protocol

from django.db import transaction
from django.utils import timezone

from relasi.accounts.models import User, Workspace
from relasi.contacts.enums import Channel
from relasi.contacts.models import Contact, ContactIdentity
from relasi.conversations.enums import ChannelType, ConversationStatus, DeliveryStatus, MessageDirection
from relasi.conversations.holidays_id import HOLIDAYS_BY_YEAR
from relasi.conversations.models import Conversation, Inbox, Label, Message, OfficeHours, QuickReply
from relasi.conversations.office_hours import holidays_seed

DEMO_INBOX = "WhatsApp Toko"
# The fake's defaults (``relasi fake-whatsapp``); ``relasi run`` starts it at this address.
DEMO_PHONE_NUMBER_ID = "100000000000001"
DEMO_WABA_ID = "200000000000001"
DEMO_DISPLAY_NUMBER = "6281100000000"
DEMO_TOKEN = "fake-token"  # noqa: S105 - the local fake's token, not a secret
DEMO_APP_SECRET = "fake-app-secret"  # noqa: S105


class _Writer(Protocol):
    def write(self, text: str, /) -> Any: ...


def demo_fake_url() -> str:
    """The Graph API address of the demo inbox: the fake that ``relasi run`` starts."""
    return os.environ.get("RELASI_FAKE_WA_URL", "http://127.0.0.1:8099/v21.0")


QUICK_REPLIES = {
    "salam": "Halo {{first_name}}, terima kasih sudah menghubungi kami. Ada yang bisa kami bantu?",
    "rekening": "Pembayaran dapat ditransfer ke BCA 123 456 7890 a.n. Toko Hadiah Hero. "
    "Mohon kirim bukti transfer di sini ya, {{first_name}}.",
    "ongkir": "Ongkos kirim dihitung dari berat paket dan kota tujuan. Boleh kami tahu alamat lengkapnya?",
    "terimakasih": "Terima kasih, {{first_name}}! Pesanan Anda segera kami proses.",
}
LABELS = {"Pesanan": "#2563eb", "Komplain": "#dc2626", "Prospek": "#16a34a"}
WEEK = [  # Monday … Saturday; Sunday closed
    *[(day, dt.time(8), dt.time(12)) for day in range(5)],
    *[(day, dt.time(13), dt.time(17)) for day in range(5)],
    (5, dt.time(8), dt.time(13)),
]
HISTORY = [  # (minutes ago, inbound?, text)
    [
        (180, True, "Halo kak, hampers parsel lebaran masih ada?"),
        (170, False, "Halo kak, masih ada. Mau yang ukuran sedang atau besar?"),
        (25, True, "Yang besar 10 buah, bisa dikirim ke Bekasi minggu ini?"),
    ],
    [
        (60 * 26, True, "Pesanan saya kemarin belum sampai ya kak"),
        (60 * 25, False, "Mohon maaf kak, kami cek ke kurir dulu ya."),
    ],
    [(8, True, "Minta katalog terbaru dong kak")],
]


def _inbox(workspace: Workspace, members: list[User]) -> Inbox:
    from relasi.channels.whatsapp.models import WhatsAppAccount

    inbox, created = Inbox.objects.get_or_create(
        workspace=workspace,
        name=DEMO_INBOX,
        defaults={
            "channel_type": ChannelType.WHATSAPP,
            "greeting_message": "Halo {{first_name}}, terima kasih sudah menghubungi Toko Hadiah Hero. "
            "Tim kami segera membalas.",
            "away_message": "Terima kasih, pesan Anda sudah kami terima. Kami buka lagi {{next_opening}}.",
        },
    )
    account = getattr(inbox, "whatsapp_account", None)
    if account is None:
        WhatsAppAccount.objects.create(
            inbox=inbox,
            phone_number_id=DEMO_PHONE_NUMBER_ID,
            business_account_id=DEMO_WABA_ID,
            display_phone_number=DEMO_DISPLAY_NUMBER,
            access_token=DEMO_TOKEN,
            app_secret=DEMO_APP_SECRET,
            verify_token="demo-verify-token",  # noqa: S106 - the demo's, shown on its settings page
            api_base_url=demo_fake_url(),
            recipient_spacing_seconds=0,
        )
    elif account.api_base_url != demo_fake_url():
        account.api_base_url = demo_fake_url()
        account.save(update_fields=["api_base_url"])
    if created:
        inbox.members.set(members)
        OfficeHours.objects.bulk_create(
            OfficeHours(inbox=inbox, weekday=day, opens=opens, closes=closes) for day, opens, closes in WEEK
        )
    return inbox


def _history(inbox: Inbox, customers: list[Contact], agent: User) -> int:
    now = timezone.now()
    made = 0
    for index, (contact, lines) in enumerate(zip(customers, HISTORY, strict=False)):
        identity = ContactIdentity.objects.filter(contact=contact, channel=Channel.WHATSAPP).first()
        if identity is None or Conversation.objects.filter(inbox=inbox, identity=identity).exists():
            continue
        conversation = Conversation.objects.create(
            workspace_id=inbox.workspace_id,
            inbox=inbox,
            contact=contact,
            identity=identity,
            status=ConversationStatus.OPEN,
            assignee=agent if index != 2 else None,
        )
        for position, (minutes, inbound, text) in enumerate(lines):
            at = now - dt.timedelta(minutes=minutes)
            message = Message.objects.create(
                workspace_id=inbox.workspace_id,
                inbox=inbox,
                conversation=conversation,
                direction=MessageDirection.INBOUND if inbound else MessageDirection.OUTBOUND,
                body=text,
                sender=None if inbound else agent,
                external_id=f"demo.{conversation.pk}.{position}",
                status=DeliveryStatus.RECEIVED if inbound else DeliveryStatus.READ,
                sent_at=at,
            )
            Message.objects.filter(pk=message.pk).update(created_at=at)
            fields: dict[str, Any] = {"last_message_at": at}
            if inbound:
                fields["last_inbound_at"] = at
            elif conversation.first_response_at is None:
                fields["first_response_at"] = conversation.first_response_at = at
            Conversation.objects.filter(pk=conversation.pk).update(**fields)
        Conversation.objects.filter(pk=conversation.pk).update(
            unread_count=1 if lines[-1][1] else 0, created_at=now - dt.timedelta(minutes=lines[0][0])
        )
        made += 1
    return made


@transaction.atomic
def demo_conversations_ensure(
    *, workspace: Workspace, owner: User, customers: list[Contact], stdout: _Writer | None = None
) -> Inbox:
    """The demo inbox and its settings (see the module docstring); returns the inbox."""
    members = list(User.objects.filter(memberships__workspace=workspace).distinct())
    inbox = _inbox(workspace, members)
    for shortcut, body in QUICK_REPLIES.items():
        QuickReply.objects.get_or_create(workspace=workspace, shortcut=shortcut, defaults={"body": body})
    for name, color in LABELS.items():
        Label.objects.get_or_create(workspace=workspace, name=name, defaults={"color": color})
    year = timezone.localdate().year
    holidays = sum(
        holidays_seed(workspace=workspace, year=y) for y in (year, year + 1) if y in HOLIDAYS_BY_YEAR
    )
    made = _history(inbox, customers, owner)
    if stdout is not None:
        stdout.write(
            f"Demo inbox {inbox.name!r} → {demo_fake_url()}: "
            f"{made} new conversation(s), {holidays} holiday(s)\n"
        )
    return inbox
