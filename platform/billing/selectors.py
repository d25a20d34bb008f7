from __future__ import annotations

from billing.models import Plan, Subscription
from tenants.models import Association


def plans_offered() -> list[Plan]:
    return list(Plan.objects.filter(is_active=True).exclude(code="founding"))


def plan_get(code: str) -> Plan | None:
    return Plan.objects.filter(code=code, is_active=True).first()


def subscription_of(association: Association) -> Subscription | None:
    return Subscription.objects.select_related("plan").filter(association=association).first()
