"""Reactions to other contexts' events."""

from __future__ import annotations

from typing import Any

from accounts.models import Role, RoleCode
from policy_engine.models import BoardMember


def board_seat_for_invitee(sender: Any, invitation: Any, user: Any, **kwargs: Any) -> None:
    """An invited board member takes the seat they were invited for (inside the acceptance's
    transaction), so board and accounts stay one list."""
    if invitation.board_member_id is None:
        return
    seat = BoardMember.objects.filter(
        pk=invitation.board_member_id, user__isnull=True, is_active=True
    ).first()
    if seat is None:
        return
    seat.user = user
    seat.save(update_fields=["user"])
    user.roles.add(*Role.objects.filter(code=RoleCode.BOARD_MEMBER))


def vacant_board_seats(sender: Any, **kwargs: Any) -> list[dict[str, Any]]:
    """The active seats without an account, for the team screen (accounts.selectors)."""
    return [
        {"id": seat.pk, "name_ar": seat.name_ar, "name_en": seat.name_en, "role": seat.get_role_display()}
        for seat in BoardMember.objects.filter(is_active=True, user__isnull=True).order_by("role", "name_ar")
    ]
