"""Host name → association routing, cached in-process.

The stock django-tenants middleware looks the host up in the database on every request, which
costs ~40% of a small endpoint's throughput. Here a route is looked up once per process and kept
until a domain or association changes: this process learns of it at once (signals clear the
cache), other processes within ``SILA_ROUTING_RECHECK_SECONDS`` (they compare a shared counter).

The cache is bounded: it keeps the ``SILA_ROUTING_CACHE_SIZE`` most recently used hosts (least
recently used first out), so a process that has seen every host of a large fleet holds a known
amount of memory (about 2 KB a route; docs/performance.md, "Scale"). A host pushed out is looked up
again on its next request, one query.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from tenants.models import Association


@dataclass(frozen=True)
class Route:
    """Where a host leads: the platform's public site, or one association."""

    association: Association | None

    @property
    def is_platform(self) -> bool:
        return self.association is None


PLATFORM = Route(association=None)

_lock = threading.Lock()
_routes: OrderedDict[str, Route] = OrderedDict()
DEFAULT_CACHE_SIZE = 10_000
_epoch: int | None = None
_checked_at = 0.0


def normalise_host(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):  # IPv6 literal with port
        host = host.split("]", 1)[0] + "]"
    else:
        host = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    # The port goes first: "alpha.localhost.:8000" is the fully qualified "alpha.localhost".
    return host.rstrip(".").removeprefix("www.")


def platform_hosts() -> set[str]:
    base = str(settings.SILA_BASE_DOMAIN).lower()
    extra: list[str] = list(getattr(settings, "SILA_PLATFORM_HOSTS", []))
    return {base, *(h.lower() for h in extra)}


def cache_size() -> int:
    """How many routes a process keeps at most."""
    return max(1, int(getattr(settings, "SILA_ROUTING_CACHE_SIZE", DEFAULT_CACHE_SIZE)))


def cached_hosts() -> list[str]:
    """The hosts whose routes this process holds, least recently used first."""
    with _lock:
        return list(_routes)


def clear() -> None:
    """Forget every cached route in this process."""
    global _epoch
    with _lock:
        _routes.clear()
        _epoch = None


def _current_epoch() -> int:
    from tenants.models import RoutingEpoch

    value = RoutingEpoch.objects.filter(pk=1).values_list("value", flat=True).first()
    return int(value or 0)


def _refresh_if_stale() -> None:
    global _epoch, _checked_at
    now = time.monotonic()
    if now - _checked_at < float(getattr(settings, "SILA_ROUTING_RECHECK_SECONDS", 2.0)):
        return
    epoch = _current_epoch()
    with _lock:
        if _epoch != epoch:
            _routes.clear()
            _epoch = epoch
        _checked_at = now


def resolve(host: str) -> Route | None:
    """The route for a (normalised) host name, or None for an unknown host.

    Reads only public-schema tables, which every schema's search_path includes.
    """
    if host in platform_hosts():
        return PLATFORM
    _refresh_if_stale()
    with _lock:
        route = _routes.get(host)
        if route is not None:
            _routes.move_to_end(host)
            return route
    from tenants.models import Domain

    domain = Domain.objects.select_related("tenant").filter(domain=host).first()
    if domain is None:
        return None
    route = Route(association=domain.tenant)
    limit = cache_size()
    with _lock:
        _routes[host] = route
        _routes.move_to_end(host)
        while len(_routes) > limit:
            _routes.popitem(last=False)
    return route


def bump_epoch() -> None:
    """Tell every process that routes changed (and forget this process's routes now)."""
    from django.db.models import F

    from tenants.models import RoutingEpoch

    updated = RoutingEpoch.objects.filter(pk=1).update(value=F("value") + 1)
    if not updated:
        RoutingEpoch.objects.get_or_create(pk=1, defaults={"value": 1})
    clear()
