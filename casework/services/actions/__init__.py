"""The actions a case offers, by step and role: one table, each action with the input it declares
(parsed once, see ``inputs``) and its handler, grouped by step in the modules of this package."""

from __future__ import annotations

from typing import Any

from casework import roles
from casework.services.actions._types import ActionRule
from casework.services.actions.any_step import (
    AssignInput,
    NoteInput,
    WithdrawInput,
    do_assign,
    do_note,
    do_withdraw,
)
from casework.services.actions.attest import AttestInput, do_attest
from casework.services.actions.checklist import AddItemInput, VerifyItemInput, do_add_item, do_verify_item
from casework.services.actions.committee import DecideInput, VoteInput, do_decide, do_vote
from casework.services.actions.refer import AnswerReferralInput, ReferInput, do_answer_referral, do_refer
from casework.services.actions.serve import RecordServiceInput, do_record_service
from casework.services.steps import STEPS_BEFORE_DECISION, CompleteInput, do_complete

_DESK = (roles.RECEPTION, roles.ADMIN)
_CHECKLIST_STEPS = ("receive", "verify")
ACTIONS: dict[str, ActionRule[Any]] = {
    "verify_item": ActionRule(_DESK, _CHECKLIST_STEPS, VerifyItemInput, do_verify_item),
    "add_item": ActionRule(_DESK, _CHECKLIST_STEPS, AddItemInput, do_add_item),
    "complete": ActionRule(_DESK, (*STEPS_BEFORE_DECISION, "register", "serve"), CompleteInput, do_complete),
    "refer": ActionRule(_DESK, ("refer",), ReferInput, do_refer),
    "answer_referral": ActionRule(
        (roles.RESEARCH_OFFICER, roles.ADMINISTRATION, roles.ADMIN),
        ("refer",),
        AnswerReferralInput,
        do_answer_referral,
    ),
    # Attest at its step, or again later when the data changed after the applicant signed.
    "attest": ActionRule(_DESK, ("attest", "committee_review"), AttestInput, do_attest),
    "vote": ActionRule((roles.COMMITTEE,), ("committee_review",), VoteInput, do_vote),
    "decide": ActionRule(
        (roles.COMMITTEE, roles.ADMINISTRATION, roles.ADMIN), ("committee_review",), DecideInput, do_decide
    ),
    "record_service": ActionRule(_DESK, ("serve",), RecordServiceInput, do_record_service),
    "withdraw": ActionRule(_DESK, None, WithdrawInput, do_withdraw),
    "assign": ActionRule(_DESK, None, AssignInput, do_assign),
    "note": ActionRule(roles.CASEWORK_ROLES, None, NoteInput, do_note),
}
