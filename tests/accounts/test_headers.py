"""Security headers, and user-typed data kept as data in pages (no |safe on it)."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User
from tenants.db import connection
from tenants.models import Association
from tests.conftest import admin_email, host_for

pytestmark = pytest.mark.django_db


def test_pages_carry_a_csp_without_inline_script_and_other_headers(client_a: Client) -> None:
    for response in (client_a.get("/accounts/login/"), Client(HTTP_HOST="nowhere.localhost").get("/")):
        csp = response["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
        assert directives["script-src"] == "'self'"
        assert directives["frame-ancestors"] == "'none'"
        assert response["Referrer-Policy"] == "same-origin"
        assert "camera=()" in response["Permissions-Policy"]
    assert client_a.get("/accounts/login/")["X-Frame-Options"] == "DENY"


def test_no_inline_script_in_the_pages_staff_use(tenant_a: Association) -> None:
    connection.set_tenant(tenant_a)
    client = Client(HTTP_HOST=host_for(tenant_a))
    client.force_login(User.objects.get(email=admin_email("alpha")))
    for path in ("/staff/team/", "/staff/policy/", "/accounts/2fa/", "/accounts/sessions/"):
        html = client.get(path).content.decode()
        for tag in html.split("<script")[1:]:
            opening = tag.split(">", 1)[0]
            assert "src=" in opening or 'type="application/json"' in opening, (path, opening)
