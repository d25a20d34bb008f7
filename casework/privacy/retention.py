"""How long an association keeps its records, per class of data: defaults and the bounds an admin
may set them within. The defaults follow the sector's practice for charities' records of support
(ten years for what was paid or given, as financial records; five for requests that were
rejected or withdrawn) and keep the access log two years; an association may keep longer, never
less than the minimum (docs/adr/0019)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record
from casework import roles
from casework.models import Beneficiary, CaseOutcome, CaseStatus
from casework.privacy.models import RetentionClass, RetentionRule
from core.errors import FieldProblem, forbidden, invalid


@dataclass(frozen=True)
class Bounds:
    default: int
    minimum: int
    maximum: int


BOUNDS: dict[str, Bounds] = {
    RetentionClass.SERVED: Bounds(default=10, minimum=10, maximum=25),
    RetentionClass.OTHER: Bounds(default=5, minimum=2, maximum=25),
    RetentionClass.ACCESS_LOG: Bounds(default=2, minimum=1, maximum=10),
}


def retention_years(data_class: str) -> int:
    rule = RetentionRule.objects.filter(data_class=data_class).first()
    return rule.years if rule is not None else BOUNDS[data_class].default


def retention_table() -> list[dict[str, object]]:
    """Each class with its years now, its default and bounds (for the admin's screen and the API)."""
    rules = {r.data_class: r for r in RetentionRule.objects.all()}
    return [
        {
            "data_class": choice.value,
            "label": str(choice.label),
            "years": rules[choice.value].years if choice.value in rules else BOUNDS[choice.value].default,
            "default": BOUNDS[choice.value].default,
            "minimum": BOUNDS[choice.value].minimum,
            "maximum": BOUNDS[choice.value].maximum,
        }
        for choice in RetentionClass
    ]


@transaction.atomic
def retention_rule_set(*, actor: User | None, data_class: str, years: object) -> RetentionRule:
    """Set how many years a class of records is kept (the association's admin), within the bounds."""
    if actor is not None and not roles.has_any(actor, (roles.ADMIN,)):
        raise forbidden("لا تملك صلاحية تعديل مدد الحفظ.", "You may not change how long records are kept.")
    if data_class not in BOUNDS:
        raise invalid(
            [
                FieldProblem(
                    "data_class", "invalid_choice", "صنف بيانات غير معروف.", "Unknown class of records."
                )
            ]
        )
    bounds = BOUNDS[data_class]
    if not isinstance(years, int) or isinstance(years, bool):
        raise invalid([FieldProblem("years", "not_a_number", "اكتب عدد سنوات.", "Give a number of years.")])
    if years < bounds.minimum:
        raise invalid(
            [
                FieldProblem(
                    "years",
                    "below_legal_minimum",
                    f"لا يجوز أن تقل مدة الحفظ عن {bounds.minimum} سنوات لهذا الصنف.",
                    f"Records of this class must be kept at least {bounds.minimum} years.",
                )
            ]
        )
    if years > bounds.maximum:
        raise invalid(
            [
                FieldProblem(
                    "years",
                    "above_maximum",
                    f"لا تُحفظ البيانات أكثر من حاجتها: الحد الأعلى {bounds.maximum} سنة.",
                    f"Data is not kept longer than needed: at most {bounds.maximum} years.",
                )
            ]
        )
    before = retention_years(data_class)
    rule, _ = RetentionRule.objects.update_or_create(
        data_class=data_class, defaults={"years": years, "updated_by": actor}
    )
    audit_record(
        actor=actor,
        action="privacy.retention_set",
        obj=rule,
        changes={"years": {"old": before, "new": years}},
    )
    return rule


def keep_until(beneficiary: Beneficiary) -> dt.datetime | None:
    """Until when the law keeps this person's record: the latest end of retention of their closed
    requests; None when nothing holds it (no request, or every retention period has ended). A
    record with an open request is held (its end is not known yet): ``timezone.now()`` is never
    returned for it, the caller checks open requests first."""
    now = timezone.now()
    latest: dt.datetime | None = None
    for case in beneficiary.cases.filter(status=CaseStatus.CLOSED).only("outcome", "closed_at"):
        served = case.outcome in (CaseOutcome.SERVED, CaseOutcome.ACCEPTED)
        years = retention_years(RetentionClass.SERVED if served else RetentionClass.OTHER)
        end = (case.closed_at or now) + dt.timedelta(days=365 * years + years // 4)
        if end > now and (latest is None or end > latest):
            latest = end
    return latest
