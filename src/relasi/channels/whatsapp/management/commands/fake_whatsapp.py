"""``relasi fake_whatsapp``: run the local fake WhatsApp Cloud API (``channels/whatsapp/fake.py``).

Point an inbox's "Graph API address" at ``http://HOST:PORT/v21.0`` and the fake's webhook URL
at the inbox's ``/webhooks/whatsapp/<inbox id>/``; the fake then answers sends, posts signed
status webhooks, and ``POST /_fake/inbound {"from": "6281234567890", "text": "Halo"}`` plays a
customer. Every option has an environment variable (``RELASI_FAKE_WA_*``).
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from relasi.channels.whatsapp.fake import FakeConfig, FakeGraph, QuietHandler, ThreadingWSGIServer


def _env(name: str, default: str) -> str:
    return os.environ.get(f"RELASI_FAKE_WA_{name}", default)


class Command(BaseCommand):
    help = "Run a local fake of the WhatsApp Cloud API (sends, media, templates, signed webhooks)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=_env("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(_env("PORT", "8099")))
        parser.add_argument("--token", action="append", help="Accepted access token (repeatable).")
        parser.add_argument("--app-secret", default=_env("APP_SECRET", "fake-app-secret"))
        parser.add_argument("--phone-number-id", default=_env("PHONE_NUMBER_ID", "100000000000001"))
        parser.add_argument("--waba-id", default=_env("WABA_ID", "200000000000001"))
        parser.add_argument("--display-phone-number", default=_env("DISPLAY_PHONE_NUMBER", "6281100000000"))
        parser.add_argument("--verified-name", default=_env("VERIFIED_NAME", "Toko Relasi"))
        parser.add_argument(
            "--webhook-url", default=_env("WEBHOOK_URL", ""), help="Where status and inbound webhooks go."
        )
        parser.add_argument("--messages-per-second", type=int, default=int(_env("MPS", "80")))
        parser.add_argument(
            "--pair-rate-seconds", type=float, default=float(_env("PAIR_RATE_SECONDS", "0")), help="0 = off."
        )
        parser.add_argument("--status-delay", type=float, default=float(_env("STATUS_DELAY", "0.5")))

    def handle(self, *args: Any, **options: Any) -> None:
        tokens = options["token"] or [t for t in _env("TOKENS", "fake-token").split(",") if t]
        config = FakeConfig(
            access_tokens=set(tokens),
            app_secret=options["app_secret"],
            phone_numbers={
                options["phone_number_id"]: {
                    "display_phone_number": options["display_phone_number"],
                    "waba_id": options["waba_id"],
                    "verified_name": options["verified_name"],
                }
            },
            webhook_url=options["webhook_url"],
            messages_per_second=options["messages_per_second"],
            pair_rate_seconds=options["pair_rate_seconds"],
            status_delay=options["status_delay"],
        )
        server = ThreadingWSGIServer((options["host"], options["port"]), QuietHandler)
        server.set_app(FakeGraph(config))
        base = f"http://{options['host']}:{server.server_port}"
        self.stdout.write(
            f"Fake WhatsApp Cloud API on {base}/v21.0 (phone number id {options['phone_number_id']})"
        )
        self.stdout.write(f"Webhooks to: {config.webhook_url or '(none; set --webhook-url)'}")
        self.stdout.write(
            f'Customer writes: POST {base}/_fake/inbound {{"from": "6281234567890", "text": "Halo"}}'
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
