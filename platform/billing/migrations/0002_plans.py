"""The plans, as data: free for small associations, paid by staff seats and open requests, and the
founding associations' plan (free, no limits, never offered)."""

from django.db import migrations

PLANS = [
    # code, Arabic, English, monthly price (halalas), staff seats, open requests, free, order
    ("free", "المجانية", "Free", 0, 3, 50, True, 1),
    ("standard", "القياسية", "Standard", 19_900, 15, 500, False, 2),
    ("professional", "الاحترافية", "Professional", 59_900, 60, None, False, 3),
    ("founding", "المؤسِّسة", "Founding", 0, None, None, True, 9),
]


def add_plans(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    for code, ar, en, price, staff, cases, free, order in PLANS:
        Plan.objects.update_or_create(
            code=code,
            defaults={
                "name_ar": ar,
                "name_en": en,
                "monthly_price_halalas": price,
                "max_staff": staff,
                "max_open_cases": cases,
                "is_free": free,
                "sort_order": order,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]
    operations = [migrations.RunPython(add_plans, migrations.RunPython.noop)]
