"""Actions at any step of an open case: withdraw, assign, note."""

from __future__ import annotations

from dataclasses import dataclass

from casework import roles
from casework.models import (
    CaseOutcome,
)
from casework.services._base import staff_member
from casework.services.actions._types import ActionContext, Applied
from casework.services.actions.inputs import ActionInput, me_or_id, text
from core.errors import forbidden

NOT_STAFF = ("لا يوجد موظف بهذا الرقم.", "No such staff member.")


@dataclass(frozen=True)
class WithdrawInput(ActionInput):
    reason: str = text(required=True, max_length=2000)


@dataclass(frozen=True)
class AssignInput(ActionInput):
    # "me", a staff member's id, or nothing (no one: the association admin only).
    user: int | str | None = me_or_id(invalid=NOT_STAFF, invalid_code="not_staff")


@dataclass(frozen=True)
class NoteInput(ActionInput):
    text: str = text(required=True, max_length=4000)


def do_withdraw(ctx: ActionContext, inp: WithdrawInput) -> Applied:
    return Applied(close=CaseOutcome.WITHDRAWN, reason=inp.reason)


def do_assign(ctx: ActionContext, inp: AssignInput) -> Applied:
    wanted = ctx.actor.pk if inp.user == "me" and ctx.actor else inp.user
    assignee = None if wanted is None or wanted == "me" else staff_member(wanted, field_name="user")
    if ctx.actor is not None and roles.ADMIN not in ctx.roles and assignee != ctx.actor:
        raise forbidden("يمكنك أن تسند الطلب إلى نفسك فقط.", "You can only assign the request to yourself.")
    old = ctx.case.assigned_to_id
    ctx.case.assigned_to = assignee
    return Applied(event={"from": old, "to": assignee.pk if assignee else None}, changed=["assigned_to"])


def do_note(ctx: ActionContext, inp: NoteInput) -> Applied:
    return Applied(event={"text": inp.text})
