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
