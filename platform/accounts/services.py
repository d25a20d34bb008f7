"""Writes on accounts: second-factor enrolment for provisioning and the demo, security settings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.mfa.utils import decrypt
from django.db import transaction

from accounts.models import SecuritySettings, User
from accounts.security import security_settings_forget
from audit.services import audit_record, field_changes
from core.errors import FieldProblem, invalid


@transaction.atomic
def totp_enrol(*, user: User, secret: str | None = None) -> str:
    """Give ``user`` a TOTP authenticator (and recovery codes) unless they have one; returns its
    secret. Used where no browser is involved: the demo's accounts and tests."""
    existing = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if existing is not None:
        return decrypt(existing.data["secret"])
    secret = secret or generate_totp_secret()
    TOTP.activate(user, secret)
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).exists():
        RecoveryCodes.activate(user)
    audit_record(actor=user, action="mfa.added", obj=user, changes={"method": "totp"})
    return secret


@transaction.atomic
def security_settings_update(
    *,
    actor: User,
    reauthenticate: Callable[[], str],
    mfa_required_for_all: bool | None = None,
    idle_timeout_minutes: Any = None,
) -> SecuritySettings:
    """Change the association's security settings; the admin re-authenticates first."""
    current = SecuritySettings.objects.select_for_update().filter(pk=1).first() or SecuritySettings(pk=1)
    before = _settings_dict(current)
    if mfa_required_for_all is not None:
        current.mfa_required_for_all = bool(mfa_required_for_all)
    if idle_timeout_minutes is not None:
        try:
            minutes = int(idle_timeout_minutes)
        except (TypeError, ValueError):
            minutes = 0
        if not 5 <= minutes <= 720:
            raise invalid(
                [
                    FieldProblem(
                        "idle_timeout_minutes",
                        "out_of_range",
                        "اختر مدة بين ٥ دقائق و٧٢٠ دقيقة.",
                        "Choose between 5 and 720 minutes.",
                    )
                ]
            )
        current.idle_timeout_minutes = minutes
    reauthenticate()
    current.save()
    changes = field_changes(before, _settings_dict(current))
    if changes:
        audit_record(actor=actor, action="security_settings.updated", obj=current, changes=changes)
    transaction.on_commit(security_settings_forget)
    security_settings_forget()
    return current


def _settings_dict(current: SecuritySettings) -> dict[str, Any]:
    return {
        "mfa_required_for_all": current.mfa_required_for_all,
        "idle_timeout_minutes": current.idle_timeout_minutes,
    }
