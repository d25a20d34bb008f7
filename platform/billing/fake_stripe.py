"""localstripe, the fake Stripe server that the demo and the tests start (like the embedded
PostgreSQL): ``python -m billing.fake_stripe --port N``, or ``FakeStripe().start()``.

Patched around here: it binds every interface and pickles its store to a fixed /tmp file shared by
every process on the machine; ours listens on 127.0.0.1 only and keeps its store in memory."""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlencode


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _patch_localstripe() -> None:
    """Before its routes are built: keep the store in memory, and report a declined invoice payment
    as Stripe does (localstripe leaves the invoice open silently: no invoice.payment_failed event,
    and the subscription stays active instead of past_due)."""
    from localstripe import resources

    resources.store.dump_to_disk = lambda: None
    original = resources.Invoice._api_pay_invoice.__func__

    def pay_invoice(cls: Any, id: str) -> Any:
        invoice = original(cls, id)
        charge = invoice.charge
        if invoice.status == "open" and charge is not None and charge.status == "failed":
            invoice._on_payment_failure_now()
        return invoice

    patched = classmethod(pay_invoice)
    resources.Invoice._api_pay_invoice = patched
    resources.extra_apis[:] = [
        (method, url, resources.Invoice._api_pay_invoice if url == "/v1/invoices/{id}/pay" else func)
        for method, url, func in resources.extra_apis
    ]


def _exit_with_parent() -> None:
    """End when the process that started us is gone (a test run killed before its clean-up)."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def serve(port: int) -> None:
    _exit_with_parent()
    _patch_localstripe()
    from aiohttp import web
    from localstripe import server

    web.run_app(server.app, host="127.0.0.1", port=port, print=None, access_log=None)


class FakeStripe:
    """A localstripe process on a free loopback port; ``stop()`` ends it."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 20.0) -> FakeStripe:
        platform_dir = str(Path(__file__).resolve().parents[1])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([platform_dir, os.environ.get("PYTHONPATH", "")])}
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "billing.fake_stripe", "--port", str(self.port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError("localstripe exited at start") from None
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("localstripe did not start in time")

    def register_webhook(self, url: str, secret: str) -> None:
        """Have localstripe send signed events to ``url``."""
        request = urllib.request.Request(  # noqa: S310 - loopback only
            f"{self.url}/_config/webhooks/sila",
            data=urlencode({"url": url, "secret": secret}).encode(),
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=5):  # noqa: S310
            pass

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="localstripe on 127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    serve(parser.parse_args().port)
