"""Re-authentication before sensitive actions (a board vote or approval, role changes, API tokens,
exports, the MFA requirement), on top of allauth's reauthenticate flow.

Screens raise allauth's ``ReauthenticationRequired``: its middleware keeps the POST, sends the user
to re-authenticate (the second factor when they hold one, else the password) and replays the POST.
Each fresh re-authentication authorises ONE sensitive action: using it marks it spent, so a
replayed form or request needs a new one. API clients may re-authenticate inline by sending
``password`` (accounts without MFA) or ``code`` (their authenticator's current code).
"""

from __future__ import annotations

import time
from typing import Any

from allauth.account import app_settings as account_settings
from allauth.account.internal.flows.login import get_authentication_records
from allauth.core import ratelimit
from allauth.core.exceptions import ReauthenticationRequired
from allauth.mfa.models import Authenticator
from django.http import HttpRequest

from accounts.security import mfa_enrolled
from core.errors import FieldProblem, ServiceError, invalid

SPENT_KEY = "sila_reauth_spent"  # the 'at' stamps of re-authentications already used


def _describe(record: dict[str, Any]) -> str:
    if record.get("method") == "mfa":
        return f"mfa:{record.get('type', '')}"
    return str(record.get("method", ""))


def fresh_reauthentication(request: HttpRequest) -> dict[str, Any] | None:
    """The latest unspent re-authentication of this session within the timeout; for an account
    holding a second factor, only one made with it counts."""
    user = request.user
    if not user.is_authenticated:
        return None
    spent = set(request.session.get(SPENT_KEY, []))
    needs_mfa = mfa_enrolled(user)
    now = time.time()
    for record in reversed(get_authentication_records(request, user)):
        if (
            not record.get("reauthenticated")
            or now - record["at"] > account_settings.REAUTHENTICATION_TIMEOUT
        ):
            continue
        if record["at"] in spent or (needs_mfa and record.get("method") != "mfa"):
            continue
        return record
    return None


def reauthentication_recent(request: HttpRequest) -> str:
    """For taking data out (report exports): a re-authentication of this session within the timeout,
    spent or not, so one confirmation covers the few downloads that follow it (a code works only
    once, so asking for one per file would make the reader wait half a minute between files).
    Says how it was made; without one, raises ``ReauthenticationRequired`` (allauth asks for it and
    sends the reader back to the download)."""
    user = request.user
    if not user.is_authenticated:
        raise ReauthenticationRequired()
    needs_mfa = mfa_enrolled(user)
    now = time.time()
    for record in reversed(get_authentication_records(request, user)):
        if (
            not record.get("reauthenticated")
            or now - record["at"] > account_settings.REAUTHENTICATION_TIMEOUT
        ):
            continue
        if needs_mfa and record.get("method") != "mfa":
            continue
        return _describe(record)
    raise ReauthenticationRequired()


def reauthentication_spend(request: HttpRequest) -> str:
    """Use this session's fresh re-authentication for one sensitive action and say how it was made
    (``mfa:totp``, ``mfa:webauthn``, ``mfa:recovery_codes`` or ``password``); without one, raise
    ``ReauthenticationRequired`` (screens: allauth asks and replays the request)."""
    record = fresh_reauthentication(request)
    if record is None:
        raise ReauthenticationRequired()
    request.session[SPENT_KEY] = [*request.session.get(SPENT_KEY, [])[-20:], record["at"]]
    return _describe(record)


def reauthentication_required_error() -> ServiceError:
    return ServiceError(
        "reauthentication_required",
        "أكّد هويتك أولًا: أرسل رمز تطبيق المصادقة (code) أو كلمة المرور (password) إن لم تكن لديك مصادقة ثنائية.",
        "Confirm it is you first: send your authenticator's code (code), or your password (password) "
        "if you have no second factor.",
        403,
    )


def _too_many() -> ServiceError:
    return ServiceError(
        "too_many_attempts",
        "محاولات كثيرة خاطئة؛ انتظر قليلًا ثم أعد المحاولة.",
        "Too many wrong attempts; wait a few minutes and try again.",
        429,
    )


def _wrong(field: str) -> ServiceError:
    if field == "code":
        return invalid(
            [
                FieldProblem(
                    "code", "incorrect_code", "الرمز غير صحيح أو سبق استخدامه.", "Wrong or already used code."
                )
            ]
        )
    return invalid(
        [
            FieldProblem(
                "password",
                "reauthentication_failed",
                "كلمة المرور غير صحيحة؛ يلزم التحقق من هويتك قبل التوقيع.",
                "Wrong password: we need to confirm it is you before you sign.",
            )
        ]
    )


def reauthenticate_inline(request: Any, *, password: str = "", code: str = "") -> str:
    """API re-authentication in the request itself. Accounts with a second factor give its code
    (a code works once); others their password. Failures count towards the sign-in rate limits
    (per address and per account), so guessing here is no easier than on the sign-in page."""
    user = request.user
    if not password and not code:
        raise reauthentication_required_error()
    django_request = getattr(request, "_request", request)
    key = f"reauth:{user.pk}"
    if not ratelimit.consume(django_request, action="login_failed", key=key, dry_run=True):
        raise _too_many()
    if mfa_enrolled(user):
        totp = Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).first()
        if not code or totp is None or not totp.wrap().validate_code(code):
            ratelimit.consume(django_request, action="login_failed", key=key)
            raise _wrong("code")
        how = "mfa:totp"
    else:
        if not user.check_password(password):
            ratelimit.consume(django_request, action="login_failed", key=key)
            raise _wrong("password")
        how = "password"
    return how


def api_reauthentication(request: Any, data: dict[str, Any]) -> str:
    """For an API write that needs re-authentication: the session's fresh one if there is one,
    else the ``code``/``password`` sent with the request. Raises a 403/400/429 ServiceError."""
    django_request = getattr(request, "_request", request)
    if getattr(request, "auth", None) is None and hasattr(django_request, "session"):
        try:
            return reauthentication_spend(django_request)
        except ReauthenticationRequired:
            pass
    return reauthenticate_inline(request, password=data.get("password", ""), code=data.get("code", ""))
