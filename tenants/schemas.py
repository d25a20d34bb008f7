"""Schema-level helpers: which migrations a schema lacks, the template schema, cloning."""

from __future__ import annotations

from django.conf import settings
from django.db.migrations.loader import MigrationLoader
from django_tenants.utils import schema_exists

from tenants.db import connection


def tenant_app_labels() -> set[str]:
    return {app.rsplit(".", 1)[-1] for app in settings.TENANT_APPS}


_expected: set[tuple[str, str]] | None = None


def expected_tenant_migrations() -> set[tuple[str, str]]:
    """Every migration a fully migrated association schema has applied (read from disk once)."""
    global _expected
    if _expected is None:
        loader = MigrationLoader(None, ignore_no_migrations=True)
        labels = tenant_app_labels()
        _expected = {key for key in loader.graph.nodes if key[0] in labels}
    return _expected


def applied_migrations(schema_name: str) -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        # to_regclass is a catalogue lookup; information_schema costs milliseconds with many schemas.
        cursor.execute("SELECT to_regclass(%s)", [f'"{schema_name}".django_migrations'])
        row = cursor.fetchone()
        if row is None or row[0] is None:
            return set()
        cursor.execute(f'SELECT app, name FROM "{schema_name}".django_migrations')  # noqa: S608 - validated name
        return {(row[0], row[1]) for row in cursor.fetchall()}


def pending_migrations(schema_name: str) -> set[tuple[str, str]]:
    return expected_tenant_migrations() - applied_migrations(schema_name)


def template_schema() -> str:
    return str(settings.SILA_TEMPLATE_SCHEMA)


def template_is_fresh() -> bool:
    name = template_schema()
    return schema_exists(name) and not pending_migrations(name)
