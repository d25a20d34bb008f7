"""Who must hold a second factor, and an association's security settings (cached per schema)."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache

from accounts.models import RoleCode, SecuritySettings

# Roles that always need a second factor: they administer accounts, sign the policy, or run the
# platform. Other staff need one when their association turns on "MFA for everyone".
MFA_REQUIRED_ROLES = frozenset({RoleCode.ASSOCIATION_ADMIN, RoleCode.BOARD_MEMBER, RoleCode.PLATFORM_ADMIN})
_CACHE_KEY = "accounts:security-settings"  # the cache's key function adds the schema


def security_settings() -> SecuritySettings:
    """This schema's settings (defaults when none were saved), cached until they change."""
    cached = cache.get(_CACHE_KEY)
    if isinstance(cached, SecuritySettings):
        return cached
    found = SecuritySettings.objects.filter(pk=1).first() or SecuritySettings(pk=1)
    cache.set(_CACHE_KEY, found, 300)
    return found


def security_settings_forget() -> None:
    cache.delete(_CACHE_KEY)


def mfa_required(user: Any) -> bool:
    """Whether ``user`` may use Sila only with a second factor enrolled."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    codes = user.role_codes()
    if codes & MFA_REQUIRED_ROLES:
        return True
    return bool(codes) and security_settings().mfa_required_for_all


def mfa_enrolled(user: Any) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(
        user_id=user.pk, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).exists()
