"""Actions at any step of an open case: withdraw, assign, note."""

from __future__ import annotations

from casework import roles
from casework.models import (
    CaseOutcome,
)
from casework.services._base import (
    required_problem,
    staff_member,
    text_field,
)
from casework.services.actions._types import ActionContext, Applied
from core.errors import forbidden, invalid


def do_withdraw(ctx: ActionContext) -> Applied:
    reason = text_field(ctx.data, "reason")
    if not reason:
        raise invalid([required_problem("reason")])
    return Applied(close=CaseOutcome.WITHDRAWN, reason=reason)


def do_assign(ctx: ActionContext) -> Applied:
    raw = ctx.data.get("user")
    if raw == "me":
        raw = ctx.actor.pk if ctx.actor else None
    assignee = None if raw is None else staff_member(raw, field_name="user")
    if ctx.actor is not None and roles.ADMIN not in ctx.roles and assignee != ctx.actor:
        raise forbidden("يمكنك أن تسند الطلب إلى نفسك فقط.", "You can only assign the request to yourself.")
    old = ctx.case.assigned_to_id
    ctx.case.assigned_to = assignee
    return Applied(event={"from": old, "to": assignee.pk if assignee else None}, changed=["assigned_to"])


def do_note(ctx: ActionContext) -> Applied:
    text = text_field(ctx.data, "text")
    if not text:
        raise invalid([required_problem("text")])
    return Applied(event={"text": text})
