"""Two associations never see or change each other's data: rows, cache and sessions."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from accounts.models import User
from tenants.db import connection
from tenants.models import Association
from tests.conftest import PASSWORD, admin_email, totp_code

pytestmark = pytest.mark.django_db


def test_rows_of_one_association_are_invisible_and_unchangeable_from_another(
    tenant_a: Association, tenant_b: Association
) -> None:
    connection.set_tenant(tenant_a)
    User.objects.create_user("only-in-a@alpha.test", PASSWORD, full_name="موظف ألفا")
    assert User.objects.filter(email="only-in-a@alpha.test").count() == 1

    connection.set_tenant(tenant_b)
    assert not User.objects.filter(email="only-in-a@alpha.test").exists()
    assert User.objects.filter(email="only-in-a@alpha.test").update(full_name="changed by B") == 0
    assert User.objects.filter(email="only-in-a@alpha.test").delete()[0] == 0
    assert not User.objects.filter(email=admin_email("alpha")).exists()

    connection.set_tenant(tenant_a)
    assert User.objects.get(email="only-in-a@alpha.test").full_name == "موظف ألفا"


def test_users_table_lives_in_each_schema_not_in_public(tenant_a: Association) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema FROM information_schema.tables WHERE table_name = 'accounts_user' "
            "ORDER BY table_schema"
        )
        schemas = {row[0] for row in cursor.fetchall()}
    assert {"public", "alpha", "beta", "sila_template"} <= schemas


def test_cache_key_function_is_tenant_aware(tenant_a: Association, tenant_b: Association) -> None:
    key_function = cache.make_key
    connection.set_tenant(tenant_a)
    key_a = key_function("inbox-count")
    cache.set("inbox-count", 41)
    connection.set_tenant(tenant_b)
    key_b = key_function("inbox-count")
    assert key_a != key_b
    assert key_a.startswith("alpha:") and key_b.startswith("beta:")
    assert cache.get("inbox-count") is None
    cache.set("inbox-count", 7)
    connection.set_tenant(tenant_a)
    assert cache.get("inbox-count") == 41
    connection.set_schema_to_public()
    assert cache.get("inbox-count") is None


def test_session_cookie_from_one_association_is_anonymous_on_another(
    client_a: Client, client_b: Client
) -> None:
    response = client_a.post("/accounts/login/", {"login": admin_email("alpha"), "password": PASSWORD})
    assert response["Location"] == "/accounts/2fa/authenticate/"  # the admin's second factor
    client_a.post("/accounts/2fa/authenticate/", {"code": totp_code()})
    session_cookie = client_a.cookies["sila_session"].value
    page_a = client_a.get("/")
    assert page_a.wsgi_request.user.is_authenticated
    assert page_a.wsgi_request.user.email == admin_email("alpha")

    client_b.cookies["sila_session"] = session_cookie
    page_b = client_b.get("/")
    assert page_b.status_code == 200
    assert not page_b.wsgi_request.user.is_authenticated
    assert admin_email("alpha") not in page_b.content.decode()
