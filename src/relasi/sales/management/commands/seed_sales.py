"""``relasi seed_sales --demo``: the demo shop's catalogue, documents, payments and deals
(after ``relasi seed --demo``). Safe to run again."""

from __future__ import annotations

from relasi.accounts.management.demo import DemoSeedCommand
from relasi.accounts.models import User, Workspace
from relasi.contacts.enums import ContactKind
from relasi.contacts.models import Contact
from relasi.sales.seeding import demo_sales_ensure


class Command(DemoSeedCommand):
    help = "Fill the demo workspace's sales side: products, quotations, invoices, payments, deals."

    def seed(self, *, workspace: Workspace, owner: User) -> None:
        customers = list(
            Contact.objects.filter(
                workspace=workspace, kind=ContactKind.EXTERNAL, merged_into__isnull=True
            ).order_by("id")[:10]
        )
        demo_sales_ensure(workspace=workspace, owner=owner, customers=customers, stdout=self.stdout)
