"""Actions at the refer step: refer the question, answer the referral."""

from __future__ import annotations

from dataclasses import dataclass

from casework import roles
from casework.models import (
    Referral,
)
from casework.services._base import (
    field_problem,
    refused,
)
from casework.services.actions._types import ActionContext, Applied
from casework.services.actions.inputs import ActionInput, record_id, text
from core.errors import forbidden, invalid

NO_REFERRAL = ("لا توجد إحالة بهذا الرقم.", "No such referral on this case.")


@dataclass(frozen=True)
class ReferInput(ActionInput):
    question: str = text(required=True, max_length=4000)


@dataclass(frozen=True)
class AnswerReferralInput(ActionInput):
    # The referral answered; none: the one still waiting for its answer.
    referral: int | None = record_id(invalid=NO_REFERRAL, invalid_code="not_found")
    answer: str = text(required=True, max_length=4000)


def do_refer(ctx: ActionContext, inp: ReferInput) -> Applied:
    target = ctx.engine.referral_target()
    if target is None:  # pragma: no cover - the rule's steps exclude procedures without "refer"
        raise refused("no_referral", "action", "لا إحالة في هذه السياسة.", "This policy has no referral.")
    referral = Referral.objects.create(
        case=ctx.case, target=target, question=inp.question, asked_by=ctx.actor
    )
    return Applied(event={"referral": referral.pk, "target": target})


def do_answer_referral(ctx: ActionContext, inp: AnswerReferralInput) -> Applied:
    referrals = ctx.case.referrals
    referral = (
        referrals.filter(pk=inp.referral).first()
        if inp.referral is not None
        else referrals.filter(answered_at__isnull=True).first()
    )
    if referral is None:
        raise invalid([field_problem("referral", "not_found", *NO_REFERRAL)])
    if ctx.actor is not None and not ctx.roles & {roles.PARTY_ROLES.get(referral.target, ""), roles.ADMIN}:
        raise forbidden("هذه الإحالة موجهة إلى جهة أخرى.", "This referral is addressed to someone else.")
    if referral.answered_at is not None:
        raise refused("already_answered", "referral", "أُجيبت هذه الإحالة من قبل.", "Already answered.")
    referral.answer = inp.answer
    referral.answered_by = ctx.actor
    referral.answered_at = ctx.now
    referral.save(update_fields=["answer", "answered_by", "answered_at"])
    return Applied(event={"referral": referral.pk})
