"""Shared fixtures: a test database with the template schema and two associations, alpha and beta.

Every test that touches data runs against real PostgreSQL (the embedded server, or DATABASE_URL).
Associations are provisioned once per session; each test runs in a transaction that is rolled
back, and starts and ends on the public schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import pytest
from django.test import Client

from tenants import routing
from tenants.db import connection
from tenants.models import Association
from tenants.services import association_provision, template_refresh

PASSWORD = "correct-horse-battery-staple"
TENANTS: dict[str, dict[str, Any]] = {
    "alpha": {"name_ar": "جمعية ألفا الخيرية", "name_en": "Alpha Charity"},
    "beta": {"name_ar": "جمعية بيتا الخيرية", "name_en": "Beta Charity"},
}


def admin_email(slug: str) -> str:
    return f"admin@{slug}.test"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock():
        # Never provision test tenants into a real database (pytest-django creates the test
        # database only when a collected test asks for the database).
        assert str(connection.settings_dict["NAME"]).startswith("test_"), connection.settings_dict["NAME"]
        template_refresh()
        for slug, names in TENANTS.items():
            association_provision(slug=slug, admin_email=admin_email(slug), admin_password=PASSWORD, **names)
        connection.set_schema_to_public()
    yield


@pytest.fixture(autouse=True)
def _public_schema_and_fresh_routes() -> Iterator[None]:
    routing.clear()
    yield
    connection.set_schema_to_public()
    routing.clear()


@pytest.fixture
def tenant_a(db: None) -> Association:
    return cast(Association, Association.objects.get(slug="alpha"))


@pytest.fixture
def tenant_b(db: None) -> Association:
    return cast(Association, Association.objects.get(slug="beta"))


def host_for(association: Association) -> str:
    return f"{association.slug}.localhost"


@pytest.fixture
def client_a(tenant_a: Association) -> Client:
    return Client(HTTP_HOST=host_for(tenant_a))


@pytest.fixture
def client_b(tenant_b: Association) -> Client:
    return Client(HTTP_HOST=host_for(tenant_b))


@pytest.fixture
def platform_client(db: None) -> Client:
    return Client(HTTP_HOST="localhost")
