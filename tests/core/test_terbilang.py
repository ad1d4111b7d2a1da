"""Terbilang (amount in words) against the rules of reference/indonesia.md §1.11 and R15: KBBI
spelling, "se-" for sepuluh/sebelas/seratus/seribu, seribu only when one is the whole
thousands group, miliar and triliun, half-up rounding to the rupiah. The expected words are
written from those rules, not from the code."""

from __future__ import annotations

from decimal import Decimal

import pytest

from relasi.core.terbilang import terbilang_number, terbilang_rupiah


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (0, "nol rupiah"),
        (1, "satu rupiah"),
        (10, "sepuluh rupiah"),
        (11, "sebelas rupiah"),
        (12, "dua belas rupiah"),
        (19, "sembilan belas rupiah"),
        (20, "dua puluh rupiah"),
        (21, "dua puluh satu rupiah"),
        (100, "seratus rupiah"),
        (110, "seratus sepuluh rupiah"),
        (111, "seratus sebelas rupiah"),
        (200, "dua ratus rupiah"),
        (1_000, "seribu rupiah"),
        (1_100, "seribu seratus rupiah"),
        (2_000, "dua ribu rupiah"),
        (11_000, "sebelas ribu rupiah"),
        (100_000, "seratus ribu rupiah"),
        (101_000, "seratus satu ribu rupiah"),
        (1_000_000, "satu juta rupiah"),
        (1_001_000, "satu juta seribu rupiah"),
        (1_500_000, "satu juta lima ratus ribu rupiah"),
        (2_950_000, "dua juta sembilan ratus lima puluh ribu rupiah"),
        (19_800_000, "sembilan belas juta delapan ratus ribu rupiah"),
        (21_978_000, "dua puluh satu juta sembilan ratus tujuh puluh delapan ribu rupiah"),
        (1_000_000_000, "satu miliar rupiah"),
        (1_000_001_000, "satu miliar seribu rupiah"),
        (2_500_000_000_000, "dua triliun lima ratus miliar rupiah"),
    ],
)
def test_rupiah_in_words(amount: int, words: str) -> None:
    assert terbilang_rupiah(amount) == words
    assert terbilang_rupiah(Decimal(amount)) == words


def test_never_sejuta_nor_milyar() -> None:
    text = terbilang_rupiah(1_001_000_000)
    assert text == "satu miliar satu juta rupiah"
    assert "sejuta" not in text
    assert "milyar" not in text


def test_sen_are_rounded_half_up_to_the_rupiah() -> None:
    # Rp1.250.500,50 is rounded half-up to Rp1.250.501 (not half-even to 1.250.500).
    assert (
        terbilang_rupiah(Decimal("1250500.50"))
        == "satu juta dua ratus lima puluh ribu lima ratus satu rupiah"
    )
    assert terbilang_rupiah(Decimal("1250500.49")) == "satu juta dua ratus lima puluh ribu lima ratus rupiah"
    # A stored amount with two decimals is read as the whole rupiah, never "koma nol nol".
    assert terbilang_rupiah(Decimal("19800000.00")) == "sembilan belas juta delapan ratus ribu rupiah"


def test_sentence_case_for_the_kwitansi() -> None:
    assert terbilang_rupiah(Decimal("1500000"), sentence_case=True) == "Satu juta lima ratus ribu rupiah"


def test_whole_numbers_without_rupiah() -> None:
    assert terbilang_number(0) == "nol"
    assert terbilang_number(1_001_000) == "satu juta seribu"
