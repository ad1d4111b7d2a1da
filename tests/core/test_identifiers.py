"""NPWP / NIK / NITKU rules of reference/indonesia.md §1.5 and R3–R4."""

import pytest

from relasi.core.identifiers import IdentifierError, clean_nik, clean_nitku, clean_npwp

VALID_NIK = "3171034107850001"  # Jakarta Pusat, a woman (day 41 = 1st) born 07/1985
VALID_NPWP15 = "013000666091000"  # passes the Luhn check over its first 9 digits + check digit


def test_legacy_15_digit_npwp_gets_a_leading_zero() -> None:
    assert clean_npwp("01.300.066.6-091.000") == "0" + VALID_NPWP15


def test_16_digit_company_npwp_is_stored_as_digits_only() -> None:
    assert clean_npwp("0013000666091000") == "0013000666091000"


def test_nik_is_a_valid_npwp_for_a_resident() -> None:
    assert clean_npwp(VALID_NIK) == VALID_NIK


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("0000000000000000", "zeros"),
        ("000000000000000", "zeros"),
        ("12345", "length"),
        ("013000665091000", "checksum"),  # the 9th digit (Luhn check digit) changed
    ],
)
def test_bad_npwp_is_refused_with_a_reason(value: str, reason: str) -> None:
    with pytest.raises(IdentifierError) as error:
        clean_npwp(value)
    assert str(error.value) == reason


def test_nik_accepts_a_valid_number() -> None:
    assert clean_nik("3171 0341 0785 0001") == VALID_NIK


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("0000000000000000", "zeros"),
        ("317103410785", "length"),
        ("3171033213850001", "birth_date"),  # month 13
        ("3171037202850001", "birth_date"),  # 32 February (day 72 - 40)
    ],
)
def test_bad_nik_is_refused(value: str, reason: str) -> None:
    with pytest.raises(IdentifierError) as error:
        clean_nik(value)
    assert str(error.value) == reason


def test_nitku_is_npwp_plus_six_digits() -> None:
    assert clean_nitku("0013000666091000000000") == "0013000666091000000000"
    with pytest.raises(IdentifierError):
        clean_nitku("001300066609100000000")  # 21 digits
