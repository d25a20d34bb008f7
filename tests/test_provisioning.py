"""association_provision: clone the template, idempotent, atomic; the fleet migrates past failures."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.management import call_command
from django_tenants.utils import schema_exists

from accounts.models import User
from audit.models import AuditEvent
from tenants import schemas, services
from tenants.db import connection
from tenants.fleet import migrate_fleet
from tenants.models import Association, Domain
from tenants.services import ProvisioningError, association_provision

pytestmark = pytest.mark.django_db

NAMES: dict[str, Any] = {"name_ar": "جمعية الاختبار", "name_en": "Test Association"}


def _predicate_normalised(definition: str) -> str:
    """A partial index's WHERE clause without casts and parentheses. PostgreSQL keeps only the
    parsed predicate: recreated from its own text, ``type IN ('a', 'b')`` (as Django writes it for
    allauth.mfa's unique_authenticator_type) reads back with the casts placed differently,
    while meaning the same; the rest of the definition is compared exactly."""
    head, where, predicate = definition.partition(" WHERE ")
    if not where:
        return definition
    predicate = re.sub(r"::(character varying|text)(\[\])?", "", predicate)
    return head + where + re.sub(r"[()]", "", predicate)


def _catalogue(schema: str) -> dict[str, list[tuple[object, ...]]]:
    """What a schema is made of, comparable across schemas."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name, data_type, is_nullable, is_identity, "
            "regexp_replace(coalesce(column_default, ''), %s, '') "
            "FROM information_schema.columns WHERE table_schema = %s ORDER BY 1, 2",
            [schema, schema],
        )
        columns = cursor.fetchall()
        cursor.execute(
            "SELECT cl.relname, con.conname, con.contype, "
            "replace(pg_get_constraintdef(con.oid), %s || '.', '') FROM pg_constraint con "
            "JOIN pg_class cl ON cl.oid = con.conrelid JOIN pg_namespace n ON n.oid = cl.relnamespace "
            "WHERE n.nspname = %s ORDER BY 1, 2",
            [schema, schema],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT indexname, replace(indexdef, %s || '.', '') FROM pg_indexes "
            "WHERE schemaname = %s ORDER BY 1",
            [schema, schema],
        )
        indexes = [(name, _predicate_normalised(definition)) for name, definition in cursor.fetchall()]
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations ORDER BY 1, 2')
        migrations = cursor.fetchall()
        cursor.execute(f'SELECT code FROM "{schema}".accounts_role ORDER BY 1')
        roles = cursor.fetchall()
    return {
        "columns": columns,
        "constraints": constraints,
        "indexes": indexes,
        "migrations": migrations,
        "roles": roles,
    }


def test_provisioning_creates_schema_domain_and_first_admin_by_cloning() -> None:
    result = association_provision(slug="gamma", admin_email="Admin@Gamma.test", **NAMES)
    assert result.created and result.method == "clone" and result.admin_created
    assert schema_exists("gamma")
    assert Domain.objects.get(domain="gamma.localhost").tenant == result.association
    connection.set_tenant(result.association)
    admin = User.objects.get(email="admin@gamma.test")
    assert admin.has_role("association_admin")
    assert not admin.has_usable_password()  # no password given: set one through a reset link
    connection.set_schema_to_public()
    event = AuditEvent.objects.get(action="association.provisioned", object_id=str(result.association.pk))
    assert event.changes["method"]["new"] == "clone"


def test_a_cloned_schema_is_identical_to_a_migrated_one() -> None:
    cloned = association_provision(slug="cloned", admin_email="a@c.test", **NAMES)
    migrated = association_provision(slug="migrated", admin_email="a@c.test", clone=False, **NAMES)
    assert (cloned.method, migrated.method) == ("clone", "migrate")
    connection.set_schema_to_public()
    assert _catalogue("cloned") == _catalogue("migrated")
    assert _catalogue("cloned")["migrations"]  # not trivially equal


def test_identity_sequences_continue_after_the_cloned_rows() -> None:
    result = association_provision(slug="seqs", admin_email="a@s.test", **NAMES)
    connection.set_tenant(result.association)
    second = User.objects.create_user("second@s.test", "x-long-password")
    assert second.pk > User.objects.get(email="a@s.test").pk


def test_provisioning_twice_changes_nothing() -> None:
    first = association_provision(slug="twice", admin_email="a@t.test", **NAMES)
    connection.set_schema_to_public()
    before = (Association.objects.count(), Domain.objects.count(), _catalogue("twice"))
    second = association_provision(slug="twice", admin_email="a@t.test", **NAMES)
    connection.set_schema_to_public()
    assert (second.created, second.method, second.admin_created) == (False, "existing", False)
    assert second.association.pk == first.association.pk
    assert (Association.objects.count(), Domain.objects.count(), _catalogue("twice")) == before
    assert AuditEvent.objects.filter(object_id=str(first.association.pk)).count() == 1


def test_a_failure_part_way_leaves_no_half_made_association(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> bool:
        raise RuntimeError("mail server down while creating the first admin")

    monkeypatch.setattr(services, "_ensure_first_admin", fail)
    with pytest.raises(RuntimeError):
        association_provision(slug="broken", admin_email="a@b.test", **NAMES)
    connection.set_schema_to_public()
    assert not Association.objects.filter(slug="broken").exists()
    assert not Domain.objects.filter(domain="broken.localhost").exists()
    assert not schema_exists("broken")
    # and the slug is free again afterwards
    monkeypatch.undo()
    assert association_provision(slug="broken", admin_email="a@b.test", **NAMES).created


def test_a_stale_template_falls_back_to_migrating() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM sila_template.django_migrations WHERE app = 'accounts' AND name = '0002_roles'"
        )
    assert not schemas.template_is_fresh()
    result = association_provision(slug="fallback", admin_email="a@f.test", **NAMES)
    assert result.method == "migrate"
    connection.set_schema_to_public()
    assert not schemas.pending_migrations("fallback")


def test_invalid_slug_is_refused_with_a_field_error() -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as excinfo:
        association_provision(slug="Bad Slug!", admin_email="a@b.test", **NAMES)
    assert "slug" in excinfo.value.message_dict


def test_a_domain_owned_by_another_association_is_refused(tenant_a: Association) -> None:
    with pytest.raises(ProvisioningError):
        association_provision(
            slug="thief", admin_email="a@t.test", extra_domains=["alpha.localhost"], **NAMES
        )
    assert not Association.objects.filter(slug="thief").exists()


def test_provision_command(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["cmdtest", "--name-ar", "جمعية", "--name-en", "Cmd", "--admin-email", "a@cmd.test"]
    call_command("provision_association", *args)
    call_command("provision_association", *args)
    out = capsys.readouterr().out.splitlines()
    assert "created (method=clone" in out[0]
    assert "already existed (method=existing" in out[1]


def test_fleet_migration_goes_on_past_a_broken_tenant(tenant_a: Association, tenant_b: Association) -> None:
    # Break alpha: its history forgets a migration whose table exists, so re-applying it fails.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM alpha.django_migrations WHERE app = 'sessions' AND name = '0001_initial'")
    progress: list[tuple[str, str]] = []
    report = migrate_fleet(
        ["alpha", "beta", "sila_template"], on_progress=lambda n, o: progress.append((n, o))
    )
    assert list(report.failed) == ["alpha"]
    assert "already exists" in report.failed["alpha"]
    assert report.up_to_date == ["beta", "sila_template"]
    assert [name for name, _ in progress] == ["alpha", "beta", "sila_template"]
    connection.set_tenant(tenant_b)
    assert User.objects.exists()  # beta untouched and usable


def test_migrate_fleet_command_reports_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("migrate_fleet", "--skip-shared", "--no-progress")
    out = capsys.readouterr().out
    assert "0 migrated" in out and "0 failed" in out
    assert "already up to date" in out


def test_migrate_fleet_recreates_a_missing_template(capsys: pytest.CaptureFixture[str]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA sila_template CASCADE")
    assert not schemas.template_is_fresh()
    call_command("migrate_fleet", "--skip-shared", "--no-progress")
    assert schemas.template_is_fresh()
    assert "0 failed" in capsys.readouterr().out
