"""The association's team: invitations, roles, deactivation (writes; reads are in selectors.py).

Every change is audited. Role changes and invitations need the admin's fresh re-authentication,
which the screens and the API obtain before calling (accounts.reauth)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import connection, transaction
from django.dispatch import Signal
from django.utils import timezone, translation

from accounts.models import Invitation, Role, RoleCode, RoleScope, User
from audit.services import audit_record
from core.errors import FieldProblem, ServiceError, conflict, invalid, not_found

INVITATION_DAYS = 7
EMAIL_MAX_LENGTH = 254  # the email columns' length: a longer address is a field error, not a 500
# Sent after an invitation is accepted (inside its transaction): policy_engine gives the new
# account its board seat. Arguments: invitation, user.
invitation_accepted = Signal()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _roles(codes: Any) -> list[Role]:
    """Association roles by code; an unknown role, or a platform one, is a field error."""
    if not isinstance(codes, list | tuple) or not codes or not all(isinstance(c, str) for c in codes):
        raise invalid(
            [FieldProblem("roles", "required", "اختر دورًا واحدًا على الأقل.", "Choose at least one role.")]
        )
    found = {r.code: r for r in Role.objects.filter(code__in=codes, scope=RoleScope.ASSOCIATION)}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise invalid(
            [
                FieldProblem(
                    "roles",
                    "invalid_choice",
                    f"دور غير معروف في الجمعية: {', '.join(unknown)}.",
                    f"Not a role in this association: {', '.join(unknown)}.",
                )
            ]
        )
    return [found[c] for c in dict.fromkeys(codes)]


def _link(token: str) -> str:
    tenant = connection.tenant  # type: ignore[attr-defined]
    domain = tenant.get_primary_domain().domain if hasattr(tenant, "get_primary_domain") else "localhost"
    port = getattr(settings, "SILA_PUBLIC_PORT", "")
    return f"{settings.SILA_PUBLIC_SCHEME}://{domain}{':' + str(port) if port else ''}/invite/{token}/"


def _send_invitation(email: str, link: str, association: str) -> None:
    # The invitee has no language chosen yet: the message is in Arabic, then English.
    subject = f"دعوة للانضمام إلى فريق {association} في صلة — Invitation to join {association} on Sila"
    body = (
        f"دُعيت للانضمام إلى فريق {association} في منصة صلة.\n"
        f"افتح الرابط خلال {INVITATION_DAYS} أيام لتعيين كلمة المرور وتفعيل التحقق بخطوتين:\n{link}\n\n"
        f"You have been invited to join {association}'s team on Sila.\n"
        f"Open the link within {INVITATION_DAYS} days to set your password and two-factor authentication:\n{link}\n"
    )
    send_mail(subject, body, None, [email])


@transaction.atomic
def invitation_create(
    *,
    actor: User,
    email: str,
    roles: Any,
    reauthenticate: Callable[[], str],
    board_member_id: int | None = None,
) -> tuple[Invitation, str]:
    """Invite ``email`` with ``roles``; an earlier pending invitation to it is replaced (re-invite).
    The link (returned once, and emailed after commit) is valid for seven days, once."""
    email = (email or "").strip().lower()
    try:
        if len(email) > EMAIL_MAX_LENGTH:
            raise ValidationError("too long")
        validate_email(email)
    except ValidationError:
        raise invalid(
            [FieldProblem("email", "invalid", "أدخل بريدًا إلكترونيًا صحيحًا.", "Enter a valid email address.")]
        ) from None
    if User.objects.filter(email=email).exists():
        raise invalid(
            [
                FieldProblem(
                    "email",
                    "already_member",
                    "لهذا البريد حساب في الجمعية؛ غيّر أدواره من قائمة الفريق.",
                    "This email already has an account here; change its roles in the team list.",
                )
            ]
        )
    role_objects = _roles(roles)
    reauthenticate()  # granting roles: the admin confirms it is them (raises otherwise)
    now = timezone.now()
    Invitation.objects.filter(email=email, accepted_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        email=email,
        board_member_id=board_member_id,
        token_sha256=_digest(token),
        invited_by=actor,
        expires_at=now + dt.timedelta(days=INVITATION_DAYS),
    )
    invitation.roles.set(role_objects)
    audit_record(
        actor=actor,
        action="invitation.created",
        obj=invitation,
        changes={
            "email": {"old": None, "new": email},
            "roles": {"old": None, "new": [r.code for r in role_objects]},
        },
    )
    link = _link(token)
    tenant = connection.tenant  # type: ignore[attr-defined]
    association = str(getattr(tenant, "name_ar", "") or "Sila")
    transaction.on_commit(lambda: _send_invitation(email, link, association))
    return invitation, token


def _gone(code: str, message_ar: str, message_en: str) -> ServiceError:
    return ServiceError(code, message_ar, message_en, 410)


def invitation_check(token: str, *, lock: bool = False) -> Invitation:
    """The live invitation ``token`` names; a forged, used, replaced or expired one is refused."""
    queryset = Invitation.objects.select_for_update() if lock else Invitation.objects
    invitation = queryset.filter(token_sha256=_digest(token or "")).first()
    if invitation is None:
        raise not_found("رابط الدعوة غير صحيح.", "This invitation link is not valid.")
    if invitation.accepted_at is not None:
        raise _gone(
            "invitation_used",
            "استُخدمت هذه الدعوة من قبل؛ سجّل الدخول.",
            "This invitation was already used; sign in.",
        )
    if invitation.revoked_at is not None:
        raise _gone(
            "invitation_replaced",
            "استُبدلت هذه الدعوة بدعوة أحدث؛ استخدم الرابط الأحدث.",
            "This invitation was replaced by a newer one; use the latest link.",
        )
    if invitation.expires_at <= timezone.now():
        raise _gone(
            "invitation_expired",
            "انتهت صلاحية الدعوة؛ اطلب من مدير الجمعية دعوة جديدة.",
            "This invitation has expired; ask the association's administrator for a new one.",
        )
    return invitation


def _password_problems(password: str, user: User) -> list[FieldProblem]:
    messages: dict[str, list[str]] = {}
    for lang in ("ar", "en"):
        with translation.override(lang):
            try:
                validate_password(password, user)
            except ValidationError as error:
                messages[lang] = list(error.messages)
    if not messages:
        return []
    return [FieldProblem("password", "weak_password", " ".join(messages["ar"]), " ".join(messages["en"]))]


@transaction.atomic
def invitation_accept(*, token: str, full_name: str, password: str) -> User:
    """Create the invited account with its roles; the invitee signs in next and enrols MFA when a
    role needs it (accounts.middleware)."""
    invitation = invitation_check(token, lock=True)
    full_name = " ".join((full_name or "").split())
    candidate = User(email=invitation.email, full_name=full_name)
    problems = _password_problems(password or "", candidate)
    if not full_name:
        problems.insert(0, FieldProblem("full_name", "required", "اكتب اسمك.", "Enter your name."))
    if problems:
        raise invalid(problems)
    if User.objects.filter(email=invitation.email).exists():
        raise conflict(
            "already_member",
            "لهذا البريد حساب في الجمعية؛ سجّل الدخول.",
            "This email already has an account; sign in.",
        )
    user = User.objects.create_user(invitation.email, password, full_name=full_name, is_staff=True)
    user.roles.set(invitation.roles.all())
    invitation.accepted_at = timezone.now()
    invitation.user = user
    invitation.save(update_fields=["accepted_at", "user"])
    audit_record(
        actor=user,
        action="invitation.accepted",
        obj=invitation,
        changes={"roles": {"old": None, "new": sorted(user.role_codes())}},
    )
    invitation_accepted.send(sender=Invitation, invitation=invitation, user=user)
    return user


def _active_admins() -> int:
    return User.objects.filter(is_active=True, roles__code=RoleCode.ASSOCIATION_ADMIN).distinct().count()


@transaction.atomic
def staff_update(
    *,
    actor: User,
    user_id: int,
    reauthenticate: Callable[[], str],
    roles: Any = None,
    is_active: bool | None = None,
) -> User:
    """Change an account's roles and/or switch it off or on. The last active administrator can
    neither lose the role nor be switched off. Switching off ends its sessions at once; its
    API tokens stop on their next request (an inactive account authenticates nowhere)."""
    target = User.objects.select_for_update().filter(pk=user_id).first()
    if target is None:
        raise not_found("لا يوجد حساب بهذا الرقم.", "No such account.")
    # Lock the administrators' rows too: two admins demoting each other at once see each other.
    list(User.objects.select_for_update().filter(roles__code=RoleCode.ASSOCIATION_ADMIN).values_list("pk"))
    before_roles = sorted(target.roles.values_list("code", flat=True))
    new_roles = _roles(roles) if roles is not None else None
    was_admin = target.is_active and RoleCode.ASSOCIATION_ADMIN in before_roles
    stays_admin = (is_active if is_active is not None else target.is_active) and (
        RoleCode.ASSOCIATION_ADMIN in ([r.code for r in new_roles] if new_roles is not None else before_roles)
    )
    if was_admin and not stays_admin and _active_admins() <= 1:
        raise conflict(
            "last_admin",
            "هذا آخر مدير للجمعية: عيّن مديرًا آخر قبل إزالة هذا الدور أو إيقاف الحساب.",
            "This is the association's last administrator: make someone else an administrator first.",
        )
    reauthenticate()  # role changes and switching accounts off: the admin confirms it is them
    if new_roles is not None:
        after_roles = sorted(r.code for r in new_roles)
        if after_roles != before_roles:
            target.roles.set(new_roles)
            target.__dict__.pop("_role_codes", None)
            audit_record(
                actor=actor,
                action="staff.roles_changed",
                obj=target,
                changes={"roles": {"old": before_roles, "new": after_roles}},
            )
    if is_active is not None and bool(is_active) != target.is_active:
        target.is_active = bool(is_active)
        target.save(update_fields=["is_active"])
        audit_record(
            actor=actor,
            action="staff.deactivated" if not target.is_active else "staff.reactivated",
            obj=target,
            changes={"is_active": {"old": not target.is_active, "new": target.is_active}},
        )
        if not target.is_active:
            _end_sessions(target)
    return target


def _end_sessions(user: User) -> None:
    from allauth.usersessions.models import UserSession

    for session in UserSession.objects.filter(user=user):
        session.end()
    # Sessions allauth did not record (e.g. opened before it tracked them) end too.
    store = import_module(settings.SESSION_ENGINE).SessionStore
    from django.contrib.sessions.models import Session

    for row in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(row.get_decoded().get("_auth_user_id")) == str(user.pk):
            store(row.session_key).delete()
