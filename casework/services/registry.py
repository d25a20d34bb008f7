"""The beneficiary registry: register, update, and add documents to a person's file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record, field_changes
from casework import roles
from casework.models import (
    Beneficiary,
    BeneficiaryDocument,
    DuplicateFlag,
    Gender,
    HouseholdMember,
    Relation,
    SupportCase,
)
from casework.services._base import (
    field_problem,
    from_invalid,
    refused,
    require_role,
    required_problem,
    text_field,
    url_for,
)
from casework.services.attestation import void_stale_attestations
from casework.services.documents import document_store
from casework.validators import (
    InvalidValue,
    has_arabic_letters,
    name_search_form,
    names_similar,
    national_id_normalize,
    phone_normalize,
)
from core.errors import FieldProblem, ServiceError, invalid, not_found
from core.uploads import document_check

LIKELY_DUPLICATE = "similar_name_same_phone"


# --- the registry -------------------------------------------------------------------------------


def _beneficiary_pointer(existing: Beneficiary) -> ServiceError:
    kept = existing.merged_into or existing
    url = url_for("casework-beneficiary", kept.pk)
    error = invalid(
        [
            field_problem(
                "national_id",
                "already_registered",
                f"هذا الرقم مسجّل من قبل للمستفيد رقم {kept.pk} ({kept.full_name_ar}).",
                f"This ID number is already registered: beneficiary {kept.pk}.",
            )
        ]
    )
    error.extra = {"existing": {"id": kept.pk, "url": url}}
    return error


# No family is larger; a longer list is a mistake or an attack (thousands of rows per save).
MAX_HOUSEHOLD_MEMBERS = 50
# Nobody alive was born before this: an earlier date is a typing slip (year 1, 0199...).
EARLIEST_BIRTH_DATE = dt.date(1900, 1, 1)


def _birth_date_problem(field: str, birth_date: Any) -> FieldProblem | None:
    if not isinstance(birth_date, dt.date):
        return None
    if birth_date < EARLIEST_BIRTH_DATE:
        return field_problem(
            field, "too_early", "تاريخ الميلاد قبل عام ١٩٠٠.", "The birth date is before 1900."
        )
    if birth_date > timezone.localdate():
        return field_problem(
            field, "in_future", "تاريخ الميلاد في المستقبل.", "The birth date is in the future."
        )
    return None


def _household_rows(
    household: Iterable[Mapping[str, Any]],
) -> tuple[list[HouseholdMember], list[FieldProblem]]:
    members: list[HouseholdMember] = []
    problems: list[FieldProblem] = []
    household = list(household)
    if len(household) > MAX_HOUSEHOLD_MEMBERS:
        return [], [
            field_problem(
                "household",
                "too_many",
                f"لا تتجاوز الأسرة {MAX_HOUSEHOLD_MEMBERS} فردًا.",
                f"A household has at most {MAX_HOUSEHOLD_MEMBERS} members.",
            )
        ]
    for index, row in enumerate(household):
        where = f"household[{index}]"
        name = text_field(row, "full_name_ar")
        if not name:
            problems.append(required_problem(f"{where}.full_name_ar"))
        relation = row.get("relation") or ""
        if relation not in Relation.values:
            problems.append(
                field_problem(
                    f"{where}.relation", "invalid_choice", "اختر صلة القرابة.", "Choose the relation."
                )
            )
        national_id = ""
        if row.get("national_id"):
            try:
                national_id = national_id_normalize(str(row["national_id"]))
            except InvalidValue as exc:
                problems.append(from_invalid(f"{where}.national_id", exc))
        gender = row.get("gender") or ""
        if gender not in ("", *Gender.values):
            problems.append(
                field_problem(f"{where}.gender", "invalid_choice", "اختر الجنس.", "Choose a gender.")
            )
        birth_date = row.get("birth_date")
        if isinstance(birth_date, str) and birth_date:
            try:
                birth_date = dt.date.fromisoformat(birth_date)
            except ValueError:
                problems.append(
                    field_problem(
                        f"{where}.birth_date", "invalid_date", "تاريخ غير صحيح.", "Not a valid date."
                    )
                )
                birth_date = None
        date_problem = _birth_date_problem(f"{where}.birth_date", birth_date)
        if date_problem:
            problems.append(date_problem)
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
            problems.append(from_invalid("national_id", exc))
    if full_name_ar is not None:
        name = " ".join(full_name_ar.split())
        if not name:
            problems.append(required_problem("full_name_ar"))
        elif not has_arabic_letters(name):
            problems.append(
                field_problem(
                    "full_name_ar",
                    "not_arabic",
                    "اكتب الاسم بالعربية كما في الهوية.",
                    "Write the name in Arabic, as on the ID.",
                )
            )
        elif len(name) > 200:
            problems.append(
                field_problem("full_name_ar", "too_long", "الاسم طويل جدًا.", "The name is too long.")
            )
        else:
            clean["full_name_ar"] = name
    if phone is not None:
        if phone.strip():
            try:
                clean["phone_e164"] = phone_normalize(phone)
            except InvalidValue as exc:
                problems.append(from_invalid("phone", exc))
        else:
            clean["phone_e164"] = ""
    if gender is not None:
        if gender not in ("", *Gender.values):
            problems.append(field_problem("gender", "invalid_choice", "اختر الجنس.", "Choose a gender."))
        else:
            clean["gender"] = gender
    date_problem = _birth_date_problem("birth_date", birth_date)
    if date_problem:
        problems.append(date_problem)
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
    require_role(actor, roles.REGISTRY_WRITERS)
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
    require_role(actor, roles.REGISTRY_WRITERS)
    unknown = sorted(set(changes) - set(_UPDATABLE))
    if unknown:
        raise invalid(
            [field_problem(k, "unknown_field", "حقل غير معروف.", "Unknown field.") for k in unknown]
        )
    beneficiary = Beneficiary.objects.select_for_update().filter(pk=beneficiary_id).first()
    if beneficiary is None:
        raise not_found("لا يوجد مستفيد بهذا الرقم.", "No such beneficiary.")
    if beneficiary.merged_into_id is not None:
        raise refused(
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
                [field_problem("birth_date", "invalid_date", "تاريخ غير صحيح.", "Not a valid date.")]
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
        void_stale_attestations(beneficiary_ids=[beneficiary.pk], actor=actor)
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
    require_role(actor, roles.REGISTRY_WRITERS)
    beneficiary = Beneficiary.objects.select_for_update().filter(pk=beneficiary_id).first()
    if beneficiary is None:
        raise not_found("لا يوجد مستفيد بهذا الرقم.", "No such beneficiary.")
    content_type, problems = document_check(upload, field="file")
    case = None
    if case_id is not None:
        case = SupportCase.objects.filter(pk=case_id, beneficiary=beneficiary).first()
        if case is None:
            problems.append(
                field_problem(
                    "case", "not_found", "لا توجد حالة بهذا الرقم لهذا المستفيد.", "No such case here."
                )
            )
    if problems or content_type is None:
        raise invalid(problems)
    document = document_store(
        actor=actor, beneficiary=beneficiary, upload=upload, content_type=content_type, kind=kind, case=case
    )
    audit_record(
        actor=actor,
        action="beneficiary.document_added",
        obj=beneficiary,
        changes={"document": {"old": None, "new": document.pk}},
    )
    void_stale_attestations(beneficiary_ids=[beneficiary.pk], actor=actor)
    return document
