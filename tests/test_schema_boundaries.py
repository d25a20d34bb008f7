"""What sharding by association (Citus schema-based sharding, docs/scale.md) needs of the database,
checked as far as the code can: each association's schema refers only to itself and to the
public schema (which would become reference tables), never to another association's; and serving
one association's pages and API runs no query that names another association's schema."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import Role, RoleCode, User
from tenants import schemas
from tenants.db import connection
from tenants.models import Association

pytestmark = pytest.mark.django_db


def _tenant_schemas() -> set[str]:
    names = set(Association.objects.values_list("schema_name", flat=True))
    return names | {schemas.template_schema()}


def _foreign_keys() -> list[tuple[str, str, str, str, str]]:
    """(constraint, schema, table, referenced schema, referenced table) for every foreign key."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT con.conname, n.nspname, c.relname, fn.nspname, fc.relname FROM pg_constraint con "
            "JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "JOIN pg_class fc ON fc.oid = con.confrelid JOIN pg_namespace fn ON fn.oid = fc.relnamespace "
            "WHERE con.contype = 'f' ORDER BY 2, 3, 1"
        )
        return cursor.fetchall()


def test_no_foreign_key_leaves_an_association_except_towards_public(tenant_a: Association) -> None:
    tenant_schemas = _tenant_schemas()
    keys = _foreign_keys()
    from_tenants = [k for k in keys if k[1] in tenant_schemas]
    assert len({k[1] for k in from_tenants}) == len(tenant_schemas)  # every schema has foreign keys
    crossing = [k for k in from_tenants if k[3] != k[1]]
    # Every foreign key that leaves an association's schema points at a public table...
    assert [k for k in crossing if k[3] != "public"] == []
    # ... and today none does: an association's tables refer only to its own.
    assert crossing == []
    # The public schema never points into an association's schema.
    assert [k for k in keys if k[1] == "public" and k[3] != "public"] == []


def test_no_view_function_or_trigger_of_an_association_reads_another_schema() -> None:
    tenant_schemas = _tenant_schemas()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname, p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = ANY(%s)",
            [sorted(tenant_schemas)],
        )
        functions = cursor.fetchall()
        cursor.execute(
            "SELECT schemaname, viewname FROM pg_views WHERE schemaname = ANY(%s)", [sorted(tenant_schemas)]
        )
        views = cursor.fetchall()
    assert functions == [] and views == []


def _plain_routes(resolver: URLResolver, prefix: str = "") -> list[str]:
    """Paths of the URL patterns that take no argument."""
    paths: list[str] = []
    for entry in resolver.url_patterns:
        pattern = str(entry.pattern)
        if "<" in pattern or "(?P" in pattern or "\\" in pattern:
            continue
        route = prefix + pattern.lstrip("^").rstrip("$")
        if isinstance(entry, URLResolver):
            paths += _plain_routes(entry, route)
        elif isinstance(entry, URLPattern):
            paths.append("/" + route)
    return sorted(set(paths))


QUALIFIED = re.compile(r'"?([a-z_][a-z0-9_]*)"?\s*\.\s*"?[a-z_][a-z0-9_]*"?', re.IGNORECASE)


def test_serving_an_association_names_no_other_association_schema(
    tenant_a: Association, tenant_b: Association
) -> None:
    connection.set_tenant(tenant_a)
    admin = User.objects.create_user("boundaries@alpha.test", None, is_staff=True)
    admin.roles.add(*Role.objects.filter(code__in=[RoleCode.ASSOCIATION_ADMIN, RoleCode.ADMINISTRATION]))
    client = Client(HTTP_HOST="alpha.localhost")
    client.force_login(admin)
    connection.set_schema_to_public()
    others = _tenant_schemas() - {tenant_a.schema_name}
    assert tenant_b.schema_name in others

    paths = [p for p in _plain_routes(get_resolver()) if "logout" not in p]
    assert len(paths) > 15
    answered: dict[str, int] = {}
    named: dict[str, list[str]] = {}
    with CaptureQueriesContext(connection) as captured:
        for path in paths:
            start = len(captured.captured_queries)
            response: Any = client.get(path, HTTP_ACCEPT="application/json")
            answered[path] = response.status_code
            for query in captured.captured_queries[start:]:
                found = {m.group(1).lower() for m in QUALIFIED.finditer(query["sql"])} & others
                if found:
                    named.setdefault(path, []).append(query["sql"][:200])
    assert sum(1 for status in answered.values() if status == 200) > 10, answered
    assert all(status < 500 for status in answered.values()), answered
    assert named == {}
