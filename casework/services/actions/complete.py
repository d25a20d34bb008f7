"""Completing the current step: each step's completion guard, then the move to the next."""

from __future__ import annotations

from casework import selectors
from casework.models import (
    CaseOutcome,
    SupportCase,
)
from casework.services._base import (
    field_problem,
    refused,
    step_label,
    text_field,
)
from casework.services.actions._types import ActionContext, Applied
from core.errors import FieldProblem, invalid


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


def _enter_review(ctx: ActionContext, applied: Applied) -> None:
    """Entering committee review starts the review window of the pinned version."""
    ctx.case.submitted_for_decision_at = ctx.now
    ctx.case.decision_due = ctx.engine.decision_due(ctx.now)
    applied.changed += ["submitted_for_decision_at", "decision_due"]
    applied.event["decision_due"] = ctx.case.decision_due.isoformat()


def needs_attestation(ctx: ActionContext) -> bool:
    return ctx.engine.has_step("attest")


def do_complete(ctx: ActionContext) -> Applied:
    case, step = ctx.case, ctx.case.step
    following = ctx.engine.next_step(step)
    wanted = ctx.data.get("to_step")
    if wanted is not None and (
        not isinstance(wanted, str) or not ctx.engine.has_step(wanted) or wanted != following
    ):
        raise refused(
            "step_out_of_order",
            "to_step",
            f"لا يمكن الانتقال إلى «{step_label(str(wanted), 'ar')}» من «{step_label(step, 'ar')}»: "
            "الخطوات تتبع ترتيب السياسة.",
            f"Cannot go to '{wanted}' from '{step}': the steps follow the policy's order.",
        )
    applied = Applied(to_step=following)
    if step in ("receive", "verify"):
        problems = _checklist_problems(case, step)
        if problems:
            raise invalid(problems)
    elif step == "refer":
        referrals = list(case.referrals.all())
        if any(not r.answered_at for r in referrals):
            raise refused(
                "referral_pending",
                "referral",
                "لم تَرِد الإجابة على الإحالة بعد.",
                "The referral has not been answered yet.",
            )
        if not referrals and ctx.data.get("not_needed") is not True:
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
    elif step == "attest":
        if not selectors.attestation_is_valid(case):
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
    elif step == "register":
        number = text_field(ctx.data, "registration_number")
        if number:
            applied.event["registration_number"] = number[:60]
    elif step == "serve":
        if not case.services.exists():
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
        applied.to_step = None
        applied.close = CaseOutcome.SERVED
        return applied
    if following is None:
        applied.close = CaseOutcome.ACCEPTED
    elif following == "committee_review":
        _enter_review(ctx, applied)
    return applied
