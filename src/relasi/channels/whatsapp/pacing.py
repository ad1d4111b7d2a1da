"""Outbound pacing for a WhatsApp number, on the Django cache (Redis in production: ``add``
and ``incr`` are atomic there, so several workers share one budget).

* **Throughput** (Meta: 80 messages/second per number by default, error 130429 above): time
  is cut into slots of ``1 / messages_per_second`` seconds and each slot carries at most one
  message. A send takes the current slot, or reserves the first free later slot and is told
  to come back when that slot starts.
* **Pair rate** (Meta: about one message every 6 s to the same customer, error 131056):
  ``recipient_spacing_seconds`` between two sends to one customer. The key holds the id of
  the message that took the turn, so a message that reserved its turn and comes back is let
  through.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from django.core.cache import cache

MAX_SLOTS_AHEAD = 600  # never look further than this many slots; come back later instead


@dataclass(frozen=True)
class PacingDecision:
    """``wait`` = 0: send now. Else try again in ``wait`` seconds (the slot is reserved)."""

    wait: float
    slot: int | None = None


def _slot_key(phone_number_id: str, slot: int) -> str:
    return f"wa:pace:{phone_number_id}:{slot}"


def throughput_reserve(
    *, phone_number_id: str, per_second: int, message_id: int, now: float | None = None
) -> PacingDecision:
    """Reserve a slot for ``message_id``: the current one when free, else the first free
    later one. A reservation already held by the message (``wa:pace-held:<id>``) is used
    when its slot comes, or later within the same calendar second; a message woken in a
    later second reserves again, because sending then would put more than ``per_second``
    messages in that second (Meta counts per second, and a second's slots are its own)."""
    now = time.time() if now is None else now
    per_second = max(1, per_second)
    width = 1.0 / per_second
    held_key = f"wa:pace-held:{phone_number_id}:{message_id}"
    held = cache.get(held_key)
    current = math.floor(now * per_second)
    if held is not None:
        slot = int(held)
        if slot > current:
            return PacingDecision(slot * width - now, slot)
        cache.delete(held_key)
        if slot // per_second == current // per_second:
            return PacingDecision(0.0, slot)
        # woken in a later second: reserve again
    for slot in range(current, current + MAX_SLOTS_AHEAD):
        key = _slot_key(phone_number_id, slot)
        ttl = int((slot - current) * width) + 5
        if cache.add(key, 1, timeout=ttl):
            if slot == current:
                return PacingDecision(0.0, slot)
            cache.set(held_key, slot, timeout=ttl)
            return PacingDecision(max(slot * width - now, 0.001), slot)
    return PacingDecision(MAX_SLOTS_AHEAD * width, None)


def recipient_turn(
    *, phone_number_id: str, recipient: str, spacing_seconds: int, message_id: int, now: float | None = None
) -> float:
    """Seconds to wait before ``message_id`` may go to ``recipient`` (0 = now)."""
    if spacing_seconds <= 0:
        return 0.0
    now = time.time() if now is None else now
    key = f"wa:pair:{phone_number_id}:{recipient}"
    if cache.add(key, (message_id, now), timeout=spacing_seconds):
        return 0.0
    value = cache.get(key)
    if value is None:
        return 0.001  # expired meanwhile: try again at once
    holder, taken_at = value
    if holder == message_id:
        return 0.0
    return max(spacing_seconds - (now - float(taken_at)), 0.001)
