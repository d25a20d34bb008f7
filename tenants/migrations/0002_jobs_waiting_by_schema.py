"""An index on the waiting jobs' association, for the fair-share count in tenants.jobs."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0001_initial"),
        ("procrastinate", "0041_post_retry_failed_job"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS sila_jobs_waiting_schema ON procrastinate_jobs "
            "((args->>'schema_name'), id) WHERE status = 'todo'",
            "DROP INDEX IF EXISTS sila_jobs_waiting_schema",
        ),
    ]
