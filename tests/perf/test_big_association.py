"""One big association: the inbox over 1,000,000 cases and the name search over 500,000 beneficiaries.

    make perf-big      # SILA_BIG_CASES / SILA_BIG_BENEFICIARIES change the sizes

An association of its own (perf-big, dropped afterwards) gets SILA_BIG_BENEFICIARIES
beneficiaries (default 500,000) whose Arabic names combine 12 first names, 12 fathers' names and
20 family names (2,880 full names, each shared by about 170 people, as in life), and
SILA_BIG_CASES cases (default 1,000,000) spread over Rumaila's steps and channels, written by
`INSERT ... SELECT generate_series(...)` (tests/perf/builders.py), committed and VACUUM ANALYZEd.
(No case events: the inbox does not read them.) Small sizes for a quick look: the name searches
need at least 72,000 beneficiaries (25 with the full name), the deep page SILA_BIG_DEEP_PAGE x 25
cases.

Served in process through the settings' middleware on perf-big.localhost, with a reception
employee's token, interleaved over rounds after a warm-up, each figure the p95 and median of every
timed request:

- the inbox (GET /api/v1/cases/), page 1 and page 2,000 by page number (`?page=`), and the same
  page 2,000 by its keyset (`?before_id=`, the id of the row before it: no count, no offset);
- the registry's name search (GET /api/v1/beneficiaries/?q=), for a full name (about 170
  people), a family name with a first name (about 2,000), and a common first name (1/12 of all).

Timings are recorded, never asserted; the pages' rows are checked against SQL written by hand, and
the query count of the keyset page against the first page's.
"""

from __future__ import annotations

import gc
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.handlers.wsgi import WSGIHandler

from accounts.models import RoleCode, User
from casework import services
from casework.validators import name_search_form
from policy_engine.models import PolicyVersion
from tenants import routing
from tenants.db import connection
from tests.casework.conftest import install_policy
from tests.perf import builders
from tests.perf.test_inbox import _environ, _explain, _json, _p95, _queries, _request

pytestmark = pytest.mark.perf

SLUG = "perf-big"
CASES = int(os.environ.get("SILA_BIG_CASES", "1000000"))
BENEFICIARIES = int(os.environ.get("SILA_BIG_BENEFICIARIES", "500000"))
PAGE_SIZE = 25
DEEP_PAGE = int(os.environ.get("SILA_BIG_DEEP_PAGE", "2000"))
WARMUP = 5
REQUESTS = 10  # per variant per round
ROUNDS = 4

FIRST = [
    "محمد",
    "أحمد",
    "عبدالله",
    "فاطمة",
    "نورة",
    "سارة",
    "خالد",
    "عائشة",
    "إبراهيم",
    "مريم",
    "يوسف",
    "هند",
]
FATHER = ["عبدالرحمن", "سعد", "ناصر", "فهد", "علي", "حسن", "سليمان", "صالح", "عمر", "منصور", "راشد", "ماجد"]
FAMILY = [
    "الشهري", "القحطاني", "الغامدي", "الزهراني", "العتيبي", "الحربي", "المطيري", "الدوسري", "الشمري", "العنزي",
    "السبيعي", "البقمي", "الجهني", "الرشيدي", "العمري", "المالكي", "الثبيتي", "الحارثي", "اليامي", "الأحمدي",
]  # fmt: skip


def _fill(version: PolicyVersion, assignee: User) -> dict[str, float]:
    """Committee cases fall due from 15 days ago to 14 days ahead; no case events (the inbox does
    not read them)."""
    full = [f"{f} {a} {fam}" for fam in FAMILY for a in FATHER for f in FIRST]
    return builders.waiting_inbox_fill(
        name="(%(full)s::text[])[g %% %(n)s + 1]",
        name_normalized="(%(norm)s::text[])[g %% %(n)s + 1]",
        city="'جدة'",
        apart="1 minute",
        decision_due="now() + (g %% 30 - 15) * interval '1 day'",
        revision="1",
        open_events=False,
        params={
            "full": full,
            "norm": [name_search_form(name) for name in full],
            "n": len(full),
            "cases": CASES,
            "beneficiaries": BENEFICIARIES,
            "version": version.pk,
            "assignee": assignee.pk,
        },
    )


def _timed(handler: WSGIHandler, environ: dict[str, Any], count: int) -> list[float]:
    out = []
    for _ in range(count):
        begun = time.perf_counter()
        status, body = _request(handler, environ)
        out.append(time.perf_counter() - begun)
        assert status == "200 OK", (status, body[:200])
    return out


def test_big_association(committed_db: None, perf_record: Callable[[str, dict[str, Any]], Path]) -> None:
    print(f"\n[big] {CASES:,} cases, {BENEFICIARIES:,} beneficiaries ...")
    begun = time.perf_counter()
    association = builders.association_build(slug=SLUG, name_ar="جمعية كبيرة", name_en="Big Association")
    version = install_policy(association, "rumaila")
    reception = builders.staff_member(
        slug=SLUG, key="reception", role=RoleCode.RECEPTION_EMPLOYEE, full_name="ريم"
    )
    _token, token = services.api_token_create(user=reception, name="perf")
    fill = _fill(version, reception)
    setup_seconds = time.perf_counter() - begun
    print(
        "  set up in {:.0f} s ({})".format(
            setup_seconds, ", ".join(f"{k} {v:.0f} s" for k, v in fill.items())
        )
    )

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM casework_supportcase ORDER BY id DESC LIMIT {PAGE_SIZE}")
        first_ids = [row[0] for row in cursor.fetchall()]
        offset = (DEEP_PAGE - 1) * PAGE_SIZE
        cursor.execute(
            f"SELECT id FROM casework_supportcase ORDER BY id DESC LIMIT {PAGE_SIZE + 1} OFFSET {offset - 1}"
        )
        rows = [row[0] for row in cursor.fetchall()]
        before_id, deep_ids = rows[0], rows[1:]

    handler = WSGIHandler()
    routing.clear()
    connection.set_schema_to_public()
    host = f"{SLUG}.localhost"

    def env(path: str, query: dict[str, str]) -> dict[str, Any]:
        environ = _environ(path, query, token)
        environ["HTTP_HOST"] = environ["SERVER_NAME"] = host
        return environ

    inbox = {
        "page_1": env("/api/v1/cases/", {}),
        f"page_{DEEP_PAGE}": env("/api/v1/cases/", {"page": str(DEEP_PAGE)}),
        f"page_{DEEP_PAGE}_by_keyset": env("/api/v1/cases/", {"before_id": str(before_id)}),
    }
    searches = {
        "full_name": env("/api/v1/beneficiaries/", {"q": "فاطمه سعد الغامدي"}),
        "first_and_family_name": env("/api/v1/beneficiaries/", {"q": "خالد الحربي"}),
        "common_first_name": env("/api/v1/beneficiaries/", {"q": "احمد"}),
    }
    # Right rows; the keyset page costs no more queries than the first page.
    assert [r["id"] for r in _json(handler, inbox["page_1"])["results"]] == first_ids
    assert [r["id"] for r in _json(handler, inbox[f"page_{DEEP_PAGE}"])["results"]] == deep_ids
    keyset = _json(handler, inbox[f"page_{DEEP_PAGE}_by_keyset"])
    assert [r["id"] for r in keyset["results"]] == deep_ids
    assert f"before_id={deep_ids[-1]}" in keyset["next"]
    queries = {name: len(_queries(handler, environ)) for name, environ in {**inbox, **searches}.items()}
    assert queries[f"page_{DEEP_PAGE}_by_keyset"] <= queries["page_1"]
    matches = {}
    for name, environ in searches.items():
        payload = _json(handler, environ)
        matches[name] = payload["count"]
        assert payload["count"] > 0 and len(payload["results"]) == PAGE_SIZE, (name, payload["count"])
    assert matches["full_name"] < matches["first_and_family_name"] < matches["common_first_name"]

    variants = {**inbox, **searches}
    timings: dict[str, list[float]] = {name: [] for name in variants}
    for environ in variants.values():
        _timed(handler, environ, WARMUP)
    for round_number in range(ROUNDS):
        names = list(variants) if round_number % 2 == 0 else list(reversed(variants))
        for name in names:
            gc.collect()
            timings[name] += _timed(handler, variants[name], REQUESTS)

    # The plans of the queries each request really ran on the big tables (the count and the page).
    plans: dict[str, list[list[str]]] = {}
    for name, environ in variants.items():
        sql = [
            q
            for q in _queries(handler, environ)
            if "casework_supportcase" in q or "casework_beneficiary" in q
        ]
        connection.set_tenant(association)
        plans[name] = [_explain(query) for query in sql if "casework_" in query.split(" FROM ", 1)[-1][:40]]
        connection.set_schema_to_public()
    connection.set_schema_to_public()
    figures: dict[str, Any] = {
        "cases": CASES,
        "beneficiaries": BENEFICIARIES,
        "setup_seconds": round(setup_seconds, 1),
        "fill_seconds": {k: round(v, 1) for k, v in fill.items()},
        "requests_per_variant": len(timings["page_1"]),
        "results": {
            name: {
                "p95_ms": round(1000 * _p95(values), 1),
                "median_ms": round(1000 * statistics.median(values), 1),
                "queries": queries[name],
                **({"matching": matches[name]} if name in matches else {}),
            }
            for name, values in timings.items()
        },
        "plans": plans,
    }
    for name, result in figures["results"].items():
        p95, median, count = result["p95_ms"], result["median_ms"], result["queries"]
        print(f"  {name:28} p95 {p95:8.1f} ms  median {median:8.1f} ms  {count} queries")
    perf_record("big_association", figures)
