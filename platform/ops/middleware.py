"""Tag every Sentry event of a request with its side (platform or association) and slug."""

from __future__ import annotations

from collections.abc import Callable

import sentry_sdk
from django.http import HttpRequest, HttpResponse


class SentryScopeMiddleware:
    """After routing: the isolation scope of this request carries who it served, never who asked."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        association = getattr(request, "association", None)
        scope = sentry_sdk.get_isolation_scope()
        if association is None:
            scope.set_tag("side", "platform")
            scope.remove_tag("association")
        else:
            scope.set_tag("side", "association")
            scope.set_tag("association", association.slug)
        return self.get_response(request)
