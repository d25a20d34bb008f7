"""The draft editor."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.models import RoleCode
from core.errors import FieldProblem, ServiceError, invalid
from policy_engine import editor, services
from policy_engine.rules.validation import validate
from policy_engine.views.common import page_lang, staff_required, user_of, version_or_404


@staff_required(RoleCode.ASSOCIATION_ADMIN)
def version_edit(request: HttpRequest, number: int) -> HttpResponse:
    version = version_or_404(number)
    if not version.is_editable:
        messages.error(request, _("Only a draft can be edited; start a new draft from this version."))
        return redirect("policy-staff-detail", number=number)
    lang = page_lang()
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
                    actor=user_of(request), number=number, document=document, revision=revision
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
                attachment = services.policy_attachment_upload(actor=user_of(request), upload=upload)
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
