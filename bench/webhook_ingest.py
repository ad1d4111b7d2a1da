"""WhatsApp webhook ingest (DESIGN §8): signed Cloud API POSTs through gunicorn sync workers.

What it does, from the repository root (``.venv/bin/python bench/webhook_ingest.py``):

1. Makes sure the PostgreSQL database of ``DATABASE_URL`` exists (default
   ``postgres://postgres@127.0.0.1:5432/relasi_bench_webhook``) and migrates it; creates a
   fresh workspace with two WhatsApp inboxes (measured, warm-up) and a known app secret.
2. Builds ``BENCH_WEBHOOKS`` distinct bodies (20,000; 60,000 with ``BENCH_FULL=1``), Meta-shaped:
   2/3 status webhooks (sent/delivered/read of made-up wamids), 1/3 inbound text messages,
   each signed ``X-Hub-Signature-256: sha256=<HMAC-SHA256 of the raw bytes>``.
3. Calibration: ``GET /noop`` of the reference app (no database) through the same gunicorn and
   the same load generator: the ceiling of the generator + gunicorn on this machine.
4. Subject and reference in ``BENCH_ROUNDS`` (4) alternating rounds, each a fresh
   ``gunicorn -k sync -w BENCH_WORKERS --preload`` (2×cores+1 workers), warmed, and a slice of
   the bodies POSTed once each to ``/webhooks/whatsapp/<inbox_id>/`` by ``BENCH_CONCURRENCY``
   (32) concurrent clients; latency per request from connect to the last byte (gunicorn's sync
   worker closes the connection after every response, so a request costs a TCP connect as it
   would behind a proxy without upstream keep-alive).
   Subject: ``BENCH_SUBJECT_APP`` (default ``relasi.config.wsgi:application``), DEBUG off,
   ``RELASI_DB_CONN_MAX_AGE=60``, ``REDIS_URL`` = a real Redis (the Celery broker: the view
   queues a drain job per burst, not per POST). Reference: ``bench/webhook_reference_app.py``
   (raw WSGI + psycopg 3: account lookup, HMAC check, ``INSERT … ON CONFLICT DO NOTHING``).
5. Checks: every answer 200, rows == N for the run's account, the stored sha256 set equals
   the sent one (nothing lost, nothing twice), drain jobs queued (fewer than POSTs); then,
   unless ``BENCH_PROCESS=0``, a real Celery worker runs those jobs until every stored event
   of the run is processed. Writes ``bench/results/webhook_ingest.json`` (DESIGN §7; ratio =
   subject req/s ÷ reference req/s).

The load generator is asyncio (uvloop when available) over raw sockets with the requests
serialised in advance, in this process; its CPU time is reported (it shares the two cores).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
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
WARM_WEBHOOKS = 500
# Subject and reference alternate in this many rounds, each on a slice of the bodies.
ROUNDS = max(1, int(os.environ.get("BENCH_ROUNDS", "4")))
REF_APP = "webhook_reference_app:application"
# A real Celery worker drains the stored events afterwards (0: skip), for at most this long.
PROCESS = os.environ.get("BENCH_PROCESS", "1") != "0"
PROCESS_TIMEOUT = float(os.environ.get("BENCH_PROCESS_TIMEOUT", "900"))
# The WSGI application under test: the production entry point unless a variant is measured.
SUBJECT_APP = os.environ.get("BENCH_SUBJECT_APP", "relasi.config.wsgi:application")
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

from harness import database_ensure, machine, stopwatch, summary, write_result  # noqa: E402

DATABASE_URL = os.environ["DATABASE_URL"]
REDIS_URL = os.environ["REDIS_URL"]
ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
REF_TABLE = "bench_webhookevent"


database_ensure(DATABASE_URL)

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


def setup(secret: str) -> tuple[WhatsAppAccount, WhatsAppAccount, str]:
    """The measured account and a warm-up one (another inbox of the same workspace, same app
    secret: the reference app knows one secret) for this run."""
    with stopwatch("migrate"):
        call_command("migrate", verbosity=0)
    stamp = f"{int(time.time())}{secrets.randbelow(1000):03d}"
    workspace = Workspace.objects.create(name="Toko Bench Webhook", slug=f"bench-webhook-{stamp}")
    accounts = []
    for n, name in enumerate(("WhatsApp Toko", "WhatsApp Pemanasan")):
        inbox = Inbox.objects.create(workspace=workspace, name=name, channel_type=ChannelType.WHATSAPP)
        accounts.append(
            WhatsAppAccount.objects.create(
                inbox=inbox,
                phone_number_id=f"9{stamp}{n}",
                business_account_id="200000",
                display_phone_number="6281100000000",
                access_token="EAAG-bench",  # noqa: S106 - a made-up token, never sent anywhere
                app_secret=secret,
                verify_token="bench",  # noqa: S106
                # Nothing here sends to Meta; should anything try, it reaches a closed local port.
                api_base_url="http://127.0.0.1:9/v21.0",
            )
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
    return accounts[0], accounts[1], stamp


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
        # The application is imported once, before the workers fork: when the port answers,
        # every worker is ready, and no worker's import falls into a measured round.
        "--preload",
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


def measure(requests: list[bytes], label: str) -> dict[str, Any]:
    """Send ``requests`` through the load generator; the raw numbers of one pass."""
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
    return {
        "wall": wall,
        "latencies": latencies,
        "statuses": statuses,
        "connects": connects,
        "generator_cpu": cpu,
        "busy": busy1 - busy0,
        "total": total1 - total0,
        "processes": {kind: processes1[kind] - processes0[kind] for kind in processes1},
    }


def summarise(passes: list[dict[str, Any]], label: str) -> dict[str, Any]:
    """One server's passes (rounds) together: requests/s = all requests / all wall time."""
    wall = sum(p["wall"] for p in passes)
    latencies = [ms for p in passes for ms in p["latencies"]]
    statuses: dict[int, int] = {}
    for p in passes:
        for status, n in p["statuses"].items():
            statuses[status] = statuses.get(status, 0) + n
    cpu = sum(p["generator_cpu"] for p in passes)
    tick = os.sysconf("SC_CLK_TCK")
    n = max(1, len(latencies))
    cpu_ms_per_request = {
        kind: round(sum(p["processes"][kind] for p in passes) / tick * 1000 / n, 3)
        for kind in passes[0]["processes"]
    }
    cpu_ms_per_request["generator"] = round(cpu * 1000 / n, 3)
    ms = summary(latencies)
    result = {
        "requests": len(latencies),
        "rounds": len(passes),
        "wall_seconds": round(wall, 3),
        "requests_per_second": round(len(latencies) / wall, 1),
        "requests_per_second_by_round": [round(len(p["latencies"]) / p["wall"], 1) for p in passes],
        "over_500_ms_by_round": [sum(1 for ms in p["latencies"] if ms > 500) for p in passes],
        "latency_ms": ms,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "tcp_connects": sum(p["connects"] for p in passes),
        "generator_cpu_seconds": round(cpu, 3),
        "generator_cpu_share_of_one_core": round(cpu / wall, 3),
        "machine_cpu_busy": round(
            sum(p["busy"] for p in passes) / max(1, sum(p["total"] for p in passes)), 3
        ),
        "cpu_ms_per_request": cpu_ms_per_request,
    }
    print(
        f"  {label}: {result['requests_per_second']:.0f} req/s "
        f"(rounds {result['requests_per_second_by_round']}, > 500 ms {result['over_500_ms_by_round']}), "
        f"p50 {ms['p50']} p95 {ms['p95']} p99 {ms['p99']} ms, statuses {result['statuses']}, "
        f"generator {result['generator_cpu_share_of_one_core']:.0%} of a core, "
        f"machine busy {result['machine_cpu_busy']:.0%}; CPU ms/request {cpu_ms_per_request}"
    )
    return result


def warm(path: str, warm_requests: list[bytes], n: int = 200) -> None:
    """A server that has been serving: ``n`` bad-signature POSTs to the measured inbox (every
    worker imports, connects and looks the account up; nothing stored), then signed POSTs to
    the warm-up inbox (every worker has stored an event and, for the subject, queued a job:
    the broker connection is open). The warm-up account's rows are not counted."""
    body = b'{"object":"whatsapp_business_account","entry":[]}'
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{PORT}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nX-Hub-Signature-256: sha256=00\r\n\r\n"
    )
    asyncio.run(_load([head.encode() + body] * n, CONCURRENCY))
    asyncio.run(_load(warm_requests, CONCURRENCY))


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


def worker_process(account_id: int, expected: int) -> dict[str, Any]:
    """After the measured runs: a real Celery worker (``celery -A relasi.config worker``, 2
    processes) on the same broker runs the drain jobs the subject queued; wait until every
    event of the run's account is processed (``PROCESS_TIMEOUT`` at most), then stop it.
    Checks that no stored event is left behind and how fast a worker drains them."""
    log = Path(os.environ["RELASI_DATA_DIR"]) / "celery.log"
    command = [
        str(BIN / "celery"),
        "-A",
        "relasi.config",
        "worker",
        "--pool",
        "prefork",
        "--concurrency",
        "2",
        "--without-heartbeat",
        "--without-gossip",
        "--without-mingle",
        "--loglevel",
        "WARNING",
        "--hostname",
        f"bench-webhook-{os.getpid()}@%h",
    ]
    events = WebhookEvent.objects.filter(account_id=account_id)
    started = time.perf_counter()
    with log.open("ab") as stderr:
        worker = subprocess.Popen(  # noqa: S603 - our own interpreter's celery
            command, cwd=ROOT / "src", env=os.environ.copy(), start_new_session=True, stderr=stderr
        )
    try:
        with stopwatch("worker drain"):
            left = expected
            while time.perf_counter() - started < PROCESS_TIMEOUT:
                time.sleep(1.0)
                left = events.filter(processed_at__isnull=True).count()
                if left == 0 or worker.poll() is not None:
                    break
    finally:
        gunicorn_stop(worker)  # SIGTERM: a warm shutdown
        connections.close_all()
    seconds = time.perf_counter() - started
    return {
        "events": expected,
        "unprocessed": events.filter(processed_at__isnull=True).count(),
        "processed_with_error": events.exclude(processed_at__isnull=True).exclude(error="").count(),
        "seconds": round(seconds, 1),
        "events_per_second": round((expected - left) / seconds, 1),
        "worker": "celery prefork, 2 processes",
    }


def queue_jobs(broker: redis.Redis, skip: int, account_id: int) -> dict[str, int]:
    """Celery jobs for ``account_id`` pushed on the ``celery`` list after its first ``skip``
    entries, by task name (kombu's Redis transport LPUSHes: the new ones are at the head; the
    body is base64 JSON ``[args, kwargs, embed]``). Jobs for the warm-up account are left out."""
    total = broker.llen("celery")
    names: dict[str, int] = {}
    for raw in broker.lrange("celery", 0, total - skip - 1) if total > skip else []:
        message = json.loads(raw)
        args = json.loads(base64.b64decode(message["body"]))[0]
        if args and args[0] == account_id:
            name = message.get("headers", {}).get("task", "?")
            names[name] = names.get(name, 0) + 1
    return names


def main() -> int:
    before = machine()
    print(
        f"WhatsApp webhook ingest: {WEBHOOKS} POSTs, {WORKERS} sync workers, concurrency {CONCURRENCY}; "
        f"load {before['loadavg_1_5_15']}"
    )
    secret = secrets.token_hex(16)
    account, warm_account, stamp = setup(secret)
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

    starts = itertools.count(1)

    def served(app: str, env: dict[str, str], chdir: Path, batch: list[bytes], label: str) -> dict[str, Any]:
        """Start ``app`` under gunicorn, warm it, send ``batch``, stop it. The warm-up bodies
        are new at every start: a redelivery would be answered without queueing a job."""
        warm_requests = requests_make(
            f"/webhooks/whatsapp/{warm_account.inbox_id}/",
            bodies_make(warm_account, f"{stamp}w{next(starts)}", WARM_WEBHOOKS),
            secret.encode(),
        )
        server = gunicorn_start(app, env, chdir)
        try:
            warm(path, warm_requests)
            return measure(batch, label)
        finally:
            gunicorn_stop(server)

    print("  calibration: reference app GET /noop (no database)")
    noop = summarise(
        [served(REF_APP, ref_env, ROOT / "bench", [noop_request] * (WEBHOOKS // ROUNDS), "noop")], "noop"
    )

    # Subject and reference in alternating rounds (each a fresh, warmed server and a slice of
    # the bodies), so that the load of the shared machine falls on both alike.
    size = -(-WEBHOOKS // ROUNDS)
    slices = [requests[i : i + size] for i in range(0, WEBHOOKS, size)]
    subject_passes: list[dict[str, Any]] = []
    reference_passes: list[dict[str, Any]] = []
    for n, chunk in enumerate(slices, start=1):
        order = [("subject", SUBJECT_APP), ("reference", REF_APP)]
        for label, app in order if n % 2 else reversed(order):
            print(f"  round {n}/{len(slices)}: {label} ({app})")
            if label == "subject":
                subject_passes.append(served(app, {}, ROOT / "src", chunk, label))
            else:
                reference_passes.append(served(app, ref_env, ROOT / "bench", chunk, label))
    subject = summarise(subject_passes, "subject")
    reference = summarise(reference_passes, "reference")
    jobs = queue_jobs(broker, queued_before, account.pk)
    queued = sum(jobs.values())

    subject_store = stored_check(WebhookEvent._meta.db_table, account.pk, expected)
    reference_store = stored_check(REF_TABLE, account.pk, expected)
    processing = worker_process(account.pk, WEBHOOKS) if PROCESS else {"skipped": "BENCH_PROCESS=0"}
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
        "processing queued (drain jobs, not one per POST)": 0
        < jobs.get("whatsapp.events_drain", 0)
        < WEBHOOKS,
    }
    if PROCESS:
        bars["every event processed by the worker"] = processing["unprocessed"] == 0
    ok = all(bars.values())
    print(f"  stored: subject {subject_store}; reference {reference_store}")
    print(f"  enqueued {queued} jobs on {REDIS_URL} (purged: {bool(purged)}); processing {processing}")
    print(f"  ratio {ratio:.2f}; bars {bars}; ok={ok}")
    after = machine()
    path_out = write_result(
        name="webhook_ingest",
        workload=(
            f"{WEBHOOKS} distinct signed WhatsApp Cloud API webhook POSTs (2/3 statuses, 1/3 inbound text), "
            f"gunicorn {WORKERS} sync workers, {CONCURRENCY} concurrent clients, PostgreSQL, "
            f"Celery broker on Redis; subject and reference in {ROUNDS} alternating rounds"
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
            "celery_jobs_by_task": jobs,
            "celery_queue_purged": bool(purged),
            "processing": processing,
            "gunicorn": {
                "worker_class": "sync",
                "workers": WORKERS,
                "backlog": 2048,
                "preload": True,
                "keepalive": "none (the sync worker closes every connection)",
                "subject_app": SUBJECT_APP,
                "rounds": ROUNDS,
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
