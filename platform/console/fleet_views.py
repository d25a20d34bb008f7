"""The fleet's report in the console: per association, for a period, its active staff, requests
opened, decisions within the review window and satisfaction (counts only, no personal data)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from casework.reports.fleet import fleet_figures
from casework.reports.query import report_query
from console.access import platform_admin_required
from core.errors import ServiceError
from tenants.models import Association, AssociationStatus


@platform_admin_required
def fleet_report(request: HttpRequest) -> HttpResponse:
    lang = "en" if (request.LANGUAGE_CODE or "ar").startswith("en") else "ar"
    errors: list[str] = []
    status = 200
    params = request.GET.copy()
    params.pop("per_employee", None)
    params.pop("channel", None)  # a channel is one association's word, not the fleet's
    try:
        query = report_query(params, user=None)
    except ServiceError as exc:
        errors = [p.message(lang) for p in exc.problems] or [exc.message(lang)]
        query = report_query({}, user=None)
        status = exc.status
    associations = list(
        Association.objects.exclude(status=AssociationStatus.ARCHIVED)
        .order_by("slug")
        .only("slug", "schema_name", "name_ar", "name_en")
    )
    names = {a.slug: a.name_en if lang == "en" else a.name_ar for a in associations}
    rows = fleet_figures(schemas=[(a.slug, a.schema_name) for a in associations], period=query.period)
    for row in rows:
        row["name"] = names[row["slug"]]
    totals = {
        "active_staff": sum(r["active_staff"] for r in rows),
        "opened": sum(r["opened"] for r in rows),
        "decided": sum(r["decided"] for r in rows),
    }
    return render(
        request,
        "console/fleet.html",
        {
            "rows": rows,
            "totals": totals,
            "period_label": query.period.label(lang),
            "start": query.period.start,
            "end": query.period.end,
            "errors": errors,
        },
        status=status,
    )
