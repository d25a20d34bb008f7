"""Sign-up speed: from a verified email to the new association answering its first page, through
the real path (the verification commits and defers the job; a procrastinate worker process picks
it up and provisions; the association's host then answers), against a baseline measured in the
same run: provisioning alone (tenants.services.association_provision, cloning). Then 20 sign-ups
at once, all verified together: every one finishes, and 20 racing for one subdomain leave one.

Figures go to .sila/perf/signup_speed.json; no timing is asserted.
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

from signup import services
from signup.models import Signup, SignupStatus
from tenants.db import connection
from tenants.models import Association
from tenants.services import association_provision

pytestmark = pytest.mark.perf

K = 7
CONCURRENT = 20
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


def _signup(slug: str) -> str:
    services.signup_create(data=_data(slug))
    token = "t-" + slug
    Signup.objects.filter(slug=slug, status=SignupStatus.PENDING_VERIFICATION).update(
        verification_sha256=services._sha(token)
    )
    return token


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
    tokens = {f"perf-s{i}": _signup(f"perf-s{i}") for i in range(K + 1)}
    _first_page_after_verification("perf-s0", tokens.pop("perf-s0"))  # warm-up
    association_provision(slug="perf-b0", name_ar="أ", name_en="B", admin_email="a@b0.test")  # warm-up

    signup_times: list[float] = []
    baseline_times: list[float] = []
    for index, (slug, token) in enumerate(tokens.items()):
        started = time.perf_counter()
        association_provision(
            slug=f"perf-b{index + 1}", name_ar="أ", name_en="B", admin_email=f"a@b{index}.test"
        )
        baseline_times.append(time.perf_counter() - started)
        signup_times.append(_first_page_after_verification(slug, token))

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
    figures = {
        "verified_email_to_first_page_median_s": round(signup_median, 3),
        "verified_email_to_first_page_s": [round(t, 3) for t in signup_times],
        "baseline_provision_only_median_s": round(baseline_median, 3),
        "ratio_signup_over_provision": round(signup_median / baseline_median, 2),
        "concurrent_signups": CONCURRENT,
        "concurrent_all_active_s": round(concurrent_seconds, 2),
        "race_for_one_subdomain": {"won": race_results.count("won"), "taken": race_results.count("taken")},
        "target": "median <= 1 s",
    }
    perf_record("signup_speed", figures)
    print(figures)
