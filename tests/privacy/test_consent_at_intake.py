"""Purpose and consent at intake: every request records its lawful basis, purposes, the privacy
notice version its applicant saw and the consents given, through the staff screen, the portal and
the API; withdrawing a consent is recorded and takes effect (texts stop)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client, TestCase

from audit.models import AuditEvent
from casework import sms
from casework.models import SupportCase
from casework.privacy import consents as privacy
from casework.privacy.models import CaseProcessing, Consent, PrivacyNotice
from casework.tasks import request_received
from policy_engine.models import PolicyVersion
from tenants.db import connection
from tenants.models import Association
from tests.casework.conftest import Api, Staff, install_policy, intake_answers, register
from tests.casework.test_casework_screens import body, browser, send
from tests.conftest import host_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_outbox(media_root: Any) -> None:
    sms.outbox.clear()


def test_the_first_request_records_silas_template_as_the_notice_version_1(
    alpha: Association, staff: Staff, rumaila: PolicyVersion
) -> None:
    beneficiary = register(staff.reception)
    answer = Api(alpha, staff.reception).post(
        "/api/v1/cases/",
        {
            "beneficiary": beneficiary.pk,
            "channel": "interview",
            "intake": intake_answers(),
            "privacy": {"consents": ["sms", "cross_check"]},
        },
    )
    assert answer.status_code == 201, answer.content
    connection.set_tenant(alpha)
    processing = CaseProcessing.objects.get(case_id=answer.json()["id"])
    assert processing.lawful_basis == "request"
    assert processing.purposes == ["study_and_serve", "follow_up", "reporting"]
    assert processing.via == "api"
    notice = PrivacyNotice.objects.get()
    assert (processing.notice, notice.version, notice.from_template) == (notice, 1, True)
    assert "جمعية ألفا الخيرية" in notice.body_ar  # the template, with the association's name
    assert "Alpha Charity" in notice.body_en
    assert sorted(Consent.objects.filter(beneficiary=beneficiary).values_list("kind", flat=True)) == [
        "cross_check",
        "sms",
    ]
    assert AuditEvent.objects.filter(
        action="privacy.intake_recorded", object_id=str(answer.json()["id"])
    ).exists()


def test_a_published_notice_is_the_one_recorded_and_an_unknown_version_is_refused(
    alpha: Association, staff: Staff, rumaila: PolicyVersion
) -> None:
    privacy.privacy_notice_publish(actor=staff.admin, body_ar="نص الإشعار الأول", body_en="First notice")
    second = privacy.privacy_notice_publish(actor=staff.admin, body_ar="نص الإشعار الثاني", body_en="Second")
    assert second.version == 2
    beneficiary = register(staff.reception)
    api = Api(alpha, staff.reception)
    refused = api.post(
        "/api/v1/cases/",
        {
            "beneficiary": beneficiary.pk,
            "channel": "interview",
            "intake": intake_answers(),
            "privacy": {"notice_version": 7, "consents": ["cross_check_named"]},
        },
    )
    assert refused.status_code == 400
    assert refused.json()["error_codes"] == {
        "privacy.notice_version": "no_such_notice",
        "privacy.consents": "named_needs_check",
    }
    connection.set_tenant(alpha)
    assert not SupportCase.objects.filter(beneficiary=beneficiary).exists()  # nothing saved
    answer = api.post(
        "/api/v1/cases/",
        {
            "beneficiary": beneficiary.pk,
            "channel": "interview",
            "intake": intake_answers(),
            "privacy": {"notice_version": 1},
        },
    )
    assert answer.status_code == 201, answer.content
    connection.set_tenant(alpha)
    assert CaseProcessing.objects.get(case_id=answer.json()["id"]).notice.version == 1  # the one they saw


def test_only_the_admin_publishes_a_notice_and_an_empty_one_is_refused(
    alpha: Association, staff: Staff
) -> None:
    with pytest.raises(Exception) as refused:
        privacy.privacy_notice_publish(actor=staff.reception, body_ar="x", body_en="y")
    assert getattr(refused.value, "status", None) == 403
    with pytest.raises(Exception) as empty:
        privacy.privacy_notice_publish(actor=staff.admin, body_ar="  ", body_en="y")
    assert [p.field for p in getattr(empty.value, "problems", [])] == ["body_ar"]
    assert not PrivacyNotice.objects.exists()


JAMOUM_SCREEN_ANSWERS = {
    "intake.applicant_relation": "mother",
    "intake.father_death_date": "1443-06-15",
    "intake.orphans[0].full_name": "ريم",
    "intake.orphans[0].birth_date.calendar": "gregorian",
    "intake.orphans[0].birth_date": "2013-03-10",
    "intake.orphans[0].gender": "female",
    "intake.monthly_income": "2100",
    "intake.income_source": "social_security",
    "intake.housing": "owned",
    "intake.need_description": "كسوة المدارس",
}


def test_the_staff_screen_needs_the_notice_given_and_records_the_consents_ticked(
    alpha: Association, staff: Staff, jamoum: PolicyVersion
) -> None:
    beneficiary = register(staff.reception)
    reception = browser(alpha, staff.reception)
    new = reception.get(f"/staff/cases/new?beneficiary={beneficiary.pk}")
    text = body(new)
    assert 'name="consents" value="cross_check"' in text
    assert 'name="consents" value="sms"' in text
    consents = re.search(r'<fieldset class="field"><legend>.*?</fieldset>', text, re.S)
    assert consents is not None
    assert "checked" not in consents.group(0)
    without_notice = send(
        reception,
        new,
        {"beneficiary": str(beneficiary.pk)},
        channel="interview",
        consents=["sms"],
        **JAMOUM_SCREEN_ANSWERS,
    )
    assert without_notice.status_code == 400
    assert "أعطِ مقدّم الطلب إشعار الخصوصية وأبلغه بالغرض من الطلب أولًا." in body(without_notice)
    connection.set_tenant(alpha)
    assert not SupportCase.objects.filter(beneficiary=beneficiary).exists()
    opened = send(
        reception,
        new,
        {"beneficiary": str(beneficiary.pk)},
        channel="interview",
        notice_given="on",
        consents=["sms", "cross_check"],
        **JAMOUM_SCREEN_ANSWERS,
    )
    assert opened.status_code == 302, body(opened)
    connection.set_tenant(alpha)
    case = SupportCase.objects.get(beneficiary=beneficiary)
    assert case.processing.via == "office"
    assert case.processing.consents_asked is True
    assert sorted(privacy.active_consents(beneficiary)) == ["cross_check", "sms"]
    assert Consent.objects.filter(beneficiary=beneficiary, recorded_by=staff.reception).count() == 2


def _portal_application(**more: Any) -> dict[str, Any]:
    from tests.casework.test_portal import application

    return application(**more)


def test_applying_online_records_the_consents_and_without_sms_consent_no_text_is_sent(
    alpha: Association,
) -> None:
    install_policy(alpha, "jamoum")
    answer = Client(HTTP_HOST=host_for(alpha)).post(
        "/api/v1/public/applications/", _portal_application(consents=["cross_check"])
    )
    assert answer.status_code == 201, answer.content
    connection.set_tenant(alpha)
    case = SupportCase.objects.get(tracking__reference=answer.json()["reference"])
    assert case.processing.via == "api"
    assert privacy.active_consents(case.beneficiary) == {"cross_check"}
    assert privacy.sms_allowed(case.beneficiary) is False
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert request_received(case_id=case.pk, event_id=1, schema_name=alpha.schema_name) == 0
    assert sms.outbox == []


def test_the_apply_page_offers_the_consents_unticked_and_records_them(alpha: Association) -> None:
    install_policy(alpha, "jamoum")
    site = Client(HTTP_HOST=host_for(alpha))
    page = body(site.get("/apply/"))
    assert 'name="consents" value="sms"' in page
    assert 'value="sms" checked' not in page
    data = _portal_application(consents=["sms", "cross_check", "cross_check_named"])
    intake = json.loads(data.pop("intake"))
    form = {
        **data,
        "attestation_confirmed": "yes",
        "f_applicant_relation": intake["applicant_relation"],
        "f_father_death_date": intake["father_death_date"],
        "f_father_death_date__calendar": "hijri",
        "f_orphans-0-full_name": intake["orphans"][0]["full_name"],
        "f_orphans-0-birth_date": intake["orphans"][0]["birth_date"],
        "f_orphans-0-gender": intake["orphans"][0]["gender"],
        "f_monthly_income": intake["monthly_income"],
        "f_income_source": intake["income_source"],
        "f_housing": intake["housing"],
        "f_annual_rent": intake["annual_rent"],
        "f_need_description": intake["need_description"],
    }
    done = site.post("/apply/", form)
    assert done.status_code == 302, body(done)[:3000]
    connection.set_tenant(alpha)
    case = SupportCase.objects.get(beneficiary__national_id=data["national_id"])
    assert case.processing.via == "portal"
    assert privacy.active_consents(case.beneficiary) == {"sms", "cross_check", "cross_check_named"}


def test_withdrawing_a_consent_is_recorded_takes_effect_and_twice_is_refused(
    alpha: Association, staff: Staff, rumaila: PolicyVersion
) -> None:
    beneficiary = register(staff.reception)
    api = Api(alpha, staff.reception)
    opened = api.post(
        "/api/v1/cases/",
        {
            "beneficiary": beneficiary.pk,
            "channel": "interview",
            "intake": intake_answers(),
            "privacy": {"consents": ["sms"]},
        },
    )
    assert opened.status_code == 201
    connection.set_tenant(alpha)
    assert privacy.sms_allowed(beneficiary) is True
    listed = api.get(f"/api/v1/beneficiaries/{beneficiary.pk}/consents/")
    assert listed.status_code == 200
    assert [(c["kind"], c["standing"]) for c in listed.json()] == [("sms", True)]
    withdrawn = api.post(f"/api/v1/beneficiaries/{beneficiary.pk}/consents/withdraw/", {"kind": "sms"})
    assert withdrawn.status_code == 200, withdrawn.content
    connection.set_tenant(alpha)
    consent = Consent.objects.get(beneficiary=beneficiary)
    assert (consent.withdrawn_via, consent.withdrawn_by) == ("api", staff.reception)
    assert privacy.sms_allowed(beneficiary) is False
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert request_received(case_id=opened.json()["id"], event_id=1, schema_name=alpha.schema_name) == 0
    assert sms.outbox == []
    again = api.post(f"/api/v1/beneficiaries/{beneficiary.pk}/consents/withdraw/", {"kind": "sms"})
    assert again.status_code == 409
    assert again.json()["code"] == "consent_not_active"
    connection.set_tenant(alpha)
    assert (
        AuditEvent.objects.filter(action="privacy.consent_withdrawn", object_id=str(beneficiary.pk)).count()
        == 1
    )
    unknown = api.post(f"/api/v1/beneficiaries/{beneficiary.pk}/consents/withdraw/", {"kind": "everything"})
    assert unknown.status_code == 400


def test_a_request_opened_by_the_system_asked_no_consent_and_keeps_texting(
    alpha: Association, staff: Staff, rumaila: PolicyVersion
) -> None:
    from tests.casework.conftest import open_case

    case = open_case(None)
    assert case.processing.consents_asked is False
    assert privacy.sms_allowed(case.beneficiary) is True
