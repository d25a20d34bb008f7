"""`make chaos`: faults injected into a real, local Sila (its own embedded PostgreSQL under a
temporary directory, gunicorn with the production configuration, a procrastinate worker).

1. a worker killed (SIGKILL) in the middle of a job, 20 times: every job completes, each message
   is recorded exactly once;
2. 50 concurrent writers across the five associations, PostgreSQL restarted under that load:
   every acknowledged write is stored, the next requests succeed without restarting Sila;
3. connection exhaustion: the same load with a small pool: answers (at worst 503 + Retry-After),
   never "too many clients", and the server's connections stay within the pool;
4. disk full on upload: the web server may write at most a few kilobytes (RLIMIT_FSIZE): the upload
   is refused with an error answer, nothing half-stored;
5. the demo's own server (`manage.py demo`: Django's development server, its worker, with the
   demo's default pool) under the same 50 concurrent writers: answers, never "too many clients",
   nothing acknowledged lost, connections bounded; then SIGTERM stops it and its worker.

`SILA_CHAOS_ONLY=demo_server_under_load` (names as in the report, comma-separated) runs only those.

Bounded (a few minutes), local only (loopback and a unix socket). Prints a report and writes it to
test-artifacts/chaos.json; exits non-zero if an expectation fails.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
KILLS = int(os.environ.get("SILA_CHAOS_KILLS", "20"))
WRITERS = int(os.environ.get("SILA_CHAOS_WRITERS", "50"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def luhn_id(n: int) -> str:
    nine = f"1{n:08d}"
    for check in "0123456789":
        total = 0
        for index, char in enumerate(reversed(nine + check)):
            digit = int(char) * (2 if index % 2 else 1)
            total += digit - 9 if digit > 9 else digit
        if total % 10 == 0:
            return nine + check
    raise AssertionError


class Sila:
    def __init__(self, work: Path) -> None:
        self.work = work
        self.port = free_port()
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SILA_DB_NAME")},
            "SILA_STATE_DIR": str(work / "state"),
            "SILA_MEDIA_ROOT": str(work / "media"),
            "DJANGO_SETTINGS_MODULE": "sila.settings.dev",
            "SILA_DEBUG": "false",
            "SILA_SMS_BACKEND": "tests.chaos.slow_sms.SlowSmsBackend",
            "SILA_CHAOS_SMS_FILE": str(work / "sms.jsonl"),
            "SILA_WORKER_HEARTBEAT_SECONDS": "1",
            "SILA_WORKER_STALLED_SECONDS": "4",
            "SILA_STALLED_JOBS_CRON": "* * * * * */2",
            "SILA_DB_POOL_SIZE": "8",
            "SILA_DB_POOL_TIMEOUT": "5",
            "SILA_BAD_TOKEN_LIMIT": "100000",
            "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'platform'}",
        }
        self.manage = [sys.executable, str(ROOT / "manage.py")]
        self.processes: list[subprocess.Popen[bytes]] = []
        self.worker: subprocess.Popen[bytes] | None = None
        self.web: subprocess.Popen[bytes] | None = None

    # --- processes ---------------------------------------------------------------------------

    @property
    def credentials(self) -> Path:
        return self.work / "credentials.json"

    def setup(self) -> dict[str, Any]:
        credentials = self.credentials
        subprocess.run(
            [
                *self.manage,
                "demo",
                "--no-serve",
                "--port",
                str(self.port),
                "--credentials-file",
                str(credentials),
            ],
            env=self.env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            timeout=900,
        )
        return dict(json.loads(credentials.read_text(encoding="utf-8")))

    def start_web(self, *, extra_env: dict[str, str] | None = None, fsize: int | None = None) -> None:
        log = (self.work / "web.log").open("a")

        def limit() -> None:
            if fsize is not None:
                resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

        self.web = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "-c",
                str(ROOT / "deploy" / "gunicorn.conf.py"),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "2",
                "--threads",
                "8",
                "--access-logfile",
                "/dev/null",
            ],
            env={**self.env, **(extra_env or {})},
            cwd=ROOT,
            stdout=log,
            stderr=log,
            preexec_fn=limit,
        )
        self.processes.append(self.web)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError((self.work / "web.log").read_text()[-3000:])

    def stop_web(self) -> None:
        if self.web is not None:
            self.web.terminate()
            self.web.wait(timeout=30)
            self.web = None

    def start_worker(self) -> None:
        log = (self.work / "worker.log").open("a")
        self.worker = subprocess.Popen(
            [*self.manage, "procrastinate", "worker"], env=self.env, cwd=ROOT, stdout=log, stderr=log
        )
        self.processes.append(self.worker)

    def kill_worker(self) -> None:
        assert self.worker is not None
        self.worker.send_signal(signal.SIGKILL)
        self.worker.wait()

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()

    # --- HTTP and SQL ------------------------------------------------------------------------

    def call(
        self,
        method: str,
        slug: str,
        path: str,
        token: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any, dict[str, str]]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            data=data,
            method=method,
            headers={
                "Host": f"{slug}.localhost:{self.port}",
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
                "Accept-Language": "en",
                **(headers or {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
                return answer.status, json.loads(answer.read() or b"null"), dict(answer.headers)
        except urllib.error.HTTPError as error:
            raw = error.read()
            try:
                payload = json.loads(raw)
            except ValueError:
                payload = raw.decode(errors="replace")[:200]
            return error.code, payload, dict(error.headers)

    def sql(self, query: str, params: Any = ()) -> list[tuple[Any, ...]]:
        import psycopg

        from sila import embedded_db

        server = embedded_db.ensure_running(keep_running=True)
        with psycopg.connect(
            host=server.socket_dir, user=server.user, dbname="sila", autocommit=True
        ) as conn:
            cursor = conn.execute(query, params)
            return list(cursor.fetchall()) if cursor.description else []


def _tokens(credentials: dict[str, Any]) -> dict[str, str]:
    return {
        a["slug"]: next(x["api_token"] for x in a["logins"] if x["email"].startswith("admin@"))
        for a in credentials["associations"]
    }


# --- 1. worker killed mid-job ----------------------------------------------------------------


def killed_worker(sila: Sila, tokens: dict[str, str]) -> dict[str, Any]:
    slug = "jamoum"
    token = tokens[slug]
    status, effective, _ = sila.call("GET", slug, "/api/v1/policy/effective", token)
    assert status == 200, effective
    channel = effective["channels"][0]["code"]
    # The answers a demo applicant gives to this policy's intake form (as the demo's requests do).
    from sila.demo_intake import SAMPLES

    codes = {field["code"] for field in effective["intake_form"]["fields"]}
    intake = max((sample for sample in SAMPLES.values() if set(sample) <= codes), key=len, default={})
    schema = sila.sql("SELECT schema_name FROM tenants_association WHERE slug = %s", [slug])[0][0]
    # The demo's sample requests queued messages of their own: not part of this experiment.
    sila.sql("DELETE FROM procrastinate_jobs WHERE status = 'todo'")
    sila.start_worker()
    cases: list[int] = []
    case_of_phone: dict[str, int] = {}
    kills = 0
    started = time.monotonic()
    for n in range(KILLS):
        national_id = luhn_id(70_000_000 + n + int(time.time()) % 1_000_000 * 10)
        status, person, _ = sila.call(
            "POST",
            slug,
            "/api/v1/beneficiaries/",
            token,
            {"national_id": national_id, "full_name_ar": f"مستفيد تجربة {n}", "phone": f"05500{n:05d}"},
        )
        assert status == 201, person
        status, case, _ = sila.call(
            "POST",
            slug,
            "/api/v1/cases/",
            token,
            {"beneficiary": person["id"], "channel": channel, "intake": intake},
        )
        assert status == 201, case
        cases.append(case["id"])
        case_of_phone[f"5500{n:05d}"] = case["id"]  # the mobile's last nine digits
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            rows = sila.sql(
                "SELECT status FROM procrastinate_jobs WHERE task_name LIKE %s AND args->>'case_id' = %s "
                "AND args->>'schema_name' = %s",
                ["%request_received", str(case["id"]), schema],
            )
            if rows and rows[0][0] == "doing":
                break
            time.sleep(0.05)
        else:
            raise AssertionError(f"the job for case {case['id']} never started")
        time.sleep(0.3)  # inside the slow send
        sila.kill_worker()
        kills += 1
        sila.start_worker()
    # Every job done: none left waiting, running or failed.
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        left = sila.sql(
            "SELECT status, count(*) FROM procrastinate_jobs WHERE task_name LIKE %s "
            "AND args->>'schema_name' = %s GROUP BY status",
            ["%request_received", schema],
        )
        if not [row for row in left if row[0] in ("todo", "doing")]:
            break
        time.sleep(0.5)
    elapsed = time.monotonic() - started
    failed = sila.sql(
        "SELECT count(*) FROM procrastinate_jobs WHERE task_name LIKE %s AND status = 'failed' "
        "AND args->>'schema_name' = %s",
        ["%request_received", schema],
    )[0][0]
    recorded = dict(
        sila.sql(
            f'SELECT case_id, count(*) FROM "{schema}".casework_notification '
            "WHERE kind = 'request_received' AND case_id = ANY(%s) GROUP BY case_id",
            [cases],
        )
    )
    # Sends completed, by case: each experiment's applicant has a mobile of their own (the body
    # names the request by its tracking reference when it has one, so the number is the key).
    sent: Counter[int] = Counter()
    sms_file = sila.work / "sms.jsonl"
    for line in sms_file.read_text(encoding="utf-8").splitlines() if sms_file.exists() else []:
        case_id = case_of_phone.get(json.loads(line)["to"][-9:])
        if case_id is not None:
            sent[case_id] += 1
    exactly_once = sum(1 for case_id in cases if recorded.get(case_id) == 1)
    return {
        "fault": f"worker killed with SIGKILL in the middle of a job, {kills} times",
        "command": "make chaos",
        "expected": f"{kills} of {kills} jobs completed, each message recorded exactly once and sent",
        "kills": kills,
        "jobs_completed_exactly_once": exactly_once,
        "jobs_failed": failed,
        "messages_recorded": sum(recorded.values()),
        "sms_sends_completed": sum(sent.get(c, 0) for c in cases),
        "cases_sent_more_than_once": sorted(c for c in cases if sent.get(c, 0) > 1),
        "seconds": round(elapsed, 1),
        "ok": exactly_once == kills and failed == 0 and all(sent.get(c, 0) >= 1 for c in cases),
    }


# --- 2 & 3. concurrent writers, with and without a PostgreSQL restart -------------------------


def writers(
    sila: Sila, tokens: dict[str, str], *, seconds: float, restart_at: float | None
) -> dict[str, Any]:
    slugs = sorted(tokens)
    acknowledged: list[tuple[str, str]] = []
    statuses: Counter[str] = Counter()
    too_many_clients = 0
    retry_after_missing = 0
    lock = threading.Lock()
    stop = threading.Event()
    max_connections = 0
    base = int(time.time() * 1000) % 10_000_000
    counter = iter(range(10_000_000))
    after_restart_ok = 0
    restarted_at: list[float] = []
    answered_in: list[float] = []

    def writer(index: int) -> None:
        nonlocal too_many_clients, retry_after_missing, after_restart_ok
        slug = slugs[index % len(slugs)]
        while not stop.is_set():
            with lock:
                n = next(counter)
            national_id = luhn_id(20_000_000 + (base + n) % 60_000_000)
            begun = time.monotonic()
            try:
                status, body, headers = sila.call(
                    "POST",
                    slug,
                    "/api/v1/beneficiaries/",
                    tokens[slug],
                    {"national_id": national_id, "full_name_ar": f"كاتب {index} رقم {n}"},
                    headers={"Idempotency-Key": str(uuid.uuid4())},
                )
                with lock:
                    answered_in.append(time.monotonic() - begun)
            except OSError as exc:
                with lock:
                    statuses[f"connection error ({exc.__class__.__name__})"] += 1
                time.sleep(0.2)
                continue
            with lock:
                statuses[str(status)] += 1
                if status == 201:
                    acknowledged.append((slug, national_id))
                    if restarted_at and time.monotonic() > restarted_at[0] + 5:
                        after_restart_ok += 1
                if "too many clients" in json.dumps(body, ensure_ascii=False):
                    too_many_clients += 1
                if status == 503 and "Retry-After" not in headers:
                    retry_after_missing += 1
            if status == 503:
                time.sleep(0.5)

    def sampler() -> None:
        nonlocal max_connections
        while not stop.is_set():
            try:
                count = sila.sql("SELECT count(*) FROM pg_stat_activity WHERE datname = 'sila'")[0][0]
                max_connections = max(max_connections, int(count))
            except Exception:  # noqa: S110 - the server may be restarting
                pass
            time.sleep(0.2)

    threads = [threading.Thread(target=writer, args=(i,), daemon=True) for i in range(WRITERS)]
    threads.append(threading.Thread(target=sampler, daemon=True))
    started = time.monotonic()
    for thread in threads:
        thread.start()
    if restart_at is not None:
        time.sleep(restart_at)
        from pgserver._commands import pg_ctl  # type: ignore[attr-defined]

        from sila import embedded_db

        pg_ctl(["-w", "restart", "-m", "fast"], pgdata=embedded_db.PGDATA, user=embedded_db._system_user())
        restarted_at.append(time.monotonic())
        time.sleep(max(0.0, seconds - restart_at))
    else:
        time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    # Every acknowledged write is stored.
    lost = 0
    by_slug: dict[str, list[str]] = {}
    for slug, national_id in acknowledged:
        by_slug.setdefault(slug, []).append(national_id)
    for slug, ids in by_slug.items():
        schema = sila.sql("SELECT schema_name FROM tenants_association WHERE slug = %s", [slug])[0][0]
        found = {
            row[0]
            for row in sila.sql(
                f'SELECT national_id FROM "{schema}".casework_beneficiary WHERE national_id = ANY(%s)',
                [ids],
            )
        }
        lost += len(set(ids) - found)
    result = {
        "writers": WRITERS,
        "associations": len(slugs),
        "seconds": round(time.monotonic() - started, 1),
        "answers": dict(statuses),
        "acknowledged_writes": len(acknowledged),
        "acknowledged_writes_lost": lost,
        "too_many_clients_errors": too_many_clients,
        "503_without_retry_after": retry_after_missing,
        "max_database_connections_seen": max_connections,
        "answers_per_second": round(len(answered_in) / max(seconds, 1), 1),
        "answer_ms_p50_p95_max": _percentiles_ms(answered_in),
    }
    if restart_at is not None:
        result["writes_acknowledged_from_5s_after_restart"] = after_restart_ok
    server_errors = sum(v for k, v in statuses.items() if k.startswith("5") and k != "503")
    unanswered = sum(v for k, v in statuses.items() if k.startswith("connection error"))
    result["ok"] = (
        lost == 0
        and unanswered == 0
        and too_many_clients == 0
        and retry_after_missing == 0
        and server_errors == 0
        and len(acknowledged) > 0
        and (restart_at is None or after_restart_ok > 0)
    )
    return result


def _percentiles_ms(seconds: list[float]) -> list[int]:
    if not seconds:
        return []
    ordered = sorted(seconds)
    return [round(1000 * ordered[int(q * (len(ordered) - 1))]) for q in (0.5, 0.95, 1.0)]


# --- 4. disk full on upload ------------------------------------------------------------------


def disk_full(sila: Sila, tokens: dict[str, str]) -> dict[str, Any]:
    slug = "rumaila"
    token = tokens[slug]
    schema = sila.sql("SELECT schema_name FROM tenants_association WHERE slug = %s", [slug])[0][0]
    sila.stop_web()
    # The web server may write files of at most 64 KB (a full disk, as far as an upload can tell).
    sila.start_web(fsize=64 * 1024)
    national_id = luhn_id(99_000_000 + int(time.time()) % 900_000)
    status, person, _ = sila.call(
        "POST",
        slug,
        "/api/v1/beneficiaries/",
        token,
        {"national_id": national_id, "full_name_ar": "رافع ملف"},
    )
    assert status == 201, person
    before = sila.sql(f'SELECT count(*) FROM "{schema}".casework_beneficiarydocument')[0][0]
    media = Path(sila.env["SILA_MEDIA_ROOT"])
    files_before = {p for p in media.rglob("*") if p.is_file()}
    pdf = b"%PDF-1.4\n" + b"0" * (1024 * 1024) + b"\n%%EOF\n"
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + pdf
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        f"http://127.0.0.1:{sila.port}/api/v1/beneficiaries/{person['id']}/documents/",
        data=body,
        method="POST",
        headers={
            "Host": f"{slug}.localhost:{sila.port}",
            "Authorization": f"Bearer {token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Accept-Language": "en",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
            status, payload = answer.status, answer.read().decode()[:300]
    except urllib.error.HTTPError as error:
        status, payload = error.code, error.read().decode(errors="replace")[:300]
    after = sila.sql(f'SELECT count(*) FROM "{schema}".casework_beneficiarydocument')[0][0]
    partial = sorted(str(p) for p in media.rglob("*") if p.is_file() and p not in files_before)
    healthy, _, _ = sila.call("GET", slug, "/api/v1/cases/", token)
    sila.stop_web()
    sila.start_web()
    return {
        "fault": "disk full on upload (the web server may write at most 64 KB: RLIMIT_FSIZE)",
        "command": "make chaos",
        "expected": "a 507 JSON answer, no document row, no half-written file, the server keeps serving",
        "status": status,
        "answer": payload,
        "document_rows_added": after - before,
        "partial_files_left": partial,
        "server_answers_afterwards": healthy,
        "ok": status == 507 and after == before and not partial and healthy == 200,
    }


# --- 5. the demo's own server under load ----------------------------------------------------


def _session_pids(session: int) -> list[int]:
    """The processes of a session (the demo started in one of its own): its server, its worker."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == session:  # after the name: state, ppid, pgrp, session
            pids.append(int(stat.parent.name))
    return pids


def demo_server_under_load(sila: Sila, tokens: dict[str, str], credentials: Path) -> dict[str, Any]:
    """`manage.py demo` as a newcomer runs it (Django's development server, a thread per request,
    the default pool of SILA_DB_POOL_SIZE=10 connections, its supervised worker), alone on the
    database (the gunicorn server is stopped), under the same writers as the production server."""
    sila.stop_web()
    port = free_port()
    env = {
        k: v
        for k, v in sila.env.items()
        if k not in ("SILA_DEBUG", "SILA_DB_POOL_SIZE", "SILA_DB_POOL_TIMEOUT")
    }
    log = (sila.work / "demo.log").open("a")
    demo = subprocess.Popen(
        [*sila.manage, "demo", "--port", str(port), "--credentials-file", str(credentials)],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    sila.processes.append(demo)
    web_port = sila.port
    sila.port = port
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and demo.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            raise RuntimeError((sila.work / "demo.log").read_text()[-3000:])
        load = writers(sila, tokens, seconds=20, restart_at=None)
    finally:
        sila.port = web_port
    children = _session_pids(demo.pid)
    demo.send_signal(signal.SIGTERM)
    try:
        code: int | None = demo.wait(timeout=60)
    except subprocess.TimeoutExpired:
        code = None
    time.sleep(1)
    left = sorted(set(children) & set(_session_pids(demo.pid)))
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    sila.start_web()
    return {
        "fault": f"{WRITERS} concurrent writers against the demo's own server (`manage.py demo`: "
        "Django's development server, the default pool of 10 connections, its worker)",
        "command": "SILA_CHAOS_ONLY=demo_server_under_load make chaos",
        "expected": "every request answered (at worst 503 + Retry-After), never 'too many clients', "
        "0 acknowledged writes lost, connections bounded by the pool; SIGTERM stops the server and "
        "its worker",
        **load,
        "sigterm_exit_code": code,
        "processes_left_after_sigterm": len(left),
        "ok": bool(load["ok"]) and code is not None and not left,
    }


STEPS = (
    "worker_killed_mid_job",
    "connection_exhaustion",
    "postgresql_restarted_under_load",
    "disk_full_on_upload",
    "demo_server_under_load",
)


def main() -> int:
    only = [name for name in os.environ.get("SILA_CHAOS_ONLY", "").split(",") if name]
    unknown = sorted(set(only) - set(STEPS))
    if unknown:
        print(f"unknown SILA_CHAOS_ONLY step(s): {', '.join(unknown)}; the steps: {', '.join(STEPS)}")
        return 2
    steps = only or list(STEPS)
    work = Path(tempfile.mkdtemp(prefix="sila-chaos-"))
    os.environ["SILA_STATE_DIR"] = str(work / "state")
    sys.path[:0] = [str(ROOT), str(ROOT / "platform")]
    from sila import embedded_db

    sila = Sila(work)
    report: dict[str, Any] = {}

    def record(name: str, result: dict[str, Any]) -> None:
        report[name] = result
        print(json.dumps(result, ensure_ascii=False, indent=1), flush=True)

    try:
        embedded_db.ensure_running(keep_running=True)
        tokens = _tokens(sila.setup())
        sila.start_web()
        if "worker_killed_mid_job" in steps:
            record("worker_killed_mid_job", killed_worker(sila, tokens))
        if "connection_exhaustion" in steps:
            load = writers(sila, tokens, seconds=20, restart_at=None)
            record(
                "connection_exhaustion",
                {
                    "fault": f"{WRITERS} concurrent writers across the associations, 2 web processes x 8 "
                    "threads, a pool of 8 connections each",
                    "command": "make chaos",
                    "expected": "every request answered (at worst 503 + Retry-After), never 'too many "
                    "clients', connections bounded by the pools",
                    **load,
                },
            )
        if "postgresql_restarted_under_load" in steps:
            restart = writers(sila, tokens, seconds=30, restart_at=8)
            record(
                "postgresql_restarted_under_load",
                {
                    "fault": f"PostgreSQL restarted (pg_ctl restart -m fast) under {WRITERS} concurrent writers",
                    "command": "make chaos",
                    "expected": "requests in flight fail cleanly (503), the next succeed without restarting "
                    "Sila, 0 acknowledged writes lost",
                    **restart,
                },
            )
        if "disk_full_on_upload" in steps:
            record("disk_full_on_upload", disk_full(sila, tokens))
        if "demo_server_under_load" in steps:
            record("demo_server_under_load", demo_server_under_load(sila, tokens, sila.credentials))
    finally:
        sila.stop_all()
        embedded_db.stop()
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "chaos.json").write_text(json.dumps(report, ensure_ascii=False, indent=1))
        for name in ("web.log", "worker.log", "demo.log"):
            if (work / name).exists():
                shutil.copy(work / name, ARTIFACTS / f"chaos-{name}")
        shutil.rmtree(work, ignore_errors=True)
    failed = [name for name in steps if not report.get(name, {}).get("ok")]
    print("chaos:", "all expectations met" if not failed else f"FAILED: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
