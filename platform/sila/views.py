from __future__ import annotations

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from tenants.models import Association, AssociationStatus


def healthz(request: HttpRequest) -> JsonResponse:
    """200 with JSON when the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return JsonResponse(
            {"status": "error", "database": "unreachable", "error": exc.__class__.__name__}, status=503
        )
    return JsonResponse({"status": "ok", "database": "ok", "time": timezone.now().isoformat()})


def platform_home(request: HttpRequest) -> HttpResponse:
    associations = Association.objects.filter(status=AssociationStatus.ACTIVE).prefetch_related("domains")
    return render(request, "themes/platform_home.html", {"associations": associations})


def association_home(request: HttpRequest) -> HttpResponse:
    return render(request, "themes/association_home.html", {"association": request.tenant})  # type: ignore[attr-defined]
