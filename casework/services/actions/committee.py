"""Actions at committee review: a member's vote and the deciding body's decision."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from casework import roles, selectors
from casework.models import (
    CaseOutcome,
    CommitteeVote,
    Decision,
    VoteChoice,
)
from casework.services._base import (
    field_problem,
    refused,
    required_problem,
    text_field,
)
from casework.services.actions._types import ActionContext, Applied
from casework.services.steps import needs_attestation
from core.errors import forbidden, invalid


def _require_body(ctx: ActionContext, body: str) -> None:
    if ctx.case.deciding_body != body:
        raise refused(
            "wrong_deciding_body",
            "action",
            "الجهة المقررة في سياسة هذا الطلب جهة أخرى.",
            "The deciding body in this request's policy is someone else.",
        )


def do_vote(ctx: ActionContext) -> Applied:
    _require_body(ctx, "research_committee")
    if ctx.actor is None:
        raise forbidden("التصويت لأعضاء اللجنة فقط.", "Only committee members vote.")
    choice = str(ctx.data.get("choice") or "")
    reason = text_field(ctx.data, "reason")
    problems = []
    if choice not in VoteChoice.values:
        problems.append(
            field_problem("choice", "invalid_choice", "اختر: قبول أو رفض.", "Choose accept or reject.")
        )
    if not reason:
        problems.append(required_problem("reason"))
    if problems:
        raise invalid(problems)
    already = refused(
        "already_voted", "choice", "سبق أن صوّتَّ على هذا الطلب.", "You have already voted on this case."
    )
    if ctx.case.votes.filter(member=ctx.actor).exists():
        raise already
    try:
        with transaction.atomic():
            vote = CommitteeVote.objects.create(case=ctx.case, member=ctx.actor, choice=choice, reason=reason)
    except IntegrityError:
        raise already from None
    return Applied(event={"vote": vote.pk, "choice": choice})


def do_decide(ctx: ActionContext) -> Applied:
    case, body = ctx.case, ctx.case.deciding_body
    if ctx.actor is not None and not ctx.roles & {roles.PARTY_ROLES.get(body, ""), roles.ADMIN}:
        raise forbidden("القرار للجهة المقررة في السياسة.", "Only the deciding body decides.")
    if needs_attestation(ctx) and not selectors.attestation_is_valid(case):
        raise refused(
            "attestation_void",
            "attestation",
            "تغيرت بيانات الطلب بعد توقيع مقدمه؛ يلزم توقيعه من جديد قبل القرار.",
            "The request's data changed after the applicant signed: they must sign again before a decision.",
        )
    reason, minutes = text_field(ctx.data, "reason"), text_field(ctx.data, "minutes")
    wanted = ctx.data.get("outcome")
    accept = reject = 0
    quorum: int | None = None
    if body == "research_committee":
        votes = list(case.votes.all())
        quorum = selectors.committee_quorum()
        accept = sum(v.choice == VoteChoice.ACCEPT for v in votes)
        reject = len(votes) - accept
        if len(votes) < quorum:
            raise refused(
                "quorum_not_met",
                "action",
                f"لم يكتمل نصاب اللجنة: {len(votes)} صوت من {quorum} مطلوبة.",
                f"No quorum yet: {len(votes)} vote(s) of {quorum} needed.",
            )
        if accept == reject:
            raise refused(
                "tied_vote",
                "action",
                "تعادلت الأصوات؛ يلزم صوت آخر للترجيح.",
                "The votes are tied: another vote is needed to decide.",
            )
        outcome = CaseOutcome.ACCEPTED if accept > reject else CaseOutcome.REJECTED
        problems = [] if minutes else [required_problem("minutes")]
        if wanted is not None and wanted != outcome:
            problems.append(
                field_problem(
                    "outcome",
                    "contradicts_votes",
                    "القرار يخالف أغلبية الأصوات.",
                    "The outcome contradicts the majority of the votes.",
                )
            )
        if problems:
            raise invalid(problems)
        if outcome == CaseOutcome.REJECTED and not reason:
            reason = "؛ ".join(v.reason for v in votes if v.choice == VoteChoice.REJECT)
    else:
        if wanted not in (CaseOutcome.ACCEPTED, CaseOutcome.REJECTED):
            raise invalid(
                [
                    field_problem(
                        "outcome", "invalid_choice", "اختر: قبول أو رفض.", "Choose accepted or rejected."
                    )
                ]
            )
        outcome = wanted
        if outcome == CaseOutcome.REJECTED and not reason:
            raise invalid([required_problem("reason")])
    decision = Decision.objects.create(
        case=case,
        body=body,
        outcome=outcome,
        reason=reason,
        minutes=minutes,
        votes_accept=accept,
        votes_reject=reject,
        quorum=quorum,
        decided_by=ctx.actor,
    )
    applied = Applied(event={"decision": decision.pk, "outcome": outcome, "votes": [accept, reject]})
    if outcome == CaseOutcome.REJECTED:
        applied.close, applied.reason = CaseOutcome.REJECTED, reason
        return applied
    applied.to_step = ctx.engine.next_step("committee_review")
    if applied.to_step is None:
        applied.close = CaseOutcome.ACCEPTED
    return applied
