"""``relasi seed_analytics --demo``: the demo shop's purchase history, acquisition costs and
production runs, then a metrics refresh (after ``relasi seed --demo`` and ``seed_sales``).
Safe to run again."""

from __future__ import annotations

from relasi.accounts.management.demo import DemoSeedCommand
from relasi.accounts.models import User, Workspace
from relasi.analytics.seeding import demo_analytics_ensure


class Command(DemoSeedCommand):
    help = "Fill the demo workspace's analytics: purchase history, costs, production runs; refresh."

    def seed(self, *, workspace: Workspace, owner: User) -> None:
        demo_analytics_ensure(workspace=workspace, owner=owner, stdout=self.stdout)
