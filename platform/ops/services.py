"""Recording platform failures: one row for the console, one event for Sentry, tagged alike."""

from __future__ import annotations

import logging
from typing import Any

import sentry_sdk

from ops.models import Incident, StatusChange

logger = logging.getLogger(__name__)


def incident_record(
    *, kind: str, summary: str, association_slug: str = "", reference: str = "", error: BaseException | None
) -> Incident:
    """Keep a failure for the console and send it to Sentry with the association's slug and side.

    Called after the failed work's transaction rolled back, so the row survives it."""
    event_id = ""
    with sentry_sdk.new_scope() as scope:
        scope.set_tag("side", "platform")
        scope.set_tag("incident", kind)
        if association_slug:
            scope.set_tag("association", association_slug)
        if error is not None:
            event_id = sentry_sdk.capture_exception(error) or ""
        else:
            event_id = sentry_sdk.capture_message(summary, level="error") or ""
    logger.error("%s failure (%s): %s", kind, association_slug or "-", summary)
    return Incident.objects.create(
        kind=kind,
        summary=summary[:300],
        association_slug=association_slug,
        reference=reference[:120],
        error_type=type(error).__name__ if error is not None else "",
        sentry_event_id=event_id,
    )


def association_status_change(
    *, association: Any, new_status: str, reason: str, actor: Any | None, purge_after: Any | None = None
) -> StatusChange:
    """Suspend, reactivate or archive an association: its row, its history and the audit trail.

    Routes are re-read by every process (the routing epoch), so the host answers accordingly
    within seconds. Call inside the caller's transaction."""
    from audit.services import audit_record
    from tenants.routing import bump_epoch

    old_status = association.status
    association.status = new_status
    association.save(update_fields=["status", "updated_at"])
    change = StatusChange.objects.create(
        association=association,
        old_status=old_status,
        new_status=new_status,
        reason=reason[:300],
        actor_email=getattr(actor, "email", "") if actor is not None else "",
        purge_after=purge_after,
    )
    audit_record(
        actor=actor,
        action=f"association.{new_status}" if new_status != "active" else "association.reactivated",
        obj=association,
        changes={"status": {"old": old_status, "new": new_status}, "reason": {"old": None, "new": reason}},
    )
    bump_epoch()
    return change
