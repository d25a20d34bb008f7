"""The platform console's pages (bare domain, platform admins with MFA)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.auth import request_user
from console import breaches, selectors, services
from console.access import platform_admin_required
from console.stats import stats_refresh
from core.errors import ServiceError
from tenants.models import Association, AssociationStatus


def _lang() -> str:
    return get_language() or "ar"


@platform_admin_required
def association_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    plan = request.GET.get("plan", "")
    page = selectors.associations_page(q=q, status=status, plan=plan, page=request.GET.get("page", 1))
    return render(
        request,
        "console/list.html",
        {
            "page": page,
            "q": q,
            "status": status,
            "plan": plan,
            "statuses": AssociationStatus.choices,
            "plans": selectors.plans_all(),
        },
    )


@platform_admin_required
def association_page(request: HttpRequest, slug: str) -> HttpResponse:
    association = get_object_or_404(
        Association.objects.select_related("subscription__plan", "stats"), slug=slug
    )
    context = selectors.association_detail(association)
    context["association_obj"] = association
    context["served_hosts"] = {d.domain: services.host_allowed(d.domain) for d in context["domains"]}  # type: ignore[attr-defined]
    return render(request, "console/association.html", context)


@platform_admin_required
def failures(request: HttpRequest) -> HttpResponse:
    return render(request, "console/failures.html", selectors.failures_recent())


@require_POST
@platform_admin_required
def association_action(request: HttpRequest, slug: str, action: str) -> HttpResponse:
    association = get_object_or_404(Association, slug=slug)
    actor = request.user
    try:
        if action == "suspend":
            services.association_suspend(
                association=association, reason=request.POST.get("reason", ""), actor=actor
            )
            messages.success(request, _("The association is suspended: its staff can read, not write."))
        elif action == "reactivate":
            services.association_reactivate(association=association, actor=actor)
            messages.success(request, _("The association is active again."))
        elif action == "archive":
            services.association_archive(
                association=association, reason=request.POST.get("reason", ""), actor=actor
            )
            messages.success(request, _("The association is archived; its data is kept."))
        elif action == "purge":
            services.association_purge(
                association=association, confirm_slug=request.POST.get("confirm", ""), actor=actor
            )
            messages.success(request, _("The association's data was purged."))
        elif action == "domain":
            domain = services.domain_add(
                association=association, domain=request.POST.get("domain", ""), actor=actor
            )
            if services.host_allowed(domain.domain):
                messages.success(request, _("The domain was added and is served now."))
            else:
                messages.warning(
                    request,
                    _(
                        "The domain was added. It is served once it is also in SILA_ALLOWED_HOSTS and points here."
                    ),
                )
        elif action == "refresh":
            stats_refresh(association)
            messages.success(request, _("The figures were refreshed."))
        else:
            return HttpResponse(status=404)
    except ServiceError as exc:
        detail = "; ".join(p.message(_lang()) for p in exc.problems) or exc.message(_lang())
        messages.error(request, detail)
    return redirect("console-association", slug=association.slug)


BREACH_FIELDS = ("what_happened", "data_affected", "people_affected", "associations", "found_at", "measures")


@platform_admin_required
def breach_register(request: HttpRequest) -> HttpResponse:
    """The platform's breach register: record a breach, the notifications made, the 72 hours."""
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        user = request_user(request)
        try:
            if request.POST.get("action") == "notified":
                raw_id, raw_rev = request.POST.get("breach", ""), request.POST.get("revision", "")
                breaches.platform_breach_notified(
                    actor=user,
                    breach_id=int(raw_id)
                    if raw_id.isascii() and raw_id.isdigit() and len(raw_id) < 10
                    else 0,
                    who=request.POST.get("who", ""),
                    expected_revision=int(raw_rev) if raw_rev.isascii() and raw_rev.isdigit() else None,
                )
            else:
                breaches.platform_breach_record(
                    actor=user,
                    values={
                        key: request.POST.get(key, "")
                        for key in (
                            "what_happened",
                            "data_affected",
                            "people_affected",
                            "associations",
                            "found_at",
                            "measures",
                        )
                    },
                )
        except ServiceError as exc:
            errors = {p.field: p.message(_lang()) for p in exc.problems}
            messages.error(request, exc.message(_lang()))
            status = exc.status
        else:
            messages.success(request, _("Saved."))
            return redirect("console-breaches")
    return render(
        request,
        "console/breaches.html",
        {"rows": breaches.breaches_with_clock(), "errors": errors, "posted": request.POST},
        status=status,
    )
