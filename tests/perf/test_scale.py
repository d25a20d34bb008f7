"""The scale harness: N associations on one PostgreSQL (N = SILA_SCALE_N; skipped when unset).

    SILA_SCALE_N=500 make scale        # (= pytest tests/perf/test_scale.py with the perf fixtures)

One association, perf-seed, is provisioned the normal way and given a small realistic load: ten
staff with their roles, Rumaila's policy in force with its board, and the demo's sample requests
(one resting in each step, one served and rated, one rejected, one withdrawn, with their events,
audit rows and scheduled jobs). The N associations perf-scale-00001... are then provisioned by
cloning perf-seed's schema, rows included, in batches (tenants.services.associations_provision_batch,
the bulk path), after timing a few one-by-one provisionings for comparison.

At checkpoints (5, N/10, N/4, N/2, N) the harness measures, against the associations provisioned
so far:

- routing: GET /api/v1/meta through the settings' middleware, cycling through every host, against
  the same cycling through 5 hosts, interleaved rounds (ratio all/5; target >= 0.95);
- the route cache's memory once every host was seen (tracemalloc), and its size against its cap;
- a database connection's own memory after reading one table in every schema;
- migrate_fleet with nothing to apply, over every schema (median of 3; target <= 10 ms a schema);
- PostgreSQL's catalogue: relations, pg_class rows, catalogue size, database size;
- pg_dump of one association's schema and of the whole database (seconds, bytes; the whole
  database up to SILA_SCALE_DUMP_ALL_UP_TO=1000 associations and at N, not at the checkpoints
  between, where it would take most of a 5,000 run);
- the console's association list (tenants.selectors.associations_page): first page, a page deep
  in the list and a search, their time and query count (which must not grow with N).

At N it then runs one real AddField on a tenant model over every schema: a first run is stopped
half-way (as a crash would), every schema is checked to have either the column and its migration
record or neither, and a second run finishes the rest. Last, worker fairness: one association
defers 10,000 jobs, another then defers one reminder; one in-process worker drains the queue and
the reminder's wait is reported against the time to drain the flood.

Figures are printed and written to .sila/perf/scale_<N>.json; tests/perf/plots.py draws them.
Timings are recorded, never asserted.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.db import transaction
from django.db.migrations.loader import MigrationLoader
from django.test.utils import CaptureQueriesContext, override_settings
from procrastinate.contrib.django.models import ProcrastinateJob

from accounts.models import Role, User
from policy_engine.services import policy_seed_install
from sila.demo import ASSOCIATION_USERS, demo_email
from sila.demo_cases import seed_sample_cases
from tenants import routing, schemas
from tenants.clone import SchemaCloner
from tenants.db import connection
from tenants.fleet import fleet_schemas, migrate_fleet
from tenants.jobs import DEFAULT_FAIR_SHARE_STEP, defer_for_current_tenant, tenant_task
from tenants.models import Association
from tenants.selectors import associations_page
from tenants.services import NewAssociation, association_provision, associations_provision_batch
from tests.perf.test_routing_throughput import _environ, _request

pytestmark = pytest.mark.perf

N = int(os.environ.get("SILA_SCALE_N", "0") or 0)
SEED_SLUG = "perf-seed"
SEED_POLICY = "rumaila"
BATCH = 20
ONE_BY_ONE = 5
ROUTING_PATH = "/api/v1/meta"
ROUTING_REQUESTS = 200
ROUTING_ROUNDS = 14  # short interleaved rounds: the median ratio resists the shared machine's load swings
FLEET_RUNS = 3
FLOOD = int(os.environ.get("SILA_SCALE_FLOOD", "10000"))
DUMP_ALL_UP_TO = int(os.environ.get("SILA_SCALE_DUMP_ALL_UP_TO", "1000"))
FAIRNESS_QUEUE = "sila-scale-fairness"
FAIRNESS_RATE_JOBS = 300


def slug_for(index: int) -> str:
    return f"perf-scale-{index:05d}"


def checkpoints(n: int) -> list[int]:
    return sorted({c for c in (5, n // 10, n // 4, n // 2, n) if c >= 5})


# --- seeding ---------------------------------------------------------------------------------------


def seed_association() -> Association:
    result = association_provision(
        slug=SEED_SLUG,
        name_ar="جمعية البذرة",
        name_en="Seed Association",
        admin_email=f"admin@{SEED_SLUG}.test",
    )
    association = result.association
    with transaction.atomic():
        connection.set_tenant(association)
        for person in ASSOCIATION_USERS:
            email = demo_email(person.key, SEED_SLUG)
            user = User.objects.create_user(email, None, full_name=person.name_ar, is_staff=True)
            user.roles.add(*Role.objects.filter(code__in=person.roles))
        policy_seed_install(slug=SEED_POLICY)
        staff = {p.key: User.objects.get(email=demo_email(p.key, SEED_SLUG)) for p in ASSOCIATION_USERS}
        made = seed_sample_cases(staff, seed=7)
        assert made > 5
        connection.set_schema_to_public()
    return association


def seed_rows() -> dict[str, int]:
    """Rows per table in the seed schema (what each cloned association holds)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind = 'r' ORDER BY 1",
            [schema_of(SEED_SLUG)],
        )
        tables = [row[0] for row in cursor.fetchall()]
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{schema_of(SEED_SLUG)}"."{table}"')
            counts[table] = cursor.fetchone()[0]
    return {table: count for table, count in counts.items() if count}


def schema_of(slug: str) -> str:
    return slug.replace("-", "_")


# --- measurements ------------------------------------------------------------------------------------


def measure_routing(hosts: list[str]) -> dict[str, Any]:
    handler = WSGIHandler()
    few = hosts[:5]

    def batch(pool: list[str], count: int) -> float:
        environs = [_environ(host, ROUTING_PATH) for host in pool]
        started = time.perf_counter()
        for i in range(count):
            status, _ = _request(handler, environs[i % len(environs)])
            assert status == "200 OK", status
        return count / (time.perf_counter() - started)

    routing.clear()
    batch(hosts, len(hosts))  # every host seen once: all routes cached
    batch(few, 100)
    rates: dict[str, list[float]] = {"all": [], "five": []}
    for round_number in range(ROUTING_ROUNDS):
        order = ["all", "five"] if round_number % 2 == 0 else ["five", "all"]
        for name in order:
            gc.collect()
            rates[name].append(batch(hosts if name == "all" else few, ROUTING_REQUESTS))
    ratio = statistics.median([a / f for a, f in zip(rates["all"], rates["five"], strict=True)])
    return {
        "hosts": len(hosts),
        "requests_per_second_all_hosts": round(statistics.median(rates["all"]), 1),
        "requests_per_second_five_hosts": round(statistics.median(rates["five"]), 1),
        "ratio_all_to_five": round(ratio, 3),
        "cached_routes": len(routing.cached_hosts()),
    }


def measure_route_cache_memory(hosts: list[str]) -> dict[str, Any]:
    routing.clear()
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    for host in hosts:
        assert routing.resolve(host) is not None
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    cap = routing.cache_size()
    return {
        "routes": len(routing.cached_hosts()),
        "bytes": grown,
        "bytes_per_route": round(grown / max(1, len(hosts))),
        "cap_routes": cap,
        "bytes_at_cap": round(grown / max(1, len(hosts)) * cap),
    }


def measure_backend_memory(schema_names: list[str]) -> dict[str, Any]:
    """A connection's own memory after it read a table in every schema (PostgreSQL caches each
    relation it touched, per connection)."""
    connection.close()
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute("SELECT sum(total_bytes) FROM pg_backend_memory_contexts")
        before = int(cursor.fetchone()[0])
        for name in schema_names:
            cursor.execute(f'SELECT count(*) FROM "{name}".casework_supportcase')
        cursor.execute("SELECT sum(total_bytes) FROM pg_backend_memory_contexts")
        after = int(cursor.fetchone()[0])
        cursor.execute(
            "SELECT coalesce(sum(total_bytes), 0) FROM pg_backend_memory_contexts WHERE name = 'CacheMemoryContext'"
        )
        cache = int(cursor.fetchone()[0])
    connection.close()
    return {
        "schemas_read": len(schema_names),
        "backend_bytes_before": before,
        "backend_bytes_after": after,
        "cache_memory_context_bytes": cache,
    }


def measure_fleet_noop() -> dict[str, Any]:
    connection.set_schema_to_public()
    names = fleet_schemas()
    runs = []
    for _ in range(FLEET_RUNS):
        started = time.perf_counter()
        report = migrate_fleet(names)
        runs.append(time.perf_counter() - started)
        assert not report.failed and not report.migrated, (report.failed, report.migrated)
    median = statistics.median(runs)
    return {
        "schemas": len(names),
        "median_seconds": round(median, 3),
        "milliseconds_per_schema": round(1000 * median / len(names), 2),
    }


def measure_catalogue() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_namespace")
        namespaces = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM pg_class")
        relations = cursor.fetchone()[0]
        cursor.execute(
            "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'pg_catalog' AND c.relkind = 'r'"
        )
        catalogue = int(cursor.fetchone()[0])
        cursor.execute("SELECT pg_database_size(current_database())")
        database = int(cursor.fetchone()[0])
    return {
        "schemas": namespaces,
        "pg_class_rows": relations,
        "catalogue_bytes": catalogue,
        "database_bytes": database,
    }


def pg_binary(name: str) -> str:
    if settings.DATABASES["default"].get("EMBEDDED"):
        from pgserver._commands import POSTGRES_BIN_PATH

        return str(Path(POSTGRES_BIN_PATH) / name)
    found = shutil.which(name)
    assert found, f"{name} is not installed"
    return found


def _pg_dump(args: list[str]) -> tuple[float, int]:
    db = connection.settings_dict
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "dump"
        command = [pg_binary("pg_dump"), "-h", db["HOST"], "-U", db["USER"], "-Fc", "-f", str(out), *args]
        if db.get("PORT"):
            command += ["-p", str(db["PORT"])]
        env = {**os.environ, "PGPASSWORD": str(db.get("PASSWORD") or "")}
        started = time.perf_counter()
        subprocess.run([*command, db["NAME"]], check=True, env=env, capture_output=True)
        return time.perf_counter() - started, out.stat().st_size


def measure_pg_dump(one_schema: str, *, whole: bool = True) -> dict[str, Any]:
    one_seconds, one_bytes = _pg_dump(["-n", one_schema])
    figures: dict[str, Any] = {
        "one_association_seconds": round(one_seconds, 2),
        "one_association_bytes": one_bytes,
    }
    if not whole:
        return figures
    try:
        all_seconds, all_bytes = _pg_dump([])
    except subprocess.CalledProcessError as exc:  # e.g. the lock table is too small: a finding, not a crash
        figures["all_error"] = exc.stderr.decode(errors="replace").strip().splitlines()[-1:]
        return figures
    return {**figures, "all_seconds": round(all_seconds, 2), "all_bytes": all_bytes}


def measure_console(count: int) -> dict[str, Any]:
    def timed(**kwargs: Any) -> tuple[float, int, int]:
        best = float("inf")
        queries = 0
        rows = 0
        for _ in range(5):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                page = associations_page(**kwargs)
                hosts = [row.primary_domain for row in page.rows]
                best = min(best, time.perf_counter() - started)
            queries = len(captured.captured_queries)
            rows = len(hosts)
        return best, queries, rows

    def console_view(**kwargs: Any) -> tuple[float, int, int]:
        """The operators' console (issue 11): its selector, page-numbered, with its joins."""
        from console.selectors import associations_page as console_page

        best = float("inf")
        queries = rows = 0
        for _ in range(5):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                page = console_page(q=kwargs.get("q", ""), status="", plan="", page=kwargs.get("page", 1))
                shown = [(a.slug, [d.domain for d in a.domains.all()]) for a in page.object_list]
                best = min(best, time.perf_counter() - started)
            queries, rows = len(captured.captured_queries), len(shown)
        return best, queries, rows

    deep_after = slug_for(max(1, count - 10))
    console_first = console_view()
    console_deep = console_view(page=10_000)  # Django's paginator answers the last page
    console_search = console_view(q=f"{count // 2:05d}")
    first = timed()
    deep = timed(after=deep_after)
    search = timed(query=f"{count // 2:05d}")
    search_ar = timed(query="جمعية الحجم")
    return {
        "first_page_ms": round(1000 * first[0], 2),
        "first_page_queries": first[1],
        "first_page_rows": first[2],
        "deep_page_ms": round(1000 * deep[0], 2),
        "deep_page_queries": deep[1],
        "search_ms": round(1000 * search[0], 2),
        "search_queries": search[1],
        "search_rows": search[2],
        "arabic_search_ms": round(1000 * search_ar[0], 2),
        "arabic_search_rows": search_ar[2],
        "console_first_page_ms": round(1000 * console_first[0], 2),
        "console_first_page_queries": console_first[1],
        "console_last_page_ms": round(1000 * console_deep[0], 2),
        "console_last_page_queries": console_deep[1],
        "console_search_ms": round(1000 * console_search[0], 2),
        "console_search_queries": console_search[1],
        "console_search_rows": console_search[2],
    }


# --- the real AddField -----------------------------------------------------------------------------


class Crash(Exception):
    """Stands for the process dying half-way through the fleet."""


ADDFIELD_APP = "casework"
ADDFIELD_TABLE = "casework_beneficiary"
ADDFIELD_COLUMN = "scale_probe"


@contextlib.contextmanager
def addfield_migrations() -> Iterator[str]:
    """casework's migrations plus one AddField, as a package of their own (MIGRATION_MODULES)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    leaf = loader.graph.leaf_nodes(ADDFIELD_APP)[0][1]
    source = Path(sys.modules[ADDFIELD_APP].__file__ or "").parent / "migrations"
    with tempfile.TemporaryDirectory() as tmp:
        package = Path(tmp) / "sila_scale_migrations"
        target = package / ADDFIELD_APP
        target.mkdir(parents=True)
        (package / "__init__.py").write_text("")
        for file in source.glob("*.py"):
            shutil.copy(file, target / file.name)
        (target / "9000_scale_probe.py").write_text(
            "from django.db import migrations, models\n\n\n"
            "class Migration(migrations.Migration):\n"
            f"    dependencies = [({ADDFIELD_APP!r}, {leaf!r})]\n"
            "    operations = [migrations.AddField('beneficiary', 'scale_probe', "
            "models.CharField(max_length=20, null=True))]\n"
        )
        sys.path.insert(0, tmp)
        try:
            with override_settings(MIGRATION_MODULES={ADDFIELD_APP: f"sila_scale_migrations.{ADDFIELD_APP}"}):
                schemas._expected = None
                yield "9000_scale_probe"
        finally:
            sys.path.remove(tmp)
            for name in [m for m in sys.modules if m.startswith("sila_scale_migrations")]:
                del sys.modules[name]
            schemas._expected = None


def schema_state(names: list[str], migration: str) -> dict[str, tuple[bool, bool]]:
    """Per schema: (has the column, has the migration record)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema FROM information_schema.columns WHERE table_name = %s AND column_name = %s",
            [ADDFIELD_TABLE, ADDFIELD_COLUMN],
        )
        with_column = {row[0] for row in cursor.fetchall()}
        recorded = set()
        for name in names:
            cursor.execute(
                f'SELECT 1 FROM "{name}".django_migrations WHERE app = %s AND name = %s',
                [ADDFIELD_APP, migration],
            )
            if cursor.fetchone():
                recorded.add(name)
    return {name: (name in with_column, name in recorded) for name in names}


def run_addfield(migration: str) -> dict[str, Any]:
    connection.set_schema_to_public()
    names = fleet_schemas()
    assert all(schemas.pending_migrations(name) == {(ADDFIELD_APP, migration)} for name in names)
    # A few schemas through Django's migrate (replay off), for the ratio.
    sample, rest = names[-5:], names[:-5]
    started = time.perf_counter()
    report = migrate_fleet(sample, replay=False)
    migrate_seconds = time.perf_counter() - started
    assert report.migrated == sample and not report.replayed and not report.failed

    half = len(rest) // 2
    done: list[str] = []

    def crash_half_way(name: str, outcome: str) -> None:
        done.append(name)
        if len(done) == half:
            raise Crash

    started = time.perf_counter()
    with pytest.raises(Crash):
        migrate_fleet(rest, on_progress=crash_half_way)
    first = time.perf_counter() - started
    connection.set_schema_to_public()
    state = schema_state(names, migration)
    inconsistent = [name for name, (column, record) in state.items() if column != record]
    assert not inconsistent, inconsistent[:10]
    assert sum(1 for column, _ in state.values() if column) == half + len(sample)

    started = time.perf_counter()
    report = migrate_fleet(names)
    second = time.perf_counter() - started
    assert not report.failed, list(report.failed.items())[:3]
    assert len(report.up_to_date) == half + len(sample)
    assert report.migrated == report.replayed == rest[half:]
    state = schema_state(names, migration)
    assert all(column and record for column, record in state.values())
    replay_total = first + second
    per_schema = replay_total / len(rest)
    return {
        "schemas": len(names),
        "migration": f"{ADDFIELD_APP}.{migration}: AddField beneficiary.scale_probe (nullable)",
        "django_migrate_sample_schemas": len(sample),
        "django_migrate_milliseconds_per_schema": round(1000 * migrate_seconds / len(sample), 1),
        "replayed_schemas": len(rest),
        "crashed_after_schemas": half,
        "inconsistent_after_crash": len(inconsistent),
        "first_run_seconds": round(first, 2),
        "rerun_seconds": round(second, 2),
        "total_seconds": round(replay_total, 2),
        "milliseconds_per_schema": round(1000 * per_schema, 1),
        "ratio_django_migrate_to_replay": round(migrate_seconds / len(sample) / per_schema, 1),
        "estimated_seconds_for_5000": round(per_schema * 5000),
    }


# --- moving one association ------------------------------------------------------------------------


def run_move(slug: str) -> dict[str, Any]:
    """Export one association of the fleet and restore it over itself (the same path as a move)."""
    from tenants.transfer import association_export, association_import, schema_sums

    connection.set_schema_to_public()
    schema = schema_of(slug)
    before = schema_sums(schema)
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / f"{slug}.tar.gz"
        started = time.perf_counter()
        association_export(slug=slug, path=archive)
        exported = time.perf_counter() - started
        started = time.perf_counter()
        result = association_import(path=archive, replace=True)
        restored = time.perf_counter() - started
        size = archive.stat().st_size
    connection.set_schema_to_public()
    assert schema_sums(schema) == before
    return {
        "association": slug,
        "tables": result.tables,
        "rows": result.rows,
        "archive_bytes": size,
        "export_seconds": round(exported, 2),
        "restore_seconds": round(restored, 2),
    }


# --- worker fairness --------------------------------------------------------------------------------

_ran: dict[str, float] = {}
_ran_lock = threading.Lock()
_flood_done = [0]


@tenant_task(queue=FAIRNESS_QUEUE)
def scale_flood_job(*, n: int) -> None:
    with _ran_lock:
        _flood_done[0] += 1


@tenant_task(queue=FAIRNESS_QUEUE)
def scale_reminder_job(*, label: str) -> None:
    with _ran_lock:
        _ran[label] = time.perf_counter()
        _ran[f"{label}_position"] = _flood_done[0]


def run_fairness(flooder: Association, other: Association) -> dict[str, Any]:
    from procrastinate.contrib.django import app

    _ran.clear()
    _flood_done[0] = 0
    procrastinate_log = logging.getLogger("procrastinate")
    level = procrastinate_log.level
    procrastinate_log.setLevel(logging.WARNING)  # a line per job would cost more than the job
    # What fair share costs a defer (its count of the association's waiting jobs): the same
    # deferrals with it off, in a transaction rolled back.
    baseline = min(FLOOD, 2000)
    with override_settings(SILA_JOBS_FAIR_SHARE_STEP=0), contextlib.suppress(Crash), transaction.atomic():
        connection.set_tenant(flooder)
        started = time.perf_counter()
        for n in range(baseline):
            defer_for_current_tenant(scale_flood_job, n=n)
        plain_seconds = time.perf_counter() - started
        raise Crash  # roll back
    started = time.perf_counter()
    with transaction.atomic():
        connection.set_tenant(flooder)
        for n in range(FLOOD):
            defer_for_current_tenant(scale_flood_job, n=n)
    defer_seconds = time.perf_counter() - started
    with transaction.atomic():
        connection.set_tenant(other)
        defer_for_current_tenant(scale_reminder_job, label="reminder")
    connection.set_schema_to_public()

    # As `manage.py procrastinate worker` does: the worker reads the queue through a connector of
    # its own (psycopg, async); each job runs in a thread with Django's connection. It runs until
    # the reminder has run and a few hundred flood jobs more (to measure the rate it drains them);
    # the time to drain the whole flood is estimated from that rate.
    async def work() -> None:
        async with app.open_async():
            worker = asyncio.create_task(
                app.run_worker_async(
                    queues=[FAIRNESS_QUEUE],
                    wait=True,
                    concurrency=1,
                    install_signal_handlers=False,
                    listen_notify=False,
                    fetch_job_polling_interval=0.05,
                )
            )
            while not worker.done():
                position = _ran.get("reminder_position")
                if position is not None and _flood_done[0] >= min(FLOOD, position + FAIRNESS_RATE_JOBS):
                    break
                await asyncio.sleep(0.02)
            _ran["stopped"] = time.perf_counter()
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker

    worker_started = time.perf_counter()
    with app.replace_connector(app.connector.get_worker_connector()):  # type: ignore[attr-defined]
        asyncio.run(work())
    procrastinate_log.setLevel(level)
    # The worker's job threads kept their persistent connections: end them (this test database
    # only), or they would keep it from being dropped.
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    processed = _flood_done[0]
    left = ProcrastinateJob.objects.filter(queue_name=FAIRNESS_QUEUE, status="todo")
    assert left.count() == FLOOD - processed
    left.delete()
    assert "reminder" in _ran
    waited = _ran["reminder"] - worker_started
    rate = processed / (_ran["stopped"] - worker_started)
    drained = FLOOD / rate
    return {
        "flood_jobs": FLOOD,
        "fair_share_step": int(getattr(settings, "SILA_JOBS_FAIR_SHARE_STEP", DEFAULT_FAIR_SHARE_STEP)),
        "defer_seconds_for_flood": round(defer_seconds, 2),
        "defer_milliseconds_per_job": round(1000 * defer_seconds / FLOOD, 2),
        "defer_milliseconds_per_job_without_fair_share": round(1000 * plain_seconds / baseline, 2),
        "reminder_ran_after_flood_jobs": _ran["reminder_position"],
        "reminder_wait_seconds": round(waited, 2),
        "flood_jobs_run": processed,
        "jobs_per_second": round(rate, 1),
        "flood_drain_seconds_estimated": round(drained, 1),
        "ratio_wait_to_drain": round(waited / drained, 4),
        "note": "without fair share the reminder (priority 0, queued last) runs after every flood job: "
        "its wait would be the whole drain time, estimated from the measured rate",
    }


# --- the harness -----------------------------------------------------------------------------------


@pytest.mark.skipif(N < 5, reason="set SILA_SCALE_N (e.g. SILA_SCALE_N=500 make scale)")
def test_scale(
    committed_db: None,
    perf_record: Callable[[str, dict[str, Any]], Path],
) -> None:
    wall = time.perf_counter()
    print(f"\n[scale] N = {N}")
    seed = seed_association()
    rows = seed_rows()
    print(f"  seed association: {sum(rows.values())} rows in {len(rows)} tables")

    # One by one (the normal path, template clone, first admin) for comparison with the bulk path.
    one_by_one = []
    for index in range(ONE_BY_ONE):
        slug = f"perf-single-{index}"
        result = association_provision(slug=slug, name_ar=slug, name_en=slug, admin_email=f"a@{slug}.test")
        one_by_one.append(result.seconds)

    connection.set_schema_to_public()
    cloner = SchemaCloner(seed.schema_name)
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_locks_per_transaction")
        max_locks = cursor.fetchone()[0]
    figures: dict[str, Any] = {
        "n": N,
        "max_locks_per_transaction": max_locks,
        "seed_rows": rows,
        "provision_one_by_one_seconds": [round(v, 3) for v in one_by_one],
        "checkpoints": [],
    }
    provisioned = 0
    provision_seconds = 0.0
    for checkpoint in checkpoints(N):
        while provisioned < checkpoint:
            batch = [
                NewAssociation(
                    slug=slug_for(i),
                    name_ar=f"جمعية الحجم {i}",
                    name_en=f"Scale Association {i}",
                    region="مكة المكرمة",
                )
                for i in range(provisioned + 1, min(checkpoint, provisioned + BATCH) + 1)
            ]
            started = time.perf_counter()
            associations_provision_batch(associations=batch, source_schema=seed.schema_name, cloner=cloner)
            provision_seconds += time.perf_counter() - started
            provisioned += len(batch)
        connection.set_schema_to_public()
        hosts = [f"{slug_for(i)}.localhost" for i in range(1, provisioned + 1)]
        names = [schema_of(slug_for(i)) for i in range(1, provisioned + 1)]
        print(f"  {provisioned} associations ({provision_seconds:.1f} s provisioning so far)")
        point: dict[str, Any] = {
            "associations": provisioned,
            "provision_seconds_so_far": round(provision_seconds, 1),
            "provision_seconds_per_association": round(provision_seconds / provisioned, 3),
            "routing": measure_routing(hosts),
            "route_cache": measure_route_cache_memory(hosts),
            "backend_memory": measure_backend_memory(names),
            "migrate_fleet_noop": measure_fleet_noop(),
            "catalogue": measure_catalogue(),
            # The whole database's dump grows with N (17 minutes estimated at 5,000 on a loaded
            # machine): taken up to DUMP_ALL_UP_TO associations and at N, not in between.
            "pg_dump": measure_pg_dump(names[0], whole=provisioned <= DUMP_ALL_UP_TO or provisioned == N),
            "console": measure_console(provisioned),
        }
        figures["checkpoints"].append(point)
        r, f, c, d = point["routing"], point["migrate_fleet_noop"], point["console"], point["pg_dump"]
        print(
            f"    routing all/5 hosts {r['ratio_all_to_five']:.3f} ({r['requests_per_second_all_hosts']:.0f} req/s); "
            f"route cache {point['route_cache']['bytes_per_route']} B/route; "
            f"backend {point['backend_memory']['backend_bytes_after'] / 2**20:.1f} MiB; "
            f"fleet no-op {f['milliseconds_per_schema']} ms/schema; "
            f"pg_class {point['catalogue']['pg_class_rows']}, "
            f"catalogue {point['catalogue']['catalogue_bytes'] / 2**20:.0f} MiB; "
            f"pg_dump one {d['one_association_seconds']} s, all {d.get('all_seconds', d.get('all_error', '-'))} s; "
            f"console {c['first_page_ms']} ms/{c['first_page_queries']} q, deep {c['deep_page_ms']} ms, "
            f"search {c['search_ms']} ms; console view {c['console_first_page_ms']} ms/"
            f"{c['console_first_page_queries']} q, last page {c['console_last_page_ms']} ms"
        )
    first_console = figures["checkpoints"][0]["console"]
    for point in figures["checkpoints"]:
        # The console's query count does not grow with the number of associations.
        assert point["console"]["first_page_queries"] == first_console["first_page_queries"] == 1
        assert point["console"]["deep_page_queries"] == 1
        assert point["console"]["search_queries"] == 1
        assert point["console"]["search_rows"] >= 1
        # The console's own list (issue 11): a count, the page, its host names: three, whatever N.
        assert point["console"]["console_first_page_queries"] == first_console["console_first_page_queries"]
        assert point["console"]["console_last_page_queries"] == first_console["console_first_page_queries"]
        assert point["console"]["console_search_rows"] >= 1

    print("  AddField over the fleet (crash half-way, then resume) ...")
    with addfield_migrations() as migration:
        figures["addfield"] = run_addfield(migration)
    a = figures["addfield"]
    print(
        f"    {a['replayed_schemas']} schemas replayed: {a['total_seconds']} s "
        f"= {a['milliseconds_per_schema']} ms/schema "
        f"(Django migrate: {a['django_migrate_milliseconds_per_schema']} ms/schema) "
        f"(crash after {a['crashed_after_schemas']}, {a['inconsistent_after_crash']} inconsistent; "
        f"estimated {a['estimated_seconds_for_5000']} s for 5,000)"
    )

    print("  export one association and restore it over itself ...")
    figures["move"] = run_move(slug_for(3))
    m = figures["move"]
    print(
        f"    export {m['export_seconds']} s ({m['archive_bytes']} bytes), restore {m['restore_seconds']} s"
    )

    print(f"  worker fairness: {FLOOD} jobs from one association, one reminder from another ...")
    flooder = Association.objects.get(slug=slug_for(1))
    other = Association.objects.get(slug=slug_for(2))
    figures["fairness"] = run_fairness(flooder, other)
    w = figures["fairness"]
    print(
        f"    reminder waited {w['reminder_wait_seconds']} s (after {w['reminder_ran_after_flood_jobs']} flood jobs); "
        f"draining the flood would take {w['flood_drain_seconds_estimated']} s ({w['jobs_per_second']} jobs/s); "
        f"deferring cost {w['defer_milliseconds_per_job']} ms a job"
    )
    figures["wall_seconds"] = round(time.perf_counter() - wall, 1)
    print(f"  whole run: {figures['wall_seconds']} s")
    perf_record(f"scale_{N}", figures)
