from __future__ import annotations

from procrastinate.contrib.django import app


@app.periodic(cron="*/10 * * * *", periodic_id="console_stats_refresh")
@app.task(queue="console", name="console.stats_refresh")
def stats_refresh_job(timestamp: int) -> None:
    from console.stats import stats_refresh_all

    stats_refresh_all()
