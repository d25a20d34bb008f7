"""Reading the counters of ``DailyFigure`` for a period: which rows cover it (whole months from the
month rows, the days at its ends from the day rows), their sums, the percentiles of the duration
histograms, and the months of a trend. Every figure is an aggregate computed by PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone

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


SignedSegment = tuple[str, dt.date, dt.date, int]


def signed_segments(start: dt.date, end: dt.date) -> list[SignedSegment]:
    """The rows that cover ``start``..``end``, fewest first: (grain, first day, last day, sign).
    A month the period covers for the most part is read as its month row minus the day rows of
    the days outside the period (sign -1), a month it covers less than half of from its day rows:
    the last 365 days, or a Hijri month, read at most about half a month of day rows at each end
    instead of nearly a whole month."""
    months: list[dt.date] = []
    plus: list[tuple[dt.date, dt.date]] = []
    minus: list[tuple[dt.date, dt.date]] = []
    month = start.replace(day=1)
    while month <= end:
        last = last_of_month(month)
        first_in, last_in = max(start, month), min(end, last)
        covered = (last_in - first_in).days + 1
        if (last - month).days + 1 - covered < covered:
            months.append(month)
            if first_in > month:
                minus.append((month, first_in - dt.timedelta(days=1)))
            if last_in < last:
                minus.append((last_in + dt.timedelta(days=1), last))
        else:
            plus.append((first_in, last_in))
        month = last + dt.timedelta(days=1)
    out: list[SignedSegment] = [("m", months[0], months[-1], 1)] if months else []
    out += [("d", first, last, 1) for first, last in plus]
    out += [("d", first, last, -1) for first, last in minus]
    return out


def figure_source(
    parts: list[SignedSegment],
    *,
    channel: str | None,
    metrics: tuple[str, ...] = (),
    exclude: tuple[str, ...] = (),
) -> tuple[str, list[Any]]:
    """The counter rows of ``parts`` as SQL (n and amount times the segment's sign): one index
    range per segment joined by UNION ALL, each read from the covering index alone (an index-only
    scan: no table page is visited for the months and days that no longer change). ``part``
    numbers the segment each row came from. The text is fixed; every value is a parameter."""
    branches: list[str] = []
    params: list[Any] = []
    for index, (grain, first, last, sign) in enumerate(parts):
        where = "grain = %s AND day BETWEEN %s AND %s"
        params += [grain, first, last]
        if metrics:
            where += " AND metric = ANY(%s)"
            params.append(list(metrics))
        if exclude:
            where += " AND metric <> ALL(%s)"
            params.append(list(exclude))
        if channel:
            where += " AND channel = %s"
            params.append(channel)
        branches.append(
            f"SELECT {index} AS part, channel, metric, dim, bucket, {sign:d} * n AS n, {sign:d} * amount AS amount "  # noqa: S608 - fixed SQL
            f"FROM reports_dailyfigure WHERE {where}"
        )
    return " UNION ALL ".join(branches), params


def _fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def sums(period: Period, channel: str | None) -> dict[str, dict[tuple[str, int], tuple[int, Decimal]]]:
    """{metric: {(dim, bucket): (n, amount)}} summed over the period, in one query."""
    source, params = figure_source(
        signed_segments(period.start, period.end), channel=channel, exclude=(*DAY_METRICS, "awaiting")
    )
    out: dict[str, dict[tuple[str, int], tuple[int, Decimal]]] = {}
    for metric, dim, bucket, total, money in _fetch(
        f"SELECT metric, dim, bucket, sum(n), sum(amount) FROM ({source}) f GROUP BY 1, 2, 3",  # noqa: S608
        params,
    ):
        out.setdefault(metric, {})[(dim, bucket)] = (int(total), money)
    return out


def opened_by_channel(period: Period, channel: str | None) -> dict[str, int]:
    source, params = figure_source(
        signed_segments(period.start, period.end), channel=channel, metrics=("opened",)
    )
    return {
        ch: int(total)
        for ch, total in _fetch(f"SELECT channel, sum(n) FROM ({source}) f GROUP BY 1", params)  # noqa: S608
        if total
    }


def ratings_by_employee(period: Period, minimum: int) -> list[tuple[str, int, dict[str, int]]]:
    """(employee id, ratings, {score: count}) for employees with at least ``minimum`` ratings."""
    source, params = figure_source(
        signed_segments(period.start, period.end), channel=None, metrics=("rating_employee",)
    )
    scores = ", ".join(f"coalesce(sum(n) FILTER (WHERE bucket = {s}), 0)" for s in range(1, 6))
    rows = _fetch(
        f"SELECT dim, sum(n), {scores} FROM ({source}) f GROUP BY dim HAVING sum(n) >= %s ORDER BY dim",  # noqa: S608
        [*params, minimum],
    )
    return [(dim, int(total), {str(s): int(row[s - 1]) for s in range(1, 6)}) for dim, total, *row in rows]


# The histograms of whole days, summed per metric and dim and over every dim ('*'), then the
# first bucket at which the running total reaches half and nine tenths of it.
_PERCENTILES_SQL = """
WITH f AS ({source}), h AS (
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


def percentiles(period: Period, channel: str | None) -> dict[tuple[str, str], dict[str, Any]]:
    """Median and 90th percentile (in days, from the histograms of whole days) per metric and dim
    ('*': all of them)."""
    source, params = figure_source(
        signed_segments(period.start, period.end), channel=channel, metrics=DAY_METRICS
    )
    return {
        (metric, dim): {
            "count": int(total),
            "median_days": days_or_none(p50),
            "p90_days": days_or_none(p90),
        }
        for metric, dim, total, p50, p90 in _fetch(_PERCENTILES_SQL.replace("{source}", source), params)
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
    parts: list[SignedSegment] = []
    month_of: list[int] = []
    for i, m in enumerate(months):
        for part in signed_segments(m[0], m[1]):
            parts.append(part)
            month_of.append(i)
    source, params = figure_source(
        parts, channel=channel, metrics=("opened", "decided", "in_window", "rating")
    )
    rows = _fetch(
        f"""SELECT part, sum(n) FILTER (WHERE metric = 'opened'), sum(n) FILTER (WHERE metric = 'decided'),
               sum(n) FILTER (WHERE metric = 'in_window'), sum(n) FILTER (WHERE metric = 'rating'),
               sum(n * bucket) FILTER (WHERE metric = 'rating')
        FROM ({source}) f GROUP BY part""",  # noqa: S608
        params,
    )
    totals = [[0, 0, 0, 0, 0] for _ in months]
    for part, *values in rows:
        for k, value in enumerate(values):
            totals[month_of[part]][k] += int(value or 0)
    out = []
    for (start, end, label_ar, label_en), (opened, decided, within, ratings, score) in zip(
        months, totals, strict=True
    ):
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
