"""The draft editor: the policy as a form without JSON, each problem beside its field as the admin
types and on save, nothing typed lost when a save fails, a colleague's save never overwritten."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.models import RoleCode
from core.errors import FieldProblem, ServiceError, invalid
from policy_engine import editor, selectors, services
from policy_engine.rules.normalise import normalise_document
from policy_engine.rules.validation import validate
from policy_engine.views.common import page_lang, staff_required, user_of, version_or_404


@staff_required(RoleCode.ASSOCIATION_ADMIN)
def version_edit(request: HttpRequest, number: int) -> HttpResponse:
    version = version_or_404(number)
    if not version.is_editable:
        messages.error(request, _("Only a draft can be edited; start a new draft from this version."))
        return redirect("policy-staff-detail", number=number)
    lang = page_lang()
    errors: dict[str, list[str]] = {}
    document: dict[str, Any] = dict(version.document)
    revision = version.revision
    conflict = ""
    if request.method == "POST":
        post = request.POST
        document = editor.document_from_post(version.document, post)
        # The revision the editor was opened at travels with the form, through every round trip.
        raw_revision = post.get("revision") or ""
        revision = int(raw_revision) if raw_revision.isdigit() else version.revision
        action = post.get("edit_action") or ""
        if action:
            # A row added, moved or removed without a script: show the form again, nothing saved.
            document = editor.apply_action(document, action, post)
            return _render(request, version, document, revision, {}, "", status=200)
        problems = validate(normalise_document(document))
        if post.get("validate_only"):
            on_page = editor.errors_by_field(problems, lang, document, post.getlist("ck_step"))
            return JsonResponse({"valid": not on_page, "errors": on_page})
        errors = editor.errors_by_field(problems, lang, document)
        if not errors:
            try:
                document = _attach_tool_documents(request, document)
            except ServiceError as exc:
                errors = {p.field: [p.message(lang)] for p in exc.problems} or {"form": [exc.message(lang)]}
        if not errors:
            forced = post.get("force_revision") or ""
            try:
                services.policy_version_update_draft(
                    actor=user_of(request),
                    number=number,
                    document=document,
                    revision=int(forced) if forced.isdigit() else revision,
                )
            except ServiceError as exc:
                if exc.status == 409:
                    conflict = exc.message(lang)
                else:
                    errors = {}
                    for p in exc.problems:
                        errors.setdefault(
                            editor.field_for(p.field.removeprefix("document."), document), []
                        ).append(p.message(lang))
                    errors = errors or {"form": [exc.message(lang)]}
            else:
                messages.success(request, _("The draft was saved."))
                return redirect("policy-staff-detail", number=number)
    status = 409 if conflict else 400 if errors else 200
    return _render(request, version, document, revision, errors, conflict, status=status)


def _render(
    request: HttpRequest,
    version: Any,
    document: dict[str, Any],
    revision: int,
    errors: dict[str, list[str]],
    conflict: str,
    *,
    status: int,
) -> HttpResponse:
    current = selectors.policy_version_get(number=version.number)
    context = editor.editor_context(document, page_lang(), errors) | {
        "version": version,
        "revision": revision,
        "conflict": conflict,
        "current_revision": current.revision if current is not None else revision,
    }
    return render(request, "policy_engine/version_edit.html", context, status=status)


def _attach_tool_documents(request: HttpRequest, document: dict[str, Any]) -> dict[str, Any]:
    """Files chosen for staff tools are uploaded and linked to them. Each row posts its file as
    ``tool_document_<key>`` (``tl_key``: the tool's code, or a key of its own for a tool added in
    this edit, whose code is made from its name only now)."""
    keys = request.POST.getlist("tl_key")
    tools = []
    for index, entry in enumerate(document.get("staff_tools", [])):
        code = entry if isinstance(entry, str) else entry.get("code", "")
        key = keys[index] if index < len(keys) and keys[index] else code
        upload = request.FILES.get(f"tool_document_{key}")
        if upload is not None:
            try:
                attachment = services.policy_attachment_upload(actor=user_of(request), upload=upload)
            except ServiceError as exc:
                raise invalid(
                    [
                        FieldProblem(f"tool_document_{key}", p.code, p.message_ar, p.message_en)
                        for p in exc.problems
                    ]
                ) from exc
            entry = ({"code": entry} if isinstance(entry, str) else dict(entry)) | {
                "document": str(attachment.id)
            }
        tools.append(entry)
    return document | {"staff_tools": tools}
