"""Reads for the team screen and API."""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session
from django.db.models import Count
from django.dispatch import Signal
from django.utils import timezone

from accounts.models import Invitation, Role, RoleScope, User

# Board seats that have no account yet. Seats are policy_engine's (a layer above accounts), which
# answers this signal with a list of {"id", "name_ar", "name_en", "role"}: board and team stay one list.
vacant_board_seats_wanted = Signal()


def vacant_board_seats() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for _receiver, seats in vacant_board_seats_wanted.send(sender=None):
        if isinstance(seats, list):
            found.extend(seats)
    return found


def assignable_roles() -> list[Role]:
    return list(Role.objects.filter(scope=RoleScope.ASSOCIATION).order_by("id"))


def staff_list() -> list[dict[str, Any]]:
    """Every account of the association (board members included, with their seat) with roles,
    second-factor status, last sign-in and open sessions; a constant number of queries."""
    users = list(
        User.objects.prefetch_related("roles").select_related("board_member").order_by("-is_active", "email")
    )
    with_mfa = set(
        Authenticator.objects.filter(
            type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
        ).values_list("user_id", flat=True)
    )
    live = Session.objects.filter(expire_date__gt=timezone.now()).values("session_key")
    sessions = dict(
        UserSession.objects.filter(session_key__in=live)
        .values("user_id")
        .annotate(n=Count("id"))
        .values_list("user_id", "n")
    )
    rows = []
    for user in users:
        seat = getattr(user, "board_member", None)
        rows.append(
            {
                "id": user.pk,
                "email": user.email,
                "full_name": user.full_name,
                "roles": sorted(r.code for r in user.roles.all()),
                "is_active": user.is_active,
                "mfa_enabled": user.pk in with_mfa,
                "last_login": user.last_login,
                "active_sessions": sessions.get(user.pk, 0) if user.is_active else 0,
                "board_role": seat.role if seat is not None and seat.is_active else None,
                "board_seat": seat.pk if seat is not None and seat.is_active else None,
            }
        )
    return rows


def invitations_pending() -> list[Invitation]:
    return list(
        Invitation.objects.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )
        .prefetch_related("roles")
        .order_by("-created_at")
    )
