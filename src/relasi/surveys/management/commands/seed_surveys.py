"""``relasi seed_surveys --demo``: the demo workspace's NPS and CES surveys with answers (after
``relasi seed --demo``). Safe to run again."""

from __future__ import annotations

from relasi.accounts.management.demo import DemoSeedCommand
from relasi.accounts.models import User, Workspace
from relasi.surveys.seeding import demo_surveys_ensure


class Command(DemoSeedCommand):
    help = "Add the demo workspace's satisfaction surveys (NPS, CES) and their answers."

    def seed(self, *, workspace: Workspace, owner: User) -> None:
        demo_surveys_ensure(workspace=workspace, owner=owner, stdout=self.stdout)
