"""A real Sila for browser tests: its own database, the demo set up in it, the web server and the
background worker as separate processes, and Debian's Chromium driven by Playwright.

Chromium comes from Debian's `chromium` package (`make test` installs it where it can); under
CI=true a missing browser fails the run instead of skipping it.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("SILA_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
DB_NAME = f"sila_e2e_{os.environ.get('SILA_TEST_DB_SUFFIX', '') or os.getpid()}"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _admin_connection() -> tuple[psycopg.Connection[Any], dict[str, str]]:
    """A connection to the server's maintenance database, and the env that points Sila at DB_NAME."""
    url = os.environ.get("DATABASE_URL")
    if url:
        parts = urlsplit(url)
        admin = psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True)
        return admin, {"DATABASE_URL": urlunsplit(parts._replace(path=f"/{DB_NAME}"))}
    from sila import embedded_db

    server = embedded_db.ensure_running()
    admin = psycopg.connect(host=server.socket_dir, user=server.user, dbname="postgres", autocommit=True)
    return admin, {"SILA_DB_NAME": DB_NAME}


@dataclass
class LiveSila:
    port: int
    credentials: dict[str, Any]
    sms_file: Path
    server_log: Path
    stripe_url: str
    env: dict[str, str] | None = None

    def manage(self, *args: str) -> str:
        """Run a management command against the live Sila's database (e.g. to set up a scene)."""
        done = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), *args],
            env=self.env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
            timeout=300,
        )
        return done.stdout

    def url(self, slug: str | None, path: str = "/") -> str:
        host = f"{slug}.localhost" if slug else "localhost"
        return f"http://{host}:{self.port}{path}"

    def login(self, slug: str, prefix: str) -> dict[str, Any]:
        association = next(a for a in self.credentials["associations"] if a["slug"] == slug)
        return next(entry for entry in association["logins"] if entry["email"].startswith(f"{prefix}@"))

    def text_messages(self) -> list[dict[str, str]]:
        if not self.sms_file.exists():
            return []
        return [json.loads(line) for line in self.sms_file.read_text(encoding="utf-8").splitlines() if line]


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        message = f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="session")
def live_sila(chromium_path: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSila]:
    work = tmp_path_factory.mktemp("e2e")
    admin, db_env = _admin_connection()
    admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DB_NAME)))
    admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DB_NAME)))
    port = _free_port()
    from casework.sms_standin import GatewayStandin

    # Text messages go through the real Taqnyat backend to the stand-in gateway, which writes each
    # one it accepts to sms.jsonl (the beneficiary's phone, for the tests to read), then reports
    # its delivery to the platform's callback, as the real gateway does.
    gateway = GatewayStandin(
        token="e2e-token",
        senders=("Sila",),
        outbox=work / "sms.jsonl",
        dlr_url=f"http://localhost:{port}/sms/delivery-reports/",
        dlr_token="e2e-dlr-secret",
    ).start()
    # localstripe (the fake Stripe) beside the server: billing is on, webhooks come back signed.
    from billing.fake_stripe import FakeStripe

    fake_stripe = FakeStripe().start()
    fake_stripe.register_webhook(f"http://localhost:{port}/billing/stripe/webhook/", "whsec_sila_e2e")
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SILA_DB_NAME")},
        **db_env,
        "DJANGO_SETTINGS_MODULE": "sila.settings.e2e",
        "SILA_SMS_BACKEND": "casework.sms.TaqnyatSmsBackend",
        "SILA_SMS_URL": gateway.url,
        "SILA_SMS_TOKEN": "e2e-token",
        "SILA_SMS_SENDER": "Sila",
        "SILA_SMS_DLR_TOKEN": "e2e-dlr-secret",
        "SILA_PUBLIC_PORT": str(port),
        "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'platform'}",
        "STRIPE_SECRET_KEY": "sk_test_sila_e2e",
        "STRIPE_API_BASE": fake_stripe.url,
        "STRIPE_WEBHOOK_SECRET": "whsec_sila_e2e",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    credentials_file = work / "credentials.json"
    subprocess.run(
        [*manage, "demo", "--no-serve", "--port", str(port), "--credentials-file", str(credentials_file)],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=600,
    )
    logs = (work / "server.log").open("w"), (work / "worker.log").open("w")
    server = subprocess.Popen(
        [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=env,
        cwd=ROOT,
        stdout=logs[0],
        stderr=logs[0],
    )
    worker = subprocess.Popen(
        [*manage, "procrastinate", "worker"], env=env, cwd=ROOT, stdout=logs[1], stderr=logs[1]
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError((work / "server.log").read_text()) from None
                time.sleep(0.3)
        yield LiveSila(
            port=port,
            credentials=json.loads(credentials_file.read_text(encoding="utf-8")),
            sms_file=work / "sms.jsonl",
            server_log=work / "server.log",
            stripe_url=fake_stripe.url,
            env=env,
        )
    finally:
        gateway.stop()
        for process in (server, worker):
            process.terminate()
        for process in (server, worker):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in logs:
            log.close()
        fake_stripe.stop()
        ARTIFACTS.mkdir(exist_ok=True)
        for name in ("server.log", "worker.log"):
            shutil.copy(work / name, ARTIFACTS / f"e2e-{name}")
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DB_NAME)))
        admin.close()


AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def axe_serious(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now (axe from npm,
    installed by `make test`)."""
    if not AXE.exists():
        message = f"axe-core is not installed at {AXE} (make axe)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    # Through DevTools, not a <script> tag: the pages' Content-Security-Policy refuses inline scripts.
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    violations: list[dict[str, Any]] = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
            .filter(v => v.impact === "serious" || v.impact === "critical")
            .map(v => ({id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.slice(0, 5).map(n => n.target.join(" "))}))"""
    )
    return violations


def sideways_overflow(page: Any) -> int:
    """How many pixels the page is wider than the window (0 when nothing scrolls sideways)."""
    return int(
        page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Any]:
    # Module scope: Playwright's sync API keeps an event loop running in this thread while it is
    # open, and Django refuses database calls from a thread with a running loop.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Any]:
    """A fresh browser context (its own cookies), Arabic, phone-sized unless a test resizes it."""
    contexts = []

    def make(*, locale: str = "ar-SA", width: int = 1100, height: int = 1400) -> Any:
        # Playwright evaluates wait_for_function's predicates with eval inside the page, which Sila's
        # Content-Security-Policy (script-src 'self', no 'unsafe-eval') rightly forbids; the test
        # harness bypasses it. The policy itself is asserted in tests/accounts/test_headers.py.
        context = browser.new_context(
            locale=locale, viewport={"width": width, "height": height}, bypass_csp=True
        )
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
