"""The grace-period job: every hour, suspend associations whose payment grace ended."""

from __future__ import annotations

from procrastinate.contrib.django import app


@app.periodic(cron="17 * * * *", periodic_id="billing_grace_enforce")
@app.task(queue="billing", name="billing.grace_enforce")
def grace_enforce(timestamp: int) -> None:
    from billing.services import grace_periods_enforce

    grace_periods_enforce()
