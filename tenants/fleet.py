"""Migrating every association's schema: progress, a summary, and no stop at one broken tenant."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.management import call_command
from django.db import transaction

from tenants import schemas
from tenants.db import connection
from tenants.models import Association


@dataclass
class FleetReport:
    migrated: list[str] = field(default_factory=list)
    up_to_date: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return len(self.migrated) + len(self.up_to_date) + len(self.failed)


def fleet_schemas(*, include_template: bool = True) -> list[str]:
    names = list(Association.objects.order_by("schema_name").values_list("schema_name", flat=True))
    if include_template:
        names.insert(0, schemas.template_schema())
    return names


def migrate_fleet(
    schema_names: list[str],
    *,
    on_progress: Callable[[str, str], None] | None = None,
) -> FleetReport:
    """Bring each schema up to date. A schema that fails is rolled back and reported; the rest go on."""
    report = FleetReport()
    started = time.perf_counter()
    for name in schema_names:
        outcome: str
        try:
            connection.set_schema_to_public()
            if not schemas.pending_migrations(name):
                report.up_to_date.append(name)
                outcome = "up to date"
            else:
                with transaction.atomic():  # a failure rolls back this schema only
                    call_command("migrate_schemas", schema_name=name, interactive=False, verbosity=0)
                report.migrated.append(name)
                outcome = "migrated"
        except Exception as exc:  # one broken tenant must not stop the fleet
            connection.set_schema_to_public()
            report.failed[name] = f"{exc.__class__.__name__}: {exc}"
            outcome = "FAILED"
        if on_progress:
            on_progress(name, outcome)
    connection.set_schema_to_public()
    report.seconds = time.perf_counter() - started
    return report
