"""The gateway's delivery reports, received on the platform's own host (``POST /sms/delivery-reports/``).

The gateway account has one callback address for every association. The caller proves it is our
gateway with the secret configured on both sides (``SILA_SMS_DLR_TOKEN``), sent as a bearer token
or as the password of HTTP Basic authentication (``https://dlr:<secret>@host/sms/delivery-reports/``
when the gateway's form takes only a URL); it is compared in constant time and never logged. Each
report goes to the association that sent its message (``SmsRoute``), never anywhere else.

Answers: 200 with what was recorded (also for message ids we do not know: the gateway must not
retry those forever), 400 for a body that is not a report, 401 without the right secret."""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import logging

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from casework.sms_reports import MalformedReport, delivery_report_apply, report_routes, reports_parse
from tenants.db import connection
from tenants.models import Association

logger = logging.getLogger("sila.sms")

MAX_BODY = 256 * 1024


def _presented_secret(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer":
        return value.strip()
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return ""
        return decoded.partition(":")[2]
    return ""


def _authorised(request: HttpRequest) -> bool:
    expected = str(getattr(settings, "SILA_SMS_DLR_TOKEN", "") or "")
    presented = _presented_secret(request)
    # Without a configured secret nothing is accepted (there is nothing to compare against).
    return bool(expected) and hmac.compare_digest(presented.encode(), expected.encode())


def _body(request: HttpRequest) -> object:
    if request.content_type == "application/x-www-form-urlencoded":
        return {key: request.POST.get(key) for key in request.POST}
    return json.loads(request.body.decode("utf-8"))


@csrf_exempt
@require_POST
def delivery_reports(request: HttpRequest) -> JsonResponse:
    if not _authorised(request):
        response = JsonResponse({"detail": "Not authorised."}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="sms-delivery-reports"'
        return response
    if len(request.body) > MAX_BODY:
        return JsonResponse({"detail": "The body is too large."}, status=413)
    try:
        reports = reports_parse(_body(request))
    except (ValueError, UnicodeDecodeError) as exc:  # MalformedReport, JSONDecodeError
        detail = str(exc) if isinstance(exc, MalformedReport) else "The body is not JSON."
        return JsonResponse({"detail": detail}, status=400)
    routes = report_routes(reports)
    associations = {
        a.schema_name: a for a in Association.objects.filter(schema_name__in=set(routes.values()))
    }
    recorded = unknown = 0
    try:
        for report in reports:
            association = associations.get(routes.get(report.provider_id, ""))
            if association is None:
                unknown += 1
                continue
            connection.set_tenant(association)
            recorded += int(delivery_report_apply(report=report))
    finally:
        connection.set_schema_to_public()
    if unknown:
        logger.info("SMS delivery reports: %d for messages not known here", unknown)
    return JsonResponse({"received": len(reports), "recorded": recorded, "unknown": unknown})
