"""Platform jobs: recovering the jobs of a worker that died mid-job, periodically (every worker
also checks when it starts: ``tenants.recovery``); keeping spare schemas ready for sign-ups."""

from __future__ import annotations

from django.conf import settings
from procrastinate import JobContext
from procrastinate.contrib.django import app

from tenants.recovery import stalled_jobs_requeue


@app.periodic(cron=settings.SILA_STALLED_JOBS_CRON, periodic_id="retry_stalled_jobs")
@app.task(queue="maintenance", queueing_lock="retry_stalled_jobs", pass_context=True)
async def retry_stalled_jobs(context: JobContext, timestamp: int) -> int:
    """Re-queue the jobs of dead workers (not this one); returns how many."""
    return await stalled_jobs_requeue(context.app.job_manager, skip_job_id=context.job.id)


@app.periodic(cron=getattr(settings, "SILA_SPARES_CRON", "*/5 * * * *"), periodic_id="spares_refill")
@app.task(queue="signups", name="tenants.spares_refill", queueing_lock="spares_refill")
def spares_refill_job(timestamp: int | None = None) -> None:
    """Keep ``SILA_SPARE_SCHEMAS`` fresh spare schemas ready for sign-ups (tenants.spares)."""
    from tenants.spares import spares_refill

    spares_refill()
