"""What the signed-in beneficiary sees of their own requests, in words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from casework import selectors as case_selectors
from casework.models import CaseStatus, ItemKind, SatisfactionRating, SupportCase
from casework.portal.services import applicant_label, missing_documents, own_case, reference_for
from casework.sms import mask_phone
from casework.views.presenter import service_label, step_view
from policy_engine.rules.catalog import CatalogKind, UnknownCodeError, label


def masked(phone: str) -> str:
    return mask_phone(phone)


def _step_label(step: str, lang: str) -> str:
    try:
        return label(CatalogKind.STEP, step, lang)  # type: ignore[arg-type]
    except UnknownCodeError:
        return step


@dataclass(frozen=True)
class ServiceView:
    """A service delivered for the request, to rate once."""

    pk: int
    label: str
    rating: SatisfactionRating | None


@dataclass(frozen=True)
class RequestView:
    case: SupportCase
    reference: str
    step_label: str
    open: bool
    decision_due: Any
    overdue: bool
    outcome: str
    steps: list[dict[str, Any]]
    missing: list[dict[str, str]]
    services: list[ServiceView]


def _own_cases(phone: str) -> QuerySet[SupportCase]:
    return (
        SupportCase.objects.filter(beneficiary__phone_e164=phone)
        .select_related("policy_version", "tracking", "decision")
        # The step states read whether a referral was made; each service, whether it was rated.
        .prefetch_related("referrals", "services__rating")
        .order_by("-created_at")
    )


def _view(case: SupportCase, lang: str, *, full: bool) -> RequestView:
    engine = case_selectors.engine_for(case.policy_version)
    is_open = case.status == CaseStatus.OPEN
    missing = (
        [
            {"code": item.code, "label": applicant_label(item.code, item.label_ar, item.label_en, lang)}
            for item in missing_documents(case)
            if item.kind == ItemKind.DOCUMENT
        ]
        if full and is_open
        else []
    )
    decision = getattr(case, "decision", None) if hasattr(case, "decision") else None
    return RequestView(
        case=case,
        reference=reference_for(case).reference,
        step_label=_step_label(case.step, lang),
        open=is_open,
        # Once decided, the answer is given: no due date any more, the decision instead.
        decision_due=case.decision_due if is_open and decision is None else None,
        overdue=bool(
            is_open and decision is None and case.decision_due and case.decision_due < timezone.now()
        ),
        outcome=case.get_outcome_display()
        if case.outcome
        else (decision.get_outcome_display() if decision else ""),
        # The one step-state selector's, as on the staff page and in the API.
        steps=step_view(case, engine.steps(), lang),
        missing=missing,
        services=[
            ServiceView(pk=s.pk, label=service_label(s), rating=case_selectors.service_rating(s))
            for s in case.services.all()
        ],
    )


def own_requests(*, phone: str, lang: str) -> list[RequestView]:
    return [_view(case, lang, full=False) for case in _own_cases(phone)]


def own_request(*, phone: str, reference: str, lang: str) -> RequestView:
    return _view(own_case(phone=phone, reference=reference), lang, full=True)
