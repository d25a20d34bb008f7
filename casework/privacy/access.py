"""The access log's writer: every read of a beneficiary's record, request or document by staff,
and every export, with who, what, when and through which screen or API operation."""

from __future__ import annotations

from accounts.models import User
from casework.privacy.models import AccessAction, AccessLogEntry


def access_log_record(
    *,
    user: User,
    via: str,
    beneficiary_id: int | None,
    case_id: int | None = None,
    document_id: int | None = None,
    action: str = AccessAction.VIEW,
) -> AccessLogEntry:
    return AccessLogEntry.objects.create(
        user_id=user.pk,
        user_email=user.email,
        action=action,
        beneficiary_id=beneficiary_id,
        case_id=case_id,
        document_id=document_id,
        via=via[:120],
    )
