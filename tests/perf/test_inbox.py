"""The case inbox with 100,000 cases: GET /api/v1/cases/ filtered, 25 a page, against a plain DRF list.

An association of its own (perf-inbox, dropped afterwards) gets 50,000 beneficiaries, 100,000 cases
(SILA_INBOX_BENEFICIARIES, SILA_INBOX_CASES) and one "open" event per case, written by
`INSERT ... SELECT generate_series(...)` (tests/perf/builders.py) and committed, then VACUUM
ANALYZEd (as autovacuum would have). Steps, channels, statuses and due dates are
spread so that every filter returns many pages; about 7,500 cases are overdue for a decision.

Two endpoints are served in process by one WSGI handler with the settings' middleware (tenant
routing first), on the association's host, with a reception employee's personal token
(`Authorization: Bearer ...`) and the settings' persistent connection:

  inbox: GET /api/v1/cases/?<filter>         casework.selectors.case_inbox, rows as the API shapes them;
  plain: GET /perf/plain-cases/?<filter>     a plain DRF ListAPIView over the same table and rows, same
                                             page size and authentication, a five-field ModelSerializer.

For each filter the two are interleaved over several rounds (their order alternating) after a
warm-up. The figures are the median and p95 latency over every timed request, the median of the
rounds' requests/second, and the median of the per-round ratios inbox/plain. Both endpoints must
answer the same page of the same rows as a query written by hand, and the inbox must make as many
queries for 100 rows as for 25. Timings are recorded, never asserted.
"""

from __future__ import annotations

import gc
import io
import json
import os
import statistics
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseBase
from django.test.utils import CaptureQueriesContext
from django.urls import include, path
from django.utils import timezone
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination

from accounts.models import RoleCode, User
from casework import services
from casework.models import SupportCase
from policy_engine.models import PolicyVersion
from tenants import routing
from tenants.db import connection
from tests.casework.conftest import install_policy
from tests.perf import builders

pytestmark = pytest.mark.perf

SLUG = "perf-inbox"
HOST = f"{SLUG}.localhost"
# SILA_INBOX_CASES=5000 SILA_INBOX_BENEFICIARIES=2500 for a quick look (each filter still fills pages).
CASES = int(os.environ.get("SILA_INBOX_CASES", "100000"))
BENEFICIARIES = int(os.environ.get("SILA_INBOX_BENEFICIARIES", "50000"))
PAGE_SIZE = 25
WARMUP = 30  # requests per variant per filter
REQUESTS = 100  # per variant per filter per round
ROUNDS = 8

INBOX_PATH = "/api/v1/cases/"
PLAIN_PATH = "/perf/plain-cases/"

# name -> (query parameters, the same rows as SQL over casework_supportcase)
FILTERS: dict[str, tuple[dict[str, str], str]] = {
    "committee_review_overdue": (
        {"step": "committee_review", "overdue": "true"},
        "status = 'open' AND step = 'committee_review' AND decision_due < now()",
    ),
    "channel_phone": ({"channel": "phone"}, "channel = 'phone'"),
    "step_receive": ({"step": "receive"}, "step = 'receive'"),
}


# --- the plain list -----------------------------------------------------------------------------


class PlainCaseSerializer(serializers.ModelSerializer[SupportCase]):
    class Meta:
        model = SupportCase
        fields = ["id", "status", "step", "channel", "decision_due"]


class PlainPagination(PageNumberPagination):
    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = 100


class PlainCaseList(ListAPIView[SupportCase]):
    """The cheapest honest DRF list: the same rows, the settings' authentication and
    IsAuthenticated, no roles, no joins, no row shaping."""

    serializer_class = PlainCaseSerializer
    pagination_class = PlainPagination

    def get_queryset(self) -> QuerySet[SupportCase]:
        params = self.request.query_params
        qs = SupportCase.objects.order_by("-id")
        if params.get("step"):
            qs = qs.filter(step=params["step"])
        if params.get("channel"):
            qs = qs.filter(channel=params["channel"])
        if params.get("overdue") == "true":
            qs = qs.filter(status="open", step="committee_review", decision_due__lt=timezone.now())
        return qs


# The association's own URLs, and the plain list beside them.
perf_urls = types.ModuleType("perf_inbox_urls")
perf_urls.urlpatterns = [  # type: ignore[attr-defined]
    path(PLAIN_PATH.strip("/") + "/", PlainCaseList.as_view()),
    path("", include("sila.urls.tenant")),
]


class BenchHandler(WSGIHandler):
    """The settings' middleware and the association's URLs plus the plain list."""

    def get_response(self, request: HttpRequest) -> HttpResponseBase:
        request.urlconf = perf_urls  # type: ignore[attr-defined]
        return super().get_response(request)


# --- the data -----------------------------------------------------------------------------------


def _fill(version: PolicyVersion, assignee: User) -> dict[str, float]:
    """Beneficiaries, cases and events by bulk SQL in the current (perf) schema; seconds for each.
    Committee cases are due in 1-30 days, or overdue by 1-30 days, alternately; 1 to 5 revisions."""
    return builders.waiting_inbox_fill(
        name="(ARRAY['محمد','أحمد','فاطمة','نورة','عبدالله','سارة'])[g %% 6 + 1] || ' مستفيد ' || g",
        name_normalized="(ARRAY['محمد','احمد','فاطمه','نوره','عبدالله','ساره'])[g %% 6 + 1] || ' مستفيد ' || g",
        city="'جموم'",
        apart="5 minutes",
        decision_due="""CASE WHEN (g / 20) %% 2 = 0 THEN now() - (g %% 30 + 1) * interval '1 day'
                            ELSE now() + (g %% 30 + 1) * interval '1 day' END""",
        revision="1 + g %% 5",
        open_events=True,
        params={
            "cases": CASES,
            "beneficiaries": BENEFICIARIES,
            "version": version.pk,
            "assignee": assignee.pk,
        },
    )


# --- requests -----------------------------------------------------------------------------------


def _environ(path_info: str, query: dict[str, str], token: str) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path_info,
        "QUERY_STRING": urlencode(query),
        "SERVER_NAME": HOST,
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": HOST,
        "HTTP_ACCEPT": "application/json",
        "HTTP_ACCEPT_LANGUAGE": "ar",
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "HTTP_USER_AGENT": "sila-perf",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def _request(handler: WSGIHandler, environ: dict[str, Any]) -> tuple[str, bytes]:
    statuses: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        statuses.append(status)
        return lambda data: None

    response = handler(dict(environ), start_response)  # a fresh environ each time, as a server gives
    try:
        body = b"".join(response)
    finally:
        response.close()  # fires request_finished, as the WSGI server does
    return statuses[0], body


def _batch(handler: WSGIHandler, environ: dict[str, Any], count: int) -> tuple[float, list[float], int]:
    """Seconds for ``count`` requests, each one's seconds, and how many did not answer 200."""
    latencies: list[float] = []
    failures = 0
    started = time.perf_counter()
    for _ in range(count):
        begun = time.perf_counter()
        status, _body = _request(handler, environ)
        latencies.append(time.perf_counter() - begun)
        if status != "200 OK":
            failures += 1
    return time.perf_counter() - started, latencies, failures


def _json(handler: WSGIHandler, environ: dict[str, Any]) -> dict[str, Any]:
    status, body = _request(handler, environ)
    assert status == "200 OK", (environ["PATH_INFO"], environ["QUERY_STRING"], status, body[:300])
    payload: dict[str, Any] = json.loads(body)
    return payload


def _queries(handler: WSGIHandler, environ: dict[str, Any]) -> list[str]:
    """The request's own queries. Not the ones a process makes now and then, whatever the request:
    the routing epoch check (at most every SILA_ROUTING_RECHECK_SECONDS) and the token's "last
    used" touch (at most once a minute)."""
    with CaptureQueriesContext(connection) as captured:
        _json(handler, environ)
    return [
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].startswith("SELECT") and '"tenants_routingepoch"' not in query["sql"]
    ]


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[94]


def _explain(sql: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, SUMMARY ON) " + sql)
        return [row[0] for row in cursor.fetchall()]


def test_inbox(committed_db: None, perf_record: Callable[[str, dict[str, Any]], Path]) -> None:
    print(f"\n[inbox] provisioning {SLUG} and writing {CASES:,} cases ...")
    begun = time.perf_counter()
    association = builders.association_build(
        slug=SLUG, name_ar="جمعية قياس صندوق الطلبات", name_en="Inbox Benchmark Association"
    )
    assert association.domains.filter(domain=HOST).exists()
    version = install_policy(association, "rumaila")
    reception = builders.staff_member(
        slug=SLUG, key="reception", role=RoleCode.RECEPTION_EMPLOYEE, full_name="ريم"
    )
    _token, plaintext = services.api_token_create(user=reception, name="perf")
    fill_seconds = _fill(version, reception)
    setup_seconds = time.perf_counter() - begun

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM casework_supportcase")
        assert cursor.fetchone()[0] == CASES
        expected: dict[str, tuple[int, list[int]]] = {}
        for name, (_params, where) in FILTERS.items():
            cursor.execute(f"SELECT count(*) FROM casework_supportcase WHERE {where}")
            count = cursor.fetchone()[0]
            cursor.execute(
                f"SELECT id FROM casework_supportcase WHERE {where} ORDER BY id DESC LIMIT {PAGE_SIZE}"
            )
            expected[name] = (count, [row[0] for row in cursor.fetchall()])
            assert count > 10 * PAGE_SIZE, (name, count)
    print(
        f"  set up in {setup_seconds:.1f} s ("
        + ", ".join(f"{key} {value:.1f} s" for key, value in fill_seconds.items())
        + ")"
    )

    handler = BenchHandler()
    routing.clear()
    connection.set_schema_to_public()
    variants = {"inbox": INBOX_PATH, "plain": PLAIN_PATH}
    environs = {
        (name, variant): _environ(path_info, {**params}, plaintext)
        for name, (params, _where) in FILTERS.items()
        for variant, path_info in variants.items()
    }

    # Warm up; both answer the expected page; the inbox's queries do not grow with the page size.
    queries: dict[str, dict[str, int]] = {name: {} for name in FILTERS}
    query_heads: dict[str, dict[str, list[str]]] = {name: {} for name in FILTERS}
    plans: dict[str, dict[str, list[str]]] = {}
    for name, (params, _where) in FILTERS.items():
        count, ids = expected[name]
        for variant in variants:
            environ = environs[(name, variant)]
            _batch(handler, environ, WARMUP)
            payload = _json(handler, environ)
            assert payload["count"] == count, (name, variant, payload["count"], count)
            assert [row["id"] for row in payload["results"]] == ids, (name, variant)
            assert payload["next"]
            for row in payload["results"]:
                for key, value in params.items():
                    if key == "overdue":
                        assert row["step"] == "committee_review" and row["status"] == "open"
                        if variant == "inbox":
                            assert row["overdue"] is True
                    else:
                        assert row[key] == value, (name, variant, row)
            sql = _queries(handler, environ)
            queries[name][variant] = len(sql)
            query_heads[name][variant] = [" ".join(query.split())[:90] for query in sql]
        # The inbox: as many queries for 100 rows as for 25.
        hundred = _environ(INBOX_PATH, {**params, "page_size": "100"}, plaintext)
        payload = _json(handler, hundred)
        assert [row["id"] for row in payload["results"][:PAGE_SIZE]] == ids
        assert len(payload["results"]) == 100
        inbox_sql = _queries(handler, environs[(name, "inbox")])
        assert len(_queries(handler, hundred)) == len(inbox_sql) == queries[name]["inbox"], name
        # The plans of the inbox's queries on the cases table (the count and the page).
        connection.set_tenant(association)
        plans[name] = {
            f"query_{index}": _explain(sql)
            for index, sql in enumerate(inbox_sql)
            if "casework_supportcase" in sql
        }
        connection.set_schema_to_public()

    latencies: dict[str, dict[str, list[float]]] = {name: {v: [] for v in variants} for name in FILTERS}
    rps: dict[str, dict[str, list[float]]] = {name: {v: [] for v in variants} for name in FILTERS}
    failures = 0
    started = time.perf_counter()
    for round_number in range(ROUNDS):
        order = list(variants) if round_number % 2 == 0 else list(reversed(variants))
        for name in FILTERS:
            for variant in order:
                gc.collect()
                seconds, timed, failed = _batch(handler, environs[(name, variant)], REQUESTS)
                failures += failed
                latencies[name][variant].extend(timed)
                rps[name][variant].append(REQUESTS / seconds)
    bench_seconds = time.perf_counter() - started
    assert failures == 0

    results: dict[str, Any] = {}
    for name, (params, _where) in FILTERS.items():
        per_variant = {
            variant: {
                "median_ms": round(1000 * statistics.median(latencies[name][variant]), 2),
                "p95_ms": round(1000 * _p95(latencies[name][variant]), 2),
                "requests_per_second": round(statistics.median(rps[name][variant]), 1),
                "queries_per_request": queries[name][variant],
            }
            for variant in variants
        }
        ratio = statistics.median(
            [mine / plain for mine, plain in zip(rps[name]["inbox"], rps[name]["plain"], strict=True)]
        )
        results[name] = {
            "query": urlencode(params),
            "matching_cases": expected[name][0],
            **per_variant,
            "throughput_inbox_over_plain": round(ratio, 3),
            "targets_met": {
                "p95_at_most_50_ms": per_variant["inbox"]["p95_ms"] <= 50.0,
                "throughput_at_least_half_of_plain": ratio >= 0.5,
            },
            "rounds_requests_per_second": {v: [round(x, 1) for x in rps[name][v]] for v in variants},
        }

    figures = {
        "cases": CASES,
        "beneficiaries": BENEFICIARIES,
        "case_events": CASES,
        "page_size": PAGE_SIZE,
        "endpoints": {"inbox": f"GET {INBOX_PATH} on {HOST}", "plain": f"GET {PLAIN_PATH} (ListAPIView)"},
        "method": "in-process WSGIHandler calls with a Bearer token, inbox and plain interleaved per "
        "filter, order alternating; latency over every timed request, req/s median of rounds",
        "warmup_requests": WARMUP,
        "requests_per_round": REQUESTS,
        "rounds": ROUNDS,
        "conn_max_age": connection.settings_dict.get("CONN_MAX_AGE"),
        "setup_seconds": round(setup_seconds, 1),
        "fill_seconds": {key: round(value, 2) for key, value in fill_seconds.items()},
        "benchmark_seconds": round(bench_seconds, 1),
        "filters": results,
        "queries": query_heads,
        "inbox_query_plans": plans,
    }
    print(f"[inbox] {CASES:,} cases, {ROUNDS} rounds x {REQUESTS} requests per endpoint per filter")
    print(f"  {'filter':26} {'endpoint':8} {'median ms':>10} {'p95 ms':>8} {'req/s':>8} {'queries':>8}")
    for name, result in results.items():
        for variant in variants:
            row = result[variant]
            print(
                f"  {name:26} {variant:8} {row['median_ms']:10.2f} {row['p95_ms']:8.2f} "
                f"{row['requests_per_second']:8.1f} {row['queries_per_request']:8d}"
            )
        print(f"  {'':26} inbox/plain throughput = {result['throughput_inbox_over_plain']:.3f}")
    perf_record("inbox", figures)
