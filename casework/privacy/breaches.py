"""The association's breach register: recording a breach, its notifications and measures, and the
72-hour clock to notify the authority (PDPL implementing regulation, art. 24). Only the
association's admin writes it; every write is audited; a stale revision is a 409."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import User
from audit.services import audit_record, field_changes
from casework import roles
from casework.privacy.models import Breach
from core.errors import FieldProblem, conflict, forbidden, invalid, not_found

NOTIFY_WITHIN = dt.timedelta(hours=72)
TEXT_FIELDS = ("what_happened", "data_affected", "notifications", "measures")
EARLIEST_YEAR = 2000
TIME_FIELDS = ("found_at", "authority_notified_at", "people_notified_at")
FIELDS = (*TEXT_FIELDS, "people_affected", *TIME_FIELDS)
REQUIRED = ("what_happened", "data_affected", "people_affected", "found_at")


def deadline(breach: Breach) -> dt.datetime:
    return breach.found_at + NOTIFY_WITHIN


def clock(breach: Breach, now: dt.datetime | None = None) -> dict[str, Any]:
    """Where the 72 hours stand: ``state`` is notified_in_time, notified_late, open (with the
    hours left) or overdue."""
    now = now or timezone.now()
    due = deadline(breach)
    if breach.authority_notified_at is not None:
        state = "notified_in_time" if breach.authority_notified_at <= due else "notified_late"
        return {"state": state, "deadline": due, "hours_left": None}
    if now <= due:
        return {"state": "open", "deadline": due, "hours_left": int((due - now).total_seconds() // 3600)}
    return {"state": "overdue", "deadline": due, "hours_left": 0}


def _require_admin(actor: User | None) -> None:
    if actor is not None and not roles.has_any(actor, (roles.ADMIN,)):
        raise forbidden(
            "سجل الانتهاكات يحرره مدير الجمعية.", "The breach register is kept by the association's admin."
        )


def breach_values_clean(
    values: Mapping[str, Any], *, partial: bool
) -> tuple[dict[str, Any], list[FieldProblem]]:
    clean: dict[str, Any] = {}
    problems: list[FieldProblem] = []
    unknown = sorted(set(values) - set(FIELDS))
    problems += [FieldProblem(k, "unknown_field", "حقل غير معروف.", "Unknown field.") for k in unknown]
    for key in FIELDS:
        if key not in values:
            if not partial and key in REQUIRED:
                problems.append(FieldProblem(key, "required", "هذا الحقل مطلوب.", "This field is required."))
            continue
        value = values[key]
        if key in TEXT_FIELDS:
            text = value.strip() if isinstance(value, str) else ""
            if key in REQUIRED and not text:
                problems.append(FieldProblem(key, "required", "هذا الحقل مطلوب.", "This field is required."))
            elif len(text) > 10_000:
                problems.append(FieldProblem(key, "too_long", "النص طويل جدًا.", "The text is too long."))
            clean[key] = text
        elif key == "people_affected":
            number = int(value) if isinstance(value, str) and value.isascii() and value.isdigit() else value
            if not isinstance(number, int) or isinstance(number, bool) or not 0 <= number <= 100_000_000:
                problems.append(FieldProblem(key, "not_a_number", "اكتب عددًا صحيحًا.", "Give a whole number."))
            else:
                clean[key] = number
        else:
            moment = value if isinstance(value, dt.datetime) else None
            if isinstance(value, str) and value.strip():
                moment = parse_datetime(value.strip()) if len(value) < 40 else None
                if moment is not None and timezone.is_naive(moment):
                    moment = timezone.make_aware(moment)
            if value in (None, "") and key != "found_at":
                clean[key] = None
            elif moment is None:
                problems.append(
                    FieldProblem(key, "invalid_time", "وقت غير صحيح.", "Not a valid date and time.")
                )
            elif moment.year < EARLIEST_YEAR:
                # Riyadh's offset before 1920 is a local mean time (+03:06:52), which no ISO-8601
                # reader takes; and no breach Sila records happened before it existed.
                problems.append(
                    FieldProblem(
                        key, "too_early", "الوقت قبل عام ٢٠٠٠.", "This time is before the year 2000."
                    )
                )
            elif moment > timezone.now() + dt.timedelta(minutes=5):
                problems.append(
                    FieldProblem(key, "in_future", "الوقت في المستقبل.", "This time is in the future.")
                )
            else:
                clean[key] = moment
    return clean, problems


def breach_order_problems(values: Mapping[str, Any]) -> list[FieldProblem]:
    found = values.get("found_at")
    return [
        FieldProblem(
            key,
            "before_found",
            "لا يسبق الإشعارُ اكتشافَ الانتهاك.",
            "A notification cannot precede the finding.",
        )
        for key in ("authority_notified_at", "people_notified_at")
        if found is not None and values.get(key) is not None and values[key] < found
    ]


@transaction.atomic
def breach_record(*, actor: User | None, values: Mapping[str, Any]) -> Breach:
    _require_admin(actor)
    clean, problems = breach_values_clean(values, partial=False)
    problems += breach_order_problems(clean)
    if problems:
        raise invalid(problems)
    breach = Breach.objects.create(recorded_by=actor, **clean)
    audit_record(
        actor=actor,
        action="privacy.breach_recorded",
        obj=breach,
        changes={"people_affected": {"old": None, "new": breach.people_affected}},
    )
    return breach


@transaction.atomic
def breach_update(
    *, actor: User | None, breach_id: int, values: Mapping[str, Any], expected_revision: int | None = None
) -> Breach:
    _require_admin(actor)
    breach = Breach.objects.select_for_update().filter(pk=breach_id).first()
    if breach is None:
        raise not_found("لا يوجد انتهاك بهذا الرقم.", "No such breach.")
    if expected_revision is not None and expected_revision != breach.revision:
        raise conflict(
            "stale_revision",
            "غيّر شخص آخر هذا السجل بعد أن فتحته. أعد تحميله.",
            "Someone else changed this record after you opened it. Reload it.",
        )
    clean, problems = breach_values_clean(values, partial=True)
    merged = {key: getattr(breach, key) for key in FIELDS} | clean
    problems += breach_order_problems(merged)
    if problems:
        raise invalid(problems)
    before = {key: str(getattr(breach, key)) for key in clean}
    for key, value in clean.items():
        setattr(breach, key, value)
    breach.revision += 1
    breach.save(update_fields=[*clean, "revision"])
    audit_record(
        actor=actor,
        action="privacy.breach_updated",
        obj=breach,
        changes=field_changes(before, {key: str(getattr(breach, key)) for key in clean}),
    )
    return breach
