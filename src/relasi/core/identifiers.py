"""NPWP and NIK (reference/indonesia.md §1.5, R3–R4).

NPWP has 16 digits since 2024: a resident's NIK, or ``0`` + the old 15 digits (checked by
Luhn over the first 9 digits plus the check digit, as python-stdnum does). NIK encodes the
region, the date of birth (day + 40 for women) and a serial. All-zero numbers are refused.
Both are stored and shown as digits only, never with the old dotted mask.
"""

from __future__ import annotations

import re
from datetime import date

from stdnum.exceptions import ValidationError as StdnumError
from stdnum.id import nik as stdnum_nik
from stdnum.id import npwp as stdnum_npwp


class IdentifierError(ValueError):
    pass


def _digits(value: str) -> str:
    return re.sub(r"[\s.\-]", "", value.strip())


def clean_nik(value: str) -> str:
    """Return the 16 NIK digits, or raise ``IdentifierError``."""
    digits = _digits(value)
    if not digits.isdigit() or len(digits) != 16:
        raise IdentifierError("length")
    if set(digits) == {"0"}:
        raise IdentifierError("zeros")
    day, month, year2 = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
    if day > 40:
        day -= 40
    try:
        # The century is not encoded; any century that makes the date real is accepted.
        date(2000 + year2, month, day)
    except ValueError:
        try:
            date(1900 + year2, month, day)
        except ValueError as exc:
            raise IdentifierError("birth_date") from exc
    try:
        stdnum_nik.validate(digits)
    except StdnumError as exc:
        raise IdentifierError("checksum") from exc
    return digits


def clean_npwp(value: str) -> str:
    """Return the 16-digit NPWP. A legacy 15-digit NPWP gets a leading ``0`` (R3)."""
    digits = _digits(value)
    if not digits.isdigit() or len(digits) not in (15, 16):
        raise IdentifierError("length")
    if set(digits) == {"0"}:
        raise IdentifierError("zeros")
    if len(digits) == 15:
        digits = "0" + digits
    if digits.startswith("0"):
        try:
            stdnum_npwp.validate(digits[1:])
        except StdnumError as exc:
            raise IdentifierError("checksum") from exc
        return digits
    return clean_nik(digits)


def clean_nitku(value: str) -> str:
    """NITKU: the 16-digit NPWP followed by a 6-digit place-of-business number."""
    digits = _digits(value)
    if not digits.isdigit() or len(digits) != 22:
        raise IdentifierError("length")
    clean_npwp(digits[:16])
    return digits
