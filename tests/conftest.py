"""Shared fixtures: a test database with the template schema and two associations, alpha and beta.

Every test that touches data runs against real PostgreSQL (the embedded server, or DATABASE_URL).
Associations are provisioned once per session; each test runs in a transaction that is rolled
back, and starts and ends on the public schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.core.cache import cache
from django.test import Client

from accounts.models import User
from tenants import routing
from tenants.db import connection
from tenants.models import Association
from tenants.services import association_provision, template_refresh

PASSWORD = "correct-horse-battery-staple"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # the test accounts' authenticator app


def totp_code(secret: str = TOTP_SECRET, offset: int = 0) -> str:
    """The code an authenticator app shows now (``offset`` periods away), computed independently
    of Sila (RFC 6238 with SHA-1, 6 digits, 30 s)."""
    import base64
    import hashlib
    import hmac
    import struct
    import time

    counter = int(time.time()) // 30 + offset
    digest = hmac.new(base64.b32decode(secret), struct.pack(">Q", counter), hashlib.sha1).digest()
    start = digest[-1] & 0x0F
    value = (struct.unpack(">I", digest[start : start + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{value:06d}"


def enrol_if_required(user: Any) -> Any:
    """Test users whose role needs a second factor get one, as a real account would have (set up
    directly, not through the audited service: the fixture is not an event under test)."""
    from accounts.security import mfa_required

    if mfa_required(user):
        TOTP.activate(user, TOTP_SECRET)
    return user


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
            association = association_provision(
                slug=slug, admin_email=admin_email(slug), admin_password=PASSWORD, **names
            ).association
            # Admins must hold a second factor (accounts.security); the tests' admins have one.
            connection.set_tenant(association)
            TOTP.activate(User.objects.get(email=admin_email(slug)), TOTP_SECRET)
        connection.set_schema_to_public()
    yield


@pytest.fixture(autouse=True)
def _public_schema_and_fresh_routes() -> Iterator[None]:
    routing.clear()
    yield
    connection.set_schema_to_public()
    routing.clear()
    # Cached settings and rate-limit counters would outlive the test's rolled-back transaction.
    cache.clear()


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
