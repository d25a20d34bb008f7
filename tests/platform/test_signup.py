"""Self-service sign-up: the API, the rules on each field, verification, provisioning, hand-off."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.core import mail
from django.test import Client
from django.utils import timezone
from procrastinate.contrib.django.models import ProcrastinateJob

from accounts.models import RoleCode, User
from billing.models import Subscription
from ops.models import Incident
from policy_engine.models import PolicyStatus, PolicyVersion
from signup import services
from signup.models import Signup, SignupStatus
from tenants.db import connection
from tenants.models import Association
from tests.conftest import TOTP_SECRET
from tests.platform.conftest import STRONG, signup_data, token_from_mail

API = "/api/v1/signups/"


def post(client: Client, data: dict[str, Any]) -> Any:
    return client.post(API, data, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")


def test_signup_api_creates_a_pending_signup_and_emails_a_link(
    platform_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = post(platform_client, signup_data())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending_verification"
    assert body["slug"] == "nour"
    assert body["url"] is None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["admin@nour.test"]
    signup = Signup.objects.get(pk=body["id"])
    assert signup.password_hash.startswith("md5$")  # hashed, never the password itself
    assert STRONG not in signup.password_hash
    state = platform_client.get(f"{API}{body['id']}/").json()
    assert state["status"] == "pending_verification"


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"slug": "www"}, "slug", "reserved"),
        ({"slug": "console"}, "slug", "reserved"),
        ({"slug": "alpha"}, "slug", "reserved"),
        ({"slug": "beta-charity-"}, "slug", "invalid"),
        ({"slug": "nour_1"}, "slug", "invalid"),
        ({"slug": "9lives"}, "slug", "invalid"),
        ({"slug": "ab"}, "slug", "invalid"),
        ({"slug": "a" * 33}, "slug", "invalid"),
        ({"licence_number": "12AB"}, "licence_number", "invalid"),
        ({"admin_email": "not-an-email"}, "admin_email", "invalid"),
        ({"password": "password123"}, "password", "weak"),
        ({"sector": "mining"}, "sector", "invalid"),
        ({"region": "dubai"}, "region", "invalid"),
        ({"template": "someone-else"}, "template", "invalid"),
        ({"accept_terms": False}, "accept_terms", "required"),
        ({"name_ar": ""}, "name_ar", "required"),
    ],
)
def test_bad_fields_are_refused_at_the_field(
    platform_client: Client, change: dict[str, Any], field: str, code: str
) -> None:
    response = post(platform_client, signup_data(**change))
    assert response.status_code == 400
    body = response.json()
    assert body["error_codes"][field] == code
    assert body["errors"][field]
    assert not Signup.objects.exists()


def test_a_taken_subdomain_is_refused(platform_client: Client, tenant_b: Association) -> None:
    Association.objects.filter(pk=tenant_b.pk).update(slug="nour-taken")
    response = post(platform_client, signup_data(slug="nour-taken"))
    assert response.status_code == 400
    assert response.json()["error_codes"]["slug"] == "taken"


def test_licence_number_accepts_arabic_indic_digits(platform_client: Client) -> None:
    response = post(platform_client, signup_data(licence_number="١٢٣٤"))
    assert response.status_code == 201
    assert Signup.objects.get().licence_number == "1234"


def test_a_second_signup_with_the_same_email_while_one_is_pending_is_refused(platform_client: Client) -> None:
    assert post(platform_client, signup_data()).status_code == 201
    second = post(platform_client, signup_data(slug="nour-two", email="ADMIN@nour.test"))
    assert second.status_code == 400
    assert second.json()["error_codes"]["admin_email"] == "pending"
    assert Signup.objects.count() == 1


def test_the_same_subdomain_pending_is_taken_until_its_link_expires(platform_client: Client) -> None:
    assert post(platform_client, signup_data()).status_code == 201
    again = post(platform_client, signup_data(email="other@nour.test"))
    assert again.json()["error_codes"]["slug"] == "taken"
    Signup.objects.update(verification_expires_at=timezone.now() - dt.timedelta(minutes=1))
    later = post(platform_client, signup_data(email="other@nour.test"))
    assert later.status_code == 201
    assert Signup.objects.get(status=SignupStatus.EXPIRED).admin_email == "admin@nour.test"


def test_live_subdomain_check(platform_client: Client, tenant_a: Association) -> None:
    def check(slug: str) -> dict[str, Any]:
        return dict(platform_client.get("/api/v1/signups/slug-check", {"slug": slug}).json())

    assert check("nour")["available"] is True
    assert check("api") == {
        "slug": "api",
        "available": False,
        "code": "reserved",
        "message": check("api")["message"],
    }
    assert check("x")["code"] == "invalid"
    Association.objects.filter(pk=tenant_a.pk).update(slug="taken-one")
    assert check("taken-one")["code"] == "taken"


def test_verification_defers_provisioning_once(
    platform_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        signup_id = post(platform_client, signup_data()).json()["id"]
    token = token_from_mail()
    first = platform_client.post("/api/v1/signups/verify", {"token": token}, content_type="application/json")
    assert first.status_code == 200
    assert first.json()["status"] == "provisioning"
    jobs = ProcrastinateJob.objects.filter(task_name="signup.provision")
    assert [job.args for job in jobs] == [{"signup_id": signup_id}]
    again = platform_client.post("/api/v1/signups/verify", {"token": token}, content_type="application/json")
    assert again.status_code == 409
    assert again.json()["code"] == "link_used"
    assert ProcrastinateJob.objects.filter(task_name="signup.provision").count() == 1


def test_an_expired_link_is_refused(platform_client: Client, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        post(platform_client, signup_data())
    Signup.objects.update(verification_expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = platform_client.get(f"/signup/verify/{token_from_mail()}/")
    assert response.status_code == 410
    assert Signup.objects.get().verified_at is None
    assert not ProcrastinateJob.objects.filter(task_name="signup.provision").exists()


def test_provisioning_makes_the_site_with_a_draft_policy_and_a_signed_in_admin(
    verified_signup: Signup,
) -> None:
    done = services.signup_provision(signup_id=verified_signup.pk)
    assert done.status == SignupStatus.ACTIVE
    assert done.progress == 100
    assert done.password_hash == ""
    association = Association.objects.get(slug="nour")
    assert (association.name_ar, association.name_en, association.region, association.sector) == (
        "جمعية نور الخيرية",
        "Nour Charity",
        "riyadh",
        "social_services",
    )
    assert Subscription.objects.get(association=association).plan.code == "free"
    connection.set_tenant(association)
    admin = User.objects.get(email="admin@nour.test")
    assert admin.check_password(STRONG)
    assert admin.full_name == "سارة العتيبي"
    assert admin.has_role(RoleCode.ASSOCIATION_ADMIN)
    versions = list(PolicyVersion.objects.all())
    assert [v.status for v in versions] == [PolicyStatus.DRAFT]
    assert versions[0].document["contacts"] == [{"kind": "email", "value": "admin@nour.test"}]
    assert versions[0].document["bank_accounts"] == []
    connection.set_schema_to_public()

    # The browser that verified the email is handed to the new site, signed in, once.
    browser = Client(HTTP_HOST="localhost")
    session = browser.session
    session["sila_signups"] = [str(done.pk)]
    session.save()
    enter = browser.get(f"/signup/{done.pk}/enter/")
    assert enter.status_code == 302
    assert enter["Location"].startswith("http://nour.localhost")
    path = enter["Location"].split("nour.localhost", 1)[1]
    site = Client(HTTP_HOST="nour.localhost")
    landed = site.get(path)
    assert landed.status_code == 302
    assert landed["Location"] == "/welcome/"
    # An association's admin enrols a second factor before anything else (accounts.security).
    assert site.get("/welcome/")["Location"] == "/accounts/2fa/totp/activate/"
    connection.set_tenant(association)
    TOTP.activate(admin, TOTP_SECRET)
    connection.set_schema_to_public()
    welcome = site.get("/welcome/", HTTP_ACCEPT_LANGUAGE="en")
    assert welcome.status_code == 200
    assert "أضف أعضاء مجلس الإدارة" in welcome.content.decode()
    assert Client(HTTP_HOST="nour.localhost").get(path).status_code == 410  # used once


def test_another_browser_cannot_take_the_hand_off(verified_signup: Signup) -> None:
    services.signup_provision(signup_id=verified_signup.pk)
    assert Client(HTTP_HOST="localhost").get(f"/signup/{verified_signup.pk}/enter/").status_code == 404


def test_blank_template_starts_without_a_policy(
    platform_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        post(platform_client, signup_data(template="blank"))
    signup = services.signup_verify(token=token_from_mail())
    services.signup_provision(signup_id=signup.pk)
    connection.set_tenant(Association.objects.get(slug="nour"))
    assert not PolicyVersion.objects.exists()


def test_a_failed_provisioning_leaves_nothing_and_is_an_incident(verified_signup: Signup) -> None:
    # Someone took the schema's name in between: provisioning must fail whole.
    with connection.cursor() as cursor:
        cursor.execute('CREATE SCHEMA "nour"')
    done = services.signup_provision(signup_id=verified_signup.pk)
    assert done.status == SignupStatus.FAILED
    assert not Association.objects.filter(slug="nour").exists()
    incident = Incident.objects.get()
    assert (incident.kind, incident.association_slug, incident.reference) == (
        "provisioning",
        "nour",
        str(done.pk),
    )


def test_signup_page_in_arabic_shows_field_errors(platform_client: Client) -> None:
    page = platform_client.get("/signup/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'dir="rtl"' in html
    assert "<h1>سجّل جمعيتك</h1>" in html
    bad = platform_client.post("/signup/", {**signup_data(slug="www"), "accept_terms": "on"})
    assert bad.status_code == 400
    assert "هذا الاسم محجوز للمنصة" in bad.content.decode()


def test_two_signups_racing_for_one_subdomain_one_wins_at_the_database(
    platform_client: Client, monkeypatch: Any
) -> None:
    # Both passed the availability check before either was written: the database decides.
    from signup import validation

    monkeypatch.setattr(validation, "slug_problem", lambda slug: None)
    assert post(platform_client, signup_data()).status_code == 201
    loser = post(platform_client, signup_data(email="second@nour.test"))
    assert loser.status_code == 400
    assert loser.json()["error_codes"]["slug"] == "taken"
    assert Signup.objects.filter(slug="nour").count() == 1


def test_a_sector_template_starts_a_draft_with_that_sectors_intake_form(
    platform_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    from policy_engine.rules.sector_templates import sector_template

    with django_capture_on_commit_callbacks(execute=True):
        assert post(platform_client, signup_data(template="health_care")).status_code == 201
    signup = services.signup_verify(token=token_from_mail())
    assert services.signup_provision(signup_id=signup.pk).status == SignupStatus.ACTIVE
    connection.set_tenant(Association.objects.get(slug="nour"))
    draft = PolicyVersion.objects.get()
    steps = tuple(step["step"] for step in draft.document["procedure"])
    tools = tuple(t if isinstance(t, str) else t["code"] for t in draft.document.get("staff_tools", []))
    expected = sector_template("health_care", steps=steps, staff_tools=tools)
    assert draft.status == PolicyStatus.DRAFT
    assert draft.document["intake_form"] == expected["intake_form"]
    assert draft.document["checklists"] == expected["checklists"]
