"""The five customer types of the Indonesian SME literature, by explainable rules.

Loyal (*pelanggan setia*), discount (*pelanggan diskon*), impulse (*pelanggan impulsif*),
need-based (*pelanggan karena kebutuhan*) and wandering (*pelanggan yang suka berkeliling*):
a customer gets the first type whose rule holds, in the order below, and the screen shows the
rule with the customer's own numbers. A customer no rule fits (too little history) has none.

The rules, with the default thresholds (``TypeThresholds``):

1. **discount** — at least 2 purchases and at least half of them carried a discount
   (a line discount or a discounted price). Buys when there is a deal.
2. **loyal** — at least 3 purchases, and both the recency and the frequency score are 3 or
   better: buys again and again, and recently.
3. **need-based** — at least 2 purchases and at least 80% of them in one product category:
   comes back for the same thing when it is needed.
4. **impulse** — bought within 1 day of first contacting the business, with at most one
   conversation before: decided on the spot.
5. **wandering** — at least 2 conversations and no purchase, or at least 3 conversations per
   purchase: asks and compares, rarely buys.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

TYPE_ORDER = ("discount", "loyal", "need_based", "impulse", "wandering")


@dataclass(frozen=True)
class TypeThresholds:
    discount_min_orders: int = 2
    discount_min_share: float = 0.5
    loyal_min_orders: int = 3
    loyal_min_score: int = 3
    need_min_orders: int = 2
    need_min_category_share: float = 0.8
    impulse_max_days: int = 1
    impulse_max_conversations: int = 1
    wandering_min_conversations: int = 2
    wandering_conversations_per_order: float = 3.0


def customer_type_assign(
    *,
    orders: npt.ArrayLike,
    discounted_orders: npt.ArrayLike,
    top_category_share: npt.ArrayLike,
    days_to_first_purchase: npt.ArrayLike,
    conversations: npt.ArrayLike,
    r_score: npt.ArrayLike,
    f_score: npt.ArrayLike,
    thresholds: TypeThresholds | None = None,
) -> npt.NDArray[np.str_]:
    """Each customer's type key ("" when no rule holds). ``days_to_first_purchase`` is the
    days from the first contact with the business to the first purchase (negative or NaN when
    unknown: then the impulse rule does not apply)."""
    t = thresholds or TypeThresholds()
    n = np.asarray(orders, dtype=np.int64)
    discounted = np.asarray(discounted_orders, dtype=np.int64)
    category_share = np.asarray(top_category_share, dtype=np.float64)
    lead_days = np.asarray(days_to_first_purchase, dtype=np.float64)
    talks = np.asarray(conversations, dtype=np.int64)
    r = np.asarray(r_score, dtype=np.int64)
    f = np.asarray(f_score, dtype=np.int64)
    share = np.divide(discounted, n, out=np.zeros(len(n), dtype=np.float64), where=n > 0)
    rules = {
        "discount": (n >= t.discount_min_orders) & (share >= t.discount_min_share),
        "loyal": (n >= t.loyal_min_orders) & (r >= t.loyal_min_score) & (f >= t.loyal_min_score),
        "need_based": (n >= t.need_min_orders) & (category_share >= t.need_min_category_share),
        "impulse": (n >= 1)
        & (lead_days >= 0)
        & (lead_days <= t.impulse_max_days)
        & (talks <= t.impulse_max_conversations),
        "wandering": ((n == 0) & (talks >= t.wandering_min_conversations))
        | ((n > 0) & (talks >= t.wandering_conversations_per_order * n)),
    }
    result = np.full(len(n), "", dtype="<U10")
    open_ = np.ones(len(n), dtype=bool)
    for key in TYPE_ORDER:
        hit = open_ & rules[key]
        result[hit] = key
        open_ &= ~hit
    return result
