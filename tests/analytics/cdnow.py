"""The CDNOW 1/10th sample (2,357 customers who first bought in 1997 Q1), read from the files
shipped inside the installed ``lifetimes`` wheel (``reference/analytics.md`` §1.2).

``lifetimes`` is a declared dev dependency and is used only as a data carrier and a test
oracle. The files are located through the package metadata, without importing it:
``lifetimes.datasets`` imports ``pkg_resources``, which current setuptools no longer ships.
If the wheel is missing this raises instead of skipping — the published-value tests must
run.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from functools import cache
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

import numpy as np
import numpy.typing as npt

SUMMARY_FILE = "cdnow_customers_summary_with_transactions.csv"
SAMPLE_FILE = "CDNOW_sample.txt"
# The calibration period of the published fits: 1997-01-01 .. 1997-09-30 (39 weeks).
CALIBRATION_END = dt.date(1997, 9, 30)


def dataset_path(name: str) -> Path:
    """Path of ``lifetimes/datasets/<name>`` in the installed wheel."""
    try:
        dist = distribution("lifetimes")
    except PackageNotFoundError as exc:  # a dev dependency: fail, do not skip
        raise RuntimeError(
            "lifetimes==0.11.3 is a dev dependency and carries the CDNOW data: install the dev "
            "group (uv sync --group dev)."
        ) from exc
    path = Path(str(dist.locate_file(f"lifetimes/datasets/{name}")))
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing from the installed lifetimes wheel.")
    return path


@dataclass(frozen=True)
class CdnowSummary:
    """One entry per customer: time in weeks (days / 7), ``zbar`` the mean value of the repeat
    purchases in dollars (0 when ``x`` = 0)."""

    id: npt.NDArray[np.int64]
    x: npt.NDArray[np.float64]
    t_x: npt.NDArray[np.float64]
    T: npt.NDArray[np.float64]
    zbar: npt.NDArray[np.float64]


@dataclass(frozen=True)
class CdnowTransactions:
    """One entry per line of ``CDNOW_sample.txt`` (1997-01-01 .. 1998-06-30)."""

    master_id: npt.NDArray[np.int64]  # the customer's id in the full CDNOW_master file
    customer_id: npt.NDArray[np.int64]  # the sample's id: ``ID`` of the summary
    date: list[dt.date]
    quantity: npt.NDArray[np.int64]  # CDs bought
    amount: npt.NDArray[np.float64]  # dollars


@cache
def cdnow_summary() -> CdnowSummary:
    """``cdnow_customers_summary_with_transactions.csv`` (``ID,x,t_x,T,zbar``, 2,357 rows)."""
    with dataset_path(SUMMARY_FILE).open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    return CdnowSummary(
        id=np.array([int(row["ID"]) for row in rows], dtype=np.int64),
        x=np.array([float(row["x"]) for row in rows]),
        t_x=np.array([float(row["t_x"]) for row in rows]),
        T=np.array([float(row["T"]) for row in rows]),
        zbar=np.array([float(row["zbar"]) for row in rows]),
    )


@cache
def cdnow_sample_transactions() -> CdnowTransactions:
    """``CDNOW_sample.txt``: fixed-width lines such as `` 00004 0001 19970101  2   29.33`` —
    master id, sample id, yyyymmdd, quantity, amount (6,919 lines)."""
    master: list[int] = []
    customer: list[int] = []
    dates: list[dt.date] = []
    quantity: list[int] = []
    amount: list[float] = []
    with dataset_path(SAMPLE_FILE).open() as handle:
        for line in handle:
            fields = line.split()
            if not fields:
                continue
            master_id, sample_id, day, qty, value = fields
            master.append(int(master_id))
            customer.append(int(sample_id))
            dates.append(dt.date(int(day[:4]), int(day[4:6]), int(day[6:8])))
            quantity.append(int(qty))
            amount.append(float(value))
    return CdnowTransactions(
        master_id=np.array(master, dtype=np.int64),
        customer_id=np.array(customer, dtype=np.int64),
        date=dates,
        quantity=np.array(quantity, dtype=np.int64),
        amount=np.array(amount),
    )
