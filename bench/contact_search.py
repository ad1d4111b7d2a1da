"""Contact search at scale (DESIGN §8): 1,000,000 contacts, view p95 < 50 ms, DB p95 < 10 ms.

What it does, from the repository root (``.venv/bin/python bench/contact_search.py``):

1. Makes sure the PostgreSQL database of ``DATABASE_URL`` exists (default
   ``postgres://postgres@127.0.0.1:5432/relasi_bench``), migrates it and collects static files
   into ``RELASI_DATA_DIR`` (default ``/tmp/relasi_bench``).
2. Seeds, unless already there: workspace ``bench`` with N contacts (N = 1,000,000 with
   ``BENCH_FULL=1``, else 100,000, or ``BENCH_CONTACTS``) and a second tenant ``bench-lain``
   with N/10, through ``contacts.seeding.seed_contacts`` (COPY). The database is kept, so
   re-runs start measuring at once.
3. Draws ``BENCH_QUERIES`` (200) search strings per workload from seeded rows: name
   substrings (3–6 letters of a real name), phone prefixes typed as ``0812…``, ``62812…`` and
   ``+62 812…``, and e-mail prefixes (with and without ``@``).
4. Per query, interleaved, after a warm-up: the list page ``/w/bench/pelanggan/?q=…``
   (Django test ``Client``, signed in), the same page as the htmx partial the search box
   asks for, ``/api/v1/contacts?q=…`` with a bearer token, and, as the reference, the SQL
   the ORM issued for that page (captured with ``CaptureQueriesContext``: the list query and
   its tag prefetch) replayed through a bare psycopg connection.
5. ``EXPLAIN`` of every captured list query (which indexes serve it; the trigram and
   pattern indexes of contacts migrations 0002/0003 should), ``EXPLAIN ANALYZE`` of the
   slowest, and a breakdown of the page time into SQL, template rendering and the rest.
6. Writes ``bench/results/contact_search.json`` (DESIGN §7; ratio = value / reference).

Why the in-process test ``Client`` rather than gunicorn: the budget is server time, and on a
2-core machine shared with other work an HTTP load generator would compete with the server
and the database for the same cores; the ``Client`` runs the whole Django stack (URL
resolution, every middleware, session and auth, the view, the template) minus the socket,
one request at a time, and lets the SQL be captured for the reference. Sessions and the
database connection persist between requests as under gunicorn with ``CONN_MAX_AGE``.
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

FULL = os.environ.get("BENCH_FULL") == "1"
CONTACTS = int(os.environ.get("BENCH_CONTACTS") or (1_000_000 if FULL else 100_000))
QUERIES = int(os.environ.get("BENCH_QUERIES", "200"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "1"))
WARMUP = 20
SLUG, OTHER_SLUG = "bench", "bench-lain"
VIEW_BUDGET_MS, DB_BUDGET_MS = 50.0, 10.0
# Strings that match (almost) nothing: letters in no name, a typo, the start of an e-mail
# address without its @ (a name search), and an unknown number.
PROBES = ("zzq", "xiu", "qwerty", "budi.san", "budi9", "0899999")
SEARCH_INDEXES = {
    "contact_name_trgm",
    "contact_phone",
    "contact_phone_alt",
    "contact_email",
    "contact_name_lower",
}

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/relasi_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relasi.config.settings")
os.environ.setdefault("RELASI_DATA_DIR", "/tmp/relasi_bench")  # noqa: S108 - a scratch dir
_hosts = os.environ.get("RELASI_ALLOWED_HOSTS", "127.0.0.1,localhost")
if "testserver" not in _hosts.split(","):
    os.environ["RELASI_ALLOWED_HOSTS"] = _hosts + ",testserver"

import psycopg  # noqa: E402

from harness import Timer, database_ensure, machine, percentile, stopwatch, summary, write_result  # noqa: E402

DATABASE_URL = os.environ["DATABASE_URL"]


database_ensure(DATABASE_URL)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from relasi.accounts.enums import Role  # noqa: E402
from relasi.accounts.models import Membership, User, Workspace  # noqa: E402
from relasi.accounts.services import api_token_create, api_token_revoke, user_create  # noqa: E402
from relasi.contacts import seeding  # noqa: E402
from relasi.contacts.enums import CustomFieldType  # noqa: E402
from relasi.contacts.models import Contact, CustomFieldDefinition  # noqa: E402

# ---------------------------------------------------------------------------------------
# Set-up


def prepare_schema() -> None:
    with stopwatch("migrate"):
        call_command("migrate", verbosity=0)
    manifest = settings.STATIC_ROOT / "staticfiles.json"
    if not manifest.exists():  # production storage needs the manifest for {% static %}
        with stopwatch("collectstatic"):
            call_command("collectstatic", interactive=False, verbosity=0)


def workspace_ensure(slug: str, target: int, rng_seed: int) -> tuple[Workspace, User, dict[str, Any] | None]:
    """The workspace with at least ``target`` contacts, three sales colleagues (owners of
    customers) and two custom fields (the filter form shows them)."""
    ensured = seeding.seed_workspace_ensure(slug=slug, name=f"Toko {slug.title()}")
    workspace, owner = ensured.workspace, ensured.owner
    for n in (1, 2, 3):
        email = f"sales{n}@{slug}.test"
        user = User.objects.filter(email=email).first() or user_create(
            email=email, password=None, full_name=f"Sales {n} {slug}"
        )
        Membership.objects.get_or_create(user=user, workspace=workspace, defaults={"role": Role.SALES})
    for key, label, kind, choices in (
        ("ukuran_baju", "Ukuran baju", CustomFieldType.CHOICE, ["S", "M", "L", "XL"]),
        ("member_sejak", "Member sejak", CustomFieldType.DATE, []),
    ):
        CustomFieldDefinition.objects.get_or_create(
            workspace=workspace, key=key, defaults={"label": label, "field_type": kind, "choices": choices}
        )
    have = Contact.objects.filter(workspace=workspace).count()
    if have >= target:
        print(f"Workspace {slug}: {have:,} contacts already seeded.")
        return workspace, owner, None
    missing = target - have
    print(f"Seeding {missing:,} contacts into {slug} (has {have:,}) …", flush=True)
    step = max(missing // 10, 1)

    def progress(done: int) -> None:
        if done % step < 20000 or done == missing:
            print(f"  {done:,} / {missing:,}", flush=True)

    result = seeding.seed_contacts(workspace=workspace, count=missing, rng_seed=rng_seed, progress=progress)
    print(
        f"  {result.contacts:,} contacts, {result.identities:,} identities, {result.tag_links:,} tag links "
        f"in {result.seconds:.1f} s ({result.rows_per_second:,.0f} contacts/s)",
        flush=True,
    )
    seeded = {
        "workspace": slug,
        "contacts": result.contacts,
        "identities": result.identities,
        "tag_links": result.tag_links,
        "seconds": round(result.seconds, 1),
        "seconds_rows_indexes_vacuum": [
            round(result.load_seconds, 1),
            round(result.index_seconds, 1),
            round(result.maintenance_seconds, 1),
        ],
        "contacts_per_second": round(result.rows_per_second),
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
    }
    return workspace, owner, seeded


def statistics_refresh() -> list[str]:
    """ANALYZE the contact tables before measuring (VACUUM too when the visibility map is
    behind, as after a bulk load with autovacuum off), and say which searched columns had no
    statistics. The benchmark measures the steady state; but a migration that rewrites a
    column (``ALTER COLUMN … TYPE``) drops its statistics, and until the next ANALYZE the
    planner guesses, so a gap found here is worth fixing in that migration."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.attname FROM pg_attribute a WHERE a.attrelid = 'contacts_contact'::regclass "
            "AND a.attname IN ('full_name', 'phone', 'phone_alt', 'email') AND NOT EXISTS "
            "(SELECT 1 FROM pg_statistic s WHERE s.starelid = a.attrelid AND s.staattnum = a.attnum)"
        )
        missing = sorted(row[0] for row in cursor.fetchall())
        cursor.execute(
            "SELECT relallvisible < 0.9 * relpages FROM pg_class WHERE relname = 'contacts_contact'"
        )
        command = "VACUUM (ANALYZE)" if cursor.fetchone()[0] else "ANALYZE"
        with stopwatch(command.lower()):
            for table in ("contacts_contact", "contacts_contactidentity", "contacts_contact_tags"):
                cursor.execute(f"{command} {table}")
    return missing


# ---------------------------------------------------------------------------------------
# Queries


def sample_rows(workspace: Workspace, k: int, rng: random.Random) -> list[tuple[str, str, str]]:
    """``k`` random live contacts (name, phone, e-mail) of the workspace."""
    rows: list[tuple[str, str, str]] = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT min(id), max(id) FROM contacts_contact WHERE workspace_id = %s", [workspace.pk]
        )
        low, high = cursor.fetchone()
        while len(rows) < k:
            cursor.execute(
                "SELECT full_name, phone, email FROM contacts_contact WHERE workspace_id = %s "
                "AND merged_into_id IS NULL AND id >= %s ORDER BY id LIMIT 1",
                [workspace.pk, rng.randint(low, high)],
            )
            row = cursor.fetchone()
            if row is not None:
                rows.append(row)
    return rows


def name_queries(rows: list[tuple[str, str, str]], rng: random.Random) -> list[str]:
    """3–6 letter fragments of real names, starting anywhere in a word, mostly lower case."""
    out = []
    for full_name, _phone, _email in rows:
        words = [w for w in full_name.split() if len(w) >= 3] or [full_name]
        word = rng.choice(words)
        length = rng.randint(3, min(6, len(word)))
        start = rng.randint(0, len(word) - length)
        fragment = word[start : start + length]
        out.append(fragment.lower() if rng.random() < 0.7 else fragment)
    return out


def phone_queries(rows: list[tuple[str, str, str]], rng: random.Random) -> list[str]:
    """Prefixes of real numbers, 4–10 digits, typed as 0812…, 62812… and +62 812… in turn."""
    out = []
    for i, (_name, phone, _email) in enumerate(rows):
        national = "0" + phone[3:]
        n = rng.randint(4, 10)
        if i % 3 == 0:
            out.append(national[:n])
        elif i % 3 == 1:
            out.append("62" + national[1:n])
        else:
            rest = national[4:n]
            out.append(f"+62 {national[1:4]}" + (f" {rest}" if rest else ""))
    return out


def email_queries(rows: list[tuple[str, str, str]], rng: random.Random) -> list[str]:
    """Real addresses typed up to and past the ``@`` (``budi.santoso12@``, ``…@gm``): the
    search box treats text with an ``@`` as an e-mail prefix. (Text without one is a name
    search; the start of an address without the ``@`` is among the probes.)"""
    out = []
    for _name, _phone, email in rows:
        local, _, domain = email.partition("@")
        out.append(f"{local}@{domain[: rng.randint(0, 4)]}")
    return out


# ---------------------------------------------------------------------------------------
# Measuring


def classify(sql: str) -> str:
    """Which of a page's statements belong to the search: the list query (or, when the page
    is fetched in two steps, the ids query and the rows query) and the tag prefetch."""
    if '"contacts_contact_tags"' in sql and "IN (" in sql:
        return "prefetch_tags"
    if 'FROM "contacts_contact"' in sql and ("LIMIT" in sql or '"contacts_contact"."id" IN (' in sql):
        return "list"
    return "other"


def plan_nodes(plan: dict[str, Any]) -> list[str]:
    """Every node of an EXPLAIN JSON plan as "Node Type [on index]"."""
    label = plan["Node Type"] + (f" on {plan['Index Name']}" if "Index Name" in plan else "")
    nodes = [label]
    for child in plan.get("Plans", []):
        nodes.extend(plan_nodes(child))
    return nodes


def main() -> int:
    started = time.perf_counter()
    environment = machine()
    print(
        f"contact_search: {CONTACTS:,} contacts, {QUERIES} queries per workload, "
        f"load {environment['loadavg_1_5_15']}"
    )
    prepare_schema()
    _other, _other_owner, seeded_other = workspace_ensure(OTHER_SLUG, CONTACTS // 10, rng_seed=77)
    workspace, owner, seeded = workspace_ensure(SLUG, CONTACTS, rng_seed=2026)
    missing_statistics = statistics_refresh()
    total = Contact.objects.filter(workspace=workspace).count()
    table_total = Contact.objects.count()

    rng = random.Random(42)
    rows = sample_rows(workspace, QUERIES, rng)
    email_rows = [r for r in sample_rows(workspace, QUERIES * 2, rng) if r[2]][:QUERIES]
    workloads: dict[str, list[str]] = {
        "name_substring": name_queries(rows, rng),
        "phone_prefix": phone_queries(rows, rng),
        "email_prefix": email_queries(email_rows, rng),
    }

    browser = Client()
    browser.force_login(owner)
    token, raw = api_token_create(user=owner, workspace=workspace, name="bench")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    view_url = f"/w/{workspace.slug}/pelanggan/"

    def view(q: str) -> Any:
        response = browser.get(view_url, {"q": q})
        assert response.status_code == 200, (response.status_code, q)
        return response

    def view_htmx(q: str) -> Any:
        response = browser.get(view_url, {"q": q}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="contact-rows")
        assert response.status_code == 200, (response.status_code, q)
        return response

    def api_list(q: str) -> Any:
        response = api.get("/api/v1/contacts", {"q": q})
        assert response.status_code == 200, (response.status_code, q, response.content[:300])
        return response

    # Warm-up: caches, connections, the planner's statistics on first touch.
    for queries in workloads.values():
        for q in queries[:WARMUP]:
            view(q)
            api_list(q)

    # Capture the SQL of every page (untimed) and check the answers are not empty.
    captured: dict[str, list[list[str]]] = {}
    query_counts: dict[str, Counter[int]] = {}
    api_query_counts: dict[str, Counter[int]] = {}
    empty_results: dict[str, int] = {}
    for workload, queries in workloads.items():
        captured[workload], query_counts[workload], api_query_counts[workload] = [], Counter(), Counter()
        empty_results[workload] = 0
        for q in queries:
            reset_queries()  # the contexts below keep the log from being reset per request
            with CaptureQueriesContext(connection) as ctx:
                view(q)
            sqls = [c["sql"] for c in ctx.captured_queries]
            query_counts[workload][len(sqls)] += 1
            captured[workload].append([s for s in sqls if classify(s) != "other"])
            reset_queries()
            with CaptureQueriesContext(connection) as ctx:
                items = json.loads(api_list(q).content)["items"]
            api_query_counts[workload][len(ctx.captured_queries)] += 1
            empty_results[workload] += not items

    reference = psycopg.connect(DATABASE_URL, autocommit=True, prepare_threshold=None)
    ref_cursor = reference.cursor()
    server_version = reference.info.parameter_status("server_version")

    def replay(sqls: list[str]) -> None:
        for sql in sqls:
            ref_cursor.execute(sql)
            ref_cursor.fetchall()

    # Timed passes, interleaved so that every surface sees the same machine noise.
    surfaces = ("view", "view_htmx", "api", "db", "db_list")
    timings: dict[str, dict[str, list[float]]] = {w: {s: [] for s in surfaces} for w in workloads}
    db_by_query: dict[str, list[tuple[float, int]]] = {w: [] for w in workloads}
    measure_started = time.perf_counter()
    load_before = os.getloadavg()
    for _round in range(ROUNDS):
        for workload, queries in workloads.items():
            t = timings[workload]
            for i, q in enumerate(queries):
                with Timer() as timer:
                    view(q)
                t["view"].append(timer.ms)
                with Timer() as timer:
                    view_htmx(q)
                t["view_htmx"].append(timer.ms)
                with Timer() as timer:
                    api_list(q)
                t["api"].append(timer.ms)
                sqls = captured[workload][i]
                with Timer() as timer:
                    replay(sqls)
                t["db"].append(timer.ms)
                db_by_query[workload].append((timer.ms, i))
                with Timer() as timer:
                    replay([s for s in sqls if classify(s) == "list"])
                t["db_list"].append(timer.ms)
    measure_seconds = time.perf_counter() - measure_started
    load_after = os.getloadavg()

    # Plans: which index serves each list query; EXPLAIN ANALYZE the slowest three.
    explain: dict[str, Any] = {}
    warnings: list[str] = []
    for workload in workloads:
        nodes: Counter[str] = Counter()
        using = 0
        for sqls in captured[workload]:
            labels: set[str] = set()
            for sql in sqls:
                if classify(sql) == "list":
                    plan = ref_cursor.execute("EXPLAIN (FORMAT JSON) " + sql).fetchone()[0][0]["Plan"]
                    labels.update(plan_nodes(plan))
            nodes.update(labels)
            using += any(label.split(" on ")[-1] in SEARCH_INDEXES for label in labels if " on " in label)
        slowest = sorted(db_by_query[workload], reverse=True)[:3]
        analyzed = []
        for ms, i in slowest:
            # The statement that searches: the one with the LIMIT (the ids query of a two-step page).
            lists = [s for s in captured[workload][i] if classify(s) == "list"]
            sql = next((s for s in lists if "LIMIT" in s), lists[0])
            lines = [r[0] for r in ref_cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql).fetchall()]
            analyzed.append({"q": workloads[workload][i], "db_ms": round(ms, 3), "plan": lines[:30]})
        share = using / max(1, len(captured[workload]))
        explain[workload] = {
            "pages_whose_search_uses_a_search_index": f"{using}/{len(captured[workload])}",
            "plan_nodes": dict(nodes.most_common()),
            "slowest": analyzed,
        }
        if share < 0.5:
            warnings.append(
                f"{workload}: only {using} of {len(captured[workload])} searches use a search index "
                "(migrations 0002/0003)"
            )

    profile = profile_view(workloads, view)
    # Not in the percentiles: inputs that match (almost) nothing, which show the worst plans.
    probes: dict[str, Any] = {}
    for q in PROBES:
        reset_queries()
        with CaptureQueriesContext(connection) as ctx, Timer() as page:
            view(q)
        sqls = [c["sql"] for c in ctx.captured_queries if classify(c["sql"]) != "other"]
        with Timer() as db:
            replay(sqls)
        probes[q] = {"view_ms": round(page.ms, 1), "db_ms": round(db.ms, 1)}
    index_sizes = relation_sizes(ref_cursor)
    api_token_revoke(token=token)
    reference.close()

    # Results.
    per_workload: dict[str, Any] = {}
    everything: dict[str, list[float]] = {s: [] for s in surfaces}
    for workload, t in timings.items():
        per_workload[workload] = {s: summary(values) for s, values in t.items()}
        per_workload[workload]["examples"] = workloads[workload][:8]
        per_workload[workload]["queries_per_page"] = dict(query_counts[workload])
        per_workload[workload]["queries_per_api_call"] = dict(api_query_counts[workload])
        per_workload[workload]["empty_results"] = empty_results[workload]
        for s, values in t.items():
            everything[s].extend(values)
    overall = {s: summary(values) for s, values in everything.items()}
    view_p95 = percentile(everything["view"], 95)
    db_p95 = percentile(everything["db"], 95)
    budgets_met = {
        "view_p95_under_50ms": view_p95 < VIEW_BUDGET_MS,
        "db_p95_under_10ms": db_p95 < DB_BUDGET_MS,
        **{f"{w}_view_p95_under_50ms": per_workload[w]["view"]["p95"] < VIEW_BUDGET_MS for w in workloads},
        **{f"{w}_db_p95_under_10ms": per_workload[w]["db"]["p95"] < DB_BUDGET_MS for w in workloads},
    }
    if missing_statistics:
        warnings.append(
            f"contacts_contact had no statistics for {', '.join(missing_statistics)} before this run's "
            "ANALYZE (dropped by a migration that rewrote the columns?)"
        )
    for workload, counts in query_counts.items():
        if len(counts) > 1:
            warnings.append(f"{workload}: the page's query count varies: {dict(counts)}")
    details = {
        "ratio_definition": "value / reference_value (view p95 over DB p95 of the same SQL, same run)",
        "budgets": {"view_p95_ms": VIEW_BUDGET_MS, "db_p95_ms": DB_BUDGET_MS},
        "budgets_met": budgets_met,
        "overall_ms": overall,
        "per_workload_ms": per_workload,
        "surfaces": {
            "view": f"GET {view_url}?q=… full page, Django test Client, signed in as the owner",
            "view_htmx": "the same with HX-Request / HX-Target: contact-rows (the rows partial "
            "that the search box loads while typing)",
            "api": "GET /api/v1/contacts?q=… with a bearer token (50 items)",
            "db": "the page's contact queries (list, or ids + rows when paged in two steps) and the tag "
            "prefetch, captured from the ORM, replayed via psycopg",
            "db_list": "the contact queries without the tag prefetch, replayed via psycopg",
        },
        "explain": explain,
        "view_profile": profile,
        "probes_outside_percentiles": probes,
        "relation_sizes_mb": index_sizes,
        "data": {
            "contacts_in_workspace": total,
            "contacts_in_table": table_total,
            "seeded_in_this_run": [s for s in (seeded_other, seeded) if s],
            "queries_per_workload": QUERIES,
            "rounds": ROUNDS,
            "warmup_per_workload": WARMUP,
        },
        "machine": environment
        | {
            "loadavg_before_measuring": [round(x, 2) for x in load_before],
            "loadavg_after_measuring": [round(x, 2) for x in load_after],
            "postgres": server_version,
            "django": django.get_version(),
            "measuring_seconds": round(measure_seconds, 1),
            "total_seconds": round(time.perf_counter() - started, 1),
            "note": "2 cores shared with other work; read the ratio as well as the absolute values",
        },
        "warnings": warnings,
    }
    path = write_result(
        name="contact_search",
        workload=(
            f"{total:,} contacts (+{table_total - total:,} in another workspace); name substring, "
            f"phone prefix (0812…, 62812…, +62 812…), e-mail prefix; {QUERIES} queries each"
        ),
        metric="view p95, list page /w/<slug>/pelanggan/?q=… (all three workloads)",
        value=view_p95,
        unit="ms",
        reference="DB p95: the same SQL (contact queries + tag prefetch) through psycopg, same run",
        reference_value=db_p95,
        budget=VIEW_BUDGET_MS,
        ok=all(budgets_met.values()),
        extra=details,
    )
    print_table(per_workload, overall)
    for warning in warnings:
        print("WARNING:", warning)
    print(
        f"view p95 {view_p95:.1f} ms (budget {VIEW_BUDGET_MS:.0f}), "
        f"DB p95 {db_p95:.2f} ms (budget {DB_BUDGET_MS:.0f})"
    )
    print(f"Wrote {path}")
    return 0


def profile_view(
    workloads: dict[str, list[str]], view: Callable[[str], Any], per_workload: int = 40
) -> dict[str, Any]:
    """Where the page time goes: SQL (all queries of the request), template rendering, the
    rest (middleware, session, URL resolution, Python in the view); plus the top functions."""
    from django.template.backends.django import Template

    original = Template.render
    rendering: list[float] = []

    def timed_render(self: Template, *args: Any, **kwargs: Any) -> Any:
        with Timer() as timer:
            out = original(self, *args, **kwargs)
        rendering.append(timer.ms)
        return out

    executed: list[float] = []

    def timed_execute(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        # Django's cursor.execute with the round trip (the ORM fetches the rows afterwards).
        with Timer() as timer:
            out = execute(sql, params, many, context)
        executed.append(timer.ms)
        return out

    breakdown: dict[str, Any] = {}
    Template.render = timed_render  # type: ignore[method-assign]
    try:
        for workload, queries in workloads.items():
            totals, sql_ms, template_ms, sql_count = [], [], [], []
            for q in queries[:per_workload]:
                rendering.clear()
                executed.clear()
                with connection.execute_wrapper(timed_execute), Timer() as timer:
                    view(q)
                totals.append(timer.ms)
                sql_ms.append(sum(executed))
                sql_count.append(len(executed))
                template_ms.append(sum(rendering))
            other = [t - s - r for t, s, r in zip(totals, sql_ms, template_ms, strict=True)]
            breakdown[workload] = {
                "page_ms": summary(totals),
                "sql_execute_ms_all_queries": summary(sql_ms),
                "template_render_ms": summary(template_ms),
                "rest_ms": summary(other),
                "queries": max(sql_count),
            }
    finally:
        Template.render = original  # type: ignore[method-assign]
    profiler = cProfile.Profile()
    queries = workloads["name_substring"][:per_workload]
    profiler.enable()
    for q in queries:
        view(q)
    profiler.disable()
    stream = io.StringIO()
    pstats.Stats(profiler, stream=stream).sort_stats("cumulative").print_stats(25)
    lines = [line.rstrip() for line in stream.getvalue().splitlines() if line.strip()]
    breakdown["cprofile_name_substring_top_cumulative"] = lines[-26:]
    return breakdown


def relation_sizes(cursor: psycopg.Cursor[Any]) -> dict[str, float]:
    cursor.execute(
        "SELECT c.relname, pg_relation_size(c.oid) FROM pg_class c "
        "WHERE c.relname IN ('contacts_contact', 'contact_name_trgm', 'contact_phone', 'contact_phone_alt', "
        "'contact_email', 'contact_live_by_id', 'contacts_contactidentity')"
    )
    return {name: round(size / 2**20, 1) for name, size in cursor.fetchall()}


def print_table(per_workload: dict[str, Any], overall: dict[str, Any]) -> None:
    print(f"{'workload':<16} {'view p95':>9} {'htmx p95':>9} {'API p95':>9} {'DB p95':>8} {'DB p50':>8}")
    for workload, r in [*per_workload.items(), ("overall", overall)]:
        print(
            f"{workload:<16} {r['view']['p95']:>9.2f} {r['view_htmx']['p95']:>9.2f} "
            f"{r['api']['p95']:>9.2f} {r['db']['p95']:>8.2f} {r['db']['p50']:>8.2f}"
        )


if __name__ == "__main__":
    sys.exit(main())
