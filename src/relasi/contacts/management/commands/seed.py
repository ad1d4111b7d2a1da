"""``relasi seed``: realistic Indonesian data (DESIGN §7).

relasi seed --demo
    the demo shop "Toko Hadiah Hero" (/w/hero/), made through the normal services;
    safe to run again.
relasi seed --workspace SLUG --contacts N [--rng-seed S] [--create] [--owner-email E]
    N customers written in bulk (COPY on PostgreSQL), with identities and tags; no
    timeline or audit rows. ``--create`` makes the workspace (and its owner) when missing.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from relasi.accounts.models import Workspace
from relasi.contacts import seeding


class Command(BaseCommand):
    help = "Create the demo workspace, or add N realistic customers to a workspace in bulk."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--demo", action="store_true", help="Create or complete the demo workspace.")
        parser.add_argument("--workspace", default="", help="The workspace's slug (as in /w/<slug>/).")
        parser.add_argument("--contacts", type=int, default=0, help="How many customers to add.")
        parser.add_argument("--rng-seed", type=int, default=2026, help="Same seed, same data.")
        parser.add_argument("--create", action="store_true", help="Create the workspace if missing.")
        parser.add_argument("--owner-email", default="", help="Owner when creating (pemilik@<slug>.test).")
        parser.add_argument("--batch-size", type=int, default=20000, help="Rows per COPY batch.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["demo"]:
            self._demo()
        elif options["workspace"]:
            self._bulk(options)
        else:
            raise CommandError("Give --demo, or --workspace SLUG --contacts N.")

    def _demo(self) -> None:
        result = seeding.demo_workspace_ensure(stdout=self.stdout)
        base = settings.RELASI_BASE_URL.rstrip("/")
        self.stdout.write(
            self.style.SUCCESS(f"Demo siap: {base}/w/{result.workspace.slug}/pelanggan/")
            + f"\n  Masuk:      {base}/akun/masuk/"
            + f"\n  E-mail:     {result.owner_email}"
            + f"\n  Kata sandi: {result.password}"
            + "\n  (sama untuk admin@, sales@, finance@, agent@ dan viewer@hero.test)"
        )

    def _bulk(self, options: dict[str, Any]) -> None:
        slug, count = options["workspace"], options["contacts"]
        if count <= 0:
            raise CommandError("--contacts must be a positive number.")
        if options["create"]:
            ensured = seeding.seed_workspace_ensure(slug=slug, owner_email=options["owner_email"])
            workspace = ensured.workspace
            if ensured.password:
                self.stdout.write(f"Pemilik {ensured.owner.email}, kata sandi: {ensured.password}")
        else:
            found = Workspace.objects.filter(slug=slug).first()
            if found is None:
                raise CommandError(f"No workspace with the slug '{slug}'. Add --create to make it.")
            workspace = found
        step = max(count // 10, options["batch_size"])

        def progress(done: int) -> None:
            if done % step < options["batch_size"] or done == count:
                self.stdout.write(f"  {done:,} / {count:,}")

        result = seeding.seed_contacts(
            workspace=workspace,
            count=count,
            rng_seed=options["rng_seed"],
            batch_size=options["batch_size"],
            progress=progress,
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.contacts:,} customers, {result.identities:,} identities, "
                f"{result.tag_links:,} tag links, {result.companies:,} companies in "
                f"{result.seconds:.1f} s ({result.rows_per_second:,.0f} customers/s)"
            )
        )
        if result.index_seconds or result.maintenance_seconds:
            self.stdout.write(
                f"  rows {result.load_seconds:.1f} s, indexes {result.index_seconds:.1f} s, "
                f"vacuum/analyze {result.maintenance_seconds:.1f} s"
            )
