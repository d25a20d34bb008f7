"""The beneficiary's rating of a served request."""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from audit.services import audit_record
from casework import roles
from casework.models import (
    CaseOutcome,
    SatisfactionRating,
    SupportCase,
)
from casework.services._base import (
    append_event,
    field_problem,
    refused,
    require_role,
)
from core.errors import invalid, not_found

# --- after service ------------------------------------------------------------------------------


@transaction.atomic
def satisfaction_record(
    *, actor: User | None, case_id: int, score: int, comment: str = ""
) -> SatisfactionRating:
    """The beneficiary's rating of a served request (1-5 and a comment), once. ``actor`` is the
    employee who typed it in for them, or None when it came from the beneficiary (portal, link)."""
    require_role(actor, roles.REGISTRY_WRITERS)
    case = SupportCase.objects.select_for_update().filter(pk=case_id).first()
    if case is None:
        raise not_found("لا يوجد طلب بهذا الرقم.", "No such case.")
    if case.outcome != CaseOutcome.SERVED:
        raise refused(
            "not_served", "score", "يُقيَّم الطلب بعد تقديم الخدمة.", "A request is rated after its service."
        )
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise invalid(
            [field_problem("score", "invalid_score", "التقييم من ١ إلى ٥.", "The rating is 1 to 5.")]
        )
    if SatisfactionRating.objects.filter(case=case).exists():
        raise refused("already_rated", "score", "قُيّم هذا الطلب من قبل.", "This request was already rated.")
    last_service = case.services.order_by("-delivered_on", "-id").first()
    rating = SatisfactionRating.objects.create(
        case=case,
        score=score,
        comment=comment.strip(),
        employee=last_service.employee if last_service else case.assigned_to,
        recorded_by=actor,
    )
    append_event(
        case=case,
        actor=actor,
        action="rated",
        from_step=case.step,
        to_step=case.step,
        data={"rating": rating.pk},
    )
    audit_record(actor=actor, action="case.rated", obj=case)
    return rating
