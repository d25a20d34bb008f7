"""Actions at committee review: a member's vote and the deciding body's decision."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

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
)
from casework.services.actions._types import ActionContext, Applied
from casework.services.actions.inputs import ActionInput, text
from casework.services.actions.inputs import choice as one_of
from casework.services.steps import needs_attestation
from core.errors import forbidden, invalid

ACCEPT_OR_REJECT = ("اختر: قبول أو رفض.", "Choose accept or reject.")


@dataclass(frozen=True)
class VoteInput(ActionInput):
    choice: str = one_of(
        tuple(VoteChoice.choices), required=True, invalid=ACCEPT_OR_REJECT, invalid_code="invalid_choice"
    )
    reason: str = text(required=True, max_length=4000)


@dataclass(frozen=True)
class DecideInput(ActionInput):
    # The research committee's votes decide its outcome (sent, it must agree with them); any other
    # deciding body says it.
    outcome: str | None = one_of(
        ((CaseOutcome.ACCEPTED, _("Accept")), (CaseOutcome.REJECTED, _("Reject"))), invalid=ACCEPT_OR_REJECT
    )
    reason: str = text(max_length=4000)
    minutes: str = text(max_length=20000)


def _require_body(ctx: ActionContext, body: str) -> None:
    if ctx.case.deciding_body != body:
        raise refused(
            "wrong_deciding_body",
            "action",
            "الجهة المقررة في سياسة هذا الطلب جهة أخرى.",
            "The deciding body in this request's policy is someone else.",
        )


def do_vote(ctx: ActionContext, inp: VoteInput) -> Applied:
    _require_body(ctx, "research_committee")
    if ctx.actor is None:
        raise forbidden("التصويت لأعضاء اللجنة فقط.", "Only committee members vote.")
    already = refused(
        "already_voted", "choice", "سبق أن صوّتَّ على هذا الطلب.", "You have already voted on this case."
    )
    if ctx.case.votes.filter(member=ctx.actor).exists():
        raise already
    try:
        with transaction.atomic():
            vote = CommitteeVote.objects.create(
                case=ctx.case, member=ctx.actor, choice=inp.choice, reason=inp.reason
            )
    except IntegrityError:
        raise already from None
    return Applied(event={"vote": vote.pk, "choice": inp.choice})


def do_decide(ctx: ActionContext, inp: DecideInput) -> Applied:
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
    reason, minutes, wanted = inp.reason, inp.minutes, inp.outcome
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
        if wanted is None:
            raise invalid([field_problem("outcome", "invalid_choice", *ACCEPT_OR_REJECT)])
        outcome = CaseOutcome(wanted)
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
