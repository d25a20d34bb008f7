"""A rating belongs to one service delivered (once per service), no longer to the whole request."""

import django.db.models.deletion
from django.db import migrations, models


# Each existing rating goes to the last service of its request (the one the satisfaction message
# followed); a rating whose request has no service cannot be placed and goes. The deferred foreign
# key checks run now (then deferred again, Django's default), so that the table can be altered
# next in the same transaction.
ATTACH = """
SET CONSTRAINTS ALL IMMEDIATE;
UPDATE casework_satisfactionrating r SET service_id = (
    SELECT s.id FROM casework_servicedelivery s WHERE s.case_id = r.case_id
    ORDER BY s.delivered_on DESC, s.id DESC LIMIT 1
);
DELETE FROM casework_satisfactionrating WHERE service_id IS NULL;
SET CONSTRAINTS ALL DEFERRED;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0006_notification_kind_decision"),
    ]

    operations = [
        migrations.AlterField(
            model_name="satisfactionrating",
            name="case",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="ratings", to="casework.supportcase"
            ),
        ),
        migrations.AddField(
            model_name="satisfactionrating",
            name="service",
            field=models.OneToOneField(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="rating",
                to="casework.servicedelivery",
            ),
        ),
        migrations.RunSQL(ATTACH, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="satisfactionrating",
            name="service",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="rating",
                to="casework.servicedelivery",
            ),
        ),
    ]
