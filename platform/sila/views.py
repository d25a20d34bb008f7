from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from policy_engine import selectors as policy_selectors
from tenants.models import Association, AssociationStatus


def platform_home(request: HttpRequest) -> HttpResponse:
    associations = Association.objects.filter(status=AssociationStatus.ACTIVE).prefetch_related("domains")
    return render(request, "themes/platform_home.html", {"associations": associations})


def association_home(request: HttpRequest) -> HttpResponse:
    # A board member lands here after signing in: the versions waiting for their vote come first.
    awaiting = (
        policy_selectors.versions_awaiting_vote(user=request.user) if request.user.is_authenticated else []
    )
    return render(
        request,
        "themes/association_home.html",
        {"association": request.tenant, "awaiting_vote": awaiting},  # type: ignore[attr-defined]
    )
