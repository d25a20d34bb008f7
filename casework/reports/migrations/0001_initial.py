from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [("casework", "0003_case_step_index")]

    operations = [
        migrations.CreateModel(
            name="DailyFigure",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("grain", models.CharField(choices=[("d", "day"), ("m", "month")], default="d", max_length=1)),
                ("day", models.DateField()),
                ("channel", models.CharField(max_length=60)),
                ("metric", models.CharField(max_length=30)),
                ("dim", models.CharField(blank=True, default="", max_length=80)),
                ("bucket", models.IntegerField(default=0)),
                ("n", models.BigIntegerField(default=0)),
                ("amount", models.DecimalField(decimal_places=2, default=0, max_digits=16)),
            ],
            options={
                "indexes": [models.Index(fields=["grain", "day", "metric"], name="reports_figure_grain_day")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("grain", "day", "channel", "metric", "dim", "bucket"), name="reports_daily_figure_once"
                    )
                ],
            },
        ),
        # The reads a report makes of the cases themselves: distinct beneficiaries served in a
        # period, and the latest comments of a period (docs/performance.md, "Reports").
        migrations.RunSQL(
            "CREATE INDEX reports_case_served ON casework_supportcase (closed_at, beneficiary_id) "
            "WHERE outcome = 'served'",
            "DROP INDEX reports_case_served",
        ),
        migrations.RunSQL(
            "CREATE INDEX reports_rating_created ON casework_satisfactionrating (created_at)",
            "DROP INDEX reports_rating_created",
        ),
    ]
