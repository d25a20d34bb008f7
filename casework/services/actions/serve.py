"""Action at the serve step: record the service delivered."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from casework.models import (
    ServiceDelivery,
)
from casework.services._base import (
    field_problem,
    required_problem,
    text_field,
)
from casework.services.actions._types import ActionContext, Applied
from core.errors import invalid


def do_record_service(ctx: ActionContext) -> Applied:
    kind = text_field(ctx.data, "kind")
    description = text_field(ctx.data, "description")
    problems = [] if kind else [required_problem("kind")]
    amount: Decimal | None = None
    if ctx.data.get("amount") not in (None, ""):
        try:
            amount = Decimal(str(ctx.data.get("amount")))
            if not amount.is_finite() or amount < 0 or amount >= Decimal("1e10"):
                raise InvalidOperation
            amount = amount.quantize(Decimal("0.01"))
        except InvalidOperation:
            problems.append(
                field_problem("amount", "invalid_amount", "مبلغ غير صحيح.", "Not a valid amount.")
            )
    if amount is None and not description:
        problems.append(
            field_problem(
                "description",
                "required",
                "اذكر المبلغ أو وصف المساعدة العينية.",
                "Give the amount, or describe the in-kind help.",
            )
        )
    delivered_on = timezone.localdate()
    if ctx.data.get("delivered_on"):
        try:
            delivered_on = dt.date.fromisoformat(str(ctx.data.get("delivered_on")))
        except ValueError:
            problems.append(
                field_problem("delivered_on", "invalid_date", "تاريخ غير صحيح.", "Not a valid date.")
            )
        else:
            if delivered_on > timezone.localdate():
                problems.append(
                    field_problem(
                        "delivered_on", "in_future", "التاريخ في المستقبل.", "The date is in the future."
                    )
                )
    if problems:
        raise invalid(problems)
    service = ServiceDelivery.objects.create(
        case=ctx.case,
        kind=kind[:40],
        amount=amount,
        description=description,
        delivered_on=delivered_on,
        employee=ctx.actor,
    )
    return Applied(event={"service": service.pk, "kind": service.kind, "amount": amount})
