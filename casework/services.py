"""Writes about beneficiaries and cases. Each function is one transaction and leaves an audit row.

A case changes state only in :func:`case_transition`: it locks the case, asks the policy engine
of the case's *pinned* version whether the action is possible at the current step, applies it,
bumps the revision and appends a :class:`CaseEvent` to the timeline.

``actor=None`` means the system (demo data, management commands): no role is checked.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record, field_changes
from casework import checklist, roles, selectors
from casework.hooks import case_event_appended
from casework.models import (
    ApiToken,
    Attestation,
    AttestationMethod,
    Beneficiary,
    BeneficiaryDocument,
    CaseEvent,
    CaseOutcome,
    CaseStatus,
    ChecklistItem,
    CommitteeSettings,
    CommitteeVote,
    Decision,
    DuplicateFlag,
    DuplicateStatus,
    Gender,
    HouseholdMember,
    ItemKind,
    Referral,
    Relation,
    SatisfactionRating,
    ServiceDelivery,
    SupportCase,
    VoteChoice,
)
from casework.validators import (
    InvalidValue,
    has_arabic_letters,
    name_search_form,
    names_similar,
    national_id_normalize,
    phone_normalize,
)
from core.errors import FieldProblem, ServiceError, conflict, forbidden, invalid, not_found
from core.uploads import document_check
from policy_engine.rules.catalog import CatalogKind, get_entry
from policy_engine.rules.engine import PolicyEngine
from policy_engine.selectors import policy_version_in_force

MAX_SIGNATURE_BYTES = 512 * 1024
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
LIKELY_DUPLICATE = "similar_name_same_phone"


# --- helpers ------------------------------------------------------------------------------------


def _problem(field_name: str, code: str, message_ar: str, message_en: str) -> FieldProblem:
    return FieldProblem(field_name, code, message_ar, message_en)


def _from_invalid(field_name: str, exc: InvalidValue) -> FieldProblem:
    return FieldProblem(field_name, exc.code, exc.message_ar, exc.message_en)


def _required(field_name: str) -> FieldProblem:
    return _problem(field_name, "required", "هذا الحقل مطلوب.", "This field is required.")


def _refused(code: str, field_name: str, message_ar: str, message_en: str, status: int = 409) -> ServiceError:
    """A refusal tied to one field, so that screens can show it where it belongs."""
    return ServiceError(
        code, message_ar, message_en, status, [FieldProblem(field_name, code, message_ar, message_en)]
    )


def _require_role(actor: User | None, allowed: tuple[str, ...]) -> None:
    if actor is None:
        return
    if not roles.has_any(actor, allowed):
        raise forbidden("لا تملك صلاحية هذا الإجراء.", "You are not allowed to do this.")


def _url(name: str, pk: int) -> str | None:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return None


def _as_id(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return value.strip() if isinstance(value, str) else ""


def _step_label(step: str, lang: str) -> str:
    entry = get_entry(CatalogKind.STEP, step)
    return entry.label("ar" if lang == "ar" else "en") if entry else step


# --- the registry -------------------------------------------------------------------------------


def _beneficiary_pointer(existing: Beneficiary) -> ServiceError:
    kept = existing.merged_into or existing
    url = _url("casework-beneficiary", kept.pk)
    error = invalid(
        [
            _problem(
                "national_id",
                "already_registered",
                f"هذا الرقم مسجّل من قبل للمستفيد رقم {kept.pk} ({kept.full_name_ar}).",
                f"This ID number is already registered: beneficiary {kept.pk}.",
            )
        ]
    )
    error.extra = {"existing": {"id": kept.pk, "url": url}}
    return error


def _household_rows(
    household: Iterable[Mapping[str, Any]],
) -> tuple[list[HouseholdMember], list[FieldProblem]]:
    members: list[HouseholdMember] = []
    problems: list[FieldProblem] = []
    for index, row in enumerate(household):
        where = f"household[{index}]"
        name = _text(row, "full_name_ar")
        if not name:
            problems.append(_required(f"{where}.full_name_ar"))
        relation = row.get("relation") or ""
        if relation not in Relation.values:
            problems.append(
                _problem(f"{where}.relation", "invalid_choice", "اختر صلة القرابة.", "Choose the relation.")
            )
        national_id = ""
        if row.get("national_id"):
            try:
                national_id = national_id_normalize(str(row["national_id"]))
            except InvalidValue as exc:
                problems.append(_from_invalid(f"{where}.national_id", exc))
        gender = row.get("gender") or ""
        if gender not in ("", *Gender.values):
            problems.append(_problem(f"{where}.gender", "invalid_choice", "اختر الجنس.", "Choose a gender."))
        birth_date = row.get("birth_date")
        if isinstance(birth_date, str) and birth_date:
            try:
                birth_date = dt.date.fromisoformat(birth_date)
            except ValueError:
                problems.append(
                    _problem(f"{where}.birth_date", "invalid_date", "تاريخ غير صحيح.", "Not a valid date.")
                )
                birth_date = None
        members.append(
            HouseholdMember(
                full_name_ar=name[:200],
                relation=relation,
                national_id=national_id,
                birth_date=birth_date or None,
                gender=gender,
            )
        )
    return members, problems


def _person_problems(
    *,
    national_id: str | None,
    full_name_ar: str | None,
    phone: str | None,
    gender: str | None,
    birth_date: dt.date | None,
) -> tuple[dict[str, Any], list[FieldProblem]]:
    """Validate the fields given (None: not given); returns their clean values and the problems."""
    clean: dict[str, Any] = {}
    problems: list[FieldProblem] = []
    if national_id is not None:
        try:
            clean["national_id"] = national_id_normalize(national_id)
        except InvalidValue as exc:
            problems.append(_from_invalid("national_id", exc))
    if full_name_ar is not None:
        name = " ".join(full_name_ar.split())
        if not name:
            problems.append(_required("full_name_ar"))
        elif not has_arabic_letters(name):
            problems.append(
                _problem(
                    "full_name_ar",
                    "not_arabic",
                    "اكتب الاسم بالعربية كما في الهوية.",
                    "Write the name in Arabic, as on the ID.",
                )
            )
        elif len(name) > 200:
            problems.append(_problem("full_name_ar", "too_long", "الاسم طويل جدًا.", "The name is too long."))
        else:
            clean["full_name_ar"] = name
    if phone is not None:
        if phone.strip():
            try:
                clean["phone_e164"] = phone_normalize(phone)
            except InvalidValue as exc:
                problems.append(_from_invalid("phone", exc))
        else:
            clean["phone_e164"] = ""
    if gender is not None:
        if gender not in ("", *Gender.values):
            problems.append(_problem("gender", "invalid_choice", "اختر الجنس.", "Choose a gender."))
        else:
            clean["gender"] = gender
    if birth_date is not None and birth_date > timezone.localdate():
        problems.append(
            _problem(
                "birth_date", "in_future", "تاريخ الميلاد في المستقبل.", "The birth date is in the future."
            )
        )
    return clean, problems


def _flag_likely_duplicates(beneficiary: Beneficiary) -> list[DuplicateFlag]:
    if not beneficiary.phone_e164:
        return []
    flags = []
    candidates = (
        Beneficiary.objects.filter(phone_e164=beneficiary.phone_e164, merged_into__isnull=True)
        .exclude(pk=beneficiary.pk)
        .only("pk", "full_name_ar")
    )
    for other in candidates:
        if not names_similar(beneficiary.full_name_ar, other.full_name_ar):
            continue
        if DuplicateFlag.objects.filter(beneficiary=other, other=beneficiary).exists():
            continue
        flag, created = DuplicateFlag.objects.get_or_create(
            beneficiary=beneficiary, other=other, defaults={"reason": LIKELY_DUPLICATE}
        )
        if created:
            flags.append(flag)
    return flags


@transaction.atomic
def beneficiary_register(
    *,
    actor: User | None,
    national_id: str,
    full_name_ar: str,
    phone: str = "",
    birth_date: dt.date | None = None,
    gender: str = "",
    city: str = "",
    notes: str = "",
    household: Iterable[Mapping[str, Any]] = (),
) -> Beneficiary:
    """Register a person. The same ID number twice is refused with a pointer to the existing
    record; a similar name with the same mobile number is registered and flagged for staff."""
    _require_role(actor, roles.REGISTRY_WRITERS)
    clean, problems = _person_problems(
        national_id=national_id, full_name_ar=full_name_ar, phone=phone, gender=gender, birth_date=birth_date
    )
    members, household_problems = _household_rows(household)
    problems += household_problems
    if problems:
        raise invalid(problems)
    existing = (
        Beneficiary.objects.select_related("merged_into").filter(national_id=clean["national_id"]).first()
    )
    if existing is not None:
        raise _beneficiary_pointer(existing)
    beneficiary = Beneficiary(
        national_id=clean["national_id"],
        full_name_ar=clean["full_name_ar"],
        full_name_normalized=name_search_form(clean["full_name_ar"])[:200],
        phone_e164=clean["phone_e164"],
        birth_date=birth_date,
        gender=clean["gender"],
        city=city.strip()[:100],
        notes=notes.strip(),
        created_by=actor,
    )
    try:
        with transaction.atomic():
            beneficiary.save()
    except IntegrityError:
        # Registered by someone else at the same moment.
        existing = Beneficiary.objects.filter(national_id=clean["national_id"]).first()
        if existing is None:
            raise
        raise _beneficiary_pointer(existing) from None
    for member in members:
        member.beneficiary = beneficiary
    HouseholdMember.objects.bulk_create(members)
    flags = _flag_likely_duplicates(beneficiary)
    audit_record(
        actor=actor,
        action="beneficiary.registered",
        obj=beneficiary,
        changes={"likely_duplicates": {"old": None, "new": [f.other_id for f in flags]}} if flags else None,
    )
    return beneficiary


_UPDATABLE = ("national_id", "full_name_ar", "phone", "birth_date", "gender", "city", "notes", "household")


@transaction.atomic
def beneficiary_update(*, actor: User | None, beneficiary_id: int, changes: Mapping[str, Any]) -> Beneficiary:
    """Change a record (only the fields in ``changes``; ``household`` replaces the whole list).
    An applicant's attestation of data that changes here becomes void: they must sign again."""
    _require_role(actor, roles.REGISTRY_WRITERS)
    unknown = sorted(set(changes) - set(_UPDATABLE))
    if unknown:
        raise invalid([_problem(k, "unknown_field", "حقل غير معروف.", "Unknown field.") for k in unknown])
    beneficiary = Beneficiary.objects.select_for_update().filter(pk=beneficiary_id).first()
    if beneficiary is None:
        raise not_found("لا يوجد مستفيد بهذا الرقم.", "No such beneficiary.")
    if beneficiary.merged_into_id is not None:
        raise _refused(
            "merged",
            "beneficiary",
            f"دُمج هذا السجل في السجل رقم {beneficiary.merged_into_id}؛ عدّل ذلك السجل.",
            f"This record was merged into beneficiary {beneficiary.merged_into_id}; edit that one.",
        )
    birth_date = changes.get("birth_date")
    if isinstance(birth_date, str):
        try:
            birth_date = dt.date.fromisoformat(birth_date) if birth_date else None
        except ValueError:
            raise invalid(
                [_problem("birth_date", "invalid_date", "تاريخ غير صحيح.", "Not a valid date.")]
            ) from None
    clean, problems = _person_problems(
        national_id=changes.get("national_id"),
        full_name_ar=changes.get("full_name_ar"),
        phone=changes.get("phone"),
        gender=changes.get("gender"),
        birth_date=birth_date,
    )
    members: list[HouseholdMember] | None = None
    if "household" in changes:
        members, household_problems = _household_rows(changes.get("household") or [])
        problems += household_problems
    if problems:
        raise invalid(problems)
    if "national_id" in clean and clean["national_id"] != beneficiary.national_id:
        other = (
            Beneficiary.objects.filter(national_id=clean["national_id"]).exclude(pk=beneficiary.pk).first()
        )
        if other is not None:
            raise _beneficiary_pointer(other)
    if "birth_date" in changes:
        clean["birth_date"] = birth_date
    for key in ("city", "notes"):
        if key in changes:
            clean[key] = str(changes.get(key) or "").strip()
    before = {key: getattr(beneficiary, key) for key in clean}
    for key, value in clean.items():
        setattr(beneficiary, key, value)
    if "full_name_ar" in clean:
        beneficiary.full_name_normalized = name_search_form(beneficiary.full_name_ar)[:200]
    diff = field_changes(
        {k: str(v) if v is not None else None for k, v in before.items()},
        {k: str(getattr(beneficiary, k)) if getattr(beneficiary, k) is not None else None for k in clean},
    )
    if diff:
        beneficiary.save(update_fields=[*clean, "full_name_normalized", "updated_at"])
    if members is not None:
        beneficiary.household.all().delete()
        for member in members:
            member.beneficiary = beneficiary
        HouseholdMember.objects.bulk_create(members)
        diff["household"] = {"old": None, "new": len(members)}
    if diff:
        if {"full_name_ar", "phone_e164"} & set(diff):
            _flag_likely_duplicates(beneficiary)
        audit_record(actor=actor, action="beneficiary.updated", obj=beneficiary, changes=diff)
        _void_stale_attestations(beneficiary_ids=[beneficiary.pk], actor=actor)
    return beneficiary


@transaction.atomic
def beneficiary_document_upload(
    *,
    actor: User | None,
    beneficiary_id: int,
    upload: UploadedFile,
    kind: str = "other",
    case_id: int | None = None,
) -> BeneficiaryDocument:
    """Add a document to a beneficiary's file (a PDF, PNG or JPEG by its content, ≤ 10 MB)."""
    _require_role(actor, roles.REGISTRY_WRITERS)
    beneficiary = Beneficiary.objects.select_for_update().filter(pk=beneficiary_id).first()
    if beneficiary is None:
        raise not_found("لا يوجد مستفيد بهذا الرقم.", "No such beneficiary.")
    content_type, problems = document_check(upload, field="file")
    case = None
    if case_id is not None:
        case = SupportCase.objects.filter(pk=case_id, beneficiary=beneficiary).first()
        if case is None:
            problems.append(
                _problem("case", "not_found", "لا توجد حالة بهذا الرقم لهذا المستفيد.", "No such case here.")
            )
    if problems or content_type is None:
        raise invalid(problems)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    name = (upload.name or "document").rsplit("/", 1)[-1][:255]
    document = BeneficiaryDocument(
        beneficiary=beneficiary,
        case=case,
        kind=(kind or "other")[:40],
        original_name=name,
        content_type=content_type,
        size=upload.size or 0,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
    )
    document.file.save(name, upload, save=False)
    document.save()
    audit_record(
        actor=actor,
        action="beneficiary.document_added",
        obj=beneficiary,
        changes={"document": {"old": None, "new": document.pk}},
    )
    _void_stale_attestations(beneficiary_ids=[beneficiary.pk], actor=actor)
    return document


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
def duplicate_merge(*, actor: User | None, flag_id: int, keep_id: int | None = None) -> Beneficiary:
    """Merge a flagged pair into one record (``keep_id``, default the older one). Every case and
    document of the other record moves to the one kept; nothing is deleted."""
    _require_role(actor, roles.REGISTRY_WRITERS)
    flag = _locked_flag(flag_id)
    pair = {flag.beneficiary_id, flag.other_id}
    keep_id = keep_id if keep_id is not None else min(pair)
    if keep_id not in pair:
        raise invalid(
            [
                _problem(
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
        _append_event(
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
    _void_stale_attestations(beneficiary_ids=[keep.pk], actor=actor)
    return keep


@transaction.atomic
def duplicate_dismiss(*, actor: User | None, flag_id: int, note: str = "") -> DuplicateFlag:
    """Two different people after all: close the flag, keep both records."""
    _require_role(actor, roles.REGISTRY_WRITERS)
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


# --- cases: opening -----------------------------------------------------------------------------


def _append_event(
    *,
    case: SupportCase,
    actor: User | None,
    action: str,
    from_step: str,
    to_step: str,
    data: Mapping[str, Any] | None = None,
) -> CaseEvent:
    event = CaseEvent.objects.create(
        case=case, actor=actor, action=action, from_step=from_step, to_step=to_step, data=dict(data or {})
    )
    case_event_appended(event)
    return event


@transaction.atomic
def case_open(
    *,
    actor: User | None,
    beneficiary_id: int,
    channel: str,
    assigned_to_id: int | None = None,
) -> SupportCase:
    """Open a support request through ``channel``. The case pins the version in force now: its
    steps, referral target, deciding body and review window never change afterwards."""
    _require_role(actor, roles.CASE_OPENERS)
    beneficiary = Beneficiary.objects.filter(pk=beneficiary_id).first()
    if beneficiary is None:
        raise invalid(
            [_problem("beneficiary", "not_found", "لا يوجد مستفيد بهذا الرقم.", "No such beneficiary.")]
        )
    if beneficiary.merged_into_id is not None:
        raise invalid(
            [
                _problem(
                    "beneficiary",
                    "merged",
                    f"دُمج هذا السجل في السجل رقم {beneficiary.merged_into_id}.",
                    f"This record was merged into beneficiary {beneficiary.merged_into_id}.",
                )
            ]
        )
    version = policy_version_in_force()
    if version is None:
        raise conflict(
            "no_policy_in_force",
            "لا توجد سياسة نافذة لهذه الجمعية، فلا يمكن فتح طلب قبل اعتماد المجلس لها.",
            "This association has no policy in force: a request cannot be opened until the board "
            "approves one.",
        )
    engine = selectors.engine_for(version)
    if not engine.is_channel_allowed(channel):
        allowed = ", ".join(engine.allowed_channels())
        raise invalid(
            [
                _problem(
                    "channel",
                    "channel_not_allowed",
                    f"سياسة الجمعية النافذة لا تتيح هذه القناة. القنوات المتاحة: {allowed}.",
                    f"The policy in force does not allow this channel. Allowed: {allowed}.",
                )
            ]
        )
    assignee = None
    if assigned_to_id is not None:
        assignee = _staff_member(assigned_to_id, field_name="assigned_to")
    case = SupportCase.objects.create(
        beneficiary=beneficiary,
        channel=channel,
        policy_version=version,
        step=engine.first_step(),
        referral_target=engine.referral_target() or "",
        deciding_body=engine.deciding_body(),
        assigned_to=assignee,
        opened_by=actor,
    )
    ChecklistItem.objects.bulk_create(
        ChecklistItem(
            case=case,
            step=spec.step,
            code=spec.code,
            kind=spec.kind,
            label_ar=spec.label_ar,
            label_en=spec.label_en,
            position=index,
        )
        for index, spec in enumerate(checklist.items_for(engine.steps(), engine.staff_tools()))
    )
    _append_event(
        case=case,
        actor=actor,
        action="open",
        from_step="",
        to_step=case.step,
        data={"channel": channel, "policy_version": version.number, "beneficiary": beneficiary.pk},
    )
    audit_record(
        actor=actor,
        action="case.opened",
        obj=case,
        changes={
            "policy_version": {"old": None, "new": version.number},
            "channel": {"old": None, "new": channel},
        },
    )
    return case


def _staff_member(user_id: Any, *, field_name: str) -> User:
    pk = _as_id(user_id)
    user = User.objects.filter(pk=pk, is_active=True).first() if pk is not None else None
    if user is None or not roles.has_any(user, roles.CASEWORK_ROLES):
        raise invalid(
            [_problem(field_name, "not_staff", "لا يوجد موظف بهذا الرقم.", "No such staff member.")]
        )
    return user


# --- cases: the one transition function ---------------------------------------------------------


@dataclass
class _Context:
    actor: User | None
    roles: frozenset[str]
    case: SupportCase
    engine: PolicyEngine
    data: Mapping[str, Any]
    now: dt.datetime


@dataclass
class _Applied:
    to_step: str | None = None  # the step the case moves to; None: it stays
    close: str | None = None  # the outcome the case closes with
    reason: str = ""
    event: dict[str, Any] = field(default_factory=dict)
    changed: list[str] = field(default_factory=list)  # other case fields the action set


Handler = Callable[[_Context], _Applied]


@dataclass(frozen=True)
class _Rule:
    roles: tuple[str, ...]
    steps: tuple[str, ...] | None  # None: at any step of an open case
    handler: Handler


def _checklist_problems(case: SupportCase, step: str) -> list[FieldProblem]:
    return [
        _problem(
            f"checklist.{item.code}",
            "not_verified",
            f"لم يُتحقق بعد من: {item.label_ar}.",
            f"Not verified yet: {item.label_en}.",
        )
        for item in case.checklist.filter(step=step, required=True, verified_at__isnull=True)
    ]


def _enter_review(ctx: _Context, applied: _Applied) -> None:
    """Entering committee review starts the review window of the pinned version."""
    ctx.case.submitted_for_decision_at = ctx.now
    ctx.case.decision_due = ctx.engine.decision_due(ctx.now)
    applied.changed += ["submitted_for_decision_at", "decision_due"]
    applied.event["decision_due"] = ctx.case.decision_due.isoformat()


def _needs_attestation(ctx: _Context) -> bool:
    return ctx.engine.has_step("attest")


def _do_complete(ctx: _Context) -> _Applied:
    case, step = ctx.case, ctx.case.step
    following = ctx.engine.next_step(step)
    wanted = ctx.data.get("to_step")
    if wanted is not None and (
        not isinstance(wanted, str) or not ctx.engine.has_step(wanted) or wanted != following
    ):
        raise _refused(
            "step_out_of_order",
            "to_step",
            f"لا يمكن الانتقال إلى «{_step_label(str(wanted), 'ar')}» من «{_step_label(step, 'ar')}»: "
            "الخطوات تتبع ترتيب السياسة.",
            f"Cannot go to '{wanted}' from '{step}': the steps follow the policy's order.",
        )
    applied = _Applied(to_step=following)
    if step in ("receive", "verify"):
        problems = _checklist_problems(case, step)
        if problems:
            raise invalid(problems)
    elif step == "refer":
        referrals = list(case.referrals.all())
        if any(not r.answered_at for r in referrals):
            raise _refused(
                "referral_pending",
                "referral",
                "لم تَرِد الإجابة على الإحالة بعد.",
                "The referral has not been answered yet.",
            )
        if not referrals and ctx.data.get("not_needed") is not True:
            raise invalid(
                [
                    _problem(
                        "not_needed",
                        "referral_missing",
                        "أحِل سؤال المستفيد أولًا، أو أكّد أن الإجراءات واضحة له ولا حاجة للإحالة.",
                        "Refer the beneficiary's question first, or confirm that no referral is needed.",
                    )
                ]
            )
        applied.event["referrals"] = len(referrals)
    elif step == "attest":
        if not selectors.attestation_is_valid(case):
            raise invalid(
                [
                    _problem(
                        "attestation",
                        "attestation_missing",
                        "يلزم توقيع مقدم الطلب على صحة البيانات المعروضة.",
                        "The applicant must sign that the data shown is correct.",
                    )
                ]
            )
    elif step == "register":
        number = _text(ctx.data, "registration_number")
        if number:
            applied.event["registration_number"] = number[:60]
    elif step == "serve":
        if not case.services.exists():
            raise invalid(
                [
                    _problem(
                        "services",
                        "no_service",
                        "سجّل الخدمة المقدمة قبل إنهاء الطلب.",
                        "Record the service delivered before completing the request.",
                    )
                ]
            )
        applied.to_step = None
        applied.close = CaseOutcome.SERVED
        return applied
    if following is None:
        applied.close = CaseOutcome.ACCEPTED
    elif following == "committee_review":
        _enter_review(ctx, applied)
    return applied


def _do_verify_item(ctx: _Context) -> _Applied:
    code = _text(ctx.data, "code")
    item = ctx.case.checklist.filter(step=ctx.case.step, code=code).first() if code else None
    if item is None:
        raise invalid(
            [
                _problem(
                    "code",
                    "unknown_item",
                    "لا يوجد بند بهذا الرمز في هذه الخطوة.",
                    "No such item at this step.",
                )
            ]
        )
    if item.verified_at is not None:
        raise _refused(
            "already_verified", "code", "تُحقق من هذا البند من قبل.", "This item is already verified."
        )
    document = None
    if ctx.data.get("document") is not None:
        document_id = _as_id(ctx.data.get("document"))
        document = (
            BeneficiaryDocument.objects.filter(pk=document_id, beneficiary_id=ctx.case.beneficiary_id).first()
            if document_id is not None
            else None
        )
        if document is None:
            raise invalid(
                [
                    _problem(
                        "document",
                        "not_found",
                        "لا يوجد مستند بهذا الرقم في ملف المستفيد.",
                        "No such document in the beneficiary's file.",
                    )
                ]
            )
    item.verified_by = ctx.actor
    item.verified_at = ctx.now
    item.note = _text(ctx.data, "note")
    item.document = document
    item.save(update_fields=["verified_by", "verified_at", "note", "document"])
    return _Applied(event={"item": item.code, "document": document.pk if document else None})


def _do_add_item(ctx: _Context) -> _Applied:
    code, label_ar = _text(ctx.data, "code"), _text(ctx.data, "label_ar")
    kind = ctx.data.get("kind", ItemKind.INFO)
    problems = []
    if not code or not code.replace("_", "").replace("-", "").isalnum() or not code.isascii():
        problems.append(
            _problem("code", "invalid_code", "رمز من حروف لاتينية وأرقام.", "A code of letters/digits.")
        )
    if not label_ar:
        problems.append(_required("label_ar"))
    if kind not in ItemKind.values:
        problems.append(_problem("kind", "invalid_choice", "معلومة أو مستند.", "Information or document."))
    if problems:
        raise invalid(problems)
    if ctx.case.checklist.filter(code=code).exists():
        raise _refused("duplicate_item", "code", "يوجد بند بهذا الرمز.", "An item with this code exists.")
    ChecklistItem.objects.create(
        case=ctx.case,
        step=ctx.case.step,
        code=code[:40],
        label_ar=label_ar[:200],
        label_en=(_text(ctx.data, "label_en") or label_ar)[:200],
        kind=kind,
        required=ctx.data.get("required", True) is not False,
        position=100 + ctx.case.checklist.count(),
    )
    return _Applied(event={"item": code})


def _do_refer(ctx: _Context) -> _Applied:
    target = ctx.engine.referral_target()
    question = _text(ctx.data, "question")
    if target is None:  # pragma: no cover - the rule's steps exclude procedures without "refer"
        raise _refused("no_referral", "action", "لا إحالة في هذه السياسة.", "This policy has no referral.")
    if not question:
        raise invalid([_required("question")])
    referral = Referral.objects.create(case=ctx.case, target=target, question=question, asked_by=ctx.actor)
    return _Applied(event={"referral": referral.pk, "target": target})


def _do_answer_referral(ctx: _Context) -> _Applied:
    referral_id = ctx.data.get("referral")
    referral = None
    pk = _as_id(referral_id)
    if pk is not None:
        referral = ctx.case.referrals.filter(pk=pk).first()
    elif referral_id is None:
        referral = ctx.case.referrals.filter(answered_at__isnull=True).first()
    if referral is None:
        raise invalid(
            [_problem("referral", "not_found", "لا توجد إحالة بهذا الرقم.", "No such referral on this case.")]
        )
    if ctx.actor is not None and not ctx.roles & {roles.PARTY_ROLES.get(referral.target, ""), roles.ADMIN}:
        raise forbidden("هذه الإحالة موجهة إلى جهة أخرى.", "This referral is addressed to someone else.")
    if referral.answered_at is not None:
        raise _refused("already_answered", "referral", "أُجيبت هذه الإحالة من قبل.", "Already answered.")
    answer = _text(ctx.data, "answer")
    if not answer:
        raise invalid([_required("answer")])
    referral.answer = answer
    referral.answered_by = ctx.actor
    referral.answered_at = ctx.now
    referral.save(update_fields=["answer", "answered_by", "answered_at"])
    return _Applied(event={"referral": referral.pk})


def _signature_problems(value: Any) -> list[FieldProblem]:
    bad = _problem(
        "signature",
        "invalid_signature",
        "التوقيع المرسوم مطلوب صورةً بصيغة PNG.",
        "The drawn signature is required, as a PNG image.",
    )
    if not isinstance(value, str) or not value.startswith("data:image/png;base64,"):
        return [bad]
    encoded = value.split(",", 1)[1]
    if len(encoded) > MAX_SIGNATURE_BYTES * 4 // 3 + 4:
        return [
            _problem("signature", "too_large", "صورة التوقيع كبيرة جدًا.", "The signature image is too large.")
        ]
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return [bad]
    return [] if raw.startswith(PNG_MAGIC) and len(raw) > len(PNG_MAGIC) else [bad]


def _do_attest(ctx: _Context) -> _Applied:
    case = ctx.case
    if case.step != "attest" and selectors.attestation_is_valid(case):
        raise _refused(
            "already_attested",
            "action",
            "وقّع مقدم الطلب على هذه البيانات من قبل، ولم تتغير.",
            "The applicant already signed this data, and it has not changed.",
        )
    method = ctx.data.get("method") or AttestationMethod.IN_OFFICE
    typed_name = _text(ctx.data, "typed_name")
    problems = [] if typed_name else [_required("typed_name")]
    if method == AttestationMethod.IN_OFFICE:
        problems += _signature_problems(ctx.data.get("signature"))
    elif method == AttestationMethod.PORTAL:
        if ctx.data.get("confirmed") is not True:
            problems.append(
                _problem(
                    "confirmed",
                    "required",
                    "يلزم تأكيد المستفيد.",
                    "The beneficiary's confirmation is needed.",
                )
            )
    else:
        problems.append(_problem("method", "invalid_choice", "طريقة توقيع غير معروفة.", "Unknown method."))
    if not _text(ctx.data, "data_hash"):
        problems.append(_required("data_hash"))
    if problems:
        raise invalid(problems)
    payload = selectors.attestation_payload(case)
    digest = selectors.payload_sha256(payload)
    if not hmac.compare_digest(_text(ctx.data, "data_hash"), digest):
        raise _refused(
            "stale_data",
            "data_hash",
            "تغيرت البيانات بعد عرضها على مقدم الطلب؛ اعرضها عليه من جديد ثم اطلب توقيعه.",
            "The data changed after it was shown to the applicant: show it again and ask them to sign.",
        )
    case.attestations.filter(voided_at__isnull=True).update(voided_at=ctx.now, void_reason="replaced")
    attestation = Attestation.objects.create(
        case=case,
        method=method,
        typed_name=typed_name[:200],
        signature_png=(ctx.data.get("signature") or "") if method == AttestationMethod.IN_OFFICE else "",
        data=payload,
        data_sha256=digest,
        witnessed_by=ctx.actor,
    )
    return _Applied(event={"attestation": attestation.pk, "data_sha256": digest, "method": method})


def _require_body(ctx: _Context, body: str) -> None:
    if ctx.case.deciding_body != body:
        raise _refused(
            "wrong_deciding_body",
            "action",
            "الجهة المقررة في سياسة هذا الطلب جهة أخرى.",
            "The deciding body in this request's policy is someone else.",
        )


def _do_vote(ctx: _Context) -> _Applied:
    _require_body(ctx, "research_committee")
    if ctx.actor is None:
        raise forbidden("التصويت لأعضاء اللجنة فقط.", "Only committee members vote.")
    choice = str(ctx.data.get("choice") or "")
    reason = _text(ctx.data, "reason")
    problems = []
    if choice not in VoteChoice.values:
        problems.append(
            _problem("choice", "invalid_choice", "اختر: قبول أو رفض.", "Choose accept or reject.")
        )
    if not reason:
        problems.append(_required("reason"))
    if problems:
        raise invalid(problems)
    already = _refused(
        "already_voted", "choice", "سبق أن صوّتَّ على هذا الطلب.", "You have already voted on this case."
    )
    if ctx.case.votes.filter(member=ctx.actor).exists():
        raise already
    try:
        with transaction.atomic():
            vote = CommitteeVote.objects.create(case=ctx.case, member=ctx.actor, choice=choice, reason=reason)
    except IntegrityError:
        raise already from None
    return _Applied(event={"vote": vote.pk, "choice": choice})


def _do_decide(ctx: _Context) -> _Applied:
    case, body = ctx.case, ctx.case.deciding_body
    if ctx.actor is not None and not ctx.roles & {roles.PARTY_ROLES.get(body, ""), roles.ADMIN}:
        raise forbidden("القرار للجهة المقررة في السياسة.", "Only the deciding body decides.")
    if _needs_attestation(ctx) and not selectors.attestation_is_valid(case):
        raise _refused(
            "attestation_void",
            "attestation",
            "تغيرت بيانات الطلب بعد توقيع مقدمه؛ يلزم توقيعه من جديد قبل القرار.",
            "The request's data changed after the applicant signed: they must sign again before a decision.",
        )
    reason, minutes = _text(ctx.data, "reason"), _text(ctx.data, "minutes")
    wanted = ctx.data.get("outcome")
    accept = reject = 0
    quorum: int | None = None
    if body == "research_committee":
        votes = list(case.votes.all())
        quorum = selectors.committee_quorum()
        accept = sum(v.choice == VoteChoice.ACCEPT for v in votes)
        reject = len(votes) - accept
        if len(votes) < quorum:
            raise _refused(
                "quorum_not_met",
                "action",
                f"لم يكتمل نصاب اللجنة: {len(votes)} صوت من {quorum} مطلوبة.",
                f"No quorum yet: {len(votes)} vote(s) of {quorum} needed.",
            )
        if accept == reject:
            raise _refused(
                "tied_vote",
                "action",
                "تعادلت الأصوات؛ يلزم صوت آخر للترجيح.",
                "The votes are tied: another vote is needed to decide.",
            )
        outcome = CaseOutcome.ACCEPTED if accept > reject else CaseOutcome.REJECTED
        problems = [] if minutes else [_required("minutes")]
        if wanted is not None and wanted != outcome:
            problems.append(
                _problem(
                    "outcome",
                    "contradicts_votes",
                    "القرار يخالف أغلبية الأصوات.",
                    "The outcome contradicts the majority of the votes.",
                )
            )
        if problems:
            raise invalid(problems)
        if outcome == CaseOutcome.REJECTED and not reason:
            reason = "؛ ".join(v.reason for v in votes if v.choice == VoteChoice.REJECT)
    else:
        if wanted not in (CaseOutcome.ACCEPTED, CaseOutcome.REJECTED):
            raise invalid(
                [_problem("outcome", "invalid_choice", "اختر: قبول أو رفض.", "Choose accepted or rejected.")]
            )
        outcome = wanted
        if outcome == CaseOutcome.REJECTED and not reason:
            raise invalid([_required("reason")])
    decision = Decision.objects.create(
        case=case,
        body=body,
        outcome=outcome,
        reason=reason,
        minutes=minutes,
        votes_accept=accept,
        votes_reject=reject,
        quorum=quorum,
        decided_by=ctx.actor,
    )
    applied = _Applied(event={"decision": decision.pk, "outcome": outcome, "votes": [accept, reject]})
    if outcome == CaseOutcome.REJECTED:
        applied.close, applied.reason = CaseOutcome.REJECTED, reason
        return applied
    applied.to_step = ctx.engine.next_step("committee_review")
    if applied.to_step is None:
        applied.close = CaseOutcome.ACCEPTED
    return applied


def _do_record_service(ctx: _Context) -> _Applied:
    kind = _text(ctx.data, "kind")
    description = _text(ctx.data, "description")
    problems = [] if kind else [_required("kind")]
    amount: Decimal | None = None
    if ctx.data.get("amount") not in (None, ""):
        try:
            amount = Decimal(str(ctx.data.get("amount")))
            if not amount.is_finite() or amount < 0 or amount >= Decimal("1e10"):
                raise InvalidOperation
            amount = amount.quantize(Decimal("0.01"))
        except InvalidOperation:
            problems.append(_problem("amount", "invalid_amount", "مبلغ غير صحيح.", "Not a valid amount."))
    if amount is None and not description:
        problems.append(
            _problem(
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
            problems.append(_problem("delivered_on", "invalid_date", "تاريخ غير صحيح.", "Not a valid date."))
        else:
            if delivered_on > timezone.localdate():
                problems.append(
                    _problem(
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
    return _Applied(event={"service": service.pk, "kind": service.kind, "amount": amount})


def _do_withdraw(ctx: _Context) -> _Applied:
    reason = _text(ctx.data, "reason")
    if not reason:
        raise invalid([_required("reason")])
    return _Applied(close=CaseOutcome.WITHDRAWN, reason=reason)


def _do_assign(ctx: _Context) -> _Applied:
    raw = ctx.data.get("user")
    if raw == "me":
        raw = ctx.actor.pk if ctx.actor else None
    assignee = None if raw is None else _staff_member(raw, field_name="user")
    if ctx.actor is not None and roles.ADMIN not in ctx.roles and assignee != ctx.actor:
        raise forbidden("يمكنك أن تسند الطلب إلى نفسك فقط.", "You can only assign the request to yourself.")
    old = ctx.case.assigned_to_id
    ctx.case.assigned_to = assignee
    return _Applied(event={"from": old, "to": assignee.pk if assignee else None}, changed=["assigned_to"])


def _do_note(ctx: _Context) -> _Applied:
    text = _text(ctx.data, "text")
    if not text:
        raise invalid([_required("text")])
    return _Applied(event={"text": text})


_DESK = (roles.RECEPTION, roles.ADMIN)
_STEPS_BEFORE_DECISION = ("receive", "verify", "refer", "attest")
ACTIONS: dict[str, _Rule] = {
    "verify_item": _Rule(_DESK, ("receive", "verify"), _do_verify_item),
    "add_item": _Rule(_DESK, ("receive", "verify"), _do_add_item),
    "complete": _Rule(_DESK, (*_STEPS_BEFORE_DECISION, "register", "serve"), _do_complete),
    "refer": _Rule(_DESK, ("refer",), _do_refer),
    "answer_referral": _Rule(
        (roles.RESEARCH_OFFICER, roles.ADMINISTRATION, roles.ADMIN), ("refer",), _do_answer_referral
    ),
    # Attest at its step, or again later when the data changed after the applicant signed.
    "attest": _Rule(_DESK, ("attest", "committee_review"), _do_attest),
    "vote": _Rule((roles.COMMITTEE,), ("committee_review",), _do_vote),
    "decide": _Rule((roles.COMMITTEE, roles.ADMINISTRATION, roles.ADMIN), ("committee_review",), _do_decide),
    "record_service": _Rule(_DESK, ("serve",), _do_record_service),
    "withdraw": _Rule(_DESK, None, _do_withdraw),
    "assign": _Rule(_DESK, None, _do_assign),
    "note": _Rule(roles.CASEWORK_ROLES, None, _do_note),
}


def action_possible(*, case: SupportCase, action: str, user: User | None) -> bool:
    """Whether ``action`` is offered at the case's current step to ``user`` (by role and step;
    the action itself may still refuse the data it is given)."""
    rule = ACTIONS.get(action)
    if rule is None or case.status != CaseStatus.OPEN:
        return False
    if user is not None and not roles.has_any(user, rule.roles):
        return False
    if rule.steps is not None and case.step not in rule.steps:
        return False
    engine = selectors.engine_for(case.policy_version)
    if not engine.has_step(case.step):
        return False
    body_role = roles.PARTY_ROLES.get(case.deciding_body, "")
    if action == "vote":
        already = user is not None and case.votes.filter(member=user).exists()
        return case.deciding_body == "research_committee" and not already
    if action == "decide" and user is not None:
        return bool(roles.role_codes(user) & {body_role, roles.ADMIN})
    if action == "complete" and case.step == "committee_review":
        return False
    if action == "answer_referral" and user is not None:
        target_role = roles.PARTY_ROLES.get(case.referral_target, "")
        return bool(roles.role_codes(user) & {target_role, roles.ADMIN})
    if action == "attest":
        return engine.has_step("attest") and (
            case.step == "attest" or not selectors.attestation_is_valid(case)
        )
    return True


def case_available_actions(*, case: SupportCase, user: User | None) -> list[str]:
    """The actions a case page offers ``user`` now, in a stable order."""
    return [action for action in ACTIONS if action_possible(case=case, action=action, user=user)]


@transaction.atomic
def case_transition(
    *,
    actor: User | None,
    case_id: int,
    action: str,
    data: Mapping[str, Any] | None = None,
    expected_revision: int | None = None,
) -> SupportCase:
    """Apply ``action`` to a case, as its pinned policy allows, and append it to the timeline.

    The case row is locked for the transaction: of two employees acting at once, the second waits,
    then finds the case changed. Naming ``expected_revision`` (or ``data["step"]``, the step the
    caller acted on) turns that into a 409 conflict instead of acting on a state not seen.
    """
    data = dict(data or {})
    case = SupportCase.objects.select_for_update().select_related("policy_version").filter(pk=case_id).first()
    if case is None or (
        actor is not None and not selectors.cases_visible_to(actor).filter(pk=case_id).exists()
    ):
        raise not_found("لا يوجد طلب بهذا الرقم.", "No such case.")
    if expected_revision is not None and expected_revision != case.revision:
        raise _refused(
            "stale_revision",
            "revision",
            f"غيّر شخص آخر هذا الطلب (المراجعة {case.revision}) بعد أن فتحته (المراجعة {expected_revision}). "
            "أعد تحميله ثم أعد المحاولة.",
            f"Someone else changed this case (revision {case.revision}) after you opened it "
            f"(revision {expected_revision}). Reload it and try again.",
        )
    seen_step = data.pop("step", None)
    if seen_step is not None and seen_step != case.step:
        raise _refused(
            "step_moved_on",
            "step",
            f"انتقل الطلب إلى خطوة «{_step_label(case.step, 'ar')}» قبل إجرائك.",
            f"The case moved on to '{case.step}' before your action.",
        )
    if case.status != CaseStatus.OPEN:
        raise _refused("case_closed", "action", "أُغلق هذا الطلب.", "This case is closed.")
    rule = ACTIONS.get(action)
    if rule is None:
        raise invalid(
            [
                _problem(
                    "action",
                    "unknown_action",
                    "إجراء غير معروف.",
                    f"Unknown action; one of {sorted(ACTIONS)}.",
                )
            ]
        )
    _require_role(actor, rule.roles)
    engine = selectors.engine_for(case.policy_version)
    if not engine.has_step(case.step) or (rule.steps is not None and case.step not in rule.steps):
        raise _refused(
            "not_at_this_step",
            "action",
            f"هذا الإجراء غير متاح في خطوة «{_step_label(case.step, 'ar')}».",
            f"This action is not possible at the '{case.step}' step.",
        )
    ctx = _Context(
        actor=actor,
        roles=roles.role_codes(actor) if actor is not None else frozenset(roles.CASEWORK_ROLES),
        case=case,
        engine=engine,
        data=data,
        now=timezone.now(),
    )
    applied = rule.handler(ctx)
    from_step = case.step
    changed = ["revision", "updated_at", *applied.changed]
    if applied.to_step is not None:
        if not engine.can_transition(from_step, applied.to_step):  # pragma: no cover - engine invariant
            raise _refused("step_out_of_order", "action", "ترتيب خطوات غير صحيح.", "Steps out of order.")
        case.step = applied.to_step
        changed.append("step")
    if applied.close is not None:
        case.status = CaseStatus.CLOSED
        case.outcome = applied.close
        case.closed_reason = applied.reason
        case.closed_at = ctx.now
        changed += ["status", "outcome", "closed_reason", "closed_at"]
    case.revision += 1
    case.save(update_fields=changed)
    event_data = dict(applied.event)
    if applied.close is not None:
        event_data |= {"outcome": applied.close, "reason": applied.reason}
    _append_event(
        case=case, actor=actor, action=action, from_step=from_step, to_step=case.step, data=event_data
    )
    audit_changes: dict[str, Any] = {"revision": {"old": case.revision - 1, "new": case.revision}}
    if case.step != from_step:
        audit_changes["step"] = {"old": from_step, "new": case.step}
    if applied.close is not None:
        audit_changes["status"] = {"old": CaseStatus.OPEN, "new": CaseStatus.CLOSED}
    audit_record(actor=actor, action=f"case.{action}", obj=case, changes=audit_changes)
    return case


def _void_stale_attestations(*, beneficiary_ids: list[int], actor: User | None) -> list[int]:
    """Void the attestations whose data changed, on open cases not yet decided: the applicant
    must confirm and sign again. Returns the ids of the cases concerned."""
    affected = []
    attested = (
        SupportCase.objects.filter(
            beneficiary_id__in=beneficiary_ids,
            status=CaseStatus.OPEN,
            decision__isnull=True,
            attestations__voided_at__isnull=True,
        )
        .values_list("pk", flat=True)
        .distinct()
    )
    cases = SupportCase.objects.select_for_update().filter(pk__in=list(attested)).order_by("pk")
    now = timezone.now()
    for case in cases:
        attestation = case.attestations.filter(voided_at__isnull=True).order_by("-id").first()
        if attestation is None:
            continue
        if attestation.data_sha256 == selectors.payload_sha256(selectors.attestation_payload(case)):
            continue
        attestation.voided_at = now
        attestation.void_reason = "data_changed"
        attestation.save(update_fields=["voided_at", "void_reason"])
        case.revision += 1
        case.save(update_fields=["revision", "updated_at"])
        _append_event(
            case=case,
            actor=actor,
            action="attestation_voided",
            from_step=case.step,
            to_step=case.step,
            data={"attestation": attestation.pk, "reason": "data_changed"},
        )
        audit_record(
            actor=actor,
            action="case.attestation_voided",
            obj=case,
            changes={"attestation": {"old": attestation.pk, "new": None}},
        )
        affected.append(case.pk)
    return affected


# --- after service ------------------------------------------------------------------------------


@transaction.atomic
def satisfaction_record(
    *, actor: User | None, case_id: int, score: int, comment: str = ""
) -> SatisfactionRating:
    """The beneficiary's rating of a served request (1-5 and a comment), once. ``actor`` is the
    employee who typed it in for them, or None when it came from the beneficiary (portal, link)."""
    _require_role(actor, roles.REGISTRY_WRITERS)
    case = SupportCase.objects.select_for_update().filter(pk=case_id).first()
    if case is None:
        raise not_found("لا يوجد طلب بهذا الرقم.", "No such case.")
    if case.outcome != CaseOutcome.SERVED:
        raise _refused(
            "not_served", "score", "يُقيَّم الطلب بعد تقديم الخدمة.", "A request is rated after its service."
        )
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise invalid([_problem("score", "invalid_score", "التقييم من ١ إلى ٥.", "The rating is 1 to 5.")])
    if SatisfactionRating.objects.filter(case=case).exists():
        raise _refused("already_rated", "score", "قُيّم هذا الطلب من قبل.", "This request was already rated.")
    last_service = case.services.order_by("-delivered_on", "-id").first()
    rating = SatisfactionRating.objects.create(
        case=case,
        score=score,
        comment=comment.strip(),
        employee=last_service.employee if last_service else case.assigned_to,
        recorded_by=actor,
    )
    _append_event(
        case=case,
        actor=actor,
        action="rated",
        from_step=case.step,
        to_step=case.step,
        data={"rating": rating.pk},
    )
    audit_record(actor=actor, action="case.rated", obj=case)
    return rating


@transaction.atomic
def committee_quorum_set(*, actor: User | None, quorum: int | None) -> CommitteeSettings:
    """Set how many votes the research committee needs (None: a majority of active members)."""
    _require_role(actor, (roles.ADMIN,))
    if quorum is not None and quorum < 1:
        raise invalid([_problem("quorum", "invalid", "النصاب صوت واحد على الأقل.", "At least one vote.")])
    settings, _ = CommitteeSettings.objects.select_for_update().get_or_create(pk=1)
    old = settings.quorum
    settings.quorum = quorum
    settings.save()
    audit_record(
        actor=actor,
        action="committee.quorum_set",
        obj=settings,
        changes={"quorum": {"old": old, "new": quorum}},
    )
    return settings


# --- personal API tokens ------------------------------------------------------------------------

TOKEN_PREFIX = "sila"  # noqa: S105 - a label, not a secret


def _token_digest(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new personal API token for ``user``; the plaintext is returned once and never stored."""
    name = " ".join((name or "").split())
    if not name:
        raise invalid([_required("name")])
    prefix = secrets.token_hex(4)
    plaintext = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user, name=name[:100], prefix=prefix, token_sha256=_token_digest(plaintext)
    )
    audit_record(
        actor=user, action="api_token.created", obj=token, changes={"name": {"old": None, "new": token.name}}
    )
    return token, plaintext


@transaction.atomic
def api_token_revoke(*, actor: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.select_for_update().filter(pk=token_id).first()
    if token is None or (token.user_id != actor.pk and not roles.has_any(actor, (roles.ADMIN,))):
        raise not_found("لا يوجد مفتاح بهذا الرقم.", "No such token.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="api_token.revoked", obj=token)
    return token


def api_token_authenticate(plaintext: str) -> ApiToken | None:
    """The live token ``plaintext`` names in this schema, with its user; None otherwise."""
    parts = plaintext.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1]:
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=parts[1]).first()
    if token is None or not hmac.compare_digest(token.token_sha256, _token_digest(plaintext)):
        return None
    if token.revoked_at is not None or not token.user.is_active:
        return None
    now = timezone.now()
    # Record use at most once a minute: a busy client should not write on every request.
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
