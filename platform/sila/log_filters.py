"""No log line carries a full mobile number or a secret link.

Follow and rating links (``/t/<token>``, ``/r/<token>``), portal and API tokens, and Saudi mobile
numbers are masked in every record that reaches a handler (Django's "Not Found: /t/…" warnings,
the development server's request lines) and in gunicorn's access log (``logger_class``)."""

from __future__ import annotations

import logging
import re
from typing import Any

_LINK = re.compile(r"(/[tr]/)[\w-]{8,}")
_TOKEN = re.compile(r"\b(silap?_)[\w-]{8,}")
_PHONE = re.compile(r"(?<![\w])(?:\+?966|0)5\d{8}(?!\d)")


def mask_secrets(text: str) -> str:
    text = _LINK.sub(r"\1[secret]", text)
    text = _TOKEN.sub(r"\1[secret]", text)
    return _PHONE.sub(lambda m: m.group(0)[: m.group(0).index("5")] + "5•••••••" + m.group(0)[-2:], text)


class MaskSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_secrets(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


try:
    from gunicorn.glogging import Logger as _GunicornLogger
except ImportError:  # gunicorn is only needed where Sila is served by it
    _GunicornLogger = object


class GunicornLogger(_GunicornLogger):
    """gunicorn's logger with secret links and numbers masked in the access log's request line."""

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "q", "f"):
            if isinstance(atoms.get(key), str):
                atoms[key] = mask_secrets(atoms[key])
        return atoms
