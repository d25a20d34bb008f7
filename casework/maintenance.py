"""Housekeeping jobs over every association (imported by casework.tasks so the worker finds them)."""

from __future__ import annotations

from procrastinate.contrib.django import app

from casework.api.idempotency import expired_keys_delete
from tenants.jobs import run_in_schema
from tenants.models import Association


@app.periodic(cron="17 * * * *", periodic_id="idempotency_keys_expire")
@app.task(queue="maintenance", queueing_lock="idempotency_keys_expire")
def idempotency_keys_expire(timestamp: int) -> int:
    """Delete expired Idempotency-Key answers in every association, once an hour; returns how many."""
    schemas = Association.objects.values_list("schema_name", flat=True)
    return sum(run_in_schema(schema, expired_keys_delete) for schema in schemas)


@app.periodic(cron="43 3 * * *", periodic_id="sms_routes_prune")
@app.task(queue="maintenance", queueing_lock="sms_routes_prune")
def sms_routes_prune(timestamp: int) -> int:
    """Forget, once a day, which association sent the messages of more than a week ago (their
    delivery reports have come by then); returns how many."""
    from casework.sms_reports import routes_prune

    return routes_prune()
