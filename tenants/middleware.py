"""Routes each request to the platform's site or to one association's schema, by host name."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import set_urlconf
from django.utils.translation import gettext as _

from tenants import routing
from tenants.db import connection
from tenants.health import healthz
from tenants.models import AssociationStatus

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
WRITES_WHILE_SUSPENDED = frozenset({"/accounts/login/", "/accounts/logout/", "/i18n/setlang/"})


class TenantRoutingMiddleware:
    """Must come first: everything after it runs in the routed schema."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/healthz":
            return healthz(request)
        try:
            host = routing.normalise_host(request.get_host())
        except DisallowedHost:
            return self._unknown_host(request, request.META.get("HTTP_HOST", ""))

        # Route lookups read public tables, which every search_path includes: no schema switch needed.
        route = routing.resolve(host)
        if route is None:
            return self._unknown_host(request, host)

        association = route.association
        request.association = association  # type: ignore[attr-defined]
        if association is None:
            request.tenant = None  # type: ignore[attr-defined]
            if connection.schema_name != settings.PUBLIC_SCHEMA_NAME:
                connection.set_schema_to_public()
            request.urlconf = settings.PUBLIC_SCHEMA_URLCONF  # type: ignore[attr-defined]
            set_urlconf(settings.PUBLIC_SCHEMA_URLCONF)
            return self.get_response(request)

        if association.status == AssociationStatus.ARCHIVED:
            request.urlconf = settings.PUBLIC_SCHEMA_URLCONF  # type: ignore[attr-defined]
            return render(request, "themes/archived.html", {"host": host}, status=410)
        request.tenant = association  # type: ignore[attr-defined]
        # Re-selecting the schema the connection already uses would cost a `SET search_path`.
        if connection.schema_name != association.schema_name or connection.tenant is not association:
            connection.set_tenant(association)
        if association.status == AssociationStatus.SUSPENDED:
            # Staff can still read (and sign in and out); every other write is refused.
            request.association_suspended = True  # type: ignore[attr-defined]
            if request.method not in SAFE_METHODS and request.path not in WRITES_WHILE_SUSPENDED:
                return self._suspended(request)
        return self.get_response(request)

    @staticmethod
    def _suspended(request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            return JsonResponse(
                {
                    "code": "association_suspended",
                    "detail": str(_("This association's account is suspended: it can be read, not changed.")),
                },
                status=423,
            )
        return render(request, "themes/suspended.html", {"association": request.tenant}, status=423)  # type: ignore[attr-defined]

    @staticmethod
    def _unknown_host(request: HttpRequest, host: str) -> HttpResponse:
        request.urlconf = settings.PUBLIC_SCHEMA_URLCONF  # type: ignore[attr-defined]
        return render(
            request,
            "themes/unknown_host.html",
            {"host": host, "base_domain": settings.SILA_BASE_DOMAIN},
            status=404,
        )
