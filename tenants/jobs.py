"""Background jobs that run in one association's schema (procrastinate; see docs/adr/0005).

Declare a job with ``@tenant_task`` and enqueue it with ``defer_for_current_tenant``::

    @tenant_task(queue="reminders")
    def reminder_send(*, case_id: int) -> None:
        ...  # runs with the connection set to the association it was deferred for

    defer_for_current_tenant(reminder_send, case_id=case.pk)

The schema is read from ``connection.schema_name`` when the job is deferred and stored with the
job's arguments (under ``SCHEMA_KWARG``); the worker switches to that schema around the call and
switches back afterwards, so the thread's connection is never left pointing at an association.
The job is written through Django's own connection, inside the caller's transaction: if that
transaction rolls back, nothing was enqueued.

Run the jobs with ``python manage.py procrastinate worker``.

Fair share between associations: a job's priority is lowered by one for every
``SILA_JOBS_FAIR_SHARE_STEP`` jobs its association already has waiting and due. Workers take the
highest priority first (then the oldest), so an association that enqueues 10,000 jobs at once
still has its first ones run first, but another association's reminder waits behind at most one
step of them, not all 10,000 (docs/performance.md, "Scale": worker fairness).
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from typing import Any, TypeVar, overload

from django.conf import settings
from django.db import DatabaseError, close_old_connections, transaction
from procrastinate import jobs, tasks
from procrastinate.contrib.django import app

from tenants.db import connection
from tenants.models import Association

logger = logging.getLogger(__name__)

R = TypeVar("R")

#: The job argument that carries the association's schema name.
SCHEMA_KWARG = "schema_name"

TenantTask = tasks.Task[..., R, ...]

_tenant_task_names: set[str] = set()


class NoAssociationSelected(RuntimeError):
    """A tenant job was deferred while the connection pointed at no association."""


class UnknownAssociation(LookupError):
    """A job names a schema that belongs to no association (deleted since it was deferred?)."""


def run_in_schema(schema_name: str, func: Callable[..., R], /, **kwargs: Any) -> R:
    """Call ``func(**kwargs)`` with the connection set to the association owning ``schema_name``,
    and restore the connection's previous tenant afterwards, whatever happens."""
    # Like a request: a worker thread's connection may have gone stale between two jobs. Inside
    # an atomic block (a job called directly, e.g. in a test) the connection must be left alone.
    if not connection.in_atomic_block:
        close_old_connections()
    association = Association.objects.filter(schema_name=schema_name).first()
    if association is None:
        raise UnknownAssociation(f"no association has the schema {schema_name!r}")
    previous = connection.tenant
    connection.set_tenant(association)
    try:
        return func(**kwargs)
    finally:
        if previous is None:
            connection.set_schema_to_public()
        else:
            connection.set_tenant(previous)
        if not connection.in_atomic_block:
            close_old_connections()


@overload
def tenant_task(func: Callable[..., R], /) -> TenantTask[R]: ...


@overload
def tenant_task(func: None = None, /, **options: Any) -> Callable[[Callable[..., R]], TenantTask[R]]: ...


def tenant_task(
    func: Callable[..., R] | None = None, /, **options: Any
) -> TenantTask[R] | Callable[[Callable[..., R]], TenantTask[R]]:
    """Declare a procrastinate task that runs in the schema of the association it was deferred for.

    ``options`` are procrastinate's (``queue``, ``retry``, ``lock``, ``priority``, ...), except
    ``pass_context``. The function takes keyword arguments (JSON values); it must not have a
    parameter named ``schema_name``: that job argument belongs to this wrapper.
    """
    if "pass_context" in options:
        raise TypeError("tenant tasks do not support pass_context")

    def decorate(function: Callable[..., R]) -> TenantTask[R]:
        if inspect.iscoroutinefunction(function):
            raise TypeError(f"{function.__qualname__}: tenant tasks must be synchronous functions")
        if SCHEMA_KWARG in inspect.signature(function).parameters:
            raise TypeError(f"{function.__qualname__}: the {SCHEMA_KWARG!r} argument is reserved")

        @functools.wraps(function)
        def in_schema(**kwargs: Any) -> R:
            schema_name = kwargs.pop(SCHEMA_KWARG, None)
            if not schema_name:
                raise NoAssociationSelected(
                    f"job {function.__qualname__} carries no schema: defer it with defer_for_current_tenant"
                )
            return run_in_schema(str(schema_name), function, **kwargs)

        task: TenantTask[R] = app.task(**options)(in_schema)
        _tenant_task_names.add(task.name)
        return task

    return decorate if func is None else decorate(func)


def is_tenant_task(task: tasks.Task[..., Any, ...] | jobs.JobDeferrer) -> bool:
    name = task.job.task_name if isinstance(task, jobs.JobDeferrer) else task.name
    return name in _tenant_task_names


#: Jobs an association may have waiting before its next ones go one priority lower. Another
#: association's job waits behind at most this many of a flooding association's jobs (20 jobs is
#: 2 s at the 10 jobs/s one worker ran on the loaded test machine: docs/performance.md).
DEFAULT_FAIR_SHARE_STEP = 20

#: Waiting jobs counted at most per association when choosing a priority (bounds the count's cost).
FAIR_SHARE_COUNT_LIMIT = 100_000


def fair_share_penalty(schema_name: str) -> int:
    """How far below its asked priority an association's next job goes: one for every
    ``SILA_JOBS_FAIR_SHARE_STEP`` jobs of that association waiting and due (an index on the
    waiting jobs' schema keeps this count cheap: tenants migration 0002)."""
    step = int(getattr(settings, "SILA_JOBS_FAIR_SHARE_STEP", DEFAULT_FAIR_SHARE_STEP))
    if step <= 0:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM (SELECT 1 FROM public.procrastinate_jobs WHERE status = 'todo' "
            "AND (args->>%s) = %s AND (scheduled_at IS NULL OR scheduled_at <= now()) LIMIT %s) AS waiting",
            [SCHEMA_KWARG, schema_name, FAIR_SHARE_COUNT_LIMIT],
        )
        waiting = int(cursor.fetchone()[0])
    if waiting and waiting % ANALYZE_EVERY == 0:
        transaction.on_commit(_queue_analyze)
    return waiting // step


#: A flood refreshes the queue's statistics every this many waiting jobs of one association.
ANALYZE_EVERY = 1000


def _queue_analyze() -> None:
    """ANALYZE the queue after a flood's commit. procrastinate's job fetch plans with the queue's
    statistics; taken while the queue was nearly empty, they make it an anti-join that reads the
    whole queue for every waiting job: 2.5-25 s a fetch behind 10,000 jobs, for the minute until
    autovacuum's own analyse (measured at 5,000 associations: docs/performance.md)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE public.procrastinate_jobs")
    except DatabaseError:  # e.g. not the table's owner: autovacuum will analyse it later
        logger.warning("could not analyse the job queue after a flood", exc_info=True)


def defer_for_current_tenant(task: tasks.Task[..., Any, ...] | jobs.JobDeferrer, **kwargs: Any) -> int:
    """Enqueue ``task`` for the association the connection is set to; returns the job's id.

    ``task`` may be a tenant task or ``task.configure(...)`` (to choose a schedule, lock, queue,
    priority). Its priority is lowered by the association's fair-share penalty (see above). The
    job is written in the caller's transaction: a rollback enqueues nothing.
    """
    if not is_tenant_task(task):
        raise TypeError(f"{task!r} was not declared with @tenant_task")
    if SCHEMA_KWARG in kwargs:
        raise TypeError(f"the {SCHEMA_KWARG!r} argument is set from the connection, not by the caller")
    schema_name = connection.schema_name
    if not schema_name or schema_name in {settings.PUBLIC_SCHEMA_NAME, settings.SILA_TEMPLATE_SCHEMA}:
        raise NoAssociationSelected(
            f"cannot defer a tenant job while the connection is on the {schema_name!r} schema"
        )
    deferrer = task if isinstance(task, jobs.JobDeferrer) else task.configure()
    penalty = fair_share_penalty(schema_name)
    if penalty:
        deferrer.job = deferrer.job.evolve(priority=deferrer.job.priority - penalty)
    return deferrer.defer(**{SCHEMA_KWARG: schema_name}, **kwargs)
