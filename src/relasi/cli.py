"""The ``relasi`` command: Django's management commands plus ``run``, ``seed`` and ``token``."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relasi.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["relasi", *sys.argv[1:]])


if __name__ == "__main__":
    main()
