"""A dead worker's jobs run again: checked when a worker starts, then periodically.

A worker that dies (killed, out of memory, its machine gone) leaves the jobs it was running in
``doing``; procrastinate does not retry them by itself. Every worker sends a heartbeat every
``SILA_WORKER_HEARTBEAT_SECONDS``; a job whose worker has sent none for
``SILA_WORKER_STALLED_SECONDS`` (or whose worker row was pruned) is put back in the queue:

- **when a worker starts** (``on_app_ready`` wraps the app's ``run_worker_async``, so
  ``manage.py procrastinate worker`` and every in-process worker do it): at once, for the jobs of
  workers already known dead, and once more ``SILA_WORKER_STALLED_SECONDS`` later, for the jobs of
  a worker that died just before this one started (the demo's supervisor, a container restart):
  its last heartbeat was still fresh at the first check and is stale at the second;
- **periodically**: the ``retry_stalled_jobs`` job (``tenants.tasks``, ``SILA_STALLED_JOBS_CRON``).

The job then runs again; its effect happens once because each message carries a unique event key
(``casework.notifications.send_once``).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from django.conf import settings
from procrastinate import App, exceptions, manager

logger = logging.getLogger(__name__)


def stalled_seconds() -> float:
    return float(getattr(settings, "SILA_WORKER_STALLED_SECONDS", 30))


async def stalled_jobs_requeue(job_manager: manager.JobManager, *, skip_job_id: int | None = None) -> int:
    """Put back in the queue every job of a dead worker; returns how many."""
    count = 0
    for job in await job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_seconds()):
        if job.id == skip_job_id:
            continue
        try:
            await job_manager.retry_job(job)
        except exceptions.ConnectorException:
            continue  # finished, or retried by another worker, since it was read
        count += 1
    if count:
        logger.warning("retried %d stalled job(s) of dead workers", count)
    return count


async def _requeue_later(app: App, delay: float) -> None:
    await asyncio.sleep(delay)
    try:
        await stalled_jobs_requeue(app.job_manager)
    except Exception:  # the periodic check will try again; the worker must keep working
        logger.exception("the check for a dead worker's jobs after start failed")


def on_app_ready(app: App) -> None:
    """``PROCRASTINATE_ON_APP_READY``: each worker of this app recovers dead workers' jobs first."""
    run_worker_async = app.run_worker_async

    async def run_worker_recovering_first(**kwargs: Any) -> None:
        await stalled_jobs_requeue(app.job_manager)
        later = asyncio.create_task(
            _requeue_later(app, stalled_seconds() + 1), name="stalled-jobs-after-start"
        )
        try:
            await run_worker_async(**kwargs)
        finally:
            later.cancel()

    app.run_worker_async = run_worker_recovering_first  # type: ignore[method-assign]
