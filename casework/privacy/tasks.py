"""The retention job: once a day, in every association, records whose retention has ended are
anonymised (a restricted record whose legal hold ran out, and any record whose requests all
closed longer ago than their class's period), and access log rows older than their period are
deleted. Each run leaves a ``RetentionRun`` row and an audit row saying what it did."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from procrastinate.contrib.django import app

from audit.services import audit_record
from casework.models import Beneficiary, CaseStatus
from casework.privacy import erasure, retention
from casework.privacy.models import AccessLogEntry, RecordHold, RetentionClass, RetentionRun
from tenants.jobs import run_in_schema
from tenants.models import Association

ANONYMISED_NAME = erasure.ANONYMOUS_NAME


def _years_ago(years: int, now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(days=365 * years + years // 4)


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
        Beneficiary.objects.filter(merged_into__isnull=True)
        .exclude(full_name_ar=ANONYMISED_NAME)
        .annotate(last_closed=Max("cases__closed_at"))
        .filter(last_closed__lt=_years_ago(shortest, now))
        .exclude(cases__status=CaseStatus.OPEN)
        .exclude(Q(hold__isnull=False) & Q(hold__erase_after__isnull=True))  # restricted at the person's ask
    )
    for beneficiary in candidates:
        if retention.keep_until(beneficiary) is None:
            due.add(beneficiary.pk)
    anonymised = 0
    for person in Beneficiary.objects.filter(pk__in=due).exclude(full_name_ar=ANONYMISED_NAME):
        with transaction.atomic():
            erasure.beneficiary_anonymise(beneficiary=person)
            RecordHold.objects.filter(beneficiary=person, reason="erasure").delete()
        anonymised += 1
    cutoff = _years_ago(retention.retention_years(RetentionClass.ACCESS_LOG), now)
    deleted, _ = AccessLogEntry.objects.filter(at__lt=cutoff).delete()
    with transaction.atomic():
        run = RetentionRun.objects.create(anonymised=anonymised, access_log_deleted=deleted)
        audit_record(
            actor=None,
            action="privacy.retention_applied",
            obj=run,
            changes={
                "anonymised": {"old": None, "new": anonymised},
                "access_log_deleted": {"old": None, "new": deleted},
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
