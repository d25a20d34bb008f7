"""Provisioning speed: a new association's schema cloned from the template vs. migrated from scratch.

K associations are provisioned each way, interleaved (the order alternating), through the real
entry point, tenants.services.association_provision(..., admin_password=None), each committed
as in production. One of each is provisioned first as a warm-up and not counted. The figures
are the median seconds per association for each method and their ratio.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django_tenants.utils import schema_exists

from tenants import schemas
from tenants.db import connection
from tenants.models import Domain
from tenants.services import association_provision

pytestmark = pytest.mark.perf

K = 7


def _provision(slug: str, *, clone: bool) -> float:
    started = time.perf_counter()
    result = association_provision(
        slug=slug,
        name_ar="جمعية قياس الأداء",
        name_en="Benchmark Association",
        admin_email=f"admin@{slug}.test",
        admin_password=None,
        clone=clone,
    )
    seconds = time.perf_counter() - started
    assert result.created and result.admin_created
    assert result.method == ("clone" if clone else "migrate"), (slug, result.method)
    return seconds


def test_provisioning_speed(committed_db: None, perf_record: Callable[[str, dict[str, Any]], Path]) -> None:
    assert schemas.template_is_fresh()  # otherwise "clone" would silently migrate
    _provision("perf-warm-clone", clone=True)
    _provision("perf-warm-migrate", clone=False)

    timings: dict[str, list[float]] = {"clone": [], "migrate": []}
    for index in range(K):
        order = ("clone", "migrate") if index % 2 == 0 else ("migrate", "clone")
        for method in order:
            slug = f"perf-{method}-{index}"
            timings[method].append(_provision(slug, clone=method == "clone"))

    # Each one is complete: its schema, its domain, and nothing left to migrate.
    connection.set_schema_to_public()
    for method in timings:
        for index in range(K):
            slug = f"perf-{method}-{index}"
            schema = slug.replace("-", "_")
            assert schema_exists(schema)
            assert Domain.objects.filter(domain=f"{slug}.localhost", tenant__slug=slug).exists()
            assert not schemas.pending_migrations(schema), schema

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relkind, count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'i') GROUP BY 1",
            [schemas.template_schema()],
        )
        template_size = {"tables" if kind == "r" else "indexes": count for kind, count in cursor.fetchall()}

    medians = {method: statistics.median(values) for method, values in timings.items()}
    ratio = medians["migrate"] / medians["clone"]
    figures = {
        "associations_per_method": K,
        "method": "association_provision(admin_password=None), interleaved, committed, median",
        "median_seconds": {method: round(value, 3) for method, value in medians.items()},
        "migrate_over_clone": round(ratio, 1),
        "template_schema": template_size,
        "seconds": {method: [round(v, 3) for v in values] for method, values in timings.items()},
    }
    print(
        f"\n[provisioning] {K} associations each way, interleaved (after one warm-up each); "
        f"the template has {template_size.get('tables', 0)} tables, {template_size.get('indexes', 0)} indexes"
    )
    for method, values in timings.items():
        print(f"  {method:8} median {medians[method]:.3f} s  (min {min(values):.3f}, max {max(values):.3f})")
    print(f"  cloning is {ratio:.1f}x faster than migrating")
    perf_record("provisioning_speed", figures)
