"""Background jobs run in the schema of the association that deferred them, and are enqueued in
the caller's transaction. Real PostgreSQL, real procrastinate worker (run in-process until the
queue is empty)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from asgiref.sync import async_to_sync
from django.db import transaction
from django.utils import timezone
from procrastinate.contrib.django import app
from procrastinate.contrib.django.django_connector import DjangoConnector
from procrastinate.contrib.django.models import ProcrastinateJob
from procrastinate.contrib.django.utils import connector_params

from accounts.models import User
from tenants import jobs as jobs_module
from tenants.db import connection
from tenants.jobs import (
    SCHEMA_KWARG,
    NoAssociationSelected,
    UnknownAssociation,
    defer_for_current_tenant,
    tenant_task,
)
from tenants.models import Association
from tests.conftest import admin_email

QUEUE = "sila-tests-jobs"

_lock = threading.Lock()
runs: list[dict[str, Any]] = []


@tenant_task(queue=QUEUE)
def record_where_it_runs(*, label: str) -> None:
    with _lock:
        runs.append(
            {
                "label": label,
                "schema": connection.schema_name,
                "association": getattr(connection.tenant, "slug", None),
                "sees_alpha_admin": User.objects.filter(email=admin_email("alpha")).exists(),
                "sees_beta_admin": User.objects.filter(email=admin_email("beta")).exists(),
            }
        )


@tenant_task(queue=QUEUE)
def fail_in_schema() -> None:
    raise RuntimeError(f"failed in {connection.schema_name}")


@app.task(queue=QUEUE)
def not_a_tenant_task() -> None:
    pass


@pytest.fixture(autouse=True)
def _fresh_runs(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    runs.clear()
    # The worker runs each job in a thread of its own, with that thread's own connection; make it
    # close at the end of the job (connections share settings_dict), or it would outlive the test.
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    yield
    runs.clear()


JSONB_OID = 3802


class InTransactionConnector(DjangoConnector):
    """procrastinate's Django connector, readable by a worker.

    Django's psycopg adapters return jsonb as text (its JSONField decodes it), so jobs fetched
    through the Django connection would carry their arguments as a string: decode them here.
    """

    def _dictfetch(self, cursor: Any) -> Iterator[dict[str, Any]]:
        columns = [(column.name, column.type_code == JSONB_OID) for column in cursor.description]
        for row in cursor.fetchall():
            yield {
                name: json.loads(value) if is_json and isinstance(value, str) else value
                for (name, is_json), value in zip(columns, row, strict=True)
            }


def run_queued_jobs() -> None:
    """Run a worker in this process until the queue is empty, inside the test's transaction.

    Through asgiref's async_to_sync, the worker's queries (Django connector, thread-sensitive) run
    in this thread, on the test's connection, so they see the jobs deferred in the test's
    uncommitted transaction. Each job itself runs in a worker thread, as in production.
    """

    async def work() -> None:
        await app.run_worker_async(
            queues=[QUEUE], wait=False, listen_notify=False, install_signal_handlers=False
        )

    with app.replace_connector(InTransactionConnector()):
        async_to_sync(work)()


def test_a_job_runs_in_the_schema_it_was_deferred_from(tenant_a: Association, tenant_b: Association) -> None:
    connection.set_tenant(tenant_a)
    job_a = defer_for_current_tenant(record_where_it_runs, label="deferred in A")
    connection.set_tenant(tenant_b)
    job_b = defer_for_current_tenant(record_where_it_runs, label="deferred in B")
    connection.set_schema_to_public()

    assert ProcrastinateJob.objects.get(id=job_a).args == {SCHEMA_KWARG: "alpha", "label": "deferred in A"}
    assert ProcrastinateJob.objects.get(id=job_b).args == {SCHEMA_KWARG: "beta", "label": "deferred in B"}

    run_queued_jobs()

    by_label = {run["label"]: run for run in runs}
    assert len(runs) == 2
    assert by_label["deferred in A"] == {
        "label": "deferred in A",
        "schema": "alpha",
        "association": "alpha",
        "sees_alpha_admin": True,
        "sees_beta_admin": False,
    }
    assert by_label["deferred in B"] == {
        "label": "deferred in B",
        "schema": "beta",
        "association": "beta",
        "sees_alpha_admin": False,
        "sees_beta_admin": True,
    }
    # Succeeded jobs are deleted (PROCRASTINATE_WORKER_DEFAULTS).
    assert not ProcrastinateJob.objects.filter(id__in=[job_a, job_b]).exists()


def test_a_rolled_back_transaction_enqueues_nothing(tenant_a: Association) -> None:
    connection.set_tenant(tenant_a)
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        job_id = defer_for_current_tenant(record_where_it_runs, label="rolled back")
        assert ProcrastinateJob.objects.filter(id=job_id).exists()
        1 / 0  # noqa: B018 - the caller's work fails after deferring

    assert not ProcrastinateJob.objects.filter(id=job_id).exists()
    run_queued_jobs()
    assert runs == []


def test_a_job_is_invisible_to_other_connections_until_the_caller_commits(tenant_a: Association) -> None:
    connection.set_tenant(tenant_a)
    job_id = defer_for_current_tenant(record_where_it_runs, label="not committed yet")
    assert ProcrastinateJob.objects.filter(id=job_id).exists()

    # A worker in another process reads the queue through its own connection.
    with psycopg.connect(**connector_params()) as other:
        count = other.execute("SELECT count(*) FROM public.procrastinate_jobs WHERE id = %s", [job_id])
        assert count.fetchone() == (0,)


def test_a_failed_job_is_kept_and_the_connection_goes_back_to_its_schema(
    tenant_a: Association, tenant_b: Association
) -> None:
    connection.set_tenant(tenant_a)
    job_id = defer_for_current_tenant(fail_in_schema)
    run_queued_jobs()
    assert ProcrastinateJob.objects.get(id=job_id).status == "failed"

    # Called directly (as the worker's thread does), the schema is restored even on failure.
    connection.set_tenant(tenant_b)
    with pytest.raises(RuntimeError, match="failed in alpha"):
        fail_in_schema(**{SCHEMA_KWARG: "alpha"})
    assert connection.schema_name == "beta"
    assert connection.tenant == tenant_b

    record_where_it_runs(**{SCHEMA_KWARG: "alpha"}, label="direct")
    assert runs[-1]["schema"] == "alpha"
    assert connection.schema_name == "beta"


def test_a_job_for_a_schema_without_association_fails_without_touching_it(tenant_b: Association) -> None:
    connection.set_tenant(tenant_b)
    with pytest.raises(UnknownAssociation):
        record_where_it_runs(**{SCHEMA_KWARG: "sila_template"}, label="no such association")
    with pytest.raises(NoAssociationSelected):
        record_where_it_runs(label="deferred with task.defer, not defer_for_current_tenant")
    assert runs == []
    assert connection.schema_name == "beta"


@pytest.mark.django_db
@pytest.mark.parametrize("schema", ["public", "sila_template"])
def test_tenant_jobs_cannot_be_deferred_outside_an_association(schema: str) -> None:
    connection.set_schema(schema)
    with pytest.raises(NoAssociationSelected):
        defer_for_current_tenant(record_where_it_runs, label="nowhere")
    assert not ProcrastinateJob.objects.filter(queue_name=QUEUE).exists()


def test_only_tenant_tasks_are_deferred_for_a_tenant_and_the_schema_is_not_the_callers(
    tenant_a: Association,
) -> None:
    connection.set_tenant(tenant_a)
    with pytest.raises(TypeError, match="not declared with @tenant_task"):
        defer_for_current_tenant(not_a_tenant_task)
    with pytest.raises(TypeError, match="set from the connection"):
        defer_for_current_tenant(record_where_it_runs, label="x", **{SCHEMA_KWARG: "beta"})


def test_configured_deferrers_keep_the_schema(tenant_a: Association) -> None:
    connection.set_tenant(tenant_a)
    job_id = defer_for_current_tenant(record_where_it_runs.configure(priority=5), label="configured")
    job = ProcrastinateJob.objects.get(id=job_id)
    assert (job.priority, job.args[SCHEMA_KWARG]) == (5, "alpha")


def test_tenant_task_rejects_what_it_cannot_run_in_a_schema() -> None:
    async def asynchronous() -> None:
        pass

    def takes_schema(*, schema_name: str) -> None:
        pass

    with pytest.raises(TypeError, match="synchronous"):
        tenant_task(asynchronous)
    with pytest.raises(TypeError, match="reserved"):
        tenant_task(takes_schema)


@pytest.mark.django_db
def test_the_queue_lives_in_the_public_schema_only() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema FROM information_schema.tables WHERE table_name = 'procrastinate_jobs'"
        )
        assert [row[0] for row in cursor.fetchall()] == ["public"]


def test_the_production_worker_runs_committed_jobs_in_their_schema(
    django_db_setup: None, django_db_blocker: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What `manage.py procrastinate worker` does: a psycopg connector of its own (LISTEN/NOTIFY,
    a pool), reading jobs that were committed by another connection."""
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    with django_db_blocker.unblock():
        alpha = Association.objects.get(slug="alpha")
        job_ids: list[int] = []
        try:
            with transaction.atomic():
                connection.set_tenant(alpha)
                job_ids.append(defer_for_current_tenant(record_where_it_runs, label="committed in A"))
            connection.set_schema_to_public()
            assert isinstance(app.connector, DjangoConnector)
            with app.replace_connector(app.connector.get_worker_connector()):
                app.run_worker(queues=[QUEUE], wait=False, install_signal_handlers=False)
            assert runs == [
                {
                    "label": "committed in A",
                    "schema": "alpha",
                    "association": "alpha",
                    "sees_alpha_admin": True,
                    "sees_beta_admin": False,
                }
            ]
        finally:
            connection.set_schema_to_public()
            with connection.cursor() as cursor:  # leave no committed job behind, whatever happened
                cursor.execute("DELETE FROM procrastinate_jobs WHERE id = ANY(%s)", [job_ids])
            connection.close()


def test_one_association_flooding_the_queue_does_not_hold_back_another(
    tenant_a: Association, tenant_b: Association, settings: Any
) -> None:
    settings.SILA_JOBS_FAIR_SHARE_STEP = 10
    connection.set_tenant(tenant_a)
    flood = [defer_for_current_tenant(record_where_it_runs, label=f"A{i}") for i in range(60)]
    connection.set_tenant(tenant_b)
    reminder = defer_for_current_tenant(record_where_it_runs, label="B reminder")
    connection.set_schema_to_public()

    priorities = dict(
        ProcrastinateJob.objects.filter(id__in=[*flood, reminder]).values_list("id", "priority")
    )
    # A's first ten jobs keep the asked priority; each further ten go one lower. B has nothing waiting.
    assert [priorities[job] for job in flood[::10]] == [0, -1, -2, -3, -4, -5]
    assert priorities[reminder] == 0

    run_queued_jobs()

    order = [run["label"] for run in runs]
    assert len(order) == 61
    # B's job runs after A's first ten (same priority, queued earlier), not after all sixty.
    assert order.index("B reminder") == 10
    # A's own jobs still run in the order they were queued.
    assert [label for label in order if label != "B reminder"] == [f"A{i}" for i in range(60)]


def _queue_rows_planned() -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'public.procrastinate_jobs'::regclass")
        return float(cursor.fetchone()[0])


def test_a_flood_refreshes_the_queues_statistics_once_committed(
    tenant_a: Association, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    # procrastinate's fetch plans with the queue's statistics: left from a nearly empty queue, it
    # read the whole queue for every waiting job (25 s a fetch behind 10,000 jobs, measured).
    monkeypatch.setattr(jobs_module, "ANALYZE_EVERY", 50)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE public.procrastinate_jobs")
    before = _queue_rows_planned()
    assert before < 50
    connection.set_tenant(tenant_a)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for i in range(120):
            defer_for_current_tenant(record_where_it_runs, label=f"flood {i}")
    connection.set_schema_to_public()
    # The 50th and the 100th waiting job each asked for an analyse after the commit.
    assert len(callbacks) == 2
    assert _queue_rows_planned() >= 100


def test_scheduled_jobs_not_yet_due_do_not_lower_the_priority(tenant_a: Association, settings: Any) -> None:
    settings.SILA_JOBS_FAIR_SHARE_STEP = 2
    connection.set_tenant(tenant_a)
    later = timezone.now() + dt.timedelta(days=2)
    for i in range(5):
        defer_for_current_tenant(record_where_it_runs.configure(schedule_at=later), label=f"later {i}")
    job = defer_for_current_tenant(record_where_it_runs.configure(priority=5), label="now")
    connection.set_schema_to_public()
    assert ProcrastinateJob.objects.get(id=job).priority == 5


# --- No job lost when a worker dies: the next worker to start runs the jobs the dead one held ---
# (tenants.recovery). A real worker on its own connector, jobs committed by another connection,
# no periodic tick relied upon.


@pytest.fixture
def committed(
    django_db_setup: None, django_db_blocker: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, list[int]]]:
    """Committed rows (the worker reads them on its own connections), deleted afterwards."""
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    made: dict[str, list[int]] = {"jobs": [], "workers": []}
    runs.clear()
    with django_db_blocker.unblock():
        try:
            yield made
        finally:
            connection.set_schema_to_public()
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM procrastinate_jobs WHERE id = ANY(%s)", [made["jobs"]])
                cursor.execute("DELETE FROM procrastinate_workers WHERE id = ANY(%s)", [made["workers"]])
            connection.close()
            runs.clear()


def _held_by_a_dead_worker(made: dict[str, list[int]], *, label: str, heartbeat_age_seconds: int) -> int:
    """A job deferred for alpha and taken by a worker that then died: its row with its last
    heartbeat, the job in `doing`."""
    alpha = Association.objects.get(slug="alpha")
    with transaction.atomic():
        connection.set_tenant(alpha)
        job = defer_for_current_tenant(record_where_it_runs, label=label)
        connection.set_schema_to_public()
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO procrastinate_workers (last_heartbeat) "
                "VALUES (NOW() - make_interval(secs => %s)) RETURNING id",
                [heartbeat_age_seconds],
            )
            worker = cursor.fetchone()[0]
            cursor.execute(
                "UPDATE procrastinate_jobs SET status = 'doing', worker_id = %s, attempts = 1 WHERE id = %s",
                [worker, job],
            )
    made["jobs"].append(job)
    made["workers"].append(worker)
    return job


def _status(job: int) -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT status FROM procrastinate_jobs WHERE id = %s", [job])
        row = cursor.fetchone()
    return None if row is None else str(row[0])


def test_a_worker_that_starts_runs_the_job_of_a_worker_long_dead(committed: dict[str, list[int]]) -> None:
    """No periodic tick is relied upon: a worker run until the queue is empty runs it."""
    job = _held_by_a_dead_worker(committed, label="held by a dead worker", heartbeat_age_seconds=600)
    assert isinstance(app.connector, DjangoConnector)
    with app.replace_connector(app.connector.get_worker_connector()):
        app.run_worker(queues=[QUEUE], wait=False, install_signal_handlers=False)
    assert [(run["label"], run["schema"]) for run in runs] == [("held by a dead worker", "alpha")]
    assert _status(job) is None  # succeeded, and deleted as successful jobs are


def test_a_worker_started_just_after_another_died_runs_its_job_once_the_heartbeat_is_stale(
    committed: dict[str, list[int]], settings: Any
) -> None:
    """The demo's supervisor restarts a killed worker at once: the dead worker's last heartbeat is
    still fresh when the new one starts, so the new one looks again once it would be stale."""
    settings.SILA_WORKER_STALLED_SECONDS = 2
    job = _held_by_a_dead_worker(committed, label="held by a worker killed just now", heartbeat_age_seconds=0)
    seen: dict[str, Any] = {}

    async def work() -> None:
        async with app.open_async():
            begun = time.monotonic()
            worker = asyncio.create_task(
                app.run_worker_async(
                    queues=[QUEUE], wait=True, install_signal_handlers=False, fetch_job_polling_interval=0.2
                )
            )
            await asyncio.sleep(1)
            seen["runs after 1 s"] = len(runs)
            while not runs and time.monotonic() - begun < 30:
                await asyncio.sleep(0.1)
            seen["seconds"] = time.monotonic() - begun
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker

    assert isinstance(app.connector, DjangoConnector)
    with app.replace_connector(app.connector.get_worker_connector()):
        asyncio.run(work())
    assert seen["runs after 1 s"] == 0  # its worker was not yet known dead
    assert [run["label"] for run in runs] == ["held by a worker killed just now"]
    assert seen["seconds"] < 30
    assert _status(job) is None
