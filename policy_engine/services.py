"""Writes about policy versions. Each function is one transaction and leaves an audit row."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import Role, RoleCode, User
from audit.services import audit_record
from core.errors import FieldProblem, ServiceError, conflict, forbidden, invalid
from core.uploads import document_check
from policy_engine import selectors
from policy_engine.models import (
    ApprovalMethod,
    ApprovalSignatory,
    BoardApproval,
    BoardMember,
    BoardRole,
    BoardSettings,
    BoardVote,
    PolicyAttachment,
    PolicyStatus,
    PolicyVersion,
    StaffAcknowledgment,
    VoteChoice,
)
from policy_engine.rules.seeds import load_seed
from policy_engine.rules.validation import validate
from themes.dates import from_hijri, to_hijri

# --- helpers ----------------------------------------------------------------------------------


def _require_role(actor: User | None, *codes: str) -> None:
    if actor is None:
        return  # system actions (seeding, management commands)
    if actor.is_superuser or actor.roles.filter(code__in=codes).exists():
        return
    raise forbidden("لا تملك صلاحية هذا الإجراء.", "You are not allowed to do this.")


def _document_problems(document: Any) -> list[FieldProblem]:
    return [
        FieldProblem(f"document.{e.path}" if e.path else "document", e.code, e.message_ar, e.message_en)
        for e in validate(document)
    ]


def _locked(number: int) -> PolicyVersion:
    version = PolicyVersion.objects.select_for_update().filter(number=number).first()
    if version is None:
        raise ServiceError("not_found", "لا يوجد إصدار بهذا الرقم.", "No such policy version.", 404)
    return version


def _not_editable(version: PolicyVersion) -> ServiceError:
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


def _put_in_force(version: PolicyVersion, *, actor: User | None) -> None:
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


# --- drafts -------------------------------------------------------------------------------------


@transaction.atomic
def policy_version_create_draft(
    *, actor: User | None, based_on: int | None = None, document: Mapping[str, Any] | None = None
) -> PolicyVersion:
    """A new draft: a copy of version ``based_on`` (default: the one in force), or ``document``."""
    _require_role(actor, RoleCode.ASSOCIATION_ADMIN)
    source: PolicyVersion | None = None
    if document is None:
        source = (
            PolicyVersion.objects.filter(number=based_on).first()
            if based_on is not None
            else PolicyVersion.objects.filter(status=PolicyStatus.IN_FORCE).first()
        )
        if source is None:
            raise invalid(
                [
                    FieldProblem(
                        "based_on", "not_found", "لا يوجد إصدار بهذا الرقم.", "No such policy version."
                    )
                ]
            )
        document = source.document
    else:
        problems = _document_problems(document)
        if problems:
            raise invalid(problems)
    number = (PolicyVersion.objects.aggregate(n=Max("number"))["n"] or 0) + 1
    try:
        with transaction.atomic():
            version = PolicyVersion.objects.create(
                number=number, document=dict(document), based_on=source, created_by=actor
            )
    except IntegrityError:
        raise conflict(
            "concurrent_create",
            "أُنشئ إصدار آخر في اللحظة نفسها؛ أعد المحاولة.",
            "Another version was created at the same moment; try again.",
        ) from None
    audit_record(
        actor=actor,
        action="policy.draft_created",
        obj=version,
        changes={"based_on": {"old": None, "new": source.number if source else None}},
    )
    return version


@transaction.atomic
def policy_version_update_draft(
    *, actor: User | None, number: int, document: Mapping[str, Any], revision: int
) -> PolicyVersion:
    """Save a draft's document. ``revision`` is the one the editor started from: if someone saved
    in between, nothing is overwritten and the caller gets a conflict naming the current revision."""
    _require_role(actor, RoleCode.ASSOCIATION_ADMIN)
    version = _locked(number)
    if not version.is_editable:
        raise _not_editable(version)
    if revision != version.revision:
        raise conflict(
            "stale_revision",
            f"حفظ شخص آخر هذه المسودة (المراجعة {version.revision}) بعد أن فتحتها (المراجعة {revision}). "
            "أعد تحميلها ثم طبّق تعديلاتك.",
            f"Someone else saved this draft (revision {version.revision}) after you opened it "
            f"(revision {revision}). Reload it and apply your changes again.",
        )
    problems = _document_problems(document)
    if problems:
        raise invalid(problems)
    before = version.document
    version.document = dict(document)
    version.revision += 1
    version.save(update_fields=["document", "revision", "updated_at"])
    changed = sorted(k for k in set(before) | set(document) if before.get(k) != document.get(k))
    audit_record(
        actor=actor,
        action="policy.draft_saved",
        obj=version,
        changes={"revision": {"old": revision, "new": version.revision}, "fields": changed},
    )
    return version


@transaction.atomic
def policy_version_submit(*, actor: User | None, number: int) -> PolicyVersion:
    _require_role(actor, RoleCode.ASSOCIATION_ADMIN)
    version = _locked(number)
    if version.status != PolicyStatus.DRAFT:
        raise conflict(
            "not_a_draft",
            "لا يُرفع إلى المجلس إلا إصدار في حالة المسودة.",
            "Only a draft can be submitted to the board.",
        )
    problems = _document_problems(version.document)
    if problems:
        raise invalid(problems)
    version.status = PolicyStatus.SUBMITTED
    version.submitted_at = timezone.now()
    version.save(update_fields=["status", "submitted_at", "updated_at"])
    audit_record(
        actor=actor,
        action="policy.submitted",
        obj=version,
        changes={"status": {"old": PolicyStatus.DRAFT, "new": PolicyStatus.SUBMITTED}},
    )
    return version


# --- board --------------------------------------------------------------------------------------


@transaction.atomic
def board_vote_cast(*, actor: User, number: int, choice: str, password: str, comment: str = "") -> BoardVote:
    """A board member's vote on a submitted version. Signing needs the member's password again."""
    member = BoardMember.objects.filter(user=actor, is_active=True).first()
    if member is None:
        raise forbidden("التصويت لأعضاء مجلس الإدارة فقط.", "Only board members can vote.")
    if not actor.check_password(password or ""):
        raise invalid(
            [
                FieldProblem(
                    "password",
                    "reauthentication_failed",
                    "كلمة المرور غير صحيحة؛ يلزم التحقق من هويتك قبل التوقيع.",
                    "Wrong password: we need to confirm it is you before you sign.",
                )
            ]
        )
    if choice not in VoteChoice.values:
        raise invalid(
            [FieldProblem("choice", "invalid_choice", "اختر: موافقة أو رفض.", "Choose approve or reject.")]
        )
    version = _locked(number)
    if version.status != PolicyStatus.SUBMITTED:
        raise conflict(
            "not_submitted",
            "لا يُصوَّت إلا على إصدار مرفوع إلى المجلس.",
            "Only a version submitted to the board can be voted on.",
        )
    if BoardVote.objects.filter(version=version, member=member).exists():
        raise conflict(
            "already_voted", "سبق أن صوّتَّ على هذا الإصدار.", "You have already voted on this version."
        )
    vote = BoardVote.objects.create(version=version, member=member, choice=choice, comment=comment)
    audit_record(
        actor=actor, action="policy.vote_cast", obj=version, changes={"vote": {"old": None, "new": choice}}
    )
    return vote


def _board_member_role(role_en: str) -> str:
    lowered = role_en.lower()
    if "vice" in lowered:
        return BoardRole.VICE_CHAIR
    if "chair" in lowered:
        return BoardRole.CHAIR
    if "secretary" in lowered:
        return BoardRole.SECRETARY
    if "treasurer" in lowered:
        return BoardRole.TREASURER
    return BoardRole.MEMBER


@transaction.atomic
def policy_version_approve(
    *,
    actor: User | None,
    number: int,
    meeting_number: str = "",
    term: str = "",
    session: str = "",
    date_gregorian: dt.date | None = None,
    date_hijri: str | None = None,
) -> BoardApproval:
    """Close the board's vote: with a quorum of approving votes the version comes into force
    (superseding the one before) and the approving members become its signatories."""
    if actor is not None and not BoardMember.objects.filter(user=actor, role=BoardRole.CHAIR).exists():
        _require_role(actor, RoleCode.ASSOCIATION_ADMIN)
    gregorian, hijri = approval_dates(
        date_gregorian=date_gregorian or (None if date_hijri else timezone.localdate()), date_hijri=date_hijri
    )
    version = _locked(number)
    if version.status in (PolicyStatus.IN_FORCE, PolicyStatus.SUPERSEDED):
        raise conflict(
            "already_approved", "اعتُمد هذا الإصدار من قبل.", "This version has already been approved."
        )
    if version.status != PolicyStatus.SUBMITTED:
        raise conflict(
            "not_submitted", "ارفع المسودة إلى المجلس أولًا.", "Submit the draft to the board first."
        )
    needed = selectors.quorum_needed()
    approvals = list(
        version.votes.filter(choice=VoteChoice.APPROVE).select_related("member").order_by("cast_at")
    )
    if len(approvals) < needed:
        raise conflict(
            "quorum_not_met",
            f"لم يكتمل النصاب: {len(approvals)} موافقة من {needed} مطلوبة.",
            f"No quorum yet: {len(approvals)} approving vote(s) of {needed} needed.",
        )
    approval = BoardApproval.objects.create(
        version=version,
        method=ApprovalMethod.IN_APP,
        meeting_number=meeting_number,
        term=term,
        session=session,
        date_gregorian=gregorian,
        date_hijri=hijri,
        recorded_by=actor,
    )
    ApprovalSignatory.objects.bulk_create(
        ApprovalSignatory(
            approval=approval,
            name=vote.member.name_ar,
            role_ar=vote.member.role_ar,
            role_en=vote.member.get_role_display(),
            board_member=vote.member,
            position=index,
        )
        for index, vote in enumerate(approvals)
    )
    _put_in_force(version, actor=actor)
    audit_record(
        actor=actor,
        action="policy.approved",
        obj=version,
        changes={
            "approval": {
                "old": None,
                "new": {"method": "in_app", "date_hijri": hijri, "votes": len(approvals)},
            }
        },
    )
    return approval


@transaction.atomic
def policy_approval_record_paper(
    *,
    actor: User | None,
    number: int,
    signatories: Sequence[Mapping[str, str]],
    meeting_number: str = "",
    term: str = "",
    session: str = "",
    date_gregorian: dt.date | None = None,
    date_hijri: str | None = None,
    scan: UploadedFile | None = None,
    note: str = "",
    signatories_printed: bool = True,
) -> BoardApproval:
    """Record an approval that happened on paper, with its evidence; the version comes into force.

    ``signatories_printed=False`` records a paper that names no signatory (Mawsam's seed: the
    meeting and date are printed, no name); anyone recording a paper by hand must name them."""
    _require_role(actor, RoleCode.ASSOCIATION_ADMIN)
    gregorian, hijri = approval_dates(date_gregorian=date_gregorian, date_hijri=date_hijri)
    problems = [
        FieldProblem(f"signatories[{i}].{key}", "required", "هذا الحقل مطلوب.", "This field is required.")
        for i, s in enumerate(signatories)
        for key in ("name", "role_ar")
        if not (s.get(key) or "").strip()
    ]
    if not signatories and signatories_printed:
        problems.append(
            FieldProblem(
                "signatories", "required", "أضف موقّعًا واحدًا على الأقل.", "Add at least one signatory."
            )
        )
    if scan is not None:
        problems += document_check(scan, field="scan")[1]
    if problems:
        raise invalid(problems)
    version = _locked(number)
    if version.status in (PolicyStatus.IN_FORCE, PolicyStatus.SUPERSEDED):
        raise conflict(
            "already_approved", "اعتُمد هذا الإصدار من قبل.", "This version has already been approved."
        )
    doc_problems = _document_problems(version.document)
    if doc_problems:
        raise invalid(doc_problems)
    approval = BoardApproval(
        version=version,
        method=ApprovalMethod.PAPER,
        meeting_number=meeting_number,
        term=term,
        session=session,
        date_gregorian=gregorian,
        date_hijri=hijri,
        note=note,
        recorded_by=actor,
    )
    if scan is not None:
        approval.scan.save(scan.name or "approval.pdf", scan, save=False)
    approval.save()
    ApprovalSignatory.objects.bulk_create(
        ApprovalSignatory(
            approval=approval,
            name=s["name"].strip(),
            role_ar=s["role_ar"].strip(),
            role_en=(s.get("role_en") or "").strip(),
            position=index,
        )
        for index, s in enumerate(signatories)
    )
    if version.status == PolicyStatus.DRAFT:
        version.submitted_at = timezone.now()
        version.save(update_fields=["submitted_at", "updated_at"])
    _put_in_force(version, actor=actor)
    audit_record(
        actor=actor,
        action="policy.approval_recorded",
        obj=version,
        changes={
            "approval": {
                "old": None,
                "new": {"method": "paper", "date_hijri": hijri, "signatories": len(signatories)},
            }
        },
    )
    return approval


@transaction.atomic
def board_member_save(
    *,
    actor: User | None,
    member_id: int | None = None,
    name_ar: str,
    name_en: str = "",
    role: str = BoardRole.MEMBER,
    user_email: str = "",
    is_active: bool = True,
) -> BoardMember:
    """Add a board member, or change one; a member linked to a user account can vote in Sila."""
    _require_role(actor, RoleCode.ASSOCIATION_ADMIN)
    problems = []
    if not name_ar.strip():
        problems.append(FieldProblem("name_ar", "required", "اكتب اسم العضو.", "Enter the member's name."))
    if role not in BoardRole.values:
        problems.append(FieldProblem("role", "invalid_choice", "صفة غير معروفة.", "Unknown board role."))
    user = None
    if user_email.strip():
        user = User.objects.filter(email=user_email.strip().lower(), is_active=True).first()
        if user is None:
            problems.append(
                FieldProblem(
                    "user_email",
                    "unknown_user",
                    "لا يوجد مستخدم بهذا البريد في الجمعية.",
                    "No user of this association has this email.",
                )
            )
        elif BoardMember.objects.filter(user=user).exclude(pk=member_id or 0).exists():
            problems.append(
                FieldProblem(
                    "user_email",
                    "already_member",
                    "هذا المستخدم عضو في المجلس.",
                    "This user already sits on the board.",
                )
            )
    if problems:
        raise invalid(problems)
    member = (
        BoardMember.objects.select_for_update().filter(pk=member_id).first()
        if member_id is not None
        else None
    )
    if member_id and member is None:
        raise ServiceError("not_found", "لا يوجد عضو بهذا الرقم.", "No such board member.", 404)
    before = (
        {
            "name_ar": member.name_ar,
            "role": member.role,
            "user": member.user_id,
            "is_active": member.is_active,
        }
        if member
        else {}
    )
    member = member or BoardMember()
    member.name_ar, member.name_en, member.role = name_ar.strip(), name_en.strip(), role
    member.user, member.is_active = user, is_active
    member.save()
    if user is not None:
        user.roles.add(*Role.objects.filter(code=RoleCode.BOARD_MEMBER))
    after = {
        "name_ar": member.name_ar,
        "role": member.role,
        "user": member.user_id,
        "is_active": member.is_active,
    }
    audit_record(
        actor=actor,
        action="board.member_saved",
        obj=member,
        changes={k: {"old": before.get(k), "new": v} for k, v in after.items() if before.get(k) != v},
    )
    return member


@transaction.atomic
def board_quorum_set(*, actor: User | None, quorum: int | None) -> BoardSettings:
    """How many approving votes approve a version (None: a majority of the active members)."""
    _require_role(actor, RoleCode.ASSOCIATION_ADMIN)
    if quorum is not None and quorum < 1:
        raise invalid([FieldProblem("quorum", "invalid", "العدد من ١ فأكثر.", "At least 1.")])
    settings_row, _ = BoardSettings.objects.select_for_update().get_or_create(pk=1)
    old = settings_row.quorum
    settings_row.quorum = quorum
    settings_row.save()
    audit_record(
        actor=actor,
        action="board.quorum_set",
        obj=settings_row,
        changes={"quorum": {"old": old, "new": quorum}},
    )
    return settings_row


# --- staff --------------------------------------------------------------------------------------


@transaction.atomic
def staff_acknowledge(*, actor: User, number: int, signed_name: str) -> StaffAcknowledgment:
    """A staff member signs that they have read and understood the version in force."""
    if not signed_name.strip():
        raise invalid(
            [FieldProblem("signed_name", "required", "اكتب اسمك للتوقيع.", "Type your name to sign.")]
        )
    version = PolicyVersion.objects.filter(number=number).first()
    if version is None:
        raise ServiceError("not_found", "لا يوجد إصدار بهذا الرقم.", "No such policy version.", 404)
    if version.status != PolicyStatus.IN_FORCE:
        raise conflict(
            "not_in_force", "يُوقَّع على الإصدار النافذ فقط.", "Only the version in force can be acknowledged."
        )
    existing = StaffAcknowledgment.objects.filter(version=version, user=actor).first()
    if existing is not None:
        return existing
    ack = StaffAcknowledgment.objects.create(version=version, user=actor, signed_name=signed_name.strip())
    audit_record(actor=actor, action="policy.acknowledged", obj=version)
    return ack


@transaction.atomic
def policy_attachment_upload(*, actor: User | None, upload: UploadedFile) -> PolicyAttachment:
    _require_role(actor, RoleCode.ASSOCIATION_ADMIN)
    content_type, problems = document_check(upload, field="file")
    if problems or content_type is None:
        raise invalid(problems)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    attachment = PolicyAttachment(
        original_name=(upload.name or "document")[:255],
        content_type=content_type,
        size=upload.size or 0,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
    )
    attachment.file.save(upload.name or "document", upload, save=False)
    attachment.save()
    audit_record(actor=actor, action="policy.attachment_uploaded", obj=attachment)
    return attachment


# --- seeds --------------------------------------------------------------------------------------


@transaction.atomic
def policy_seed_install(*, slug: str) -> PolicyVersion:
    """Load one of the five founding policies as this association's first version, with its board
    approval as printed (or, with none printed, submitted and waiting for the board). Idempotent."""
    existing = PolicyVersion.objects.order_by("number").first()
    if existing is not None:
        return existing
    seed = load_seed(slug)
    approval = seed.get("approval")
    if approval:
        for s in approval["signatories"]:
            BoardMember.objects.get_or_create(
                name_ar=s["name"], defaults={"role": _board_member_role(s.get("role_en", ""))}
            )
    version = policy_version_create_draft(actor=None, document=seed["document"])
    if not approval:
        return policy_version_submit(actor=None, number=version.number)
    policy_approval_record_paper(
        actor=None,
        number=version.number,
        signatories=[
            {"name": s["name"], "role_ar": s["role_ar"], "role_en": s.get("role_en", "")}
            for s in approval["signatories"]
        ],
        meeting_number=approval.get("meeting_number") or "",
        term=approval.get("term") or "",
        session=approval.get("session") or "",
        date_gregorian=dt.date.fromisoformat(approval["date_gregorian"])
        if approval.get("date_gregorian")
        else None,
        date_hijri=approval.get("date_hijri"),
        note=approval.get("note") or "",
        signatories_printed=bool(approval["signatories"]),
    )
    version.refresh_from_db()
    return version
