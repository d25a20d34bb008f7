"""Routing throughput: what choosing the schema by host name costs a small JSON endpoint.

The same endpoint (GET /api/v1/meta on alpha.localhost) is served three ways, in process, by
calling a WSGI handler with a prepared environ, exactly as a WSGI server would (request_started /
request_finished fire, so Django's persistent-connection and health-check logic runs):

  (a) sila:  the settings' middleware, led by tenants.middleware.TenantRoutingMiddleware;
  (b) stock: the same stack led by django-tenants' TenantMainMiddleware instead;
  (c) plain: the same stack without any tenant middleware, the connection fixed on alpha's schema
             beforehand (the handler only sets request.tenant, so the view answers the same body).

The variants are interleaved over several rounds (their order rotating) after a warm-up; the
figures are the median requests/second and the median of the per-round ratios to (c).
"""

from __future__ import annotations

import gc
import io
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest, HttpResponseBase
from django.test.utils import CaptureQueriesContext, override_settings

from tenants import routing
from tenants.db import connection
from tenants.models import Association

pytestmark = pytest.mark.perf

HOST = "alpha.localhost"
PATH = "/api/v1/meta"
WARMUP = 300
REQUESTS = 1000  # per variant per round
ROUNDS = 15

SILA_MIDDLEWARE = "tenants.middleware.TenantRoutingMiddleware"
STOCK_MIDDLEWARE = "django_tenants.middleware.main.TenantMainMiddleware"


class FixedSchemaHandler(WSGIHandler):
    """Plain Django: no tenant middleware. The connection's schema is set once, outside the
    request; the handler only hands the view the association, as the tenant middlewares do."""

    def __init__(self, association: Association) -> None:
        super().__init__()
        self.association = association

    def get_response(self, request: HttpRequest) -> HttpResponseBase:
        request.tenant = self.association  # type: ignore[attr-defined]
        return super().get_response(request)


def _build(middleware: list[str], factory: Callable[[], WSGIHandler]) -> WSGIHandler:
    # The handler reads MIDDLEWARE once, when it is built.
    with override_settings(MIDDLEWARE=middleware):
        return factory()


def _environ(host: str, path: str) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": host,
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": host,
        "HTTP_ACCEPT": "application/json",
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
        return lambda data: None  # the WSGI write() callable, unused by Django

    response = handler(dict(environ), start_response)  # a fresh environ each time, as a server gives
    try:
        body = b"".join(response)
    finally:
        response.close()  # fires request_finished, as the WSGI server does
    return statuses[0], body


def _batch(handler: WSGIHandler, environ: dict[str, Any], count: int) -> tuple[float, int]:
    """Seconds for `count` requests, and how many did not answer 200."""
    failures = 0
    started = time.perf_counter()
    for _ in range(count):
        status, _body = _request(handler, environ)
        if status != "200 OK":
            failures += 1
    return time.perf_counter() - started, failures


def test_routing_throughput(committed_db: None, perf_record: Callable[[str, dict[str, Any]], Path]) -> None:
    alpha = Association.objects.get(slug="alpha")
    assert alpha.domains.filter(domain=HOST).exists()  # the stock middleware needs the Domain row
    base = list(settings.MIDDLEWARE)
    assert base[0] == SILA_MIDDLEWARE
    common = base[1:]

    def fix_schema() -> None:
        connection.set_tenant(alpha)

    variants: dict[str, tuple[WSGIHandler, Callable[[], None]]] = {
        "sila": (_build(base, WSGIHandler), lambda: None),
        "stock": (_build([STOCK_MIDDLEWARE, *common], WSGIHandler), lambda: None),
        "plain": (_build(common, lambda: FixedSchemaHandler(alpha)), fix_schema),
    }
    environ = _environ(HOST, PATH)
    routing.clear()
    connection.set_schema_to_public()

    # Warm up, check each variant answers the right body, and count its queries.
    queries: dict[str, int] = {}
    for name, (handler, prepare) in variants.items():
        prepare()
        _batch(handler, environ, WARMUP)
        status, body = _request(handler, environ)
        assert status == "200 OK", (name, status, body[:300])
        payload = json.loads(body)
        assert payload["association"] == {
            "slug": "alpha",
            "name_ar": alpha.name_ar,
            "name_en": alpha.name_en,
        }, name
        assert payload["language"] == settings.LANGUAGE_CODE
        assert payload["server_time"]
        with CaptureQueriesContext(connection) as captured:
            _request(handler, environ)
        queries[name] = len(captured.captured_queries)

    names = list(variants)
    rps: dict[str, list[float]] = {name: [] for name in names}
    failures = 0
    for round_number in range(ROUNDS):
        order = names[round_number % len(names) :] + names[: round_number % len(names)]
        for name in order:
            handler, prepare = variants[name]
            prepare()
            gc.collect()
            seconds, failed = _batch(handler, environ, REQUESTS)
            failures += failed
            rps[name].append(REQUESTS / seconds)
    assert failures == 0

    medians = {name: statistics.median(values) for name, values in rps.items()}
    ratios = {
        f"{name}/plain": statistics.median(
            [mine / plain for mine, plain in zip(rps[name], rps["plain"], strict=True)]
        )
        for name in ("sila", "stock")
    }
    figures = {
        "endpoint": f"GET {PATH} on {HOST}",
        "method": "in-process WSGIHandler calls, variants interleaved, median of rounds",
        "warmup_requests": WARMUP,
        "requests_per_round": REQUESTS,
        "rounds": ROUNDS,
        "conn_max_age": connection.settings_dict.get("CONN_MAX_AGE"),
        "conn_health_checks": connection.settings_dict.get("CONN_HEALTH_CHECKS"),
        "requests_per_second": {name: round(value, 1) for name, value in medians.items()},
        "microseconds_per_request": {name: round(1e6 / value, 1) for name, value in medians.items()},
        "ratios": {key: round(value, 3) for key, value in ratios.items()},
        "queries_per_request": queries,
        "rounds_requests_per_second": {name: [round(v, 1) for v in values] for name, values in rps.items()},
    }
    print(f"\n[routing] {figures['endpoint']}: {ROUNDS} rounds x {REQUESTS} requests per variant")
    print(f"  {'variant':8} {'req/s':>9} {'us/req':>8} {'queries':>8}")
    for name in names:
        print(f"  {name:8} {medians[name]:9.0f} {1e6 / medians[name]:8.1f} {queries[name]:8d}")
    print(f"  sila/plain = {ratios['sila/plain']:.3f}   stock/plain = {ratios['stock/plain']:.3f}")
    perf_record("routing_throughput", figures)
