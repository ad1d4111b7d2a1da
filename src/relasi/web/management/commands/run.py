"""``relasi run``: the embedded all-in-one server (DESIGN §2).

Migrates the SQLite database under ``var/``, makes sure the demo workspace exists, then runs
three processes until Ctrl-C: gunicorn for HTTP on ``--port``, uvicorn for the inbox websockets
(``relasi.config.asgi``) on ``--port`` + 1, and a real Celery worker with beat on the
file-system queue under ``var/queue`` (no outside server; jobs are not executed eagerly).

The web processes learn the websocket's address from ``RELASI_REALTIME_URL``
(``ws://*:<port + 1>``: the page's own host on that port, so the session cookie goes along);
with the in-memory channel layer the websocket process watches the database for what the
other two write (``relasi.conversations.realtime``).
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

    def _fake_whatsapp(
        self, env: dict[str, str], host: str, port: int, fake_port: int
    ) -> subprocess.Popen[bytes]:
        """The local fake Graph API the demo inbox talks to; its webhooks go to this server
        (the customer simulator under Percakapan plays the customers)."""
        from relasi.conversations.models import Inbox
        from relasi.conversations.seeding import DEMO_INBOX

        inbox = Inbox.objects.filter(workspace__slug="hero", name=DEMO_INBOX).first()
        webhook = f"http://{host}:{port}/webhooks/whatsapp/{inbox.pk if inbox else 0}/"
        self.stdout.write(f"Fake WhatsApp Cloud API: http://{host}:{fake_port}/v21.0 → {webhook}")
        return subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "relasi.cli",
                "fake-whatsapp",
                "--host",
                host,
                "--port",
                str(fake_port),
                "--webhook-url",
                webhook,
            ],
            env=env,
        )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        if not options["no_demo"]:
            call_command("seed", demo=True, stdout=self.stdout)
            call_command("seed_sales", demo=True, stdout=self.stdout)
            call_command("seed_surveys", demo=True, stdout=self.stdout)
            call_command("seed_analytics", demo=True, stdout=self.stdout)
        host, port = options["host"], options["port"]
        realtime_port = port + 1
        fake_port = port + 99  # the demo's fake WhatsApp Cloud API (8099 next to 8000)
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "relasi.config.settings"}
        env.setdefault("RELASI_REALTIME_URL", f"ws://*:{realtime_port}")
        children: list[subprocess.Popen[bytes]] = []
        if not options["no_demo"]:
            os.environ.setdefault("RELASI_FAKE_WA_URL", f"http://{host}:{fake_port}/v21.0")
            call_command("seed_conversations", demo=True, stdout=self.stdout)
            env["RELASI_SIMULATOR"] = "1"
            children.append(self._fake_whatsapp(env, host, port, fake_port))
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
        realtime = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "uvicorn",
                "relasi.config.asgi:application",
                "--host",
                host,
                "--port",
                str(realtime_port),
                "--lifespan",
                "off",
                "--no-access-log",
                "--log-level",
                "warning",
                "--timeout-graceful-shutdown",
                "5",
            ],
            env=env,
        )
        children += [web, realtime, worker]
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
            c.args[2] if isinstance(c.args, list) else c.args
            for c in children
            if c.returncode not in (0, -15, None)
        ]
        if failed:
            self.stderr.write(f"stopped: {failed}")
