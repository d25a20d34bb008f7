from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tenants.models import Association, AssociationStatus


def platform_home(request: HttpRequest) -> HttpResponse:
    associations = Association.objects.filter(status=AssociationStatus.ACTIVE).prefetch_related("domains")
    return render(request, "themes/platform_home.html", {"associations": associations})
