"""Likely duplicates in the registry: merge a flagged pair into one record, or dismiss the flag."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record
from casework import roles
from casework.models import (
    Beneficiary,
    BeneficiaryDocument,
    DuplicateFlag,
    DuplicateStatus,
    SupportCase,
)
from casework.services._base import (
    append_event,
    field_problem,
    require_role,
)
from casework.services.attestation import void_stale_attestations
from core.errors import conflict, invalid, not_found


def _locked_flag(flag_id: int) -> DuplicateFlag:
    flag = DuplicateFlag.objects.select_for_update().filter(pk=flag_id).first()
    if flag is None:
        raise not_found("لا يوجد تنبيه تكرار بهذا الرقم.", "No such duplicate flag.")
    if flag.status != DuplicateStatus.OPEN:
        raise conflict(
            "already_resolved", "عولج هذا التنبيه من قبل.", "This duplicate flag has already been resolved."
        )
    return flag


def _repoint_open_flags(*, drop: Beneficiary, keep: Beneficiary, actor: User | None, now: Any) -> None:
    """Open flags about the merged-away record now ask about the record kept (once per pair)."""
    for flag in DuplicateFlag.objects.filter(status=DuplicateStatus.OPEN).filter(
        Q(beneficiary=drop) | Q(other=drop)
    ):
        third = flag.other_id if flag.beneficiary_id == drop.pk else flag.beneficiary_id
        exists = DuplicateFlag.objects.filter(
            Q(beneficiary=keep, other_id=third) | Q(beneficiary_id=third, other=keep)
        ).exists()
        if third == keep.pk or exists:
            flag.status, flag.resolved_by, flag.resolved_at = DuplicateStatus.MERGED, actor, now
            flag.note = f"merged into record {keep.pk}"
            flag.save(update_fields=["status", "resolved_by", "resolved_at", "note"])
        elif flag.beneficiary_id == drop.pk:
            flag.beneficiary = keep
            flag.save(update_fields=["beneficiary"])
        else:
            flag.other = keep
            flag.save(update_fields=["other"])


@transaction.atomic
def duplicate_merge(
    *, actor: User | None, flag_id: int, keep_id: int | None = None, confirmed: bool = False
) -> Beneficiary:
    """Merge a flagged pair into one record (``keep_id``, default the older one). Every case and
    document of the other record moves to the one kept; nothing is deleted."""
    require_role(actor, roles.REGISTRY_WRITERS)
    flag = _locked_flag(flag_id)
    pair = {flag.beneficiary_id, flag.other_id}
    keep_id = keep_id if keep_id is not None else min(pair)
    if keep_id not in pair:
        raise invalid(
            [
                field_problem(
                    "keep",
                    "not_in_pair",
                    "اختر أحد السجلين المشار إليهما.",
                    "Choose one of the two flagged records.",
                )
            ]
        )
    (drop_id,) = pair - {keep_id}
    locked = {b.pk: b for b in Beneficiary.objects.select_for_update().filter(pk__in=pair).order_by("pk")}
    keep, drop = locked[keep_id], locked[drop_id]
    if not confirmed:
        # Two records always carry two ID numbers: the employee confirms it is one person anyway.
        raise invalid(
            [
                field_problem(
                    "confirm",
                    "confirmation_required",
                    f"رقما الهوية مختلفان ({keep.national_id} و{drop.national_id}): أكّد أنهما لشخص واحد قبل الدمج.",
                    f"The ID numbers differ ({keep.national_id} and {drop.national_id}): confirm they are "
                    "one person before merging.",
                )
            ]
        )
    if keep.merged_into_id or drop.merged_into_id:
        raise conflict(
            "already_merged", "أحد السجلين مدموج من قبل.", "One of the records was already merged."
        )
    filled = {}
    for key in ("phone_e164", "birth_date", "gender", "city"):
        if not getattr(keep, key) and getattr(drop, key):
            filled[key] = getattr(drop, key)
            setattr(keep, key, getattr(drop, key))
    if drop.notes:
        keep.notes = f"{keep.notes}\n{drop.notes}".strip()
    keep.save()
    moved_cases = list(SupportCase.objects.select_for_update().filter(beneficiary=drop).order_by("pk"))
    for case in moved_cases:
        case.beneficiary = keep
        case.revision += 1
        case.save(update_fields=["beneficiary", "revision", "updated_at"])
        append_event(
            case=case,
            actor=actor,
            action="beneficiary_merged",
            from_step=case.step,
            to_step=case.step,
            data={"from_beneficiary": drop.pk, "to_beneficiary": keep.pk},
        )
    moved_documents = BeneficiaryDocument.objects.filter(beneficiary=drop).update(beneficiary=keep)
    known = {(m.full_name_ar, m.relation) for m in keep.household.all()}
    for member in drop.household.all():
        if (member.full_name_ar, member.relation) not in known:
            member.beneficiary = keep
            member.save(update_fields=["beneficiary"])
    drop.merged_into = keep
    drop.save(update_fields=["merged_into", "updated_at"])
    now = timezone.now()
    flag.status = DuplicateStatus.MERGED
    flag.resolved_by = actor
    flag.resolved_at = now
    flag.save(update_fields=["status", "resolved_by", "resolved_at"])
    DuplicateFlag.objects.filter(status=DuplicateStatus.OPEN).filter(
        beneficiary__in=pair, other__in=pair
    ).update(status=DuplicateStatus.MERGED, resolved_by=actor, resolved_at=now)
    _repoint_open_flags(drop=drop, keep=keep, actor=actor, now=now)
    audit_record(
        actor=actor,
        action="beneficiary.merged",
        obj=keep,
        changes={
            "merged": {"old": None, "new": drop.pk},
            "cases": {"old": None, "new": [c.pk for c in moved_cases]},
            "documents": {"old": None, "new": moved_documents},
            "filled": {"old": None, "new": sorted(filled)},
        },
    )
    void_stale_attestations(beneficiary_ids=[keep.pk], actor=actor)
    return keep


@transaction.atomic
def duplicate_dismiss(*, actor: User | None, flag_id: int, note: str = "") -> DuplicateFlag:
    """Two different people after all: close the flag, keep both records."""
    require_role(actor, roles.REGISTRY_WRITERS)
    flag = _locked_flag(flag_id)
    flag.status = DuplicateStatus.DISMISSED
    flag.resolved_by = actor
    flag.resolved_at = timezone.now()
    flag.note = note.strip()
    flag.save(update_fields=["status", "resolved_by", "resolved_at", "note"])
    audit_record(
        actor=actor,
        action="beneficiary.duplicate_dismissed",
        obj=flag,
        changes={"status": {"old": DuplicateStatus.OPEN, "new": DuplicateStatus.DISMISSED}},
    )
    return flag
