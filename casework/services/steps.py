"""What each procedure step is, in one place, completing a step, and the state of every step of a case.

The registry says, per step: the guard that must hold before the step is completed, what entering
it does, the section of the case page where its work is done, the sentence saying what it still
needs, and whether it comes before the decision. ``step_states`` gives every step of a case one
state, read by the case page, the API, the portal and (through ``event_steps``) the timeline alike:

- ``done``: passed; ``skipped``: passed without its work (no referral was needed);
- ``current``: where an open case is; ``pending``: still ahead of an open case;
- ``closed``: where a closed case stopped (rejected at the decision, or withdrawn);
- ``not_reached``: a step a rejected or withdrawn case never came to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from casework import selectors
from casework.models import CaseOutcome, CaseStatus, SupportCase
from casework.services._base import field_problem, refused, step_label
from casework.services.actions._types import ActionContext, Applied
from casework.services.actions.inputs import ActionInput, flag, text
from core.errors import FieldProblem, invalid

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise


@dataclass(frozen=True)
class CompleteInput(ActionInput):
    """Completing the current step. What a step's guard reads is declared here, once."""

    to_step: str = text(max_length=60)  # the step the caller means to go to (the next one only)
    not_needed: bool = flag()  # refer: no referral is needed (the procedures are clear)
    registration_number: str = text(max_length=60)  # register: the number given, if any


Guard = Callable[[ActionContext, CompleteInput, Applied], None]
Entry = Callable[[ActionContext, Applied], None]
Todo = Callable[[SupportCase, bool], str]

STATES: dict[str, _StrPromise] = {
    "done": gettext_lazy("Done"),
    "skipped": gettext_lazy("Not needed"),
    "current": gettext_lazy("Current step"),
    "pending": gettext_lazy("Still to come"),
    "closed": gettext_lazy("The request was closed here"),
    "not_reached": gettext_lazy("Not reached"),
}


@dataclass(frozen=True)
class StepSpec:
    code: str
    section: str  # the case page's section where the step's work is done ("" for none)
    before_decision: bool
    todo: Todo | None = None  # what the step still needs, given the case and whether it is attested
    guard: Guard | None = None  # refuses completing the step, or notes what it recorded
    on_enter: Entry | None = None  # what entering the step does


def _checklist_todo(case: SupportCase, attested: bool) -> str:
    left = sum(
        1 for i in case.checklist.all() if i.step == case.step and i.required and i.verified_at is None
    )
    if not left:
        return ""
    return ngettext(
        "%(n)s item of this step is left to verify.", "%(n)s items of this step are left to verify.", left
    ) % {"n": left}


def _refer_todo(case: SupportCase, attested: bool) -> str:
    referrals = list(case.referrals.all())
    if not referrals:
        return _("Refer the beneficiary's question below, or confirm that no referral is needed.")
    if any(r.answered_at is None for r in referrals):
        return _("Awaiting the answer to the referral.")
    return ""


def _attest_todo(case: SupportCase, attested: bool) -> str:
    return "" if attested else _("The applicant confirms the data and signs below first.")


def _review_todo(case: SupportCase, attested: bool) -> str:
    return _("Awaiting the decision of the deciding body.")


def _serve_todo(case: SupportCase, attested: bool) -> str:
    return "" if case.services.all() else _("Record the service delivered below, then complete the request.")


# --- completion guards and what entering a step does ----------------------------------------------


def _checklist_problems(case: SupportCase, step: str) -> list[FieldProblem]:
    return [
        field_problem(
            f"checklist.{item.code}",
            "not_verified",
            f"لم يُتحقق بعد من: {item.label_ar}.",
            f"Not verified yet: {item.label_en}.",
        )
        for item in case.checklist.filter(step=step, required=True, verified_at__isnull=True)
    ]


def _checklist_guard(ctx: ActionContext, inp: CompleteInput, applied: Applied) -> None:
    problems = _checklist_problems(ctx.case, ctx.case.step)
    if problems:
        raise invalid(problems)


def _refer_guard(ctx: ActionContext, inp: CompleteInput, applied: Applied) -> None:
    referrals = list(ctx.case.referrals.all())
    if any(not r.answered_at for r in referrals):
        raise refused(
            "referral_pending",
            "referral",
            "لم تَرِد الإجابة على الإحالة بعد.",
            "The referral has not been answered yet.",
        )
    if not referrals and not inp.not_needed:
        raise invalid(
            [
                field_problem(
                    "not_needed",
                    "referral_missing",
                    "أحِل سؤال المستفيد أولًا، أو أكّد أن الإجراءات واضحة له ولا حاجة للإحالة.",
                    "Refer the beneficiary's question first, or confirm that no referral is needed.",
                )
            ]
        )
    applied.event["referrals"] = len(referrals)


def _attest_guard(ctx: ActionContext, inp: CompleteInput, applied: Applied) -> None:
    if not selectors.attestation_is_valid(ctx.case):
        raise invalid(
            [
                field_problem(
                    "attestation",
                    "attestation_missing",
                    "يلزم توقيع مقدم الطلب على صحة البيانات المعروضة.",
                    "The applicant must sign that the data shown is correct.",
                )
            ]
        )


def _register_guard(ctx: ActionContext, inp: CompleteInput, applied: Applied) -> None:
    if inp.registration_number:
        applied.event["registration_number"] = inp.registration_number


def _serve_guard(ctx: ActionContext, inp: CompleteInput, applied: Applied) -> None:
    if not ctx.case.services.exists():
        raise invalid(
            [
                field_problem(
                    "services",
                    "no_service",
                    "سجّل الخدمة المقدمة قبل إنهاء الطلب.",
                    "Record the service delivered before completing the request.",
                )
            ]
        )
    # Completing the service completes the request.
    applied.to_step = None
    applied.close = CaseOutcome.SERVED


def _enter_review(ctx: ActionContext, applied: Applied) -> None:
    """Entering committee review starts the review window of the pinned version."""
    ctx.case.submitted_for_decision_at = ctx.now
    ctx.case.decision_due = ctx.engine.decision_due(ctx.now)
    applied.changed += ["submitted_for_decision_at", "decision_due"]
    applied.event["decision_due"] = ctx.case.decision_due.isoformat()


REGISTRY: dict[str, StepSpec] = {
    spec.code: spec
    for spec in (
        StepSpec("receive", "checklist", True, _checklist_todo, _checklist_guard),
        StepSpec("verify", "checklist", True, _checklist_todo, _checklist_guard),
        StepSpec("refer", "referral", True, _refer_todo, _refer_guard),
        StepSpec("attest", "attestation", True, _attest_todo, _attest_guard),
        # Committee review is left by the decision, never by "complete".
        StepSpec("committee_review", "committee", False, _review_todo, on_enter=_enter_review),
        StepSpec("register", "", False, guard=_register_guard),
        StepSpec("serve", "services", False, _serve_todo, _serve_guard),
    )
}
STEPS_BEFORE_DECISION: tuple[str, ...] = tuple(
    code for code, spec in REGISTRY.items() if spec.before_decision
)


def spec_for(step: str) -> StepSpec:
    return REGISTRY.get(step) or StepSpec(step, "", before_decision=False)


def step_todo(case: SupportCase, *, attested: bool) -> str:
    """What the current step of an open case still needs before it can be completed."""
    if case.status != CaseStatus.OPEN:
        return ""
    todo = spec_for(case.step).todo
    return todo(case, attested) if todo is not None else ""


def step_states(case: SupportCase, steps: tuple[str, ...]) -> list[tuple[str, str]]:
    """``(step, state)`` for every step of the case's pinned procedure, in order."""
    here = steps.index(case.step) if case.step in steps else -1
    closed_short = case.status == CaseStatus.CLOSED and case.outcome in (
        CaseOutcome.REJECTED,
        CaseOutcome.WITHDRAWN,
    )
    finished = case.status == CaseStatus.CLOSED and not closed_short
    # A case that passed the refer step without any referral did not need it.
    referred = any(True for _r in case.referrals.all())
    states = []
    for index, code in enumerate(steps):
        if finished or index < here:
            state = "skipped" if code == "refer" and not referred else "done"
        elif index == here:
            state = "closed" if closed_short else "current"
        else:
            state = "not_reached" if closed_short else "pending"
        states.append((code, state))
    return states


@dataclass(frozen=True)
class EventSteps:
    """What the step-state selector says about one timeline entry: the state of the step it left
    (``done``, or ``skipped`` for a referral step passed without a referral), and, for the entry
    that closed the case, the step it closed at and the steps it never reached."""

    from_state: str | None = None
    closed_at: str | None = None
    not_reached: tuple[str, ...] = ()


def event_steps(case: SupportCase, steps: tuple[str, ...]) -> dict[int, EventSteps]:
    """Per timeline entry (by event id) of ``case``, its steps in the words of :func:`step_states`,
    so that the timeline says what the step list says. Entries that neither move nor close the case
    are left out."""
    states = dict(step_states(case, steps))
    events = list(case.events.all())
    closing = None
    if case.status == CaseStatus.CLOSED:
        # The transition function records the outcome in the data of the entry that closed the case.
        closing = next((e for e in reversed(events) if e.data.get("outcome") == case.outcome), None)
    facts: dict[int, EventSteps] = {}
    for event in events:
        moved = bool(event.from_step) and event.from_step != event.to_step
        closes = event is closing
        if not moved and not closes:
            continue
        facts[event.pk] = EventSteps(
            from_state=states.get(event.from_step) if moved else None,
            closed_at=(event.to_step or event.from_step) if closes else None,
            not_reached=tuple(code for code, state in states.items() if state == "not_reached")
            if closes
            else (),
        )
    return facts


def needs_attestation(ctx: ActionContext) -> bool:
    return ctx.engine.has_step("attest")


def do_complete(ctx: ActionContext, inp: CompleteInput) -> Applied:
    """Complete the current step: its guard, then the move to the next step (whose entry runs)."""
    step = ctx.case.step
    following = ctx.engine.next_step(step)
    wanted = inp.to_step
    if wanted and (not ctx.engine.has_step(wanted) or wanted != following):
        raise refused(
            "step_out_of_order",
            "to_step",
            f"لا يمكن الانتقال إلى «{step_label(str(wanted), 'ar')}» من «{step_label(step, 'ar')}»: "
            "الخطوات تتبع ترتيب السياسة.",
            f"Cannot go to '{wanted}' from '{step}': the steps follow the policy's order.",
        )
    applied = Applied(to_step=following)
    spec = spec_for(step)
    if spec.guard is not None:
        spec.guard(ctx, inp, applied)
    if applied.close is not None:
        return applied
    if following is None:
        applied.close = CaseOutcome.ACCEPTED
        return applied
    entering = spec_for(following).on_enter
    if entering is not None:
        entering(ctx, applied)
    return applied
