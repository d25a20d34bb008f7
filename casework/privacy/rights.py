"""The rights of the person (PDPL): requests handled by the association's admin, due within 30
days, each step audited. Access gives a ZIP of everything held (``export``); correction changes the
record through the registry's own service (its audit rows keep the history, old and new);
erasure anonymises at once unless the law keeps the record, which is then restricted until its
retention ends; restriction hides the record from search and lists."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record
from casework import roles
from casework.models import Beneficiary, CaseStatus
from casework.privacy import crosscheck, erasure, export, retention
from casework.privacy.models import (
    AccessAction,
    AccessLogEntry,
    ConsentVia,
    RecordHold,
    RightKind,
    RightsRequest,
    RightStatus,
)
from casework.validators import InvalidValue, national_id_normalize
from core.errors import FieldProblem, ServiceError, conflict, forbidden, invalid, not_found
from tenants.db import connection
from themes.dates import format_hijri

DUE_DAYS = 30
HANDLERS: tuple[str, ...] = (roles.ADMIN,)


def _require_admin(actor: User | None) -> None:
    if actor is not None and not roles.has_any(actor, HANDLERS):
        raise forbidden(
            "طلبات الحقوق يعالجها مدير الجمعية على المنصة.",
            "Rights requests are handled by the association's administrator.",
        )


def _person(beneficiary_id: int | None, national_id: str | None) -> Beneficiary:
    if national_id is not None:
        try:
            normalized = national_id_normalize(national_id)
        except InvalidValue as exc:
            raise invalid([FieldProblem("national_id", exc.code, exc.message_ar, exc.message_en)]) from None
        beneficiary = Beneficiary.objects.filter(national_id=normalized).first()
    else:
        beneficiary = Beneficiary.objects.filter(pk=beneficiary_id).first() if beneficiary_id else None
    while beneficiary is not None and beneficiary.merged_into_id is not None:
        beneficiary = Beneficiary.objects.get(pk=beneficiary.merged_into_id)
    if beneficiary is None:
        raise invalid(
            [
                FieldProblem(
                    "national_id" if national_id is not None else "beneficiary",
                    "no_such_person",
                    "لا تحفظ الجمعية بيانات لشخص بهذا الرقم، فلا يوجد ما يُطّلع عليه أو يُصحَّح أو يُتلف.",
                    "The association holds no data on a person with this number: there is nothing "
                    "to access, correct or erase.",
                )
            ]
        )
    return beneficiary


@transaction.atomic
def rights_request_open(
    *,
    actor: User | None,
    kind: str,
    beneficiary_id: int | None = None,
    national_id: str | None = None,
    details: str = "",
    via: str = ConsentVia.OFFICE,
) -> RightsRequest:
    """Record a person's request to exercise a right; it is due within 30 days."""
    _require_admin(actor)
    problems = []
    if kind not in RightKind.values:
        problems.append(
            FieldProblem(
                "kind",
                "invalid_choice",
                "نوع طلب غير معروف.",
                f"Unknown kind; one of {', '.join(RightKind.values)}.",
            )
        )
    if len(details) > 4000:
        problems.append(
            FieldProblem("details", "too_long", "النص أطول من 4000 حرف.", "Longer than 4000 characters.")
        )
    if problems:
        raise invalid(problems)
    beneficiary = _person(beneficiary_id, national_id)
    # Under a lock on the person, so that two requests sent at once cannot both be recorded.
    Beneficiary.objects.select_for_update().filter(pk=beneficiary.pk).first()
    if RightsRequest.objects.filter(beneficiary=beneficiary, kind=kind, status=RightStatus.OPEN).exists():
        raise ServiceError(
            "already_open",
            "لدى الجمعية طلب مفتوح من هذا النوع لهذا الشخص: يعالجه المدير في موعده، ولا حاجة إلى طلب ثانٍ.",
            "The association already has an open request of this kind for this person: the "
            "administrator handles it by its due date; there is no need for a second one.",
            409,
            [
                FieldProblem(
                    "kind",
                    "already_open",
                    "لهذا الشخص طلب مفتوح من هذا النوع.",
                    "This person has an open request of this kind.",
                )
            ],
        )
    now = timezone.now()
    request = RightsRequest.objects.create(
        beneficiary=beneficiary,
        kind=kind,
        details=details.strip(),
        received_via=via,
        received_at=now,
        due_at=now + dt.timedelta(days=DUE_DAYS),
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        action="privacy.rights_request_opened",
        obj=request,
        changes={
            "kind": {"old": None, "new": kind},
            "beneficiary": {"old": None, "new": beneficiary.pk},
            "via": {"old": None, "new": via},
        },
    )
    return request


def _locked(request_id: int, expected_revision: int | None) -> RightsRequest:
    request = (
        RightsRequest.objects.select_for_update().select_related("beneficiary").filter(pk=request_id).first()
    )
    if request is None:
        raise not_found("لا يوجد طلب حقوق بهذا الرقم.", "No such rights request.")
    if expected_revision is not None and expected_revision != request.revision:
        raise conflict(
            "stale_revision",
            "غيّر شخص آخر هذا الطلب بعد أن فتحته. أعد تحميله.",
            "Someone else changed this request after you opened it. Reload it.",
        )
    if request.status != RightStatus.OPEN:
        raise conflict("already_handled", "عولج هذا الطلب من قبل.", "This request was handled already.")
    return request


def _close(request: RightsRequest, *, actor: User | None, status: str, outcome: str) -> RightsRequest:
    request.status = status
    request.outcome = outcome
    request.completed_at = timezone.now()
    request.completed_by = actor
    request.revision += 1
    request.save(update_fields=["status", "outcome", "completed_at", "completed_by", "revision"])
    audit_record(
        actor=actor,
        action=f"privacy.rights_request_{status}",
        obj=request,
        changes={
            "status": {"old": RightStatus.OPEN, "new": status},
            "kind": {"old": None, "new": request.kind},
        },
    )
    return request


@transaction.atomic
def rights_request_fulfil(
    *,
    actor: User | None,
    request_id: int,
    corrections: Mapping[str, Any] | None = None,
    expected_revision: int | None = None,
    via: str = "screen",
) -> RightsRequest:
    """Do what the request asks (see the module's docstring) and close it."""
    _require_admin(actor)
    request = _locked(request_id, expected_revision)
    beneficiary = request.beneficiary
    if request.kind == RightKind.ACCESS:
        archive = export.export_archive(beneficiary=beneficiary, association=connection.tenant)
        AccessLogEntry.objects.create(
            user_id=getattr(actor, "pk", None),
            user_email=getattr(actor, "email", ""),
            action=AccessAction.EXPORT,
            beneficiary_id=beneficiary.pk,
            via=via,
        )
        request.export.save(f"access-{request.pk}.zip", ContentFile(archive), save=False)
        request.save(update_fields=["export"])
        return _close(request, actor=actor, status=RightStatus.DONE, outcome="access_export_ready")
    if request.kind == RightKind.CORRECTION:
        if not corrections:
            raise invalid(
                [
                    FieldProblem(
                        "corrections",
                        "required",
                        "اذكر ما يُصحَّح من بيانات السجل.",
                        "Say what is to be corrected in the record.",
                    )
                ]
            )
        from casework import services

        services.beneficiary_update(actor=actor, beneficiary_id=beneficiary.pk, changes=corrections)
        return _close(
            request,
            actor=actor,
            status=RightStatus.DONE,
            outcome="corrected:" + ",".join(sorted(corrections)),
        )
    if beneficiary.cases.filter(status=CaseStatus.OPEN).exists():
        raise ServiceError(
            "open_request",
            "لهذا الشخص طلب دعم مفتوح: أغلقه (أو سجّل انسحابه منه) قبل الإتلاف أو التقييد.",
            "This person has an open support request: close it (or record their withdrawal) before "
            "erasing or restricting the record.",
            409,
        )
    if request.kind == RightKind.RESTRICTION:
        _hold(beneficiary, reason="restriction", until=None, request=request)
        return _close(request, actor=actor, status=RightStatus.DONE, outcome="restricted")
    keep = retention.keep_until(beneficiary)
    if keep is not None:
        # The law keeps the record: restricted now, anonymised by the retention job at ``keep``.
        _hold(beneficiary, reason="erasure", until=keep, request=request)
        return _close(
            request, actor=actor, status=RightStatus.DONE, outcome=f"held_until:{keep.date().isoformat()}"
        )
    erasure.beneficiary_anonymise(beneficiary=beneficiary)
    return _close(request, actor=actor, status=RightStatus.DONE, outcome="anonymised")


def _hold(
    beneficiary: Beneficiary, *, reason: str, until: dt.datetime | None, request: RightsRequest
) -> None:
    RecordHold.objects.update_or_create(
        beneficiary=beneficiary, defaults={"reason": reason, "erase_after": until, "request": request}
    )
    crosscheck.unregister(beneficiary=beneficiary)


@transaction.atomic
def rights_request_refuse(
    *, actor: User | None, request_id: int, reason: str, expected_revision: int | None = None
) -> RightsRequest:
    _require_admin(actor)
    if not reason.strip():
        raise invalid(
            [FieldProblem("reason", "required", "اذكر سبب الرفض.", "Give the reason for refusing.")]
        )
    request = _locked(request_id, expected_revision)
    return _close(request, actor=actor, status=RightStatus.REFUSED, outcome=reason.strip()[:2000])


def outcome_words(request: RightsRequest, lang: str) -> str:
    """The outcome in the user's words."""
    code = request.outcome
    if code.startswith("held_until:"):
        day = dt.date.fromisoformat(code.split(":", 1)[1])
        if lang == "ar":
            return (
                "يوجب النظام حفظ السجل: قُيّد الآن (لا يظهر في البحث والقوائم)، "
                f"ويُجهَّل نهائيًا في {format_hijri(day, 'ar')} ({day:%Y-%m-%d})."
            )
        return (
            "The law requires keeping the record: it is restricted now (hidden from search and "
            f"lists) and will be anonymised for good on {day:%d %B %Y}."
        )
    words = {
        "access_export_ready": ("أُعدّت نسخة من البيانات للتنزيل.", "A copy of the data is ready to download."),
        "restricted": (
            "قُيّد السجل: لا يظهر في البحث والقوائم.",
            "The record is restricted: hidden from search and lists.",
        ),
        "anonymised": ("جُهّل السجل نهائيًا.", "The record was anonymised for good."),
    }
    if code in words:
        return words[code][0 if lang == "ar" else 1]
    if code.startswith("corrected:"):
        return ("صُحّحت البيانات: " if lang == "ar" else "Corrected: ") + code.split(":", 1)[1]
    return code
