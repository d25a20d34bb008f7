"""Reading the counters of ``DailyFigure`` for a period: which rows cover it (whole months from the
month rows, the days at its ends from the day rows), their sums, the percentiles of the duration
histograms, and the months of a trend. Every figure is an aggregate computed by PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Case, F, IntegerField, Q, Sum, Value, When
from django.utils import timezone

from casework.reports.models import DailyFigure
from casework.reports.periods import Period
from themes.dates import HIJRI_MONTHS_AR, HIJRI_MONTHS_EN, from_hijri, to_hijri

GREGORIAN_MONTHS_AR = (
    "يناير",
    "فبراير",
    "مارس",
    "أبريل",
    "مايو",
    "يونيو",
    "يوليو",
    "أغسطس",
    "سبتمبر",
    "أكتوبر",
    "نوفمبر",
    "ديسمبر",
)
DAY_METRICS = ("decision_days", "referral_days", "quorum_days")
COMMENTS_SHOWN = 10


def days_or_none(days: int | None) -> float | None:
    return None if days is None else float(days)


def percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def day_start(day: dt.date) -> dt.datetime:
    """Midnight at the start of ``day`` in the association's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


Segment = tuple[str, dt.date, dt.date]


def last_of_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def segments(start: dt.date, end: dt.date) -> list[Segment]:
    """The rows that cover ``start``..``end``: (grain, first day, last day). Whole months come from
    the month rows (keyed by their first day), the days before and after them from the day rows."""
    first_full = start if start.day == 1 else last_of_month(start) + dt.timedelta(days=1)
    last_full = end if end == last_of_month(end) else end.replace(day=1) - dt.timedelta(days=1)
    if first_full > last_full:
        return [("d", start, end)]
    out: list[Segment] = []
    if start < first_full:
        out.append(("d", start, first_full - dt.timedelta(days=1)))
    out.append(("m", first_full, last_full.replace(day=1)))
    if last_full < end:
        out.append(("d", last_full + dt.timedelta(days=1), end))
    return out


def figure_rows(period: Period, channel: str | None) -> Any:
    where = Q()
    for grain, first, last in segments(period.start, period.end):
        where |= Q(grain=grain, day__gte=first, day__lte=last)
    qs = DailyFigure.objects.filter(where)
    return qs.filter(channel=channel) if channel else qs


def sums(period: Period, channel: str | None) -> dict[str, dict[tuple[str, int], tuple[int, Decimal]]]:
    """{metric: {(dim, bucket): (n, amount)}} summed over the period, in one query."""
    rows = (
        figure_rows(period, channel)
        .exclude(metric__in=(*DAY_METRICS, "awaiting"))
        .values("metric", "dim", "bucket")
        .annotate(total=Sum("n"), money=Sum("amount"))
        .order_by()
    )
    out: dict[str, dict[tuple[str, int], tuple[int, Decimal]]] = {}
    for row in rows:
        out.setdefault(row["metric"], {})[(row["dim"], row["bucket"])] = (int(row["total"]), row["money"])
    return out


# {segments} is "(grain = %s AND day BETWEEN %s AND %s)" once per segment, joined by OR: as an OR
# of index ranges the planner reads only those rows (a join to the segments made it scan the table).
_PERCENTILES_SQL = """
WITH f AS (
    SELECT metric, dim, bucket, n FROM reports_dailyfigure
    WHERE ({segments}) AND metric = ANY(%s) AND (%s::text IS NULL OR channel = %s)
), h AS (
    SELECT metric, dim, bucket, sum(n) AS n FROM f GROUP BY metric, dim, bucket
    UNION ALL
    SELECT metric, '*', bucket, sum(n) FROM f GROUP BY metric, bucket
), c AS (
    SELECT metric, dim, bucket, n,
           sum(n) OVER (PARTITION BY metric, dim ORDER BY bucket) AS cum,
           sum(n) OVER (PARTITION BY metric, dim) AS total
    FROM h WHERE n > 0
)
SELECT metric, dim, max(total)::bigint,
       min(bucket) FILTER (WHERE cum >= 0.5 * total), min(bucket) FILTER (WHERE cum >= 0.9 * total)
FROM c GROUP BY metric, dim
"""
_SEGMENT_SQL = "(grain = %s AND day BETWEEN %s AND %s)"


def percentiles(period: Period, channel: str | None) -> dict[tuple[str, str], dict[str, Any]]:
    """Median and 90th percentile (in days, from the histograms of whole days) per metric and dim
    ('*': all of them)."""
    parts = segments(period.start, period.end)
    sql = _PERCENTILES_SQL.replace("{segments}", " OR ".join([_SEGMENT_SQL] * len(parts)))
    params: list[Any] = [value for part in parts for value in part]
    params += [list(DAY_METRICS), channel, channel]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {
            (metric, dim): {
                "count": int(total),
                "median_days": days_or_none(p50),
                "p90_days": days_or_none(p90),
            }
            for metric, dim, total, p50, p90 in cursor.fetchall()
        }


def month_bounds(period: Period) -> list[tuple[dt.date, dt.date, str, str]]:
    """The months (of the period's calendar) the period touches: start, end, Arabic and English
    labels. At most 121 (ten years)."""
    months = []
    day = period.start
    while day <= period.end:
        if period.calendar == "hijri":
            h = to_hijri(day)
            next_year, next_month = (h.year + 1, 1) if h.month == 12 else (h.year, h.month + 1)
            following = from_hijri(next_year, next_month, 1)
            labels = (f"{HIJRI_MONTHS_AR[h.month - 1]} {h.year}", f"{HIJRI_MONTHS_EN[h.month - 1]} {h.year}")
        else:
            following = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
            labels = (f"{GREGORIAN_MONTHS_AR[day.month - 1]} {day.year}", day.strftime("%b %Y"))
        months.append((day, min(following - dt.timedelta(days=1), period.end), *labels))
        day = following
    return months


def monthly(period: Period, channel: str | None) -> list[dict[str, Any]]:
    """Per month: requests opened, decisions and the share within the window, ratings and their
    average (one aggregate query, each row counted in the month its segment belongs to; a month
    without any row is all zeros)."""
    months = month_bounds(period)
    parts = [(i, *part) for i, m in enumerate(months, start=1) for part in segments(m[0], m[1])]
    where = Q()
    for _i, grain, first, last in parts:
        where |= Q(grain=grain, day__gte=first, day__lte=last)
    qs = DailyFigure.objects.filter(where, metric__in=("opened", "decided", "in_window", "rating"))
    if channel:
        qs = qs.filter(channel=channel)
    rows = (
        qs.annotate(
            month=Case(
                *[
                    When(Q(grain=grain, day__gte=first, day__lte=last), then=Value(i))
                    for i, grain, first, last in parts
                ],
                output_field=IntegerField(),
            )
        )
        .values("month")
        .annotate(
            opened=Sum("n", filter=Q(metric="opened")),
            decided=Sum("n", filter=Q(metric="decided")),
            within=Sum("n", filter=Q(metric="in_window")),
            ratings=Sum("n", filter=Q(metric="rating")),
            score=Sum(F("n") * F("bucket"), filter=Q(metric="rating")),
        )
        .order_by()
    )
    by_month = {row["month"]: row for row in rows}
    out = []
    for i, (start, end, label_ar, label_en) in enumerate(months, start=1):
        row = by_month.get(i, {})
        opened, decided, within = (int(row.get(key) or 0) for key in ("opened", "decided", "within"))
        ratings, score = int(row.get("ratings") or 0), int(row.get("score") or 0)
        out.append(
            {
                "start": start,
                "end": end,
                "label_ar": label_ar,
                "label_en": label_en,
                "opened": opened,
                "decided": decided,
                "within_window": within,
                "within_window_percent": percent(within, decided),
                "ratings": ratings,
                "rating_average": round(score / ratings, 2) if ratings else None,
            }
        )
    return out
