"""The board's approval: votes in Sila and closing the vote, or a paper approval recorded with its scan."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.models import RoleCode, User
from accounts.reauth import reauthentication_required_error
from audit.services import audit_record
from core.errors import FieldProblem, conflict, forbidden, invalid
from core.uploads import document_check
from policy_engine import notifications, selectors
from policy_engine.models import (
    ApprovalMethod,
    ApprovalSignatory,
    BoardApproval,
    BoardMember,
    BoardRole,
    BoardVote,
    PolicyStatus,
    VoteChoice,
)
from policy_engine.services._common import (
    approval_dates,
    document_problems,
    locked,
    put_in_force,
    require_role,
)


@transaction.atomic
def board_vote_cast(
    *, actor: User, number: int, choice: str, reauthenticate: Callable[[], str], comment: str = ""
) -> BoardVote:
    """A board member's vote on a submitted version. Once the vote is otherwise acceptable,
    ``reauthenticate`` confirms it is the member (accounts.reauth: raises when they have not just
    re-authenticated) and says how, which the vote keeps; without it the vote is refused."""
    member = BoardMember.objects.filter(user=actor, is_active=True).first()
    if member is None:
        raise forbidden("التصويت لأعضاء مجلس الإدارة فقط.", "Only board members can vote.")
    if choice not in VoteChoice.values:
        raise invalid(
            [FieldProblem("choice", "invalid_choice", "اختر: موافقة أو رفض.", "Choose approve or reject.")]
        )
    version = locked(number)
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
    reauthenticated_by = reauthenticate()
    if not reauthenticated_by:
        raise reauthentication_required_error()
    vote = BoardVote.objects.create(
        version=version, member=member, choice=choice, comment=comment, reauthenticated_by=reauthenticated_by
    )
    audit_record(
        actor=actor,
        action="policy.vote_cast",
        obj=version,
        changes={
            "vote": {"old": None, "new": choice},
            "reauthenticated_by": {"old": None, "new": reauthenticated_by},
        },
    )
    approving = version.votes.filter(choice=VoteChoice.APPROVE).count()
    if choice == VoteChoice.APPROVE and approving >= selectors.quorum_needed():
        notifications.quorum_reached(version)
    return vote


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
    reauthenticate: Callable[[], str] | None = None,
) -> BoardApproval:
    """Close the board's vote: with a quorum of approving votes the version comes into force
    (superseding the one before) and the approving members become its signatories. A person
    closing it re-authenticates first (``reauthenticate``, as for a vote)."""
    if actor is not None and not BoardMember.objects.filter(user=actor, role=BoardRole.CHAIR).exists():
        require_role(actor, RoleCode.ASSOCIATION_ADMIN)
    gregorian, hijri = approval_dates(
        date_gregorian=date_gregorian or (None if date_hijri else timezone.localdate()), date_hijri=date_hijri
    )
    version = locked(number)
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
    if actor is not None and not (reauthenticate and reauthenticate()):
        raise reauthentication_required_error()
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
    put_in_force(version, actor=actor)
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
    require_role(actor, RoleCode.ASSOCIATION_ADMIN)
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
    version = locked(number)
    if version.status in (PolicyStatus.IN_FORCE, PolicyStatus.SUPERSEDED):
        raise conflict(
            "already_approved", "اعتُمد هذا الإصدار من قبل.", "This version has already been approved."
        )
    doc_problems = document_problems(version.document)
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
    put_in_force(version, actor=actor)
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
