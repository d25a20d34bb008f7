"""Moving and restoring one association: export to one archive, import into another Sila database
(a second database on the same PostgreSQL, migrated by its own `manage.py migrate_fleet`), and
restore from the archive over the association without touching another."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.test import Client

from accounts.models import User
from billing.models import Plan, Subscription
from ops.models import StatusChange
from tenants.db import connection
from tenants.models import Association, Domain
from tenants.transfer import TransferError, association_export, association_import, media_dir, schema_sums

pytestmark = pytest.mark.django_db

BASE_DIR = Path(settings.BASE_DIR)
DOCUMENT = "documents/2026/statement.txt"
DOCUMENT_BYTES = "كشف حساب البنك\n".encode()


@pytest.fixture
def media(tmp_path: Path, settings: Any) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


def _sums(schema: str) -> dict[str, tuple[int, str]]:
    return {table: (s.rows, s.checksum) for table, s in schema_sums(schema).items()}


def _with_some_data(association: Association) -> None:
    connection.set_tenant(association)
    User.objects.create_user(f"reception@{association.slug}.test", None, full_name="موظفة الاستقبال")
    # Where uploads land (<MEDIA_ROOT>/tenants/<schema>/, MULTITENANT_RELATIVE_MEDIA_ROOT), written
    # directly: a storage object built before this test's MEDIA_ROOT may still point elsewhere.
    document = media_dir(association.schema_name) / DOCUMENT
    document.parent.mkdir(parents=True, exist_ok=True)
    document.write_bytes(DOCUMENT_BYTES)
    connection.set_schema_to_public()


def test_restore_from_the_archive_brings_one_association_back_and_leaves_the_other_alone(
    tenant_a: Association,
    tenant_b: Association,
    media: Path,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    _with_some_data(tenant_a)
    # Rows other apps keep about alpha in the public schema (found without this module knowing them).
    plan = Plan.objects.order_by("sort_order").first()
    assert plan is not None
    Subscription.objects.update_or_create(association=tenant_a, defaults={"plan": plan})
    StatusChange.objects.create(
        association=tenant_a, old_status="active", new_status="suspended", reason="test"
    )
    StatusChange.objects.create(
        association=tenant_b, old_status="active", new_status="suspended", reason="beta's"
    )
    archive = tmp_path / "alpha.tar.gz"
    manifest = association_export(slug="alpha", path=archive)
    before = _sums("alpha")
    assert manifest["public_rows"]["ops.statuschange"] == 1
    assert manifest["public_rows"]["billing.subscription"] == 1
    assert {t: (e["rows"], e["checksum"]) for t, e in manifest["tables"].items()} == before
    assert manifest["tables"]["accounts_user"]["rows"] == 2  # the admin and the receptionist
    assert manifest["files"][DOCUMENT]["bytes"] == len(DOCUMENT_BYTES)

    # Things go wrong in alpha after the backup; beta goes on working.
    connection.set_tenant(tenant_a)
    User.objects.filter(email="reception@alpha.test").delete()
    User.objects.create_user("intruder@alpha.test", None)
    (media_dir("alpha") / DOCUMENT).unlink()
    connection.set_schema_to_public()
    StatusChange.objects.filter(association=tenant_a).delete()
    Subscription.objects.filter(association=tenant_a).delete()
    connection.set_tenant(tenant_b)
    User.objects.create_user("new@beta.test", None)
    connection.set_schema_to_public()
    beta_before = _sums("beta")
    assert _sums("alpha") != before

    with pytest.raises(TransferError, match="exists here"):
        association_import(path=archive)
    with django_capture_on_commit_callbacks(execute=True):
        result = association_import(path=archive, replace=True)
    assert result.replaced
    assert result.files == 1
    assert _sums("alpha") == before
    assert _sums("beta") == beta_before
    assert (media_dir("alpha") / DOCUMENT).read_bytes() == DOCUMENT_BYTES
    restored = Association.objects.get(slug="alpha")
    assert list(StatusChange.objects.filter(association=restored).values_list("reason", flat=True)) == [
        "test"
    ]
    assert Subscription.objects.get(association=restored).plan == plan
    assert list(StatusChange.objects.filter(association=tenant_b).values_list("reason", flat=True)) == [
        "beta's"
    ]
    connection.set_tenant(Association.objects.get(slug="alpha"))
    assert sorted(User.objects.values_list("email", flat=True)) == [
        "admin@alpha.test",
        "reception@alpha.test",
    ]
    connection.set_schema_to_public()

    # Its host works.
    answer = Client(HTTP_HOST="alpha.localhost").get("/api/v1/meta", HTTP_ACCEPT="application/json")
    assert answer.status_code == 200
    assert answer.json()["association"]["slug"] == "alpha"
    assert Domain.objects.get(domain="alpha.localhost").tenant.slug == "alpha"


def test_an_archive_from_another_code_version_is_refused(tenant_a: Association, tmp_path: Path) -> None:
    archive = tmp_path / "alpha.tar.gz"
    association_export(slug="alpha", path=archive)
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM alpha.django_migrations WHERE app = 'casework' AND name = '0003_case_step_index'"
        )
    association_export(slug="alpha", path=archive)
    Association.objects.filter(slug="alpha").delete()  # so that only the migrations stand in the way
    with pytest.raises(TransferError, match="migrations differ"):
        association_import(path=archive)


# --- between two databases --------------------------------------------------------------------------


def _server_params() -> dict[str, Any]:
    db = connection.settings_dict
    params = {"host": db["HOST"], "user": db["USER"], "dbname": "postgres", "autocommit": True}
    if db.get("PORT"):
        params["port"] = db["PORT"]
    if db.get("PASSWORD"):
        params["password"] = db["PASSWORD"]
    return params


@pytest.fixture
def second_database(tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment of a `manage.py` running on another, empty database of the same server."""
    name = f"test_sila_move_{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sila.settings.test",
        "PYTHONPATH": f"{BASE_DIR}:{BASE_DIR / 'platform'}",
        "SILA_MEDIA_ROOT": str(tmp_path / "second-media"),
    }
    url = os.environ.get("DATABASE_URL")
    if url:
        env["DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + name
    else:
        env["SILA_DB_NAME"] = name
    with psycopg.connect(**_server_params()) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield env
    finally:
        with psycopg.connect(**_server_params()) as admin:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name])
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


CHECK = """
import json
from django.test import Client
from tenants.transfer import schema_sums, media_dir
meta = Client(HTTP_HOST="alpha.localhost").get("/api/v1/meta", HTTP_ACCEPT="application/json")
home = Client(HTTP_HOST="alpha.localhost").get("/")
print(json.dumps({
    "meta_status": meta.status_code,
    "meta": meta.json() if meta.status_code == 200 else None,
    "home_status": home.status_code,
    "home_has_name": "جمعية ألفا الخيرية" in home.content.decode(),
    "sums": {t: [s.rows, s.checksum] for t, s in schema_sums("alpha").items()},
    "document": (media_dir("alpha") / %r).read_text(encoding="utf-8"),
}, ensure_ascii=False))
"""


def test_an_association_moves_to_another_database_intact(
    tenant_a: Association, media: Path, tmp_path: Path, second_database: dict[str, str]
) -> None:
    _with_some_data(tenant_a)
    archive = tmp_path / "alpha.tar.gz"
    manifest = association_export(slug="alpha", path=archive)

    _manage(second_database, "migrate_fleet", "--no-progress")
    out = _manage(second_database, "import_association", str(archive))
    assert "alpha: imported" in out
    report = json.loads(_manage(second_database, "shell", "-c", CHECK % DOCUMENT).strip().splitlines()[-1])

    assert report["meta_status"] == 200
    assert report["meta"]["association"] == {
        "slug": "alpha",
        "name_ar": "جمعية ألفا الخيرية",
        "name_en": "Alpha Charity",
    }
    assert report["home_status"] == 200 and report["home_has_name"]
    assert report["sums"] == {t: [e["rows"], e["checksum"]] for t, e in manifest["tables"].items()}
    assert report["document"] == DOCUMENT_BYTES.decode()
    # The move copied: the source still has its association, untouched.
    assert _sums("alpha") == {t: (e["rows"], e["checksum"]) for t, e in manifest["tables"].items()}
