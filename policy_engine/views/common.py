"""What the policy screens share: the role check, version lookup, the rendered policy, and how a
service call's outcome is shown."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language

from accounts.auth import request_user
from accounts.decorators import role_required
from accounts.models import RoleCode, User
from core.api import has_any_role
from core.errors import ServiceError
from core.http import name_file
from policy_engine import presenters, selectors
from policy_engine.models import BoardMember, BoardRole, PolicyStatus, PolicyVersion
from policy_engine.rules.catalog import Lang
from policy_engine.rules.validation import validate
from themes.dates import HIJRI_MONTHS_AR, HIJRI_MONTHS_EN

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
    return page_lang_code()


def page_lang_code() -> Lang:
    return "en" if (get_language() or "ar").startswith("en") else "ar"


def staff_required(*roles: str) -> Callable[[View], View]:
    """The one screen decorator (accounts.decorators.role_required), with policy's defaults."""
    decorate: Callable[[View], View] = role_required(  # type: ignore[assignment]
        *(roles or STAFF_ROLES), forbidden_template="policy_engine/forbidden.html"
    )
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
    name_file(response, f"{slug}-policy-v{version.number}-{page_lang()}.pdf")
    return response


def detail_context(request: HttpRequest, version: PolicyVersion) -> dict[str, Any]:
    user = request_user(request)
    member = BoardMember.objects.filter(user=user, is_active=True).first()
    is_admin = has_any_role(user, (RoleCode.ASSOCIATION_ADMIN,))
    voted = member is not None and version.votes.filter(member=member).exists()
    ack_required = bool(version.document.get("staff_acknowledgment_required"))
    votes = list(version.votes.select_related("member").order_by("cast_at"))
    voted_ids = {vote.member_id for vote in votes}
    board = list(BoardMember.objects.filter(is_active=True).order_by("role", "name_ar"))
    show_diff = version.status in (PolicyStatus.DRAFT, PolicyStatus.SUBMITTED)
    return {
        "version": version,
        "votes": votes,
        "not_voted": [m for m in board if m.pk not in voted_ids],
        "board": board,
        "board_roles": BoardRole.choices,
        **(diff_context(version, None, explicit=False) if show_diff else {}),
        "show_diff": show_diff,
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
        "hijri_months": list(enumerate(HIJRI_MONTHS_AR if page_lang() == "ar" else HIJRI_MONTHS_EN, start=1)),
    }


def service_call(
    request: HttpRequest, number: int, call: Callable[[], Any], success: str, *, form: str = ""
) -> HttpResponse:
    """Run a service; on success go back to the version, on failure show the version page again
    with each problem beside its field in ``form`` and everything typed still there."""
    try:
        call()
    except ServiceError as exc:
        lang = page_lang()
        form_errors: dict[str, list[str]] = {}
        for problem in exc.problems or []:
            form_errors.setdefault(problem.field, []).append(problem.message(lang))
        if not exc.problems:
            messages.error(request, exc.message(lang))
        version = version_or_404(number)
        context = detail_context(request, version) | {
            "form": form,
            "form_errors": form_errors,
            "posted": request.POST,
            "posted_members": [int(v) for v in request.POST.getlist("signatory_member") if v.isdigit()],
        }
        return render(request, "policy_engine/version_detail.html", context, status=exc.status)
    messages.success(request, success)
    return redirect("policy-staff-detail", number=number)


def hijri_posted(post: Any) -> str | None:
    """The Hijri date from its three fields (day, month, year), or the API's ``date_hijri``; a
    partly filled date is passed on as typed so the service says what is wrong with it."""
    parts = [str(post.get(f"hijri_{name}") or "").strip() for name in ("year", "month", "day")]
    if any(parts):
        return "-".join(parts)
    return post.get("date_hijri") or None


def date_or_none(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def diff_context(new: PolicyVersion, old: PolicyVersion | None, *, explicit: bool) -> dict[str, Any]:
    """The changes from ``old`` (default: the version in force, else the one ``new`` was started
    from) to ``new``, grouped under the document's headings; and why there are none, if none."""
    if old is None and not explicit:
        old = presenters.default_comparison(new, selectors.policy_version_in_force())
    same = old is not None and old.pk == new.pk
    changes = [] if old is None or same else selectors.policy_diff(old=old, new=new)
    return {
        "old": old,
        "new": new,
        "same_version": same,
        "first_version": old is None,
        "diff_sections": presenters.diff_sections(changes, document=new.document, lang=page_lang_code()),
        "change_count": len(changes),
    }
