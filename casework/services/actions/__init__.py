"""The actions a case offers, by step and role: one table, one handler per action."""

from __future__ import annotations

from casework import roles
from casework.services.actions._types import ActionRule
from casework.services.actions.any_step import do_assign, do_note, do_withdraw
from casework.services.actions.attest import do_attest
from casework.services.actions.checklist import do_add_item, do_verify_item
from casework.services.actions.committee import do_decide, do_vote
from casework.services.actions.refer import do_answer_referral, do_refer
from casework.services.actions.serve import do_record_service
from casework.services.steps import STEPS_BEFORE_DECISION, do_complete

_DESK = (roles.RECEPTION, roles.ADMIN)
ACTIONS: dict[str, ActionRule] = {
    "verify_item": ActionRule(_DESK, ("receive", "verify"), do_verify_item),
    "add_item": ActionRule(_DESK, ("receive", "verify"), do_add_item),
    "complete": ActionRule(_DESK, (*STEPS_BEFORE_DECISION, "register", "serve"), do_complete),
    "refer": ActionRule(_DESK, ("refer",), do_refer),
    "answer_referral": ActionRule(
        (roles.RESEARCH_OFFICER, roles.ADMINISTRATION, roles.ADMIN), ("refer",), do_answer_referral
    ),
    # Attest at its step, or again later when the data changed after the applicant signed.
    "attest": ActionRule(_DESK, ("attest", "committee_review"), do_attest),
    "vote": ActionRule((roles.COMMITTEE,), ("committee_review",), do_vote),
    "decide": ActionRule(
        (roles.COMMITTEE, roles.ADMINISTRATION, roles.ADMIN), ("committee_review",), do_decide
    ),
    "record_service": ActionRule(_DESK, ("serve",), do_record_service),
    "withdraw": ActionRule(_DESK, None, do_withdraw),
    "assign": ActionRule(_DESK, None, do_assign),
    "note": ActionRule(roles.CASEWORK_ROLES, None, do_note),
}
