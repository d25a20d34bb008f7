"""Team management: the API (association admins only, two associations), invitations, roles,
switching accounts off, the last administrator, re-authentication."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client, TestCase

from accounts.models import Invitation, Role, RoleCode, User
from audit.models import AuditEvent
from casework.services import api_token_create
from tenants.db import connection
from tenants.models import Association
from tests.conftest import PASSWORD, TOTP_SECRET, admin_email, enrol_if_required, host_for, totp_code

pytestmark = pytest.mark.django_db


def _user(tenant: Association, email: str, *roles: str) -> User:
    connection.set_tenant(tenant)
    user = User.objects.create_user(email, PASSWORD, full_name=email.split("@")[0], is_staff=True)
    user.roles.add(*Role.objects.filter(code__in=roles))
    return enrol_if_required(user)


def _client(tenant: Association, user: User | None = None, lang: str = "en") -> Client:
    client = Client(HTTP_HOST=host_for(tenant), HTTP_ACCEPT_LANGUAGE=lang)
    client.cookies["sila_language"] = lang
    if user is not None:
        connection.set_tenant(tenant)
        client.force_login(user)
    return client


def _admin(tenant: Association) -> User:
    connection.set_tenant(tenant)
    return User.objects.get(email=admin_email(tenant.slug))


def _patch(client: Client, user_id: int, body: dict[str, Any]) -> Any:
    return client.patch(f"/api/v1/staff/{user_id}/", body, content_type="application/json")


def test_only_association_admins_see_the_team_and_each_only_their_own(
    tenant_a: Association, tenant_b: Association
) -> None:
    desk = _user(tenant_a, "desk@alpha.test", RoleCode.RECEPTION_EMPLOYEE)
    assert _client(tenant_a, desk).get("/api/v1/staff/").status_code == 403
    assert _client(tenant_a, desk).get("/staff/team/").status_code == 403

    rows = _client(tenant_a, _admin(tenant_a)).get("/api/v1/staff/").json()
    by_email = {row["email"]: row for row in rows}
    assert set(by_email) == {admin_email("alpha"), "desk@alpha.test"}
    assert by_email[admin_email("alpha")]["mfa_enabled"] is True
    assert by_email["desk@alpha.test"] == by_email["desk@alpha.test"] | {
        "roles": [RoleCode.RECEPTION_EMPLOYEE],
        "is_active": True,
        "mfa_enabled": False,
        "board_role": None,
        "active_sessions": 0,
    }
    # Beta's administrator: Alpha's accounts do not exist on Beta's host.
    beta_admin = _client(tenant_b, _admin(tenant_b))
    assert desk.email not in {row["email"] for row in beta_admin.get("/api/v1/staff/").json()}
    assert _patch(beta_admin, desk.pk, {"is_active": False, "code": totp_code()}).status_code == 404
    connection.set_tenant(tenant_a)
    assert User.objects.get(pk=desk.pk).is_active


def test_an_invited_board_member_joins_with_the_roles_given_and_must_enrol(tenant_a: Association) -> None:
    admin = _client(tenant_a, _admin(tenant_a))
    with TestCase.captureOnCommitCallbacks(execute=True):
        created = admin.post(
            "/api/v1/staff/invitations/",
            {"email": "New.Member@Alpha.test", "roles": [RoleCode.BOARD_MEMBER], "code": totp_code()},
            content_type="application/json",
        )
    assert created.status_code == 201, created.content
    assert created.json()["email"] == "new.member@alpha.test"
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/invite/[\w-]+/)", str(mail.outbox[0].body))
    assert link is not None

    invitee = _client(tenant_a)
    assert "new.member@alpha.test" in invitee.get(link.group(1)).content.decode()
    weak = invitee.post(link.group(1), {"full_name": "Noura", "password": "123", "password2": "123"})
    assert weak.status_code == 400
    assert "too short" in weak.content.decode()
    joined = invitee.post(
        link.group(1),
        {"full_name": "Noura", "password": "a-long-pass-phrase-9", "password2": "a-long-pass-phrase-9"},
    )
    assert joined.status_code == 302
    # Joining signs in: the session is in the person's list of sessions, and the sign-in audited.
    connection.set_tenant(tenant_a)
    from allauth.usersessions.models import UserSession

    assert list(
        UserSession.objects.filter(user__email="new.member@alpha.test").values_list("session_key", flat=True)
    ) == [invitee.session.session_key]
    assert (
        AuditEvent.objects.filter(action="account.signed_in", actor_email="new.member@alpha.test").count()
        == 1
    )
    assert invitee.get("/staff/policy/")["Location"] == "/accounts/2fa/totp/activate/"
    assert invitee.get("/accounts/2fa/totp/activate/").status_code == 200  # no second password prompt

    connection.set_tenant(tenant_a)
    user = User.objects.get(email="new.member@alpha.test")
    assert user.role_codes() == {RoleCode.BOARD_MEMBER}
    # The link worked once.
    used = _client(tenant_a).get(link.group(1))
    assert used.status_code == 410
    assert "already used" in used.content.decode()


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"email": "x@alpha.test", "roles": ["wizard"]}, "roles", "Not a role in this association: wizard"),
        (
            {"email": "x@alpha.test", "roles": [RoleCode.PLATFORM_ADMIN]},
            "roles",
            "Not a role in this association",
        ),
        ({"email": "x@alpha.test", "roles": []}, "roles", "at least one role"),
        ({"email": "not-an-email", "roles": [RoleCode.RECEPTION_EMPLOYEE]}, "email", "valid email"),
        (
            {"email": "admin@alpha.test", "roles": [RoleCode.RECEPTION_EMPLOYEE]},
            "email",
            "already has an account",
        ),
    ],
)
def test_bad_invitations_are_field_errors_and_change_nothing(
    tenant_a: Association, body: dict[str, Any], field: str, words: str
) -> None:
    admin = _client(tenant_a, _admin(tenant_a))
    response = admin.post(
        "/api/v1/staff/invitations/", {**body, "code": totp_code()}, content_type="application/json"
    )
    assert response.status_code == 400
    assert words in response.json()["errors"][field][0]
    connection.set_tenant(tenant_a)
    assert not Invitation.objects.exists()


def test_forged_expired_and_replaced_links_are_refused(tenant_a: Association) -> None:
    from accounts import team

    connection.set_tenant(tenant_a)
    admin = _admin(tenant_a)
    first, first_token = team.invitation_create(
        actor=admin,
        email="late@alpha.test",
        roles=[RoleCode.RECEPTION_EMPLOYEE],
        reauthenticate=lambda: "mfa:totp",
    )
    _, second_token = team.invitation_create(
        actor=admin,
        email="late@alpha.test",
        roles=[RoleCode.RECEPTION_EMPLOYEE],
        reauthenticate=lambda: "mfa:totp",
    )
    client = _client(tenant_a)
    assert "replaced by a newer one" in client.get(f"/invite/{first_token}/").content.decode()
    assert client.get("/invite/forged-token/").status_code == 404
    Invitation.objects.filter(token_sha256=team._digest(second_token)).update(expires_at=first.created_at)
    expired = client.post(
        f"/invite/{second_token}/",
        {"full_name": "L", "password": "a-long-pass-phrase-9", "password2": "a-long-pass-phrase-9"},
    )
    assert expired.status_code == 410
    assert "expired" in expired.content.decode()
    connection.set_tenant(tenant_a)
    assert not User.objects.filter(email="late@alpha.test").exists()


def test_role_changes_need_reauthentication_and_are_audited(tenant_a: Association) -> None:
    desk = _user(tenant_a, "desk2@alpha.test", RoleCode.RECEPTION_EMPLOYEE)
    admin = _client(tenant_a, _admin(tenant_a))
    refused = _patch(admin, desk.pk, {"roles": [RoleCode.SOCIAL_RESEARCH_OFFICER]})
    assert (refused.status_code, refused.json()["code"]) == (403, "reauthentication_required")
    changed = _patch(admin, desk.pk, {"roles": [RoleCode.SOCIAL_RESEARCH_OFFICER], "code": totp_code()})
    assert changed.status_code == 200
    assert changed.json()["roles"] == [RoleCode.SOCIAL_RESEARCH_OFFICER]
    connection.set_tenant(tenant_a)
    event = AuditEvent.objects.get(action="staff.roles_changed")
    assert event.changes == {
        "roles": {"old": [RoleCode.RECEPTION_EMPLOYEE], "new": [RoleCode.SOCIAL_RESEARCH_OFFICER]}
    }
    assert event.actor_email == admin_email("alpha")


def test_the_last_admin_cannot_remove_their_own_admin_role(tenant_a: Association) -> None:
    admin_user = _admin(tenant_a)
    admin = _client(tenant_a, admin_user)
    response = _patch(admin, admin_user.pk, {"roles": [RoleCode.RECEPTION_EMPLOYEE], "code": totp_code()})
    assert (response.status_code, response.json()["code"]) == (409, "last_admin")
    off = _patch(admin, admin_user.pk, {"is_active": False, "code": totp_code()})
    assert off.status_code == 409
    connection.set_tenant(tenant_a)
    assert User.objects.get(pk=admin_user.pk).role_codes() == {RoleCode.ASSOCIATION_ADMIN}


def test_a_switched_off_employee_s_token_and_session_fail_on_their_next_request(
    tenant_a: Association,
) -> None:
    employee = _user(tenant_a, "leaver@alpha.test", RoleCode.RECEPTION_EMPLOYEE)
    connection.set_tenant(tenant_a)
    _, token = api_token_create(user=employee, name="laptop")
    session = Client(HTTP_HOST=host_for(tenant_a))
    session.post("/accounts/login/", {"login": employee.email, "password": PASSWORD})
    bearer = {"authorization": f"Bearer {token}"}
    assert session.get("/api/v1/cases/").status_code == 200
    assert Client(HTTP_HOST=host_for(tenant_a)).get("/api/v1/cases/", headers=bearer).status_code == 200
    rows = _client(tenant_a, _admin(tenant_a)).get("/api/v1/staff/").json()
    assert next(r for r in rows if r["email"] == employee.email)["active_sessions"] == 1

    admin = _client(tenant_a, _admin(tenant_a))
    assert _patch(admin, employee.pk, {"is_active": False, "code": totp_code()}).status_code == 200

    assert Client(HTTP_HOST=host_for(tenant_a)).get("/api/v1/cases/", headers=bearer).status_code == 401
    assert session.get("/api/v1/cases/").status_code == 401
    assert not session.get("/").wsgi_request.user.is_authenticated
    connection.set_tenant(tenant_a)
    assert AuditEvent.objects.filter(action="staff.deactivated", object_id=str(employee.pk)).exists()
    assert AuditEvent.objects.filter(actor_id=employee.pk).exists()  # their history stays theirs


def test_mfa_for_everyone_is_changed_by_an_admin_after_reauthenticating(tenant_a: Association) -> None:
    admin = _client(tenant_a, _admin(tenant_a))
    asked = admin.post("/staff/security/", {"mfa_required_for_all": "on", "idle_timeout_minutes": "30"})
    assert asked["Location"].startswith("/accounts/2fa/reauthenticate/")
    done = admin.post(asked["Location"], {"code": totp_code(TOTP_SECRET)})
    assert done.status_code == 302
    connection.set_tenant(tenant_a)
    event = AuditEvent.objects.get(action="security_settings.updated")
    assert event.changes == {"mfa_required_for_all": {"old": False, "new": True}}


def test_guessing_at_an_invitation_link_is_limited_with_429(tenant_a: Association) -> None:
    from accounts import team

    connection.set_tenant(tenant_a)
    _, token = team.invitation_create(
        actor=_admin(tenant_a),
        email="guess@alpha.test",
        roles=[RoleCode.RECEPTION_EMPLOYEE],
        reauthenticate=lambda: "mfa:totp",
    )
    client = _client(tenant_a)
    wrong = {"full_name": "x", "password": "a-long-pass-phrase-9", "password2": "different-phrase-9"}
    answers = [
        client.post(f"/invite/{token}/", wrong, REMOTE_ADDR=f"10.2.0.{n}").status_code for n in range(6)
    ]
    assert answers == [400] * 5 + [429]  # five tries a minute per link, whatever the address
    assert "Too many attempts" in client.post(f"/invite/{token}/", wrong).content.decode()
    connection.set_tenant(tenant_a)
    assert not User.objects.filter(email="guess@alpha.test").exists()
