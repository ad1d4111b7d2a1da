"""``relasi seed_conversations --demo``: the demo workspace's inbox, connected to the local fake
WhatsApp Cloud API (after ``relasi seed --demo``). Safe to run again."""

from __future__ import annotations

from relasi.accounts.management.demo import DemoSeedCommand
from relasi.accounts.models import User, Workspace
from relasi.contacts.enums import Channel, ContactKind
from relasi.contacts.models import Contact
from relasi.conversations.seeding import demo_conversations_ensure


class Command(DemoSeedCommand):
    help = "Fill the demo workspace's inbox: a WhatsApp number on the local fake, quick replies, history."

    def seed(self, *, workspace: Workspace, owner: User) -> None:
        customers = list(
            Contact.objects.filter(
                workspace=workspace,
                kind=ContactKind.EXTERNAL,
                merged_into__isnull=True,
                identities__channel=Channel.WHATSAPP,
            )
            .distinct()
            .order_by("id")[:3]
        )
        demo_conversations_ensure(workspace=workspace, owner=owner, customers=customers, stdout=self.stdout)
