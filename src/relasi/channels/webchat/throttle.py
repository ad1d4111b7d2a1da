"""A fixed-window counter in the cache: how often one visitor or client address may do
something.

It keeps a bot from turning a public widget into a contact or message generator; a person
chatting never gets near the limits. The client address is only a cache key for an hour
(mobile carriers put many people behind one address, so the limit is generous); it is never
stored with the visitor."""

from __future__ import annotations

from django.core.cache import cache

VISITORS_PER_ADDRESS_HOUR = 30  # pre-chat forms per widget and client address per hour
MESSAGES_PER_VISITOR_MINUTE = 30


def throttle_hit(*, key: str, limit: int, seconds: int) -> bool:
    """Count one attempt under ``key``; ``True`` when it goes over ``limit`` in the window."""
    name = "webchat:throttle:" + key
    if cache.add(name, 1, timeout=seconds):
        return limit < 1
    try:
        count = cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.set(name, 1, timeout=seconds)
        count = 1
    return count > limit
