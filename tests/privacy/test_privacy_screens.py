"""The privacy screens: the admin's page (rights requests, retention, access log, notice) and a
beneficiary's consents and cross-association check, in Arabic, with errors beside their field."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import TestCase

from casework.privacy import consents as privacy
from casework.privacy.models import AccessLogEntry, Consent, RightsRequest
from policy_engine.models import PolicyVersion
from tenants.db import connection
from tenants.models import Association
from tests.casework.conftest import Api, Staff, intake_answers, new_national_id, register
from tests.casework.test_casework_screens import body, browser

pytestmark = pytest.mark.django_db


def test_the_admin_handles_requests_retention_and_the_notice_on_one_page(
    alpha: Association, staff: Staff, rumaila: PolicyVersion, media_root: Any
) -> None:
    beneficiary = register(staff.reception, name="لطيفة بنت راشد الزهراني")
    admin = browser(alpha, staff.admin)
    page = admin.get("/staff/privacy/")
    assert page.status_code == 200
    assert "الخصوصية والبيانات الشخصية" in body(page)
    assert browser(alpha, staff.reception).get("/staff/privacy/").status_code == 403

    unknown = admin.post(
        "/staff/privacy/", {"action": "open", "kind": "access", "national_id": new_national_id()}
    )
    assert unknown.status_code == 400
    assert 'id="err_rr_national_id">لا تحفظ الجمعية بيانات لشخص بهذا الرقم' in body(unknown)
    connection.set_tenant(alpha)
    assert not RightsRequest.objects.exists()

    opened = admin.post(
        "/staff/privacy/", {"action": "open", "kind": "access", "national_id": beneficiary.national_id}
    )
    assert opened.status_code == 302
    listed = body(admin.get("/staff/privacy/"))
    assert "الاطلاع على بياناتي" in listed and "لطيفة بنت راشد الزهراني" in listed
    connection.set_tenant(alpha)
    request = RightsRequest.objects.get()
    with TestCase.captureOnCommitCallbacks(execute=True):
        done = admin.post(
            "/staff/privacy/", {"action": "fulfil", "request": request.pk, "revision": request.revision}
        )
    assert done.status_code == 302
    ready = body(admin.get("/staff/privacy/"))
    assert f'href="/staff/privacy/rights-requests/{request.pk}/export"' in ready
    download = admin.get(f"/staff/privacy/rights-requests/{request.pk}/export")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    connection.set_tenant(alpha)
    assert AccessLogEntry.objects.filter(action="export", via="screen:rights-export").count() == 1

    low = admin.post("/staff/privacy/", {"action": "retention", "data_class": "served", "years": "3"})
    assert low.status_code == 400
    assert "لا يجوز أن تقل مدة الحفظ عن 10 سنوات لهذا الصنف." in body(low)

    published = admin.post(
        "/staff/privacy/", {"action": "notice", "body_ar": "إشعارنا الجديد.", "body_en": "Our new notice."}
    )
    assert published.status_code == 302
    public = body(browser(alpha).get("/privacy/"))
    assert "إشعارنا الجديد." in public
    assert "الإصدار 1" in public


def test_a_beneficiarys_consents_can_be_withdrawn_and_the_check_run_from_their_page(
    alpha: Association, staff: Staff, rumaila: PolicyVersion
) -> None:
    beneficiary = register(staff.reception)
    Api(alpha, staff.reception).post(
        "/api/v1/cases/",
        {
            "beneficiary": beneficiary.pk,
            "channel": "interview",
            "intake": intake_answers(),
            "privacy": {"consents": ["sms", "cross_check"]},
        },
    )
    reception = browser(alpha, staff.reception)
    page = body(reception.get(f"/staff/beneficiaries/{beneficiary.pk}/privacy"))
    assert "الرسائل النصية عن طلباتي" in page
    assert page.count("سجّل سحبها") == 2
    checked = reception.post(f"/staff/beneficiaries/{beneficiary.pk}/privacy", {"action": "check"})
    assert checked.status_code == 200
    assert "لم تسجّل أي جمعية أخرى هذا الشخص (بموافقته)." in body(checked)
    withdrawn = reception.post(
        f"/staff/beneficiaries/{beneficiary.pk}/privacy", {"action": "withdraw", "kind": "sms"}
    )
    assert withdrawn.status_code == 302
    connection.set_tenant(alpha)
    assert privacy.active_consents(beneficiary) == {"cross_check"}
    again = reception.post(
        f"/staff/beneficiaries/{beneficiary.pk}/privacy", {"action": "withdraw", "kind": "sms"}
    )
    assert again.status_code == 409
    assert "لا توجد موافقة قائمة من هذا النوع" in body(again)
    connection.set_tenant(alpha)
    assert Consent.objects.filter(beneficiary=beneficiary, withdrawn_at__isnull=False).count() == 1
