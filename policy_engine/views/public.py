"""The policy as the public reads it: the page, the PDF, and the staff tools' documents."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from core.api import has_any_role
from core.http import name_file
from policy_engine import selectors
from policy_engine.views.common import STAFF_ROLES, policy_html, policy_pdf


def public_policy(request: HttpRequest) -> HttpResponse:
    version = selectors.policy_version_in_force()
    if version is None:
        return render(request, "policy_engine/no_policy.html", status=404)
    return render(
        request,
        "policy_engine/public.html",
        {"version": version, "policy_html": policy_html(request, version)},
    )


def public_policy_pdf(request: HttpRequest) -> HttpResponse:
    version = selectors.policy_version_in_force()
    if version is None:
        raise Http404
    return policy_pdf(request, version)


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
    name_file(response, attachment.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    return response
