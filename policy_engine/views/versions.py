"""Versions for staff and board: the list, one version's page, and what can be done to it (submit,
vote, approve, record a paper approval, acknowledge, start a new draft), the diff and the PDF."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import RoleCode
from accounts.reauth import reauthentication_spend
from core.api import has_any_role
from core.errors import ServiceError
from policy_engine import selectors, services
from policy_engine.models import BoardMember
from policy_engine.rendering.words import format_gregorian_ymd, format_hijri_ymd
from policy_engine.rules.seeds import SEED_SLUGS, load_seed
from policy_engine.views.common import (
    date_or_none,
    detail_context,
    diff_context,
    hijri_posted,
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
            "awaiting_vote": selectors.versions_awaiting_vote(user=request.user),
            "awaiting_signature": selectors.versions_awaiting_signature(user=request.user),
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
    # Without a fresh re-authentication allauth asks for one (second factor) and replays this POST.
    return service_call(
        request,
        number,
        lambda: services.board_vote_cast(
            actor=user_of(request),
            number=number,
            choice=request.POST.get("choice", ""),
            reauthenticate=lambda: reauthentication_spend(request),
            comment=request.POST.get("comment", ""),
        ),
        _("Your vote was recorded."),
        form="vote",
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
            date_hijri=hijri_posted(post),
            reauthenticate=lambda: reauthentication_spend(request),
        ),
        _("The version is approved and now in force."),
        form="approve",
    )


@require_POST
@staff_required(RoleCode.ASSOCIATION_ADMIN)
def version_record_approval(request: HttpRequest, number: int) -> HttpResponse:
    """A paper approval in one go: meeting, date, the signatories ticked from the board (and any
    other named by hand), the scan."""
    post = request.POST
    chosen = {int(v) for v in post.getlist("signatory_member") if v.isdigit()}
    members = BoardMember.objects.filter(pk__in=chosen).order_by("role", "name_ar")
    signatories = [
        {"name": m.name_ar, "role_ar": m.role_ar, "role_en": m.get_role_display()} for m in members
    ] + [
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
            date_hijri=hijri_posted(post),
            scan=request.FILES.get("scan"),
            note=post.get("note", ""),
        ),
        _("The paper approval was recorded; the version is now in force."),
        form="paper",
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
    against = request.GET.get("against", "")
    old = version_or_404(int(against)) if against.isdigit() else None
    return render(
        request,
        "policy_engine/version_diff.html",
        diff_context(new, old, explicit=against.isdigit()) | {"versions": selectors.policy_versions()},
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


@staff_required(RoleCode.BOARD_MEMBER, RoleCode.ASSOCIATION_ADMIN)
def approval_date(request: HttpRequest) -> JsonResponse:
    """The other calendar's date, in words, as the secretary types one (the approval forms)."""
    lang = page_lang()
    try:
        gregorian, hijri = services.approval_dates(
            date_gregorian=date_or_none(request.GET.get("gregorian")), date_hijri=hijri_posted(request.GET)
        )
    except ServiceError as exc:
        return JsonResponse({"errors": {p.field: p.message(lang) for p in exc.problems}}, status=400)
    year, month, day = (int(part) for part in hijri.split("-"))
    return JsonResponse(
        {
            "gregorian": gregorian.isoformat(),
            "hijri": hijri,
            "text": f"{format_hijri_ymd(year, month, day, lang)} — "  # type: ignore[arg-type]
            f"{format_gregorian_ymd(gregorian.year, gregorian.month, gregorian.day, lang)}",  # type: ignore[arg-type]
        }
    )
