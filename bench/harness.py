"""Helpers shared by the benchmarks in ``bench/``: percentiles, a timer, machine facts and
the result file of DESIGN §7.

Every ``bench/<name>.py`` writes ``bench/results/<name>.json``::

    {"name", "workload", "metric", "value", "unit", "reference", "reference_value",
     "ratio", "budget", "ok", "details"}

``ratio`` is ``value / reference_value``: the subject against a reference measured in the
same run on the same machine (DESIGN §8), which stays meaningful when the shared 2-core
machines are noisy. ``budget`` is the absolute bar from DESIGN §8 in ``unit``; ``ok`` says
whether every bar of the benchmark was met (the details list them).
"""

from __future__ import annotations

import json
import math
import os
import platform
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"
FIELDS = (
    "name",
    "workload",
    "metric",
    "value",
    "unit",
    "reference",
    "reference_value",
    "ratio",
    "budget",
    "ok",
)


def percentile(values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (0–100) with linear interpolation between closest ranks
    (NumPy's default method); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary(values_ms: Sequence[float]) -> dict[str, float | int]:
    """n, mean, p50, p95, p99 and max of timings in milliseconds, rounded to 0.001 ms."""
    if not values_ms:
        return {"n": 0}
    return {
        "n": len(values_ms),
        "mean": round(sum(values_ms) / len(values_ms), 3),
        "p50": round(percentile(values_ms, 50), 3),
        "p95": round(percentile(values_ms, 95), 3),
        "p99": round(percentile(values_ms, 99), 3),
        "max": round(max(values_ms), 3),
    }


class Timer:
    """``with Timer() as t: …`` then ``t.ms``; monotonic, nanosecond resolution."""

    def __init__(self) -> None:
        self.ms = 0.0
        self._start = 0

    def __enter__(self) -> Timer:
        self._start = time.perf_counter_ns()
        return self

    def __exit__(self, *exc: object) -> None:
        self.ms = (time.perf_counter_ns() - self._start) / 1e6


@contextmanager
def stopwatch(label: str) -> Iterator[None]:
    """Print how long a block took (for the slow set-up steps)."""
    start = time.perf_counter()
    yield
    print(f"  {label}: {time.perf_counter() - start:.1f} s", flush=True)


def machine() -> dict[str, Any]:
    """Facts to read the numbers against: cores, load (other work shares these machines)."""
    load = os.getloadavg()
    return {
        "cpu_count": os.cpu_count(),
        "loadavg_1_5_15": [round(x, 2) for x in load],
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def write_result(
    name: str,
    workload: str,
    metric: str,
    value: float,
    unit: str,
    reference: str,
    reference_value: float,
    budget: float | str,
    ok: bool,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Write ``bench/results/<name>.json`` with exactly the fields of DESIGN §7, plus
    ``details`` when ``extra`` is given. ``ratio`` = ``value / reference_value``."""
    ratio = value / reference_value if reference_value else math.inf
    result: dict[str, Any] = {
        "name": name,
        "workload": workload,
        "metric": metric,
        "value": round(value, 3),
        "unit": unit,
        "reference": reference,
        "reference_value": round(reference_value, 3),
        "ratio": round(ratio, 2) if math.isfinite(ratio) else None,
        "budget": budget,
        "ok": bool(ok),
    }
    assert tuple(result) == FIELDS
    if extra is not None:
        result["details"] = extra
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    temporary.replace(path)  # readers never see half a file
    return path


def database_ensure(database_url: str) -> None:
    """Create the benchmark's PostgreSQL database named in ``database_url`` when it does not
    exist (never drops anything)."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    params = conninfo_to_dict(database_url)
    name = str(params.pop("dbname", "relasi_bench"))
    with psycopg.connect(**params, dbname="postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"Created database {name}.")
