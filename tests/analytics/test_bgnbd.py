"""BG/NBD and Gamma-Gamma (``relasi.analytics.metrics.bgnbd``) against the published values on
CDNOW (``reference/analytics.md`` §1, §6 c3), hand-derived identities, a 50-digit evaluation
of the closed forms, and ``lifetimes`` 0.11.3 as an independent implementation.

Sources of the expected values:

* Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way": r = 0.243, α = 4.414,
  a = 0.793, b = 2.426, LL −9,582.4; Hardie's spreadsheet E[X(39) | 2, 30.43, 38.86] = 1.226
  (asserted by lifetimes ``tests/test_estimation.py``);
* Fader & Hardie note 025: p = 6.25, q = 3.74, γ = 15.44 and the 10 conditional expected
  average spends of the first CDNOW customers;
* lifetimes 0.11.3 on the same data (reference/analytics.md §1.1, measured): MLE (0.2426,
  4.4135, 0.7929, 2.4258) and (6.2488, 3.7446, 15.4477); LL −9,582.43 / −4,055.92; discounted
  CLV, 12 months at 1% a month, freq "W": sum $71,509.9, mean $30.339.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from decimal import Decimal, localcontext

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import optimize

from relasi.analytics.metrics import bgnbd as m
from tests.analytics.cdnow import CALIBRATION_END, cdnow_sample_transactions, cdnow_summary

with warnings.catch_warnings():  # lifetimes sets a pandas option that pandas 3 deprecates
    warnings.simplefilter("ignore")
    from lifetimes import BetaGeoFitter  # a dev dependency: an ImportError must fail the run

PAPER_BGNBD = (0.243, 4.414, 0.793, 2.426)
LIFETIMES_BGNBD = (0.2426, 4.4135, 0.7929, 2.4258)
PAPER_GG = (6.25, 3.74, 15.44)
LIFETIMES_GG = (6.2488, 3.7446, 15.4477)
HARDIE_SPEND_FIRST_10 = [24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17]


def significant(value: float, digits: int = 3) -> float:
    return float(f"{value:.{digits}g}")


@pytest.fixture(scope="module")
def cdnow() -> object:
    return cdnow_summary()


@pytest.fixture(scope="module")
def fitted() -> m.BgNbdParams:
    data = cdnow_summary()
    return m.bgnbd_fit(data.x, data.t_x, data.T)


@pytest.fixture(scope="module")
def spend_fitted() -> m.GammaGammaParams:
    data = cdnow_summary()
    repeat = data.x > 0
    return m.gamma_gamma_fit(data.x[repeat], data.zbar[repeat])


def lifetimes_bgnbd(params: tuple[float, float, float, float]) -> BetaGeoFitter:
    fitter = BetaGeoFitter()
    fitter.params_ = pd.Series(dict(zip(("r", "alpha", "a", "b"), params, strict=True)))
    return fitter


def decimal_expected_purchases(
    params: tuple[float, float, float, float], t: float, x: int, t_x: float, age: float
) -> float:
    """FHL (2005) eq. 10 at 60 digits, ₂F₁ summed from its defining series (|z| < 1)."""
    with localcontext() as ctx:
        ctx.prec = 60
        r, alpha, a, b = (Decimal(repr(v)) for v in params)
        t_, x_, tx_, age_ = (Decimal(repr(v)) for v in (t, x, t_x, age))
        top_a, top_b, bottom = r + x_, b + x_, a + b + x_ - 1
        z = t_ / (alpha + age_ + t_)
        total, term, n = Decimal(1), Decimal(1), 0
        while True:
            term = term * (top_a + n) * (top_b + n) / ((bottom + n) * (n + 1)) * z
            n += 1
            total += term
            if n > 50 and abs(term) < abs(total) * Decimal("1e-45"):
                break
        h = ((alpha + age_) / (alpha + age_ + t_)) ** top_a * total
        numerator = (a + b + x_ - 1) / (a - 1) * (1 - h)
        denominator = 1 + (a / (b + x_ - 1)) * ((alpha + age_) / (alpha + tx_)) ** (r + x_) if x > 0 else 1
        return float(numerator / denominator)


# --------------------------------------------------------------------------------------------
# The data


def test_cdnow_files_have_the_published_counts(cdnow) -> None:
    assert cdnow.x.shape[0] == 2357
    assert int((cdnow.x > 0).sum()) == 946
    assert int(cdnow.x.sum()) == 2457
    assert cdnow.T.max() == pytest.approx(38.86)
    sample = cdnow_sample_transactions()
    assert sample.amount.shape[0] == 6919
    assert np.unique(sample.customer_id).shape[0] == 2357
    assert math.fsum(sample.amount) == pytest.approx(244_091.94, abs=0.005)
    assert (min(sample.date), max(sample.date)) == (dt.date(1997, 1, 1), dt.date(1998, 6, 30))


def test_summary_is_the_calibration_period_of_the_transactions_in_days(cdnow) -> None:
    """x = purchase days − 1, tₓ and T in days / 7, up to 1997-09-30; zbar = the mean value of
    the repeat purchase days (§1.2: counting weeks instead of days gives 2,248 repeats)."""
    sample = cdnow_sample_transactions()
    days: dict[int, dict[dt.date, float]] = {}
    for customer, day, amount in zip(sample.customer_id, sample.date, sample.amount, strict=True):
        if day <= CALIBRATION_END:
            per_day = days.setdefault(int(customer), {})
            per_day[day] = per_day.get(day, 0.0) + float(amount)
    for i, customer in enumerate(cdnow.id):
        ordered = sorted(days[int(customer)].items())
        first, last = ordered[0][0], ordered[-1][0]
        assert cdnow.x[i] == len(ordered) - 1
        assert cdnow.t_x[i] == pytest.approx((last - first).days / 7, abs=0.0051)
        assert cdnow.T[i] == pytest.approx((CALIBRATION_END - first).days / 7, abs=0.0051)
        repeat_mean = sum(v for _, v in ordered[1:]) / (len(ordered) - 1) if len(ordered) > 1 else 0.0
        assert cdnow.zbar[i] == pytest.approx(repeat_mean, abs=0.0051)


# --------------------------------------------------------------------------------------------
# BG/NBD on CDNOW


def test_bgnbd_fit_reproduces_the_paper_and_lifetimes(fitted) -> None:
    assert [significant(v) for v in fitted.as_tuple()] == [significant(v) for v in PAPER_BGNBD]
    np.testing.assert_allclose(fitted.as_tuple(), LIFETIMES_BGNBD, atol=1e-3, rtol=0)
    assert fitted.n_customers == 2357


def test_bgnbd_log_likelihood_at_the_paper_parameters_and_at_the_fit(cdnow, fitted) -> None:
    at_paper = m.bgnbd_log_likelihood(PAPER_BGNBD, cdnow.x, cdnow.t_x, cdnow.T)
    assert at_paper == pytest.approx(-9582.43, abs=0.005)
    assert fitted.log_likelihood == pytest.approx(-9582.43, abs=0.01)
    assert fitted.log_likelihood == pytest.approx(
        m.bgnbd_log_likelihood(fitted, cdnow.x, cdnow.t_x, cdnow.T), abs=1e-9
    )
    assert fitted.log_likelihood >= at_paper


def test_bgnbd_fit_is_a_maximum(cdnow, fitted) -> None:
    """Moving any parameter by ±0.1% lowers the likelihood."""
    best = fitted.log_likelihood
    for j in range(4):
        for factor in (0.999, 1.001):
            moved = list(fitted.as_tuple())
            moved[j] *= factor
            assert m.bgnbd_log_likelihood(moved, cdnow.x, cdnow.t_x, cdnow.T) < best


def test_conditional_expectation_matches_hardies_spreadsheet(fitted) -> None:
    expected = m.bgnbd_expected_purchases(fitted, 39, 2, 30.43, 38.86)
    assert abs(float(expected[0]) - 1.226) < 0.001


def test_gradient_of_the_log_likelihood_matches_finite_differences(cdnow) -> None:
    data = m._BgNbdData.build(cdnow.x, cdnow.t_x, cdnow.T, np.ones_like(cdnow.x))
    for point in (PAPER_BGNBD, (1.3, 0.7, 2.5, 0.4), (0.05, 12.0, 0.3, 6.0)):
        _, grad = m._bgnbd_ll_and_grad(point, data)
        numeric = optimize.approx_fprime(
            np.array(point), lambda p: m._bgnbd_ll_and_grad(tuple(p), data)[0], 1e-7
        )
        np.testing.assert_allclose(grad, numeric, rtol=2e-4, atol=1e-3)


# --------------------------------------------------------------------------------------------
# Gamma-Gamma on CDNOW


def test_gamma_gamma_fit_reproduces_note_025_and_lifetimes(spend_fitted) -> None:
    assert [significant(v) for v in spend_fitted.as_tuple()] == [significant(v) for v in PAPER_GG]
    np.testing.assert_allclose(spend_fitted.as_tuple(), LIFETIMES_GG, atol=1e-3, rtol=0)
    assert spend_fitted.n_customers == 946
    assert spend_fitted.log_likelihood == pytest.approx(-4055.92, abs=0.005)


def test_gamma_gamma_fit_leaves_customers_without_repeat_out(cdnow, spend_fitted) -> None:
    everyone = m.gamma_gamma_fit(cdnow.x, cdnow.zbar)
    assert everyone == spend_fitted


def test_gamma_gamma_fit_is_a_maximum(cdnow, spend_fitted) -> None:
    best = m.gamma_gamma_log_likelihood(spend_fitted, cdnow.x, cdnow.zbar)
    assert best == pytest.approx(spend_fitted.log_likelihood, abs=1e-9)
    for j in range(3):
        for factor in (0.999, 1.001):
            moved = list(spend_fitted.as_tuple())
            moved[j] *= factor
            assert m.gamma_gamma_log_likelihood(moved, cdnow.x, cdnow.zbar) < best


def test_gamma_gamma_gradient_matches_finite_differences(cdnow) -> None:
    repeat = cdnow.x > 0
    data = m._SpendData.build(cdnow.x[repeat], cdnow.zbar[repeat], np.ones(int(repeat.sum())))
    for point in (PAPER_GG, (2.0, 1.5, 40.0), (12.0, 8.0, 3.0)):
        _, grad = m._spend_ll_and_grad(point, data)
        numeric = optimize.approx_fprime(
            np.array(point), lambda p: m._spend_ll_and_grad(tuple(p), data)[0], 1e-7
        )
        np.testing.assert_allclose(grad, numeric, rtol=2e-4, atol=1e-3)


def test_expected_average_spend_of_the_first_ten_customers(cdnow, spend_fitted) -> None:
    spend = m.gamma_gamma_expected_spend(spend_fitted, cdnow.x[:10], cdnow.zbar[:10])
    np.testing.assert_allclose(spend, HARDIE_SPEND_FIRST_10, atol=0.1, rtol=0)
    np.testing.assert_allclose(spend, HARDIE_SPEND_FIRST_10, atol=0.01, rtol=0)  # as reproduced


def test_population_mean_spend() -> None:
    """pγ/(q−1) = 6.25 × 15.44 / 2.74 = 35.22; a customer without repeat gets exactly that,
    whatever monetary value is passed for them."""
    published = m.GammaGammaParams(*PAPER_GG)
    assert published.population_mean == pytest.approx(35.22, abs=0.005)
    spend = m.gamma_gamma_expected_spend(published, [0, 0, 0, 0], [0.0, 99.0, -5.0, float("nan")])
    np.testing.assert_allclose(spend, 6.25 * 15.44 / 2.74, rtol=1e-15)
    # One repeat purchase of $50: (pγ + p·x·m̄)/(px + q − 1) = (96.5 + 312.5)/(6.25 + 2.74).
    single = m.gamma_gamma_expected_spend(published, [1], [50.0])
    assert float(single[0]) == pytest.approx(409.0 / 8.99, rel=1e-14)


# --------------------------------------------------------------------------------------------
# Discounted CLV


def test_discounted_clv_on_cdnow_matches_lifetimes(cdnow, fitted, spend_fitted) -> None:
    """lifetimes ``customer_lifetime_value(time=12, discount_rate=0.01, freq="W")``: sum
    $71,509.9, mean $30.339 — equal to the published rounding (±0.05 and ±0.0005)."""
    clv = m.discounted_clv(
        fitted,
        spend_fitted,
        cdnow.x,
        cdnow.t_x,
        cdnow.T,
        cdnow.zbar,
        horizon_months=12,
        monthly_discount_rate=0.01,
        periods_per_month=m.PERIODS_PER_MONTH_WEEKS,
    )
    assert clv.shape == (2357,)
    assert float(clv.sum()) == pytest.approx(71_509.9, abs=0.05)
    assert float(clv.mean()) == pytest.approx(30.339, abs=0.0005)
    assert np.all(clv >= 0)


def test_undiscounted_clv_telescopes_to_expected_purchases_times_spend(fitted, spend_fitted) -> None:
    """With d = 0 the monthly increments add up to E[Y(H·k)] · E[M]."""
    x, t_x, age, mbar = (
        [0, 1, 4, 12],
        [0.0, 3.0, 20.0, 38.0],
        [38.86, 30.0, 38.86, 38.86],
        [0, 20.0, 35.0, 8.0],
    )
    clv = m.discounted_clv(
        fitted,
        spend_fitted,
        x,
        t_x,
        age,
        mbar,
        horizon_months=6,
        monthly_discount_rate=0.0,
        periods_per_month=30.0,
    )
    direct = m.bgnbd_expected_purchases(fitted, 180.0, x, t_x, age) * m.gamma_gamma_expected_spend(
        spend_fitted, x, mbar
    )
    np.testing.assert_allclose(clv, direct, rtol=1e-12)
    zero = m.discounted_clv(
        fitted,
        spend_fitted,
        x,
        t_x,
        age,
        mbar,
        horizon_months=0,
        monthly_discount_rate=0.01,
        periods_per_month=30.0,
    )
    assert np.all(zero == 0)


# --------------------------------------------------------------------------------------------
# Numerical stability at the extremes (Hardie note 027)


def test_log_likelihood_at_an_extreme_frequency_matches_the_hand_formula() -> None:
    """x = 5,000 and tₓ = T = 1,000: the bracket is (α+T)^{−(r+x)} (1 + a/(b+x−1)), whose
    terms (≈ e^{−34,500}) underflow if not summed in logs."""
    r, alpha, a, b = PAPER_BGNBD
    x, age = 5000, 1000.0
    hand = (
        math.lgamma(r + x)
        - math.lgamma(r)
        + r * math.log(alpha)
        + (math.lgamma(a) + math.lgamma(b + x) - math.lgamma(a + b + x))
        - (math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b))
        - (r + x) * math.log(alpha + age)
        + math.log1p(a / (b + x - 1))
    )
    assert m.bgnbd_log_likelihood(PAPER_BGNBD, [x], [age], [age]) == pytest.approx(hand, rel=1e-12)


EXTREME_PARAMS = [
    PAPER_BGNBD,
    (0.2426, 1e-9, 0.7929, 2.4258),  # tiny α
    (1e-6, 1e-9, 0.01, 0.01),  # everything tiny
    (1e3, 1e-9, 50.0, 1e4),
    (50.0, 1e6, 1e-3, 1e3),  # huge α, tiny a
]
EXTREME_CUSTOMERS = [
    (5000, 1000.0, 1000.0),
    (5000, 999.0, 1000.0),
    (10_000, 38.86, 38.86),
    (10_000, 30.0, 38.86),
    (0, 0.0, 1e9),
    (1, 1e-9, 1e9),
    (200, 38.0, 38.86),
    (2, 30.43, 38.86),
]


@pytest.mark.parametrize("params", EXTREME_PARAMS)
def test_extreme_inputs_stay_finite_and_bounded(params) -> None:
    x, t_x, age = (np.array(column, dtype=float) for column in zip(*EXTREME_CUSTOMERS, strict=True))
    r, alpha, _, _ = params
    for i in range(x.shape[0]):  # one at a time: each must be finite on its own
        assert math.isfinite(m.bgnbd_log_likelihood(params, x[i : i + 1], t_x[i : i + 1], age[i : i + 1]))
    alive = m.bgnbd_probability_alive(params, x, t_x, age)
    assert np.all((alive >= 0) & (alive <= 1))
    assert np.all(alive[x == 0] == 1)
    expected = m.bgnbd_expected_purchases(params, 39.0, x, t_x, age)
    assert np.all(np.isfinite(expected))
    # Bound: no dropout at all gives E[λ | history, alive] · t = (r+x)/(α+T) · t purchases.
    assert np.all(expected >= 0)
    assert np.all(expected <= alive * (r + x) / (alpha + age) * 39.0 * (1 + 1e-9) + 1e-11)


@pytest.mark.parametrize(
    ("params", "customer"),
    [
        (PAPER_BGNBD, (2, 30.43, 38.86)),
        (PAPER_BGNBD, (10_000, 38.86, 38.86)),
        (PAPER_BGNBD, (200, 38.0, 38.86)),
        ((0.2426, 1e-9, 0.7929, 2.4258), (5000, 1000.0, 1000.0)),
        ((0.2426, 1e-9, 0.7929, 2.4258), (5000, 999.0, 1000.0)),
        ((50.0, 1e6, 1e-3, 1e3), (10_000, 38.86, 38.86)),
        ((50.0, 1e6, 1e-3, 1e3), (0, 0.0, 1e9)),
        ((1e-6, 1e-9, 0.01, 0.01), (0, 0.0, 1e9)),
        ((3.0, 0.5, 4.0, 0.8), (30, 10.0, 12.0)),
        # a + b < 1: ₂F₁(r, b; a+b−1; z) < 0 for x = 0 (lifetimes returns NaN there).
        ((4.87, 15.2, 0.68, 0.27), (0, 0.0, 50.0)),
        ((4.87, 15.2, 0.68, 0.27), (0, 0.0, 0.5)),
        ((4.87, 15.2, 0.68, 0.27), (1, 3.0, 50.0)),
    ],
)
def test_expected_purchases_match_a_60_digit_evaluation(params, customer) -> None:
    """Relative 1e-7; where 1 − (…)·₂F₁ cancels (expectations of 1e-5 and less: no purchase
    in 1e9 periods) the error is absolute, a few 1e-12 (₂F₁'s own rounding)."""
    exact = decimal_expected_purchases(params, 39.0, *customer)
    ours = float(m.bgnbd_expected_purchases(params, 39.0, *customer)[0])
    assert ours == pytest.approx(exact, rel=1e-7, abs=1e-11)


def test_fit_stays_finite_with_a_whale_customer(cdnow) -> None:
    x = np.append(cdnow.x, 5000.0)
    t_x = np.append(cdnow.t_x, 38.86)
    age = np.append(cdnow.T, 38.86)
    fit = m.bgnbd_fit(x, t_x, age)
    assert all(math.isfinite(v) and v > 0 for v in fit.as_tuple())
    assert math.isfinite(fit.log_likelihood)
    assert fit.log_likelihood >= m.bgnbd_log_likelihood(LIFETIMES_BGNBD, x, t_x, age)
    alive = m.bgnbd_probability_alive(fit, x, t_x, age)
    assert np.all((alive >= 0) & (alive <= 1))
    assert np.all(np.isfinite(m.bgnbd_expected_purchases(fit, 39.0, x, t_x, age)))


# --------------------------------------------------------------------------------------------
# Properties


def test_probability_alive_without_repeat_purchase_is_one(fitted) -> None:
    ages = np.array([0.0, 1.0, 38.86, 500.0, 1e7])
    np.testing.assert_array_equal(m.bgnbd_probability_alive(fitted, np.zeros(5), np.zeros(5), ages), 1.0)


def test_more_recent_last_purchase_means_more_likely_alive(fitted) -> None:
    t_x = np.linspace(0.5, 38.86, 60)
    for x in (1, 2, 5, 20):
        alive = m.bgnbd_probability_alive(fitted, np.full(60, x), t_x, np.full(60, 38.86))
        assert np.all(np.diff(alive) > 0)
        expected = m.bgnbd_expected_purchases(fitted, 10.0, np.full(60, x), t_x, np.full(60, 38.86))
        assert np.all(np.diff(expected) > 0)


def test_probability_alive_matches_note_021_by_hand(fitted) -> None:
    """x = 2, tₓ = 30.43, T = 38.86: 1 / (1 + a/(b+1) · ((α+T)/(α+tₓ))^{r+2})."""
    r, alpha, a, b = fitted.as_tuple()
    hand = 1 / (1 + a / (b + 1) * ((alpha + 38.86) / (alpha + 30.43)) ** (r + 2))
    assert float(m.bgnbd_probability_alive(fitted, 2, 30.43, 38.86)[0]) == pytest.approx(hand, rel=1e-13)


def test_weights_stand_for_repeated_rows(cdnow) -> None:
    triples = np.column_stack([cdnow.x, cdnow.t_x, cdnow.T])
    unique, counts = np.unique(triples, axis=0, return_counts=True)
    assert unique.shape[0] < triples.shape[0]
    weighted = m.bgnbd_fit(unique[:, 0], unique[:, 1], unique[:, 2], weights=counts)
    plain = m.bgnbd_fit(cdnow.x, cdnow.t_x, cdnow.T)
    np.testing.assert_allclose(weighted.as_tuple(), plain.as_tuple(), rtol=1e-9)
    assert weighted.log_likelihood == pytest.approx(plain.log_likelihood, rel=1e-12)
    assert weighted.n_customers == plain.n_customers == 2357
    # Split weights (the same triple on several rows) add up.
    doubled = m.bgnbd_fit(
        np.concatenate([unique[:, 0], unique[:, 0]]),
        np.concatenate([unique[:, 1], unique[:, 1]]),
        np.concatenate([unique[:, 2], unique[:, 2]]),
        weights=np.concatenate([counts, counts]),
    )
    np.testing.assert_allclose(doubled.as_tuple(), plain.as_tuple(), rtol=1e-9)
    assert doubled.log_likelihood == pytest.approx(2 * plain.log_likelihood, rel=1e-12)

    repeat = cdnow.x > 0
    pairs, pair_counts = np.unique(
        np.column_stack([cdnow.x[repeat], cdnow.zbar[repeat]]), axis=0, return_counts=True
    )
    spend_weighted = m.gamma_gamma_fit(pairs[:, 0], pairs[:, 1], weights=pair_counts)
    spend_plain = m.gamma_gamma_fit(cdnow.x[repeat], cdnow.zbar[repeat])
    np.testing.assert_allclose(spend_weighted.as_tuple(), spend_plain.as_tuple(), rtol=1e-9)


@pytest.mark.parametrize(
    ("n", "columns", "kind"),
    [
        (5000, 3, "days"),  # few combinations: the table path
        (5000, 3, "continuous"),  # many: the sorted-key path
        (50_000, 4, "continuous"),  # more than 2**62 combinations: numpy's row unique
        (1, 3, "days"),
    ],
)
def test_grouping_equals_numpy_unique_rows(n: int, columns: int, kind: str) -> None:
    rng = np.random.default_rng(7)
    if kind == "days":
        data = [
            rng.integers(0, 40, n).astype(float),
            rng.integers(0, 273, n) / 7,
            rng.integers(0, 273, n) / 7,
        ]
    else:
        data = [rng.normal(size=n) for _ in range(columns)]
    rows, inverse = m._group_rows(data)
    expected, expected_inverse = np.unique(np.column_stack(data), axis=0, return_inverse=True)
    np.testing.assert_array_equal(np.column_stack(rows), expected)
    np.testing.assert_array_equal(inverse, expected_inverse.reshape(-1))


@settings(max_examples=20, deadline=None, derandomize=True)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_row_order_does_not_matter(seed: int) -> None:
    data = cdnow_summary()
    reference = m.bgnbd_fit(data.x, data.t_x, data.T)
    order = np.random.default_rng(seed).permutation(data.x.shape[0])
    shuffled = m.bgnbd_fit(data.x[order], data.t_x[order], data.T[order])
    np.testing.assert_allclose(shuffled.as_tuple(), reference.as_tuple(), rtol=1e-6)
    spend = m.gamma_gamma_fit(data.x[order], data.zbar[order])
    np.testing.assert_allclose(spend.as_tuple(), m.gamma_gamma_fit(data.x, data.zbar).as_tuple(), rtol=1e-6)


# Derandomized: the same 200 cases every run (CI must not meet a new one by chance). Horizons
# below 1e-3 periods are left out: there E[X(t)] is ~t and both closed forms lose digits to
# cancellation (the 60-digit check above covers ours).
@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    r=st.floats(0.05, 5.0),
    alpha=st.floats(0.5, 50.0),
    a=st.floats(0.1, 5.0).filter(lambda v: abs(v - 1.0) > 0.05),
    b=st.floats(0.1, 10.0),
    x=st.integers(0, 200),
    age=st.floats(0.1, 100.0),
    recency_share=st.floats(0.0, 1.0),
    t=st.floats(0.0, 100.0).filter(lambda v: v == 0.0 or v >= 1e-3),
)
def test_agrees_with_lifetimes(r, alpha, a, b, x, age, recency_share, t) -> None:
    params = (r, alpha, a, b)
    t_x = age * recency_share if x > 0 else 0.0
    fitter = lifetimes_bgnbd(params)
    arrays = np.array([x]), np.array([t_x]), np.array([age])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        their_alive = fitter.conditional_probability_alive(*arrays)[0]
        their_expected = fitter.conditional_expected_number_of_purchases_up_to_time(t, *arrays)[0]
        their_ll = -BetaGeoFitter._negative_log_likelihood(np.log(params), *arrays, np.array([1]), 0.0)
    # lifetimes multiplies 1{x>0} by a/(b+x−1) = ∞ at x = 0, b = 1 and gets NaN there.
    assume(math.isfinite(their_expected))
    assert float(m.bgnbd_probability_alive(params, *arrays)[0]) == pytest.approx(
        their_alive, rel=1e-9, abs=1e-300
    )
    assert float(m.bgnbd_expected_purchases(params, t, *arrays)[0]) == pytest.approx(
        their_expected, rel=1e-7, abs=1e-12
    )
    assert m.bgnbd_log_likelihood(params, *arrays) == pytest.approx(their_ll, rel=1e-10, abs=1e-10)


# --------------------------------------------------------------------------------------------
# Input checks


@pytest.mark.parametrize(
    ("frequency", "recency", "T", "message"),
    [
        ([1, 2], [5.0, 50.0], [10.0, 40.0], "recency"),
        ([1, -1], [5.0, 0.0], [10.0, 40.0], "frequency"),
        ([1, 1.5], [5.0, 3.0], [10.0, 40.0], "frequency"),
        ([1, 2], [5.0, float("nan")], [10.0, 40.0], "recency"),
        ([0, 0], [0.0, 0.0], [10.0, 40.0], "repeat"),
    ],
)
def test_invalid_input_is_refused(frequency, recency, T, message) -> None:
    with pytest.raises(ValueError, match=message):
        m.bgnbd_fit(frequency, recency, T)


def test_invalid_spend_input_is_refused() -> None:
    with pytest.raises(ValueError, match="monetary_value"):
        m.gamma_gamma_fit([1, 2], [10.0, 0.0])
    with pytest.raises(ValueError, match="monetary_value"):
        m.gamma_gamma_fit([1, 2], [10.0, float("nan")])
    with pytest.raises(ValueError, match="repeat"):
        m.gamma_gamma_fit([0, 0], [10.0, 5.0])
    with pytest.raises(ValueError, match="q > 1"):
        m.gamma_gamma_expected_spend((6.0, 0.9, 15.0), [1], [10.0])
