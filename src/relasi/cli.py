"""The ``relasi`` command: Django's management commands plus ``run``, ``seed`` and ``token``."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relasi.config.settings")
    from django.core.management import execute_from_command_line

    args = sys.argv[1:]
    if args and args[0] == "fake-whatsapp":  # the documented spelling of ``fake_whatsapp``
        args[0] = "fake_whatsapp"
    execute_from_command_line(["relasi", *args])


if __name__ == "__main__":
    main()
