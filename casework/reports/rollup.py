"""The daily figures (``DailyFigure``), kept current by the case transition function and
rebuildable from the cases and their events.

Each case event adds to a few counters inside the transaction that appends it (a case event
listener, see ``casework.hooks``): if the transition rolls back, so do its figures. Counters are
upserted in a fixed order, so two transitions touching the same counters wait
for each other instead of deadlocking.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection
from django.utils import timezone

from casework.hooks import case_event_listener

if TYPE_CHECKING:
    from casework.models import CaseEvent, SupportCase

# The actions that can close a case (each closing event carries the outcome).
CLOSING_ACTIONS = frozenset({"complete", "decide", "withdraw"})
#: The step in which a request awaits its decision (and its due date runs).
REVIEW = "committee_review"

Key = tuple[dt.date, str, str, str, int]


def _day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def _days(start: dt.datetime, end: dt.datetime) -> int:
    """Whole days from ``start`` to ``end``, rounded up: a decision 3 hours after entering review
    came within 1 day. (Finer buckets would multiply the rows a year's report reads.)"""
    return max(0, math.ceil((end - start).total_seconds() / 86400))


def _state(case: SupportCase) -> str:
    return case.step if case.status == "open" else f"closed:{case.outcome}"


_UPSERT = (
    "INSERT INTO reports_dailyfigure (grain, day, channel, metric, dim, bucket, n, amount) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
    "ON CONFLICT (grain, day, channel, metric, dim, bucket) DO UPDATE "
    "SET n = reports_dailyfigure.n + EXCLUDED.n, amount = reports_dailyfigure.amount + EXCLUDED.amount"
)


def _upsert(counts: Counter[Key], amounts: dict[Key, Decimal]) -> None:
    keys = sorted(k for k in counts.keys() | amounts.keys() if counts[k] or amounts.get(k))
    if not keys:
        return
    rows = []
    for grain in ("d", "m"):
        for key in keys:
            day = key[0] if grain == "d" else key[0].replace(day=1)
            rows.append((grain, day, *key[1:], counts[key], amounts.get(key, Decimal(0))))
    rows.sort(key=lambda row: row[:7])  # one order for every transaction: no deadlock between two
    with connection.cursor() as cursor:
        cursor.executemany(_UPSERT, rows)


@case_event_listener
def figures_from_event(event: CaseEvent) -> None:
    """Add what ``event`` changes to the daily figures of its case's channel."""
    from casework.models import (
        CaseOutcome,
        Decision,
        Referral,
        SatisfactionRating,
        ServiceDelivery,
        SupportCase,
    )

    case = event.case
    ch = case.channel
    opened = _day(case.created_at)
    counts: Counter[Key] = Counter()
    amounts: dict[Key, Decimal] = {}
    action, data = event.action, event.data or {}

    if action == "open":
        counts[(opened, ch, "opened", "", 0)] += 1
        counts[(opened, ch, "state", case.step, 0)] += 1
        counts[(opened, ch, "reached", case.step, 0)] += 1
    closing = action in CLOSING_ACTIONS and case.status == "closed" and data.get("outcome") == case.outcome
    moved = action != "open" and event.to_step != event.from_step and bool(event.to_step)
    if moved or closing:
        counts[(opened, ch, "state", event.from_step, 0)] -= 1
        counts[(opened, ch, "state", _state(case), 0)] += 1
    if moved:
        counts[(opened, ch, "reached", event.to_step, 0)] += 1
    # Requests awaiting a decision, by the day they fall due: "overdue now" sums the days before
    # today, whatever the number of cases (the due date is set on entering review, and kept).
    if case.decision_due is not None:
        awaiting = (_day(case.decision_due), ch, "awaiting", case.deciding_body, 0)
        if (moved and event.to_step == REVIEW) or (action == "open" and case.step == REVIEW):
            counts[awaiting] += 1
        if (moved or closing) and event.from_step == REVIEW:
            counts[awaiting] -= 1
    if closing and case.closed_at is not None:
        counts[(_day(case.closed_at), ch, "closed", case.outcome, 0)] += 1
        if case.outcome == CaseOutcome.SERVED:
            earlier = (
                SupportCase.objects.filter(beneficiary_id=case.beneficiary_id, outcome=CaseOutcome.SERVED)
                .exclude(pk=case.pk)
                .exists()
            )
            if not earlier:
                counts[(_day(case.closed_at), ch, "served_new", "", 0)] += 1

    if action == "decide":
        decision = Decision.objects.get(case_id=case.pk)
        day = _day(decision.decided_at)
        counts[(day, ch, "decided", f"{decision.body}:{decision.outcome}", 0)] += 1
        if case.submitted_for_decision_at is not None:
            days = _days(case.submitted_for_decision_at, decision.decided_at)
            counts[(day, ch, "decision_days", decision.body, days)] += 1
            if decision.quorum:
                quorum_vote = case.votes.order_by("cast_at", "id")[
                    decision.quorum - 1 : decision.quorum
                ].first()
                if quorum_vote is not None:
                    q_days = _days(case.submitted_for_decision_at, quorum_vote.cast_at)
                    counts[(day, ch, "quorum_days", "", q_days)] += 1
        if case.decision_due is not None and decision.decided_at <= case.decision_due:
            counts[(day, ch, "in_window", decision.body, 0)] += 1
    elif action == "vote" and event.actor_id is not None:
        counts[(_day(event.created_at), ch, "vote", str(event.actor_id), 0)] += 1
    elif action == "refer":
        counts[(_day(event.created_at), ch, "referred", str(data.get("target", "")), 0)] += 1
    elif action == "answer_referral":
        referral = Referral.objects.get(pk=data["referral"])
        if referral.answered_at is not None:
            days = _days(referral.asked_at, referral.answered_at)
            counts[(_day(referral.answered_at), ch, "referral_days", referral.target, days)] += 1
    elif action == "record_service":
        service = ServiceDelivery.objects.get(pk=data["service"])
        key = (service.delivered_on, ch, "service", service.kind, 0)
        counts[key] += 1
        amounts[key] = amounts.get(key, Decimal(0)) + (service.amount or Decimal(0))
    elif action == "rated":
        rating = SatisfactionRating.objects.get(pk=data["rating"])
        day = _day(rating.created_at)
        counts[(day, ch, "rating", "", rating.score)] += 1
        if rating.employee_id is not None:
            counts[(day, ch, "rating_employee", str(rating.employee_id), rating.score)] += 1
    _upsert(counts, amounts)


# --- Rebuilding from the cases and their events --------------------------------------------------

# Requests awaiting a decision now, by the day they fall due (also run by migration 0002).
AWAITING_SQL = """
    INSERT INTO reports_dailyfigure (grain, day, channel, metric, dim, bucket, n, amount)
    SELECT 'd', (c.decision_due AT TIME ZONE %(tz)s)::date, c.channel, 'awaiting', c.deciding_body, 0, count(*), 0
    FROM casework_supportcase c
    WHERE c.status = 'open' AND c.step = 'committee_review' AND c.decision_due IS NOT NULL
    GROUP BY 2, 3, 5
"""

# Each statement recomputes some metrics over the whole schema. %(tz)s is the association's zone.
_REBUILD = [
    # opened, state, and the funnel (every step a case has entered, by its open day)
    """
    INSERT INTO reports_dailyfigure (grain, day, channel, metric, dim, bucket, n, amount)
    SELECT 'd', (c.created_at AT TIME ZONE %(tz)s)::date, c.channel, 'opened', '', 0, count(*), 0
    FROM casework_supportcase c GROUP BY 2, 3
    """,
    """
    INSERT INTO reports_dailyfigure (grain, day, channel, metric, dim, bucket, n, amount)
    SELECT 'd', (c.created_at AT TIME ZONE %(tz)s)::date, c.channel, 'state',
           CASE WHEN c.status = 'open' THEN c.step ELSE 'closed:' || c.outcome END, 0, count(*), 0
    FROM casework_supportcase c GROUP BY 2, 3, 5
    """,
    """
    INSERT INTO reports_dailyfigure (grain, day, channel, metric, dim, bucket, n, amount)
    SELECT 'd', (c.created_at AT TIME ZONE %(tz)s)::date, c.channel, 'reached', e.to_step, 0, count(*), 0
    FROM casework_caseevent e JOIN casework_supportcase c ON c.id = e.case_id
    WHERE e.to_step <> '' AND (e.action = 'open' OR e.to_step <> e.from_step)
    GROUP BY 2, 3, 5
    """,
    """
    INSERT INTO reports_dailyfigure (grain, day, channel, metric, dim, bucket, n, amount)
    SELECT 'd', (c.closed_at AT TIME ZONE %(tz)s)::date, c.channel, 'closed', c.outcome, 0, count(*), 0
    FROM casework_supportcase c WHERE c.status = 'closed' AND c.closed_at IS NOT NULL GROUP BY 2, 3, 5
    """,
    # Beneficiaries served for the first time: their earliest served case.
    """
    INSERT INTO reports_dailyfigure (grain, day, channel, metric, dim, bucket, n, amount)
    SELECT 'd', (f.closed_at AT TIME ZONE %(tz)s)::date, f.channel, 'served_new', '', 0, count(*), 0
    FROM (SELECT DISTINCT ON (beneficiary_id) closed_at, channel FROM casework_supportcase
          WHERE outcome = 'served' AND closed_at IS NOT NULL ORDER BY beneficiary_id, closed_at, id) f
    GROUP BY 2, 3
    """,
    # Decisions: by body and outcome, hours from review to decision, kept within the window.
    """
    INSERT INTO reports_dailyfigure (grain, day, channel, metric, dim, bucket, n, amount)
    SELECT 'd', (d.decided_at AT TIME ZONE %(tz)s)::date, c.channel, 'decided', d.body || ':' || d.outcome,
           0, count(*), 0
    FROM casework_decision d JOIN casework_supportcase c ON c.id = d.case_id GROUP BY 2, 3, 5
    """,
    """
    INSERT INTO reports_dailyfigure (grain, day, channel, metric, dim, bucket, n, amount)
    SELECT 'd', (d.decided_at AT TIME ZONE %(tz)s)::date, c.channel, 'decision_days', d.body,
           greatest(0, ceil(extract(epoch FROM d.decided_at - c.submitted_for_decision_at) / 86400))::int,
           count(*), 0
    FROM casework_decision d JOIN casework_supportcase c ON c.id = d.case_id
    WHERE c.submitted_for_decision_at IS NOT NULL GROUP BY 2, 3, 5, 6
    """,
    """
    INSERT INTO reports_dailyfigure (grain, day, channel, metric, dim, bucket, n, amount)
    SELECT 'd', (d.decided_at AT TIME ZONE %(tz)s)::date, c.channel, 'in_window', d.body, 0, count(*), 0
    FROM casework_decision d JOIN casework_supportcase c ON c.id = d.case_id
    WHERE c.decision_due IS NOT NULL AND d.decided_at <= c.decision_due GROUP BY 2, 3, 5
    """,
    # Hours from entering review to the vote that made the quorum (the quorum-th vote).
    """
    INSERT INTO reports_dailyfigure (grain, day, channel, metric, dim, bucket, n, amount)
    SELECT 'd', (d.decided_at AT TIME ZONE %(tz)s)::date, c.channel, 'quorum_days', '',
           greatest(0, ceil(extract(epoch FROM v.cast_at - c.submitted_for_decision_at) / 86400))::int,
           count(*), 0
    FROM casework_decision d JOIN casework_supportcase c ON c.id = d.case_id
    JOIN LATERAL (SELECT cast_at FROM casework_committeevote WHERE case_id = c.id
                  ORDER BY cast_at, id OFFSET d.quorum - 1 LIMIT 1) v ON true
    WHERE d.quorum > 0 AND c.submitted_for_decision_at IS NOT NULL GROUP BY 2, 3, 6
    """,
    """
    INSERT INTO reports_dailyfigure (grain, day, channel, metric, dim, bucket, n, amount)
    SELECT 'd', (e.created_at AT TIME ZONE %(tz)s)::date, c.channel, 'vote', e.actor_id::text, 0, count(*), 0
    FROM casework_caseevent e JOIN casework_supportcase c ON c.id = e.case_id
    WHERE e.action = 'vote' AND e.actor_id IS NOT NULL GROUP BY 2, 3, 5
    """,
    # Referrals asked (by the event, as the listener counts them) and answered.
    """
    INSERT INTO reports_dailyfigure (grain, day, channel, metric, dim, bucket, n, amount)
    SELECT 'd', (e.created_at AT TIME ZONE %(tz)s)::date, c.channel, 'referred', coalesce(e.data->>'target', ''),
           0, count(*), 0
    FROM casework_caseevent e JOIN casework_supportcase c ON c.id = e.case_id
    WHERE e.action = 'refer' GROUP BY 2, 3, 5
    """,
    """
    INSERT INTO reports_dailyfigure (grain, day, channel, metric, dim, bucket, n, amount)
    SELECT 'd', (r.answered_at AT TIME ZONE %(tz)s)::date, c.channel, 'referral_days', r.target,
           greatest(0, ceil(extract(epoch FROM r.answered_at - r.asked_at) / 86400))::int, count(*), 0
    FROM casework_referral r JOIN casework_supportcase c ON c.id = r.case_id
    WHERE r.answered_at IS NOT NULL GROUP BY 2, 3, 5, 6
    """,
    """
    INSERT INTO reports_dailyfigure (grain, day, channel, metric, dim, bucket, n, amount)
    SELECT 'd', s.delivered_on, c.channel, 'service', s.kind, 0, count(*), coalesce(sum(s.amount), 0)
    FROM casework_servicedelivery s JOIN casework_supportcase c ON c.id = s.case_id GROUP BY 2, 3, 5
    """,
    AWAITING_SQL,
    """
    INSERT INTO reports_dailyfigure (grain, day, channel, metric, dim, bucket, n, amount)
    SELECT 'd', (r.created_at AT TIME ZONE %(tz)s)::date, c.channel, 'rating', '', r.score, count(*), 0
    FROM casework_satisfactionrating r JOIN casework_supportcase c ON c.id = r.case_id GROUP BY 2, 3, 6
    """,
    """
    INSERT INTO reports_dailyfigure (grain, day, channel, metric, dim, bucket, n, amount)
    SELECT 'd', (r.created_at AT TIME ZONE %(tz)s)::date, c.channel, 'rating_employee', r.employee_id::text,
           r.score, count(*), 0
    FROM casework_satisfactionrating r JOIN casework_supportcase c ON c.id = r.case_id
    WHERE r.employee_id IS NOT NULL GROUP BY 2, 3, 5, 6
    """,
]


def figures_rebuild() -> None:
    """Recompute every daily figure of the current association from its cases (after bulk loads
    such as the demo's history, or to repair the table). Locks the table while it runs."""
    from django.db import transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE reports_dailyfigure IN EXCLUSIVE MODE")
        cursor.execute("DELETE FROM reports_dailyfigure")
        for statement in _REBUILD:
            cursor.execute(statement, {"tz": settings.TIME_ZONE})
        cursor.execute(
            "INSERT INTO reports_dailyfigure (grain, day, channel, metric, dim, bucket, n, amount) "
            "SELECT 'm', date_trunc('month', day)::date, channel, metric, dim, bucket, sum(n), sum(amount) "
            "FROM reports_dailyfigure WHERE grain = 'd' GROUP BY 2, 3, 4, 5, 6"
        )
        # Counters that net to nothing (a state every case has left) say nothing.
        cursor.execute("DELETE FROM reports_dailyfigure WHERE n = 0 AND amount = 0")
