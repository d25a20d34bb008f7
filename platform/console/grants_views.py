"""Support grants: opened and revoked by the association's admin on its host; used by platform admins
on the console, every page read logged and shown to the association."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.models import RoleCode
from casework.models import Beneficiary, CaseStatus, SupportCase
from console import grants
from console.access import platform_admin_required
from console.models import SupportAccess, SupportGrant
from core.errors import ServiceError
from tenants.db import connection
from tenants.models import Association


@platform_admin_required
def support_read(request: HttpRequest, slug: str) -> HttpResponse:
    association = get_object_or_404(Association, slug=slug)
    grant = grants.support_grant_current(association)
    if grant is None:
        error = grants.grant_ended()
        return render(
            request, "console/refused.html", {"reason": "grant", "message": error.message(get_language() or "ar")},
            status=403,
        )  # fmt: skip
    grants.support_access_log(grant=grant, admin=request.user, path=request.get_full_path())
    connection.set_tenant(association)
    try:
        beneficiaries = list(Beneficiary.objects.order_by("-id")[:50])
        open_cases = SupportCase.objects.filter(status=CaseStatus.OPEN).count()
    finally:
        connection.set_schema_to_public()
    return render(
        request,
        "console/support.html",
        {
            "association_obj": association,
            "grant": grant,
            "beneficiaries": beneficiaries,
            "open_cases": open_cases,
        },
    )


def _admin(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_authenticated and user.has_role(RoleCode.ASSOCIATION_ADMIN))


def support_grants_page(request: HttpRequest) -> HttpResponse:
    """On the association's host: open, revoke, and see every page support read."""
    if not request.user.is_authenticated:
        return redirect(f"/accounts/login/?next={request.path}")
    if not _admin(request):
        return HttpResponse(status=403)
    association: Association = request.tenant  # type: ignore[attr-defined]
    errors: dict[str, str] = {}
    if request.method == "POST":
        lang = get_language() or "ar"
        try:
            if request.POST.get("revoke"):
                grants.support_grant_revoke(
                    association=association, actor=request.user, grant_id=int(request.POST["revoke"])
                )
                messages.success(request, _("Support access was revoked."))
            else:
                raw = request.POST.get("hours", "")
                grants.support_grant_open(
                    association=association,
                    actor=request.user,
                    hours=int(raw) if raw.isdigit() else 0,
                    reason=request.POST.get("reason", ""),
                )
                messages.success(request, _("Support access is open for the time you chose."))
            return redirect("support-grants")
        except ServiceError as exc:
            errors = {p.field: p.message(lang) for p in exc.problems} or {"form": exc.message(lang)}
    items = SupportGrant.objects.filter(association=association)[:20]
    accesses = SupportAccess.objects.filter(grant__association=association).select_related("grant")[:100]
    return render(
        request,
        "console/grants.html",
        {
            "grants": items,
            "accesses": accesses,
            "errors": errors,
            "current": grants.support_grant_current(association),
        },
        status=400 if errors else 200,
    )
