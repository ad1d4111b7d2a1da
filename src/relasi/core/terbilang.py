"""Amounts in words, Indonesian (``terbilang``), in KBBI spelling (reference/indonesia.md §1.11, R15).

Our own function because num2words ``id`` writes 1.001.000 as "satu juta satu ribu" (it is
"satu juta seribu") and reads decimals digit by digit.

Rules: "se-" replaces "satu" for sepuluh, sebelas, seratus and seribu — the last only when
one is the whole thousands group (1.000 = seribu, 1.001.000 = satu juta seribu, but 1.000.000
= satu juta, never "sejuta"); 11–19 are "… belas"; scales are ribu, juta, miliar, triliun,
kuadriliun.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

_ONES = (
    "nol",
    "satu",
    "dua",
    "tiga",
    "empat",
    "lima",
    "enam",
    "tujuh",
    "delapan",
    "sembilan",
)
_SCALES = ("", "ribu", "juta", "miliar", "triliun", "kuadriliun")


def _below_thousand(n: int) -> list[str]:
    """Words for 1 ≤ n ≤ 999."""
    words: list[str] = []
    hundreds, rest = divmod(n, 100)
    if hundreds == 1:
        words.append("seratus")
    elif hundreds > 1:
        words += [_ONES[hundreds], "ratus"]
    if rest == 10:
        words.append("sepuluh")
    elif rest == 11:
        words.append("sebelas")
    elif 12 <= rest <= 19:
        words += [_ONES[rest - 10], "belas"]
    elif rest >= 20:
        tens, ones = divmod(rest, 10)
        words += [_ONES[tens], "puluh"]
        if ones:
            words.append(_ONES[ones])
    elif rest > 0:
        words.append(_ONES[rest])
    return words


def terbilang_number(n: int) -> str:
    """A whole number in words: ``terbilang_number(1001000)`` → ``satu juta seribu``."""
    if n < 0:
        return "minus " + terbilang_number(-n)
    if n == 0:
        return "nol"
    groups: list[int] = []
    while n:
        n, group = divmod(n, 1000)
        groups.append(group)
    if len(groups) > len(_SCALES):
        raise ValueError("number too large for terbilang")
    words: list[str] = []
    for scale in range(len(groups) - 1, -1, -1):
        group = groups[scale]
        if not group:
            continue
        if scale == 1 and group == 1:
            words.append("seribu")
            continue
        words += _below_thousand(group)
        if _SCALES[scale]:
            words.append(_SCALES[scale])
    return " ".join(words)


def terbilang_rupiah(amount: Decimal | int, *, sentence_case: bool = False) -> str:
    """A rupiah amount in words, ending with "rupiah", rounded half-up to the whole rupiah.

    ``terbilang_rupiah(21978000)`` → ``dua puluh satu juta sembilan ratus tujuh puluh delapan
    ribu rupiah``. ``sentence_case`` capitalises the first letter, as printed on a kwitansi.
    """
    whole = int(Decimal(amount).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    text = f"{terbilang_number(whole)} rupiah"
    return text[:1].upper() + text[1:] if sentence_case else text
