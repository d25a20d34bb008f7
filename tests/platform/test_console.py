"""The platform console: platform admins with a second factor only; every action audited; suspend
(reads ok, writes 423, public policy shown), reactivate, archive (410), support grants."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection as db_connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Role, RoleCode, User
from audit.models import AuditEvent
from console.models import SupportAccess, SupportGrant
from policy_engine.services import policy_seed_install
from tenants.db import connection
from tenants.models import Association, AssociationStatus, Domain
from tests.conftest import PASSWORD, admin_email, enrol_if_required, totp_code

OPERATOR = "operator@platform.test"


def platform_admin() -> User:
    connection.set_schema_to_public()
    user = User.objects.create_user(OPERATOR, PASSWORD, full_name="Operator", is_staff=True)
    user.roles.add(Role.objects.get(code=RoleCode.PLATFORM_ADMIN))
    # Platform admins must hold a second factor (accounts.security): without one, every page is
    # the enrolment page. Holding one is not enough for the console: it must be used to sign in.
    return enrol_if_required(user)


@pytest.fixture
def operator(db: None) -> Client:
    """A platform admin signed in on the platform's host with password and authenticator code."""
    platform_admin()
    client = Client(HTTP_HOST="localhost")
    client.cookies["sila_language"] = "en"
    first = client.post("/accounts/login/", {"login": OPERATOR, "password": PASSWORD})
    assert first["Location"] == "/accounts/2fa/authenticate/"
    assert client.post("/accounts/2fa/authenticate/", {"code": totp_code()}).status_code == 302
    return client


def test_console_refuses_anonymous_non_admins_and_admins_without_mfa(tenant_a: Association, db: None) -> None:
    assert Client(HTTP_HOST="localhost").get("/console/").status_code == 302

    # Enrolled, but this session was not opened with the second factor.
    without_code = Client(HTTP_HOST="localhost")
    without_code.cookies["sila_language"] = "en"
    without_code.force_login(platform_admin())
    no_mfa = without_code.get("/console/")
    assert no_mfa.status_code == 403
    assert "two-step verification" in no_mfa.content.decode()
    refused = without_code.post(f"/console/a/{tenant_a.slug}/suspend/", {"reason": "x"})
    assert refused.status_code == 403
    tenant_a.refresh_from_db()
    assert tenant_a.status == AssociationStatus.ACTIVE

    # Not enrolled at all: the accounts layer sends a platform admin to enrolment first.
    connection.set_schema_to_public()
    bare = User.objects.create_user("bare@platform.test", PASSWORD, is_staff=True)
    bare.roles.add(Role.objects.get(code=RoleCode.PLATFORM_ADMIN))
    unenrolled = Client(HTTP_HOST="localhost")
    unenrolled.force_login(bare)
    assert unenrolled.get("/console/")["Location"] == "/accounts/2fa/totp/activate/"
    refused_again = unenrolled.post(f"/console/a/{tenant_a.slug}/suspend/", {"reason": "x"})
    assert refused_again["Location"] == "/accounts/2fa/totp/activate/"
    tenant_a.refresh_from_db()
    assert tenant_a.status == AssociationStatus.ACTIVE

    other = Client(HTTP_HOST="localhost")
    other.force_login(platform_admin_without_role())
    assert other.get("/console/").status_code == 403


def platform_admin_without_role() -> User:
    return User.objects.create_user("someone@platform.test", PASSWORD, is_staff=True)


def test_console_list_is_paginated_filtered_and_constant_in_queries(
    operator: Client, tenant_a: Association, tenant_b: Association
) -> None:
    page = operator.get("/console/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Alpha Charity" in html
    assert "Beta Charity" in html
    filtered = operator.get("/console/", {"q": "alpha"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Alpha Charity" in filtered
    assert "Beta Charity" not in filtered
    suspended_only = operator.get(
        "/console/", {"status": "suspended"}, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Alpha Charity" not in suspended_only

    with CaptureQueriesContext(db_connection) as few:
        operator.get("/console/")
    for index in range(6):
        Association.objects.create(
            schema_name=f"extra_{index}",
            slug=f"extra-{index}",
            name_ar=f"جمعية {index}",
            name_en=f"Extra {index}",
        )
    with CaptureQueriesContext(db_connection) as many:
        operator.get("/console/")
    assert len(many.captured_queries) == len(few.captured_queries)


def test_suspend_then_reactivate_is_audited_and_writes_get_423(
    operator: Client, tenant_a: Association
) -> None:
    connection.set_tenant(tenant_a)
    policy_seed_install(slug="jamoum")
    connection.set_schema_to_public()

    missing_reason = operator.post(f"/console/a/{tenant_a.slug}/suspend/", {"reason": ""})
    assert missing_reason.status_code == 302
    tenant_a.refresh_from_db()
    assert tenant_a.status == AssociationStatus.ACTIVE

    operator.post(f"/console/a/{tenant_a.slug}/suspend/", {"reason": "Unpaid since June"})
    tenant_a.refresh_from_db()
    assert tenant_a.status == AssociationStatus.SUSPENDED
    audit = AuditEvent.objects.filter(action="association.suspended").get()
    assert audit.actor_email == OPERATOR
    assert audit.changes["reason"]["new"] == "Unpaid since June"

    site = Client(HTTP_HOST="alpha.localhost")
    site.cookies["sila_language"] = "en"
    assert site.get("/policy/").status_code == 200  # the public policy stays published
    _sign_in_admin(site, tenant_a)
    page = site.get("/staff/policy/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "account is suspended" in page.content.decode()
    refused = site.post("/api/v1/policy/versions/", {}, content_type="application/json")
    assert (refused.status_code, refused.json()["code"]) == (423, "association_suspended")
    assert site.post("/staff/policy/from-template", {"template": "rumaila"}).status_code == 423

    operator.post(f"/console/a/{tenant_a.slug}/reactivate/")
    tenant_a.refresh_from_db()
    assert tenant_a.status == AssociationStatus.ACTIVE
    assert AuditEvent.objects.filter(action="association.reactivated", actor_email=OPERATOR).exists()


def _sign_in_admin(site: Client, tenant: Association) -> None:
    """Sessions live in the association's schema: sign in there."""
    connection.set_tenant(tenant)
    site.force_login(User.objects.get(email=admin_email(tenant.slug)))
    connection.set_schema_to_public()


def test_archive_answers_410_and_keeps_data_until_a_purge_after_retention(
    operator: Client, tenant_b: Association
) -> None:
    operator.post(f"/console/a/{tenant_b.slug}/archive/", {"reason": "Association dissolved"})
    tenant_b.refresh_from_db()
    assert tenant_b.status == AssociationStatus.ARCHIVED
    assert Client(HTTP_HOST="beta.localhost").get("/").status_code == 410
    connection.set_tenant(tenant_b)
    assert User.objects.filter(email=admin_email("beta")).exists()
    connection.set_schema_to_public()

    early = operator.post(f"/console/a/{tenant_b.slug}/purge/", {"confirm": "beta"}, follow=True)
    assert (
        "retention period has not ended" in early.content.decode() or "مدة الاحتفاظ" in early.content.decode()
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = 'beta'")
        assert cursor.fetchone() == (1,)


def test_custom_domain_states_the_allowed_hosts_consequence(
    operator: Client, tenant_a: Association, settings: Any
) -> None:
    settings.ALLOWED_HOSTS = [".localhost", "localhost"]
    page = operator.post(
        f"/console/a/{tenant_a.slug}/domain/",
        {"domain": "care.alpha.org.sa"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert Domain.objects.get(domain="care.alpha.org.sa").tenant_id == tenant_a.pk
    assert "SILA_ALLOWED_HOSTS" in page.content.decode()
    bad = operator.post(f"/console/a/{tenant_a.slug}/domain/", {"domain": "not a host"}, follow=True)
    assert bad.status_code == 200
    assert Domain.objects.filter(tenant=tenant_a).count() == 2
    assert AuditEvent.objects.filter(action="association.domain_added").count() == 1


def test_support_grant_opened_by_the_association_logs_each_read_and_ends(
    operator: Client, tenant_a: Association, tenant_b: Association
) -> None:
    # No grant: no beneficiary data.
    assert operator.get(f"/console/a/{tenant_a.slug}/support/").status_code == 403

    site = Client(HTTP_HOST="alpha.localhost")
    _sign_in_admin(site, tenant_a)
    bad = site.post("/staff/support/", {"reason": "", "hours": "500"})
    assert bad.status_code == 400
    site.post("/staff/support/", {"reason": "Help with the registry", "hours": "2"})
    grant = SupportGrant.objects.get(association=tenant_a)
    assert grant.opened_by_email == admin_email("alpha")

    assert operator.get(f"/console/a/{tenant_a.slug}/support/").status_code == 200
    assert operator.get(f"/console/a/{tenant_b.slug}/support/").status_code == 403  # beta opened nothing
    assert SupportAccess.objects.filter(grant=grant).count() == 1
    seen = site.get("/staff/support/").content.decode()
    assert OPERATOR in seen

    site.post("/staff/support/", {"revoke": str(grant.pk)})
    assert operator.get(f"/console/a/{tenant_a.slug}/support/").status_code == 403
    assert SupportAccess.objects.filter(grant=grant).count() == 1

    expired = SupportGrant.objects.create(
        association=tenant_b,
        opened_by_email="admin@beta.test",
        reason="old",
        starts_at=timezone.now() - dt.timedelta(hours=3),
        ends_at=timezone.now() - dt.timedelta(hours=1),
    )
    assert operator.get(f"/console/a/{tenant_b.slug}/support/").status_code == 403
    assert not SupportAccess.objects.filter(grant=expired).exists()


def test_failures_page_lists_incidents(operator: Client) -> None:
    from ops.services import incident_record

    incident_record(kind="webhook", summary="Stripe event x could not be applied", error=RuntimeError("x"))
    page = operator.get("/console/failures/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Stripe event x could not be applied" in page


def test_purge_after_the_retention_period_drops_the_schema_and_is_audited(
    operator: Client, tenant_b: Association
) -> None:
    from ops.models import StatusChange

    operator.post(f"/console/a/{tenant_b.slug}/archive/", {"reason": "Association dissolved"})
    StatusChange.objects.filter(association=tenant_b, new_status="archived").update(
        purge_after=timezone.now() - dt.timedelta(days=1)
    )
    wrong = operator.post(f"/console/a/{tenant_b.slug}/purge/", {"confirm": "alpha"})
    assert wrong.status_code == 302
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_namespace WHERE nspname = 'beta'")
        assert cursor.fetchone() == (1,)
    operator.post(f"/console/a/{tenant_b.slug}/purge/", {"confirm": "beta"})
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_namespace WHERE nspname = 'beta'")
        assert cursor.fetchone() == (0,)
    assert not Domain.objects.filter(tenant=tenant_b).exists()
    assert AuditEvent.objects.filter(action="association.purged", actor_email=OPERATOR).count() == 1
