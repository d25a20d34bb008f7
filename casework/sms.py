"""SMS senders. ``SILA_SMS_BACKEND`` names the class; each association's messages go through it.

The default writes the message to the log (development); tests use the in-memory outbox; a real
provider is a small class with the same ``send`` method, configured from the environment.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("sila.sms")


@dataclass(frozen=True)
class SmsMessage:
    to: str  # E.164
    body: str
    sender: str


class SmsBackend(Protocol):
    def send(self, message: SmsMessage) -> None: ...


class ConsoleSmsBackend:
    """Development: the message goes to the log, nothing leaves the machine."""

    def send(self, message: SmsMessage) -> None:
        logger.info("SMS from %s to %s: %s", message.sender, message.to, message.body)


outbox: list[SmsMessage] = []


class LocmemSmsBackend:
    """Tests: messages are kept in ``casework.sms.outbox``."""

    def send(self, message: SmsMessage) -> None:
        outbox.append(message)


def get_backend() -> SmsBackend:
    path = getattr(settings, "SILA_SMS_BACKEND", "casework.sms.ConsoleSmsBackend")
    backend: SmsBackend = import_string(path)()
    return backend


class FileSmsBackend:
    """End-to-end tests and staging: each message is appended, as one JSON line, to the file named
    by ``SILA_SMS_FILE`` (a stand-in for the beneficiary's phone that another process can read)."""

    def send(self, message: SmsMessage) -> None:
        import json
        from pathlib import Path

        line = json.dumps(
            {"to": message.to, "body": message.body, "sender": message.sender}, ensure_ascii=False
        )
        with Path(getattr(settings, "SILA_SMS_FILE", "sila-sms.jsonl")).open(
            "a", encoding="utf-8"
        ) as outbox_file:
            outbox_file.write(line + "\n")
