"""Fleet migration with nothing to apply, over 200 associations.

200 associations are provisioned by cloning (timed too), then tenants.fleet.migrate_fleet runs
over every schema (the template, alpha and the 200) three times; the figure is the median run,
per schema. For comparison, django-tenants' own `migrate_schemas --tenant` runs over the same
associations, if a sample of it predicts it will finish within the budget; otherwise only the
sample is reported and the full run is skipped (and the figures say so).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from tenants import schemas
from tenants.db import connection
from tenants.fleet import fleet_schemas, migrate_fleet
from tenants.services import association_provision

pytestmark = pytest.mark.perf

COUNT = 200
FLEET_RUNS = 3
STOCK_SAMPLE = 10
STOCK_BUDGET_SECONDS = 180.0


def test_fleet_migration(committed_db: None, perf_record: Callable[[str, dict[str, Any]], Path]) -> None:
    print(f"\n[fleet] provisioning {COUNT} associations by cloning ...")
    provision_seconds: list[float] = []
    started = time.perf_counter()
    for index in range(COUNT):
        slug = f"perf-fleet-{index:03d}"
        begun = time.perf_counter()
        result = association_provision(
            slug=slug,
            name_ar=f"جمعية الأسطول {index}",
            name_en=f"Fleet Association {index}",
            admin_email=f"admin@{slug}.test",
            admin_password=None,
        )
        provision_seconds.append(time.perf_counter() - begun)
        assert result.created and result.method == "clone", (slug, result.method)
        if (index + 1) % 50 == 0:
            print(f"  {index + 1} provisioned, {time.perf_counter() - started:.1f} s")
    provision_total = time.perf_counter() - started

    connection.set_schema_to_public()
    names = fleet_schemas()
    assert names[0] == schemas.template_schema()
    assert len(names) >= COUNT + 2  # the template, alpha and the 200

    fleet_runs: list[float] = []
    for _ in range(FLEET_RUNS):
        begun = time.perf_counter()
        report = migrate_fleet(names)
        fleet_runs.append(time.perf_counter() - begun)
        assert not report.failed, report.failed
        assert not report.migrated
        assert report.up_to_date == names
    fleet_seconds = statistics.median(fleet_runs)

    # django-tenants' migrate_schemas --tenant runs over every association (not the template).
    tenants = names[1:]
    sample: list[float] = []
    for name in tenants[:STOCK_SAMPLE]:
        begun = time.perf_counter()
        call_command("migrate_schemas", schema_name=name, interactive=False, verbosity=0)
        sample.append(time.perf_counter() - begun)
    connection.set_schema_to_public()
    stock_estimate = statistics.median(sample) * len(tenants)
    stock: dict[str, Any] = {
        "sample_schemas": len(sample),
        "sample_median_seconds_per_schema": round(statistics.median(sample), 4),
        "estimated_seconds": round(stock_estimate, 1),
        "budget_seconds": STOCK_BUDGET_SECONDS,
    }
    if stock_estimate <= STOCK_BUDGET_SECONDS:
        begun = time.perf_counter()
        call_command("migrate_schemas", tenant=True, interactive=False, verbosity=0)
        stock_total = time.perf_counter() - begun
        connection.set_schema_to_public()
        stock |= {
            "ran": True,
            "schemas": len(tenants),
            "seconds": round(stock_total, 2),
            "seconds_per_schema": round(stock_total / len(tenants), 4),
        }
    else:
        stock |= {"ran": False, "reason": f"estimated {stock_estimate:.0f} s > {STOCK_BUDGET_SECONDS:.0f} s"}
    # Still nothing to apply anywhere.
    assert not any(schemas.pending_migrations(name) for name in names)

    figures = {
        "associations": COUNT,
        "provision_by_cloning": {
            "total_seconds": round(provision_total, 1),
            "median_seconds_per_association": round(statistics.median(provision_seconds), 3),
            "max_seconds": round(max(provision_seconds), 3),
        },
        "migrate_fleet": {
            "schemas": len(names),
            "runs_seconds": [round(v, 3) for v in fleet_runs],
            "median_seconds": round(fleet_seconds, 3),
            "milliseconds_per_schema": round(1000 * fleet_seconds / len(names), 2),
        },
        "django_tenants_migrate_schemas": stock,
    }
    print(
        f"  provisioning by cloning: {provision_total:.1f} s in all, "
        f"median {statistics.median(provision_seconds):.3f} s per association"
    )
    print(
        f"  migrate_fleet, nothing to apply: {fleet_seconds:.2f} s for {len(names)} schemas "
        f"= {1000 * fleet_seconds / len(names):.2f} ms per schema (median of {FLEET_RUNS} runs)"
    )
    if stock.get("ran"):
        print(
            f"  django-tenants migrate_schemas --tenant: {stock['seconds']:.1f} s for {len(tenants)} schemas "
            f"= {1000 * stock['seconds_per_schema']:.0f} ms per schema "
            f"({stock['seconds'] / fleet_seconds:.0f}x migrate_fleet)"
        )
    else:
        print(
            f"  django-tenants migrate_schemas: skipped ({stock['reason']}); sample of {len(sample)}: "
            f"{1000 * stock['sample_median_seconds_per_schema']:.0f} ms per schema"
        )
    perf_record("fleet_migration", figures)
