"""The figures of an association's reports, computed in the database.

Counts, sums, distributions and percentiles come from aggregate queries over the daily figures
(``DailyFigure``, kept by the transition function); what is "now" (overdue requests) or must be
distinct (beneficiaries served) or shown one by one (comments) is read from the cases through
indexes. Python only arranges the aggregated rows into the answer.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Sum
from django.utils import timezone

from accounts.models import User
from casework.models import CaseOutcome, CaseStatus, SatisfactionRating, SupportCase
from casework.reports.counters import (
    DAY_METRICS,
    day_start,
    monthly,
    opened_by_channel,
    percent,
    percentiles,
    ratings_by_employee,
    segments,
    sums,
)
from casework.reports.models import DailyFigure
from casework.reports.periods import Period
from casework.reports.rollup import REVIEW
from casework.selectors import RATING_MIN_FOR_EMPLOYEE, policy_codes
from policy_engine.models import PolicyStatus, PolicyVersion

COMMENTS_SHOWN = 10

__all__ = ["DAY_METRICS", "segments"]


def _beneficiaries(period: Period, channel: str | None, new: int) -> dict[str, int]:
    qs = SupportCase.objects.filter(
        outcome=CaseOutcome.SERVED,
        closed_at__gte=day_start(period.start),
        closed_at__lt=day_start(period.end + dt.timedelta(days=1)),
    )
    if channel:
        qs = qs.filter(channel=channel)
    served = qs.aggregate(n=Count("beneficiary_id", distinct=True))["n"]
    return {"served": served, "new": new, "returning": max(0, served - new)}


def overdue_now(*, channel: str | None = None, now: dt.datetime | None = None) -> dict[str, int]:
    """Requests waiting for a decision past their due date, by deciding body: the counters of the
    days before today (rows of days, not cases: ``DailyFigure`` metric "awaiting"), plus today's
    requests already past their hour (an index range of one day)."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    before = DailyFigure.objects.filter(metric="awaiting", grain="d", day__lt=today).exclude(n=0)
    due_today = SupportCase.objects.filter(
        status=CaseStatus.OPEN, step=REVIEW, decision_due__gte=day_start(today), decision_due__lt=now
    )
    if channel:
        before, due_today = before.filter(channel=channel), due_today.filter(channel=channel)
    out: dict[str, int] = {}
    for row in before.values("dim").annotate(total=Sum("n")).order_by():
        out[row["dim"]] = out.get(row["dim"], 0) + int(row["total"])
    for row in due_today.values("deciding_body").annotate(total=Count("id")).order_by():
        out[row["deciding_body"]] = out.get(row["deciding_body"], 0) + int(row["total"])
    return {body: n for body, n in out.items() if n}


def figures(
    *,
    period: Period,
    channel: str | None = None,
    step: str | None = None,
    overdue: dict[str, int] | None = None,
) -> dict[str, Any]:
    """Every figure of one period (no comments, per-employee figures or months: see
    :func:`report_summary`)."""
    totals = sums(period, channel)
    pct = percentiles(period, channel)

    def by_dim(metric: str) -> dict[str, int]:
        out: dict[str, int] = {}
        for (dim, _bucket), (n, _amount) in totals.get(metric, {}).items():
            out[dim] = out.get(dim, 0) + n
        return out

    by_channel = opened_by_channel(period, channel)
    states = {k: v for k, v in by_dim("state").items() if v}
    by_step = {k: v for k, v in states.items() if not k.startswith("closed:")}
    if step:
        by_step = {step: by_step.get(step, 0)}
    closed_since_opened = {k.removeprefix("closed:"): v for k, v in states.items() if k.startswith("closed:")}
    closed = by_dim("closed")
    decided = by_dim("decided")
    accepted = sum(n for k, n in decided.items() if k.endswith(":accepted"))
    rejected = sum(n for k, n in decided.items() if k.endswith(":rejected"))
    bodies = sorted({k.split(":", 1)[0] for k in decided})
    in_window = by_dim("in_window")
    # Overdue is "now", the same for any period: a report reads it once for both of its periods.
    overdue = overdue if overdue is not None else overdue_now(channel=channel)
    window_by_body = {}
    for body in sorted(set(bodies) | set(overdue)):
        n = sum(v for k, v in decided.items() if k.split(":", 1)[0] == body)
        hours = pct.get(("decision_days", body), {})
        window_by_body[body] = {
            "decided": n,
            "within_window": in_window.get(body, 0),
            "within_window_percent": percent(in_window.get(body, 0), n),
            "median_days": hours.get("median_days"),
            "p90_days": hours.get("p90_days"),
            "overdue_now": overdue.get(body, 0),
        }
    all_hours = pct.get(("decision_days", "*"), {})
    referred = by_dim("referred")
    referral_targets = sorted(set(referred) | {d for (m, d) in pct if m == "referral_days" and d != "*"})
    quorum = pct.get(("quorum_days", "*"), {})
    votes = by_dim("vote")
    ratings = {bucket: n for (_dim, bucket), (n, _a) in totals.get("rating", {}).items()}
    rating_count = sum(ratings.values())
    services = totals.get("service", {})
    new = sum(n for (n, _a) in totals.get("served_new", {}).values())
    total_in_window = sum(in_window.values())
    return {
        "opened": {
            "total": sum(by_channel.values()),
            "by_channel": by_channel,
            "by_step": by_step,
            "closed_by_outcome": closed_since_opened,
        },
        "outcomes": {
            "decided": accepted + rejected,
            "accepted": accepted,
            "rejected": rejected,
            "withdrawn": closed.get(CaseOutcome.WITHDRAWN, 0),
            "served": closed.get(CaseOutcome.SERVED, 0),
        },
        "funnel": by_dim("reached"),
        "window": {
            "decided": accepted + rejected,
            "within_window": total_in_window,
            "within_window_percent": percent(total_in_window, accepted + rejected),
            "median_days": all_hours.get("median_days"),
            "p90_days": all_hours.get("p90_days"),
            "overdue_now": sum(overdue.values()),
            "by_body": window_by_body,
        },
        "referrals": {
            "count": sum(referred.values()),
            "by_target": {
                target: {
                    "referred": referred.get(target, 0),
                    "answered": pct.get(("referral_days", target), {}).get("count", 0),
                    "median_days": pct.get(("referral_days", target), {}).get("median_days"),
                }
                for target in referral_targets
            },
            "median_days_to_answer": pct.get(("referral_days", "*"), {}).get("median_days"),
        },
        "committee": {
            "decisions": sum(n for k, n in decided.items() if k.startswith("research_committee:")),
            "median_days_to_quorum": quorum.get("median_days"),
            "p90_days_to_quorum": quorum.get("p90_days"),
            "votes_by_member": votes,
        },
        "satisfaction": {
            "count": rating_count,
            "average": round(sum(s * n for s, n in ratings.items()) / rating_count, 2)
            if rating_count
            else None,
            "distribution": {str(s): ratings.get(s, 0) for s in range(1, 6)},
        },
        "beneficiaries": _beneficiaries(period, channel, new),
        "services": {
            "count": sum(n for (n, _a) in services.values()),
            "amount": float(sum((a for (_n, a) in services.values()), Decimal(0))),
            "by_kind": {
                dim: {"count": n, "amount": float(a)} for (dim, _b), (n, a) in sorted(services.items())
            },
        },
    }


def employee_ratings(*, period: Period) -> list[dict[str, Any]]:
    """Per employee with at least five ratings in the period: count, average, distribution. For
    association admins only ("a tool for improvement, not for punishment")."""
    rows = ratings_by_employee(period, RATING_MIN_FOR_EMPLOYEE)
    names = {
        str(u.pk): u.full_name or u.email
        for u in User.objects.filter(pk__in=[int(dim) for dim, _t, _d in rows]).only(
            "pk", "full_name", "email"
        )
    }
    return [
        {
            "employee_id": int(dim),
            "name": names.get(dim, ""),
            "count": total,
            "average": round(sum(int(s) * n for s, n in dist.items()) / total, 2),
            "distribution": dist,
        }
        for dim, total, dist in rows
    ]


def rating_comments(
    *, period: Period, channel: str | None = None, with_case: bool = False
) -> list[dict[str, Any]]:
    """The latest comments of the period, without who wrote them (the case number only to those
    who may open the case)."""
    qs = SatisfactionRating.objects.filter(
        created_at__gte=day_start(period.start), created_at__lt=day_start(period.end + dt.timedelta(days=1))
    ).exclude(comment="")
    if channel:
        qs = qs.filter(case__channel=channel)
    rows = qs.order_by("-created_at", "-id").values("case_id", "score", "comment", "created_at")[
        :COMMENTS_SHOWN
    ]
    return [
        {
            "score": row["score"],
            "comment": row["comment"],
            "date": timezone.localtime(row["created_at"]).date(),
            **({"case": row["case_id"]} if with_case else {}),
        }
        for row in rows
    ]


def member_names(ids: list[str]) -> dict[str, str]:
    return {
        str(u.pk): u.full_name or u.email
        for u in User.objects.filter(pk__in=[int(i) for i in ids if i.isdigit()]).only(
            "pk", "full_name", "email"
        )
    }


def policy_versions_approved(period: Period) -> list[dict[str, Any]]:
    """Versions that came into force during the period, with their board approval."""
    qs = (
        PolicyVersion.objects.filter(
            in_force_from__gte=day_start(period.start),
            in_force_from__lt=day_start(period.end + dt.timedelta(days=1)),
        )
        .exclude(status=PolicyStatus.DRAFT)
        .select_related("approval")
        .order_by("number")
    )
    out = []
    for v in qs:
        approval = getattr(v, "approval", None)
        out.append(
            {
                "number": v.number,
                "in_force_from": timezone.localtime(v.in_force_from).date() if v.in_force_from else None,
                "approved_on": approval.date_gregorian if approval else None,
                "meeting": approval.meeting_number if approval else "",
            }
        )
    return out


def known_channels() -> set[str]:
    """Channel codes a filter may name: the association's policy's (the version in force and those
    it superseded, to which cases stay pinned), never the rest of the catalogue."""
    return set(policy_codes()["channel"])


def known_steps() -> set[str]:
    """Step codes a filter may name: the association's policy's, as for the channels."""
    return set(policy_codes()["step"])


def report_summary(
    *,
    period: Period,
    channel: str | None = None,
    step: str | None = None,
    per_employee: bool = False,
    comments_with_case: bool = False,
) -> dict[str, Any]:
    """The dashboard's figures for ``period`` and the period before it."""
    previous = period.previous()
    overdue = overdue_now(channel=channel)
    current = figures(period=period, channel=channel, step=step, overdue=overdue)
    current["satisfaction"]["comments"] = rating_comments(
        period=period, channel=channel, with_case=comments_with_case
    )
    if per_employee:
        current["satisfaction"]["employees"] = employee_ratings(period=period)
    names = member_names(list(current["committee"]["votes_by_member"]))
    current["committee"]["votes_by_member"] = [
        {"member_id": int(k), "name": names.get(k, ""), "votes": v}
        for k, v in sorted(current["committee"]["votes_by_member"].items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    prior = figures(period=previous, channel=channel, step=step, overdue=overdue)
    prior["committee"]["votes_by_member"] = sum(prior["committee"]["votes_by_member"].values())
    return {
        "period": {"from": period.start, "to": period.end, "kind": period.kind, "calendar": period.calendar},
        "previous_period": {"from": previous.start, "to": previous.end},
        "filters": {"channel": channel, "step": step},
        "time_zone": settings.TIME_ZONE,
        **current,
        "months": monthly(period, channel),
        "previous": prior,
    }
