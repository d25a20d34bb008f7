"""Benchmark fixtures: committed data, figures written to .sila/perf/<name>.json, and cleanup.

Benchmarks run with `make perf`. They never assert a timing, only that what they timed worked.
They run against their own test database (test_<name>_perf), so a `make pytest` running at the
same time on the same server is not disturbed, and they commit what they create (provisioning
runs DDL and must be measured as it runs in production, outside any test transaction), so every
association they make is named perf-… and dropped, schema and rows, when the test ends.

pytest-django creates test databases only for tests marked ``django_db`` (or using ``db``); the
benchmarks are not (they must commit), so this conftest sets up the perf database itself, with the
template schema and association ``alpha`` as tests/conftest.py does, and refuses to run against a
database whose name does not start with ``test_``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import django
import pytest
from django.conf import settings
from django.db import transaction

from tenants.db import connection
from tenants.models import Association, Domain
from tenants.services import association_provision, template_refresh

PERF_SLUG_PREFIX = "perf-"
PERF_SCHEMA_PREFIX = "perf_"


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """A test database of its own: test_<name>_perf."""
    for db in settings.DATABASES.values():
        test = db.setdefault("TEST", {})
        test["NAME"] = f"{test.get('NAME') or 'test_' + db['NAME']}_perf"


@pytest.fixture(scope="session")
def django_db_setup(
    request: pytest.FixtureRequest,
    django_test_environment: None,
    django_db_blocker: Any,
    django_db_modify_db_settings: None,
    django_db_keepdb: bool,
    django_db_createdb: bool,
) -> Iterator[None]:
    """The perf database: migrated, with the template schema and association alpha (alpha.localhost)."""
    from django.test.utils import setup_databases, teardown_databases

    keepdb = django_db_keepdb and not django_db_createdb
    verbosity = request.config.option.verbose
    with django_db_blocker.unblock():
        # django-stubs types `aliases` as a Mapping; Django takes any collection of aliases.
        aliases: Any = {"default"}
        config = setup_databases(verbosity=verbosity, interactive=False, keepdb=keepdb, aliases=aliases)
        template_refresh()
        association_provision(
            slug="alpha",
            name_ar="جمعية ألفا الخيرية",
            name_en="Alpha Charity",
            admin_email="admin@alpha.test",
            admin_password=None,
        )
        connection.set_schema_to_public()
    yield
    if not keepdb:
        with django_db_blocker.unblock():
            teardown_databases(config, verbosity=verbosity)


def drop_perf_associations() -> int:
    """Drop every perf-… association: its schema, its domains and its row. Returns how many schemas."""
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %s) ORDER BY 1", [PERF_SCHEMA_PREFIX]
        )
        names = [row[0] for row in cursor.fetchall()]
    # A few schemas per transaction: dropping hundreds at once can exhaust the lock table.
    for start in range(0, len(names), 10):
        with transaction.atomic(), connection.cursor() as cursor:
            for name in names[start : start + 10]:
                cursor.execute(f'DROP SCHEMA "{name}" CASCADE')
    Domain.objects.filter(tenant__slug__startswith=PERF_SLUG_PREFIX).delete()
    Association.objects.filter(slug__startswith=PERF_SLUG_PREFIX).delete()
    connection.set_schema_to_public()
    return len(names)


@pytest.fixture
def committed_db(
    django_db_setup: None, django_db_blocker: Any, django_db_keepdb: bool, django_db_createdb: bool
) -> Iterator[None]:
    """Database access outside any test transaction: what the test writes is committed. Every
    perf-… association is dropped before, and after when the database is kept (--reuse-db);
    otherwise the whole test database is dropped at the end, at once (dropping 5,000 schemas one
    by one took longer than the run)."""
    with django_db_blocker.unblock():
        database = str(connection.settings_dict["NAME"])
        assert database.startswith("test_"), f"benchmarks refuse to write to database {database!r}"
        drop_perf_associations()
        try:
            yield
        finally:
            if django_db_keepdb and not django_db_createdb:
                dropped = drop_perf_associations()
                if dropped:
                    print(f"\n[cleanup] dropped {dropped} perf schemas and their associations")


def _machine() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server_version = cursor.fetchone()[0]
    return {
        "cpus": os.cpu_count(),
        # The machine may be shared: a load above the CPU count means the figures are pessimistic.
        "load_average_1_5_15_min": [round(load, 2) for load in os.getloadavg()],
        "machine": platform.machine(),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": server_version,
        "database": "embedded (pgserver, unix socket)"
        if settings.DATABASES["default"].get("EMBEDDED")
        else "DATABASE_URL",
    }


PERF_DIR = Path(settings.BASE_DIR) / ".sila" / "perf"


@pytest.fixture
def perf_record() -> Callable[[str, dict[str, Any]], Path]:
    """Write a benchmark's figures to .sila/perf/<name>.json (with the date and the machine)."""

    def record(name: str, figures: dict[str, Any]) -> Path:
        PERF_DIR.mkdir(parents=True, exist_ok=True)
        path = PERF_DIR / f"{name}.json"
        document = {
            "benchmark": name,
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "machine": _machine(),
            **figures,
        }
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"[{name}] figures written to {path.relative_to(settings.BASE_DIR)}")
        return path

    return record
