"""Churn risk bands: low, medium, high, lost.

Repeat buyers are judged by the BG/NBD probability of still being active, P(alive): below
``lost_below`` → lost, below ``high_below`` → high, below ``medium_below`` → medium, else low.

A one-time buyer has P(alive) = 1 by the model's construction (it never saw them stop), so
they are judged by the days since their purchase instead: over ``once_lost_days`` → lost,
over ``once_high_days`` → high, over ``once_medium_days`` → medium, else low.
Customers without a purchase have no band ("").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

BANDS = ("low", "medium", "high", "lost")
AT_RISK_BANDS = ("high", "lost")


@dataclass(frozen=True)
class ChurnThresholds:
    lost_below: float = 0.15
    high_below: float = 0.5
    medium_below: float = 0.8
    once_medium_days: int = 90
    once_high_days: int = 180
    once_lost_days: int = 365


def churn_band_assign(
    *,
    orders: npt.ArrayLike,
    frequency: npt.ArrayLike,
    p_alive: npt.ArrayLike,
    days_since_last: npt.ArrayLike,
    thresholds: ChurnThresholds | None = None,
) -> npt.NDArray[np.str_]:
    t = thresholds or ChurnThresholds()
    n = np.asarray(orders, dtype=np.int64)
    x = np.asarray(frequency, dtype=np.int64)
    alive = np.asarray(p_alive, dtype=np.float64)
    since = np.asarray(days_since_last, dtype=np.int64)
    band = np.full(len(n), "", dtype="<U6")
    repeat = (n > 0) & (x > 0)
    once = (n > 0) & (x <= 0)
    band[repeat] = np.select(
        [alive[repeat] < t.lost_below, alive[repeat] < t.high_below, alive[repeat] < t.medium_below],
        ["lost", "high", "medium"],
        default="low",
    )
    band[once] = np.select(
        [since[once] > t.once_lost_days, since[once] > t.once_high_days, since[once] > t.once_medium_days],
        ["lost", "high", "medium"],
        default="low",
    )
    return band
