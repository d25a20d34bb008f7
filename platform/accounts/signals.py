"""Sign-ins, failed sign-ins and second-factor changes go to the audit trail."""

from __future__ import annotations

from typing import Any

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from django.contrib.auth import signals as auth_signals
from django.dispatch import receiver

from audit.services import audit_record


def _client_ip(request: Any) -> str:
    if request is None:
        return ""
    from allauth.account.adapter import get_adapter

    try:
        return str(get_adapter().get_client_ip(request))
    except Exception:  # an unknown address never blocks the sign-in itself
        return ""


@receiver(auth_signals.user_logged_in)
def _session_started(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from accounts.middleware import session_started

    if request is not None and hasattr(request, "session"):
        session_started(request)


@receiver(account_signals.user_logged_in)
def _signed_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    # allauth's signal: a sign-in through the form (password and, when enrolled, second factor).
    audit_record(actor=user, action="account.signed_in", obj=user, changes={"ip": _client_ip(request)})


@receiver(auth_signals.user_login_failed)
def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    # ``credentials`` has the password masked by Django; only the attempted email is kept.
    email = str(credentials.get("email") or credentials.get("username") or "")[:254]
    audit_record(
        actor=None,
        action="account.sign_in_failed",
        object_type="accounts.user",
        changes={"email": email, "ip": _client_ip(request)},
    )


def _mfa_event(action: str) -> Any:
    def handler(
        sender: Any, request: Any = None, user: Any = None, authenticator: Any = None, **kw: Any
    ) -> None:
        from accounts.middleware import MFA_OK_KEY

        if action == "mfa.removed" and request is not None and hasattr(request, "session"):
            request.session.pop(MFA_OK_KEY, None)
        audit_record(
            actor=user,
            action=action,
            obj=user,
            changes={"method": getattr(authenticator, "type", ""), "ip": _client_ip(request)},
        )

    return handler


_handlers = {
    mfa_signals.authenticator_added: _mfa_event("mfa.added"),
    mfa_signals.authenticator_removed: _mfa_event("mfa.removed"),
    mfa_signals.authenticator_reset: _mfa_event("mfa.reset"),
    mfa_signals.authentication_failed: _mfa_event("mfa.code_failed"),
}
for _signal, _handler in _handlers.items():
    _signal.connect(_handler, dispatch_uid=f"sila-{id(_signal)}")
