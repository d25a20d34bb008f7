"""`GET /healthz` on any host, answered before routing so a load balancer needs no host name."""

from __future__ import annotations

from django.db import DatabaseError
from django.http import HttpRequest, JsonResponse
from django.utils import timezone

from tenants.db import connection


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
