"""The access log: every read of a beneficiary's record, request or document by staff (screens and
API), and every export, with who, what, when and how; the admin reads it, no one else."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from casework import services
from casework.privacy.models import AccessLogEntry
from policy_engine.models import PolicyVersion
from tenants.db import connection
from tenants.models import Association
from tests.casework.conftest import TINY_PDF, Api, Staff, open_case, register
from tests.casework.test_casework_screens import body, browser

pytestmark = pytest.mark.django_db


def test_reads_by_screen_and_api_are_logged_and_the_admin_sees_them(
    alpha: Association, staff: Staff, rumaila: PolicyVersion, media_root: Any
) -> None:
    beneficiary = register(staff.reception)
    case = open_case(staff.reception, beneficiary)
    with TestCase.captureOnCommitCallbacks(execute=True):
        document = services.beneficiary_document_upload(
            actor=staff.reception,
            beneficiary_id=beneficiary.pk,
            upload=SimpleUploadedFile("id.pdf", TINY_PDF),
        )
    assert AccessLogEntry.objects.count() == 0  # writing is not reading
    screens = browser(alpha, staff.officer)
    assert screens.get(f"/staff/beneficiaries/{beneficiary.pk}/").status_code == 200
    reception = browser(alpha, staff.reception)
    assert reception.get(f"/staff/cases/{case.pk}/").status_code == 200
    assert reception.get(f"/staff/beneficiaries/{beneficiary.pk}/documents/{document.pk}").status_code == 200
    api = Api(alpha, staff.administration)
    assert api.get(f"/api/v1/beneficiaries/{beneficiary.pk}/").status_code == 200
    assert api.get(f"/api/v1/cases/{case.pk}/").status_code == 200
    connection.set_tenant(alpha)
    rows = list(
        AccessLogEntry.objects.order_by("id").values_list(
            "user_email", "action", "beneficiary_id", "case_id", "document_id", "via"
        )
    )
    assert rows == [
        ("officer@alpha.test", "view", beneficiary.pk, None, None, "screen:beneficiary"),
        ("reception@alpha.test", "view", beneficiary.pk, case.pk, None, "screen:case"),
        ("reception@alpha.test", "download", beneficiary.pk, None, document.pk, "screen:document"),
        ("manager@alpha.test", "view", beneficiary.pk, None, None, "api:beneficiary"),
        ("manager@alpha.test", "view", beneficiary.pk, case.pk, None, "api:case"),
    ]
    log = Api(alpha, staff.admin).get("/api/v1/privacy/access-log/", beneficiary=beneficiary.pk)
    assert log.status_code == 200
    assert [r["via"] for r in log.json()] == [
        "api:case",
        "api:beneficiary",
        "screen:document",
        "screen:case",
        "screen:beneficiary",
    ]
    assert api.get("/api/v1/privacy/access-log/").status_code == 403
    bad = Api(alpha, staff.admin).get("/api/v1/privacy/access-log/", beneficiary="abc")
    assert bad.status_code == 400


def test_lists_show_only_the_last_digits_of_ids_and_mobile_numbers(
    alpha: Association, staff: Staff, rumaila: PolicyVersion
) -> None:
    beneficiary = register(staff.reception, name="نوال بنت سعيد الحربي", phone="0551234987")
    reception = browser(alpha, staff.reception)
    listed = body(reception.get("/staff/beneficiaries/"))
    assert beneficiary.national_id not in listed
    assert "••••••" + beneficiary.national_id[-4:] in listed
    assert "+966551234987" not in listed
    assert "•••••••••4987" in listed
    found = body(reception.get("/staff/cases/new", {"q": "نوال"}))
    assert beneficiary.national_id not in found
    assert "••••••" + beneficiary.national_id[-4:] in found
    # The record's own page (a logged read) shows the whole number.
    assert beneficiary.national_id in body(reception.get(f"/staff/beneficiaries/{beneficiary.pk}/"))
