"""Action at the serve step: record the service delivered."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from casework.models import (
    ServiceDelivery,
)
from casework.services._base import field_problem
from casework.services.actions._types import ActionContext, Applied
from casework.services.actions.inputs import ActionInput, choice, day, money, text
from core.errors import FieldProblem

# The kinds of service a request may end with, in Arabic and English: what the serve step offers,
# what the case page, the timeline and the reports call them.
SERVICE_KINDS: dict[str, tuple[str, str]] = {
    "cash": ("دعم نقدي", "Cash support"),
    "in_kind": ("دعم عيني", "In-kind support"),
    "food_basket": ("سلة غذائية", "Food basket"),
    "voucher": ("قسيمة شراء", "Purchase voucher"),
    "rent": ("دعم الإيجار", "Rent support"),
    "bills": ("سداد فواتير", "Bills paid"),
    "medical": ("دعم علاجي", "Medical support"),
    "education": ("دعم تعليمي", "Education support"),
    "orphan_sponsorship": ("كفالة يتيم", "Orphan sponsorship"),
    "other": ("أخرى", "Other"),
}
# Recorded by earlier versions of the serve form; named, no longer offered.
_FORMER_KINDS = {"bill_payment": SERVICE_KINDS["bills"]}


def service_kind_label(kind: str, lang: str) -> str:
    ar, en = SERVICE_KINDS.get(kind) or _FORMER_KINDS.get(kind) or (kind, kind)
    return en if lang == "en" else ar


@dataclass(frozen=True)
class RecordServiceInput(ActionInput):
    kind: str = choice(
        tuple(SERVICE_KINDS.items()),
        required=True,
        invalid=("اختر نوع الخدمة من القائمة.", "Choose the kind of service from the list."),
    )
    amount: Decimal | None = money()  # noqa: RUF009 - a dataclasses.field, as text() and choice()
    description: str = text(max_length=2000)
    delivered_on: dt.date | None = day(not_future=True)  # noqa: RUF009 - none: today

    def problems(self) -> list[FieldProblem]:
        if self.amount is None and not self.description:
            return [
                field_problem(
                    "description",
                    "required",
                    "اذكر المبلغ أو وصف المساعدة العينية.",
                    "Give the amount, or describe the in-kind help.",
                )
            ]
        return []


def do_record_service(ctx: ActionContext, inp: RecordServiceInput) -> Applied:
    service = ServiceDelivery.objects.create(
        case=ctx.case,
        kind=inp.kind,
        amount=inp.amount,
        description=inp.description,
        delivered_on=inp.delivered_on or timezone.localdate(),
        employee=ctx.actor,
    )
    return Applied(event={"service": service.pk, "kind": service.kind, "amount": inp.amount})
