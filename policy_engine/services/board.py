"""The board itself: its members (who may vote in Sila) and its quorum."""

from __future__ import annotations

from django.db import transaction

from accounts.models import Role, RoleCode, User
from audit.services import audit_record
from core.errors import FieldProblem, ServiceError, invalid
from policy_engine.models import BoardMember, BoardRole, BoardSettings
from policy_engine.services._common import require_role


def board_role_from_title(role_en: str) -> str:
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
    require_role(actor, RoleCode.ASSOCIATION_ADMIN)
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
    require_role(actor, RoleCode.ASSOCIATION_ADMIN)
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
