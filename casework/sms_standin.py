"""A local server that answers like Taqnyat's SMS API, for ``make demo`` and the tests (there is no
network here, and a real gateway would text real people).

It checks what the real one checks (the bearer token, a registered sender, numbers in
international form), answers 201 with a ``messageId`` or 4xx with a ``message``, and keeps what
it accepted: in memory, in an optional JSON-lines file (one message a line, the stand-in phone
that browser tests read) and on its own page (``GET /``) where the demo's visitor reads the
codes and links "their phone" received. Faults can be injected for tests: the next N requests
answered slowly (a timeout for the client) or with a given status, the next N messages reported
as not delivered.

Like the real gateway, it then reports each accepted message's delivery to the callback address
configured on the account (``dlr_url``), a moment later and from another thread, with the
account's callback secret as a bearer token: ``{"messageId", "recipient", "status"
("DELIVERED" or "UNDELIVERED"), "statusDescription", "deliveredAt"}``.

    manage.py sms_standin --port 8787 --token demo-token --outbox .sila/sms-outbox.jsonl \
        --dlr-url http://localhost:8000/sms/delivery-reports/ --dlr-token demo-dlr-secret
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

_NUMBER = re.compile(r"^9665\d{8}$")


@dataclass
class Faults:
    slow: int = 0  # the next N requests are answered after `delay` seconds
    delay: float = 0.0
    status: int = 0  # the next `status_count` requests get this HTTP status
    status_count: int = 0
    undelivered: int = 0  # the next N accepted messages are reported as not delivered


@dataclass
class GatewayState:
    token: str
    senders: tuple[str, ...]
    outbox: Path | None = None
    accepted: list[dict[str, Any]] = field(default_factory=list)
    requests: int = 0
    faults: Faults = field(default_factory=Faults)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Delivery reports: where the account's callback points, its secret, how long after sending.
    dlr_url: str = ""
    dlr_token: str = ""
    dlr_delay: float = 0.3
    reports: list[dict[str, Any]] = field(default_factory=list)  # each report and our answer's status


def _report_delivery(state: GatewayState, report: dict[str, Any]) -> None:
    """POST one delivery report to the account's callback, as the gateway does after sending."""
    time.sleep(state.dlr_delay)
    request = urllib.request.Request(  # noqa: S310 - the demo's or the test's own address
        state.dlr_url,
        data=json.dumps(report).encode("utf-8"),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {state.dlr_token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            status = answer.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except OSError:
        status = 0  # the callback could not be reached
    with state.lock:
        state.reports.append({**report, "answer": status})


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return  # the demo's console stays readable, and numbers stay out of it

    def _reply(self, status: int, body: dict[str, Any] | str, content_type: str = "application/json") -> None:
        data = (json.dumps(body, ensure_ascii=False) if isinstance(body, dict) else body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", f"{content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        state = self.server.state
        if self.path == "/messages.json":
            with state.lock:
                self._reply(200, {"messages": list(state.accepted)})
            return
        if self.path in ("/", ""):
            with state.lock:
                rows = "".join(
                    f"<li><b>{html.escape(m['to'])}</b> ({html.escape(m['sender'])}): "
                    f"<span dir=auto>{html.escape(m['body'])}</span></li>"
                    for m in reversed(state.accepted)
                )
            self._reply(
                200,
                "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'>"
                "<title>SMS gateway stand-in</title><h1>Text messages sent (stand-in gateway)</h1>"
                f"<ol>{rows or '<li>none yet</li>'}</ol>",
                "text/html",
            )
            return
        self._reply(404, {"statusCode": 404, "message": "Not found"})

    def do_POST(self) -> None:
        state = self.server.state
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if self.path == "/_faults":
            with state.lock:
                state.faults = Faults(**json.loads(raw or b"{}"))
            self._reply(200, {"ok": True})
            return
        if self.path != "/v1/messages":
            self._reply(404, {"statusCode": 404, "message": "Not found"})
            return
        with state.lock:
            state.requests += 1
            faults = state.faults
            delay = 0.0
            status = 0
            if faults.slow > 0:
                faults.slow -= 1
                delay = faults.delay
            elif faults.status_count > 0:
                faults.status_count -= 1
                status = faults.status
        if delay:
            time.sleep(delay)
        if status:
            self._reply(status, {"statusCode": status, "message": "Service unavailable"})
            return
        if self.headers.get("Authorization") != f"Bearer {state.token}":
            self._reply(401, {"statusCode": 401, "message": "Unauthorized: bearer token is not valid"})
            return
        try:
            payload = json.loads(raw.decode("utf-8"))
            recipients = [str(r) for r in payload["recipients"]]
            body = str(payload["body"])
            sender = str(payload["sender"])
        except (ValueError, KeyError, TypeError):
            self._reply(400, {"statusCode": 400, "message": "recipients, body and sender are required"})
            return
        if sender not in state.senders:
            self._reply(400, {"statusCode": 400, "message": "Sender name is not approved"})
            return
        rejected = [r for r in recipients if not _NUMBER.match(r)]
        if rejected or not recipients or not body.strip():
            self._reply(400, {"statusCode": 400, "message": "Invalid recipients or empty body"})
            return
        reports = []
        with state.lock:
            message_id = 7_000_000 + len(state.accepted) + 1
            for recipient in recipients:
                entry = {"to": "+" + recipient, "body": body, "sender": sender, "messageId": message_id}
                state.accepted.append(entry)
                if state.outbox is not None:
                    with state.outbox.open("a", encoding="utf-8") as outbox:
                        outbox.write(json.dumps(entry, ensure_ascii=False) + "\n")
                delivered = state.faults.undelivered <= 0
                if not delivered:
                    state.faults.undelivered -= 1
                reports.append(
                    {
                        "messageId": message_id,
                        "recipient": recipient,
                        "status": "DELIVERED" if delivered else "UNDELIVERED",
                        "statusDescription": "Delivered to handset" if delivered else "Absent subscriber",
                        "deliveredAt": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
                        if delivered
                        else None,
                    }
                )
        if state.dlr_url:
            for report in reports:
                threading.Thread(target=_report_delivery, args=(state, report), daemon=True).start()
        self._reply(
            201,
            {
                "statusCode": 201,
                "messageId": message_id,
                "cost": 0.08 * len(recipients),
                "currency": "SAR",
                "totalCount": len(recipients),
                "msgLength": 1,
                "accepted": "[" + ",".join(recipients) + ",]",
                "rejected": "[]",
            },
        )


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: GatewayState

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up waiting (the injected slowness) leaves a broken pipe: expected.
        return


class GatewayStandin:
    """The stand-in, served from a thread (tests) or in the foreground (``manage.py sms_standin``)."""

    def __init__(
        self,
        *,
        token: str,
        senders: tuple[str, ...] = ("Sila",),
        port: int = 0,
        outbox: Path | None = None,
        dlr_url: str = "",
        dlr_token: str = "",
        dlr_delay: float = 0.3,
    ) -> None:
        self.server = _Server(("127.0.0.1", port), _Handler)
        self.server.state = GatewayState(
            token=token,
            senders=senders,
            outbox=outbox,
            dlr_url=dlr_url,
            dlr_token=dlr_token,
            dlr_delay=dlr_delay,
        )
        self._thread: threading.Thread | None = None

    @property
    def state(self) -> GatewayState:
        return self.server.state

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1/messages"

    def inject(self, **faults: Any) -> None:
        with self.state.lock:
            self.state.faults = Faults(**faults)

    def start(self) -> GatewayStandin:
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.server.serve_forever()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
