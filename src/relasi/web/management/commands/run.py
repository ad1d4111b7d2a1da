"""``relasi run``: the embedded all-in-one server (DESIGN §2).

Migrates the SQLite database under ``var/``, makes sure the demo workspace exists, then runs
three processes until Ctrl-C: gunicorn for HTTP, and a real Celery worker with beat on the
file-system queue under ``var/queue`` (no outside server; jobs are not executed eagerly).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run Relasi on one machine: web server, background worker and scheduler."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("RELASI_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("RELASI_PORT", "8000")))
        parser.add_argument("--no-demo", action="store_true", help="Do not create the demo workspace.")
        parser.add_argument("--web-workers", type=int, default=2)

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        if not options["no_demo"]:
            call_command("seed", demo=True, stdout=self.stdout)
            call_command("seed_sales", demo=True, stdout=self.stdout)
        host, port = options["host"], options["port"]
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "relasi.config.settings"}
        data_dir = settings.DATA_DIR
        worker = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "relasi.config",
                "worker",
                "--beat",
                "--schedule",
                str(data_dir / "celerybeat-schedule"),
                "--pool",
                "threads",
                "--concurrency",
                "2",
                "--loglevel",
                "WARNING",
                "--hostname",
                "relasi-embedded@%h",
            ],
            env=env,
        )
        web = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "gunicorn",
                "relasi.config.wsgi:application",
                "--bind",
                f"{host}:{port}",
                "--workers",
                str(options["web_workers"]),
                "--threads",
                "4",
                "--worker-class",
                "gthread",
                "--access-logfile",
                "-",
                "--graceful-timeout",
                "5",
                "--timeout",
                "120",
            ],
            env=env,
        )
        children = [web, worker]
        self.stdout.write(
            self.style.SUCCESS(
                f"Relasi berjalan di / is running at http://{host}:{port}/ — Ctrl-C untuk berhenti / to stop."
            )
        )

        def stop(signum: int, frame: object) -> None:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
        finally:
            stop(signal.SIGTERM, None)
            deadline = time.monotonic() + 15
            for child in children:
                try:
                    child.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    child.kill()
        failed = [
            c.args[3] if isinstance(c.args, list) else c.args
            for c in children
            if c.returncode not in (0, -15, None)
        ]
        if failed:
            self.stderr.write(f"stopped: {failed}")
