"""When plain maximum likelihood cannot pin BG/NBD (shops where most customers are regulars
who never stop), the refresh falls back to a small penalty on the parameters, as lifetimes
advises, and still gives P(alive)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from relasi.analytics.metrics import bgnbd
from tests.analytics.cdnow import cdnow_summary


def _regulars_and_lapsed(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """160 customers in days: regulars buying every 2–5 weeks up to 3 days ago, customers who
    bought often and stopped 5–10 months ago, and one-time buyers."""
    rng = random.Random(seed)
    x, t_x, age = [], [], []
    for i in range(160):
        style = ("regular", "regular", "lapsed", "once")[i % 4]
        days: list[int] = []
        if style == "regular":
            d = rng.randint(300, 700)
            while d >= 3:
                days.append(d)
                d -= rng.randint(14, 35)
        elif style == "lapsed":
            end = rng.randint(150, 300)
            d = end + rng.randint(200, 400)
            while d >= end:
                days.append(d)
                d -= rng.randint(10, 30)
        else:
            days = [rng.randint(2, 500)]
        x.append(len(set(days)) - 1)
        t_x.append(max(days) - min(days))
        age.append(max(days))
    return np.array(x, float), np.array(t_x, float), np.array(age, float)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_penalised_fit_rescues_a_history_of_regulars(seed: int) -> None:
    x, t_x, age = _regulars_and_lapsed(seed)
    with pytest.raises(bgnbd.ConvergenceError):
        bgnbd.bgnbd_fit(x, t_x, age)
    params = bgnbd.bgnbd_fit(x, t_x, age, penalizer=0.001)
    assert all(np.isfinite(params.as_tuple()))
    alive = bgnbd.bgnbd_probability_alive(params, x, t_x, age)
    regular, lapsed = alive[0::4], alive[2::4]
    assert np.median(regular) > 0.9  # still buying every few weeks
    assert np.median(lapsed) < 0.2  # months past their usual gap


def test_a_vanishing_penalty_gives_the_published_fit() -> None:
    s = cdnow_summary()
    params = bgnbd.bgnbd_fit(s.x, s.t_x, s.T, penalizer=1e-12)
    assert params.as_tuple() == pytest.approx((0.2426, 4.4135, 0.7929, 2.4258), abs=1e-3)


def test_negative_penalty_is_refused() -> None:
    s = cdnow_summary()
    with pytest.raises(ValueError, match="penalizer"):
        bgnbd.bgnbd_fit(s.x, s.t_x, s.T, penalizer=-1)
