"""The platform's view of the fleet: per association, its active staff, requests opened, decisions
within the review window and satisfaction, for a period. Counts only: no beneficiary's data.

One query for the whole fleet: a UNION ALL of one row per association schema, each reading that
schema's daily figures (whole months from the month rows, the ends from the day rows) and
counting its staff. The schema names come from the association rows (validated slugs), quoted as
identifiers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection
from psycopg import sql

from casework.reports.counters import segments
from casework.reports.periods import Period

_ROW = """
SELECT {slug} AS slug,
       (SELECT count(*) FROM {schema}.accounts_user u
         WHERE u.is_active AND EXISTS (
           SELECT 1 FROM {schema}.accounts_user_roles ur JOIN {schema}.accounts_role r ON r.id = ur.role_id
           WHERE ur.user_id = u.id AND r.code <> 'board_member')) AS staff,
       coalesce(sum(f.n) FILTER (WHERE f.metric = 'opened'), 0) AS opened,
       coalesce(sum(f.n) FILTER (WHERE f.metric = 'decided'), 0) AS decided,
       coalesce(sum(f.n) FILTER (WHERE f.metric = 'in_window'), 0) AS within_window,
       coalesce(sum(f.n) FILTER (WHERE f.metric = 'rating'), 0) AS ratings,
       coalesce(sum(f.n * f.bucket) FILTER (WHERE f.metric = 'rating'), 0) AS score
FROM {schema}.reports_dailyfigure f
WHERE ({where}) AND f.metric IN ('opened', 'decided', 'in_window', 'rating')
"""


def fleet_figures(*, schemas: Sequence[tuple[str, str]], period: Period) -> list[dict[str, Any]]:
    """``schemas``: (slug, schema name) of the associations to show. One row each, in that order."""
    if not schemas:
        return []
    parts = segments(period.start, period.end)
    where = sql.SQL(" OR ").join(
        sql.SQL("(f.grain = {} AND f.day BETWEEN {} AND {})").format(
            sql.Literal(grain), sql.Literal(first), sql.Literal(last)
        )
        for grain, first, last in parts
    )
    query = sql.SQL(" UNION ALL ").join(
        sql.SQL(_ROW).format(slug=sql.Literal(slug), schema=sql.Identifier(schema), where=where)
        for slug, schema in schemas
    )
    raw = connection.connection
    with connection.cursor() as cursor:
        cursor.execute(query.as_string(raw))
        rows = {row[0]: row[1:] for row in cursor.fetchall()}
    out = []
    for slug, _schema in schemas:
        staff, opened, decided, within, ratings, score = rows.get(slug, (0, 0, 0, 0, 0, 0))
        out.append(
            {
                "slug": slug,
                "active_staff": int(staff),
                "opened": int(opened),
                "decided": int(decided),
                "within_window_percent": round(100 * within / decided, 1) if decided else None,
                "ratings": int(ratings),
                "rating_average": round(score / ratings, 2) if ratings else None,
            }
        )
    return out
