"""Routes each request to the platform's site or to one association's schema, by host name."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import set_urlconf

from tenants import routing
from tenants.db import connection
from tenants.health import healthz
from tenants.models import AssociationStatus


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
            return self._unknown_host(request, host)
        if association.status == AssociationStatus.SUSPENDED:
            return render(request, "themes/suspended.html", {"association": association}, status=503)
        request.tenant = association  # type: ignore[attr-defined]
        # Re-selecting the schema the connection already uses would cost a `SET search_path`.
        if connection.schema_name != association.schema_name or connection.tenant is not association:
            connection.set_tenant(association)
        return self.get_response(request)

    @staticmethod
    def _unknown_host(request: HttpRequest, host: str) -> HttpResponse:
        request.urlconf = settings.PUBLIC_SCHEMA_URLCONF  # type: ignore[attr-defined]
        return render(
            request,
            "themes/unknown_host.html",
            {"host": host, "base_domain": settings.SILA_BASE_DOMAIN},
            status=404,
        )
