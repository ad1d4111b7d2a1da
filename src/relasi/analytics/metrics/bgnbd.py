"""Probabilistic customer lifetime value: the BG/NBD purchase model and the Gamma-Gamma spend
model, fitted by maximum likelihood. Pure NumPy/SciPy; no Django.

Inputs per customer (``reference/analytics.md`` §1, ``rfm.py`` for how they are counted):

* ``frequency`` x — the number of repeat purchases (purchase days − 1);
* ``recency`` tₓ — the customer's age at the last purchase (0 when x = 0);
* ``T`` — the customer's age at the end of the observation;
* ``monetary_value`` m̄ — the mean value of the repeat purchases (ignored when x = 0).

Time is in whatever unit the caller uses (weeks for CDNOW, days in the app): r, a, b and the
Gamma-Gamma parameters do not depend on it, α is in that unit.

Sources:

* P. S. Fader, B. G. S. Hardie, K. L. Lee (2005), "Counting Your Customers the Easy Way: An
  Alternative to the Pareto/NBD Model", *Marketing Science* 24(2):275–284 — the BG/NBD
  likelihood (eq. 6), the conditional expectation (eq. 10);
* P. S. Fader, B. G. S. Hardie, K. L. Lee, brucehardie.com notes 004 (implementing the BG/NBD
  model), 021 (P(alive) under the BG/NBD) and 027 (the #NUM! — overflow — problem of the
  likelihood at large x: the ``x > 0`` term is added in log space);
* P. S. Fader, B. G. S. Hardie, "The Gamma-Gamma Model of Monetary Value" (note 025) —
  the spend likelihood (eq. 1a) and the conditional expected average spend (eq. 5);
* ``lifetimes`` 0.11.3 (``BetaGeoFitter``, ``GammaGammaFitter``,
  ``utils._customer_lifetime_value``), whose estimates and discounted CLV these functions
  reproduce.

The likelihoods depend on a customer only through (x, tₓ, T) (BG/NBD) and (x, m̄)
(Gamma-Gamma), so the fits aggregate identical rows into one row with a weight first: the
cost of an iteration grows with the number of distinct rows, not with the customers, and the
result does not depend on the order of the rows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import optimize, special  # type: ignore[import-untyped]

FloatArray = npt.NDArray[np.float64]
IntpArray = npt.NDArray[np.intp]
Objective = Callable[[FloatArray], tuple[float, FloatArray]]

# The optimiser works on log-parameters, kept inside e^±25 so that a step of the line
# search can never overflow (a boundary estimate means the data cannot identify the model).
_LOG_BOUND = 25.0
# Where the fit starts (log-parameters, time rescaled so that the oldest customer is 1 old,
# money rescaled to a mean of 1), as lifetimes does.
_START = 0.1
# A fit is accepted when no component of the gradient of the mean log-likelihood (per
# log-parameter) exceeds _ACCEPT_GTOL; SLSQP ends near 1e-9 on CDNOW, the L-BFGS-B polish
# aims at _GTOL. Parameters then sit ~1e-8 from the maximum, far inside the 1e-6 asked for.
_GTOL = 1e-10
_ACCEPT_GTOL = 1e-6


class ConvergenceError(RuntimeError):
    """The maximum-likelihood search did not settle (the data cannot identify the model)."""


@dataclass(frozen=True, slots=True)
class BgNbdParams:
    """Fitted BG/NBD parameters: purchase rates λ ~ Gamma(shape r, rate α), dropout
    probabilities p ~ Beta(a, b). ``log_likelihood`` is the total over the customers, in the
    caller's time unit; ``n_customers`` the customers (total weight) it was fitted on."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float = math.nan
    n_customers: int = 0

    def as_tuple(self) -> tuple[float, float, float, float]:
        return (self.r, self.alpha, self.a, self.b)


@dataclass(frozen=True, slots=True)
class GammaGammaParams:
    """Fitted Gamma-Gamma parameters: a customer's transaction values are Gamma(p, ν) with
    ν ~ Gamma(q, γ). ``log_likelihood`` is the total over the repeat customers it was fitted
    on (``n_customers``), in the caller's currency unit."""

    p: float
    q: float
    gamma: float
    log_likelihood: float = math.nan
    n_customers: int = 0

    def as_tuple(self) -> tuple[float, float, float]:
        return (self.p, self.q, self.gamma)

    @property
    def population_mean(self) -> float:
        """Mean spend per transaction in the population, E[Z] = pγ / (q − 1) (note 025, eq. 4);
        infinite when q ≤ 1."""
        return self.p * self.gamma / (self.q - 1.0) if self.q > 1.0 else math.inf


# --------------------------------------------------------------------------------------------
# Input checks and aggregation


def _float_array(name: str, values: npt.ArrayLike, *, finite: bool = True) -> FloatArray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 0:
        array = array.reshape(1)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}.")
    if finite and not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or infinite values.")
    return array


def _customer_arrays(
    frequency: npt.ArrayLike, recency: npt.ArrayLike, T: npt.ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Validated (x, tₓ, T), broadcast to one length: x whole and ≥ 0, 0 ≤ tₓ ≤ T."""
    x, t_x, age = np.broadcast_arrays(
        _float_array("frequency", frequency),
        _float_array("recency", recency),
        _float_array("T", T),
    )
    if np.any(x < 0) or np.any(x != np.floor(x)):
        raise ValueError("frequency must hold whole numbers ≥ 0 (repeat purchases).")
    if np.any(t_x < 0) or np.any(t_x > age):
        raise ValueError("recency must lie between 0 and T (the customer's age).")
    return x, t_x, age


def _weights_array(weights: npt.ArrayLike | None, n: int) -> FloatArray:
    if weights is None:
        return np.ones(n, dtype=np.float64)
    w = np.broadcast_to(_float_array("weights", weights), (n,)).astype(np.float64)
    if np.any(w < 0) or np.any(w != np.floor(w)):
        raise ValueError("weights must be whole numbers ≥ 0 (customers per row).")
    return w


def _dot(weights: FloatArray, values: FloatArray) -> float:
    """Σ wᵢ vᵢ without BLAS: OpenBLAS hands large dot products to threads, which on a busy
    two-core machine wait for a core (a 1,000,000-customer fit went from 0.4 to 1.8 s)."""
    return float(np.multiply(weights, values).sum())


def _codes(column: FloatArray) -> tuple[FloatArray, IntpArray]:
    """The sorted distinct values of ``column`` and each entry's index among them.

    Non-negative whole numbers up to a few times the length use a counting pass; anything else
    a sort (``np.unique``) and a binary search, which is ~3× faster than ``np.unique(...,
    return_inverse=True)`` when the distinct values are few."""
    n = column.shape[0]
    if n and column.min() >= 0 and column.max() < 4 * n and np.all(column == np.floor(column)):
        as_int = column.astype(np.intp)
        present = np.flatnonzero(np.bincount(as_int))
        lookup = np.empty(int(present[-1]) + 1, dtype=np.intp)
        lookup[present] = np.arange(present.shape[0])
        return present.astype(np.float64), lookup[as_int]
    values = np.unique(column)
    return values, np.searchsorted(values, column).astype(np.intp)


def _group_rows(columns: Sequence[FloatArray]) -> tuple[list[FloatArray], IntpArray]:
    """Distinct rows of equally long columns, in lexicographic order, and the index of each
    input row among them (what ``np.unique(np.column_stack(columns), axis=0,
    return_inverse=True)`` gives, ~20× faster: the columns are coded one by one and the codes
    combined into one integer key)."""
    values: list[FloatArray] = []
    codes: list[IntpArray] = []
    for column in columns:
        v, c = _codes(column)
        values.append(v)
        codes.append(c)
    sizes = [len(v) for v in values]
    n = codes[0].shape[0]
    if math.prod(sizes) >= 2**62:
        stacked = np.column_stack(codes)
        distinct, row_of = np.unique(stacked, axis=0, return_inverse=True)
        return [values[j][distinct[:, j]] for j in range(len(columns))], row_of.reshape(-1).astype(np.intp)
    key = codes[0].astype(np.int64)
    for size, code in zip(sizes[1:], codes[1:], strict=True):
        key = key * size + code
    space = math.prod(sizes)
    if space <= 8 * n + 65536 and n < 2**31:
        # Few possible combinations (whole days, small counts): mark them in a table (5 bytes
        # per possible combination: 45 MB for 1,000,000 customers at 8 per customer).
        present = np.zeros(space, dtype=bool)
        present[key] = True
        keys = np.flatnonzero(present).astype(np.int64)
        lookup = np.empty(space, dtype=np.int32)
        lookup[keys] = np.arange(keys.shape[0], dtype=np.int32)
        inverse = lookup[key].astype(np.intp)
    else:
        keys, inverse = np.unique(key, return_inverse=True)
    rows: list[FloatArray] = []
    for size, v in zip(reversed(sizes), reversed(values), strict=True):
        rows.append(v[keys % size])
        keys = keys // size
    rows.reverse()
    return rows, inverse.astype(np.intp)


# --------------------------------------------------------------------------------------------
# BG/NBD


@dataclass(frozen=True, slots=True)
class _BgNbdData:
    """Distinct (x, tₓ, T) rows with their weights, split for the likelihood: the terms that
    only depend on x are evaluated once per distinct x."""

    x_values: FloatArray  # distinct frequencies
    x_weights: FloatArray  # total weight per distinct frequency
    total_weight: float
    t0: FloatArray  # T of the rows with x = 0
    w0: FloatArray
    x: FloatArray  # rows with x > 0
    t_x: FloatArray
    age: FloatArray
    w: FloatArray

    @classmethod
    def build(cls, x: FloatArray, t_x: FloatArray, age: FloatArray, w: FloatArray) -> _BgNbdData:
        (ux, ut, uT), inverse = _group_rows([x, t_x, age])
        uw = np.bincount(inverse, weights=w, minlength=ux.shape[0]).astype(np.float64, copy=False)
        keep = uw > 0
        ux, ut, uT, uw = ux[keep], ut[keep], uT[keep], uw[keep]
        x_values, x_code = np.unique(ux, return_inverse=True)
        zero = ux == 0
        return cls(
            x_values=x_values,
            x_weights=np.bincount(x_code, weights=uw, minlength=x_values.shape[0]).astype(
                np.float64, copy=False
            ),
            total_weight=float(uw.sum()),
            t0=uT[zero],
            w0=uw[zero],
            x=ux[~zero],
            t_x=ut[~zero],
            age=uT[~zero],
            w=uw[~zero],
        )

    def scaled(self, factor: float) -> _BgNbdData:
        return _BgNbdData(
            x_values=self.x_values,
            x_weights=self.x_weights,
            total_weight=self.total_weight,
            t0=self.t0 * factor,
            w0=self.w0,
            x=self.x,
            t_x=self.t_x * factor,
            age=self.age * factor,
            w=self.w,
        )


def _bgnbd_ll_and_grad(
    params: tuple[float, float, float, float], data: _BgNbdData
) -> tuple[float, FloatArray]:
    """Total log-likelihood Σ wᵢ ℓᵢ and its gradient with respect to (r, α, a, b).

    Per customer (Fader, Hardie & Lee 2005, eq. 6; Hardie note 004, written in logs as in
    note 027)::

        ℓ = ln Γ(r+x) − ln Γ(r) + r ln α + ln B(a, b+x) − ln B(a, b)
            + ln[ e^{A₃} + 1{x>0} e^{A₄} ]
        A₃ = −(r+x) ln(α+T)
        A₄ = ln a − ln(b+x−1) − (r+x) ln(α+tₓ)

    The bracket is A₃ + softplus(d) with d = A₄ − A₃, whose weight e^{A₄}/(e^{A₃}+e^{A₄}) is
    expit(d): finite for any x, tₓ, T, α (x = 10,000 or α = 1e-9 included).
    """
    r, alpha, a, b = params
    xv, wx = data.x_values, data.x_weights
    # Terms that depend on x only, once per distinct x.
    ll = float(
        _dot(
            wx,
            special.gammaln(r + xv) - special.gammaln(r) + special.betaln(a, b + xv) - special.betaln(a, b),
        )
    )
    psi_ab = special.digamma(a + b)
    d_ab = psi_ab - special.digamma(a + b + xv)
    g_r = _dot(wx, special.digamma(r + xv) - special.digamma(r))
    g_a = _dot(wx, d_ab)
    g_b = _dot(wx, special.digamma(b + xv) - special.digamma(b) + d_ab)
    ll += data.total_weight * r * math.log(alpha)
    g_r += data.total_weight * math.log(alpha)
    g_alpha = data.total_weight * r / alpha

    # x = 0: ℓ's bracket is e^{A₃} alone.
    if data.t0.shape[0]:
        log_age0 = np.log(alpha + data.t0)
        s0 = _dot(data.w0, log_age0)
        ll -= r * s0
        g_r -= s0
        g_alpha -= r * _dot(data.w0, 1.0 / (alpha + data.t0))

    # x > 0.
    if data.x.shape[0]:
        x, w = data.x, data.w
        c = r + x
        log_age = np.log(alpha + data.age)
        # ln((α+tₓ)/(α+T)): the log of the ratio keeps full precision both for tₓ close to T
        # and for tₓ ≪ T (where a log1p of the difference rounds to log1p(−1) = −∞).
        log_ratio = np.log((alpha + data.t_x) / (alpha + data.age))
        log_b = np.log(b + x - 1.0)
        d = math.log(a) - log_b - c * log_ratio
        w4 = special.expit(d)
        ll += _dot(w, np.logaddexp(0.0, d) - c * log_age)
        g_r -= _dot(w, log_age + w4 * log_ratio)
        g_alpha -= _dot(w, c * ((1.0 - w4) / (alpha + data.age) + w4 / (alpha + data.t_x)))
        g_a += _dot(w, w4) / a
        g_b -= _dot(w, w4 / (b + x - 1.0))
    return ll, np.array([g_r, g_alpha, g_a, g_b])


def _bgnbd_objective(data: _BgNbdData, penalizer: float = 0.0) -> Objective:
    """−mean ℓ over log-parameters θ = ln(r, α, a, b), with its gradient (chain rule: ∂/∂θ =
    param · ∂/∂param). The mean keeps the gradient's scale independent of the data size.
    ``penalizer`` adds λ·Σ param² (lifetimes' ``penalizer_coef``, on the time-rescaled
    parameters): it keeps the search off the boundary when the data cannot pin the model."""

    def objective(theta: FloatArray) -> tuple[float, FloatArray]:
        params = np.exp(theta)
        ll, grad = _bgnbd_ll_and_grad((params[0], params[1], params[2], params[3]), data)
        if not math.isfinite(ll):
            return math.inf, np.zeros(4)
        value = -ll / data.total_weight + penalizer * float(np.sum(params**2))
        return value, -(grad * params) / data.total_weight + 2.0 * penalizer * params**2

    return objective


def _minimise(objective: Objective, start: FloatArray) -> FloatArray:
    """SLSQP with the analytic gradient and bounds; should it stop short of a stationary point,
    L-BFGS-B from where it stopped, then Nelder–Mead followed by L-BFGS-B.

    SLSQP first because its timing holds on a busy machine: L-BFGS-B calls OpenBLAS on every
    iteration, whose threads wait for a core when another process holds it (CDNOW: 3 ms
    alone, 10–40 ms median next to a busy PostgreSQL; SLSQP 3 ms either way)."""
    bounds = [(-_LOG_BOUND, _LOG_BOUND)] * start.shape[0]
    result = optimize.minimize(
        objective,
        start,
        jac=True,
        method="SLSQP",
        bounds=bounds,
        options={"maxiter": 1000, "ftol": 1e-16},
    )
    theta = np.asarray(result.x, dtype=np.float64)
    if _stationary(objective, theta):
        return theta
    if not math.isfinite(objective(theta)[0]):
        theta = start
    polish = {"maxiter": 5000, "ftol": 1e-15, "gtol": _GTOL, "maxcor": 5}
    result = optimize.minimize(objective, theta, jac=True, method="L-BFGS-B", bounds=bounds, options=polish)
    theta = np.asarray(result.x, dtype=np.float64)
    if _stationary(objective, theta):
        return theta
    simplex = optimize.minimize(
        lambda t: objective(np.asarray(t, dtype=np.float64))[0],
        theta,
        method="Nelder-Mead",
        bounds=bounds,
        options={"maxiter": 20000, "xatol": 1e-10, "fatol": 1e-15},
    )
    result = optimize.minimize(
        objective, simplex.x, jac=True, method="L-BFGS-B", bounds=bounds, options=polish
    )
    theta = np.asarray(result.x, dtype=np.float64)
    if not _stationary(objective, theta):
        raise ConvergenceError(f"The maximum-likelihood search did not converge: {result.message}")
    return theta


def _stationary(objective: Objective, theta: FloatArray) -> bool:
    """A finite objective whose gradient vanishes, except along parameters held at a bound."""
    value, grad = objective(theta)
    if not math.isfinite(value):
        return False
    free = np.abs(theta) < _LOG_BOUND - 1e-9
    return bool(np.all(np.abs(grad[free]) <= _ACCEPT_GTOL))


def _bgnbd_params(params: BgNbdParams | Sequence[float]) -> tuple[float, float, float, float]:
    r, alpha, a, b = params.as_tuple() if isinstance(params, BgNbdParams) else (float(v) for v in params)
    if min(r, alpha, a, b) <= 0 or not all(map(math.isfinite, (r, alpha, a, b))):
        raise ValueError("BG/NBD parameters r, alpha, a, b must be positive and finite.")
    return r, alpha, a, b


def bgnbd_log_likelihood(
    params: BgNbdParams | Sequence[float],
    frequency: npt.ArrayLike,
    recency: npt.ArrayLike,
    T: npt.ArrayLike,
    weights: npt.ArrayLike | None = None,
) -> float:
    """Total BG/NBD log-likelihood Σ wᵢ ℓᵢ of the customers at ``params`` (r, α, a, b) —
    Fader, Hardie & Lee (2005), eq. 6, in the log-space form of Hardie's note 027 (see
    ``_bgnbd_ll_and_grad``). On CDNOW at the paper's (0.243, 4.414, 0.793, 2.426): −9,582.43."""
    x, t_x, age = _customer_arrays(frequency, recency, T)
    w = _weights_array(weights, x.shape[0])
    ll, _ = _bgnbd_ll_and_grad(_bgnbd_params(params), _BgNbdData.build(x, t_x, age, w))
    return ll


def bgnbd_fit(
    frequency: npt.ArrayLike,
    recency: npt.ArrayLike,
    T: npt.ArrayLike,
    *,
    weights: npt.ArrayLike | None = None,
    penalizer: float = 0.0,
) -> BgNbdParams:
    """Maximum-likelihood BG/NBD parameters (the estimates of ``lifetimes.BetaGeoFitter`` with
    no penalizer).

    The rows are aggregated into distinct (x, tₓ, T) with summed weights (``weights``: how many
    customers each row stands for, default 1), time is rescaled so that the oldest customer
    is 1 old (α scales with it; the other parameters are unit-free), and the mean
    log-likelihood is maximised over ln(r, α, a, b) with the analytic gradient (SLSQP, see
    ``_minimise``) from lifetimes' start (all log-parameters 0.1). The order of the rows does
    not matter: the distinct rows come out sorted.

    Raises ``ValueError`` for invalid input or data without any repeat purchase (nothing to
    learn the dropout from), ``ConvergenceError`` when the search does not settle.
    """
    x, t_x, age = _customer_arrays(frequency, recency, T)
    w = _weights_array(weights, x.shape[0])
    data = _BgNbdData.build(x, t_x, age, w)
    if data.total_weight <= 0:
        raise ValueError("There are no customers to fit (all weights are zero).")
    if data.w.sum() <= 0:
        raise ValueError("No customer has a repeat purchase: the BG/NBD model cannot be fitted.")
    oldest = float(max(data.t0.max(initial=0.0), data.age.max(initial=0.0)))
    if oldest <= 0:
        raise ValueError("T must be positive for some customer.")
    scale = 1.0 / oldest
    if penalizer < 0 or not math.isfinite(penalizer):
        raise ValueError("The penalizer must be a finite number, 0 or more.")
    theta = _minimise(_bgnbd_objective(data.scaled(scale), penalizer), np.full(4, _START))
    r, alpha_scaled, a, b = (float(v) for v in np.exp(theta))
    params = (r, alpha_scaled / scale, a, b)
    ll, _ = _bgnbd_ll_and_grad(params, data)
    return BgNbdParams(*params, log_likelihood=ll, n_customers=round(data.total_weight))


def _log_dropout_odds(
    params: tuple[float, float, float, float], x: FloatArray, t_x: FloatArray, age: FloatArray
) -> FloatArray:
    """ln[ a/(b+x−1) · ((α+T)/(α+tₓ))^{r+x} ] for x > 0: the log-odds that a customer with this
    history has dropped out (Hardie note 021)."""
    r, alpha, a, b = params
    xs = np.maximum(x, 1.0)
    return np.log(a / (b + xs - 1.0)) - (r + x) * np.log((alpha + t_x) / (alpha + age))


def bgnbd_probability_alive(
    params: BgNbdParams | Sequence[float],
    frequency: npt.ArrayLike,
    recency: npt.ArrayLike,
    T: npt.ArrayLike,
) -> FloatArray:
    """P(alive | x, tₓ, T) = 1 / (1 + 1{x>0} · a/(b+x−1) · ((α+T)/(α+tₓ))^{r+x})
    (Hardie note 021), evaluated as expit(−log-odds) so it stays in [0, 1] for any input.
    A customer without a repeat purchase is alive (= 1): in the BG/NBD dropout can only
    happen right after a repeat purchase."""
    p = _bgnbd_params(params)
    x, t_x, age = _customer_arrays(frequency, recency, T)
    alive = special.expit(-_log_dropout_odds(p, x, t_x, age))
    return np.where(x > 0, alive, 1.0)


def _one_minus_survival_term(
    params: tuple[float, float, float, float], t: float, x: FloatArray, age: FloatArray
) -> FloatArray:
    """1 − h, h = ((α+T)/(α+T+t))^{r+x} · ₂F₁(r+x, b+x; a+b+x−1; z), z = t/(α+T+t).

    In logs, 1 − h = −expm1(ln h), where ₂F₁ is positive. Where it overflows (large x, z
    near 1) the Euler transformation ₂F₁(A, B; C; z) = (1−z)^{C−A−B} ₂F₁(C−A, C−B; C; z) is used
    instead, as ``lifetimes`` does; here it reads h = (1−z)^{a−1} ₂F₁(a+b−1−r, a−1; a+b+x−1; z).
    ₂F₁ can be negative when a+b < 1 and x = 0 (then C < 0): h is then taken as a plain product
    (small, no overflow), where lifetimes returns NaN."""
    r, alpha, a, b = params
    c = a + b + x - 1.0
    z = t / (alpha + age + t)
    log1m_z = np.log1p(-z)  # ln((α+T)/(α+T+t)), exact for small z
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        out = _one_minus_product(special.hyp2f1(r + x, b + x, c, z), (r + x) * log1m_z)
        bad = ~np.isfinite(out)
        if np.any(bad):
            euler = special.hyp2f1(a + b - 1.0 - r, a - 1.0, c[bad], z[bad])
            out[bad] = _one_minus_product(euler, (a - 1.0) * log1m_z[bad])
    return out


def _one_minus_product(value: FloatArray, log_factor: FloatArray) -> FloatArray:
    """1 − value · e^{log_factor}, through logs where value > 0; NaN where value is not finite."""
    out = np.full_like(value, np.nan)
    positive = np.isfinite(value) & (value > 0)
    out[positive] = -np.expm1(np.log(value[positive]) + log_factor[positive])
    other = np.isfinite(value) & (value <= 0)
    out[other] = 1.0 - value[other] * np.exp(log_factor[other])
    return out


def _expected_purchases_alive(
    params: tuple[float, float, float, float], t: float, x: FloatArray, age: FloatArray
) -> FloatArray:
    """(a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^{r+x} ₂F₁(…)]: the numerator of FHL eq. 10,
    the expected purchases in (T, T+t] of a customer known to be alive.

    It depends on x and T only; real data has few distinct values of each (whole days, small
    counts), so ₂F₁ is evaluated on the grid of distinct x × distinct T and looked up, unless
    that grid is not much smaller than the data."""
    n = x.shape[0]
    if n > 1000:
        xs, x_code = _codes(x)
        ages, age_code = _codes(age)
        if xs.shape[0] * ages.shape[0] <= n // 4:
            grid = _expected_purchases_alive_rows(
                params, t, np.repeat(xs, ages.shape[0]), np.tile(ages, xs.shape[0])
            )
            looked_up: FloatArray = grid[x_code * ages.shape[0] + age_code]
            return looked_up
    return _expected_purchases_alive_rows(params, t, x, age)


def _expected_purchases_alive_rows(
    params: tuple[float, float, float, float], t: float, x: FloatArray, age: FloatArray
) -> FloatArray:
    _, _, a, b = params
    return (a + b + x - 1.0) / (a - 1.0) * _one_minus_survival_term(params, t, x, age)


def bgnbd_expected_purchases(
    params: BgNbdParams | Sequence[float],
    t: float,
    frequency: npt.ArrayLike,
    recency: npt.ArrayLike,
    T: npt.ArrayLike,
) -> FloatArray:
    """Expected number of purchases in the next ``t`` time units of each customer
    (Fader, Hardie & Lee 2005, eq. 10)::

        E[Y(t) | x, tₓ, T] = (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^{r+x}
                                ₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t))]
                             / (1 + 1{x>0} · a/(b+x−1) · ((α+T)/(α+tₓ))^{r+x})

    The denominator is 1/P(alive). CDNOW, x=2, tₓ=30.43, T=38.86, t=39 weeks: 1.226
    (Hardie's spreadsheet). Undefined at exactly a = 1 (0/0 in the closed form).
    """
    p = _bgnbd_params(params)
    if not math.isfinite(t) or t < 0:
        raise ValueError("t must be a finite number ≥ 0.")
    x, t_x, age = _customer_arrays(frequency, recency, T)
    alive = np.where(x > 0, special.expit(-_log_dropout_odds(p, x, t_x, age)), 1.0)
    if t == 0:
        return np.zeros_like(x)
    return _expected_purchases_alive(p, float(t), x, age) * alive


# --------------------------------------------------------------------------------------------
# Gamma-Gamma


@dataclass(frozen=True, slots=True)
class _SpendData:
    x_values: FloatArray  # distinct frequencies
    x_weights: FloatArray
    total_weight: float
    x: FloatArray  # distinct (x, m̄)
    m: FloatArray
    w: FloatArray
    sum_x_log_m: float  # Σ w x ln m̄
    sum_log_m: float  # Σ w ln m̄
    sum_x_log_x: float  # Σ w x ln x

    @classmethod
    def build(cls, x: FloatArray, m: FloatArray, w: FloatArray) -> _SpendData:
        (ux, um), inverse = _group_rows([x, m])
        uw = np.bincount(inverse, weights=w, minlength=ux.shape[0]).astype(np.float64, copy=False)
        keep = uw > 0
        ux, um, uw = ux[keep], um[keep], uw[keep]
        x_values, x_code = np.unique(ux, return_inverse=True)
        return cls(
            x_values=x_values,
            x_weights=np.bincount(x_code, weights=uw, minlength=x_values.shape[0]).astype(
                np.float64, copy=False
            ),
            total_weight=float(uw.sum()),
            x=ux,
            m=um,
            w=uw,
            sum_x_log_m=_dot(uw, ux * np.log(um)),
            sum_log_m=_dot(uw, np.log(um)),
            sum_x_log_x=_dot(uw, ux * np.log(ux)),
        )


def _spend_ll_and_grad(params: tuple[float, float, float], data: _SpendData) -> tuple[float, FloatArray]:
    """Total Gamma-Gamma log-likelihood and its gradient with respect to (p, q, γ).

    Per repeat customer, with m̄ the mean of x transactions (note 025, eq. 1a)::

        ℓ = ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln γ + (px−1) ln m̄ + px ln x
            − (px+q) ln(x m̄ + γ)
    """
    p, q, gamma = params
    xv, wx = data.x_values, data.x_weights
    W = data.total_weight
    x, m, w = data.x, data.m, data.w
    px = p * xv
    log_xm_gamma = np.log(x * m + gamma)
    ll = (
        _dot(wx, special.gammaln(px + q) - special.gammaln(px))
        - W * special.gammaln(q)
        + W * q * math.log(gamma)
        + p * data.sum_x_log_m
        - data.sum_log_m
        + p * data.sum_x_log_x
        - _dot(w, (p * x + q) * log_xm_gamma)
    )
    psi_pxq = special.digamma(px + q)
    g_p = (
        _dot(wx, xv * (psi_pxq - special.digamma(px)))
        + data.sum_x_log_m
        + data.sum_x_log_x
        - _dot(w, x * log_xm_gamma)
    )
    g_q = _dot(wx, psi_pxq) - W * special.digamma(q) + W * math.log(gamma) - _dot(w, log_xm_gamma)
    g_gamma = W * q / gamma - _dot(w, (p * x + q) / (x * m + gamma))
    return float(ll), np.array([g_p, g_q, g_gamma])


def _spend_arrays(frequency: npt.ArrayLike, monetary_value: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Validated (x, m̄); m̄ is only looked at where x > 0 (elsewhere it may be 0 or NaN)."""
    x, m = np.broadcast_arrays(
        _float_array("frequency", frequency),
        _float_array("monetary_value", monetary_value, finite=False),
    )
    if np.any(x < 0) or np.any(x != np.floor(x)):
        raise ValueError("frequency must hold whole numbers ≥ 0 (repeat purchases).")
    repeat_spend = m[x > 0]
    if not np.all(np.isfinite(repeat_spend) & (repeat_spend > 0)):
        raise ValueError("monetary_value must be positive for every customer with a repeat purchase.")
    return x, m


def _spend_data(
    frequency: npt.ArrayLike, monetary_value: npt.ArrayLike, weights: npt.ArrayLike | None
) -> _SpendData:
    x, m = _spend_arrays(frequency, monetary_value)
    w = _weights_array(weights, x.shape[0])
    repeat = x > 0
    return _SpendData.build(x[repeat], m[repeat], w[repeat])


def gamma_gamma_log_likelihood(
    params: GammaGammaParams | Sequence[float],
    frequency: npt.ArrayLike,
    monetary_value: npt.ArrayLike,
    weights: npt.ArrayLike | None = None,
) -> float:
    """Total Gamma-Gamma log-likelihood (note 025, eq. 1a; see ``_spend_ll_and_grad``) of the
    customers with x > 0 at ``params`` (p, q, γ). CDNOW at the MLE: −4,055.92."""
    p, q, gamma = params.as_tuple() if isinstance(params, GammaGammaParams) else (float(v) for v in params)
    if min(p, q, gamma) <= 0:
        raise ValueError("Gamma-Gamma parameters p, q, gamma must be positive.")
    ll, _ = _spend_ll_and_grad((p, q, gamma), _spend_data(frequency, monetary_value, weights))
    return ll


def gamma_gamma_fit(
    frequency: npt.ArrayLike,
    monetary_value: npt.ArrayLike,
    *,
    weights: npt.ArrayLike | None = None,
) -> GammaGammaParams:
    """Maximum-likelihood Gamma-Gamma parameters (the estimates of
    ``lifetimes.GammaGammaFitter`` without penalizer or q constraint).

    Only customers with a repeat purchase (x > 0) carry information about spend; the others
    are left out (their ``monetary_value`` is ignored). ``monetary_value`` is the mean value
    of each customer's repeat purchases. Money is rescaled to a mean of 1 for the search (γ
    scales with it, p and q are unit-free); rows are aggregated into distinct (x, m̄) with
    summed weights, so the order of the rows does not matter. The model assumes the spend
    is independent of the purchase frequency (note 025: check that they are hardly correlated).
    """
    data = _spend_data(frequency, monetary_value, weights)
    if data.total_weight <= 0:
        raise ValueError("No customer has a repeat purchase: the Gamma-Gamma model cannot be fitted.")
    scale = data.total_weight / _dot(data.w, data.m)
    scaled = _SpendData.build(data.x, data.m * scale, data.w)

    def objective(theta: FloatArray) -> tuple[float, FloatArray]:
        params = np.exp(theta)
        ll, grad = _spend_ll_and_grad((params[0], params[1], params[2]), scaled)
        if not math.isfinite(ll):
            return math.inf, np.zeros(3)
        return -ll / scaled.total_weight, -(grad * params) / scaled.total_weight

    theta = _minimise(objective, np.full(3, _START))
    p, q, gamma_scaled = (float(v) for v in np.exp(theta))
    params = (p, q, gamma_scaled / scale)
    ll, _ = _spend_ll_and_grad(params, data)
    return GammaGammaParams(*params, log_likelihood=ll, n_customers=round(data.total_weight))


def gamma_gamma_expected_spend(
    params: GammaGammaParams | Sequence[float],
    frequency: npt.ArrayLike,
    monetary_value: npt.ArrayLike,
) -> FloatArray:
    """Conditional expected average spend per transaction (note 025, eq. 5)::

        E[M | p, q, γ, m̄, x] = (q−1)/(px+q−1) · pγ/(q−1) + px/(px+q−1) · m̄
                             = (pγ + p x m̄) / (px + q − 1)

    a weighted mean of the population mean pγ/(q−1) and the customer's own m̄; for x = 0 the
    population mean (``monetary_value`` is then ignored). Needs q > 1.
    """
    p, q, gamma = params.as_tuple() if isinstance(params, GammaGammaParams) else (float(v) for v in params)
    if min(p, gamma) <= 0 or q <= 1:
        raise ValueError("Expected spend needs p > 0, gamma > 0 and q > 1 (a finite population mean).")
    x, m = _spend_arrays(frequency, monetary_value)
    m = np.where(x > 0, m, 0.0)
    return (p * gamma + p * x * m) / (p * x + q - 1.0)


# --------------------------------------------------------------------------------------------
# Discounted CLV

# lifetimes' ``freq`` factors (utils._customer_lifetime_value): model time units per month.
PERIODS_PER_MONTH_WEEKS = 4.345
PERIODS_PER_MONTH_DAYS = 30.0


def discounted_clv(
    bgnbd: BgNbdParams | Sequence[float],
    gg: GammaGammaParams | Sequence[float],
    frequency: npt.ArrayLike,
    recency: npt.ArrayLike,
    T: npt.ArrayLike,
    monetary_value: npt.ArrayLike,
    *,
    horizon_months: int,
    monthly_discount_rate: float,
    periods_per_month: float,
) -> FloatArray:
    """Discounted customer lifetime value over ``horizon_months``, per customer — the
    definition of ``lifetimes.GammaGammaFitter.customer_lifetime_value``::

        CLV = Σ_{i=1..H} (E[Y(i·k)] − E[Y((i−1)·k)]) · E[M] / (1+d)^i

    with E[Y(t)] the BG/NBD conditional expected purchases (eq. 10), E[M] the Gamma-Gamma
    conditional expected spend, k = ``periods_per_month`` model time units per month (lifetimes:
    4.345 for weeks, 30 for days; ``PERIODS_PER_MONTH_*``) and d the monthly discount rate.
    On CDNOW (weeks, 12 months, 1%): sum $71,509.9, mean $30.339. In the currency of
    ``monetary_value``; the caller converts to ``Decimal`` for display.
    """
    if horizon_months < 0 or int(horizon_months) != horizon_months:
        raise ValueError("horizon_months must be a whole number ≥ 0.")
    if not (math.isfinite(monthly_discount_rate) and monthly_discount_rate > -1):
        raise ValueError("monthly_discount_rate must be a finite rate above −1 (0.01 is 1%).")
    if not (math.isfinite(periods_per_month) and periods_per_month > 0):
        raise ValueError("periods_per_month must be positive (4.345 for weeks, 30 for days).")
    p = _bgnbd_params(bgnbd)
    x, t_x, age = _customer_arrays(frequency, recency, T)
    spend = gamma_gamma_expected_spend(
        gg, x, np.broadcast_to(_float_array("monetary_value", monetary_value, finite=False), x.shape)
    )
    alive = np.where(x > 0, special.expit(-_log_dropout_odds(p, x, t_x, age)), 1.0)
    clv = np.zeros_like(x)
    previous = np.zeros_like(x)
    for month in range(1, int(horizon_months) + 1):
        cumulative = _expected_purchases_alive(p, month * periods_per_month, x, age) * alive
        clv += (cumulative - previous) * spend / (1.0 + monthly_discount_rate) ** month
        previous = cumulative
    return clv
