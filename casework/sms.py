"""SMS senders. ``SILA_SMS_BACKEND`` names the class; every text message goes through it.

Production uses :class:`TaqnyatSmsBackend` (Taqnyat's HTTP API, see docs/adr/0015-sms-gateway.md);
``make demo`` and the browser tests point it at :mod:`casework.sms_standin`, a local server that
answers like the gateway. Development may use the console (it masks numbers and links), unit tests
the in-memory outbox. Production refuses to start with a backend that does not send
(``sila.settings.production``).

Each backend's ``send`` returns a :class:`SendResult`: ``sent`` (the gateway took it, with its
message id), ``refused`` (a definite no: bad number, no credit, bad credentials; retrying would not
help) or ``failed`` (the gateway could not be reached or answered with a server error, after the
retries). :func:`casework.notifications.send_once` records it on the message's row.
"""

from __future__ import annotations

import json
import logging
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

logger = logging.getLogger("sila.sms")


@dataclass(frozen=True)
class SmsMessage:
    to: str  # E.164
    body: str
    sender: str


@dataclass(frozen=True)
class SendResult:
    status: str  # "sent" | "refused" | "failed"
    provider_id: str = ""
    error: str = ""  # the gateway's own code or words, never the number or the text
    attempts: int = 1


SENT, REFUSED, FAILED = "sent", "refused", "failed"


class SmsBackend(Protocol):
    def send(self, message: SmsMessage) -> SendResult: ...


# --- Keeping numbers and secret links out of logs ---------------------------------------------------

_URL = re.compile(r"https?://\S+")
_DIGITS = re.compile(r"\+?\d[\d ]{6,}\d")


def mask_phone(phone: str) -> str:
    """«+966•••••••67»: the country and the last two digits, not enough to call anyone."""
    digits = phone.strip()
    keep_start = 4 if digits.startswith("+") else 0
    if len(digits) <= keep_start + 4:
        return "•" * len(digits)
    return digits[:keep_start] + "•" * (len(digits) - keep_start - 2) + digits[-2:]


def mask_text(text: str) -> str:
    """A message body fit for a log: links (they carry secrets) and long numbers hidden."""
    text = _URL.sub("[link]", text)
    return _DIGITS.sub(lambda m: mask_phone(m.group(0)), text)


# --- Backends that do not leave the machine ---------------------------------------------------------


class ConsoleSmsBackend:
    """Development only: a line in the log, with the number masked and links hidden (a secret link
    in a log could be used by anyone who reads it). Production refuses this backend."""

    sends_for_real = False

    def send(self, message: SmsMessage) -> SendResult:
        logger.info("SMS from %s to %s: %s", message.sender, mask_phone(message.to), mask_text(message.body))
        return SendResult(SENT, provider_id="console")


outbox: list[SmsMessage] = []


class LocmemSmsBackend:
    """Unit tests: messages are kept in ``casework.sms.outbox``."""

    sends_for_real = False

    def send(self, message: SmsMessage) -> SendResult:
        outbox.append(message)
        return SendResult(SENT, provider_id=f"locmem-{len(outbox)}")


class FileSmsBackend:
    """Each message appended, as one JSON line, to ``SILA_SMS_FILE`` (a stand-in phone another
    process can read)."""

    sends_for_real = False

    def send(self, message: SmsMessage) -> SendResult:
        append_jsonl(Path(getattr(settings, "SILA_SMS_FILE", "sila-sms.jsonl")), message)
        return SendResult(SENT, provider_id="file")


def append_jsonl(path: Path, message: SmsMessage) -> None:
    line = json.dumps({"to": message.to, "body": message.body, "sender": message.sender}, ensure_ascii=False)
    with path.open("a", encoding="utf-8") as outbox_file:
        outbox_file.write(line + "\n")


# --- Taqnyat ---------------------------------------------------------------------------------------


class TaqnyatSmsBackend:
    """Taqnyat's REST API: ``POST {SILA_SMS_URL}`` with ``Authorization: Bearer {SILA_SMS_TOKEN}``
    and ``{"recipients": ["9665…"], "body": …, "sender": SILA_SMS_SENDER}``; 201 with a
    ``messageId`` when accepted.

    A timeout, a dropped connection or a 5xx/429 answer is retried (``SILA_SMS_RETRIES`` times, with
    a growing pause); any other 4xx is the gateway saying no (unknown sender, no balance, bad
    number...) and is not retried: the same request would be refused again.
    """

    sends_for_real = True

    def __init__(self) -> None:
        self.url = getattr(settings, "SILA_SMS_URL", "") or "https://api.taqnyat.sa/v1/messages"
        self.token = getattr(settings, "SILA_SMS_TOKEN", "")
        self.default_sender = getattr(settings, "SILA_SMS_SENDER", "")
        self.timeout = float(getattr(settings, "SILA_SMS_TIMEOUT", 5.0))
        self.retries = int(getattr(settings, "SILA_SMS_RETRIES", 2))
        self.backoff = float(getattr(settings, "SILA_SMS_BACKOFF", 0.5))
        if not self.token:
            raise ImproperlyConfigured("SILA_SMS_TOKEN must be set for the Taqnyat SMS backend")

    def _request(self, message: SmsMessage) -> urllib.request.Request:
        payload = {
            # International format without "+" or "00", as the gateway wants it.
            "recipients": [message.to.lstrip("+")],
            "body": message.body,
            # The sender name registered with the gateway (the association's name is not one).
            "sender": self.default_sender or message.sender,
        }
        return urllib.request.Request(  # noqa: S310 - the URL is our configuration, https in production
            self.url,
            data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
            method="POST",
            headers={
                "Authorization": f"Bearer {self.token}",
                "Content-Type": "application/json; charset=utf-8",
                "Accept": "application/json",
            },
        )

    def send(self, message: SmsMessage) -> SendResult:
        attempts = 0
        error = ""
        while attempts <= self.retries:
            if attempts:
                time.sleep(self.backoff * attempts)
            attempts += 1
            try:
                with urllib.request.urlopen(self._request(message), timeout=self.timeout) as answer:  # noqa: S310
                    body = _json(answer.read())
                    provider_id = str(body.get("messageId") or body.get("message_id") or "")
                    logger.info(
                        "SMS to %s accepted by the gateway (id %s, attempt %d)",
                        mask_phone(message.to),
                        provider_id,
                        attempts,
                    )
                    return SendResult(SENT, provider_id=provider_id, attempts=attempts)
            except urllib.error.HTTPError as exc:
                body = _json(exc.read())
                error = f"HTTP {exc.code}: {str(body.get('message') or '')[:150]}".strip()
                if exc.code != 429 and exc.code < 500:
                    logger.warning("SMS to %s refused by the gateway: %s", mask_phone(message.to), error)
                    return SendResult(REFUSED, error=error, attempts=attempts)
            except (TimeoutError, urllib.error.URLError, ConnectionError) as exc:
                reason = getattr(exc, "reason", exc)
                error = f"{type(reason).__name__}: unreachable or too slow"
            logger.warning("SMS to %s not sent (attempt %d): %s", mask_phone(message.to), attempts, error)
        return SendResult(FAILED, error=error, attempts=attempts)


def _json(raw: bytes) -> dict[str, object]:
    try:
        value = json.loads(raw.decode("utf-8") or "{}")
    except (UnicodeDecodeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def get_backend() -> SmsBackend:
    path = getattr(settings, "SILA_SMS_BACKEND", "casework.sms.ConsoleSmsBackend")
    backend: SmsBackend = import_string(path)()
    return backend
