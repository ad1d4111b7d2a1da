"""The formulas on hand-computed answers, and results that do not depend on the order of the
answers (property test)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relasi.surveys import scoring


def test_nps_of_ten_answers_counted_by_hand() -> None:
    # given: ten answers; promoters 9, 10, 10, 10, 9 · passives 8, 7 · detractors 6, 3, 0
    answers = [9, 10, 10, 8, 7, 6, 3, 10, 9, 0]
    # when
    result = scoring.nps(answers)
    # then: 5 promoters (50 %), 2 passives, 3 detractors (30 %) → 50 − 30 = 20
    assert (result.promoters, result.passives, result.detractors, result.total) == (5, 2, 3, 10)
    assert result.nps == 20
    assert result.promoters_percent == 50
    assert result.detractors_percent == 30
    assert scoring.rounded(result.nps) == Decimal("20")


def test_nps_is_exact_and_rounds_half_away_from_zero() -> None:
    # 1 promoter, 2 detractors of 3 → (1 − 2) / 3 × 100 = −33⅓
    result = scoring.nps([10, 0, 5])
    assert result.nps == Fraction(-100, 3)
    assert scoring.rounded(result.nps) == Decimal("-33")
    assert scoring.rounded(result.nps, 1) == Decimal("-33.3")
    # 1 promoter, 0 detractors, 7 passives of 8 → 12.5 → 13; the mirror → −13
    assert scoring.rounded(scoring.nps([10] + [7] * 7).nps) == Decimal("13")
    assert scoring.rounded(scoring.nps([0] + [7] * 7).nps) == Decimal("-13")


def test_nps_extremes_and_no_answers() -> None:
    assert scoring.nps([10, 9, 9]).nps == 100
    assert scoring.nps([0, 6, 3]).nps == -100
    assert scoring.nps([7, 8]).nps == 0
    empty = scoring.nps([])
    assert (empty.total, empty.nps, empty.promoters_percent) == (0, None, None)
    assert scoring.rounded(empty.nps) is None


def test_csat_share_of_four_and_five_and_the_average() -> None:
    # 5, 4, 4, 3, 2, 1, 5, 5: satisfied 5 of 8 = 62.5 %; average 29 / 8 = 3.625
    result = scoring.csat([5, 4, 4, 3, 2, 1, 5, 5])
    assert (result.satisfied, result.neutral, result.unsatisfied, result.total) == (5, 1, 2, 8)
    assert result.satisfied_percent == Fraction(125, 2)
    assert result.average == Fraction(29, 8)
    assert scoring.rounded(result.satisfied_percent, 1) == Decimal("62.5")
    assert scoring.rounded(result.average, 2) == Decimal("3.63")  # 3.625 → half up


def test_ces_average_and_share_of_easy_on_one_to_seven() -> None:
    # 7, 6, 5, 4, 2, 1: easy (5–7) 3 of 6 = 50 %; average 25 / 6 = 4.1666…
    result = scoring.ces([7, 6, 5, 4, 2, 1])
    assert (result.easy, result.neutral, result.hard, result.total) == (3, 1, 2, 6)
    assert result.easy_percent == 50
    assert result.average == Fraction(25, 6)
    assert scoring.rounded(result.average, 2) == Decimal("4.17")


@pytest.mark.parametrize(
    ("kind", "score", "expected"),
    [
        ("nps", 0, "detractor"),
        ("nps", 6, "detractor"),
        ("nps", 7, "passive"),
        ("nps", 8, "passive"),
        ("nps", 9, "promoter"),
        ("nps", 10, "promoter"),
        ("csat", 1, "unsatisfied"),
        ("csat", 2, "unsatisfied"),
        ("csat", 3, "neutral"),
        ("csat", 4, "satisfied"),
        ("csat", 5, "satisfied"),
        ("ces", 1, "hard"),
        ("ces", 3, "hard"),
        ("ces", 4, "neutral"),
        ("ces", 5, "easy"),
        ("ces", 7, "easy"),
    ],
)
def test_category_boundaries(kind: str, score: int, expected: str) -> None:
    assert scoring.category(kind, score) == expected


@pytest.mark.parametrize(
    ("kind", "score"), [("nps", -1), ("nps", 11), ("csat", 0), ("csat", 6), ("ces", 0), ("ces", 8)]
)
def test_scores_off_the_scale_are_refused(kind: str, score: int) -> None:
    assert not scoring.score_valid(kind, score)
    with pytest.raises(ValueError):
        scoring.category(kind, score)
    with pytest.raises(ValueError):
        {"nps": scoring.nps, "csat": scoring.csat, "ces": scoring.ces}[kind]([score])


def test_a_boolean_is_not_a_score() -> None:
    assert not scoring.score_valid("csat", True)


# Deadline and generation speed off: a loaded 2-core CI machine is not a failure of the maths.
@settings(max_examples=100, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(min_value=0, max_value=10), max_size=60), st.randoms())
def test_nps_does_not_depend_on_the_order_of_the_answers(answers: list[int], random: object) -> None:
    shuffled = list(answers)
    random.shuffle(shuffled)  # type: ignore[attr-defined]
    assert scoring.nps(shuffled) == scoring.nps(answers)
    assert scoring.nps(answers) == scoring.nps_from_counts({s: answers.count(s) for s in set(answers)})


@settings(max_examples=100, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.integers(min_value=1, max_value=5), max_size=60),
    st.lists(st.integers(min_value=1, max_value=7), max_size=60),
    st.randoms(),
)
def test_csat_and_ces_do_not_depend_on_the_order(csat: list[int], ces: list[int], random: object) -> None:
    a, b = list(csat), list(ces)
    random.shuffle(a)  # type: ignore[attr-defined]
    random.shuffle(b)  # type: ignore[attr-defined]
    assert scoring.csat(a) == scoring.csat(csat)
    assert scoring.ces(b) == scoring.ces(ces)


@settings(max_examples=100, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(min_value=0, max_value=10), min_size=1, max_size=60))
def test_nps_stays_between_minus_100_and_100(answers: list[int]) -> None:
    result = scoring.nps(answers)
    assert result.nps is not None
    assert -100 <= result.nps <= 100
    assert result.nps == result.promoters_percent - result.detractors_percent  # type: ignore[operator]
