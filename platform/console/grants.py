"""Support grants: the only way a platform admin reads an association's beneficiary data."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from console.models import SupportAccess, SupportGrant
from core.errors import FieldProblem, ServiceError, invalid
from tenants.models import Association

MAX_HOURS = 72


@transaction.atomic
def support_grant_open(*, association: Association, actor: Any, hours: int, reason: str) -> SupportGrant:
    """Called on the association's host by its admin (the caller checks the role)."""
    problems = []
    if not 1 <= hours <= MAX_HOURS:
        problems.append(FieldProblem("hours", "range", "المدة من ساعة إلى 72 ساعة.", "From 1 to 72 hours."))
    if not reason.strip():
        problems.append(FieldProblem("reason", "required", "اذكر سبب الدعم.", "Say what support is needed."))
    if problems:
        raise invalid(problems)
    grant = SupportGrant.objects.create(
        association=association,
        opened_by_email=actor.email,
        reason=reason.strip()[:300],
        ends_at=timezone.now() + dt.timedelta(hours=hours),
    )
    audit_record(
        actor=actor, action="support.grant_opened", obj=grant, changes={"hours": {"old": None, "new": hours}}
    )
    return grant


@transaction.atomic
def support_grant_revoke(*, association: Association, actor: Any, grant_id: int) -> SupportGrant:
    grant = SupportGrant.objects.select_for_update().filter(pk=grant_id, association=association).first()
    if grant is None:
        raise ServiceError("not_found", "غير موجود.", "Not found.", 404)
    if grant.revoked_at is None:
        grant.revoked_at = timezone.now()
        grant.revoked_by_email = actor.email
        grant.save(update_fields=["revoked_at", "revoked_by_email"])
        audit_record(actor=actor, action="support.grant_revoked", obj=grant)
    return grant


def support_grant_current(association: Association) -> SupportGrant | None:
    now = timezone.now()
    return (
        SupportGrant.objects.filter(
            association=association, revoked_at__isnull=True, starts_at__lte=now, ends_at__gt=now
        )
        .order_by("-ends_at")
        .first()
    )


@transaction.atomic
def support_access_log(*, grant: SupportGrant, admin: Any, path: str) -> SupportAccess:
    audit_record(
        actor=admin, action="support.page_read", obj=grant, changes={"path": {"old": None, "new": path}}
    )
    return SupportAccess.objects.create(grant=grant, admin_email=admin.email, path=path[:300])


def grant_ended() -> ServiceError:
    return ServiceError(
        "support_grant_required",
        "لا يوجد إذن دعم مفتوح من الجمعية (انتهى أو أُلغي أو لم يُفتح).",
        "The association has no open support grant (it ended, was revoked, or was never opened).",
        403,
    )
