"""The API is a contract: schemathesis (all checks) against a live Sila, from docs/openapi.yaml.

A real server and database of its own (like the browser tests), the demo's data, an
administrator's fresh token. Bounded: ``SILA_FUZZ_EXAMPLES`` examples per operation (25) and
``SILA_FUZZ_MAX_TIME`` seconds (240); `make fuzz` runs deeper. 0 failures expected.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml
from psycopg import sql

from tests.e2e.conftest import ARTIFACTS, ROOT, _admin_connection, _free_port

DB_NAME = f"sila_contract_{os.environ.get('SILA_TEST_DB_SUFFIX', '') or os.getpid()}"
SLUG = "jamoum"


def _portal_operations() -> tuple[str, ...]:
    """The beneficiary's own operations answer a portal token (a person signed in with a texted
    code): those the schema secures with ``portalToken``, so a new one is fuzzed with the right
    token without being listed here."""
    schema = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text(encoding="utf-8"))
    return tuple(
        sorted(
            operation["operationId"]
            for path in schema["paths"].values()
            for operation in path.values()
            if isinstance(operation, dict)
            and any("portalToken" in requirement for requirement in operation.get("security", []))
        )
    )


PORTAL_OPERATIONS = _portal_operations()


def _portal_token(manage: list[str], env: dict[str, str], port: int) -> str:
    """Sign a demo beneficiary of the association in as the portal does: ask for a code, let the
    worker text it (to the SMS file), read it there and exchange it for a portal token."""
    phone = (
        subprocess.run(
            [
                *manage,
                "shell",
                "-c",
                "from tenants.db import connection\n"
                "from tenants.models import Association\n"
                "from casework.models import Beneficiary\n"
                f"connection.set_tenant(Association.objects.get(slug={SLUG!r}))\n"
                "print(Beneficiary.objects.exclude(phone_e164='').order_by('pk')"
                ".values_list('phone_e164', flat=True).first())\n",
            ],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )
        .stdout.strip()
        .splitlines()[-1]
    )  # after the shell's own "objects imported" line
    assert phone.startswith("+966"), phone

    def post(path: str, body: dict[str, str]) -> dict[str, Any]:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{path}",
            data=json.dumps(body).encode(),
            headers={"Host": f"{SLUG}.localhost:{port}", "Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - loopback http
            return dict(json.loads(answer.read()))

    post("/api/v1/public/otp/", {"phone": phone})
    subprocess.run(
        [*manage, "procrastinate", "worker", "--one-shot"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=300,
    )
    texts = [json.loads(line) for line in Path(env["SILA_SMS_FILE"]).read_text(encoding="utf-8").splitlines()]
    code = re.findall(r"\d{6}", [t["body"] for t in texts if t["to"] == phone][-1])[-1]
    return str(post("/api/v1/public/otp/verify/", {"phone": phone, "code": code})["token"])


def test_the_api_keeps_its_contract(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tests.e2e.conftest.DB_NAME", DB_NAME)
    admin, db_env = _admin_connection()
    admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DB_NAME)))
    admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DB_NAME)))
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SILA_DB_NAME")},
        **db_env,
        "DJANGO_SETTINGS_MODULE": "sila.settings.e2e",
        "SILA_SMS_FILE": str(tmp_path / "sms.jsonl"),
        # schemathesis sends bad and missing tokens on purpose; left at 20 a minute, the throttle of
        # bad tokens answered most operations 429 and hid them from the run.
        "SILA_BAD_TOKEN_LIMIT": "1000000",
        # Likewise the cross-association check's hourly limit per employee (tests/privacy proves
        # it): at 30 an hour the check answered mostly 429 and went untested.
        "SILA_CROSSCHECK_PER_HOUR": "1000000",
        "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'platform'}",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    credentials_file = tmp_path / "credentials.json"
    log = (tmp_path / "server.log").open("w")
    server = None
    try:
        subprocess.run(
            [*manage, "demo", "--no-serve", "--port", str(port), "--credentials-file", str(credentials_file)],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            timeout=900,
        )
        credentials = json.loads(credentials_file.read_text(encoding="utf-8"))
        association = next(a for a in credentials["associations"] if a["slug"] == SLUG)
        token = next(
            login["api_token"] for login in association["logins"] if login["email"].startswith("admin@")
        )
        server = subprocess.Popen(
            [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=log,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, (
                    tmp_path / "server.log"
                ).read_text()
                time.sleep(0.3)
        portal_token = _portal_token(manage, env, port)
        report = tmp_path / "schemathesis.txt"

        def fuzz(bearer: str, *selection: str) -> subprocess.CompletedProcess[bytes]:
            with report.open("a") as out:
                return subprocess.run(
                    [
                        str(Path(sys.executable).parent / "schemathesis"),
                        "--config-file",
                        str(Path(__file__).with_name("schemathesis.toml")),
                        "run",
                        str(ROOT / "docs" / "openapi.yaml"),
                        "--url",
                        f"http://127.0.0.1:{port}",
                        "-H",
                        f"Host: {SLUG}.localhost:{port}",
                        "-H",
                        f"Authorization: Bearer {bearer}",
                        "--checks",
                        "all",
                        "--phases",
                        "examples,coverage,fuzzing",
                        "--max-examples",
                        os.environ.get("SILA_FUZZ_EXAMPLES", "25"),
                        "--max-time",
                        os.environ.get("SILA_FUZZ_MAX_TIME", "240"),
                        "--workers",
                        "2",
                        "--generation-deterministic",
                        # Revoking a token: the run's own would be among those it tries (the isolation
                        # grid and the token tests cover this operation).
                        *selection,
                    ],
                    cwd=ROOT,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    timeout=int(os.environ.get("SILA_FUZZ_MAX_TIME", "240")) + 300,
                    check=False,
                )

        def fuzz_once_more_on_interpreter_crash(bearer: str, *selection: str) -> str:
            # CPython 3.11's ast.parse can crash inside Hypothesis ("AST constructor recursion depth
            # mismatch", a bug of the interpreter, not of the API); such a run reports an error and
            # no failure, and is run once more. Any failure of the API is never retried.
            report.write_text("")
            run = fuzz(bearer, *selection)
            first = report.read_text()
            if run.returncode != 0 and "recursion depth mismatch" in first and "= FAILURES =" not in first:
                report.write_text("")
                run = fuzz(bearer, *selection)
            output = report.read_text()
            ARTIFACTS.mkdir(exist_ok=True)
            with (ARTIFACTS / "schemathesis.txt").open("a") as artifact:
                artifact.write(output)
            assert run.returncode == 0, output[-6000:]
            return output

        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "schemathesis.txt").write_text("")
        # The beneficiary's own list answers a portal token (a person signed in with a texted code),
        # not a staff token: it gets a run of its own with one.
        portal = fuzz_once_more_on_interpreter_crash(
            portal_token, *(arg for op in PORTAL_OPERATIONS for arg in ("--include-operation-id", op))
        )
        assert "401 Unauthorized (" not in portal, portal[-3000:]
        output = fuzz_once_more_on_interpreter_crash(
            token,
            # Revoking a token: the run's own would be among those it tries (the isolation grid and
            # the token tests cover this operation).
            "--exclude-operation-id",
            "v1_tokens_destroy",
            *(arg for op in PORTAL_OPERATIONS for arg in ("--exclude-operation-id", op)),
        )
        # The token really works: no operation answered it only 401, and only these answered only 403.
        assert "401 Unauthorized (" not in output, output[-3000:]
        forbidden_only = re.findall(r"403 Forbidden \(\d+ operations?\):\n((?:  - .+\n)+)", output)
        forbidden = {line.strip() for block in forbidden_only for line in block.splitlines()}
        # No other operation may answer the administrator's token only 403: voting is for board
        # members (the run signs in as the administrator); creating a token and changing a member's
        # roles re-authenticate, and a token's request must carry the user's password or a current
        # authenticator code, which no generator knows. (Each may also answer 400, 404 or 429.)
        assert forbidden <= {
            "- POST /api/v1/policy/versions/{number}/votes",
            "- POST /api/v1/tokens/",
            "- PATCH /api/v1/staff/{id}/",
            # Seating an account and inviting for a seat re-authenticate too.
            "- PATCH /api/v1/policy/board/seats/{id}/",
            "- POST /api/v1/policy/board/seats/{id}/invitation",
        }, output[-3000:]
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        log.close()
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy(tmp_path / "server.log", ARTIFACTS / "contract-server.log")
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DB_NAME)))
        admin.close()
