"""The production image installs requirements/base.lock: the embedded PostgreSQL is not in it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _packages(lock: str) -> set[str]:
    text = (ROOT / "requirements" / lock).read_text()
    return {m.group(1).lower() for m in re.finditer(r"^([A-Za-z0-9_.-]+)==", text, re.MULTILINE)}


def test_pgserver_is_for_development_only() -> None:
    assert "pgserver" not in _packages("base.lock")
    assert "pgserver" in _packages("dev.lock")
    assert {"psycopg-pool", "pillow"} <= _packages("base.lock")
    assert "requirements/base.lock" in (ROOT / "deploy" / "Dockerfile").read_text()
