"""``relasi seed_conversations --demo``: the demo workspace's inbox, connected to the local fake
WhatsApp Cloud API (after ``relasi seed --demo``). Safe to run again."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from relasi.accounts.models import Membership
from relasi.contacts.enums import Channel, ContactKind
from relasi.contacts.models import Contact
from relasi.conversations.seeding import demo_conversations_ensure


class Command(BaseCommand):
    help = "Fill the demo workspace's inbox: a WhatsApp number on the local fake, quick replies, history."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--demo", action="store_true", help="The demo workspace (/w/hero/).")
        parser.add_argument("--workspace", default="hero", help="The workspace's slug.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["demo"]:
            raise CommandError("Give --demo.")
        membership = (
            Membership.objects.select_related("workspace", "user")
            .filter(workspace__slug=options["workspace"], role="owner")
            .order_by("id")
            .first()
        )
        if membership is None:
            raise CommandError("Run `relasi seed --demo` first: the workspace does not exist.")
        customers = list(
            Contact.objects.filter(
                workspace=membership.workspace,
                kind=ContactKind.EXTERNAL,
                merged_into__isnull=True,
                identities__channel=Channel.WHATSAPP,
            )
            .distinct()
            .order_by("id")[:3]
        )
        demo_conversations_ensure(
            workspace=membership.workspace, owner=membership.user, customers=customers, stdout=self.stdout
        )
