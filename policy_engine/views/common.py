"""What the policy screens share: the role check, version lookup, the rendered policy, and how a
service call's outcome is shown."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language

from accounts.auth import request_user
from accounts.models import RoleCode, User
from core.api import has_any_role
from core.errors import ServiceError
from policy_engine import selectors
from policy_engine.models import BoardMember, PolicyStatus, PolicyVersion
from policy_engine.rules.validation import validate

STAFF_ROLES = (
    RoleCode.ASSOCIATION_ADMIN,
    RoleCode.RECEPTION_EMPLOYEE,
    RoleCode.SOCIAL_RESEARCH_OFFICER,
    RoleCode.COMMITTEE_MEMBER,
    RoleCode.ADMINISTRATION,
    RoleCode.BOARD_MEMBER,
)


View = Callable[..., HttpResponse]


def page_lang() -> str:
    return "en" if (get_language() or "ar").startswith("en") else "ar"


def staff_required(*roles: str) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        @wraps(view)
        @login_required
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not has_any_role(request.user, roles or STAFF_ROLES):
                return render(request, "policy_engine/forbidden.html", status=403)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def version_or_404(number: int) -> PolicyVersion:
    version = selectors.policy_version_get(number=number)
    if version is None:
        raise Http404
    return version


def user_of(request: HttpRequest) -> User:
    return request_user(request)


def render_inputs(request: HttpRequest, version: PolicyVersion) -> dict[str, Any]:
    association = request.tenant  # type: ignore[attr-defined]
    approval = selectors.approval_payload(version)
    if approval is not None:
        approval = approval | {
            "signatories": [
                {"name": s["name"], "role_ar": s["role"], "role_en": s.get("role_en", "")}
                for s in approval["signatories"]
            ]
        }
    return {
        "association": {
            "slug": association.slug,
            "name_ar": association.name_ar,
            "name_en": association.name_en,
            "licence_number": association.licence_number or None,
        },
        "document": version.document,
        "version": {"number": version.number, "status": version.status},
        "approval": approval,
    }


def policy_html(request: HttpRequest, version: PolicyVersion) -> str:
    from policy_engine.rendering import render_policy_html

    return render_policy_html(**render_inputs(request, version), lang=page_lang(), standalone=False)


def policy_pdf(request: HttpRequest, version: PolicyVersion) -> HttpResponse:
    from policy_engine.rendering import render_policy_pdf

    pdf = render_policy_pdf(**render_inputs(request, version), lang=page_lang())
    slug = request.tenant.slug  # type: ignore[attr-defined]
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{slug}-policy-v{version.number}-{page_lang()}.pdf"'
    return response


def detail_context(request: HttpRequest, version: PolicyVersion) -> dict[str, Any]:
    user = request_user(request)
    member = BoardMember.objects.filter(user=user, is_active=True).first()
    is_admin = has_any_role(user, (RoleCode.ASSOCIATION_ADMIN,))
    voted = member is not None and version.votes.filter(member=member).exists()
    ack_required = bool(version.document.get("staff_acknowledgment_required"))
    return {
        "version": version,
        "policy_html": policy_html(request, version),
        "problems": [
            e.message_en if page_lang() == "en" else e.message_ar for e in validate(version.document)
        ],
        "is_admin": is_admin,
        "member": member,
        "can_vote": member is not None and version.status == PolicyStatus.SUBMITTED and not voted,
        "voted": voted,
        "can_approve": version.status == PolicyStatus.SUBMITTED
        and (is_admin or (member is not None and member.role == "chair")),
        "approvals": selectors.approving_votes(version),
        "quorum": selectors.quorum_needed(),
        "can_acknowledge": ack_required and version.status == PolicyStatus.IN_FORCE,
        "acknowledged": version.acknowledgments.filter(user=user).exists(),
        "form_today": timezone.localdate().isoformat(),
    }


def service_call(request: HttpRequest, number: int, call: Callable[[], Any], success: str) -> HttpResponse:
    try:
        call()
    except ServiceError as exc:
        for problem in exc.problems or []:
            messages.error(request, problem.message(page_lang()))
        if not exc.problems:
            messages.error(request, exc.message(page_lang()))
        version = version_or_404(number)
        return render(
            request, "policy_engine/version_detail.html", detail_context(request, version), status=exc.status
        )
    messages.success(request, success)
    return redirect("policy-staff-detail", number=number)


def date_or_none(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None
