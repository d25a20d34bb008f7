"""The retention job: once a day, in every association, records whose retention has ended are
anonymised (a restricted record whose legal hold ran out, and any record whose requests all
closed longer ago than their class's period), access log rows older than their period are
deleted, and access requests' copies of a person's data (ZIPs) older than
``SILA_ACCESS_EXPORT_DAYS`` are deleted. Each run leaves a ``RetentionRun`` row and an audit row
saying what it did."""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from procrastinate.contrib.django import app

from audit.services import audit_record
from casework.models import Beneficiary, CaseStatus
from casework.privacy import erasure, retention
from casework.privacy.models import (
    AccessLogEntry,
    RecordHold,
    RetentionClass,
    RetentionRun,
    RightsRequest,
)
from tenants.jobs import run_in_schema
from tenants.models import Association


def _years_ago(years: int, now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(days=365 * years + years // 4)


def access_exports_expire(now: dt.datetime) -> int:
    """Delete the access exports prepared more than ``SILA_ACCESS_EXPORT_DAYS`` ago: the file (once
    the row says so is committed), the row's reference to it, with the time and an audit row."""
    cutoff = now - dt.timedelta(days=settings.SILA_ACCESS_EXPORT_DAYS)
    expired = 0
    for request in RightsRequest.objects.exclude(export="").filter(completed_at__lt=cutoff):
        with transaction.atomic():
            stored = request.export
            RightsRequest.objects.filter(pk=request.pk).update(export="", export_expired_at=now)
            audit_record(
                actor=None,
                action="privacy.access_export_expired",
                obj=request,
                changes={"export": {"old": stored.name, "new": ""}},
            )
            transaction.on_commit(partial(stored.storage.delete, stored.name))
        expired += 1
    return expired


def retention_apply(now: dt.datetime | None = None) -> RetentionRun:
    """Apply the association's retention periods now (in the current schema); what it did."""
    now = now or timezone.now()
    due: set[int] = set(
        RecordHold.objects.filter(erase_after__isnull=False, erase_after__lte=now).values_list(
            "beneficiary_id", flat=True
        )
    )
    # Records with requests, none open, whose last request closed before every period that could
    # keep it (the shorter class first; keep_until then checks each request's own class).
    shortest = min(
        retention.retention_years(RetentionClass.SERVED), retention.retention_years(RetentionClass.OTHER)
    )
    candidates = (
        Beneficiary.objects.filter(merged_into__isnull=True, anonymised_at__isnull=True)
        .annotate(last_closed=Max("cases__closed_at"))
        .filter(last_closed__lt=_years_ago(shortest, now))
        .exclude(cases__status=CaseStatus.OPEN)
        .exclude(Q(hold__isnull=False) & Q(hold__erase_after__isnull=True))  # restricted at the person's ask
    )
    for beneficiary in candidates:
        if retention.keep_until(beneficiary) is None:
            due.add(beneficiary.pk)
    anonymised = 0
    for person in Beneficiary.objects.filter(pk__in=due, anonymised_at__isnull=True):
        with transaction.atomic():
            erasure.beneficiary_anonymise(beneficiary=person)
            RecordHold.objects.filter(beneficiary=person, reason="erasure").delete()
        anonymised += 1
    cutoff = _years_ago(retention.retention_years(RetentionClass.ACCESS_LOG), now)
    deleted, _ = AccessLogEntry.objects.filter(at__lt=cutoff).delete()
    exports = access_exports_expire(now)
    with transaction.atomic():
        run = RetentionRun.objects.create(
            anonymised=anonymised, access_log_deleted=deleted, exports_expired=exports
        )
        audit_record(
            actor=None,
            action="privacy.retention_applied",
            obj=run,
            changes={
                "anonymised": {"old": None, "new": anonymised},
                "access_log_deleted": {"old": None, "new": deleted},
                "exports_expired": {"old": None, "new": exports},
            },
        )
    return run


def _apply_here() -> int:
    return retention_apply().anonymised


@app.periodic(cron="23 2 * * *", periodic_id="privacy_retention_apply")
@app.task(queue="maintenance", queueing_lock="privacy_retention_apply")
def privacy_retention_apply(timestamp: int) -> int:
    """Apply every association's retention periods, once a day; returns how many records were
    anonymised in all."""
    schemas = Association.objects.values_list("schema_name", flat=True)
    return sum(run_in_schema(schema, _apply_here) for schema in schemas)
