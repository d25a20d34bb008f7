"""Versions for staff and board: the list, one version's page, and what can be done to it (submit,
vote, approve, record a paper approval, acknowledge, start a new draft), the diff and the PDF."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import RoleCode
from core.api import has_any_role
from core.errors import ServiceError
from policy_engine import selectors, services
from policy_engine.rules.seeds import SEED_SLUGS, load_seed
from policy_engine.views.common import (
    date_or_none,
    detail_context,
    page_lang,
    policy_pdf,
    service_call,
    staff_required,
    user_of,
    version_or_404,
)


@staff_required()
def version_list(request: HttpRequest) -> HttpResponse:
    lang = page_lang()
    return render(
        request,
        "policy_engine/version_list.html",
        {
            "versions": selectors.policy_versions(),
            "is_admin": has_any_role(request.user, (RoleCode.ASSOCIATION_ADMIN,)),
            "templates": [
                (slug, load_seed(slug)["association"][f"name_{lang}"] or slug) for slug in SEED_SLUGS
            ],
        },
    )


@require_POST
@staff_required(RoleCode.ASSOCIATION_ADMIN)
def version_from_template(request: HttpRequest) -> HttpResponse:
    """A new association starts its policy from one of the five founding policies."""
    slug = request.POST.get("template", "")
    if slug not in SEED_SLUGS:
        messages.error(request, _("Choose one of the policies offered."))
        return redirect("policy-staff-list")
    draft = services.policy_version_create_draft(actor=user_of(request), document=load_seed(slug)["document"])
    messages.success(request, _("A draft was started from this policy; adapt it to your association."))
    return redirect("policy-staff-edit", number=draft.number)


@staff_required()
def version_detail(request: HttpRequest, number: int) -> HttpResponse:
    version = version_or_404(number)
    return render(request, "policy_engine/version_detail.html", detail_context(request, version))


@require_POST
@staff_required(RoleCode.ASSOCIATION_ADMIN)
def version_submit(request: HttpRequest, number: int) -> HttpResponse:
    return service_call(
        request,
        number,
        lambda: services.policy_version_submit(actor=user_of(request), number=number),
        _("The version was submitted to the board."),
    )


@require_POST
@staff_required(RoleCode.BOARD_MEMBER, RoleCode.ASSOCIATION_ADMIN)
def version_vote(request: HttpRequest, number: int) -> HttpResponse:
    return service_call(
        request,
        number,
        lambda: services.board_vote_cast(
            actor=user_of(request),
            number=number,
            choice=request.POST.get("choice", ""),
            password=request.POST.get("password", ""),
            comment=request.POST.get("comment", ""),
        ),
        _("Your vote was recorded."),
    )


@require_POST
@staff_required(RoleCode.BOARD_MEMBER, RoleCode.ASSOCIATION_ADMIN)
def version_approve(request: HttpRequest, number: int) -> HttpResponse:
    post = request.POST
    return service_call(
        request,
        number,
        lambda: services.policy_version_approve(
            actor=user_of(request),
            number=number,
            meeting_number=post.get("meeting_number", ""),
            term=post.get("term", ""),
            session=post.get("session", ""),
            date_gregorian=date_or_none(post.get("date_gregorian")),
            date_hijri=post.get("date_hijri") or None,
        ),
        _("The version is approved and now in force."),
    )


@require_POST
@staff_required(RoleCode.ASSOCIATION_ADMIN)
def version_record_approval(request: HttpRequest, number: int) -> HttpResponse:
    post = request.POST
    signatories = [
        {"name": name, "role_ar": role, "role_en": ""}
        for name, role in zip(post.getlist("signatory_name"), post.getlist("signatory_role"), strict=False)
        if name.strip() or role.strip()
    ]
    return service_call(
        request,
        number,
        lambda: services.policy_approval_record_paper(
            actor=user_of(request),
            number=number,
            signatories=signatories,
            meeting_number=post.get("meeting_number", ""),
            term=post.get("term", ""),
            session=post.get("session", ""),
            date_gregorian=date_or_none(post.get("date_gregorian")),
            date_hijri=post.get("date_hijri") or None,
            scan=request.FILES.get("scan"),
            note=post.get("note", ""),
        ),
        _("The paper approval was recorded; the version is now in force."),
    )


@require_POST
@staff_required()
def version_acknowledge(request: HttpRequest, number: int) -> HttpResponse:
    return service_call(
        request,
        number,
        lambda: services.staff_acknowledge(
            actor=user_of(request), number=number, signed_name=request.POST.get("signed_name", "")
        ),
        _("Thank you: your signature was recorded."),
    )


@require_POST
@staff_required(RoleCode.ASSOCIATION_ADMIN)
def version_new_draft(request: HttpRequest, number: int) -> HttpResponse:
    try:
        draft = services.policy_version_create_draft(actor=user_of(request), based_on=number)
    except ServiceError as exc:
        messages.error(request, exc.message(page_lang()))
        return redirect("policy-staff-detail", number=number)
    return redirect("policy-staff-edit", number=draft.number)


@staff_required()
def version_diff(request: HttpRequest, number: int) -> HttpResponse:
    new = version_or_404(number)
    against = request.GET.get("against")
    if against and against.isdigit():
        old = version_or_404(int(against))
    else:
        in_force = selectors.policy_version_in_force()
        old = in_force if in_force and in_force.pk != new.pk else new.based_on or new
    changes = selectors.policy_diff(old=old, new=new)
    lang = page_lang()
    return render(
        request,
        "policy_engine/version_diff.html",
        {
            "old": old,
            "new": new,
            "changes": [{"path": c.path, "kind": c.kind, "text": c.describe(lang)} for c in changes],  # type: ignore[arg-type]
            "versions": selectors.policy_versions(),
        },
    )


@staff_required(RoleCode.ASSOCIATION_ADMIN)
def version_acknowledgments(request: HttpRequest, number: int) -> HttpResponse:
    version = version_or_404(number)
    return render(
        request,
        "policy_engine/acknowledgments.html",
        {"version": version, "status": selectors.acknowledgment_status(version=version)},
    )


@staff_required()
def version_pdf(request: HttpRequest, number: int) -> HttpResponse:
    return policy_pdf(request, version_or_404(number))
