"""The platform's breach register (public schema): Sila's own incidents as the associations'
processor, with the 72-hour clock, kept by platform admins. Field checks and the clock are the
associations' register's (``casework.privacy.breaches``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record
from casework.privacy.breaches import breach_order_problems, breach_values_clean, clock
from core.errors import FieldProblem, conflict, invalid, not_found
from ops.models import PlatformBreach
from tenants.models import Association


def _associations(raw: str) -> tuple[str, list[FieldProblem]]:
    slugs = sorted({s.strip().lower() for s in raw.replace("،", ",").split(",") if s.strip()})
    known = set(Association.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    unknown = [s for s in slugs if s not in known]
    if unknown:
        return "", [
            FieldProblem(
                "associations",
                "unknown_association",
                "جمعيات غير معروفة: " + "، ".join(unknown),
                "Unknown associations: " + ", ".join(unknown),
            )
        ]
    return ",".join(slugs), []


@transaction.atomic
def platform_breach_record(*, actor: User, values: Mapping[str, Any]) -> PlatformBreach:
    clean, problems = breach_values_clean(
        {k: v for k, v in values.items() if k != "associations"}, partial=False
    )
    problems += breach_order_problems(clean)
    slugs, more = _associations(str(values.get("associations", "")))
    problems += more
    if problems:
        raise invalid(problems)
    breach = PlatformBreach.objects.create(associations=slugs, recorded_by_email=actor.email, **clean)
    audit_record(
        actor=actor,
        action="console.breach_recorded",
        obj=breach,
        changes={
            "people_affected": {"old": None, "new": breach.people_affected},
            "associations": {"old": None, "new": slugs},
        },
    )
    return breach


@transaction.atomic
def platform_breach_notified(
    *, actor: User, breach_id: int, who: str, expected_revision: int | None
) -> PlatformBreach:
    """Record that the authority (``who="authority"``) or the associations were notified now."""
    breach = PlatformBreach.objects.select_for_update().filter(pk=breach_id).first()
    if breach is None:
        raise not_found("لا يوجد انتهاك بهذا الرقم.", "No such breach.")
    if expected_revision is not None and expected_revision != breach.revision:
        raise conflict(
            "stale_revision", "غيّر شخص آخر هذا السجل. أعد تحميله.", "Someone else changed it. Reload it."
        )
    field = "authority_notified_at" if who == "authority" else "people_notified_at"
    if getattr(breach, field) is not None:
        raise conflict(
            "already_notified", "سُجّل هذا الإشعار من قبل.", "This notification was recorded already."
        )
    setattr(breach, field, timezone.now())
    breach.revision += 1
    breach.save(update_fields=[field, "revision"])
    audit_record(
        actor=actor,
        action="console.breach_notified",
        obj=breach,
        changes={field: {"old": None, "new": "now"}},
    )
    return breach


def breaches_with_clock() -> list[dict[str, Any]]:
    now = timezone.now()
    return [{"breach": b, "clock": clock(b, now)} for b in PlatformBreach.objects.all()[:100]]  # type: ignore[arg-type]
