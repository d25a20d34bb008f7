"""Sign-up speed: from a verified email to the new association answering its first page, through
the real path (the verification commits and defers the job; a procrastinate worker process picks
it up and provisions; the association's host then answers), against a baseline measured in the
same run: provisioning alone (tenants.services.association_provision, cloning). Then 20 sign-ups
at once, all verified together: every one finishes, and 20 racing for one subdomain leave one.

The worker keeps ``SPARES`` spare schemas (tenants.spares; ``SILA_BENCH_SPARES``, 2 by default as
in production; 0 measures the cloning path): the pool is filled before the first measured sign-up
and refilled by the worker after each, while the benchmark provisions its baseline association,
as it would be between two real sign-ups. Each sign-up's time is split into its phases from the
sign-up's own timestamps: waiting for the worker, provisioning, and the first page.

Figures go to .sila/perf/signup_speed.json (or signup_speed_spares_0.json); no timing is asserted.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import close_old_connections, connections
from django.test import Client

from audit.models import AuditEvent
from signup import services
from signup.models import Signup, SignupStatus
from tenants.db import connection
from tenants.models import Association
from tenants.services import association_provision
from tenants.spares import spare_names, spares_refill

pytestmark = pytest.mark.perf

K = 7
CONCURRENT = 20
SPARES = int(os.environ.get("SILA_BENCH_SPARES", "2"))
PASSWORD = "Zayt-w-Zaatar-2026"


def _data(slug: str) -> dict[str, Any]:
    return {
        "name_ar": "جمعية قياس",
        "name_en": "Benchmark Charity",
        "sector": "social_services",
        "region": "riyadh",
        "admin_name": "مدير",
        "admin_email": f"admin@{slug}.test",
        "password": PASSWORD,
        "slug": slug,
        "template": "rumaila",
        "accept_terms": True,
    }


@pytest.fixture
def worker(committed_db: None) -> Iterator[subprocess.Popen[bytes]]:
    """A procrastinate worker on the perf database (the sign-up queue only)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sila.settings.test",
        "SILA_DB_NAME": str(connection.settings_dict["NAME"]),
        "PYTHONPATH": os.pathsep.join([str(settings.BASE_DIR), str(Path(settings.BASE_DIR) / "platform")]),
        "SILA_SPARE_SCHEMAS": str(SPARES),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            str(Path(settings.BASE_DIR) / "manage.py"),
            "procrastinate",
            "worker",
            "--queues",
            "signups",
            "--concurrency",
            "2",
        ],
        env=env,
    )
    Signup.objects.filter(slug__startswith="perf-").delete()
    yield process
    process.terminate()
    process.wait(timeout=30)
    Signup.objects.filter(slug__startswith="perf-").delete()
    spares_refill(wanted=0)


def _signup(slug: str) -> str:
    services.signup_create(data=_data(slug))
    token = "t-" + slug
    Signup.objects.filter(slug=slug, status=SignupStatus.PENDING_VERIFICATION).update(
        verification_sha256=services._sha(token)
    )
    return token


def _wait_for_spares(wanted: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while len(spare_names()) < wanted and time.monotonic() < deadline:
        time.sleep(0.05)


def _phases(slug: str, total: float) -> dict[str, Any]:
    """Where a sign-up's time went, from its own row: queue wait, provisioning, the rest."""
    connection.set_schema_to_public()  # the site's first page left the connection in its schema
    signup = Signup.objects.get(slug=slug)
    assert signup.verified_at and signup.provisioning_started_at and signup.seconds is not None
    queued = (signup.provisioning_started_at - signup.verified_at).total_seconds()
    event = AuditEvent.objects.filter(
        action="association.provisioned", changes__admin_email__new=f"admin@{slug}.test"
    )
    return {
        "total": total,
        "worker_pickup": queued,
        "provisioning": signup.seconds,
        "first_page_and_polling": total - queued - signup.seconds,
        "method": event.get().changes["method"]["new"],
    }


def _first_page_after_verification(slug: str, token: str, timeout: float = 60.0) -> float:
    started = time.perf_counter()
    signup = services.signup_verify(token=token)
    platform = Client(HTTP_HOST="localhost")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = platform.get(f"/api/v1/signups/{signup.pk}/").json()
        if state["status"] == "active":
            break
        assert state["status"] == "provisioning", state
        time.sleep(0.02)
    response = Client(HTTP_HOST=f"{slug}.localhost").get("/")
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, slug
    return elapsed


def test_signup_speed(
    committed_db: None, worker: subprocess.Popen[bytes], perf_record: Callable[[str, dict[str, Any]], Path]
) -> None:
    spares_refill(wanted=SPARES)
    tokens = {f"perf-s{i}": _signup(f"perf-s{i}") for i in range(K + 1)}
    _first_page_after_verification("perf-s0", tokens.pop("perf-s0"))  # warm-up
    association_provision(slug="perf-b0", name_ar="أ", name_en="B", admin_email="a@b0.test")  # warm-up

    signup_times: list[float] = []
    baseline_times: list[float] = []
    phases: list[dict[str, Any]] = []
    for index, (slug, token) in enumerate(tokens.items()):
        started = time.perf_counter()
        association_provision(
            slug=f"perf-b{index + 1}", name_ar="أ", name_en="B", admin_email=f"a@b{index}.test"
        )
        baseline_times.append(time.perf_counter() - started)
        _wait_for_spares(SPARES)  # refilled by the worker (the baseline above usually covers it)
        signup_times.append(_first_page_after_verification(slug, token))
        phases.append(_phases(slug, signup_times[-1]))

    # 20 at once: created and verified from 20 threads, provisioned by the worker.
    slugs = [f"perf-c{i}" for i in range(CONCURRENT)]
    race_results: list[str] = []
    lock = threading.Lock()

    def create(slug: str) -> None:
        close_old_connections()
        try:
            token = _signup(slug)
            services.signup_verify(token=token)
        finally:
            connections.close_all()

    def race(index: int) -> None:
        close_old_connections()
        try:
            services.signup_create(data={**_data("perf-race"), "admin_email": f"r{index}@race.test"})
            outcome = "won"
        except Exception as exc:
            outcome = (
                getattr(exc, "problems", [None])[0].code if getattr(exc, "problems", None) else repr(exc)
            )
        finally:
            connections.close_all()
        with lock:
            race_results.append(outcome)

    started = time.perf_counter()
    threads = [threading.Thread(target=create, args=(s,)) for s in slugs]
    threads += [threading.Thread(target=race, args=(i,)) for i in range(CONCURRENT)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        pending = Signup.objects.filter(slug__in=slugs).exclude(
            status__in=[SignupStatus.ACTIVE, SignupStatus.FAILED]
        )
        if not pending.exists():
            break
        time.sleep(0.2)
    concurrent_seconds = time.perf_counter() - started
    statuses = sorted(Signup.objects.filter(slug__in=slugs).values_list("status", flat=True))
    assert statuses == [SignupStatus.ACTIVE] * CONCURRENT
    assert Association.objects.filter(slug__in=slugs).count() == CONCURRENT
    assert sorted(race_results) == ["taken"] * (CONCURRENT - 1) + ["won"]
    assert Signup.objects.filter(slug="perf-race").count() == 1

    signup_median = statistics.median(signup_times)
    baseline_median = statistics.median(baseline_times)
    phase_medians = {
        name: round(statistics.median(p[name] for p in phases), 3)
        for name in ("worker_pickup", "provisioning", "first_page_and_polling")
    }
    figures = {
        "spare_schemas": SPARES,
        "provisioning_methods": sorted({p["method"] for p in phases}),
        "phase_medians_s": phase_medians,
        "verified_email_to_first_page_median_s": round(signup_median, 3),
        "verified_email_to_first_page_s": [round(t, 3) for t in signup_times],
        "baseline_provision_only_median_s": round(baseline_median, 3),
        "ratio_signup_over_provision": round(signup_median / baseline_median, 2),
        "concurrent_signups": CONCURRENT,
        "concurrent_all_active_s": round(concurrent_seconds, 2),
        "race_for_one_subdomain": {"won": race_results.count("won"), "taken": race_results.count("taken")},
        "target": "median <= 1 s",
    }
    perf_record("signup_speed" if SPARES else f"signup_speed_spares_{SPARES}", figures)
    print(figures)
