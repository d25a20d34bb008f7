from __future__ import annotations

from typing import Any

from django.db import models

from audit.models import AuditEvent


def audit_record(
    *,
    actor: Any | None,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit row in the current schema (call it inside the write's transaction)."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    authenticated = actor is not None and bool(getattr(actor, "is_authenticated", False))
    return AuditEvent.objects.create(
        actor_id=getattr(actor, "pk", None) if authenticated else None,
        actor_email=getattr(actor, "email", "") if authenticated else "",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        changes=changes or {},
    )


def field_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """{field: {"old": ..., "new": ...}} for the fields whose value differs."""
    return {
        key: {"old": before.get(key), "new": after.get(key)}
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }
