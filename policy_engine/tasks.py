"""Reminders to staff who have not yet signed the version in force (where the policy asks for
signatures), every few days until they sign; found by the worker through procrastinate's
autodiscovery of ``tasks`` modules."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from procrastinate.contrib.django import app

from accounts.messaging import message_once, site_url
from accounts.models import User
from policy_engine.models import PolicyStatus, PolicyVersion
from policy_engine.selectors import acknowledgment_status
from tenants.jobs import run_in_schema
from tenants.models import Association


def reminder_days() -> int:
    return max(1, int(getattr(settings, "SILA_ACKNOWLEDGMENT_REMINDER_DAYS", 3)))


def acknowledgment_reminders_send(*, now: dt.datetime | None = None) -> int:
    """In this association: remind each active staff member who has not signed the version in
    force, once per period of ``reminder_days()`` since it came into force (the first days are
    covered by the message sent when it did). Returns how many reminders were sent."""
    version = PolicyVersion.objects.filter(status=PolicyStatus.IN_FORCE).order_by("-number").first()
    if (
        version is None
        or not version.document.get("staff_acknowledgment_required")
        or not version.in_force_from
    ):
        return 0
    elapsed = (now or timezone.now()) - version.in_force_from
    period = elapsed.days // reminder_days()
    if period < 1:
        return 0
    pending = [row["user_id"] for row in acknowledgment_status(version=version)["pending"]]
    link = site_url(f"/staff/policy/{version.number}/")
    sent = 0
    for user in User.objects.filter(pk__in=pending, is_active=True):
        sent += message_once(
            key=f"policy.acknowledge.reminder:{version.pk}:{period}:{user.pk}",
            recipients=[user],
            subject={
                "ar": f"تذكير: وقّع على اطلاعك على الإصدار {version.number} من السياسة",
                "en": f"Reminder: sign that you have read policy version {version.number}",
            },
            body={
                "ar": f"لم توقّع بعد على اطلاعك على الإصدار النافذ {version.number} من سياسة العلاقة مع "
                f"المستفيدين، وتشترط السياسة توقيع كل العاملين. اقرأه ووقّع هنا:\n{link}\n",
                "en": f"You have not yet signed that you have read version {version.number} of the "
                "beneficiary relations policy, which every staff member must sign. Read it and sign "
                f"here:\n{link}\n",
            },
        )
    return sent


@app.periodic(cron="0 5 * * *", periodic_id="policy_acknowledgment_reminders")
@app.task(queue="maintenance", queueing_lock="policy_acknowledgment_reminders")
def acknowledgment_reminders(timestamp: int) -> int:
    """Every morning (08:00 in Riyadh), in every association: the signature reminders due."""
    schemas = Association.objects.values_list("schema_name", flat=True)
    return sum(run_in_schema(schema, acknowledgment_reminders_send) for schema in schemas)
