from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from policy_engine.models import BoardMember, PolicyStatus, PolicyVersion
from tenants.models import Association, AssociationStatus


def platform_home(request: HttpRequest) -> HttpResponse:
    associations = Association.objects.filter(status=AssociationStatus.ACTIVE).prefetch_related("domains")
    return render(request, "themes/platform_home.html", {"associations": associations})


def association_home(request: HttpRequest) -> HttpResponse:
    awaiting: list[PolicyVersion] = []
    user = request.user
    if user.is_authenticated:
        # A board member's landing page lists what awaits their vote.
        seat = BoardMember.objects.filter(user_id=user.pk, is_active=True).first()
        if seat is not None:
            awaiting = list(
                PolicyVersion.objects.filter(status=PolicyStatus.SUBMITTED)
                .exclude(votes__member=seat)
                .order_by("number")
            )
    return render(
        request,
        "themes/association_home.html",
        {"association": request.tenant, "awaiting_vote": awaiting},  # type: ignore[attr-defined]
    )
