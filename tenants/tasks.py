"""Platform jobs: recovering the jobs of a worker that died mid-job.

A worker sends a heartbeat every ``SILA_WORKER_HEARTBEAT_SECONDS``. When one dies (killed, out of
memory, its machine gone), the jobs it was running stay in ``doing`` for ever: procrastinate does
not retry them by itself. This periodic job, deferred by every worker's periodic deferrer (so at
worker start and then on ``SILA_STALLED_JOBS_CRON``), puts back in the queue each job whose worker
has sent no heartbeat for ``SILA_WORKER_STALLED_SECONDS`` (or whose worker row is gone). The job
then runs again; its effect happens once because each message carries a unique event key
(``casework.notifications.send_once``).
"""

from __future__ import annotations

import logging

from django.conf import settings
from procrastinate import JobContext
from procrastinate.contrib.django import app

logger = logging.getLogger(__name__)


@app.periodic(cron=settings.SILA_STALLED_JOBS_CRON, periodic_id="retry_stalled_jobs")
@app.task(queue="maintenance", queueing_lock="retry_stalled_jobs", pass_context=True)
async def retry_stalled_jobs(context: JobContext, timestamp: int) -> int:
    """Re-queue the jobs of dead workers; returns how many."""
    manager = context.app.job_manager
    stalled = await manager.get_stalled_jobs(
        seconds_since_heartbeat=float(getattr(settings, "SILA_WORKER_STALLED_SECONDS", 30))
    )
    count = 0
    for job in stalled:
        if job.id == context.job.id:
            continue
        await manager.retry_job(job)
        count += 1
    if count:
        logger.warning("retried %d stalled job(s) of dead workers", count)
    return count


@app.periodic(cron=getattr(settings, "SILA_SPARES_CRON", "*/5 * * * *"), periodic_id="spares_refill")
@app.task(queue="signups", name="tenants.spares_refill", queueing_lock="spares_refill")
def spares_refill_job(timestamp: int | None = None) -> None:
    """Keep ``SILA_SPARE_SCHEMAS`` fresh spare schemas ready for sign-ups (tenants.spares)."""
    from tenants.spares import spares_refill

    spares_refill()
