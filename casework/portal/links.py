"""The beneficiary's side, on a phone, without an account: follow a request and rate the service
through the secret links Sila sends by SMS."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache

from casework import selectors, services
from casework.models import AttestationMethod, CaseStatus, LinkPurpose, SupportCase
from casework.notifications import link_lookup
from casework.views.presenter import payload_view, service_label, step_view
from core.errors import ServiceError
from policy_engine.rules.engine import PolicyEngine


def _lang() -> str:
    return "en" if (get_language() or "ar").startswith("en") else "ar"


def _gone(request: HttpRequest) -> HttpResponse:
    return render(request, "casework/portal/link_invalid.html", status=404)


def _attestation_wanted(case: SupportCase) -> bool:
    """Whether the applicant has data to confirm: the step asks for it and nothing valid is signed."""
    return services.action_possible(
        case=case, action="attest", user=None
    ) and not selectors.attestation_is_valid(case)


@never_cache
def track(request: HttpRequest, token: str) -> HttpResponse:
    link = link_lookup(token=token, purpose=LinkPurpose.TRACK)
    if link is None:
        return _gone(request)
    case = link.case
    errors: dict[str, str] = {}
    if request.method == "POST" and _attestation_wanted(case):
        # The applicant confirms, from their phone, that the data the association holds is right.
        try:
            services.case_transition(
                actor=None,
                case_id=case.pk,
                action="attest",
                data={
                    "method": AttestationMethod.PORTAL,
                    "typed_name": request.POST.get("typed_name", ""),
                    "confirmed": request.POST.get("confirmed") == "yes",
                    "data_hash": request.POST.get("data_hash", ""),
                },
            )
        except ServiceError as exc:
            errors = {p.field: p.message(_lang()) for p in exc.problems} or {"form": exc.message(_lang())}
        else:
            return redirect(request.path)
        case = SupportCase.objects.get(pk=case.pk)
    engine = PolicyEngine.from_dict(case.policy_version.document)
    lang = _lang()
    steps = step_view(case, engine.steps(), lang)
    to_attest = None
    if _attestation_wanted(case):
        payload = selectors.attestation_payload(case)
        to_attest = {"view": payload_view(payload, lang), "hash": selectors.payload_sha256(payload)}
    return render(
        request,
        "casework/portal/track.html",
        {
            "case": case,
            "steps": steps,
            "overdue": bool(
                case.decision_due and case.status == CaseStatus.OPEN and case.decision_due < timezone.now()
            ),
            "to_attest": to_attest,
            "attested": case.attestations.filter(voided_at__isnull=True).exists(),
            "errors": errors,
            "posted": request.POST,
        },
        status=400 if errors else 200,
    )


@never_cache
def rate(request: HttpRequest, token: str) -> HttpResponse:
    """The rating link: each service delivered for the request, one after the other, rated once."""
    link = link_lookup(token=token, purpose=LinkPurpose.RATE)
    if link is None:
        return _gone(request)
    case = link.case
    to_rate = selectors.services_to_rate(case)
    if not to_rate:
        return render(request, "casework/portal/rated.html", {"case": case, "already": True})
    service = to_rate[0]
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            score = int(request.POST.get("score", ""))
        except ValueError:
            score = 0
        try:
            services.satisfaction_record(
                actor=None,
                case_id=case.pk,
                service_id=service.pk,
                score=score,
                comment=request.POST.get("comment", "")[:2000],
            )
        except ServiceError as exc:
            errors = {p.field: p.message(_lang()) for p in exc.problems} or {"score": exc.message(_lang())}
        else:
            if len(to_rate) > 1:
                return redirect(request.path)  # the next service
            link.used_at = timezone.now()
            link.save(update_fields=["used_at"])
            return render(request, "casework/portal/rated.html", {"case": case, "already": False})
    return render(
        request,
        "casework/portal/rate.html",
        {
            "case": case,
            "service": service_label(service),
            "remaining": len(to_rate),
            "errors": errors,
            "posted": request.POST,
            "scores": [5, 4, 3, 2, 1],
        },
        status=400 if errors else 200,
    )
