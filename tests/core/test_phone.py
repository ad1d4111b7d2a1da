"""Phone normalisation against the table of reference/indonesia.md §3 (phonenumbers 9.x)."""

import pytest

from relasi.core.phone import format_phone_national, normalize_phone, phone_search_prefix


@pytest.mark.parametrize(
    "raw",
    [
        "0812-3456-7890",
        "081234567890",
        "+62 812 3456 7890",
        "62 812-3456-7890",
        "6281234567890",
        "+62 (0) 812 3456 7890",
        "0062 812 3456 7890",  # the reference: replace a leading 00 with + first
    ],
)
def test_mobile_forms_normalise_to_one_e164(raw: str) -> None:
    # when
    number = normalize_phone(raw)
    # then
    assert number is not None
    assert number.e164 == "+6281234567890"
    assert number.whatsapp_id == "6281234567890"
    assert number.is_mobile


def test_landline_is_valid_but_not_whatsapp() -> None:
    number = normalize_phone("(021) 5551234")
    assert number is not None
    assert number.e164 == "+62215551234"
    assert not number.is_mobile


@pytest.mark.parametrize("raw", ["08123", "62812345678901234", "", "abc", "12"])
def test_invalid_numbers_are_refused(raw: str) -> None:
    assert normalize_phone(raw) is None


@pytest.mark.parametrize(
    ("typed", "prefix"),
    [
        ("0812", "+62812"),
        ("62812", "+62812"),
        ("+62 812", "+62812"),
        ("812", "+62812"),
        ("0812-3456", "+628123456"),
        ("0062812", "+62812"),
    ],
)
def test_typed_phone_becomes_e164_prefix(typed: str, prefix: str) -> None:
    assert phone_search_prefix(typed) == prefix


@pytest.mark.parametrize("typed", ["elok", "a@b", "08", ""])
def test_non_phone_text_is_not_a_prefix(typed: str) -> None:
    assert phone_search_prefix(typed) is None


def test_national_display_format() -> None:
    assert format_phone_national("+6281234567890") == "0812-3456-7890"
