"""The cross-association check made as part of the intake (issue 14, item 7; ADR 0019's addendum):
when staff open a request for a person who consented to the check, or register one, the check runs
as that employee after the intake is saved, is logged like a manual check and counts toward their
hourly limit; the answer is on the page they land on and in the API's answer. It never fails the
intake, and it answers from the public register only."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from pytest_django.fixtures import Settings

from audit.models import AuditEvent
from casework.models import Beneficiary, SupportCase
from casework.privacy.intake_check import intake_cross_check
from casework.privacy.models import AccessLogEntry
from policy_engine.models import PolicyVersion
from tenants import crosscheck
from tenants.db import connection
from tenants.models import Association
from tests.casework.conftest import (
    Api,
    Staff,
    install_policy,
    intake_answers,
    make_user,
    new_national_id,
    register,
)
from tests.casework.test_casework_screens import body, browser, send
from tests.privacy.test_consent_at_intake import JAMOUM_SCREEN_ANSWERS

pytestmark = pytest.mark.django_db

# The person as alpha knows them; beta registers the same ID with its own spelling and number.
ALPHA_NAME, ALPHA_PHONE, ALPHA_NOTE = "سلمى بنت ناصر بن فهد العتيبي", "0551111111", "تعيش مع ابنتها الكبرى"
BETA_NAME, BETA_PHONE = "سلمى ناصر العتيبي", "0552222222"


@pytest.fixture
def orphans_alpha(alpha: Association) -> Association:
    connection.set_schema_to_public()
    alpha.sector, alpha.sector_ar = "orphans", "رعاية الأيتام"
    alpha.save(update_fields=["sector", "sector_ar"])
    connection.set_tenant(alpha)
    return alpha


@pytest.fixture
def beta_reception(tenant_b: Association) -> Any:
    install_policy(tenant_b, "rumaila")
    return make_user(tenant_b, "reception@beta.test", "reception_employee")


def _served_at_alpha(
    alpha: Association, staff: Staff, national_id: str, consents: list[str]
) -> dict[str, Any]:
    connection.set_tenant(alpha)
    person = register(staff.reception, national_id=national_id, name=ALPHA_NAME, phone=ALPHA_PHONE)
    Beneficiary.objects.filter(pk=person.pk).update(notes=ALPHA_NOTE)
    opened = Api(alpha, staff.reception).post(
        "/api/v1/cases/",
        {
            "beneficiary": person.pk,
            "channel": "interview",
            "intake": intake_answers(),
            "privacy": {"consents": consents},
        },
    )
    assert opened.status_code == 201, opened.content
    return dict(opened.json()["served_elsewhere"])


def _register_at_beta(tenant_b: Association, user: Any, national_id: str) -> Any:
    answer = Api(tenant_b, user).post(
        "/api/v1/beneficiaries/",
        {"national_id": national_id, "full_name_ar": BETA_NAME, "phone": BETA_PHONE},
    )
    assert answer.status_code == 201, answer.content
    return answer


def _open_at_beta(tenant_b: Association, user: Any, beneficiary_id: int, consents: list[str]) -> Any:
    connection.set_tenant(tenant_b)
    return Api(tenant_b, user).post(
        "/api/v1/cases/",
        {
            "beneficiary": beneficiary_id,
            "channel": "interview",
            "intake": intake_answers(),
            "privacy": {"consents": consents},
        },
    )


def _cross_checks(tenant: Association) -> list[tuple[str, int | None, str]]:
    connection.set_tenant(tenant)
    return list(
        AccessLogEntry.objects.filter(action="cross_check")
        .order_by("id")
        .values_list("user_email", "beneficiary_id", "via")
    )


def test_opening_a_request_at_a_second_association_tells_staff_the_first_one_serves_the_person(
    orphans_alpha: Association,
    staff: Staff,
    rumaila: PolicyVersion,
    tenant_b: Association,
    beta_reception: Any,
) -> None:
    national_id = new_national_id()
    at_alpha = _served_at_alpha(orphans_alpha, staff, national_id, ["cross_check", "cross_check_named"])
    # Alpha's own intake is checked too: nobody else serves the person yet.
    assert at_alpha == {
        "checked": True,
        "not_checked_reason": None,
        "others": 0,
        "named": [],
        "message": "Checked with other associations: no other association has registered this person "
        "(with their consent).",
    }
    [alpha_check] = _cross_checks(orphans_alpha)
    assert alpha_check[0] == "reception@alpha.test"
    assert alpha_check[2] == "api:case-create"

    registered = _register_at_beta(tenant_b, beta_reception, national_id)
    # A new record has no consent at beta yet: registering makes no check and logs nothing.
    assert registered.json()["served_elsewhere"] == {
        "checked": False,
        "not_checked_reason": "not_consented",
        "others": None,
        "named": [],
        "message": "",
    }
    assert _cross_checks(tenant_b) == []
    in_beta = registered.json()["id"]

    opened = _open_at_beta(tenant_b, beta_reception, in_beta, ["cross_check"])
    assert opened.status_code == 201, opened.content
    assert opened.json()["served_elsewhere"] == {
        "checked": True,
        "not_checked_reason": None,
        "others": 1,
        "named": [
            {
                "association_ar": "جمعية ألفا الخيرية",
                "association_en": "Alpha Charity",
                "category_ar": "رعاية الأيتام",
                "category_en": "orphans",
            }
        ],
        "message": "Also served by 1 other association. "
        "Named with the person's consent: Alpha Charity (orphans).",
    }
    # The answer is beta's own request plus the check: nothing of alpha's record crosses.
    content = opened.content.decode()
    for alpha_data in (ALPHA_NAME, "بنت ناصر", ALPHA_PHONE, "551111111", ALPHA_NOTE):
        assert alpha_data not in content
    # Logged like a manual check, as the employee who opened the request.
    assert _cross_checks(tenant_b) == [("reception@beta.test", in_beta, "api:case-create")]
    assert (
        AuditEvent.objects.filter(action="privacy.cross_checked", actor_email="reception@beta.test").count()
        == 1
    )
    # The request is there, and alpha's log has only its own employee's check.
    assert SupportCase.objects.filter(pk=opened.json()["id"], beneficiary_id=in_beta).exists()
    assert _cross_checks(orphans_alpha) == [alpha_check]


def test_the_first_association_is_not_named_where_the_person_did_not_consent_to_that(
    orphans_alpha: Association,
    staff: Staff,
    rumaila: PolicyVersion,
    tenant_b: Association,
    beta_reception: Any,
) -> None:
    national_id = new_national_id()
    _served_at_alpha(orphans_alpha, staff, national_id, ["cross_check"])
    in_beta = _register_at_beta(tenant_b, beta_reception, national_id).json()["id"]

    opened = _open_at_beta(tenant_b, beta_reception, in_beta, ["cross_check", "sms"])
    assert opened.status_code == 201, opened.content
    served = opened.json()["served_elsewhere"]
    assert (served["checked"], served["others"], served["named"]) == (True, 1, [])
    assert served["message"] == (
        "Also served by 1 other association. Names are not shown: the person did not consent to that."
    )
    for alpha_data in ("Alpha", "ألفا", "orphans", "رعاية الأيتام", ALPHA_PHONE, ALPHA_NOTE):
        assert alpha_data not in opened.content.decode()


def test_the_staff_screen_shows_the_answer_in_arabic_on_the_request_page_and_logs_the_check(
    orphans_alpha: Association, staff: Staff, rumaila: PolicyVersion, tenant_b: Association
) -> None:
    national_id = new_national_id()
    _served_at_alpha(orphans_alpha, staff, national_id, ["cross_check", "cross_check_named"])
    install_policy(tenant_b, "jamoum")
    reception = make_user(tenant_b, "reception@beta.test", "reception_employee")
    in_beta = register(reception, national_id=national_id, name=BETA_NAME, phone=BETA_PHONE)
    client = browser(tenant_b, reception)
    new = client.get(f"/staff/cases/new?beneficiary={in_beta.pk}")
    opened = send(
        client,
        new,
        {"beneficiary": str(in_beta.pk)},
        channel="interview",
        notice_given="on",
        consents=["cross_check"],
        **JAMOUM_SCREEN_ANSWERS,
    )
    assert opened.status_code == 302, body(opened)
    connection.set_tenant(tenant_b)
    case = SupportCase.objects.get(beneficiary=in_beta)
    assert opened["Location"] == f"/staff/cases/{case.pk}/"
    page = body(client.get(opened["Location"]))
    said = "تخدم هذا الشخص أيضًا جمعية أخرى واحدة. المذكورة بموافقة الشخص: جمعية ألفا الخيرية (رعاية الأيتام)."
    assert said in page
    for alpha_data in (ALPHA_NAME, "بنت ناصر", ALPHA_PHONE, ALPHA_NOTE):
        assert alpha_data not in page
    assert _cross_checks(tenant_b) == [("reception@beta.test", in_beta.pk, "screen:case-new")]


def test_with_the_limit_spent_the_request_opens_and_says_the_check_was_not_made(
    orphans_alpha: Association,
    staff: Staff,
    rumaila: PolicyVersion,
    tenant_b: Association,
    settings: Settings,
) -> None:
    settings.SILA_CROSSCHECK_PER_HOUR = 1
    national_id = new_national_id()
    _served_at_alpha(orphans_alpha, staff, national_id, ["cross_check", "cross_check_named"])
    install_policy(tenant_b, "jamoum")
    reception = make_user(tenant_b, "reception@beta.test", "reception_employee")
    in_beta = register(reception, national_id=national_id, name=BETA_NAME, phone=BETA_PHONE)
    # The employee's one check this hour, made by hand on another person of beta's.
    other = register(reception, national_id=new_national_id(), phone="0553333333")
    manual = Api(tenant_b, reception).post(f"/api/v1/beneficiaries/{other.pk}/cross-check/")
    assert manual.status_code == 200

    opened = _open_at_beta(tenant_b, reception, in_beta.pk, ["cross_check"])
    assert opened.status_code == 201, opened.content
    assert opened.json()["served_elsewhere"] == {
        "checked": False,
        "not_checked_reason": "limit_reached",
        "others": None,
        "named": [],
        "message": "The check with other associations was not made: you reached your limit of checks "
        "for this hour. The record is saved; check later from the person's consents page.",
    }
    connection.set_tenant(tenant_b)
    assert SupportCase.objects.filter(beneficiary=in_beta).count() == 1
    assert _cross_checks(tenant_b) == [("reception@beta.test", other.pk, "api")]
    assert AuditEvent.objects.filter(action="privacy.cross_check_refused").count() == 1

    # The screen, in Arabic: the request opens too, and its page says the check was not made.
    client = browser(tenant_b, reception)
    new = client.get(f"/staff/cases/new?beneficiary={in_beta.pk}")
    screen = send(
        client,
        new,
        {"beneficiary": str(in_beta.pk)},
        channel="interview",
        notice_given="on",
        consents=["cross_check"],
        **JAMOUM_SCREEN_ANSWERS,
    )
    assert screen.status_code == 302, body(screen)
    page = body(client.get(screen["Location"]))
    assert "لم يُجرَ التحقق لدى الجمعيات الأخرى: بلغتَ حدّ التحقق المتاح لك في هذه الساعة." in page
    connection.set_tenant(tenant_b)
    assert SupportCase.objects.filter(beneficiary=in_beta).count() == 2
    assert AuditEvent.objects.filter(action="privacy.cross_check_refused").count() == 2
    assert _cross_checks(tenant_b) == [("reception@beta.test", other.pk, "api")]


def test_without_consent_at_this_association_no_check_is_made_and_nothing_is_logged(
    orphans_alpha: Association,
    staff: Staff,
    rumaila: PolicyVersion,
    tenant_b: Association,
    beta_reception: Any,
) -> None:
    national_id = new_national_id()
    _served_at_alpha(orphans_alpha, staff, national_id, ["cross_check", "cross_check_named"])
    in_beta = _register_at_beta(tenant_b, beta_reception, national_id).json()["id"]

    opened = _open_at_beta(tenant_b, beta_reception, in_beta, ["sms"])
    assert opened.status_code == 201, opened.content
    assert opened.json()["served_elsewhere"] == {
        "checked": False,
        "not_checked_reason": "not_consented",
        "others": None,
        "named": [],
        "message": "",
    }
    assert "Alpha" not in opened.content.decode()
    assert _cross_checks(tenant_b) == []
    connection.set_tenant(tenant_b)
    assert not AuditEvent.objects.filter(action__startswith="privacy.cross_check").exists()
    # Registering on the screen says nothing either (a new record has no consent here).
    client = browser(tenant_b, beta_reception)
    registered = client.post(
        "/staff/beneficiaries/",
        {
            "national_id": new_national_id(),
            "full_name_ar": "هند بنت علي القحطاني",
            "phone": "0554444444",
            "household-TOTAL_FORMS": "0",
            "household-INITIAL_FORMS": "0",
        },
        follow=True,
    )
    assert "سُجّل المستفيد." in body(registered)
    for said in ("لم يُجرَ التحقق", "تعذّر التحقق", "تحقّقنا لدى الجمعيات الأخرى", "تخدم هذا الشخص أيضًا"):
        assert said not in body(registered)
    assert _cross_checks(tenant_b) == []


def test_the_check_reads_only_the_public_register_in_a_constant_number_of_queries(
    orphans_alpha: Association,
    staff: Staff,
    rumaila: PolicyVersion,
    tenant_b: Association,
    beta_reception: Any,
) -> None:
    national_id = new_national_id()
    _served_at_alpha(orphans_alpha, staff, national_id, ["cross_check"])
    in_beta = _register_at_beta(tenant_b, beta_reception, national_id).json()["id"]
    assert _open_at_beta(tenant_b, beta_reception, in_beta, ["cross_check"]).status_code == 201

    def check() -> tuple[int, list[str]]:
        connection.set_tenant(tenant_b)
        with CaptureQueriesContext(db) as queries:
            answer = intake_cross_check(actor=beta_reception, beneficiary_id=in_beta, via="test")
        assert answer.answer is not None
        return answer.answer.others, [q["sql"] for q in queries.captured_queries]

    others, with_one = check()
    assert others == 1
    # Associations with a mark and no schema at all (rows of the public register only): counted,
    # so the answer cannot come from reading another association's schema.
    connection.set_schema_to_public()
    for n in range(3):
        ghost = Association.objects.create(
            schema_name=f"ghost{n}", slug=f"ghost{n}", name_ar=f"جمعية {n}", name_en=f"Ghost {n}"
        )
        crosscheck.mark_put(association=ghost, national_id=national_id, named=n % 2 == 0)
    others, with_four = check()
    assert others == 4
    assert len(with_four) == len(with_one)
    assert len(with_four) <= 12
    # Every statement runs in beta's schema and the public one, and names no other schema.
    for sql in with_four:
        if "search_path" in sql.lower():
            assert sql == 'SET search_path = "beta","public"'
        assert '"alpha"' not in sql and "ghost" not in sql


def test_a_check_that_fails_in_the_database_leaves_the_request_opened_and_says_so(
    orphans_alpha: Association,
    staff: Staff,
    rumaila: PolicyVersion,
    tenant_b: Association,
    beta_reception: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    national_id = new_national_id()
    _served_at_alpha(orphans_alpha, staff, national_id, ["cross_check"])
    in_beta = _register_at_beta(tenant_b, beta_reception, national_id).json()["id"]

    def broken_register(**_kwargs: Any) -> Any:
        # A real database error: it aborts the transaction it runs in, as a lost table or a
        # timeout would.
        with db.cursor() as cursor:
            cursor.execute("SELECT * FROM public.no_such_register")
        raise AssertionError("unreachable")

    monkeypatch.setattr(crosscheck, "others_serving", broken_register)
    # With an idempotency key, the request is opened inside the key's transaction: the failed
    # check must leave that transaction usable and the request saved.
    opened = Api(tenant_b, beta_reception).post(
        "/api/v1/cases/",
        {
            "beneficiary": in_beta,
            "channel": "interview",
            "intake": intake_answers(),
            "privacy": {"consents": ["cross_check"]},
        },
        **{"Idempotency-Key": "intake-check-fails"},
    )
    assert opened.status_code == 201, opened.content
    served = opened.json()["served_elsewhere"]
    assert (served["checked"], served["not_checked_reason"], served["others"]) == (False, "unavailable", None)
    assert served["message"] == (
        "The check with other associations could not be made now. The record is saved; check later "
        "from the person's consents page."
    )
    connection.set_tenant(tenant_b)
    assert SupportCase.objects.filter(pk=opened.json()["id"], beneficiary_id=in_beta).exists()
    assert _cross_checks(tenant_b) == []
