"""The staff screens of casework: the inbox, the case page with the forms its current step allows,
the committee's queue, the beneficiary registry and opening a request.

Thin, like the API: read with the selectors, write with the services, and turn a service's
refusal into field errors in the employee's language on the very form they sent, with what they
typed. Every action form carries the case revision the page showed: if someone else changed the
case meanwhile, the service refuses with a conflict instead of acting on a state not seen.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from accounts.auth import request_user
from accounts.models import User
from casework import forms as f
from casework import roles, selectors, services
from casework.models import (
    AttestationMethod,
    Beneficiary,
    BeneficiaryDocument,
    CaseOutcome,
    CaseStatus,
    SupportCase,
    VoteChoice,
)
from core.errors import FieldProblem, ServiceError
from policy_engine.models import PolicyStatus, PolicyVersion
from policy_engine.rules.catalog import CHANNELS, STEPS, CatalogKind, get_entry
from policy_engine.rules.engine import PolicyEngine

View = Callable[..., HttpResponseBase]
PAGE_SIZE = 25
DECIDERS = (roles.COMMITTEE, roles.ADMINISTRATION, roles.ADMIN)


def _lang() -> str:
    return "en" if (get_language() or "ar").startswith("en") else "ar"


def _user(request: HttpRequest) -> User:
    return request_user(request)


def _nav(user: User) -> dict[str, bool]:
    """Which casework screens the header of these pages links to, by role."""
    return {
        "nav_registry": roles.has_any(user, roles.REGISTRY_READERS),
        "nav_registry_write": roles.has_any(user, roles.REGISTRY_WRITERS),
        "nav_open": roles.has_any(user, roles.CASE_OPENERS),
        "nav_committee": roles.has_any(user, DECIDERS),
        "nav_satisfaction": roles.has_any(user, SATISFACTION_READERS),
    }


def staff_screen(*allowed: str) -> Callable[[View], View]:
    """Signed in (else to the sign-in page) and holding one of ``allowed`` (default: any casework
    role), else 403."""

    def decorate(view: View) -> View:
        @wraps(view)
        @login_required
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not roles.has_any(_user(request), allowed or roles.CASEWORK_ROLES):
                return render(request, "casework/forbidden.html", status=403)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


_SECTIONS = {
    "inbox.html": "inbox",
    "case_detail.html": "inbox",
    "committee.html": "committee",
    "beneficiaries.html": "registry",
    "beneficiary_detail.html": "registry",
    "duplicates.html": "duplicates",
    "case_new.html": "new",
    "satisfaction.html": "satisfaction",
}
# Satisfaction is read by those who lead the service, in aggregate only ("a tool for improvement,
# not for punishment"): no score is ever shown next to one request or below five ratings a person.
SATISFACTION_READERS = (roles.ADMIN, roles.ADMINISTRATION)


def _render(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    nav = _nav(_user(request)) | {"section": _SECTIONS.get(template, "")}
    return render(request, f"casework/{template}", nav | context, status=status)


def _problems(exc: ServiceError) -> list[FieldProblem]:
    return exc.problems or [FieldProblem("", exc.code, exc.message_ar, exc.message_en)]


# --- labels -------------------------------------------------------------------------------------


def _label(kind: CatalogKind, code: str, lang: str) -> str:
    entry = get_entry(kind, code)
    if entry is None:
        return code
    return entry.label_en if lang == "en" else entry.label_ar


def _engine_in_force() -> PolicyEngine | None:
    version = (
        PolicyVersion.objects.filter(status=PolicyStatus.IN_FORCE)
        .only("pk", "document", "updated_at")
        .first()
    )
    return selectors.engine_for(version) if version is not None else None


def _channel_choices(engine: PolicyEngine | None, lang: str) -> list[tuple[str, str]]:
    """The channels of a policy, in its order and with its own wording."""
    if engine is None:
        return []
    return [(c.code, c.label("en" if lang == "en" else "ar")) for c in engine.document.channels]


def _channel_labels(engine: PolicyEngine | None, lang: str) -> dict[str, str]:
    """Every channel's label: the policy's own wording first, then the catalog's."""
    own = dict(_channel_choices(engine, lang))
    return own | {code: _label(CatalogKind.CHANNEL, code, lang) for code in CHANNELS if code not in own}


def _step_choices(lang: str) -> list[tuple[str, str]]:
    return [(code, _label(CatalogKind.STEP, code, lang)) for code in STEPS]


def _person(user: User | None) -> str:
    return (user.full_name or user.email) if user is not None else _("the system")


# --- inbox --------------------------------------------------------------------------------------


@staff_screen()
def inbox(request: HttpRequest) -> HttpResponse:
    """The cases this user's role lets them see, filtered, 25 a page: the API inbox's selector,
    so the query count does not grow with the page."""
    user, lang = _user(request), _lang()
    engine = _engine_in_force()
    channel_labels = _channel_labels(engine, lang)
    # The channels of the policy in force first, then any other a case may have come through.
    form = f.InboxFilterForm(request.GET, steps=_step_choices(lang), channels=list(channel_labels.items()))
    form.is_valid()
    wanted = form.cleaned_data
    status = wanted.get("status") or CaseStatus.OPEN
    cases = selectors.case_inbox(
        user=user,
        step=wanted.get("step") or None,
        channel=wanted.get("channel") or None,
        status=None if status == "all" else status,
        overdue=True if wanted.get("overdue") else None,
        assigned=wanted.get("assigned") or None,
        **{key: wanted.get(key) or None for key in f.INBOX_REPORT_FILTERS},
    )
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [
        {
            "case": case,
            "channel": channel_labels.get(case.channel, case.channel),
            "step": _label(CatalogKind.STEP, case.step, lang),
            "overdue": selectors.case_is_overdue(case, now=now),
        }
        for case in page.object_list
    ]
    return _render(request, "inbox.html", {"form": form, "page": page, "rows": rows})


# --- the case page ------------------------------------------------------------------------------

EVENT_LABELS = {
    "open": gettext_lazy("Request opened"),
    "verify_item": gettext_lazy("Item verified"),
    "add_item": gettext_lazy("Item added to the checklist"),
    "complete": gettext_lazy("Step completed"),
    "refer": gettext_lazy("Question referred"),
    "answer_referral": gettext_lazy("Referral answered"),
    "attest": gettext_lazy("Applicant signed the data"),
    "attestation_voided": gettext_lazy("Signature voided: the data changed"),
    "vote": gettext_lazy("Committee vote"),
    "decide": gettext_lazy("Decision"),
    "record_service": gettext_lazy("Service recorded"),
    "withdraw": gettext_lazy("Withdrawn"),
    "assign": gettext_lazy("Assigned"),
    "note": gettext_lazy("Note"),
    "rated": gettext_lazy("Service rated"),
    "beneficiary_merged": gettext_lazy("Beneficiary records merged"),
}

# The event data a timeline entry shows; other keys (row ids) mean nothing to a reader.
DATA_LABELS = {
    "channel": gettext_lazy("Channel"),
    "policy_version": gettext_lazy("Policy version"),
    "item": gettext_lazy("Item"),
    "document": gettext_lazy("Document"),
    "referrals": gettext_lazy("Referrals"),
    "target": gettext_lazy("Referred to"),
    "data_sha256": gettext_lazy("Data fingerprint (SHA-256)"),
    "method": gettext_lazy("Method"),
    "reason": gettext_lazy("Reason"),
    "choice": gettext_lazy("Vote"),
    "outcome": gettext_lazy("Outcome"),
    "votes": gettext_lazy("Votes (accept, reject)"),
    "decision_due": gettext_lazy("Decision due"),
    "kind": gettext_lazy("Kind"),
    "amount": gettext_lazy("Amount (SAR)"),
    "from": gettext_lazy("From"),
    "to": gettext_lazy("To"),
    "text": gettext_lazy("Note"),
    "registration_number": gettext_lazy("Registration number"),
    "from_beneficiary": gettext_lazy("From beneficiary"),
    "to_beneficiary": gettext_lazy("To beneficiary"),
}

CURRENT_SECTIONS = {
    "receive": "checklist",
    "verify": "checklist",
    "refer": "referral",
    "attest": "attestation",
    "committee_review": "committee",
    "serve": "services",
}

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


def _value_text(key: str, value: Any, lang: str, case: SupportCase, people: dict[int, str]) -> str:
    if value is None or value == "":
        return "—"
    if key in ("outcome",) and value in CaseOutcome.values:
        return str(CaseOutcome(value).label)
    if key == "choice" and value in VoteChoice.values:
        return str(VoteChoice(value).label)
    if key == "method" and value in AttestationMethod.values:
        return str(AttestationMethod(value).label)
    if key == "kind":
        return str(dict(f.SERVICE_KINDS).get(value, value))
    if key == "document":
        for document in case.beneficiary.documents.all():
            if document.pk == value:
                return document.original_name
    if key == "target":
        return _label(CatalogKind.PARTY, str(value), lang)
    if key == "channel":
        return _label(CatalogKind.CHANNEL, str(value), lang)
    if key == "item":
        for item in case.checklist.all():
            if item.code == value:
                return item.label_en if lang == "en" else item.label_ar
    if key in ("from", "to") and isinstance(value, int):
        return people.get(value, str(value))
    if key == "decision_due" and isinstance(value, str):
        from themes.templatetags.sila import dual_date

        try:
            return dual_date(dt.datetime.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, list):
        return "، ".join(str(v) for v in value) if lang == "ar" else ", ".join(str(v) for v in value)
    return str(value)


def _timeline(case: SupportCase, lang: str) -> list[dict[str, Any]]:
    events = list(case.events.all())
    ids = {
        v
        for e in events
        if e.action == "assign"
        for v in (e.data.get("from"), e.data.get("to"))
        if isinstance(v, int)
    }
    people = {u.pk: _person(u) for u in User.objects.filter(pk__in=ids)} if ids else {}
    return [
        {
            "event": e,
            "label": EVENT_LABELS.get(e.action, e.action),
            "actor": _person(e.actor),
            "from": _label(CatalogKind.STEP, e.from_step, lang) if e.from_step else "",
            "to": _label(CatalogKind.STEP, e.to_step, lang) if e.to_step else "",
            "moved": e.from_step != e.to_step,
            "data": [
                (DATA_LABELS[key], _value_text(key, value, lang, case, people))
                for key, value in e.data.items()
                if key in DATA_LABELS and value not in (None, "", [])
            ],
        }
        for e in events
    ]


def payload_view(payload: dict[str, Any], lang: str) -> dict[str, Any]:
    """The attested data, labelled for the page."""
    b = payload.get("beneficiary", {})
    return {
        "fields": [
            (_("National ID or iqama number"), b.get("national_id")),
            (_("Full name"), b.get("full_name_ar")),
            (_("Mobile number"), b.get("phone")),
            (_("Date of birth"), b.get("birth_date")),
            (_("Gender"), _choice_label("gender", b.get("gender"))),
            (_("City"), b.get("city")),
            (_("Channel"), _label(CatalogKind.CHANNEL, payload.get("case", {}).get("channel", ""), lang)),
        ],
        "household": [
            m | {"relation_label": _choice_label("relation", m.get("relation"))}
            for m in payload.get("household", [])
        ],
        "documents": payload.get("documents", []),
    }


def _choice_label(kind: str, value: Any) -> str:
    from casework.models import Gender, Relation

    choices = Gender if kind == "gender" else Relation
    return str(choices(value).label) if value in choices.values else (value or "—")


def _staff_choices() -> list[tuple[int, str]]:
    staff = (
        User.objects.filter(is_active=True, roles__code__in=roles.CASEWORK_ROLES)
        .distinct()
        .order_by("full_name", "pk")
    )
    return [(u.pk, _person(u)) for u in staff]


def _form_kwargs(action: str, case: SupportCase, user: User) -> dict[str, Any]:
    if action == "verify_item":
        return {"documents": [(d.pk, d.original_name) for d in case.beneficiary.documents.all()]}
    if action == "complete":
        return {"step": case.step}
    if action == "decide":
        return {"body": case.deciding_body}
    if action == "assign":
        return {"staff": _staff_choices() if roles.has_any(user, (roles.ADMIN,)) else None}
    return {}


def _rebind(form: f.ActionForm, case: SupportCase, **kwargs: Any) -> f.ActionForm:
    """The form as sent, on the case as it is now: what was typed stays, the revision is the one
    the page now shows (so sending again acts on what the employee sees)."""
    data = cast(QueryDict, form.data).copy()
    data["expected_revision"] = str(case.revision)
    bound = type(form)(data, key=kwargs.pop("key", ""), **kwargs)
    bound.is_valid()
    return bound


def _can_rate(case: SupportCase, user: User) -> bool:
    return (
        case.outcome == CaseOutcome.SERVED
        and selectors.case_rating(case) is None
        and roles.has_any(user, roles.REGISTRY_WRITERS)
    )


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


def _step_todo(case: SupportCase, checklist: list[Any], attested: bool) -> str:
    """What the current step still needs before it can be completed, in a sentence."""
    if case.status != CaseStatus.OPEN:
        return ""
    step = case.step
    if step in ("receive", "verify"):
        left = sum(1 for i in checklist if i.step == step and i.required and i.verified_at is None)
        if left:
            return ngettext(
                "%(n)s item of this step is left to verify.",
                "%(n)s items of this step are left to verify.",
                left,
            ) % {"n": left}
    if step == "refer":
        referrals = list(case.referrals.all())
        if not referrals:
            return _("Refer the beneficiary's question below, or confirm that no referral is needed.")
        if any(r.answered_at is None for r in referrals):
            return _("Awaiting the answer to the referral.")
    if step == "attest" and not attested:
        return _("The applicant confirms the data and signs below first.")
    if step == "committee_review":
        return _("Awaiting the decision of the deciding body.")
    if step == "serve" and not case.services.all():
        return _("Record the service delivered below, then complete the request.")
    return ""


def _case_context(
    request: HttpRequest, case: SupportCase, *, bound: f.ActionForm | None = None, bound_key: str = ""
) -> dict[str, Any]:
    user, lang = _user(request), _lang()
    engine = selectors.engine_for(case.policy_version)
    steps = engine.steps()
    here = steps.index(case.step) if case.step in steps else -1
    served = case.outcome == CaseOutcome.SERVED
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
        "channel": _channel_labels(engine, lang).get(case.channel, case.channel),
        "step_label": _label(CatalogKind.STEP, case.step, lang),
        "steps": [
            {
                "code": code,
                "label": _label(CatalogKind.STEP, code, lang),
                "state": "current"
                if index == here and case.status == CaseStatus.OPEN
                else ("done" if index < here or served else "pending"),
            }
            for index, code in enumerate(steps)
        ],
        "overdue": selectors.case_is_overdue(case),
        "referral_target": _label(CatalogKind.PARTY, case.referral_target, lang)
        if case.referral_target
        else "",
        "deciding_body": _label(CatalogKind.PARTY, case.deciding_body, lang),
        "review_window": engine.review_window(),
        "checklist": checklist,
        "current_items": [i for i in checklist if i.step == case.step and case.status == CaseStatus.OPEN],
        "other_items": [i for i in checklist if i.step != case.step or case.status != CaseStatus.OPEN],
        "verified_count": sum(1 for i in checklist if i.verified_at is not None),
        "step_todo": _step_todo(case, checklist, current_valid),
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
        "service_kinds": dict(f.SERVICE_KINDS),
        "rated": selectors.case_rating(case) is not None,
        "timeline": _timeline(case, lang),
        "forms": forms,
        "can_read_registry": roles.has_any(user, roles.REGISTRY_READERS),
        "bound_action": bound.action if bound is not None else "",
        # The section where the current step's work is done comes right after "This step".
        "current_section": "rating"
        if "rate" in forms
        else (CURRENT_SECTIONS.get(case.step, "") if case.status == CaseStatus.OPEN else ""),
    }


@staff_screen()
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    case = _case_or_404(user, pk)
    if request.method == "POST":
        return _case_act(request, case)
    return _render(request, "case_detail.html", _case_context(request, case))


def _case_act(request: HttpRequest, case: SupportCase) -> HttpResponse:
    user, lang = _user(request), _lang()
    action = request.POST.get("action", "")
    form_class = f.ACTION_FORMS.get(action)
    if form_class is None:
        messages.error(request, _("Unknown action."))
        return _render(request, "case_detail.html", _case_context(request, case), status=400)
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
            problems, status = _problems(exc), exc.status
            messages.error(request, exc.message(lang))
        else:
            messages.success(request, str(SUCCESS[action]))
            return redirect("staff-case", pk=case.pk)
    else:
        messages.error(request, _("Some fields are invalid."))
    case = _case_or_404(user, case.pk)  # as it is now, after the refusal
    bound = _rebind(form, case, key=key if action in ("verify_item", "answer_referral") else "", **kwargs)
    if any(p.code == "stale_data" for p in problems):
        # The applicant signed other data: they must see this data and sign again.
        data = cast(QueryDict, bound.data).copy()
        data["signature"] = ""
        bound = type(bound)(data, **kwargs)
        bound.is_valid()
    f.add_problems(bound, problems, lang)
    context = _case_context(request, case, bound=bound, bound_key=key)
    return _render(request, "case_detail.html", context, status=status)


# --- the committee's queue ----------------------------------------------------------------------


def _bodies(user: User) -> list[str]:
    codes = roles.role_codes(user)
    if roles.ADMIN in codes:
        return ["research_committee", "administration"]
    return [party for party, role in roles.PARTY_ROLES.items() if role in codes]


@staff_screen(*DECIDERS)
def committee_queue(request: HttpRequest) -> HttpResponse:
    """The cases awaiting this user's deciding body, most urgent first, with the vote form."""
    user, lang = _user(request), _lang()
    bound: f.ActionForm | None = None
    bound_case: int | None = None
    status = 200
    if request.method == "POST":
        case_id = request.POST.get("case", "")
        case = selectors.cases_visible_to(user).filter(pk=int(case_id) if case_id.isdigit() else 0).first()
        if case is None:
            raise Http404
        form = f.VoteForm(request.POST, key=str(case.pk))
        problems: list[FieldProblem] = []
        if form.is_valid():
            try:
                services.case_transition(
                    actor=user,
                    case_id=case.pk,
                    action="vote",
                    data=form.service_data(),
                    expected_revision=form.cleaned_data["expected_revision"],
                )
            except ServiceError as exc:
                if exc.status == 404:
                    raise Http404 from None
                problems, status = _problems(exc), exc.status
                messages.error(request, exc.message(lang))
            else:
                messages.success(request, str(SUCCESS["vote"]))
                return redirect("staff-committee")
        else:
            status = 400
            messages.error(request, _("Some fields are invalid."))
        case.refresh_from_db()
        bound = _rebind(form, case, key=str(case.pk))
        f.add_problems(bound, problems, lang)
        bound_case = case.pk
    cases = (
        selectors.case_inbox(user=user, step="committee_review", status=CaseStatus.OPEN)
        .filter(deciding_body__in=_bodies(user))
        .prefetch_related("votes__member")
        .order_by("decision_due", "id")
    )
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    quorum = selectors.committee_quorum()
    is_member = roles.has_any(user, (roles.COMMITTEE,))
    sees_votes = roles.has_any(user, (roles.COMMITTEE, roles.ADMIN))
    now = timezone.now()
    rows = []
    for case in page.object_list:
        votes = list(case.votes.all())
        voted = any(v.member_id == user.pk for v in votes)
        vote_form: f.ActionForm | None = None
        if is_member and case.deciding_body == "research_committee" and not voted:
            vote_form = (
                bound
                if bound is not None and bound_case == case.pk
                else f.VoteForm(initial={"expected_revision": case.revision}, key=str(case.pk))
            )
        rows.append(
            {
                "case": case,
                "votes": votes if sees_votes else None,
                "votes_cast": len(votes),
                "accept": sum(v.choice == VoteChoice.ACCEPT for v in votes),
                "reject": sum(v.choice == VoteChoice.REJECT for v in votes),
                "quorum": quorum if case.deciding_body == "research_committee" else None,
                "quorum_met": case.deciding_body != "research_committee" or len(votes) >= quorum,
                "voted": voted,
                "form": vote_form,
                "overdue": selectors.case_is_overdue(case, now=now),
                "body": _label(CatalogKind.PARTY, case.deciding_body, lang),
            }
        )
    return _render(request, "committee.html", {"page": page, "rows": rows}, status=status)


# --- the registry -------------------------------------------------------------------------------


def _household_rows(formset: Any) -> tuple[list[dict[str, Any]], list[int]]:
    """The household rows filled in, and for each the index of its form (blank rows are left out,
    so the service's ``household[i]`` is the i-th filled row, not the i-th form)."""
    rows, where = [], []
    for index, form in enumerate(formset.forms):
        data = form.cleaned_data if form.is_valid() else {}
        if not any(data.values()):
            continue
        rows.append(
            {
                "full_name_ar": data.get("full_name_ar") or "",
                "relation": data.get("relation") or "",
                "national_id": data.get("national_id") or "",
                "birth_date": data.get("birth_date"),
                "gender": data.get("gender") or "",
            }
        )
        where.append(index)
    return rows, where


def _register(
    request: HttpRequest,
) -> tuple[Beneficiary | None, f.BeneficiaryForm, Any, dict[str, Any] | None]:
    user, lang = _user(request), _lang()
    form = f.BeneficiaryForm(request.POST)
    household = f.HouseholdFormSet(request.POST, prefix="household")
    existing = None
    if not (form.is_valid() and household.is_valid()):
        messages.error(request, _("Some fields are invalid."))
        return None, form, household, None
    rows, where = _household_rows(household)
    data = form.cleaned_data
    try:
        beneficiary = services.beneficiary_register(
            actor=user,
            national_id=data["national_id"],
            full_name_ar=data["full_name_ar"],
            phone=data["phone"],
            birth_date=data["birth_date"],
            gender=data["gender"],
            city=data["city"],
            notes=data["notes"],
            household=rows,
        )
    except ServiceError as exc:
        messages.error(request, exc.message(lang))
        for problem in _problems(exc):
            if problem.field.startswith("household["):
                index, _dot, name = problem.field[len("household[") :].partition("].")
                member = (
                    household.forms[where[int(index)]]
                    if index.isdigit() and int(index) < len(where)
                    else None
                )
                if member is not None and name in member.fields:
                    member.add_error(name, problem.message(lang))
                    continue
            form.add_error(problem.field if problem.field in form.fields else None, problem.message(lang))
        existing = exc.extra.get("existing")
        return None, form, household, existing
    return beneficiary, form, household, None


@staff_screen(*roles.REGISTRY_READERS)
def beneficiary_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    can_write = roles.has_any(user, roles.REGISTRY_WRITERS)
    form, household, existing, status = f.BeneficiaryForm(), f.HouseholdFormSet(prefix="household"), None, 200
    if request.method == "POST":
        if not can_write:
            return render(request, "casework/forbidden.html", status=403)
        beneficiary, form, household, existing = _register(request)
        if beneficiary is not None:
            messages.success(request, _("The beneficiary is registered."))
            flags = selectors.duplicate_flags().filter(beneficiary=beneficiary)
            if flags.exists():
                messages.warning(
                    request,
                    _(
                        "A record with a similar name and the same mobile number exists: check the duplicates list."
                    ),
                )
            return redirect("staff-beneficiary", pk=beneficiary.pk)
        status = 400
    query = request.GET.get("q", "")
    page = Paginator(selectors.beneficiaries_search(query=query), PAGE_SIZE).get_page(request.GET.get("page"))
    return _render(
        request,
        "beneficiaries.html",
        {
            "q": query,
            "page": page,
            "form": form,
            "household": household,
            "can_write": can_write,
            "existing": existing,
            "open_duplicates": selectors.duplicate_flags().count() if can_write else 0,
        },
        status=status,
    )


@staff_screen(*roles.REGISTRY_READERS)
def beneficiary_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user, lang = _user(request), _lang()
    beneficiary = selectors.beneficiary_get(beneficiary_id=pk)
    if beneficiary is None:
        raise Http404
    can_write = roles.has_any(user, roles.REGISTRY_WRITERS)
    upload = f.DocumentForm()
    status = 200
    if request.method == "POST":
        if not can_write:
            return render(request, "casework/forbidden.html", status=403)
        upload = f.DocumentForm(request.POST, request.FILES)
        if upload.is_valid():
            try:
                services.beneficiary_document_upload(
                    actor=user,
                    beneficiary_id=pk,
                    upload=upload.cleaned_data["file"],
                    kind=upload.cleaned_data["kind"],
                )
            except ServiceError as exc:
                messages.error(request, exc.message(lang))
                f.add_problems(upload, _problems(exc), lang)
                status = exc.status
            else:
                messages.success(request, _("The document was added to the file."))
                return redirect("staff-beneficiary", pk=pk)
        else:
            status = 400
    flags = list(
        selectors.duplicate_flags().filter(beneficiary=beneficiary)
        | selectors.duplicate_flags().filter(other=beneficiary)
    )
    cases = list(selectors.case_inbox(user=user, beneficiary_id=pk))
    engine = _engine_in_force()
    labels = _channel_labels(engine, lang)
    return _render(
        request,
        "beneficiary_detail.html",
        {
            "beneficiary": beneficiary,
            "household": [(m, _choice_label("relation", m.relation)) for m in beneficiary.household.all()],
            "documents": list(beneficiary.documents.all()),
            "cases": [
                {
                    "case": c,
                    "channel": labels.get(c.channel, c.channel),
                    "step": _label(CatalogKind.STEP, c.step, lang),
                }
                for c in cases
            ],
            "flags": flags,
            "upload": upload,
            "can_write": can_write,
            "can_open": roles.has_any(user, roles.CASE_OPENERS),
        },
        status=status,
    )


@staff_screen(*roles.REGISTRY_READERS)
def beneficiary_document(request: HttpRequest, pk: int, document_id: int) -> FileResponse:
    document = BeneficiaryDocument.objects.filter(pk=document_id, beneficiary_id=pk).first()
    if document is None:
        raise Http404
    return FileResponse(
        document.file.open("rb"), content_type=document.content_type, filename=document.original_name
    )


@staff_screen(*roles.REGISTRY_WRITERS)
def duplicate_list(request: HttpRequest) -> HttpResponse:
    user, lang = _user(request), _lang()
    status = 200
    if request.method == "POST":
        flag_id = request.POST.get("flag", "")
        pk = int(flag_id) if flag_id.isdigit() else 0
        try:
            if request.POST.get("op") == "merge":
                keep = request.POST.get("keep", "")
                kept = services.duplicate_merge(
                    actor=user, flag_id=pk, keep_id=int(keep) if keep.isdigit() else None
                )
                messages.success(
                    request, _("The records were merged: every case and document is now in one file.")
                )
                return redirect("staff-beneficiary", pk=kept.pk)
            dismiss = f.DismissForm(request.POST)
            dismiss.is_valid()
            services.duplicate_dismiss(actor=user, flag_id=pk, note=dismiss.cleaned_data.get("note") or "")
        except ServiceError as exc:
            if exc.status == 404:
                raise Http404 from None
            for problem in _problems(exc):
                messages.error(request, problem.message(lang))
            status = exc.status
        else:
            messages.success(request, _("The flag was dismissed: both records are kept."))
            return redirect("staff-duplicates")
    # The older record is kept unless the employee chooses the other one.
    flags = [
        (
            flag,
            [(b, b.pk == min(flag.beneficiary_id, flag.other_id)) for b in (flag.beneficiary, flag.other)],
            flag.beneficiary.merged_into_id is None and flag.other.merged_into_id is None,
        )
        for flag in selectors.duplicate_flags()
    ]
    return _render(request, "duplicates.html", {"flags": flags, "dismiss": f.DismissForm()}, status=status)


# --- opening a case -----------------------------------------------------------------------------


@staff_screen(*roles.CASE_OPENERS)
def case_new(request: HttpRequest) -> HttpResponse:
    user, lang = _user(request), _lang()
    engine = _engine_in_force()
    channels = _channel_choices(engine, lang)
    status = 200
    if request.method == "POST":
        form = f.CaseOpenForm(request.POST, channels=channels)
        if form.is_valid():
            try:
                case = services.case_open(
                    actor=user,
                    beneficiary_id=form.cleaned_data["beneficiary"],
                    channel=form.cleaned_data["channel"],
                    assigned_to_id=user.pk if form.cleaned_data["assign_to_me"] else None,
                )
            except ServiceError as exc:
                messages.error(request, exc.message(lang))
                f.add_problems(form, _problems(exc), lang)
                status = exc.status
            else:
                messages.success(request, _("The request is open."))
                return redirect("staff-case", pk=case.pk)
        else:
            status = 400
    else:
        wanted = request.GET.get("beneficiary", "")
        form = f.CaseOpenForm(
            initial={"beneficiary": int(wanted) if wanted.isdigit() else None}, channels=channels
        )
    beneficiary = None
    raw = form["beneficiary"].value()
    if raw not in (None, "") and str(raw).isdigit():
        beneficiary = Beneficiary.objects.filter(pk=int(raw)).first()
    return _render(
        request,
        "case_new.html",
        {"form": form, "beneficiary": beneficiary, "no_policy": engine is None},
        status=status,
    )


@staff_screen(*SATISFACTION_READERS)
def satisfaction(request: HttpRequest) -> HttpResponse:
    """Beneficiaries' ratings of the service: overall, and per employee from five ratings."""
    return _render(request, "satisfaction.html", {"summary": selectors.rating_summaries()})
