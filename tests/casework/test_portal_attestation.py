"""The attestation an applicant gives with an online application is on the request's timeline,
recorded as the office's attestation is (the `attest` action), in Arabic and in English."""

from __future__ import annotations

from typing import Any

import pytest

from casework import selectors, sms
from casework.models import Attestation, AttestationMethod, SupportCase
from tenants.db import connection
from tenants.models import Association
from tests.casework.conftest import Staff, install_policy
from tests.casework.test_casework_screens import body, browser
from tests.casework.test_portal import NAME, api, application

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_outbox(media_root: Any) -> None:
    sms.outbox.clear()


def _timeline(page: str) -> str:
    return page.split('id="timeline"', 1)[1].split("</section>", 1)[0]


def test_the_attestation_given_when_applying_online_is_on_the_timeline(
    alpha: Association, staff: Staff
) -> None:
    install_policy(alpha, "jamoum")  # Jamoum's steps include the attestation
    answer = api(alpha).post("/api/v1/public/applications/", application())
    assert answer.status_code == 201, answer.content
    connection.set_tenant(alpha)
    case = SupportCase.objects.get(tracking__reference=answer.json()["reference"])
    attestation = Attestation.objects.get(case=case)
    assert (attestation.method, attestation.typed_name, attestation.witnessed_by) == (
        AttestationMethod.PORTAL,
        NAME,
        None,
    )
    assert selectors.attestation_is_valid(case)  # bound to the data as it stands, documents included
    events = [(e.action, e.from_step, e.to_step, e.actor_id) for e in case.events.order_by("id")]
    assert events == [("open", "", "receive", None), ("attest", "receive", "receive", None)]
    attest = case.events.get(action="attest")
    assert attest.data == {
        "attestation": attestation.pk,
        "data_sha256": attestation.data_sha256,
        "method": "portal",
    }
    assert case.step == "receive"  # the request still starts at its first step

    arabic = _timeline(body(browser(alpha, staff.reception).get(f"/staff/cases/{case.pk}/")))
    assert "وقّع مقدم الطلب على البيانات" in arabic
    assert "أُكّد عبر بوابة المستفيد" in arabic
    assert attestation.data_sha256 in arabic
    english = _timeline(body(browser(alpha, staff.reception, lang="en").get(f"/staff/cases/{case.pk}/")))
    assert "Applicant signed the data" in english
    assert "Confirmed in the beneficiary portal" in english
