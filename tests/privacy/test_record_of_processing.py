"""The record of processing activities, filled in from what Sila knows."""

from __future__ import annotations

import json

import pytest

from policy_engine.models import PolicyVersion
from tenants.models import Association
from tests.casework.conftest import Api, Staff, intake_answers, register
from tests.casework.test_casework_screens import browser

pytestmark = pytest.mark.django_db


def test_the_record_of_processing_is_filled_in_from_the_associations_data(
    alpha: Association, staff: Staff, jamoum: PolicyVersion
) -> None:
    beneficiary = register(staff.reception)
    opened = Api(alpha, staff.reception).post(
        "/api/v1/cases/",
        {
            "beneficiary": beneficiary.pk,
            "channel": "interview",
            "intake": intake_answers(),
            "privacy": {"consents": ["cross_check"]},
        },
    )
    assert opened.status_code == 201, opened.content
    answer = Api(alpha, staff.admin).get("/api/v1/privacy/record-of-processing/")
    assert answer.status_code == 200
    record = answer.json()
    assert record["controller"]["name_en"] == "Alpha Charity"
    assert {b["code"]: b["requests"] for b in record["lawful_bases"]}["request"] == 1
    assert record["data_subjects"]["beneficiaries"] == 1
    questions = next(c for c in record["data_classes"] if c["code"] == "intake_answers")["questions"]
    assert "father_death_date" in [q["code"] for q in questions]  # Jamoum's own intake form
    cross = next(r for r in record["recipients"] if r["code"] == "cross_check")
    assert cross["people"] == 1
    assert [r["years"] for r in record["retention"]] == [10, 5, 2]
    assert Api(alpha, staff.reception).get("/api/v1/privacy/record-of-processing/").status_code == 403
    download = browser(alpha, staff.admin).get("/staff/privacy/record-of-processing.json")
    assert download.status_code == 200
    assert json.loads(download.content)["controller"]["name_ar"] == "جمعية ألفا الخيرية"
