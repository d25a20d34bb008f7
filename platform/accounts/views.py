"""Team screens (association administrators) and accepting an invitation (anyone with the link)."""

from __future__ import annotations

from typing import Any

from allauth.account import signals as account_signals
from allauth.account.internal.flows.login import record_authentication
from allauth.core.internal import ratelimit
from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts import selectors, services
from accounts import team as team_services
from accounts.decorators import role_required
from accounts.models import RoleCode, User
from accounts.reauth import reauthentication_spend
from accounts.security import security_settings
from core.errors import ServiceError

ADMIN = RoleCode.ASSOCIATION_ADMIN
# Invitation links: per address, and per link (a link is an account-to-be).
INVITATION_RATE_LIMITS = {"invitation_accept": "20/m/ip,5/m/key"}


def _lang() -> str:
    return (get_language() or "ar")[:2]


def _errors(error: ServiceError) -> dict[str, str]:
    lang = _lang()
    found = {p.field: p.message(lang) for p in error.problems}
    found.setdefault("form", error.message(lang))
    return found


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # noqa: S101 - role_required let only signed-in users in
    return request.user


@role_required(ADMIN)
def team(request: HttpRequest) -> HttpResponse:
    errors: dict[str, str] = {}
    posted: dict[str, Any] = {}
    if request.method == "POST":
        post = request.POST
        action = post.get("action", "")
        posted = {"email": post.get("email", ""), "roles": post.getlist("roles")}
        try:
            if action == "invite":
                team_services.invitation_create(
                    actor=_user(request),
                    email=post.get("email", ""),
                    roles=post.getlist("roles"),
                    reauthenticate=lambda: reauthentication_spend(request),
                )
                messages.success(request, _("The invitation was sent. The link works once, for seven days."))
            elif action in ("roles", "deactivate", "reactivate"):
                team_services.staff_update(
                    actor=_user(request),
                    user_id=int(post.get("user_id", "0") or 0),
                    roles=post.getlist("roles") if action == "roles" else None,
                    is_active={"deactivate": False, "reactivate": True}.get(action),
                    reauthenticate=lambda: reauthentication_spend(request),
                )
                messages.success(request, _("Saved."))
            return redirect("team")
        except ServiceError as error:
            errors = _errors(error)
            errors["action"] = action
            errors["user_id"] = post.get("user_id", "")
    return render(
        request,
        "accounts/team.html",
        {
            "staff": selectors.staff_list(),
            "invitations": selectors.invitations_pending(),
            "vacant_seats": selectors.vacant_board_seats(),
            "roles": selectors.assignable_roles(),
            "errors": errors,
            "posted": posted,
            "security": security_settings(),
        },
        status=400 if errors else 200,
    )


@role_required(ADMIN)
def security(request: HttpRequest) -> HttpResponse:
    """The association's "MFA for everyone" and idle sign-out: changed only after re-authenticating."""
    if request.method != "POST":
        return redirect("team")
    try:
        services.security_settings_update(
            actor=_user(request),
            mfa_required_for_all=request.POST.get("mfa_required_for_all") == "on",
            idle_timeout_minutes=request.POST.get("idle_timeout_minutes"),
            reauthenticate=lambda: reauthentication_spend(request),
        )
    except ServiceError as error:
        messages.error(request, error.message(_lang()) + " " + " ".join(_errors(error).values()))
        return redirect("team")
    messages.success(request, _("Security settings saved."))
    return redirect("team")


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST" and not ratelimit.consume(
        request, app="accounts", action="invitation_accept", config=INVITATION_RATE_LIMITS, key=token[:64]
    ):
        return render(request, "429.html", status=429)
    try:
        invitation = team_services.invitation_check(token)
    except ServiceError as error:
        return render(
            request,
            "accounts/invitation_invalid.html",
            {"message": error.message(_lang())},
            status=error.status,
        )
    errors: dict[str, str] = {}
    if request.method == "POST":
        if request.POST.get("password") != request.POST.get("password2"):
            errors["password2"] = _("The two passwords differ.")
        else:
            try:
                user = team_services.invitation_accept(
                    token=token,
                    full_name=request.POST.get("full_name", ""),
                    password=request.POST.get("password", ""),
                )
            except ServiceError as error:
                if error.status in (404, 410):
                    return render(
                        request,
                        "accounts/invitation_invalid.html",
                        {"message": error.message(_lang())},
                        status=error.status,
                    )
                errors = _errors(error)
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                # As allauth announces a sign-in: the session joins the person's list of sessions
                # (allauth.usersessions) and the sign-in is audited like any other.
                account_signals.user_logged_in.send(
                    sender=User, request=request, response=None, user=user, sociallogin=None
                )
                # The password was just set through the single-use link: that is the recent
                # proof allauth asks for before a second factor is added.
                record_authentication(request, user, "password", reauthenticated=True)
                return redirect("/")
    return render(
        request,
        "accounts/invitation_accept.html",
        {"invitation": invitation, "errors": errors, "full_name": request.POST.get("full_name", "")},
        status=400 if errors else 200,
    )
