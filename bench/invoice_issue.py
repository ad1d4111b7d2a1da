"""Invoice issue under concurrency (R9): gap-free numbering holds and what it costs.

What it does, from the repository root (``.venv/bin/python bench/invoice_issue.py``):

1. Makes sure the PostgreSQL database of ``DATABASE_URL`` exists (default
   ``postgres://postgres@127.0.0.1:5432/relasi_bench_issue``) and migrates it.
2. Creates a fresh workspace (a new slug per run, so its INV series starts at 1; nothing is
   ever deleted: issued invoices cannot be) as a PKP seller, one customer and
   ``BENCH_INVOICES`` (1,000) draft invoices of 3 lines each through ``invoice_create``.
3. Subject: ``BENCH_THREADS`` (8) threads, each with its own connection, take drafts from a
   queue and call ``invoice_issue`` (lock the invoice, price the lines with the PPN rule of
   the day, copy the buyer, take the next number from the locked series row, carry
   deposits, refresh the balance, record the events). Per-issue latency and wall time.
4. Reference, same run, same threads: the floor of any gap-free counter, the same number of
   bare transactions through psycopg that lock a counter row (``SELECT … FOR UPDATE``),
   increment it and insert one row.
5. Checks that the workspace's invoices are numbered 1..N exactly once (``ok`` is false on a
   gap or a duplicate) and writes ``bench/results/invoice_issue.json`` (DESIGN §7; ratio =
   issues/s ÷ reference transactions/s).
"""

from __future__ import annotations

import os
import queue
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

INVOICES = int(os.environ.get("BENCH_INVOICES", "1000"))
THREADS = int(os.environ.get("BENCH_THREADS", "8"))
LINES = 3

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/relasi_bench_issue")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relasi.config.settings")
os.environ.setdefault("RELASI_DATA_DIR", "/tmp/relasi_bench_issue")  # noqa: S108 - a scratch dir
os.environ.setdefault("CELERY_BROKER_URL", "memory://")  # the PDF job is enqueued, not run

import psycopg  # noqa: E402

from harness import Timer, database_ensure, machine, stopwatch, summary, write_result  # noqa: E402

DATABASE_URL = os.environ["DATABASE_URL"]


database_ensure(DATABASE_URL)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.utils import timezone  # noqa: E402

from relasi.accounts.models import Workspace  # noqa: E402
from relasi.contacts.models import Contact  # noqa: E402
from relasi.sales import numbering  # noqa: E402
from relasi.sales.enums import Series  # noqa: E402
from relasi.sales.models import Invoice  # noqa: E402
from relasi.sales.profile import sales_profile_get  # noqa: E402
from relasi.sales.services_invoices import invoice_create, invoice_issue  # noqa: E402


def setup() -> tuple[Workspace, list[int]]:
    with stopwatch("migrate"):
        call_command("migrate", verbosity=0)
    slug = f"bench-issue-{int(time.time())}"
    workspace = Workspace.objects.create(name="Toko Bench Faktur", slug=slug)
    profile = sales_profile_get(workspace=workspace)
    profile.is_pkp = True
    profile.npwp = "0013121660091000"
    profile.nitku = "0013121660091000000000"
    profile.save()
    contact = Contact.objects.create(workspace=workspace, full_name="Budi Santoso", city="Bandung")
    numbering.sequences_ensure(workspace=workspace)
    lines = [
        {"description": f"Barang {n}", "quantity": str(n), "unit_price": f"{n * 125}.000"}
        for n in range(1, LINES + 1)
    ]
    ids = []
    with stopwatch(f"{INVOICES} drafts of {LINES} lines"):
        for _ in range(INVOICES):
            ids.append(
                invoice_create(
                    workspace=workspace, actor=None, values={"contact": contact.pk}, lines=lines
                ).pk
            )
    return workspace, ids


def run_threads(
    work: list[Any], job: Callable[[Any], None], *, close: Callable[[], None]
) -> tuple[float, list[float]]:
    """Run ``job`` over ``work`` in ``THREADS`` threads; (wall seconds, latencies in ms)."""
    pending: queue.Queue[Any] = queue.Queue()
    for item in work:
        pending.put(item)
    latencies: list[float] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker() -> None:
        try:
            while True:
                try:
                    item = pending.get_nowait()
                except queue.Empty:
                    return
                with Timer() as timer:
                    job(item)
                with lock:
                    latencies.append(timer.ms)
        except BaseException as error:  # reported after the run
            errors.append(error)
        finally:
            close()

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    if errors:
        raise errors[0]
    return wall, latencies


def subject(ids: list[int]) -> tuple[float, list[float]]:
    def issue(pk: int) -> None:
        invoice_issue(invoice=Invoice.objects.get(pk=pk), actor=None)

    return run_threads(ids, issue, close=connections.close_all)


def reference(n: int) -> tuple[float, list[float]]:
    """Bare gap-free counter transactions: lock the row, increment, insert one row."""
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_counter (id int PRIMARY KEY, value int NOT NULL)")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_issued (id bigserial PRIMARY KEY, number text NOT NULL)"
        )
        conn.execute("TRUNCATE bench_issued")
        conn.execute("INSERT INTO bench_counter VALUES (1, 0) ON CONFLICT (id) DO UPDATE SET value = 0")
    local = threading.local()

    def transaction_(_: int) -> None:
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = psycopg.connect(DATABASE_URL)
        with conn.transaction():
            value = conn.execute("SELECT value FROM bench_counter WHERE id = 1 FOR UPDATE").fetchone()[0]
            conn.execute("UPDATE bench_counter SET value = %s WHERE id = 1", [value + 1])
            conn.execute("INSERT INTO bench_issued (number) VALUES (%s)", [f"INV/{value + 1:04d}"])

    def close() -> None:
        conn = getattr(local, "conn", None)
        if conn is not None:
            conn.close()

    return run_threads(list(range(n)), transaction_, close=close)


def numbers_check(workspace: Workspace) -> dict[str, Any]:
    day = timezone.localdate()
    expected = {
        numbering.number_format(
            template=numbering.DEFAULT_TEMPLATES[Series.INVOICE], seq=i, padding=4, day=day
        )
        for i in range(1, INVOICES + 1)
    }
    numbers = list(Invoice.objects.filter(workspace=workspace).values_list("number", flat=True))
    found = set(numbers)
    return {
        "issued": len(numbers),
        "distinct": len(found),
        "missing": sorted(expected - found)[:10],
        "unexpected": sorted(found - expected)[:10],
        "gap_free_and_unique": found == expected and len(numbers) == INVOICES,
    }


def main() -> int:
    if connection.vendor != "postgresql":
        print("This benchmark needs PostgreSQL (DATABASE_URL).", file=sys.stderr)
        return 2
    before = machine()
    print(
        f"Invoice issue: {INVOICES} invoices × {LINES} lines, {THREADS} threads; "
        f"load {before['loadavg_1_5_15']}"
    )
    workspace, ids = setup()
    connections.close_all()
    with stopwatch("issue (subject)"):
        wall, latencies = subject(ids)
    with stopwatch("counter transactions (reference)"):
        ref_wall, ref_latencies = reference(INVOICES)
    check = numbers_check(workspace)
    rate = INVOICES / wall
    ref_rate = INVOICES / ref_wall
    issue_ms = summary(latencies)
    ref_ms = summary(ref_latencies)
    print(
        f"  issue: {rate:.1f}/s, p95 {issue_ms['p95']} ms; "
        f"reference: {ref_rate:.1f}/s, p95 {ref_ms['p95']} ms"
    )
    print(f"  numbers: {check}")
    path = write_result(
        name="invoice_issue",
        workload=(
            f"{INVOICES} draft invoices of {LINES} lines issued by {THREADS} concurrent threads (PostgreSQL)"
        ),
        metric="invoices issued per second (gap-free INV numbers, whole invoice_issue transaction)",
        value=rate,
        unit="invoices/s",
        reference=(
            f"bare gap-free counter transactions (SELECT … FOR UPDATE, UPDATE, INSERT) through psycopg, "
            f"{THREADS} threads, same run"
        ),
        reference_value=ref_rate,
        budget="numbers 1..N exactly once (no gap, no duplicate); no throughput budget in DESIGN §8",
        ok=bool(check["gap_free_and_unique"]),
        extra={
            "ratio_definition": "value / reference_value (issues/s over bare counter transactions/s)",
            "issue_latency_ms": issue_ms,
            "reference_latency_ms": ref_ms,
            "issue_p95_ms": issue_ms["p95"],
            "wall_seconds": {"issue": round(wall, 3), "reference": round(ref_wall, 3)},
            "numbers": check,
            "machine_before": before,
            "machine_after": machine(),
        },
    )
    print(f"Wrote {path}")
    return 0 if check["gap_free_and_unique"] else 1


if __name__ == "__main__":
    sys.exit(main())
