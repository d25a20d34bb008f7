"""Staff sign in on their association's host only; operators on the platform's host only."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import Role, RoleCode, User
from tenants.db import connection
from tests.conftest import PASSWORD, admin_email, totp_code

pytestmark = pytest.mark.django_db


def _login(client: Client, email: str, password: str = PASSWORD) -> bool:
    response = client.post("/accounts/login/", {"login": email, "password": password})
    if response.status_code == 302 and response["Location"] == "/accounts/2fa/authenticate/":
        client.post("/accounts/2fa/authenticate/", {"code": totp_code()})
    return bool(client.get("/").wsgi_request.user.is_authenticated)


def test_staff_sign_in_on_their_own_association(client_a: Client) -> None:
    assert _login(client_a, admin_email("alpha"))
    user = client_a.get("/").wsgi_request.user
    assert isinstance(user, User)
    assert user.has_role(RoleCode.ASSOCIATION_ADMIN)


def test_staff_cannot_sign_in_on_another_association(client_b: Client) -> None:
    response = client_b.post("/accounts/login/", {"login": admin_email("alpha"), "password": PASSWORD})
    assert response.status_code == 200  # the form again, with an error
    assert response.context["form"].errors
    assert not client_b.get("/").wsgi_request.user.is_authenticated


def test_staff_cannot_sign_in_on_the_platform(platform_client: Client) -> None:
    assert not _login(platform_client, admin_email("alpha"))


def test_platform_operator_signs_in_on_the_platform_only(platform_client: Client, client_a: Client) -> None:
    connection.set_schema_to_public()
    operator = User.objects.create_user("ops@sila.test", PASSWORD, is_staff=True)
    operator.roles.add(Role.objects.get(code=RoleCode.PLATFORM_ADMIN))
    assert _login(platform_client, "ops@sila.test")
    assert not _login(client_a, "ops@sila.test")


def test_roles_are_data_scoped_to_where_they_apply(tenant_a: object) -> None:
    connection.set_schema_to_public()
    public_roles = set(Role.objects.values_list("code", flat=True))
    connection.set_tenant(tenant_a)
    association_roles = set(Role.objects.values_list("code", flat=True))
    assert public_roles == {RoleCode.PLATFORM_ADMIN, RoleCode.PLATFORM_BILLING}
    assert {
        RoleCode.ASSOCIATION_ADMIN,
        RoleCode.RECEPTION_EMPLOYEE,
        RoleCode.SOCIAL_RESEARCH_OFFICER,
        RoleCode.COMMITTEE_MEMBER,
        RoleCode.ADMINISTRATION,
        RoleCode.BOARD_MEMBER,
    } == association_roles


def test_open_sign_up_is_closed(client_a: Client) -> None:
    response = client_a.post(
        "/accounts/signup/",
        {"email": "stranger@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    connection.set_tenant(client_a.get("/").wsgi_request.tenant)
    assert not User.objects.filter(email="stranger@example.org").exists()
    # allauth's closed sign-up page; nothing was created (above).
    assert response.status_code == 200
    assert response.templates[0].name == "account/signup_closed.html"


def test_the_sign_in_page_is_arabic_right_to_left_in_the_sila_layout(client_a: Client) -> None:
    body = client_a.get("/accounts/login/").content.decode()
    assert '<html lang="ar" dir="rtl">' in body
    assert "sila.css" in body  # the themes' layout, not allauth's bare one
    assert 'name="login"' in body and 'name="password"' in body
    assert "/accounts/signup/" not in body  # no open sign-up
