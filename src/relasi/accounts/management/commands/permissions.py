"""``relasi permissions``: print the permission matrix as the Markdown table that README.md
carries between ``<!-- permissions:start -->`` and ``<!-- permissions:end -->``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from relasi.accounts.permissions import permission_matrix_markdown


class Command(BaseCommand):
    help = "Print the role × permission matrix as a Markdown table (for README.md)."
    requires_system_checks: list[str] = []

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(permission_matrix_markdown(), ending="")
