"""What every page of an association's site needs to know about the beneficiary portal."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from casework.portal.views import SESSION_KEY, portal_session


def portal(request: HttpRequest) -> dict[str, Any]:
    """``portal_signed_in``: a beneficiary is signed into the portal in this browser, so the header
    does not offer them the staff's sign-in (an anonymous visitor still sees it: staff sign in from
    the association's site)."""
    session = getattr(request, "session", None)
    if getattr(request, "association", None) is None or session is None or SESSION_KEY not in session:
        return {"portal_signed_in": False}
    return {"portal_signed_in": portal_session(request) is not None}
