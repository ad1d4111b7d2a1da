"""Lifecycle stage — reach, acquisition, conversion, retention, loyalty — from events.

The furthest stage whose event has happened (rules in this order, the first that holds):

* **loyalty** — repeat purchases, recency and frequency scores both 4 or 5 (high RFM) and a
  promoter answer (NPS 9–10) as the latest score;
* **retention** — bought on at least two different days (a repeat purchase);
* **conversion** — the first paid purchase;
* **acquisition** — engaged: a conversation or a quotation, no purchase yet;
* **reach** — known to the business (the first contact), nothing more yet.

A stage can go back: a loyal customer whose recency drops is in retention again, and the
transition is recorded like any other.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

STAGES = ("reach", "acquisition", "conversion", "retention", "loyalty")
PROMOTER_MIN = 9
HIGH_SCORE = 4


def lifecycle_stage_assign(
    *,
    purchase_days: npt.ArrayLike,
    engaged: npt.ArrayLike,
    r_score: npt.ArrayLike,
    f_score: npt.ArrayLike,
    latest_nps: npt.ArrayLike,
) -> npt.NDArray[np.str_]:
    """Each customer's stage. ``latest_nps`` is −1 when the customer never answered NPS."""
    days = np.asarray(purchase_days, dtype=np.int64)
    talked = np.asarray(engaged, dtype=bool)
    r = np.asarray(r_score, dtype=np.int64)
    f = np.asarray(f_score, dtype=np.int64)
    nps = np.asarray(latest_nps, dtype=np.int64)
    stage = np.full(len(days), "reach", dtype="<U11")
    stage[talked] = "acquisition"
    stage[days >= 1] = "conversion"
    stage[days >= 2] = "retention"
    stage[(days >= 2) & (r >= HIGH_SCORE) & (f >= HIGH_SCORE) & (nps >= PROMOTER_MIN)] = "loyalty"
    return stage
