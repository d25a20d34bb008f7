"""The consented cross-association duplicate check: a person served by alpha and beta with their
consent is flagged in both, without either seeing the other's data; only keyed hashes cross; the
check is logged and rate-limited; withdrawing consent removes the mark."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pytest
from django.db import connection as db
from pytest_django.fixtures import Settings

from casework.models import Beneficiary
from casework.privacy import consents as privacy
from casework.privacy.models import AccessLogEntry
from policy_engine.models import PolicyVersion
from tenants.db import connection
from tenants.models import Association, CrossCheckEntry
from tests.casework.conftest import (
    Api,
    Staff,
    install_policy,
    intake_answers,
    make_user,
    new_national_id,
    register,
)

pytestmark = pytest.mark.django_db


def _open_with(tenant: Association, user: Any, national_id: str, consents: list[str], phone: str) -> int:
    connection.set_tenant(tenant)
    beneficiary = register(user, national_id=national_id, phone=phone, name="سلمى بنت ناصر العتيبي")
    answer = Api(tenant, user).post(
        "/api/v1/cases/",
        {
            "beneficiary": beneficiary.pk,
            "channel": "interview",
            "intake": intake_answers(),
            "privacy": {"consents": consents},
        },
    )
    assert answer.status_code == 201, answer.content
    return beneficiary.pk


@pytest.fixture
def beta_reception(tenant_b: Association) -> Any:
    install_policy(tenant_b, "rumaila")
    return make_user(tenant_b, "reception@beta.test", "reception_employee")


def test_a_person_served_by_two_associations_with_consent_is_flagged_in_both_and_nothing_else_crosses(
    alpha: Association, staff: Staff, rumaila: PolicyVersion, tenant_b: Association, beta_reception: Any
) -> None:
    connection.set_schema_to_public()
    alpha.sector, alpha.sector_ar = "orphans", "رعاية الأيتام"
    alpha.save(update_fields=["sector", "sector_ar"])
    national_id = new_national_id()
    in_alpha = _open_with(
        alpha, staff.reception, national_id, ["cross_check", "cross_check_named"], "0551111111"
    )
    in_beta = _open_with(tenant_b, beta_reception, national_id, ["cross_check"], "0552222222")

    connection.set_schema_to_public()
    entries = list(CrossCheckEntry.objects.order_by("association__slug"))
    assert [(e.association.slug, e.named) for e in entries] == [("alpha", True), ("beta", False)]
    expected = hmac.new(
        hmac.new(b"dev-only-insecure-key-change-me", b"sila-crosscheck-v1", hashlib.sha256).digest(),
        national_id.encode(),
        hashlib.sha256,
    ).hexdigest()
    assert {e.id_hmac for e in entries} == {expected}
    assert hashlib.sha256(national_id.encode()).hexdigest() != expected  # not a plain hash
    # Nothing but the hash, the association, its category and the naming flag is in the table.
    with db.cursor() as cursor:
        cursor.execute("SELECT * FROM public.tenants_crosscheckentry")
        dump = repr(cursor.fetchall())
    for secret in (national_id, "سلمى", "0551111111", "+966551111111", "+966552222222"):
        assert secret not in dump

    # Beta's employee learns that one other association serves the person, and which: alpha
    # allowed to be named.
    from_beta = Api(tenant_b, beta_reception).post(f"/api/v1/beneficiaries/{in_beta}/cross-check/")
    assert from_beta.status_code == 200, from_beta.content
    assert from_beta.json()["others"] == 1
    assert from_beta.json()["named"] == [
        {
            "association_ar": "جمعية ألفا الخيرية",
            "association_en": "Alpha Charity",
            "category_ar": "رعاية الأيتام",
            "category_en": "orphans",
        }
    ]
    assert "سلمى" not in from_beta.content.decode()
    assert "0551111111" not in from_beta.content.decode()
    # Alpha's learns that one other serves them, but not which: beta was not allowed to say.
    from_alpha = Api(alpha, staff.reception).post(f"/api/v1/beneficiaries/{in_alpha}/cross-check/")
    assert (from_alpha.json()["others"], from_alpha.json()["named"]) == (1, [])
    connection.set_tenant(alpha)
    # (the requests' own intake checks are logged too, under the API's name for opening one)
    [logged] = AccessLogEntry.objects.filter(action="cross_check", via="api")
    assert (logged.user_email, logged.beneficiary_id, logged.via) == ("reception@alpha.test", in_alpha, "api")

    # Beta's record id means nothing on alpha's host, and the other way round.
    wrong_host = Api(alpha, staff.reception).post(f"/api/v1/beneficiaries/{in_beta + 10_000}/cross-check/")
    assert wrong_host.status_code == 404

    # The person withdraws the check at alpha: alpha's mark goes; beta now sees no one.
    withdrawn = Api(alpha, staff.reception).post(
        f"/api/v1/beneficiaries/{in_alpha}/consents/withdraw/", {"kind": "cross_check"}
    )
    assert withdrawn.status_code == 200
    connection.set_tenant(alpha)
    assert privacy.active_consents(Beneficiary.objects.get(pk=in_alpha)) == set()
    connection.set_schema_to_public()
    assert [e.association.slug for e in CrossCheckEntry.objects.all()] == ["beta"]
    again = Api(tenant_b, beta_reception).post(f"/api/v1/beneficiaries/{in_beta}/cross-check/")
    assert (again.json()["others"], again.json()["named"]) == (0, [])


def test_without_consent_no_mark_is_registered(
    alpha: Association, staff: Staff, rumaila: PolicyVersion
) -> None:
    _open_with(alpha, staff.reception, new_national_id(), ["sms"], "0553333333")
    connection.set_schema_to_public()
    assert not CrossCheckEntry.objects.exists()


def test_checks_are_limited_per_employee_and_hour_and_the_refusal_is_logged(
    alpha: Association, staff: Staff, rumaila: PolicyVersion, settings: Settings
) -> None:
    settings.SILA_CROSSCHECK_PER_HOUR = 3
    people = [_open_with(alpha, staff.reception, new_national_id(), [], "0554444444") for _ in range(2)]
    api = Api(alpha, staff.reception)
    answers = [api.post(f"/api/v1/beneficiaries/{people[i % 2]}/cross-check/").status_code for i in range(4)]
    assert answers == [200, 200, 200, 429]
    refused = api.post(f"/api/v1/beneficiaries/{people[0]}/cross-check/")
    assert refused.json()["code"] == "too_many_checks"
    # Another employee has their own allowance.
    assert Api(alpha, staff.admin).post(f"/api/v1/beneficiaries/{people[0]}/cross-check/").status_code == 200
    connection.set_tenant(alpha)
    from audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="privacy.cross_check_refused").count() == 2
    assert AccessLogEntry.objects.filter(action="cross_check", user_email="reception@alpha.test").count() == 3


def test_a_role_without_the_registry_cannot_check(
    alpha: Association, staff: Staff, rumaila: PolicyVersion
) -> None:
    person = _open_with(alpha, staff.reception, new_national_id(), [], "0555555555")
    answer = Api(alpha, staff.committee[0]).post(f"/api/v1/beneficiaries/{person}/cross-check/")
    assert answer.status_code == 403
