"""Rows given as NumPy columns: what is read back is what was meant, on PostgreSQL (binary
COPY) and SQLite (one prepared INSERT) alike."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest
from django.db import connection

from relasi.accounts.models import Workspace
from relasi.analytics.models import CustomerMetrics, LifecycleTransition
from relasi.core.pgcopy import columns_insert, copy_binary_encode


@pytest.mark.django_db
def test_every_kind_of_value_comes_back_as_written(workspace: Workspace) -> None:
    columns = {
        "workspace_id": np.array([workspace.pk] * 4),
        "contact_id": np.array([11, 12, 13, 2**40]),
        "as_of": np.array(["2026-11-20"] * 4, dtype="datetime64[D]"),
        "first_purchase": np.array(
            ["1999-12-31", "2000-01-01", "2026-02-28", "1970-01-01"], dtype="datetime64[D]"
        ),
        "orders": np.array([0, 1, 2_000_000_000, 7]),
        "total_spend": np.array([0, -150, 123_456_789_012_345, 27_500_000]),  # sen
        "purchases_per_year": np.array([5, 2400, 1, 99_999_999]),  # hundredths
        "top_category": ["", "Kopi Susu", "Kué lapis ✓", "Kopi Susu"],
        "p_alive": np.array([0.25, np.nan, 1.0, 1e-300]),
        "latest_nps": np.array([10, 0, -1, 9]),
        "r_score": np.array([5, 1, 0, 3]),
        "rfm_segment": np.array(["champions", "lost", "", "at_risk"]),
    }
    nulls = {
        "latest_nps": np.array([False, False, True, False]),
        "first_purchase": np.array([0, 0, 0, 1], bool),
    }
    for field in CustomerMetrics._meta.concrete_fields:  # the other required columns: zero
        if field.column not in columns and not field.null and field.column != "id":
            columns[field.column] = [""] * 4 if field.get_internal_type() == "CharField" else np.zeros(4)
    with connection.cursor() as cursor:
        columns_insert(cursor, CustomerMetrics, columns, nulls)
    rows = list(
        CustomerMetrics.objects.order_by("contact_id").values_list(
            "contact_id", "as_of", "first_purchase", "orders", "total_spend", "purchases_per_year",
            "top_category", "p_alive", "latest_nps", "r_score", "rfm_segment",
        )
    )  # fmt: skip
    day = dt.date(2026, 11, 20)
    assert rows == [
        (11, day, dt.date(1999, 12, 31), 0, Decimal("0.00"), Decimal("0.05"), "", 0.25, 10, 5,
         "champions"),
        (12, day, dt.date(2000, 1, 1), 1, Decimal("-1.50"), Decimal("24.00"), "Kopi Susu", None, 0, 1,
         "lost"),
        (13, day, dt.date(2026, 2, 28), 2_000_000_000, Decimal("1234567890123.45"), Decimal("0.01"),
         "Kué lapis ✓", 1.0, None, 0, ""),
        (2**40, day, None, 7, Decimal("275000.00"), Decimal("999999.99"), "Kopi Susu", 1e-300, 9, 3,
         "at_risk"),
    ]  # fmt: skip


@pytest.mark.django_db
def test_no_rows_writes_nothing(workspace: Workspace) -> None:
    with connection.cursor() as cursor:
        columns_insert(
            cursor,
            LifecycleTransition,
            {
                "workspace_id": np.array([], dtype=np.int64),
                "contact_id": np.array([], dtype=np.int64),
                "from_stage": [],
                "to_stage": [],
                "changed_on": np.array([], dtype="datetime64[D]"),
            },
        )
    assert LifecycleTransition.objects.count() == 0


def test_the_binary_form_follows_the_postgresql_manual() -> None:
    """Header, one row of two fields (an int4 and a NULL date), trailer — byte for byte."""
    names, payload = copy_binary_encode(
        LifecycleTransition,
        {"workspace_id": np.array([258]), "changed_on": np.array(["2000-01-02"], dtype="datetime64[D]")},
        {"changed_on": np.array([True])},
    )
    assert names == ["workspace_id", "changed_on"]
    signature = b"PGCOPY\n\xff\r\n\x00"
    flags_and_extension = b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
    row = b"\x00\x02" + b"\x00\x00\x00\x08" + (258).to_bytes(8, "big") + b"\xff\xff\xff\xff"
    assert payload == signature + flags_and_extension + row + b"\xff\xff"


def test_a_value_the_encoder_cannot_hold_is_refused() -> None:
    with pytest.raises(ValueError, match="too large"):
        copy_binary_encode(CustomerMetrics, {"total_spend": np.array([10**16 * 100])})
