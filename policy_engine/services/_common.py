"""What every policy write shares: the role check, validation as field problems, the row lock,
the approval dates, and bringing a version into force."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from accounts.models import User
from audit.services import audit_record
from core.errors import FieldProblem, ServiceError, conflict, forbidden, invalid
from policy_engine import notifications
from policy_engine.models import PolicyStatus, PolicyVersion
from policy_engine.rules.validation import validate
from themes.dates import from_hijri, to_hijri


def require_role(actor: User | None, *codes: str) -> None:
    if actor is None:
        return  # system actions (seeding, management commands)
    if actor.holds_any(codes):
        return
    raise forbidden("لا تملك صلاحية هذا الإجراء.", "You are not allowed to do this.")


def document_problems(document: Any) -> list[FieldProblem]:
    return [
        FieldProblem(f"document.{e.path}" if e.path else "document", e.code, e.message_ar, e.message_en)
        for e in validate(document)
    ]


def locked(number: int) -> PolicyVersion:
    version = PolicyVersion.objects.select_for_update().filter(number=number).first()
    if version is None:
        raise ServiceError("not_found", "لا يوجد إصدار بهذا الرقم.", "No such policy version.", 404)
    return version


def not_editable(version: PolicyVersion) -> ServiceError:
    return conflict(
        "not_editable",
        f"الإصدار {version.number} لم يعد مسودة ولا يمكن تعديله؛ أنشئ مسودة جديدة منه.",
        f"Version {version.number} is no longer a draft and cannot change; start a new draft from it.",
    )


def approval_dates(
    *, date_gregorian: dt.date | None = None, date_hijri: str | None = None
) -> tuple[dt.date, str]:
    """Either date entered, the other computed (Umm al-Qura); both entered must agree."""
    hijri_date: dt.date | None = None
    if date_hijri:
        try:
            year, month, day = (int(part) for part in date_hijri.replace("/", "-").split("-"))
            hijri_date = from_hijri(year, month, day)
        except (ValueError, OverflowError):
            raise invalid(
                [
                    FieldProblem(
                        "date_hijri",
                        "invalid_hijri_date",
                        "هذا التاريخ الهجري غير موجود في تقويم أم القرى (الصيغة: سنة-شهر-يوم).",
                        "This Hijri date does not exist in the Umm al-Qura calendar (format: YYYY-MM-DD).",
                    )
                ]
            ) from None
    if hijri_date and date_gregorian and hijri_date != date_gregorian:
        raise invalid(
            [
                FieldProblem(
                    "date_hijri",
                    "dates_disagree",
                    "التاريخان الهجري والميلادي لا يدلان على اليوم نفسه.",
                    "The Hijri and Gregorian dates are not the same day.",
                )
            ]
        )
    gregorian = date_gregorian or hijri_date
    if gregorian is None:
        raise invalid(
            [
                FieldProblem(
                    "date_gregorian",
                    "required",
                    "أدخل تاريخ الاعتماد بالهجري أو بالميلادي.",
                    "Enter the approval date, Hijri or Gregorian.",
                )
            ]
        )
    h = to_hijri(gregorian)
    return gregorian, f"{h.year:04d}-{h.month:02d}-{h.day:02d}"


def put_in_force(version: PolicyVersion, *, actor: User | None) -> None:
    now = timezone.now()
    previous = PolicyVersion.objects.select_for_update().filter(status=PolicyStatus.IN_FORCE).first()
    if previous is not None:
        previous.status = PolicyStatus.SUPERSEDED
        previous.superseded_at = now
        previous.save(update_fields=["status", "superseded_at", "updated_at"])
        audit_record(
            actor=actor,
            action="policy.superseded",
            obj=previous,
            changes={"status": {"old": PolicyStatus.IN_FORCE, "new": PolicyStatus.SUPERSEDED}},
        )
    old_status = version.status
    version.status = PolicyStatus.IN_FORCE
    version.in_force_from = now
    version.save(update_fields=["status", "in_force_from", "updated_at"])
    audit_record(
        actor=actor,
        action="policy.in_force",
        obj=version,
        changes={"status": {"old": old_status, "new": PolicyStatus.IN_FORCE}},
    )
    notifications.version_in_force(version)
