"""The dashboard, its exports (CSV, Excel) and the board report (PDF): thin views over
``selectors`` (figures), ``presenter`` (tables in the reader's words) and ``charts`` (SVG)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.auth import request_user
from accounts.reauth import reauthentication_recent
from audit.services import audit_record
from casework.reports import charts, exports, presenter, selectors
from casework.reports.periods import KINDS, Period
from casework.reports.query import (
    CASE_READERS,
    EMPLOYEE_READERS,
    READERS,
    ReportQuery,
    default_period,
    holds,
    report_query,
)
from casework.selectors import policy_codes
from core.errors import ServiceError
from themes.dates import to_hijri


def _lang() -> str:
    return "en" if (get_language() or "ar").startswith("en") else "ar"


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/forbidden.html", status=403)


def _query(request: HttpRequest) -> tuple[ReportQuery, dict[str, list[str]], int]:
    """The report asked for, or (on bad input) this month's with the errors by field."""
    lang = _lang()
    try:
        return report_query(request.GET, user=request_user(request)), {}, 200
    except ServiceError as exc:
        errors: dict[str, list[str]] = {}
        for problem in exc.problems:
            errors.setdefault(problem.field, []).append(problem.message(lang))
        if not errors:
            errors["per_employee" if exc.status == 403 else "period"] = [exc.message(lang)]
        return (
            ReportQuery(period=default_period(request.GET.get("calendar") or "gregorian")),
            errors,
            exc.status,
        )


def _form(request: HttpRequest, period: Period) -> dict[str, Any]:
    """The period form's values: what was asked, else the period shown."""
    get = request.GET
    hijri = to_hijri(period.start)
    return {
        "calendar": get.get("calendar") or period.calendar,
        "period": get.get("period") or ("range" if get.get("from") or get.get("to") else period.kind),
        "year": get.get("year") or (hijri.year if period.calendar == "hijri" else period.start.year),
        "number": get.get("number") or "",
        "from": get.get("from") or period.start.isoformat(),
        "to": get.get("to") or period.end.isoformat(),
        "channel": get.get("channel") or "",
        "per_employee": get.get("per_employee") or "",
        "kinds": [
            (
                k,
                {
                    "month": _("Month"),
                    "quarter": _("Quarter"),
                    "year": _("Year"),
                    "range": _("Range of days"),
                }[k],
            )
            for k in KINDS
        ],
        "calendars": [("gregorian", _("Gregorian")), ("hijri", _("Hijri"))],
    }


def _exported(request: HttpRequest, *, what: str, query: ReportQuery) -> None:
    """Taking figures out of Sila: the reader confirms it is them first (allauth asks, then sends
    them back to the download), and the export is audited with how they confirmed."""
    how = reauthentication_recent(request)
    audit_record(
        actor=request_user(request),
        action="report.exported",
        object_type="reports.summary",
        changes={
            "format": what,
            "from": query.period.start.isoformat(),
            "to": query.period.end.isoformat(),
            "reauthenticated_by": how,
        },
    )


def _change(now: Any, before: Any) -> str:
    if not isinstance(now, int | float) or not isinstance(before, int | float) or isinstance(now, bool):
        return ""
    if now == before:
        return "="
    return "▲" if now > before else "▼"


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if not holds(user, READERS):
        return _forbidden(request)
    lang = _lang()
    query, errors, status = _query(request)
    summary = selectors.report_summary(
        period=query.period,
        channel=query.channel,
        step=query.step,
        per_employee=query.per_employee,
        comments_with_case=holds(user, CASE_READERS),
    )
    links = holds(user, CASE_READERS)
    tables = presenter.tables(summary, period=query.period, lang=lang, links=links, channel=query.channel)
    rtl = lang == "ar"
    shown = []
    for table in tables:
        items = [(row.label, row.values[0] if row.values else None) for row in table.rows]
        if table.key in ("channels", "beneficiaries", "services"):
            items = items[:-1]  # the total row is not a bar
        svg = ""
        if table.chart == "bars" and any(value for _label, value in items):
            svg = charts.bars(table.title, items, rtl=rtl)
        elif table.chart == "columns" and any(value for _label, value in items):
            svg = charts.columns(table.title, items, rtl=rtl)
        shown.append({"table": table, "svg": svg})
    window, prev_window = summary["window"], summary["previous"]["window"]
    headline = [
        (_("Requests opened"), summary["opened"]["total"], summary["previous"]["opened"]["total"]),
        (_("Decided"), summary["outcomes"]["decided"], summary["previous"]["outcomes"]["decided"]),
        (
            _("Decided within the window (%)"),
            window["within_window_percent"],
            prev_window["within_window_percent"],
        ),
        (_("Median days to a decision"), window["median_days"], prev_window["median_days"]),
        (
            _("Average satisfaction (of 5)"),
            summary["satisfaction"]["average"],
            summary["previous"]["satisfaction"]["average"],
        ),
        (
            _("Beneficiaries served"),
            summary["beneficiaries"]["served"],
            summary["previous"]["beneficiaries"]["served"],
        ),
    ]
    params = request.GET.urlencode()
    names = presenter.labels(lang)["channel"]
    context = {
        "query": query,
        "period_label": query.period.label(lang),
        "previous_label": query.period.previous().label(lang),
        "form": _form(request, query.period),
        # Only the channels of the association's policy, in its order.
        "channels": [(code, names.get(code, code)) for code in policy_codes()["channel"]],
        "errors": errors,
        "tables": shown,
        "headline": [(label, now, before, _change(now, before)) for label, now, before in headline],
        "comments": summary["satisfaction"]["comments"],
        "links": links,
        "may_see_employees": holds(user, EMPLOYEE_READERS),
        "params": params,
        "generated": timezone.localtime(),
    }
    return render(request, "reports/dashboard.html", context, status=status)


@login_required
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    user = request_user(request)
    if not holds(user, READERS):
        return _forbidden(request)
    query, errors, status = _query(request)
    if errors:
        return render(request, "reports/bad_request.html", {"errors": errors}, status=status)
    lang = _lang()
    summary = selectors.report_summary(
        period=query.period, channel=query.channel, step=query.step, per_employee=query.per_employee
    )
    tables = presenter.tables(summary, period=query.period, lang=lang, links=False, channel=query.channel)
    wanted = request.GET.get("table")
    if wanted:
        tables = [t for t in tables if t.key == wanted]
        if not tables:
            raise Http404
    _exported(request, what=f"{fmt}:{wanted}" if wanted else fmt, query=query)
    stem = f"sila-report-{query.period.start.isoformat()}-{query.period.end.isoformat()}"
    if wanted:
        stem += f"-{wanted}"
    if fmt == "csv":
        body, content_type = exports.csv_bytes(tables), "text/csv; charset=utf-8"
    else:
        body = exports.xlsx_bytes(tables, period=query.period, rtl=lang == "ar")
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return response


@login_required
def board_report(request: HttpRequest) -> HttpResponse:
    """The board's quarterly report as a PDF (this quarter unless another period is asked)."""
    user = request_user(request)
    if not holds(user, READERS):
        return _forbidden(request)
    params = request.GET.copy()
    if not params.get("period") and not params.get("from"):
        today = timezone.localdate()
        params["period"] = "quarter"
        params["year"] = str(today.year)
        params["number"] = str((today.month - 1) // 3 + 1)
    try:
        query = report_query(params, user=user)
    except ServiceError as exc:
        lang = _lang()
        errors = {p.field: [p.message(lang)] for p in exc.problems} or {"period": [exc.message(lang)]}
        return render(request, "reports/bad_request.html", {"errors": errors}, status=exc.status)
    _exported(request, what="board-report.pdf", query=query)
    pdf = exports.board_report_pdf(request=request, query=query, lang=_lang())
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"board-report-{query.period.start.isoformat()}-{query.period.end.isoformat()}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response
