"""Policy screens: the public page and PDF, and the staff/board screens (list, read, edit with live
validation, diff, vote, approve, record a paper approval, acknowledgments)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.auth import request_user
from accounts.models import RoleCode, User
from core.api import has_any_role
from core.errors import FieldProblem, ServiceError, invalid
from policy_engine import editor, selectors, services
from policy_engine.models import BoardMember, BoardRole, BoardSettings, PolicyStatus, PolicyVersion
from policy_engine.rules.seeds import SEED_SLUGS, load_seed
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


def _lang() -> str:
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


def _version_or_404(number: int) -> PolicyVersion:
    version = selectors.policy_version_get(number=number)
    if version is None:
        raise Http404
    return version


def _render_inputs(request: HttpRequest, version: PolicyVersion) -> dict[str, Any]:
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


def _policy_html(request: HttpRequest, version: PolicyVersion) -> str:
    from policy_engine.rendering import render_policy_html

    return render_policy_html(**_render_inputs(request, version), lang=_lang(), standalone=False)


def _policy_pdf(request: HttpRequest, version: PolicyVersion) -> HttpResponse:
    from policy_engine.rendering import render_policy_pdf

    pdf = render_policy_pdf(**_render_inputs(request, version), lang=_lang())
    slug = request.tenant.slug  # type: ignore[attr-defined]
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{slug}-policy-v{version.number}-{_lang()}.pdf"'
    return response


# --- public -----------------------------------------------------------------------------------------


def public_policy(request: HttpRequest) -> HttpResponse:
    version = selectors.policy_version_in_force()
    if version is None:
        return render(request, "policy_engine/no_policy.html", status=404)
    return render(
        request,
        "policy_engine/public.html",
        {"version": version, "policy_html": _policy_html(request, version)},
    )


def public_policy_pdf(request: HttpRequest) -> HttpResponse:
    version = selectors.policy_version_in_force()
    if version is None:
        raise Http404
    return _policy_pdf(request, version)


def policy_document(request: HttpRequest, attachment_id: str) -> FileResponse:
    """A staff tool's file. Public when the version in force points to it (the policy is public);
    otherwise only for staff."""
    attachment = selectors.attachment_get(attachment_id=attachment_id)
    if attachment is None:
        raise Http404
    in_force = selectors.policy_version_in_force()
    public = in_force is not None and attachment_id in selectors.document_references(in_force.document)
    if not public and not has_any_role(request.user, STAFF_ROLES):
        raise Http404  # never say that it exists
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
    response["Content-Disposition"] = f'inline; filename="{attachment.original_name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- staff and board -------------------------------------------------------------------------------


@staff_required()
def version_list(request: HttpRequest) -> HttpResponse:
    lang = _lang()
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
    draft = services.policy_version_create_draft(actor=_user(request), document=load_seed(slug)["document"])
    messages.success(request, _("A draft was started from this policy; adapt it to your association."))
    return redirect("policy-staff-edit", number=draft.number)


@staff_required(RoleCode.ASSOCIATION_ADMIN)
def board(request: HttpRequest) -> HttpResponse:
    """The board's members (who may vote and sign) and the quorum."""
    errors: dict[str, str] = {}
    if request.method == "POST":
        post = request.POST
        try:
            if post.get("form") == "quorum":
                raw = (post.get("quorum") or "").strip()
                services.board_quorum_set(actor=_user(request), quorum=int(raw) if raw.isdigit() else None)
                messages.success(request, _("The quorum was saved."))
            else:
                member_id = post.get("member_id")
                services.board_member_save(
                    actor=_user(request),
                    member_id=int(member_id) if member_id and member_id.isdigit() else None,
                    name_ar=post.get("name_ar", ""),
                    name_en=post.get("name_en", ""),
                    role=post.get("role", ""),
                    user_email=post.get("user_email", ""),
                    is_active=post.get("is_active", "1") == "1",
                )
                messages.success(request, _("The board member was saved."))
            return redirect("policy-staff-board")
        except ServiceError as exc:
            errors = {p.field: p.message(_lang()) for p in exc.problems} or {"form": exc.message(_lang())}
    return render(
        request,
        "policy_engine/board.html",
        {
            "members": BoardMember.objects.select_related("user").order_by("-is_active", "role", "name_ar"),
            "roles": BoardRole.choices,
            "quorum": selectors.quorum_needed(),
            "configured_quorum": BoardSettings.objects.filter(pk=1).values_list("quorum", flat=True).first(),
            "errors": errors,
            "posted": request.POST,
        },
        status=400 if errors else 200,
    )


def _detail_context(request: HttpRequest, version: PolicyVersion) -> dict[str, Any]:
    user = request_user(request)
    member = BoardMember.objects.filter(user=user, is_active=True).first()
    is_admin = has_any_role(user, (RoleCode.ASSOCIATION_ADMIN,))
    voted = member is not None and version.votes.filter(member=member).exists()
    ack_required = bool(version.document.get("staff_acknowledgment_required"))
    return {
        "version": version,
        "policy_html": _policy_html(request, version),
        "problems": [e.message_en if _lang() == "en" else e.message_ar for e in validate(version.document)],
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


@staff_required()
def version_detail(request: HttpRequest, number: int) -> HttpResponse:
    version = _version_or_404(number)
    return render(request, "policy_engine/version_detail.html", _detail_context(request, version))


def _service_call(request: HttpRequest, number: int, call: Callable[[], Any], success: str) -> HttpResponse:
    try:
        call()
    except ServiceError as exc:
        for problem in exc.problems or []:
            messages.error(request, problem.message(_lang()))
        if not exc.problems:
            messages.error(request, exc.message(_lang()))
        version = _version_or_404(number)
        return render(
            request, "policy_engine/version_detail.html", _detail_context(request, version), status=exc.status
        )
    messages.success(request, success)
    return redirect("policy-staff-detail", number=number)


def _user(request: HttpRequest) -> User:
    return request_user(request)


@require_POST
@staff_required(RoleCode.ASSOCIATION_ADMIN)
def version_submit(request: HttpRequest, number: int) -> HttpResponse:
    return _service_call(
        request,
        number,
        lambda: services.policy_version_submit(actor=_user(request), number=number),
        _("The version was submitted to the board."),
    )


@require_POST
@staff_required(RoleCode.BOARD_MEMBER, RoleCode.ASSOCIATION_ADMIN)
def version_vote(request: HttpRequest, number: int) -> HttpResponse:
    return _service_call(
        request,
        number,
        lambda: services.board_vote_cast(
            actor=_user(request),
            number=number,
            choice=request.POST.get("choice", ""),
            password=request.POST.get("password", ""),
            comment=request.POST.get("comment", ""),
        ),
        _("Your vote was recorded."),
    )


def _date_or_none(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@require_POST
@staff_required(RoleCode.BOARD_MEMBER, RoleCode.ASSOCIATION_ADMIN)
def version_approve(request: HttpRequest, number: int) -> HttpResponse:
    post = request.POST
    return _service_call(
        request,
        number,
        lambda: services.policy_version_approve(
            actor=_user(request),
            number=number,
            meeting_number=post.get("meeting_number", ""),
            term=post.get("term", ""),
            session=post.get("session", ""),
            date_gregorian=_date_or_none(post.get("date_gregorian")),
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
    return _service_call(
        request,
        number,
        lambda: services.policy_approval_record_paper(
            actor=_user(request),
            number=number,
            signatories=signatories,
            meeting_number=post.get("meeting_number", ""),
            term=post.get("term", ""),
            session=post.get("session", ""),
            date_gregorian=_date_or_none(post.get("date_gregorian")),
            date_hijri=post.get("date_hijri") or None,
            scan=request.FILES.get("scan"),
            note=post.get("note", ""),
        ),
        _("The paper approval was recorded; the version is now in force."),
    )


@require_POST
@staff_required()
def version_acknowledge(request: HttpRequest, number: int) -> HttpResponse:
    return _service_call(
        request,
        number,
        lambda: services.staff_acknowledge(
            actor=_user(request), number=number, signed_name=request.POST.get("signed_name", "")
        ),
        _("Thank you: your signature was recorded."),
    )


@require_POST
@staff_required(RoleCode.ASSOCIATION_ADMIN)
def version_new_draft(request: HttpRequest, number: int) -> HttpResponse:
    try:
        draft = services.policy_version_create_draft(actor=_user(request), based_on=number)
    except ServiceError as exc:
        messages.error(request, exc.message(_lang()))
        return redirect("policy-staff-detail", number=number)
    return redirect("policy-staff-edit", number=draft.number)


@staff_required(RoleCode.ASSOCIATION_ADMIN)
def version_edit(request: HttpRequest, number: int) -> HttpResponse:
    version = _version_or_404(number)
    if not version.is_editable:
        messages.error(request, _("Only a draft can be edited; start a new draft from this version."))
        return redirect("policy-staff-detail", number=number)
    lang = _lang()
    field_errors: dict[str, list[str]] = {}
    document: dict[str, Any] = dict(version.document)
    revision = version.revision
    if request.method == "POST":
        try:
            document = editor.document_from_post(version.document, request.POST)
        except editor.JsonFieldError as exc:
            field_errors = {exc.field: [_("This is not valid JSON.")]}
        else:
            field_errors = editor.errors_by_field(validate(document), document, lang)
        if request.POST.get("validate_only"):
            return JsonResponse({"valid": not field_errors, "errors": field_errors})
        if not field_errors:
            try:
                document = _attach_tool_documents(request, document)
            except ServiceError as exc:
                field_errors = {p.field: [p.message(lang)] for p in exc.problems} or {
                    "form": [exc.message(lang)]
                }
        if not field_errors:
            try:
                revision = int(request.POST.get("revision") or 0)
                services.policy_version_update_draft(
                    actor=_user(request), number=number, document=document, revision=revision
                )
            except ServiceError as exc:
                if exc.status == 409:
                    messages.error(request, exc.message(lang))
                    field_errors = {"form": [exc.message(lang)]}
                else:
                    field_errors = {p.field: [p.message(lang)] for p in exc.problems}
            else:
                messages.success(request, _("The draft was saved."))
                return redirect("policy-staff-detail", number=number)
    context = editor.editor_context(document, lang) | {
        "version": version,
        "revision": revision,
        "field_errors": field_errors,
        "field_errors_json": json.dumps(field_errors, ensure_ascii=False),
    }
    return render(request, "policy_engine/version_edit.html", context, status=400 if field_errors else 200)


def _attach_tool_documents(request: HttpRequest, document: dict[str, Any]) -> dict[str, Any]:
    """Files chosen for staff tools (``tool_document_<code>``) are uploaded and linked to them."""
    tools = []
    for entry in document.get("staff_tools", []):
        code = entry if isinstance(entry, str) else entry.get("code", "")
        upload = request.FILES.get(f"tool_document_{code}")
        if upload is not None:
            try:
                attachment = services.policy_attachment_upload(actor=_user(request), upload=upload)
            except ServiceError as exc:
                raise invalid(
                    [
                        FieldProblem(f"tool_document_{code}", p.code, p.message_ar, p.message_en)
                        for p in exc.problems
                    ]
                ) from exc
            entry = ({"code": entry} if isinstance(entry, str) else dict(entry)) | {
                "document": str(attachment.id)
            }
        tools.append(entry)
    return document | {"staff_tools": tools}


@staff_required()
def version_diff(request: HttpRequest, number: int) -> HttpResponse:
    new = _version_or_404(number)
    against = request.GET.get("against")
    if against and against.isdigit():
        old = _version_or_404(int(against))
    else:
        in_force = selectors.policy_version_in_force()
        old = in_force if in_force and in_force.pk != new.pk else new.based_on or new
    changes = selectors.policy_diff(old=old, new=new)
    lang = _lang()
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
    version = _version_or_404(number)
    return render(
        request,
        "policy_engine/acknowledgments.html",
        {"version": version, "status": selectors.acknowledgment_status(version=version)},
    )


@staff_required()
def version_pdf(request: HttpRequest, number: int) -> HttpResponse:
    return _policy_pdf(request, _version_or_404(number))
