"""The case page: the forms its current step allows, and acting on them.

Every action form carries the case revision the page showed: if someone else changed the case
meanwhile, the service refuses with a conflict instead of acting on a state not seen."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from casework import forms as f
from casework import roles, selectors, services
from casework.models import (
    CaseStatus,
    SupportCase,
)
from casework.privacy.access import access_log_record
from casework.services.actions.serve import service_kind_label
from casework.services.steps import spec_for, step_todo
from casework.views._base import (
    current_lang,
    problems_of,
    render_screen,
    staff_screen,
    staff_user,
)
from casework.views.presenter import (
    answers_view,
    case_messages,
    catalog_label,
    channel_labels,
    payload_view,
    person_name,
    service_label,
    step_view,
    timeline,
)
from core.errors import FieldProblem, ServiceError
from policy_engine.rules.catalog import CatalogKind

SUCCESS = {
    "verify_item": gettext_lazy("The item is verified in your name."),
    "add_item": gettext_lazy("The item was added to the checklist."),
    "complete": gettext_lazy("The step is complete."),
    "refer": gettext_lazy("The question was referred."),
    "answer_referral": gettext_lazy("Your answer was sent back."),
    "attest": gettext_lazy("The applicant's signature was recorded."),
    "vote": gettext_lazy("Your vote was recorded."),
    "decide": gettext_lazy("The decision was recorded."),
    "record_service": gettext_lazy("The service was recorded."),
    "withdraw": gettext_lazy("The request was closed."),
    "assign": gettext_lazy("The request was assigned."),
    "note": gettext_lazy("The note was added."),
    "rate": gettext_lazy("The rating was recorded. Thank you."),
}


def _case_or_404(user: User, pk: int) -> SupportCase:
    case = selectors.case_get(user=user, case_id=pk)
    if case is None:
        raise Http404
    return case


def _staff_choices() -> list[tuple[int, str]]:
    staff = (
        User.objects.filter(is_active=True, roles__code__in=roles.CASEWORK_ROLES)
        .distinct()
        .order_by("full_name", "pk")
    )
    return [(u.pk, person_name(u)) for u in staff]


def _form_kwargs(action: str, case: SupportCase, user: User) -> dict[str, Any]:
    if action == "verify_item":
        return {"documents": [(d.pk, d.original_name) for d in case.beneficiary.documents.all()]}
    if action == "complete":
        return {"step": case.step}
    if action == "decide":
        return {"body": case.deciding_body}
    if action == "assign":
        return {"staff": _staff_choices() if roles.has_any(user, (roles.ADMIN,)) else None}
    if action == "rate":
        return {"services": [(s.pk, service_label(s)) for s in selectors.services_to_rate(case)]}
    return {}


def rebind_form(form: f.ActionForm, case: SupportCase, **kwargs: Any) -> f.ActionForm:
    """The form as sent, on the case as it is now: what was typed stays, the revision is the one
    the page now shows (so sending again acts on what the employee sees)."""
    data = cast(QueryDict, form.data).copy()
    data["expected_revision"] = str(case.revision)
    bound = type(form)(data, key=kwargs.pop("key", ""), **kwargs)
    bound.is_valid()
    return bound


def _can_rate(case: SupportCase, user: User) -> bool:
    """A service delivered and not yet rated (each is rated once), and someone who may type it in."""
    return bool(selectors.services_to_rate(case)) and roles.has_any(user, roles.REGISTRY_WRITERS)


def _case_forms(
    case: SupportCase, user: User, actions: list[str], bound: f.ActionForm | None, bound_key: str
) -> dict[str, Any]:
    """The forms the page shows: one per action offered (one per item to verify and per referral
    to answer), the form just sent in place of its blank twin, with its values and errors."""
    revision = {"expected_revision": case.revision}
    forms: dict[str, Any] = {}
    wanted = list(actions)
    if _can_rate(case, user):
        wanted.append("rate")
    if bound is not None and bound.action not in wanted:
        wanted.append(bound.action)  # no longer offered: kept so that nothing typed is lost
    for action in wanted:
        form_class = f.ACTION_FORMS.get(action)
        if form_class is None:
            continue
        kwargs = _form_kwargs(action, case, user)
        if action == "verify_item":
            rows: list[tuple[Any, f.ActionForm]] = []
            for item in case.checklist.all():
                if item.step != case.step or item.verified_at is not None:
                    continue
                if bound is not None and bound.action == action and bound_key == item.code:
                    rows.append((item, bound))
                else:
                    rows.append(
                        (item, form_class(initial=revision | {"code": item.code}, key=item.code, **kwargs))
                    )
            forms[action] = rows
        elif action == "answer_referral":
            rows = []
            for referral in case.referrals.all():
                if referral.answered_at is not None:
                    continue
                if bound is not None and bound.action == action and bound_key == str(referral.pk):
                    rows.append((referral, bound))
                else:
                    rows.append(
                        (
                            referral,
                            form_class(initial=revision | {"referral": referral.pk}, key=str(referral.pk)),
                        )
                    )
            forms[action] = rows
        elif bound is not None and bound.action == action:
            forms[action] = bound
        else:
            initial: dict[str, Any] = dict(revision)
            if action == "attest":
                initial["data_hash"] = selectors.payload_sha256(selectors.attestation_payload(case))
            if action == "record_service":
                initial["delivered_on"] = timezone.localdate().isoformat()
            forms[action] = form_class(initial=initial, **kwargs)
    return forms


def _case_context(
    request: HttpRequest, case: SupportCase, *, bound: f.ActionForm | None = None, bound_key: str = ""
) -> dict[str, Any]:
    user, lang = staff_user(request), current_lang()
    engine = selectors.engine_for(case.policy_version)
    steps = engine.steps()
    actions = services.case_available_actions(case=case, user=user)
    if any(v.member_id == user.pk for v in case.votes.all()):
        actions = [a for a in actions if a != "vote"]  # one vote each: the service would refuse it
    forms = _case_forms(case, user, actions, bound, bound_key)
    attestations = list(case.attestations.all())
    current = selectors.current_attestation(case)
    current_valid = current is not None and selectors.attestation_is_valid(case)
    to_sign = None
    if "attest" in forms:
        to_sign = payload_view(selectors.attestation_payload(case), lang)
    codes = roles.role_codes(user)
    votes = list(case.votes.all())
    checklist = list(case.checklist.all())
    return {
        "case": case,
        "lang": lang,
        "beneficiary": case.beneficiary,
        "channel": channel_labels(engine, lang).get(case.channel, case.channel),
        "step_label": catalog_label(CatalogKind.STEP, case.step, lang),
        "steps": step_view(case, steps, lang),
        "overdue": selectors.case_is_overdue(case),
        "referral_target": catalog_label(CatalogKind.PARTY, case.referral_target, lang)
        if case.referral_target
        else "",
        "deciding_body": catalog_label(CatalogKind.PARTY, case.deciding_body, lang),
        "review_window": engine.review_window(),
        "checklist": checklist,
        "current_items": [i for i in checklist if i.step == case.step and case.status == CaseStatus.OPEN],
        "other_items": [i for i in checklist if i.step != case.step or case.status != CaseStatus.OPEN],
        "verified_count": sum(1 for i in checklist if i.verified_at is not None),
        "step_todo": step_todo(case, attested=current_valid),
        "answers": answers_view(case, engine, lang),
        "referrals": list(case.referrals.all()),
        "attestation": current,
        "attestation_valid": current_valid,
        "attested": payload_view(current.data, lang) if current is not None else None,
        "voided": [a for a in attestations if a.voided_at is not None and a.void_reason == "data_changed"],
        "to_sign": to_sign,
        "votes": votes if codes & {roles.COMMITTEE, roles.ADMIN} else None,
        "votes_cast": len(votes),
        "quorum": selectors.committee_quorum() if case.deciding_body == "research_committee" else None,
        "decision": selectors.case_decision(case),
        "services": list(case.services.all()),
        "service_kinds": {s.kind: service_kind_label(s.kind, lang) for s in case.services.all()},
        "rated": [s for s in case.services.all() if selectors.service_rating(s) is not None],
        "timeline": timeline(case, steps, lang),
        "sms_messages": case_messages(case),
        "forms": forms,
        "can_read_registry": roles.has_any(user, roles.REGISTRY_READERS),
        "bound_action": bound.action if bound is not None else "",
        # The section where the current step's work is done comes right after "This step".
        "current_section": "rating"
        if "rate" in forms
        else (spec_for(case.step).section if case.status == CaseStatus.OPEN else ""),
    }


@staff_screen()
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff_user(request)
    case = _case_or_404(user, pk)
    if request.method == "POST":
        return _case_act(request, case)
    access_log_record(user=user, via="screen:case", beneficiary_id=case.beneficiary_id, case_id=case.pk)
    return render_screen(request, "case_detail.html", _case_context(request, case))


def _case_act(request: HttpRequest, case: SupportCase) -> HttpResponse:
    user, lang = staff_user(request), current_lang()
    action = request.POST.get("action", "")
    form_class = f.ACTION_FORMS.get(action)
    if form_class is None:
        messages.error(request, _("Unknown action."))
        return render_screen(request, "case_detail.html", _case_context(request, case), status=400)
    key = request.POST.get("code", "") if action == "verify_item" else request.POST.get("referral", "")
    kwargs = _form_kwargs(action, case, user)
    form = form_class(request.POST, key=key if action in ("verify_item", "answer_referral") else "", **kwargs)
    problems: list[FieldProblem] = []
    status = 400
    if form.is_valid():
        try:
            if action == "rate":
                services.satisfaction_record(
                    actor=user,
                    case_id=case.pk,
                    score=form.cleaned_data["score"],
                    comment=form.cleaned_data.get("comment") or "",
                    service_id=form.cleaned_data["service"],
                )
            else:
                services.case_transition(
                    actor=user,
                    case_id=case.pk,
                    action=action,
                    data=form.service_data(),
                    expected_revision=form.cleaned_data["expected_revision"],
                )
        except ServiceError as exc:
            if exc.status == 404:
                raise Http404 from None
            problems, status = problems_of(exc), exc.status
            messages.error(request, exc.message(lang))
        else:
            messages.success(request, str(SUCCESS[action]))
            return redirect("staff-case", pk=case.pk)
    else:
        messages.error(request, _("Some fields are invalid."))
    case = _case_or_404(user, case.pk)  # as it is now, after the refusal
    bound = rebind_form(form, case, key=key if action in ("verify_item", "answer_referral") else "", **kwargs)
    if any(p.code == "stale_data" for p in problems):
        # The applicant signed other data: they must see this data and sign again.
        data = cast(QueryDict, bound.data).copy()
        data["signature"] = ""
        bound = type(bound)(data, **kwargs)
        bound.is_valid()
    f.add_problems(bound, problems, lang)
    context = _case_context(request, case, bound=bound, bound_key=key)
    return render_screen(request, "case_detail.html", context, status=status)
