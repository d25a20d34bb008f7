"""The beneficiary's rating of a service delivered: once per service."""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from audit.services import audit_record
from casework import roles
from casework.models import (
    SatisfactionRating,
    ServiceDelivery,
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


def _service_to_rate(case: SupportCase, service_id: int | None) -> ServiceDelivery:
    """The service named, which must be one of this request's; without a name, the request's only
    service (a request served more than once needs the service said)."""
    services = list(case.services.select_for_update().order_by("delivered_on", "id"))
    if not services:
        raise refused(
            "not_served", "score", "يُقيَّم الطلب بعد تقديم الخدمة.", "A request is rated after its service."
        )
    if service_id is None:
        if len(services) == 1:
            return services[0]
        raise invalid(
            [
                field_problem(
                    "service",
                    "required",
                    "اختر الخدمة التي تقيّمها.",
                    "Choose the service you are rating.",
                )
            ]
        )
    service = next((s for s in services if s.pk == service_id), None)
    if service is None:
        raise invalid(
            [
                field_problem(
                    "service",
                    "unknown_service",
                    "هذه الخدمة ليست من خدمات هذا الطلب.",
                    "This service is not one of this request's.",
                )
            ]
        )
    return service


@transaction.atomic
def satisfaction_record(
    *,
    actor: User | None,
    case_id: int,
    score: int,
    comment: str = "",
    service_id: int | None = None,
) -> SatisfactionRating:
    """The beneficiary's rating of one service delivered for a request (1-5 and a comment), once per
    service. ``actor`` is the employee who typed it in for them, or None when it came from the
    beneficiary (portal, link)."""
    require_role(actor, roles.REGISTRY_WRITERS)
    case = SupportCase.objects.select_for_update().filter(pk=case_id).first()
    if case is None:
        raise not_found("لا يوجد طلب بهذا الرقم.", "No such case.")
    service = _service_to_rate(case, service_id)
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise invalid(
            [field_problem("score", "invalid_score", "التقييم من ١ إلى ٥.", "The rating is 1 to 5.")]
        )
    if SatisfactionRating.objects.filter(service=service).exists():
        raise refused("already_rated", "score", "قُيّمت هذه الخدمة من قبل.", "This service was already rated.")
    rating = SatisfactionRating.objects.create(
        case=case,
        service=service,
        score=score,
        comment=comment.strip(),
        employee=service.employee or case.assigned_to,
        recorded_by=actor,
    )
    append_event(
        case=case,
        actor=actor,
        action="rated",
        from_step=case.step,
        to_step=case.step,
        data={"rating": rating.pk, "service": service.pk},
    )
    audit_record(
        actor=actor, action="case.rated", obj=case, changes={"service": {"old": None, "new": service.pk}}
    )
    return rating
