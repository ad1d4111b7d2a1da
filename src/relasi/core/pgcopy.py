"""Many rows, given as NumPy columns, into a model's table: binary COPY on PostgreSQL.

A million rows written row by row from Python spend most of their time in Python, and the
text form of COPY makes PostgreSQL parse every number again. Here each column is encoded
once, as a whole array, into PostgreSQL's binary COPY format
(https://www.postgresql.org/docs/current/sql-copy.html, "Binary Format"): a header, then per
row a field count and, per field, a 4-byte length (-1 for NULL) and the value in network
byte order. The column types are taken from the model's fields, so the bytes always match
the table.

Values come as arrays aligned on the rows:

* integer, float, boolean columns: a NumPy array of numbers;
* dates: days since 1970-01-01 (``datetime64[D]`` or integers);
* decimals: *scaled integers* — the value times 10**decimal_places (sen for rupiah), so no
  ``Decimal`` object is ever made;
* text: a sequence of ``str``;
* NULLs: a boolean mask per column (``nulls``); NaN in a float column is NULL too.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db import connection, models
from psycopg.copy import QueuedLibpqWriter

HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
TRAILER = b"\xff\xff"
POSTGRES_EPOCH_DAYS = 10_957  # 2000-01-01 − 1970-01-01
NUMERIC_DIGITS = 4  # a numeric's base-10000 digits: ten to the 16th before the point
NUMERIC_NEGATIVE = 0x4000
BLOCK_BYTES = 1 << 20  # records encoded together (fits in a processor's cache)

_FIXED_FORMATS = {
    "SmallIntegerField": ">i2",
    "PositiveSmallIntegerField": ">i2",
    "IntegerField": ">i4",
    "PositiveIntegerField": ">i4",
    "BigIntegerField": ">i8",
    "PositiveBigIntegerField": ">i8",
    "BigAutoField": ">i8",
    "AutoField": ">i4",
    "FloatField": ">f8",
    "BooleanField": "u1",
}


class _Field:
    """One column's bytes: per row a length (-1 is NULL) and the value as *parts* — arrays of
    1-, 2-, 4- or 8-byte items whose bytes, one after the other, are the value (a text is
    padded: only its own bytes are sent)."""

    def __init__(self, lengths: npt.NDArray[np.int64], parts: list[npt.NDArray[Any]]) -> None:
        self.lengths = lengths
        self.parts = parts


def _fixed(values: npt.NDArray[Any], nulls: npt.NDArray[np.bool_]) -> _Field:
    return _Field(np.where(nulls, -1, values.dtype.itemsize).astype(np.int64), [np.ascontiguousarray(values)])


def _numeric(scaled: npt.NDArray[np.int64], decimal_places: int, nulls: npt.NDArray[np.bool_]) -> _Field:
    """PostgreSQL's numeric: digit count, weight, sign, display scale, base-10000 digits.
    Every value gets the same four digits before the point and one after it (leading and
    trailing zeros are allowed: the server strips them)."""
    if decimal_places > 4:
        raise ValueError("at most 4 decimal places")
    magnitude = np.abs(scaled.astype(np.int64))
    whole, fraction = np.divmod(magnitude, 10**decimal_places)
    if len(whole) and int(whole.max()) >= 10 ** (4 * NUMERIC_DIGITS):
        raise ValueError("numeric value too large for the binary encoder")
    size = len(scaled)

    # Three parts: the header (digit count, weight, sign, scale), the four digits before the
    # point, the one after it — 2-byte big-endian fields packed into big-endian words.
    sign = np.where(scaled < 0, NUMERIC_NEGATIVE, 0).astype(np.uint64)
    header = (NUMERIC_DIGITS + 1) << 48 | (NUMERIC_DIGITS - 1) << 32 | decimal_places
    digits = np.zeros(size, dtype=np.uint64)
    for place in reversed(range(NUMERIC_DIGITS)):
        digits = digits << np.uint64(16) | ((whole // 10_000**place) % 10_000).astype(np.uint64)
    parts = [
        (np.uint64(header) | sign << np.uint64(16)).astype(">u8"),
        digits.astype(">u8"),
        (fraction * 10 ** (4 - decimal_places)).astype(">i2"),
    ]
    return _Field(np.where(nulls, -1, 18).astype(np.int64), parts)


def _text(values: Sequence[str], nulls: npt.NDArray[np.bool_]) -> _Field:
    """Text through its distinct values: a column of a few labels costs one encode each.
    The labels are numbered by a dictionary in one pass (sorting a million strings to find
    them, as ``np.unique`` does, took four times as long)."""
    items = values.tolist() if isinstance(values, np.ndarray) else list(values)
    numbers: dict[str, int] = {}
    codes = np.fromiter((numbers.setdefault(text, len(numbers)) for text in items), np.int64, len(items))
    encoded = [str(text).encode() for text in numbers]
    width = 8 * max(1, -(-max((len(e) for e in encoded), default=0) // 8))
    table = np.zeros((max(len(encoded), 1), width), dtype=np.uint8)
    for row, data in enumerate(encoded):
        table[row, : len(data)] = np.frombuffer(data, dtype=np.uint8)
    sizes = np.asarray([len(e) for e in encoded] or [0], dtype=np.int64)
    words = table.view(np.uint64)  # vocabulary × (width / 8)
    return _Field(np.where(nulls, -1, sizes[codes]), [words[:, j][codes] for j in range(words.shape[1])])


def _kind(field: models.Field[Any, Any]) -> str:
    """The field's storage type; a foreign key is stored as the key it points to."""
    if field.is_relation:
        return _kind(field.target_field)  # type: ignore[attr-defined]
    return str(field.get_internal_type())


def _encode(field: models.Field[Any, Any], values: Any, nulls: npt.NDArray[np.bool_]) -> _Field:
    kind = _kind(field)
    if kind in _FIXED_FORMATS:
        array = np.asarray(values)
        if kind == "FloatField":
            nulls = nulls | np.isnan(array.astype(np.float64))
        return _fixed(array.astype(_FIXED_FORMATS[kind]), nulls)
    if kind == "DateField":
        days = np.asarray(values)
        if np.issubdtype(days.dtype, np.datetime64):
            days = days.astype("datetime64[D]").astype(np.int64)
        return _fixed((days.astype(np.int64) - POSTGRES_EPOCH_DAYS).astype(">i4"), nulls)
    if kind == "DecimalField":
        return _numeric(np.asarray(values, dtype=np.int64), field.decimal_places, nulls)  # type: ignore[attr-defined]
    if kind in ("CharField", "TextField"):
        return _text(values, nulls)
    raise TypeError(f"no binary COPY encoder for {kind}")


def copy_binary_blocks(
    model: type[models.Model],
    columns: Mapping[str, Any],
    nulls: Mapping[str, npt.NDArray[np.bool_]] | None = None,
) -> tuple[list[str], Iterator[bytes]]:
    """The table's column names (in ``columns`` order) and the COPY payload for them, a block
    of records at a time (header first, trailer last), so the server can take one block while
    the next is encoded."""
    nulls = nulls or {}
    fields = {field.column: field for field in model._meta.concrete_fields}
    names = list(columns)
    size = len(next(iter(columns.values()))) if columns else 0
    encoded = []
    for name in names:
        mask = nulls.get(name)
        mask = np.zeros(size, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
        field = _encode(fields[name], columns[name], mask)
        if len(field.lengths) != size:
            raise ValueError(f"column {name} has {len(field.lengths)} rows, expected {size}")
        encoded.append(field)
    return names, _records(encoded, size)


def _records(encoded: list[_Field], size: int) -> Iterator[bytes]:
    """Each row laid out at full width — field count, then per field its length and its
    widest value — as one record, with a twin record marking the bytes really used (a NULL
    has no bytes, a text only its own); a block's payload is its used bytes in order. Every
    step copies one typed field of a block of records at once: no per-row Python, no per-byte
    indexing."""
    layout: dict[str, list[Any]] = {"names": ["count"], "formats": [">i2"], "offsets": [0]}
    marks: dict[str, list[Any]] = {"names": ["count"], "formats": ["u2"], "offsets": [0]}
    at = 2
    for k, field in enumerate(encoded):
        layout["names"].append(f"size{k}")
        layout["formats"].append(">i4")
        marks["names"].append(f"size{k}")
        marks["formats"].append("u4")
        layout["offsets"].append(at)
        marks["offsets"].append(at)
        at += 4
        for j, part in enumerate(field.parts):
            layout["names"].append(f"value{k}_{j}")
            layout["formats"].append(part.dtype)
            marks["names"].append(f"value{k}_{j}")
            marks["formats"].append(f"u{part.dtype.itemsize}")
            layout["offsets"].append(at)
            marks["offsets"].append(at)
            at += part.dtype.itemsize
    width = at
    yield HEADER
    # Records are filled a block at a time: a block stays in the processor's cache while its
    # fields are written one after the other (a million wide records would not).
    block = max(1, BLOCK_BYTES // width)
    rows: Any = np.zeros(min(size, block), dtype=np.dtype({**layout, "itemsize": width}))  # type: ignore[call-overload]
    used: Any = np.zeros(min(size, block), dtype=np.dtype({**marks, "itemsize": width}))  # type: ignore[call-overload]
    rows["count"] = len(encoded)
    used["count"] = _ones(2)[2]
    for first in range(0, size, block):
        last = min(size, first + block)
        count = last - first
        for k, field in enumerate(encoded):
            lengths = field.lengths[first:last]
            rows[f"size{k}"][:count] = lengths
            used[f"size{k}"][:count] = _ones(4)[4]
            start = 0
            for j, part in enumerate(field.parts):
                step = part.dtype.itemsize
                rows[f"value{k}_{j}"][:count] = part[first:last]
                # how many of this part's bytes belong to the value: 0 to its size
                used[f"value{k}_{j}"][:count] = _ones(step)[np.clip(lengths - start, 0, step)]
                start += step
        raw = rows[:count].view(np.uint8).reshape(count, width)
        yield raw[used[:count].view(np.uint8).reshape(count, width).view(bool)].tobytes()
    yield TRAILER


def copy_binary_encode(
    model: type[models.Model],
    columns: Mapping[str, Any],
    nulls: Mapping[str, npt.NDArray[np.bool_]] | None = None,
) -> tuple[list[str], bytes]:
    """The table's column names (in ``columns`` order) and the whole COPY payload for them."""
    names, blocks = copy_binary_blocks(model, columns, nulls)
    return names, b"".join(blocks)


def _ones(step: int) -> npt.NDArray[Any]:
    """For m = 0 … step: the unsigned integer whose first m bytes in memory are 1, the rest 0."""
    patterns = b"".join(bytes([1] * m + [0] * (step - m)) for m in range(step + 1))
    return np.frombuffer(patterns, dtype=f"u{step}")


def copy_binary_write(
    cursor: Any,
    model: type[models.Model],
    columns: Mapping[str, Any],
    nulls: Mapping[str, npt.NDArray[np.bool_]] | None = None,
) -> None:
    """COPY the rows into the model's table through a Django cursor (PostgreSQL only).

    A block is handed to a sending thread as soon as it is encoded (psycopg's queued writer):
    PostgreSQL stores the rows on one core while the next blocks are encoded on the other."""
    names, blocks = copy_binary_blocks(model, columns, nulls)
    table = model._meta.db_table
    raw = cursor.cursor
    statement = f"COPY {table} ({', '.join(names)}) FROM STDIN (FORMAT BINARY)"
    with raw.copy(statement, writer=QueuedLibpqWriter(raw)) as copy:
        for block in blocks:
            copy.write(block)


def _python_values(field: models.Field[Any, Any], values: Any, nulls: npt.NDArray[np.bool_]) -> list[Any]:
    """The same column as Python values, for databases without binary COPY (SQLite)."""
    kind = _kind(field)
    if kind == "DateField":
        days = np.asarray(values)
        if not np.issubdtype(days.dtype, np.datetime64):
            days = days.astype("datetime64[D]")
        out = days.astype("datetime64[D]").astype(object).tolist()
    elif kind == "DecimalField":
        places = -field.decimal_places  # type: ignore[attr-defined]
        out = [Decimal(int(v)).scaleb(places) for v in np.asarray(values).tolist()]
    elif kind == "FloatField":
        array = np.asarray(values, dtype=np.float64)
        nulls = nulls | np.isnan(array)
        out = array.tolist()
    elif kind in _FIXED_FORMATS:
        out = np.asarray(values).tolist()
    else:
        out = list(values)
    return [None if gone else value for value, gone in zip(out, nulls.tolist(), strict=True)]


def columns_insert(
    cursor: Any,
    model: type[models.Model],
    columns: Mapping[str, Any],
    nulls: Mapping[str, npt.NDArray[np.bool_]] | None = None,
) -> None:
    """Insert rows given as columns (the encoding rules above): binary COPY on PostgreSQL,
    one prepared INSERT for all rows elsewhere."""
    if not columns:
        return
    if connection.vendor == "postgresql":
        copy_binary_write(cursor, model, columns, nulls)
        return
    nulls = nulls or {}
    fields = {field.column: field for field in model._meta.concrete_fields}
    size = len(next(iter(columns.values())))
    lists = [
        _python_values(
            fields[name], values, np.asarray(nulls.get(name, np.zeros(size, dtype=bool)), dtype=bool)
        )
        for name, values in columns.items()
    ]
    names = ", ".join(columns)
    marks = ", ".join(["%s"] * len(columns))
    table = model._meta.db_table
    cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(zip(*lists, strict=True)))  # noqa: S608
