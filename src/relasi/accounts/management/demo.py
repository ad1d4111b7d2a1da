"""What the ``relasi seed_<app> --demo`` commands share: each fills the demo workspace made by
``relasi seed --demo`` (``/w/hero/``, or ``--workspace SLUG``), acting as its first owner."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from relasi.accounts.enums import Role
from relasi.accounts.models import Membership, User, Workspace


def demo_owner_membership(slug: str) -> Membership:
    """The first owner's membership of the workspace ``slug`` (with its workspace and user), or
    ``CommandError`` when that workspace does not exist yet."""
    membership = (
        Membership.objects.select_related("workspace", "user")
        .filter(workspace__slug=slug, role=Role.OWNER)
        .order_by("id")
        .first()
    )
    if membership is None:
        raise CommandError("Run `relasi seed --demo` first: the workspace does not exist.")
    return membership


class DemoSeedCommand(BaseCommand):
    """A ``relasi seed_<app> --demo`` command: ``seed`` fills the workspace as its owner.
    ``--demo`` is required, so that running the command bare does nothing."""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--demo", action="store_true", help="The demo workspace (/w/hero/).")
        parser.add_argument("--workspace", default="hero", help="The workspace's slug.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["demo"]:
            raise CommandError("Give --demo.")
        membership = demo_owner_membership(options["workspace"])
        self.seed(workspace=membership.workspace, owner=membership.user)

    def seed(self, *, workspace: Workspace, owner: User) -> None:
        raise NotImplementedError
