from __future__ import annotations

import base64
import hashlib
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _


class AccountAdapter(DefaultAccountAdapter):
    """Staff accounts are made by provisioning and invitations, never by open sign-up."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """Too many failed sign-ins from this address, or for this account, is answered 429 with
        a page in the user's language (allauth would show a form error with 200)."""
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            raise ImmediateHttpResponse(render(request, "429.html", status=429)) from None

    # The codes allauth gives a rate limit that has run out: wrong second-factor codes at sign-in,
    # on re-authentication and on enrolment (allauth.mfa counts them per account and per address
    # under "login_failed"), and a sign-in refused for too many tries.
    RATE_LIMITED = frozenset({"too_many_login_attempts", "rate_limited"})

    def validation_error(self, code: str, *args: Any) -> ValidationError:
        """A rate limit that has run out is answered 429 with a page in the user's language;
        allauth would show it as a form error with 200, indistinguishable from a wrong code."""
        request = context.request
        if code in self.RATE_LIMITED and request is not None:
            raise ImmediateHttpResponse(render(request, "429.html", status=429))
        error: ValidationError = super().validation_error(code, *args)
        return error

    def get_reauthentication_methods(self, user: Any) -> list[dict[str, Any]]:
        """Someone holding a second factor re-authenticates with it, never with the password
        alone (the first method listed is where allauth sends them)."""
        methods: list[dict[str, Any]] = super().get_reauthentication_methods(user)
        with_mfa = [m for m in methods if m["id"].startswith("mfa_reauthenticate")]
        return with_mfa or methods


class MfaAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": _(
            "Your role requires two-factor authentication: add another method before removing this one."
        ),
    }

    def get_totp_issuer(self) -> str:
        return "Sila"

    # TOTP secrets are kept encrypted with a key derived from SECRET_KEY, so a database dump alone
    # does not yield anyone's second factor.
    def encrypt(self, text: str) -> str:
        return _fernet().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        return _fernet().decrypt(encrypted_text.encode()).decode()

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """Someone who must hold a second factor keeps at least one TOTP or passkey."""
        from accounts.security import mfa_required

        user: Any = authenticator.user
        if authenticator.type == Authenticator.Type.RECOVERY_CODES or not mfa_required(user):
            return True
        others = Authenticator.objects.filter(
            user_id=user.pk, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
        ).exclude(pk=authenticator.pk)
        return others.exists()


def _fernet() -> Fernet:
    digest = hashlib.sha256(f"sila-mfa:{settings.SECRET_KEY}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))
