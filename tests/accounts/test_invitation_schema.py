"""The team API's schema says what the server enforces on an invitation and a role change: the
roles an association grants (by code, at least one) and the email's length."""

from __future__ import annotations

from typing import Any

import pytest

from accounts import team
from accounts.models import Invitation, RoleCode
from core.errors import ServiceError
from tenants.db import connection
from tenants.models import Association
from tests.accounts.test_team import _admin, _client
from tests.conftest import totp_code

pytestmark = pytest.mark.django_db

# The association's roles (accounts.roles); the platform's two are never granted here.
GRANTABLE = [
    "association_admin",
    "reception_employee",
    "social_research_officer",
    "committee_member",
    "administration",
    "board_member",
]


def _request_schema(schema: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    ref = schema["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    found: dict[str, Any] = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return found


def test_the_schema_lists_the_roles_an_association_grants_and_asks_for_one_at_least(
    tenant_a: Association,
) -> None:
    client = _client(tenant_a, _admin(tenant_a))
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    invitation = _request_schema(schema, "/api/v1/staff/invitations/", "post")
    change = _request_schema(schema, "/api/v1/staff/{id}/", "patch")
    for roles in (invitation["properties"]["roles"], change["properties"]["roles"]):
        assert roles["type"] == "array"
        assert roles["items"] == {"$ref": "#/components/schemas/AssociationRoleEnum"}
        assert roles["minItems"] == 1
    codes = schema["components"]["schemas"]["AssociationRoleEnum"]
    assert (codes["type"], codes["enum"]) == ("string", GRANTABLE)
    assert invitation["properties"]["email"]["maxLength"] == 254
    assert "roles" in invitation["required"]

    # Every role the schema lists is one the server grants.
    granted = client.post(
        "/api/v1/staff/invitations/",
        {"email": "all.roles@alpha.test", "roles": GRANTABLE, "code": totp_code()},
        content_type="application/json",
    )
    assert granted.status_code == 201, granted.content
    assert granted.json()["roles"] == sorted(GRANTABLE)


def test_an_email_longer_than_254_characters_is_a_field_error_not_a_server_error(
    tenant_a: Association,
) -> None:
    # 255 characters, a well-formed address otherwise (Django's validator takes up to 320).
    long_email = "a" * 60 + "." + "b" * 60 + "." + "c" * 60 + "@" + "x" * 60 + ".example.com"
    assert len(long_email) == 255
    client = _client(tenant_a, _admin(tenant_a))
    answer = client.post(
        "/api/v1/staff/invitations/",
        {"email": long_email, "roles": [RoleCode.RECEPTION_EMPLOYEE], "code": totp_code()},
        content_type="application/json",
    )
    assert answer.status_code == 400
    assert list(answer.json()["errors"]) == ["email"]
    # The service refuses it too (the team screen calls it directly).
    connection.set_tenant(tenant_a)
    with pytest.raises(ServiceError) as refused:
        team.invitation_create(
            actor=_admin(tenant_a),
            email=long_email,
            roles=[RoleCode.RECEPTION_EMPLOYEE],
            reauthenticate=lambda: "mfa:totp",
        )
    assert [(p.field, p.code) for p in refused.value.problems] == [("email", "invalid")]
    assert not Invitation.objects.exists()
