"""The production settings pass Django's deployment checklist and refuse to start half-configured.

Each check runs in a fresh interpreter, as the container does: settings are read once, from the
environment, at start-up.
"""

from __future__ import annotations

import json
import os
import secrets
import string
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]

# Whatever the developer's shell exports must not leak into what is checked here.
_SILA_VARIABLES = ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "SENTRY_DSN")


def random_secret_key() -> str:
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(50))


def production_env(**overrides: str | None) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("SILA_") and key not in _SILA_VARIABLES
    }
    env.update(
        PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "platform")]),
        DJANGO_SETTINGS_MODULE="sila.settings.production",
        SILA_SECRET_KEY=random_secret_key(),
        DATABASE_URL="postgres://u:p@db/sila",
        SILA_BASE_DOMAIN="sila.example",
        SILA_SMS_TOKEN="taqnyat-bearer-token",
        SILA_SMS_SENDER="Sila",
        SILA_SMS_DLR_TOKEN="delivery-report-secret",
        SILA_CROSSCHECK_KEY=random_secret_key(),
    )
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_check_deploy_reports_no_issues() -> None:
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SILA_SECRET_KEY": None}, "SILA_SECRET_KEY must be set"),
        ({"SILA_SECRET_KEY": "  "}, "SILA_SECRET_KEY must be set"),
        ({"SILA_SECRET_KEY": "dev-only-insecure-key-change-me"}, "SILA_SECRET_KEY must be set"),
        ({"DATABASE_URL": None}, "DATABASE_URL must be set"),
        ({"SILA_BASE_DOMAIN": None}, "SILA_BASE_DOMAIN must be set"),
        ({"SILA_CACHE_URL": "memcached://cache:11211"}, "SILA_CACHE_URL must be a redis"),
        ({"SILA_SMS_BACKEND": "casework.sms.ConsoleSmsBackend"}, "does not send text messages"),
        ({"SILA_SMS_BACKEND": "casework.sms.FileSmsBackend"}, "does not send text messages"),
        ({"SILA_SMS_TOKEN": None}, "SILA_SMS_TOKEN must be set"),
        ({"SILA_SMS_SENDER": ""}, "SILA_SMS_SENDER must be set"),
        ({"SILA_SMS_URL": "http://api.taqnyat.sa/v1/messages"}, "SILA_SMS_URL must be an https"),
        ({"SILA_SMS_DLR_TOKEN": None}, "SILA_SMS_DLR_TOKEN must be set"),
        ({"SILA_CROSSCHECK_KEY": None}, "SILA_CROSSCHECK_KEY must be set"),
        ({"SILA_CROSSCHECK_KEY": " "}, "SILA_CROSSCHECK_KEY must be set"),
        ({"SILA_CROSSCHECK_KEY": "short"}, "SILA_CROSSCHECK_KEY must be at least 32"),
    ],
    ids=[
        "no-secret-key",
        "blank-secret-key",
        "dev-secret-key",
        "no-database",
        "no-base-domain",
        "bad-cache",
        "console-sms",
        "file-sms",
        "no-sms-token",
        "no-sms-sender",
        "plain-http-sms",
        "no-sms-delivery-report-secret",
        "no-cross-check-key",
        "blank-cross-check-key",
        "short-cross-check-key",
    ],
)
def test_production_settings_refuse_to_load_half_configured(
    overrides: dict[str, str | None], message: str
) -> None:
    result = run(["-c", "import sila.settings.production"], production_env(**overrides))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def _settings(env: dict[str, str], *names: str) -> dict[str, Any]:
    code = (
        "import json\n"
        "from django.conf import settings\n"
        f"print(json.dumps({{name: getattr(settings, name) for name in {list(names)!r}}}, default=str))"
    )
    result = run(["-c", code], env)
    assert result.returncode == 0, result.stderr
    loaded: dict[str, Any] = json.loads(result.stdout.splitlines()[-1])
    return loaded


def test_hosts_origins_static_files_and_cache_follow_the_environment() -> None:
    values = _settings(
        production_env(SILA_CACHE_URL="redis://cache:6379/1"),
        "DEBUG",
        "ALLOWED_HOSTS",
        "CSRF_TRUSTED_ORIGINS",
        "STORAGES",
        "CACHES",
        "DEFAULT_FROM_EMAIL",
    )
    assert values["DEBUG"] is False
    assert values["ALLOWED_HOSTS"] == ["sila.example", ".sila.example"]
    assert values["CSRF_TRUSTED_ORIGINS"] == ["https://sila.example", "https://*.sila.example"]
    assert values["STORAGES"]["staticfiles"]["BACKEND"] == (
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )
    assert values["CACHES"]["default"] == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://cache:6379/1",
        "KEY_FUNCTION": "django_tenants.cache.make_key",
    }
    assert values["DEFAULT_FROM_EMAIL"] == "Sila <no-reply@sila.example>"

    custom = _settings(
        production_env(SILA_ALLOWED_HOSTS="sila.example,.sila.example,charity.org.sa"),
        "ALLOWED_HOSTS",
        "CSRF_TRUSTED_ORIGINS",
        "CACHES",
    )
    assert custom["ALLOWED_HOSTS"] == ["sila.example", ".sila.example", "charity.org.sa"]
    assert "https://charity.org.sa" in custom["CSRF_TRUSTED_ORIGINS"]
    assert custom["CACHES"]["default"]["BACKEND"].endswith("LocMemCache")


def test_collectstatic_builds_the_hashed_manifest_the_image_serves(tmp_path: Path) -> None:
    """What deploy/Dockerfile runs at build time, with a build-only secret and no database."""
    result = run(
        ["manage.py", "collectstatic", "--noinput", "-v", "0"],
        production_env(SILA_STATIC_ROOT=str(tmp_path), DATABASE_URL="postgres://build@localhost/build"),
    )
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())
    hashed = manifest["paths"]["sila/css/sila.css"]
    assert hashed != "sila/css/sila.css"
    assert (tmp_path / hashed).exists()
    assert (tmp_path / f"{hashed}.gz").exists()


def test_gunicorn_loads_the_application_with_the_deploy_config() -> None:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    result = subprocess.run(
        [str(gunicorn), "--check-config", "-c", "deploy/gunicorn.conf.py"],
        cwd=ROOT,
        env=production_env(PYTHONPATH=None),  # the config file makes platform/ importable itself
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_runs_migrations_once_before_web_and_worker() -> None:
    compose = yaml.safe_load((ROOT / "deploy" / "docker-compose.yml").read_text())
    services = compose["services"]
    assert "migrate_fleet --no-progress" in " ".join(services["migrate"]["command"])
    assert services["worker"]["command"] == ["python", "manage.py", "procrastinate", "worker"]
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert services[name]["depends_on"]["db"] == {"condition": "service_healthy"}
    assert services["db"]["image"].startswith("postgres:16")
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert "--require-hashes --no-deps -r requirements/base.lock" in dockerfile
    assert "deploy/gunicorn.conf.py" in dockerfile


def test_production_hashes_ids_with_its_own_cross_check_key_and_dev_derives_one() -> None:
    key = random_secret_key()
    assert _settings(production_env(SILA_CROSSCHECK_KEY=key), "SILA_CROSSCHECK_KEY") == {
        "SILA_CROSSCHECK_KEY": key
    }
    same = random_secret_key()
    refused = run(
        ["-c", "import sila.settings.production"],
        production_env(SILA_SECRET_KEY=same, SILA_CROSSCHECK_KEY=same),
    )
    assert "other than SILA_SECRET_KEY" in refused.stderr
    # Development (and the tests) keep the fallback: a key derived from the secret key.
    dev = production_env(SILA_CROSSCHECK_KEY=None, DJANGO_SETTINGS_MODULE="sila.settings.dev")
    code = "from tenants.crosscheck import id_hmac; print(id_hmac('1000000008'))"
    first = run(["-c", "import django; django.setup(); " + code], dev)
    assert first.returncode == 0, first.stderr
    assert len(first.stdout.strip().splitlines()[-1]) == 64


def test_production_always_checks_a_passkey_s_origin() -> None:
    values = _settings(
        production_env(SILA_WEBAUTHN_ALLOW_INSECURE_ORIGIN="true"), "MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN"
    )
    assert values["MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN"] is False
