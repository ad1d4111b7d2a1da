"""WhatsApp webhook ingest (DESIGN §8): signed Cloud API POSTs through gunicorn sync workers.

What it does, from the repository root (``.venv/bin/python bench/webhook_ingest.py``):

1. Makes sure the PostgreSQL database of ``DATABASE_URL`` exists (default
   ``postgres://postgres@127.0.0.1:5432/relasi_bench_webhook``) and migrates it; creates a
   fresh workspace, WhatsApp inbox and ``WhatsAppAccount`` with a known app secret per run.
2. Builds ``BENCH_WEBHOOKS`` distinct bodies (20,000; 60,000 with ``BENCH_FULL=1``), Meta-shaped:
   2/3 status webhooks (sent/delivered/read of made-up wamids), 1/3 inbound text messages,
   each signed ``X-Hub-Signature-256: sha256=<HMAC-SHA256 of the raw bytes>``.
3. Calibration: ``GET /noop`` of the reference app (no database) through the same gunicorn and
   the same load generator: the ceiling of the generator + gunicorn on this machine.
4. Subject: ``gunicorn relasi.config.wsgi`` (sync workers, ``BENCH_WORKERS`` = 2×cores+1),
   DEBUG off, ``RELASI_DB_CONN_MAX_AGE=60``, ``REDIS_URL`` = a real Redis (the Celery broker:
   ``on_commit`` pushes one message per stored event; no worker runs, the queue is counted and
   purged afterwards). Every body is POSTed once to ``/webhooks/whatsapp/<inbox_id>/`` by
   ``BENCH_CONCURRENCY`` (32) concurrent clients; latency per request from connect to the
   last byte (gunicorn's sync worker closes the connection after every response, so a
   request costs a TCP connect as it would behind a proxy without upstream keep-alive).
5. Reference, same run, same gunicorn settings, same bodies: ``bench/webhook_reference_app.py``
   (raw WSGI + psycopg 3: account lookup, HMAC check, ``INSERT … ON CONFLICT DO NOTHING``).
6. Checks: every answer 200, rows == N for the run's account, the stored sha256 set equals
   the sent one (nothing lost, nothing twice), N jobs enqueued; writes
   ``bench/results/webhook_ingest.json`` (DESIGN §7; ratio = subject req/s ÷ reference req/s).

The load generator is asyncio (uvloop when available) over raw sockets with the requests
serialised in advance, in this process; its CPU time is reported (it shares the two cores).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

FULL = os.environ.get("BENCH_FULL") == "1"
WEBHOOKS = int(os.environ.get("BENCH_WEBHOOKS", "60000" if FULL else "20000"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "32"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))
PORT = int(os.environ.get("BENCH_PORT", "8731"))
RPS_BUDGET = 1200.0
P99_BUDGET_MS = 100.0
RATIO_BUDGET = 0.6

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/relasi_bench_webhook")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relasi.config.settings")
os.environ.setdefault("RELASI_DATA_DIR", "/tmp/relasi_bench_webhook")  # noqa: S108 - a scratch dir
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")
os.environ.setdefault("RELASI_DB_CONN_MAX_AGE", "60")
os.environ.pop("CELERY_BROKER_URL", None)  # the broker is REDIS_URL, as in production
os.environ["RELASI_DEBUG"] = "0"

import psycopg  # noqa: E402
from psycopg.conninfo import conninfo_to_dict  # noqa: E402

from harness import machine, stopwatch, summary, write_result  # noqa: E402

DATABASE_URL = os.environ["DATABASE_URL"]
REDIS_URL = os.environ["REDIS_URL"]
ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
REF_TABLE = "bench_webhookevent"


def database_ensure() -> None:
    """Create the benchmark database when it does not exist (never drops anything)."""
    params = conninfo_to_dict(DATABASE_URL)
    name = str(params.pop("dbname", "relasi_bench_webhook"))
    with psycopg.connect(**params, dbname="postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"Created database {name}.")


database_ensure()

import django  # noqa: E402

django.setup()

import redis  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402

from relasi.accounts.models import Workspace  # noqa: E402
from relasi.channels.whatsapp.models import WebhookEvent, WhatsAppAccount  # noqa: E402
from relasi.conversations.enums import ChannelType  # noqa: E402
from relasi.conversations.models import Inbox  # noqa: E402

# --------------------------------------------------------------------------------------------
# set-up


def setup(secret: str) -> tuple[WhatsAppAccount, str]:
    with stopwatch("migrate"):
        call_command("migrate", verbosity=0)
    stamp = f"{int(time.time())}{secrets.randbelow(1000):03d}"
    workspace = Workspace.objects.create(name="Toko Bench Webhook", slug=f"bench-webhook-{stamp}")
    inbox = Inbox.objects.create(workspace=workspace, name="WhatsApp Toko", channel_type=ChannelType.WHATSAPP)
    account = WhatsAppAccount.objects.create(
        inbox=inbox,
        phone_number_id=f"9{stamp}",
        business_account_id="200000",
        display_phone_number="6281100000000",
        access_token="EAAG-bench",  # noqa: S106 - a made-up token, never sent anywhere
        app_secret=secret,
        verify_token="bench",  # noqa: S106
    )
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE IF NOT EXISTS {REF_TABLE} (LIKE whatsapp_webhookevent INCLUDING ALL)")
        has_fk = conn.execute(
            "SELECT 1 FROM pg_constraint WHERE conname = 'bench_webhookevent_account_fk'"
        ).fetchone()
        if has_fk is None:
            conn.execute(
                f"ALTER TABLE {REF_TABLE} ADD CONSTRAINT bench_webhookevent_account_fk "
                "FOREIGN KEY (account_id) REFERENCES whatsapp_whatsappaccount (id) "
                "DEFERRABLE INITIALLY DEFERRED"
            )
        conn.execute(f"TRUNCATE {REF_TABLE}")
    return account, stamp


def bodies_make(account: WhatsAppAccount, stamp: str, n: int) -> list[bytes]:
    """n distinct Meta-shaped webhook bodies: 2 of 3 statuses, 1 of 3 inbound text."""
    ts0 = int(time.time()) - 3600
    metadata = {"display_phone_number": "6281100000000", "phone_number_id": account.phone_number_id}
    statuses = ("sent", "delivered", "read")
    out = []
    for i in range(n):
        phone = f"62812{i % 50_000:08d}"
        ts = str(ts0 + i // 10)
        if i % 3 == 2:
            value: dict[str, Any] = {
                "messaging_product": "whatsapp",
                "metadata": metadata,
                "contacts": [{"profile": {"name": f"Pelanggan {i % 50_000}"}, "wa_id": phone}],
                "messages": [
                    {
                        "from": phone,
                        "id": f"wamid.IN{stamp}{i:08d}",
                        "timestamp": ts,
                        "type": "text",
                        "text": {"body": "Halo kak, kemeja ukuran L masih ready?"},
                    }
                ],
            }
        else:
            value = {
                "messaging_product": "whatsapp",
                "metadata": metadata,
                "statuses": [
                    {
                        "id": f"wamid.OUT{stamp}{i // 3:08d}",
                        "status": statuses[(i // 3 + i % 3) % 3],
                        "timestamp": ts,
                        "recipient_id": phone,
                        "pricing": {"billable": True, "pricing_model": "PMP", "category": "utility"},
                    }
                ],
            }
        envelope = {
            "object": "whatsapp_business_account",
            "entry": [{"id": "200000", "changes": [{"field": "messages", "value": value}]}],
        }
        out.append(json.dumps(envelope, separators=(",", ":")).encode())
    return out


def requests_make(path: str, bodies: list[bytes], secret: bytes) -> list[bytes]:
    out = []
    for body in bodies:
        signature = hmac.new(secret, body, hashlib.sha256).hexdigest()
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{PORT}\r\nUser-Agent: facebookexternalua\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            f"X-Hub-Signature-256: sha256={signature}\r\nConnection: keep-alive\r\n\r\n"
        )
        out.append(head.encode() + body)
    return out


# --------------------------------------------------------------------------------------------
# the server


def gunicorn_start(app: str, env: dict[str, str], chdir: Path) -> subprocess.Popen[bytes]:
    command = [
        str(BIN / "gunicorn"),
        "-k",
        "sync",
        "-w",
        str(WORKERS),
        "--bind",
        f"127.0.0.1:{PORT}",
        "--backlog",
        "2048",
        "--log-level",
        "warning",
        "--chdir",
        str(chdir),
        app,
    ]
    log = Path(os.environ["RELASI_DATA_DIR"]) / "gunicorn.log"  # the warm-up's 403 warnings go here
    with log.open("ab") as stderr:
        process = subprocess.Popen(  # noqa: S603
            command, env={**os.environ, **env}, start_new_session=True, stderr=stderr
        )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", PORT), timeout=0.5).close()
            return process
        except OSError:
            time.sleep(0.2)
    gunicorn_stop(process)
    raise RuntimeError(f"gunicorn {app} did not start")


def gunicorn_stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --------------------------------------------------------------------------------------------
# the load generator


async def _one(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, bool]:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    close = False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "connection" and value.strip().lower() == "close":
            close = True
    if length:
        await reader.readexactly(length)
    return status, close


async def _load(requests: list[bytes], concurrency: int) -> tuple[float, list[float], dict[int, int], int]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    position = 0
    connects = 0

    async def client() -> None:
        nonlocal position, connects
        reader = writer = None
        while position < len(requests):
            request = requests[position]
            position += 1
            start = time.perf_counter_ns()
            for attempt in range(3):
                try:
                    if writer is None:
                        reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
                        connects += 1
                    status, close = await _one(reader, writer, request)  # type: ignore[arg-type]
                    break
                except (ConnectionError, asyncio.IncompleteReadError):
                    # a kept-alive socket closed under us before the request: resend it
                    if writer is not None:
                        writer.close()
                    reader = writer = None
                    if attempt == 2:
                        raise
            latencies.append((time.perf_counter_ns() - start) / 1e6)
            statuses[status] = statuses.get(status, 0) + 1
            if close:
                writer.close()  # type: ignore[union-attr]
                reader = writer = None
        if writer is not None:
            writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return time.perf_counter() - start, latencies, statuses, connects


def cpu_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def processes_cpu() -> dict[str, int]:
    """CPU jiffies (user + system) so far of gunicorn (master + workers), PostgreSQL and Redis."""
    totals = {"gunicorn": 0, "postgres": 0, "redis": 0}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        kind = (
            "gunicorn"
            if "gunicorn" in command
            else "postgres"
            if command.startswith("postgres")
            else "redis"
            if "redis-server" in command
            else None
        )
        if kind:
            totals[kind] += int(stat[11]) + int(stat[12])
    return totals


def load(requests: list[bytes], label: str) -> dict[str, Any]:
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:  # pragma: no cover - uvloop is a dependency of uvicorn[standard]
        runner = asyncio.run
    busy0, total0 = cpu_jiffies()
    processes0 = processes_cpu()
    cpu0 = time.process_time()
    with stopwatch(label):
        wall, latencies, statuses, connects = runner(_load(requests, CONCURRENCY))
    cpu = time.process_time() - cpu0
    busy1, total1 = cpu_jiffies()
    processes1 = processes_cpu()
    tick = os.sysconf("SC_CLK_TCK")
    cpu_ms_per_request = {
        kind: round((processes1[kind] - processes0[kind]) / tick * 1000 / max(1, len(latencies)), 3)
        for kind in processes1
    }
    cpu_ms_per_request["generator"] = round(cpu * 1000 / max(1, len(latencies)), 3)
    ms = summary(latencies)
    result = {
        "requests": len(latencies),
        "wall_seconds": round(wall, 3),
        "requests_per_second": round(len(latencies) / wall, 1),
        "latency_ms": ms,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "tcp_connects": connects,
        "generator_cpu_seconds": round(cpu, 3),
        "generator_cpu_share_of_one_core": round(cpu / wall, 3),
        "machine_cpu_busy": round((busy1 - busy0) / max(1, total1 - total0), 3),
        "cpu_ms_per_request": cpu_ms_per_request,
    }
    print(
        f"    {result['requests_per_second']:.0f} req/s, p50 {ms['p50']} p95 {ms['p95']} p99 {ms['p99']} ms, "
        f"statuses {result['statuses']}, "
        f"generator {result['generator_cpu_share_of_one_core']:.0%} of a core, "
        f"machine busy {result['machine_cpu_busy']:.0%}; CPU ms/request {cpu_ms_per_request}"
    )
    return result


def warm(path: str, n: int = 200) -> None:
    """Bad-signature POSTs: every worker imports, connects and looks the account up; nothing stored."""
    body = b'{"object":"whatsapp_business_account","entry":[]}'
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{PORT}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nX-Hub-Signature-256: sha256=00\r\n\r\n"
    )
    asyncio.run(_load([head.encode() + body] * n, CONCURRENCY))


# --------------------------------------------------------------------------------------------
# checks


def stored_check(table: str, account_id: int, expected: set[str]) -> dict[str, Any]:
    with psycopg.connect(DATABASE_URL) as conn:
        rows = conn.execute(
            f"SELECT count(*), count(DISTINCT body_sha256) FROM {table} WHERE account_id = %s",
            [account_id],
        ).fetchone()
        found = {
            r[0] for r in conn.execute(f"SELECT body_sha256 FROM {table} WHERE account_id = %s", [account_id])
        }
    count, distinct = rows
    return {
        "rows": count,
        "distinct_sha256": distinct,
        "lost": len(expected - found),
        "unexpected": len(found - expected),
        "duplicated": count - distinct,
        "exact": count == len(expected) and found == expected,
    }


def main() -> int:
    before = machine()
    print(
        f"WhatsApp webhook ingest: {WEBHOOKS} POSTs, {WORKERS} sync workers, concurrency {CONCURRENCY}; "
        f"load {before['loadavg_1_5_15']}"
    )
    secret = secrets.token_hex(16)
    account, stamp = setup(secret)
    inbox_id = account.inbox_id
    path = f"/webhooks/whatsapp/{inbox_id}/"
    with stopwatch("bodies"):
        bodies = bodies_make(account, stamp, WEBHOOKS)
        requests = requests_make(path, bodies, secret.encode())
    expected = {hashlib.sha256(b).hexdigest() for b in bodies}
    assert len(expected) == WEBHOOKS
    connections.close_all()
    broker = redis.Redis.from_url(REDIS_URL)
    queued_before = broker.llen("celery")

    ref_env = {"BENCH_REF_DSN": DATABASE_URL, "BENCH_REF_SECRET": secret, "BENCH_REF_TABLE": REF_TABLE}
    noop_request = f"GET /noop HTTP/1.1\r\nHost: 127.0.0.1:{PORT}\r\n\r\n".encode()

    print("  calibration: reference app GET /noop (no database)")
    server = gunicorn_start("webhook_reference_app:application", ref_env, ROOT / "bench")
    try:
        warm(path)
        noop = load([noop_request] * WEBHOOKS, "noop")
    finally:
        gunicorn_stop(server)

    print("  subject: Django (relasi.config.wsgi)")
    server = gunicorn_start("relasi.config.wsgi:application", {}, ROOT / "src")
    try:
        warm(path)
        subject = load(requests, "subject")
    finally:
        gunicorn_stop(server)
    queued = broker.llen("celery") - queued_before

    print("  reference: raw WSGI + psycopg")
    server = gunicorn_start("webhook_reference_app:application", ref_env, ROOT / "bench")
    try:
        warm(path)
        reference = load(requests, "reference")
    finally:
        gunicorn_stop(server)

    subject_store = stored_check(WebhookEvent._meta.db_table, account.pk, expected)
    reference_store = stored_check(REF_TABLE, account.pk, expected)
    purged = broker.delete("celery") if queued_before == 0 else 0
    subject_all_200 = subject["statuses"] == {"200": WEBHOOKS}
    rps = subject["requests_per_second"]
    ref_rps = reference["requests_per_second"]
    ratio = rps / ref_rps if ref_rps else 0.0
    p99 = subject["latency_ms"]["p99"]
    bars = {
        f"rps >= {RPS_BUDGET:.0f}": rps >= RPS_BUDGET,
        f"p99 < {P99_BUDGET_MS:.0f} ms": p99 < P99_BUDGET_MS,
        f"ratio >= {RATIO_BUDGET}": ratio >= RATIO_BUDGET,
        "all 200": subject_all_200,
        "zero lost, zero duplicated": bool(subject_store["exact"]),
        "one job enqueued per event": queued == WEBHOOKS,
    }
    ok = all(bars.values())
    print(f"  stored: subject {subject_store}; reference {reference_store}")
    print(f"  enqueued {queued} jobs on {REDIS_URL} (purged: {bool(purged)})")
    print(f"  ratio {ratio:.2f}; bars {bars}; ok={ok}")
    after = machine()
    path_out = write_result(
        name="webhook_ingest",
        workload=(
            f"{WEBHOOKS} distinct signed WhatsApp Cloud API webhook POSTs (2/3 statuses, 1/3 inbound text), "
            f"gunicorn {WORKERS} sync workers, {CONCURRENCY} concurrent clients, PostgreSQL, "
            "Celery broker on Redis"
        ),
        metric="webhook POSTs verified and stored per second (each once, answered 200)",
        value=rps,
        unit="requests/s",
        reference=(
            "raw WSGI app + psycopg 3 (account lookup, HMAC-SHA256 check, INSERT … ON CONFLICT "
            "(body_sha256) DO NOTHING into a table like whatsapp_webhookevent) under the same gunicorn "
            "settings, same bodies, same run"
        ),
        reference_value=ref_rps,
        budget=(
            f">= {RPS_BUDGET:.0f} requests/s at p99 < {P99_BUDGET_MS:.0f} ms, >= {RATIO_BUDGET} x reference; "
            "zero lost, zero duplicated"
        ),
        ok=ok,
        extra={
            "ratio_definition": "value / reference_value (subject req/s over raw WSGI + psycopg req/s)",
            "bars": bars,
            "subject_p99_ms": p99,
            "subject": subject,
            "reference_run": reference,
            "calibration_noop": noop,
            "stored": {"subject": subject_store, "reference": reference_store},
            "celery_jobs_enqueued": queued,
            "celery_queue_purged": bool(purged),
            "gunicorn": {
                "worker_class": "sync",
                "workers": WORKERS,
                "backlog": 2048,
                "keepalive": "none (the sync worker closes every connection)",
            },
            "settings": {
                "DEBUG": False,
                "RELASI_DB_CONN_MAX_AGE": os.environ["RELASI_DB_CONN_MAX_AGE"],
                "REDIS_URL": REDIS_URL,
                "DATABASE_URL": DATABASE_URL,
            },
            "bodies": {"statuses": WEBHOOKS - WEBHOOKS // 3, "inbound": WEBHOOKS // 3},
            "machine_before": before,
            "machine_after": after,
        },
    )
    print(f"Wrote {path_out}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
