"""Console reads: one query per page of associations, whatever the fleet's size."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet

from billing.models import Invoice, Plan, StripeEvent
from console.models import SupportGrant
from ops.models import Incident, StatusChange
from signup.models import Signup
from tenants.models import Association

PAGE_SIZE = 25


def associations_filtered(*, q: str = "", status: str = "", plan: str = "") -> QuerySet[Association]:
    qs = Association.objects.select_related("subscription__plan", "stats").prefetch_related("domains")
    if q:
        qs = qs.filter(Q(slug__icontains=q) | Q(name_ar__icontains=q) | Q(name_en__icontains=q))
    if status:
        qs = qs.filter(status=status)
    if plan == "none":
        qs = qs.filter(subscription__isnull=True)
    elif plan:
        qs = qs.filter(subscription__plan__code=plan)
    return qs.order_by("slug")


def associations_page(*, q: str, status: str, plan: str, page: str | int) -> Page[Association]:
    return Paginator(associations_filtered(q=q, status=status, plan=plan), PAGE_SIZE).get_page(page)


def plans_all() -> QuerySet[Plan]:
    return Plan.objects.all()


def association_detail(association: Association) -> dict[str, object]:
    subscription = getattr(association, "subscription", None)
    return {
        "domains": list(association.domains.all()),
        "status_history": list(StatusChange.objects.filter(association=association)[:20]),
        "signups": list(Signup.objects.filter(Q(association=association) | Q(slug=association.slug))[:10]),
        "invoices": list(Invoice.objects.filter(subscription=subscription)[:12]) if subscription else [],
        "incidents": list(Incident.objects.filter(association_slug=association.slug)[:20]),
        "grants": list(SupportGrant.objects.filter(association=association)[:10]),
    }


def failures_recent() -> dict[str, object]:
    return {
        "incidents": list(Incident.objects.all()[:50]),
        "events": list(StripeEvent.objects.exclude(outcome="handled")[:20]),
    }
