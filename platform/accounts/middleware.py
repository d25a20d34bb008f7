"""Session limits and MFA enrolment, enforced on every request after authentication."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from accounts.security import mfa_enrolled, mfa_required, security_settings

SEEN_KEY = "sila_seen"  # last activity (epoch seconds), refreshed at most once a minute
STARTED_KEY = "sila_started"  # sign-in time (epoch seconds): the absolute lifetime counts from it
MFA_OK_KEY = "sila_mfa_ok"  # this session's user holds a second factor (cleared when one is removed)
_SEEN_RESOLUTION = 60

# While enrolment is pending these stay reachable: allauth's own pages (2FA set-up, sign-out,
# password), the language switch, static files and the health check.
# The association's theme files too: a stylesheet fetched from the enrolment page must not be
# answered with that page (allauth draws a new secret on each view of it).
_ENROLMENT_OPEN = ("/accounts/", "/i18n/", "/static/", "/healthz", "/theme.css", "/theme/")
ENROL_URL = "/accounts/2fa/totp/activate/"


def session_started(request: HttpRequest) -> None:
    """Stamp a fresh sign-in (called from the user_logged_in signal)."""
    now = int(time.time())
    request.session[SEEN_KEY] = now
    request.session[STARTED_KEY] = now


def _session_seen(request: HttpRequest) -> None:
    """The last activity shown in the person's list of sessions (allauth.usersessions'
    ``last_seen_at``), written with the idle stamp: at most once a minute, one UPDATE."""
    from allauth.usersessions.models import UserSession
    from django.utils import timezone

    key = request.session.session_key
    if key:
        UserSession.objects.filter(session_key=key).update(last_seen_at=timezone.now())


class SessionPolicyMiddleware:
    """Ends a session idle longer than the association's limit, or older than SESSION_COOKIE_AGE."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            from django.conf import settings

            now = int(time.time())
            seen = request.session.get(SEEN_KEY)
            started = request.session.get(STARTED_KEY)
            idle_limit = security_settings().idle_timeout_minutes * 60
            if (isinstance(seen, int) and now - seen > idle_limit) or (
                isinstance(started, int) and now - started > settings.SESSION_COOKIE_AGE
            ):
                logout(request)
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {"code": "session_expired", "detail": _("Your session has ended; sign in again.")},
                        status=401,
                    )
                return redirect(f"{settings.LOGIN_URL}?next={request.path}")
            if not isinstance(seen, int) or now - seen >= _SEEN_RESOLUTION:
                request.session[SEEN_KEY] = now
                if not isinstance(started, int):
                    request.session[STARTED_KEY] = now
                _session_seen(request)
        return self.get_response(request)


class MfaEnrolmentMiddleware:
    """An account that must have a second factor and has none reaches only the enrolment pages."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.session.get(MFA_OK_KEY)
            and not request.path.startswith(_ENROLMENT_OPEN)
            and mfa_required(user)
        ):
            if mfa_enrolled(user):
                request.session[MFA_OK_KEY] = True
            elif request.path.startswith("/api/"):
                return JsonResponse(
                    {
                        "code": "mfa_enrolment_required",
                        "detail": _("Set up two-factor authentication before using Sila."),
                    },
                    status=403,
                )
            elif "text/html" not in request.headers.get("Accept", "text/html"):
                # Not a page (the browser's favicon, an image): redirecting it to the enrolment page
                # would render that page again, and each rendering draws a new secret, so the code
                # from the QR code the person is looking at would no longer match.
                return HttpResponse(status=403)
            else:
                return redirect(ENROL_URL)
        return self.get_response(request)
