"""Who may use the console: active platform admins, signed in on the platform's host, with MFA."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.apps import apps
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.models import RoleCode


def mfa_satisfied(request: HttpRequest) -> bool:
    """The admin has a second factor and used it to sign in this session (django-allauth's MFA)."""
    if not apps.is_installed("allauth.mfa"):
        return False
    from allauth.mfa.utils import is_mfa_enabled

    if not is_mfa_enabled(request.user):
        return False
    methods = request.session.get("account_authentication_methods", [])
    return any(isinstance(m, dict) and m.get("method") == "mfa" for m in methods)


def refusal(request: HttpRequest) -> HttpResponse | None:
    user = request.user
    if getattr(request, "association", None) is not None:
        return render(request, "console/refused.html", {"reason": "host"}, status=404)
    if not user.is_authenticated:
        return redirect(f"/accounts/login/?next={request.path}")
    if not (user.is_active and user.has_role(RoleCode.PLATFORM_ADMIN)):
        return render(request, "console/refused.html", {"reason": "role"}, status=403)
    if not mfa_satisfied(request):
        return render(request, "console/refused.html", {"reason": "mfa"}, status=403)
    return None


def platform_admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        refused = refusal(request)
        if refused is not None:
            return refused
        return view(request, *args, **kwargs)

    return wrapper
