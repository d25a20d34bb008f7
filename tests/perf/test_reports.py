"""Reports over 100,000 and 1,000,000 cases in one association: the summary API and the dashboard
for a year and for a month, p50/p95 and query counts, against a baseline measured in the same run.

For each size an association of its own (perf-reports-<n>, dropped afterwards) gets Jamoum's policy
and n cases spread over three years, written by `INSERT ... SELECT generate_series(...)`: the
events of every step each case reached, referrals, committee votes, decisions (some past the
review window), services and ratings (tests/perf/builders.py writes the beneficiaries' and cases'
rows). The daily figures are then rebuilt from those rows (timed: what `figures_rebuild` costs at
that size), and the tables VACUUM ANALYZEd.

Measured, in process through the WSGI handler with the settings' middleware, 5 warm-up requests
then REQUESTS timed ones each:

  api_year / api_month     GET /api/v1/reports/summary/?from=..&to=..  (admin's Bearer token)
  page_year / page_month   GET /staff/reports/?from=..&to=..            (admin's session)
  api_year_new_connection  api_year with a new database connection for every request (the
                           variants above keep one, as production's pool does)
  baseline_year            one aggregate over the cases themselves: requests opened in the year by
                           channel (SQL, no HTTP): what a single figure costs without the daily
                           figures, with the index a report would use.

The summary must agree with counts written by hand in SQL, and make as many queries for a year as
for a month (asserted). Timings are recorded in .sila/perf/reports.json, never asserted.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import RoleCode, User
from casework import services
from casework.reports.rollup import figures_rebuild
from policy_engine.models import PolicyVersion
from tenants import routing
from tenants.db import connection
from tenants.models import Association
from tests.casework.conftest import install_policy
from tests.conftest import enrol_if_required
from tests.perf import builders
from tests.perf.conftest import drop_perf_associations
from tests.perf.test_inbox import _batch, _environ, _explain, _json, _p95, _request

pytestmark = pytest.mark.perf

# SILA_PERF_REPORT_SIZES=20000 for a quick look; the default is the two sizes.
SIZES = tuple(int(s) for s in os.environ.get("SILA_PERF_REPORT_SIZES", "100000,1000000").split(","))
# Keep the associations built (with --reuse-db) and measure them again on the next run.
KEEP = os.environ.get("SILA_PERF_REPORT_KEEP", "") == "1"
REQUESTS = 30
WARMUP = 5
DAYS = 3 * 365
STEPS = ["receive", "verify", "refer", "attest", "committee_review", "register", "serve"]
# A case's state (see _fill's cases): closed, or submitted to the committee at some point.
CLOSED = "state IN ('served','rejected','withdrawn')"
SUBMITTED = "state IN ('served','rejected','committee_review','register','serve')"
# What _fill writes (in casework_...), VACUUM ANALYZEd with the daily figures rebuilt from them.
TABLES = [
    "beneficiary",
    "supportcase",
    "caseevent",
    "decision",
    "committeevote",
    "referral",
    "servicedelivery",
    "satisfactionrating",
]


def _fill(n: int, version: PolicyVersion, staff: dict[str, User]) -> dict[str, float]:
    """n cases over the last three years and what their steps leave behind; seconds per table."""
    params = {
        "n": n,
        "days": DAYS,
        "channels": builders.CHANNELS,
        "steps": STEPS,
        "version": version.pk,
        "reception": staff["reception"].pk,
        "c1": staff["c1"].pk,
        "c2": staff["c2"].pk,
        "c3": staff["c3"].pk,
    }
    statements = {
        "beneficiaries": builders.beneficiaries_sql(
            count="%(n)s / 2",
            national_id="lpad(g::text, 10, '0')",
            name="'مستفيد ' || g",
            name_normalized="'مستفيد ' || g",
            phone="''",
            gender="''",
            city="''",
            registered="now()",
        ),
        # State by g % 20: 11 closed (7 served, 3 rejected, 1 withdrawn), 9 open over the steps.
        # Reached step index (1-based in STEPS) follows from the state.
        "cases": builders.cases_sql(
            spread="""
                SELECT g, now() - (%(n)s - g) * (%(days)s * interval '1 day') / %(n)s AS created,
                       (ARRAY['served','served','served','served','served','served','served',
                              'rejected','rejected','rejected','withdrawn',
                              'receive','verify','refer','attest','committee_review','committee_review',
                              'register','serve','serve'])[g %% 20 + 1] AS state
                FROM generate_series(1, %(n)s) AS g
            """,
            columns={
                "beneficiary_id": "b.first + (g * 7) %% (%(n)s / 2)",
                "channel": "(%(channels)s::text[])[g %% 7 + 1]",
                "policy_version_id": "%(version)s",
                "status": f"CASE WHEN {CLOSED} THEN 'closed' ELSE 'open' END",
                "step": """CASE state WHEN 'served' THEN 'serve' WHEN 'rejected' THEN 'committee_review'
                              WHEN 'withdrawn' THEN 'verify' ELSE state END""",
                "outcome": f"CASE WHEN {CLOSED} THEN state ELSE '' END",
                "closed_reason": "''",
                "assigned_to_id": "NULL",
                "referral_target": "'social_research_officer'",
                "deciding_body": "'research_committee'",
                "submitted_for_decision_at": f"CASE WHEN {SUBMITTED} THEN created + interval '2 days' END",
                "decision_due": f"CASE WHEN {SUBMITTED} THEN created + interval '2 days' + interval '14 days' END",
                "revision": "5",
                "opened_by_id": "%(reception)s",
                "created_at": "created",
                "updated_at": "created",
                "closed_at": """CASE WHEN state IN ('served','withdrawn') THEN created + interval '12 days'
                        WHEN state = 'rejected' THEN created + interval '2 days' + (g %% 480) * interval '1 hour'
                   END""",
                "intake": "'{}'::jsonb",
            },
        ),
        "decisions": """
            INSERT INTO casework_decision (case_id, body, outcome, reason, minutes, votes_accept, votes_reject,
                quorum, decided_by_id, decided_at)
            SELECT id, 'research_committee', CASE WHEN outcome = 'rejected' THEN 'rejected' ELSE 'accepted' END,
                   '', 'محضر', 2, 0, 2, %(c1)s,
                   coalesce(CASE WHEN outcome = 'rejected' THEN closed_at END,
                            submitted_for_decision_at + (id %% 480) * interval '1 hour')
            FROM casework_supportcase
            WHERE outcome IN ('served', 'rejected') OR (status = 'open' AND step IN ('register', 'serve'))
            """,
        "votes": """
            INSERT INTO casework_committeevote (case_id, member_id, choice, reason, cast_at)
            SELECT d.case_id, m.member, CASE WHEN d.outcome = 'accepted' THEN 'accept' ELSE 'reject' END, 'سبب',
                   c.submitted_for_decision_at + (d.decided_at - c.submitted_for_decision_at) * m.share
            FROM casework_decision d JOIN casework_supportcase c ON c.id = d.case_id
            CROSS JOIN LATERAL (VALUES ((ARRAY[%(c1)s, %(c2)s, %(c3)s])[d.case_id %% 3 + 1], 0.4),
                                       ((ARRAY[%(c1)s, %(c2)s, %(c3)s])[(d.case_id + 1) %% 3 + 1], 0.8))
                 AS m(member, share)
            """,
        "referrals": """
            INSERT INTO casework_referral (case_id, target, question, asked_by_id, asked_at, answer, answered_by_id,
                answered_at)
            SELECT id, 'social_research_officer', 'سؤال', %(reception)s, created_at + interval '1 day', 'إجابة',
                   NULL, created_at + interval '1 day' + (id %% 96) * interval '1 hour'
            FROM casework_supportcase WHERE id %% 5 < 2 AND step NOT IN ('receive', 'verify')
            """,
        # One event per step entered (and the "open"), then the referral, vote and decide events.
        "events": """
            INSERT INTO casework_caseevent (case_id, actor_id, action, from_step, to_step, data, created_at)
            SELECT c.id, %(reception)s, CASE WHEN i = 1 THEN 'open' ELSE 'complete' END,
                   CASE WHEN i = 1 THEN '' ELSE (%(steps)s::text[])[i - 1] END, (%(steps)s::text[])[i], '{}'::jsonb,
                   c.created_at + (i - 1) * interval '10 hours'
            FROM casework_supportcase c
            CROSS JOIN LATERAL generate_series(1, array_position(%(steps)s::text[], c.step)) AS i
            UNION ALL
            SELECT r.case_id, %(reception)s, 'refer', 'refer', 'refer',
                   '{"target": "social_research_officer"}'::jsonb, r.asked_at
            FROM casework_referral r
            UNION ALL
            SELECT v.case_id, v.member_id, 'vote', 'committee_review', 'committee_review', '{}'::jsonb, v.cast_at
            FROM casework_committeevote v
            """,
        "services": """
            INSERT INTO casework_servicedelivery (case_id, kind, amount, description, delivered_on, employee_id,
                created_at)
            SELECT id, (ARRAY['cash','rent','bills','food_basket'])[id %% 4 + 1],
                   CASE WHEN id %% 4 = 3 THEN NULL ELSE 500 + (id %% 20) * 100 END, '',
                   (closed_at AT TIME ZONE 'Asia/Riyadh')::date, %(reception)s, closed_at
            FROM casework_supportcase WHERE outcome = 'served'
            """,
        "ratings": """
            INSERT INTO casework_satisfactionrating (case_id, service_id, score, comment, employee_id,
                recorded_by_id, created_at)
            SELECT c.id, s.id, 1 + (c.id * 7) %% 5, CASE WHEN c.id %% 9 = 0 THEN 'خدمة ممتازة' ELSE '' END,
                   %(reception)s, NULL, c.closed_at + interval '1 day'
            FROM casework_supportcase c JOIN casework_servicedelivery s ON s.case_id = c.id
            WHERE c.outcome = 'served' AND c.id %% 10 < 7
            """,
    }
    seconds = {name: round(value, 1) for name, value in builders.timed_fill(statements, params).items()}
    begun = time.perf_counter()
    figures_rebuild()
    seconds["figures_rebuild"] = round(time.perf_counter() - begun, 1)
    tables = [f"casework_{name}" for name in TABLES] + ["reports_dailyfigure"]
    seconds["vacuum_analyze"] = round(builders.vacuum_analyze(tables), 1)
    return seconds


def _session_environ(path: str, query: dict[str, str], host: str, cookie: str) -> dict[str, Any]:
    environ = _environ(path, query, "")
    environ.pop("HTTP_AUTHORIZATION")
    environ.update(
        {"HTTP_HOST": host, "SERVER_NAME": host, "HTTP_COOKIE": cookie, "HTTP_ACCEPT": "text/html"}
    )
    return environ


def _stats(latencies: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(_p95(latencies) * 1000, 1),
    }


def _measure_size(n: int) -> dict[str, Any]:
    slug = f"perf-reports-{n // 1000}k"
    host = f"{slug}.localhost"
    begun = time.perf_counter()
    if KEEP and Association.objects.filter(slug=slug).exists():
        # Built by an earlier run (SILA_PERF_REPORT_KEEP=1 and --reuse-db): measure it again.
        association = builders.association_enter(slug)
        admin = User.objects.get(email=f"admin@{slug}.test")
        _token, plaintext = services.api_token_create(user=admin, name="perf")
        fill: dict[str, float] = {"reused": 0.0}
    else:
        association, admin, plaintext, fill = _build(n, slug)
    setup_seconds = round(time.perf_counter() - begun, 1)
    return _measure(n, association, admin, plaintext, host, fill, setup_seconds)


def _build(n: int, slug: str) -> tuple[Association, User, str, dict[str, float]]:
    association = builders.association_build(
        slug=slug, name_ar="جمعية قياس التقارير", name_en="Reports Benchmark"
    )
    version = install_policy(association, "jamoum")
    staff = {
        key: builders.staff_member(slug=slug, key=key, role=role, full_name=key)
        for key, role in (
            ("reception", RoleCode.RECEPTION_EMPLOYEE),
            ("c1", RoleCode.COMMITTEE_MEMBER),
            ("c2", RoleCode.COMMITTEE_MEMBER),
            ("c3", RoleCode.COMMITTEE_MEMBER),
        )
    }
    admin = enrol_if_required(User.objects.get(email=f"admin@{slug}.test"))  # admins hold a second factor
    _token, plaintext = services.api_token_create(user=admin, name="perf")
    return association, admin, plaintext, _fill(n, version, staff)


def _measure(
    n: int,
    association: Association,
    admin: User,
    plaintext: str,
    host: str,
    fill: dict[str, float],
    setup_seconds: float,
) -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM reports_dailyfigure")
        figure_rows = cursor.fetchone()[0]

    today = timezone.localdate()
    year = {"from": (today - dt.timedelta(days=364)).isoformat(), "to": today.isoformat()}
    first = today.replace(day=1) - dt.timedelta(days=1)
    month = {"from": first.replace(day=1).isoformat(), "to": first.isoformat()}
    # What the figures must say, counted by hand over the cases.
    expected = {}
    with connection.cursor() as cursor:
        for name, period in (("year", year), ("month", month)):
            cursor.execute(
                "SELECT count(*) FROM casework_supportcase WHERE (created_at AT TIME ZONE 'Asia/Riyadh')::date "
                "BETWEEN %s AND %s",
                [period["from"], period["to"]],
            )
            expected[name] = cursor.fetchone()[0]

    client = Client(HTTP_HOST=host)
    client.force_login(admin)
    cookie = "; ".join(f"{k}={v.value}" for k, v in client.cookies.items())
    handler = WSGIHandler()
    routing.clear()
    connection.set_schema_to_public()
    environs = {
        "api_year": _environ("/api/v1/reports/summary/", year, plaintext),
        "api_month": _environ("/api/v1/reports/summary/", month, plaintext),
        "page_year": _session_environ("/staff/reports/", year, host, cookie),
        "page_month": _session_environ("/staff/reports/", month, host, cookie),
    }
    for environ in environs.values():
        if "HTTP_AUTHORIZATION" in environ:
            environ.update({"HTTP_HOST": host, "SERVER_NAME": host})
    for name in ("year", "month"):
        payload = _json(handler, environs[f"api_{name}"])
        assert payload["opened"]["total"] == expected[name], (
            n,
            name,
            payload["opened"]["total"],
            expected[name],
        )
        assert payload["window"]["decided"] > 0
    queries = {}
    slowest: dict[str, list[str]] = {}
    slow_sql: list[str] = []
    for name, environ in environs.items():
        _request(handler, environ)  # a session's first request writes it once (second factor checked)
        with CaptureQueriesContext(connection) as captured:
            status, _body = _request(handler, environ)
        assert status == "200 OK", (name, status)
        own = [q for q in captured.captured_queries if '"tenants_routingepoch"' not in q["sql"]]
        queries[name] = len(own)
        ranked = sorted(own, key=lambda q: -float(q["time"]))
        slowest[name] = [
            f"{float(q['time']) * 1000:.0f} ms: {' '.join(q['sql'].split())[:160]}" for q in ranked[:4]
        ]
        if name == "api_year":
            slow_sql = [q["sql"] for q in ranked[:2]]
    connection.set_tenant(association)
    plans = {f"query_{i}": _explain(sql) for i, sql in enumerate(slow_sql)}
    connection.set_schema_to_public()
    assert queries["api_year"] == queries["api_month"], queries
    assert queries["page_year"] == queries["page_month"], queries

    timings: dict[str, Any] = {}
    # Production keeps its connections in a pool (sila.settings.base.database_pool). The test
    # settings turn the pool off, so Django would close the connection after every request and the
    # next one would pay a new PostgreSQL backend with cold catalogue caches. The variants are
    # timed on one connection kept across requests, as the pool keeps it; what a new connection
    # per request costs is timed once beside them (api_year_new_connection).
    _batch(handler, environs["api_year"], WARMUP)
    _seconds, latencies, failures = _batch(handler, environs["api_year"], REQUESTS)
    assert failures == 0, "api_year_new_connection"
    timings["api_year_new_connection"] = _stats(latencies)
    conn_max_age = connection.settings_dict["CONN_MAX_AGE"]
    connection.settings_dict["CONN_MAX_AGE"] = None
    try:
        for name, environ in environs.items():
            _batch(handler, environ, WARMUP)
            _seconds, latencies, failures = _batch(handler, environ, REQUESTS)
            assert failures == 0, name
            timings[name] = _stats(latencies)
    finally:
        connection.settings_dict["CONN_MAX_AGE"] = conn_max_age
    # The baseline: one figure (requests by channel in the year) counted over the cases themselves.
    connection.set_tenant(association)
    latencies = []
    with connection.cursor() as cursor:
        for index in range(WARMUP + REQUESTS):
            started = time.perf_counter()
            cursor.execute(
                "SELECT channel, count(*) FROM casework_supportcase WHERE created_at >= %s AND created_at < %s "
                "GROUP BY channel",
                [
                    timezone.make_aware(dt.datetime.fromisoformat(year["from"])),
                    timezone.make_aware(dt.datetime.fromisoformat(year["to"])) + dt.timedelta(days=1),
                ],
            )
            cursor.fetchall()
            if index >= WARMUP:
                latencies.append(time.perf_counter() - started)
    timings["baseline_year"] = _stats(latencies)
    connection.set_schema_to_public()
    base = timings["baseline_year"]["p95_ms"]
    return {
        "cases": n,
        "cases_in_year": expected["year"],
        "cases_in_month": expected["month"],
        "daily_figure_rows": figure_rows,
        "setup_seconds": setup_seconds,
        "fill_seconds": fill,
        "queries": queries,
        "slowest_queries": slowest,
        "plans_of_the_two_slowest_year_queries": plans,
        "timings": timings,
        "p95_ratio_to_baseline": {k: round(v["p95_ms"] / base, 2) for k, v in timings.items() if base},
    }


@pytest.fixture
def reports_db(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """Committed writes, as committed_db; with SILA_PERF_REPORT_KEEP=1 the perf associations are
    kept for the next run (use --reuse-db): a million cases are built once."""
    if not KEEP:
        with django_db_blocker.unblock():
            drop_perf_associations()
    with django_db_blocker.unblock():
        assert str(connection.settings_dict["NAME"]).startswith("test_")
        try:
            yield
        finally:
            if not KEEP:
                drop_perf_associations()


def test_reports(reports_db: None, perf_record: Callable[[str, dict[str, Any]], Path]) -> None:
    results = []
    for n in SIZES:
        print(f"\n[reports] {n:,} cases ...")
        result = _measure_size(n)
        results.append(result)
        print(
            f"  set up in {result['setup_seconds']} s {result['fill_seconds']}; {result['daily_figure_rows']:,} "
            f"daily figure rows; queries {result['queries']}"
        )
        for line in result["slowest_queries"]["api_year"]:
            print(f"    {line}")
        for plan in result["plans_of_the_two_slowest_year_queries"].values():
            print("\n".join("      " + line for line in plan))
        for name, figures in result["timings"].items():
            print(f"  {name:14s} p50 {figures['p50_ms']:7.1f} ms   p95 {figures['p95_ms']:7.1f} ms")
    perf_record("reports", {"requests_per_variant": REQUESTS, "sizes": results})
