"""Daily figures of an association's cases, kept by the case transition function.

A report over a year of a million cases cannot scan those cases within a page's time, so every
case event adds to a few counters of its day, and of its month, here (inside the same
transaction, by ``rollup.figures_from_event``). A report reads the whole months of its period
from the month rows and only the days at its ends from the day rows: a few thousand rows for a
year, however many cases it holds (docs/performance.md, "Reports"). The table can
always be rebuilt from the cases and their events (``rollup.figures_rebuild``), and a test checks
that the two ways agree.
"""

from __future__ import annotations

from django.db import models


class DailyFigure(models.Model):
    """One counter: ``n`` things of kind ``metric`` (with detail ``dim`` and ``bucket``) on ``day``
    (the association's local date; for ``grain`` "m", the month starting on ``day``) for cases
    that came through ``channel``; ``amount`` sums money. Durations are counted in whole days,
    rounded up (``bucket``): "decided within 3 days".

    Metrics (dim / bucket):
      opened ('' / 0) - requests opened that day;
      state (current step, or 'closed:<outcome>' / 0) - where the requests opened that day are now;
      reached (step / 0) - requests opened that day that have entered the step (the funnel);
      closed (outcome / 0) - requests closed that day;
      decided ('<body>:<outcome>' / 0), decision_days (body / days from review to decision),
      in_window (body / 0) - decisions made that day, and those made by the due date;
      referred (target / 0), referral_days (target / days to the answer);
      quorum_days ('' / days from entering review to the vote that made the quorum);
      vote (member id / 0); rating ('' / score); rating_employee (employee id / score);
      service (kind / 0, amount); served_new ('' / 0) - beneficiaries served for the first time;
      awaiting (deciding body / 0) - requests in committee review now, on the day they fall due
      ("overdue now" sums the days before today: rows, not cases).
    """

    grain = models.CharField(max_length=1, choices=[("d", "day"), ("m", "month")], default="d")
    day = models.DateField()
    channel = models.CharField(max_length=60)
    metric = models.CharField(max_length=30)
    dim = models.CharField(max_length=80, default="", blank=True)
    bucket = models.IntegerField(default=0)
    n = models.BigIntegerField(default=0)
    amount = models.DecimalField(max_digits=16, decimal_places=2, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "day", "channel", "metric", "dim", "bucket"],
                name="reports_daily_figure_once",
            )
        ]
        # Reports read a period (a range of days) for a few metrics: from this index alone (it
        # carries every column a report sums), so no table page is visited for settled days.
        indexes = [
            models.Index(
                fields=["grain", "day", "metric"],
                include=["channel", "dim", "bucket", "n", "amount"],
                name="reports_figure_covering",
            ),
            # "Overdue now": the days on which requests still awaiting a decision fall due.
            models.Index(
                fields=["day"],
                condition=models.Q(metric="awaiting", grain="d") & ~models.Q(n=0),
                name="reports_figure_awaiting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grain} {self.day} {self.channel} {self.metric}:{self.dim}:{self.bucket} = {self.n}"
