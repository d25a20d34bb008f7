"""Bad API tokens are throttled per client address: guessing tokens costs a 429 after a few tries.

Counted in the cache (per association, since cache keys carry the schema), in fixed windows of
``SILA_BAD_TOKEN_WINDOW_SECONDS``; a client over ``SILA_BAD_TOKEN_LIMIT`` failures in a window is
refused with 429 and ``Retry-After`` before its token is even looked up.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.exceptions import Throttled
from rest_framework.request import Request


def _limits() -> tuple[int, int]:
    return (
        int(getattr(settings, "SILA_BAD_TOKEN_LIMIT", 20)),
        int(getattr(settings, "SILA_BAD_TOKEN_WINDOW_SECONDS", 60)),
    )


def _key(request: Request) -> tuple[str, int]:
    _, window = _limits()
    bucket = int(time.time() // window)
    address = request.META.get("REMOTE_ADDR", "") or "unknown"
    return f"sila:bad-token:{address}:{bucket}", (bucket + 1) * window - int(time.time())


def bad_token_check(request: Request) -> None:
    """Raise Throttled (429) if this client has sent too many bad tokens lately."""
    limit, _ = _limits()
    key, retry_after = _key(request)
    if int(cache.get(key, 0)) >= limit:
        raise Throttled(wait=max(retry_after, 1))


def bad_token_record(request: Request) -> None:
    key, retry_after = _key(request)
    if cache.add(key, 1, timeout=retry_after + 1):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=retry_after + 1)
