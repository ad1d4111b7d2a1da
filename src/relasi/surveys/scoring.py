"""The satisfaction formulas, pure: plain integers in, exact fractions out. No Django here
(the database counts the answers; this module turns the counts into scores), so every figure
can be checked by hand.

Scales and categories
---------------------
* **NPS** (Net Promoter Score; Reichheld, "The One Number You Need to Grow", Harvard Business
  Review, December 2003; Bain & Company's definition): "How likely are you to recommend …?"
  on 0–10. Promoters answer 9–10, passives 7–8, detractors 0–6.
  **NPS = % promoters − % detractors**, between −100 and +100; passives count in the total
  only. Example: 9, 10, 10, 8, 7, 6, 3, 10, 9, 0 → 5 promoters, 2 passives, 3 detractors of
  10 → 50 % − 30 % = **20**.
* **CSAT** (Customer Satisfaction Score, the American Customer Satisfaction Index's usual
  top-two-box reading): "How satisfied are you …?" on 1–5. **CSAT % = share of 4 and 5**
  among the answers ("satisfied"); 3 is neutral, 1–2 unsatisfied. The average score is shown
  beside it.
* **CES** (Customer Effort Score 2.0; Dixon, Freeman and Toman, "Stop Trying to Delight Your
  Customers", Harvard Business Review, July 2010, and CEB's 7-point revision): "How easy was
  it …?" on 1–7 where **1 = very difficult and 7 = very easy** (higher is better, like the
  other two scales). 5–7 are "easy", 4 neutral, 1–3 "hard". Reported as the average and the
  share of easy answers.

Rounding
--------
Results are exact ``Fraction`` values. For display, ``rounded()`` turns one into a
``Decimal`` with a fixed number of places, rounding half away from zero
(``decimal.ROUND_HALF_UP``): an NPS of 12.5 shows as 13, −12.5 as −13. NPS is shown as a
whole number, percentages and averages with one decimal.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

NPS = "nps"
CSAT = "csat"
CES = "ces"

# The score range of each kind, both ends included.
SCALES: dict[str, tuple[int, int]] = {NPS: (0, 10), CSAT: (1, 5), CES: (1, 7)}

PROMOTER, PASSIVE, DETRACTOR = "promoter", "passive", "detractor"
SATISFIED, NEUTRAL, UNSATISFIED = "satisfied", "neutral", "unsatisfied"
EASY, HARD = "easy", "hard"

# The category of each kind that calls for a follow-up (an unhappy customer).
NEGATIVE: dict[str, str] = {NPS: DETRACTOR, CSAT: UNSATISFIED, CES: HARD}
POSITIVE: dict[str, str] = {NPS: PROMOTER, CSAT: SATISFIED, CES: EASY}
CATEGORIES: dict[str, tuple[str, str, str]] = {
    NPS: (PROMOTER, PASSIVE, DETRACTOR),
    CSAT: (SATISFIED, NEUTRAL, UNSATISFIED),
    CES: (EASY, NEUTRAL, HARD),
}


def score_valid(kind: str, score: int) -> bool:
    """Whether ``score`` is on the scale of ``kind`` (NPS 0–10, CSAT 1–5, CES 1–7)."""
    low, high = SCALES[kind]
    return not isinstance(score, bool) and isinstance(score, int) and low <= score <= high


def category(kind: str, score: int) -> str:
    """The category of one answer (module docstring): NPS 9–10 promoter, 7–8 passive, 0–6
    detractor; CSAT 4–5 satisfied, 3 neutral, 1–2 unsatisfied; CES 5–7 easy, 4 neutral, 1–3
    hard. Raises ``ValueError`` for a score off the scale."""
    if not score_valid(kind, score):
        low, high = SCALES[kind]
        raise ValueError(f"{kind} score {score!r} is not in {low}..{high}")
    if kind == NPS:
        return PROMOTER if score >= 9 else PASSIVE if score >= 7 else DETRACTOR
    if kind == CSAT:
        return SATISFIED if score >= 4 else NEUTRAL if score == 3 else UNSATISFIED
    return EASY if score >= 5 else NEUTRAL if score == 4 else HARD


def rounded(value: Fraction | None, places: int = 0) -> Decimal | None:
    """``value`` as a Decimal with ``places`` decimals, half away from zero (``None`` stays
    ``None``: no answers, no score)."""
    if value is None:
        return None
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _percent(part: int, total: int) -> Fraction | None:
    return Fraction(100 * part, total) if total else None


def _counts(kind: str, counts: Mapping[int, int]) -> dict[int, int]:
    """Every score of the scale with its count (0 when nobody gave it); refuses scores off
    the scale and negative counts."""
    low, high = SCALES[kind]
    for score, count in counts.items():
        if not score_valid(kind, score):
            raise ValueError(f"{kind} score {score!r} is not in {low}..{high}")
        if count < 0:
            raise ValueError(f"negative count for score {score}")
    return {score: int(counts.get(score, 0)) for score in range(low, high + 1)}


def _average(distribution: Mapping[int, int], total: int) -> Fraction | None:
    if not total:
        return None
    return Fraction(sum(score * count for score, count in distribution.items()), total)


@dataclass(frozen=True)
class NpsResult:
    """``nps`` = 100 × (promoters − detractors) / total, exact; ``None`` without answers."""

    promoters: int
    passives: int
    detractors: int
    total: int
    nps: Fraction | None
    distribution: dict[int, int] = field(default_factory=dict)

    @property
    def promoters_percent(self) -> Fraction | None:
        return _percent(self.promoters, self.total)

    @property
    def passives_percent(self) -> Fraction | None:
        return _percent(self.passives, self.total)

    @property
    def detractors_percent(self) -> Fraction | None:
        return _percent(self.detractors, self.total)


def nps_from_counts(counts: Mapping[int, int]) -> NpsResult:
    """NPS from ``{score: number of answers}`` (module docstring: % promoters − % detractors)."""
    distribution = _counts(NPS, counts)
    promoters = distribution[9] + distribution[10]
    passives = distribution[7] + distribution[8]
    detractors = sum(distribution[s] for s in range(7))
    total = promoters + passives + detractors
    score = Fraction(100 * (promoters - detractors), total) if total else None
    return NpsResult(promoters, passives, detractors, total, score, distribution)


def nps(scores: Iterable[int]) -> NpsResult:
    """NPS of a list of 0–10 answers; see ``nps_from_counts``."""
    return nps_from_counts(Counter(scores))


@dataclass(frozen=True)
class CsatResult:
    """``satisfied_percent`` = 100 × (answers 4 or 5) / total; ``average`` = mean score."""

    satisfied: int
    neutral: int
    unsatisfied: int
    total: int
    satisfied_percent: Fraction | None
    average: Fraction | None
    distribution: dict[int, int] = field(default_factory=dict)


def csat_from_counts(counts: Mapping[int, int]) -> CsatResult:
    """CSAT from ``{score: number of answers}`` on 1–5 (module docstring)."""
    distribution = _counts(CSAT, counts)
    satisfied = distribution[4] + distribution[5]
    neutral = distribution[3]
    unsatisfied = distribution[1] + distribution[2]
    total = satisfied + neutral + unsatisfied
    return CsatResult(
        satisfied,
        neutral,
        unsatisfied,
        total,
        _percent(satisfied, total),
        _average(distribution, total),
        distribution,
    )


def csat(scores: Iterable[int]) -> CsatResult:
    """CSAT of a list of 1–5 answers; see ``csat_from_counts``."""
    return csat_from_counts(Counter(scores))


@dataclass(frozen=True)
class CesResult:
    """``average`` = mean score on 1 (very difficult) … 7 (very easy); ``easy_percent`` =
    100 × (answers 5–7) / total."""

    easy: int
    neutral: int
    hard: int
    total: int
    average: Fraction | None
    easy_percent: Fraction | None
    distribution: dict[int, int] = field(default_factory=dict)


def ces_from_counts(counts: Mapping[int, int]) -> CesResult:
    """CES from ``{score: number of answers}`` on 1–7 (module docstring)."""
    distribution = _counts(CES, counts)
    easy = distribution[5] + distribution[6] + distribution[7]
    neutral = distribution[4]
    hard = distribution[1] + distribution[2] + distribution[3]
    total = easy + neutral + hard
    return CesResult(
        easy, neutral, hard, total, _average(distribution, total), _percent(easy, total), distribution
    )


def ces(scores: Iterable[int]) -> CesResult:
    """CES of a list of 1–7 answers; see ``ces_from_counts``."""
    return ces_from_counts(Counter(scores))


# Feedback topics ----------------------------------------------------------------------------

# Indonesian clitics that attach to a word without changing what it is about: "harganya" is
# "harga" + "-nya" ("its price"), "mahallah", "kirimkah", "telatpun".
CLITICS = ("nya", "lah", "kah", "pun")


@dataclass(frozen=True)
class TopicRule:
    """A topic and the words or phrases that put an answer under it."""

    key: str
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class TopicMatch:
    """A topic found in a text and the keywords that matched (the reason, shown to people)."""

    key: str
    keywords: tuple[str, ...]


def keyword_normalize(keyword: str) -> str:
    """A keyword as it is matched: lower-case, inner spaces collapsed, ends trimmed."""
    return " ".join(keyword.lower().split())


def _keyword_pattern(keyword: str) -> re.Pattern[str]:
    words = [re.escape(word) for word in keyword.split(" ")]
    clitics = "|".join(CLITICS)
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + rf"(?:{clitics})?(?!\w)")


def topics_match(text: str, topics: Sequence[TopicRule]) -> list[TopicMatch]:
    """The topics whose keywords occur in ``text``, in the order of ``topics``.

    The rule, shown to the owner as is: the text is lower-cased; a keyword matches where it
    stands as a whole word (or phrase, any spacing between its words), optionally followed by
    one of the clitics -nya, -lah, -kah, -pun ("harganya" matches "harga"; "kirim" does not
    match "pengiriman" — list "pengiriman" too). A text can fall under several topics; each
    match keeps the keywords found, in the topic's keyword order, as its reason."""
    lowered = (text or "").lower()
    found: list[TopicMatch] = []
    if not lowered.strip():
        return found
    for topic in topics:
        hits: list[str] = []
        for raw in topic.keywords:
            keyword = keyword_normalize(raw)
            if keyword and keyword not in hits and _keyword_pattern(keyword).search(lowered):
                hits.append(keyword)
        if hits:
            found.append(TopicMatch(topic.key, tuple(hits)))
    return found
