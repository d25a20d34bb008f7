"""What became of each text message: the gateway's answer when we send it, then its delivery report.

Sending (:func:`delivery_record`) keeps the gateway's answer on an ``SmsDelivery`` row in the
association's schema and, when the gateway took the message, a public ``SmsRoute`` from the
gateway's message id to that schema. The gateway later posts a delivery report to one
platform-wide address (``/sms/delivery-reports/``, :mod:`casework.sms_callback`); the route sends
it to the association that sent the message, where :func:`delivery_report_apply` records it.

A report carries the gateway's message id and a status word. The words differ between gateways
and SMSCs (``DELIVERED``, ``DELIVRD``, ``UNDELIV``, ``EXPIRED``...): they are read into three
outcomes (delivered, not delivered, still on its way), and a word we do not know changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from audit.services import audit_record
from casework.models import Notification, SmsDelivery, SmsStatus
from casework.sms import SENT, SendResult, mask_phone
from tenants.db import connection
from tenants.models import SmsRoute

#: How long a message's route is kept for its delivery report (they come within hours).
ROUTE_LIFETIME = dt.timedelta(days=7)

_DELIVERED = {"DELIVERED", "DELIVRD", "DELIVERED_TO_HANDSET", "SUCCESS", "DELIVERY_SUCCESS"}
_UNDELIVERED = {
    "UNDELIVERED",
    "UNDELIV",
    "UNDELIVERABLE",
    "FAILED",
    "REJECTED",
    "REJECTD",
    "EXPIRED",
    "DELETED",
    "BLOCKED",
}
_ON_ITS_WAY = {"SENT", "ACCEPTED", "ACCEPTD", "ENROUTE", "PENDING", "QUEUED", "SUBMITTED", "BUFFERED"}
_FINAL = {SmsStatus.DELIVERED.value, SmsStatus.UNDELIVERED.value}


def delivery_record(
    *, result: SendResult, purpose: str, phone: str, notification: Notification | None = None
) -> SmsDelivery:
    """Keep what the gateway answered; when it took the message, route its reports here."""
    delivery = SmsDelivery.objects.create(
        notification=notification,
        purpose=purpose,
        recipient_masked=mask_phone(phone),
        status=result.status,
        provider_id=result.provider_id[:100],
        error=result.error[:200],
        attempts=result.attempts,
    )
    if result.status == SENT and result.provider_id and getattr(connection, "schema_name", ""):
        SmsRoute.objects.update_or_create(
            provider_id=result.provider_id[:100], defaults={"schema_name": connection.schema_name}
        )
    return delivery


@dataclass(frozen=True)
class DeliveryReport:
    provider_id: str
    status: str  # an SmsStatus, or "" for a word we do not know
    words: str  # the gateway's own status and description, for the record
    at: dt.datetime | None


class MalformedReport(ValueError):
    """The body is not a delivery report (or a list of them)."""


def _text(item: Mapping[str, Any], *keys: str) -> str:
    for key in keys:
        value = item.get(key)
        if value not in (None, ""):
            return str(value).strip()
    return ""


def status_of(word: str) -> str:
    normalised = word.strip().upper().replace(" ", "_").replace("-", "_")
    if normalised in _DELIVERED:
        return SmsStatus.DELIVERED.value
    if normalised in _UNDELIVERED:
        return SmsStatus.UNDELIVERED.value
    if normalised in _ON_ITS_WAY:
        return SmsStatus.SENT.value
    return ""


def reports_parse(payload: Any) -> list[DeliveryReport]:
    """One report (an object) or several (a list of objects); each must name the message and say
    its status."""
    items = payload if isinstance(payload, list) else [payload]
    if not items or len(items) > 500:
        raise MalformedReport("expected one report or a list of up to 500")
    reports = []
    for item in items:
        if not isinstance(item, Mapping):
            raise MalformedReport("each report is an object")
        provider_id = _text(item, "messageId", "msgId", "message_id", "id")
        word = _text(item, "status", "dlrStatus", "state")
        if not provider_id or not word or len(provider_id) > 100:
            raise MalformedReport("each report needs messageId and status")
        description = _text(item, "statusDescription", "description", "error", "reason")
        when = _text(item, "deliveredAt", "doneDate", "timestamp", "date")
        at = parse_datetime(when) if when else None
        if at is not None and timezone.is_naive(at):
            at = timezone.make_aware(at, dt.UTC)
        reports.append(
            DeliveryReport(
                provider_id=provider_id,
                status=status_of(word),
                words=f"{word[:40]}: {description[:150]}" if description else word[:40],
                at=at,
            )
        )
    return reports


def report_routes(reports: list[DeliveryReport]) -> dict[str, str]:
    """Message id → the schema that sent it, for the ids we know (public schema)."""
    ids = {r.provider_id for r in reports}
    return dict(SmsRoute.objects.filter(provider_id__in=ids).values_list("provider_id", "schema_name"))


@transaction.atomic
def delivery_report_apply(*, report: DeliveryReport) -> bool:
    """Record one report on the current association's message; whether it changed anything.

    A final status (delivered, not delivered) is not undone by a later "on its way"; between the
    two final ones the latest report wins. The same report twice changes nothing the second time."""
    delivery = (
        SmsDelivery.objects.select_for_update().filter(provider_id=report.provider_id).order_by("-id").first()
    )
    if delivery is None or not report.status:
        return False
    if report.status == SmsStatus.SENT and delivery.status in _FINAL:
        return False
    now = timezone.now()
    old = delivery.status
    delivered_at = (report.at or now) if report.status == SmsStatus.DELIVERED else None
    if (old, delivery.report, delivery.delivered_at) == (report.status, report.words, delivered_at):
        return False
    delivery.status = report.status
    delivery.report = report.words[:200]
    delivery.delivered_at = delivered_at
    delivery.reported_at = now
    delivery.save(update_fields=["status", "report", "delivered_at", "reported_at", "updated_at"])
    audit_record(
        actor=None,
        action="sms.delivery_reported",
        obj=delivery,
        changes={"status": {"old": old, "new": delivery.status}},
    )
    return True


def routes_prune(*, now: dt.datetime | None = None) -> int:
    """Forget routes older than :data:`ROUTE_LIFETIME` (public schema); returns how many."""
    cutoff = (now or timezone.now()) - ROUTE_LIFETIME
    deleted, _ = SmsRoute.objects.filter(created_at__lt=cutoff).delete()
    return deleted
