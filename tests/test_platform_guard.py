"""`platform/` holds Sila's public-schema packages but must never shadow the stdlib `platform`."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STDLIB = Path(sysconfig.get_paths()["stdlib"]).resolve()

PROBE = (
    "import platform, uuid, stripe, sentry_sdk; "
    "print(platform.__file__); print(platform.system()); print(uuid.uuid4().version)"
)


def _assert_stdlib(output: str) -> None:
    lines = output.strip().splitlines()
    assert Path(lines[-3]).resolve().parent == STDLIB, lines
    assert lines[-2] == "Linux"
    assert lines[-1] == "4"


def test_platform_folder_is_not_a_package() -> None:
    assert (ROOT / "platform").is_dir()
    assert not (ROOT / "platform" / "__init__.py").exists()


def test_import_platform_is_stdlib_under_pytest() -> None:
    import platform

    assert Path(platform.__file__).resolve().parent == STDLIB
    assert callable(platform.system)


def test_import_platform_is_stdlib_under_manage_py() -> None:
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PROBE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "sila.settings.test"},
    )
    _assert_stdlib(out.stdout)


def test_import_platform_is_stdlib_the_way_gunicorn_runs() -> None:
    # gunicorn puts its working directory (the repo root) first on sys.path, then imports the
    # WSGI module named on its command line with --pythonpath platform.
    code = (
        "import sys; sys.path.insert(0, '.'); sys.path.insert(1, 'platform'); "
        "import importlib; importlib.import_module('sila.wsgi'); " + PROBE
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["DJANGO_SETTINGS_MODULE"] = "sila.settings.test"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, env=env
    )
    _assert_stdlib(out.stdout)
