"""What every staff screen shares: the language, the signed-in user, the role check, the header."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import get_language

from accounts.auth import request_user
from accounts.decorators import role_required
from accounts.models import User
from casework import roles
from core.errors import FieldProblem, ServiceError

View = Callable[..., HttpResponseBase]
PAGE_SIZE = 25
DECIDERS = (roles.COMMITTEE, roles.ADMINISTRATION, roles.ADMIN)


def current_lang() -> str:
    return "en" if (get_language() or "ar").startswith("en") else "ar"


def staff_user(request: HttpRequest) -> User:
    return request_user(request)


def nav_links(user: User) -> dict[str, bool]:
    """Which casework screens the header of these pages links to, by role."""
    return {
        "nav_registry": roles.has_any(user, roles.REGISTRY_READERS),
        "nav_registry_write": roles.has_any(user, roles.REGISTRY_WRITERS),
        "nav_open": roles.has_any(user, roles.CASE_OPENERS),
        "nav_committee": roles.has_any(user, DECIDERS),
        "nav_satisfaction": roles.has_any(user, SATISFACTION_READERS),
        "nav_privacy": roles.has_any(user, (roles.ADMIN,)),
    }


def staff_screen(*allowed: str) -> Callable[[View], View]:
    """Signed in (else to the sign-in page) and holding one of ``allowed`` (default: any casework
    role), else 403."""

    return role_required(*(allowed or roles.CASEWORK_ROLES), forbidden_template="casework/forbidden.html")


_SECTIONS = {
    "inbox.html": "inbox",
    "case_detail.html": "inbox",
    "committee.html": "committee",
    "beneficiaries.html": "registry",
    "beneficiary_detail.html": "registry",
    "beneficiary_edit.html": "registry",
    "duplicates.html": "duplicates",
    "case_new.html": "new",
    "satisfaction.html": "satisfaction",
    "privacy/home.html": "privacy",
    "privacy/beneficiary.html": "registry",
}
# Satisfaction is read by those who lead the service, in aggregate only ("a tool for improvement,
# not for punishment"): no score is ever shown next to one request or below five ratings a person.
SATISFACTION_READERS = (roles.ADMIN, roles.ADMINISTRATION)


def render_screen(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    nav = nav_links(staff_user(request)) | {"section": _SECTIONS.get(template, "")}
    return render(request, f"casework/{template}", nav | context, status=status)


def problems_of(exc: ServiceError) -> list[FieldProblem]:
    return exc.problems or [FieldProblem("", exc.code, exc.message_ar, exc.message_en)]
