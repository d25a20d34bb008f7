"""Actions at the refer step: refer the question, answer the referral."""

from __future__ import annotations

from casework import roles
from casework.models import (
    Referral,
)
from casework.services._base import (
    as_id,
    field_problem,
    refused,
    required_problem,
    text_field,
)
from casework.services.actions._types import ActionContext, Applied
from core.errors import forbidden, invalid


def do_refer(ctx: ActionContext) -> Applied:
    target = ctx.engine.referral_target()
    question = text_field(ctx.data, "question")
    if target is None:  # pragma: no cover - the rule's steps exclude procedures without "refer"
        raise refused("no_referral", "action", "لا إحالة في هذه السياسة.", "This policy has no referral.")
    if not question:
        raise invalid([required_problem("question")])
    referral = Referral.objects.create(case=ctx.case, target=target, question=question, asked_by=ctx.actor)
    return Applied(event={"referral": referral.pk, "target": target})


def do_answer_referral(ctx: ActionContext) -> Applied:
    referral_id = ctx.data.get("referral")
    referral = None
    pk = as_id(referral_id)
    if pk is not None:
        referral = ctx.case.referrals.filter(pk=pk).first()
    elif referral_id is None:
        referral = ctx.case.referrals.filter(answered_at__isnull=True).first()
    if referral is None:
        raise invalid(
            [
                field_problem(
                    "referral", "not_found", "لا توجد إحالة بهذا الرقم.", "No such referral on this case."
                )
            ]
        )
    if ctx.actor is not None and not ctx.roles & {roles.PARTY_ROLES.get(referral.target, ""), roles.ADMIN}:
        raise forbidden("هذه الإحالة موجهة إلى جهة أخرى.", "This referral is addressed to someone else.")
    if referral.answered_at is not None:
        raise refused("already_answered", "referral", "أُجيبت هذه الإحالة من قبل.", "Already answered.")
    answer = text_field(ctx.data, "answer")
    if not answer:
        raise invalid([required_problem("answer")])
    referral.answer = answer
    referral.answered_by = ctx.actor
    referral.answered_at = ctx.now
    referral.save(update_fields=["answer", "answered_by", "answered_at"])
    return Applied(event={"referral": referral.pk})
