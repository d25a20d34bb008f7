"""Requests awaiting a decision, counted by the day they fall due (DailyFigure metric "awaiting"):
the index "overdue now" reads, and the counters of the requests already in review; the period
index made covering (reports read it alone). SQL only, so that migrate_fleet replays it."""

from django.conf import settings
from django.db import migrations, models

AWAITING = [
    ("DELETE FROM reports_dailyfigure WHERE metric = 'awaiting'", None),
    (
        "INSERT INTO reports_dailyfigure (grain, day, channel, metric, dim, bucket, n, amount) "
        "SELECT 'd', (c.decision_due AT TIME ZONE %s)::date, c.channel, 'awaiting', c.deciding_body, 0, count(*), 0 "
        "FROM casework_supportcase c "
        "WHERE c.status = 'open' AND c.step = 'committee_review' AND c.decision_due IS NOT NULL "
        "GROUP BY 2, 3, 5",
        [settings.TIME_ZONE],
    ),
    (
        "INSERT INTO reports_dailyfigure (grain, day, channel, metric, dim, bucket, n, amount) "
        "SELECT 'm', date_trunc('month', day)::date, channel, metric, dim, bucket, sum(n), sum(amount) "
        "FROM reports_dailyfigure WHERE grain = 'd' AND metric = 'awaiting' GROUP BY 2, 3, 4, 5, 6",
        None,
    ),
]


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [
        # Reports read the counters from the index alone (docs/performance.md, "Reports").
        migrations.RemoveIndex(model_name="dailyfigure", name="reports_figure_grain_day"),
        migrations.AddIndex(
            model_name="dailyfigure",
            index=models.Index(
                fields=["grain", "day", "metric"],
                include=["channel", "dim", "bucket", "n", "amount"],
                name="reports_figure_covering",
            ),
        ),
        migrations.AddIndex(
            model_name="dailyfigure",
            index=models.Index(
                condition=models.Q(metric="awaiting", grain="d") & ~models.Q(n=0),
                fields=["day"],
                name="reports_figure_awaiting",
            ),
        ),
        migrations.RunSQL(AWAITING, migrations.RunSQL.noop),
    ]
