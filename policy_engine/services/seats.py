"""A board seat and the account that sits in it: board and team stay one list.

A seat (``BoardMember``) is configured per association, often before its member has an account.
An administrator either invites the member for the seat (the invitation carries the seat; on
acceptance the new account takes it, ``policy_engine.signals``) or links the seat to an account
that exists; unlinking leaves the seat, and the account loses the board role. Each needs the
administrator's fresh re-authentication (they grant or take away a vote on the policy)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

from accounts import team
from accounts.models import Invitation, Role, RoleCode, User
from audit.services import audit_record
from core.errors import FieldProblem, ServiceError, conflict, invalid
from policy_engine.models import BoardMember
from policy_engine.services._common import require_role


def _seat(seat_id: int, *, lock: bool = False) -> BoardMember:
    queryset = BoardMember.objects.select_for_update(of=("self",)) if lock else BoardMember.objects
    seat = queryset.filter(pk=seat_id).select_related("user").first()
    if seat is None:
        raise ServiceError("not_found", "لا يوجد مقعد بهذا الرقم في المجلس.", "No such board seat.", 404)
    if not seat.is_active:
        raise conflict(
            "former_member",
            "انتهت عضوية صاحب هذا المقعد؛ أعده إلى المجلس أولًا من صفحة المجلس.",
            "This seat's membership has ended; reinstate it on the board page first.",
        )
    return seat


@transaction.atomic
def board_seat_invite(
    *, actor: User, seat_id: int, email: str, reauthenticate: Callable[[], str]
) -> tuple[Invitation, str]:
    """Invite ``email`` to join as the member of a vacant seat (the board member role, the seat
    taken on acceptance). Returns the invitation and its link's token (emailed after commit)."""
    require_role(actor, RoleCode.ASSOCIATION_ADMIN)
    seat = _seat(seat_id, lock=True)
    if seat.user_id is not None:
        raise conflict(
            "seat_taken",
            "لهذا المقعد حساب مرتبط به؛ افصله أولًا إن أردت دعوة شخص آخر.",
            "This seat already has an account; unlink it first to invite someone else.",
        )
    return team.invitation_create(
        actor=actor,
        email=email,
        roles=[RoleCode.BOARD_MEMBER],
        reauthenticate=reauthenticate,
        board_member_id=seat.pk,
    )


@transaction.atomic
def board_seat_link(
    *, actor: User, seat_id: int, user_id: int | None, reauthenticate: Callable[[], str]
) -> BoardMember:
    """Seat the account ``user_id`` (it gets the board member role), or, with None, unseat whoever
    sits there (they lose the role; their votes stay theirs)."""
    require_role(actor, RoleCode.ASSOCIATION_ADMIN)
    seat = _seat(seat_id, lock=True)
    before = seat.user
    user: User | None = None
    if user_id is not None:
        user = User.objects.filter(pk=user_id, is_active=True).first()
        if user is None:
            raise invalid(
                [
                    FieldProblem(
                        "user",
                        "unknown_user",
                        "لا يوجد حساب نشط بهذا الرقم في الجمعية.",
                        "No active account of this association has this number.",
                    )
                ]
            )
        if BoardMember.objects.filter(user=user).exclude(pk=seat.pk).exists():
            raise invalid(
                [
                    FieldProblem(
                        "user",
                        "already_member",
                        "لصاحب هذا الحساب مقعد آخر في المجلس.",
                        "This account already sits in another board seat.",
                    )
                ]
            )
    if (before.pk if before else None) == (user.pk if user else None):
        return seat  # nothing changes
    reauthenticate()  # a vote on the policy is given or taken away: the admin confirms it is them
    seat.user = user
    seat.save(update_fields=["user"])
    board_role = Role.objects.filter(code=RoleCode.BOARD_MEMBER)
    if before is not None:
        before.roles.remove(*board_role)
    if user is not None:
        user.roles.add(*board_role)
    changes: dict[str, Any] = {
        "user": {"old": before.email if before else None, "new": user.email if user else None}
    }
    audit_record(
        actor=actor, action="board.seat_linked" if user else "board.seat_unlinked", obj=seat, changes=changes
    )
    return seat
