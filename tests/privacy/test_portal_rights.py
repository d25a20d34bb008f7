"""The person's rights through the portal: a beneficiary signed in with a code asks for access,
correction (saying what is wrong), erasure or restriction of their data, and withdraws a consent
they gave, on the portal's page and through its API; the request is the admin's to handle within
30 days and the person sees where it stands. Bad input: a second open request of one kind, a
consent withdrawn twice, another person's record: clear errors in the person's language, nothing
lost, the attempt audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from audit.models import AuditEvent
from casework import services, sms
from casework.models import Beneficiary
from casework.privacy import consents as privacy
from casework.privacy import rights
from casework.privacy.models import Consent, RightsRequest
from policy_engine.models import PolicyVersion
from tenants.crosscheck import id_hmac
from tenants.db import connection
from tenants.models import Association, CrossCheckEntry
from tests.casework.conftest import Api, Staff, intake_answers, register
from tests.casework.test_casework_screens import browser as admin_browser
from tests.casework.test_portal import browser_sign_in, sign_in
from tests.conftest import host_for

pytestmark = pytest.mark.django_db

PHONE = "0551234567"
E164 = "+966551234567"


@pytest.fixture(autouse=True)
def _empty_outbox(media_root: Any) -> None:
    sms.outbox.clear()


def person_who_consented(
    staff: Staff, *, phone: str = PHONE, name: str = "هند بنت سعد العتيبي"
) -> Beneficiary:
    """A person registered with the phone, with one request opened after consenting to texts and
    to the cross-association check."""
    beneficiary = register(staff.reception, name=name, phone=phone)
    services.case_open(
        actor=staff.reception,
        beneficiary_id=beneficiary.pk,
        channel="interview",
        intake=intake_answers(),
        consents=["sms", "cross_check"],
    )
    return beneficiary


def page(browser: Client) -> str:
    answer = browser.get("/portal/my-data/")
    assert answer.status_code == 200
    return answer.content.decode()


def test_a_person_asks_for_access_on_the_portal_and_follows_it(
    alpha: Association, staff: Staff, rumaila: PolicyVersion
) -> None:
    person = person_who_consented(staff)
    browser = browser_sign_in(alpha)
    before = page(browser)
    assert "بياناتي وخصوصيتي" in before
    assert "لم تطلب شيئًا بشأن بياناتك بعد." in before
    asked = browser.post("/portal/my-data/", {"do": "ask", "kind": "access", "details": ""})
    assert asked.status_code == 302 and asked["Location"] == "/portal/my-data/?done=asked"
    connection.set_tenant(alpha)
    made = RightsRequest.objects.get()
    assert (made.beneficiary_id, made.kind, made.status, made.received_via) == (
        person.pk,
        "access",
        "open",
        "portal",
    )
    assert made.recorded_by is None
    assert made.due_at - made.received_at == dt.timedelta(days=30)
    opened = AuditEvent.objects.get(action="privacy.rights_request_opened", object_id=str(made.pk))
    assert opened.actor_id is None
    assert opened.changes["via"] == {"old": None, "new": "portal"}
    after = browser.get("/portal/my-data/?done=asked").content.decode()
    assert "أُرسل طلبك." in after
    assert "الاطلاع على بياناتي" in after and "قيد المعالجة" in after
    # The admin finds it among the rights requests, received through the website.
    listed = admin_browser(alpha, staff.admin).get("/staff/privacy/").content.decode()
    assert person.full_name_ar in listed
    assert "(عبر موقع الجمعية)" in listed

    # The admin handles it: the person sees it done, in words, with no internal code.
    rights.rights_request_fulfil(actor=staff.admin, request_id=made.pk)
    done = page(browser)
    assert "أُنجز" in done
    assert "أُعدّت نسخة من بياناتك، وتسلّمك الجمعية إياها." in done
    assert "access_export_ready" not in done
    # When the copy's time is over (the retention job deleted it), the person is told so.
    RightsRequest.objects.filter(pk=made.pk).update(export="", export_expired_at=timezone.now())
    expired = page(browser)
    assert "انتهت مدة حفظ نسخة بياناتك وحُذفت. اطلبها من جديد إن احتجت إليها." in expired
    assert "أُعدّت نسخة من بياناتك" not in expired


def test_a_second_open_request_of_one_kind_is_refused_and_the_attempt_audited(
    alpha: Association, staff: Staff, rumaila: PolicyVersion
) -> None:
    person = person_who_consented(staff)
    browser = browser_sign_in(alpha)
    assert browser.post("/portal/my-data/", {"do": "ask", "kind": "erasure"}).status_code == 302
    again = browser.post("/portal/my-data/", {"do": "ask", "kind": "erasure", "details": "أرجو الإسراع"})
    assert again.status_code == 409
    text = again.content.decode()
    assert "لدى الجمعية طلب مفتوح من هذا النوع لهذا الشخص" in text
    assert "أرجو الإسراع" in text  # what was typed is kept on the page
    connection.set_tenant(alpha)
    assert RightsRequest.objects.filter(beneficiary=person).count() == 1
    refused = AuditEvent.objects.get(action="privacy.rights_request_not_opened", object_id=str(person.pk))
    assert refused.changes["refused"] == {"old": None, "new": "already_open"}
    assert refused.changes["kind"] == {"old": None, "new": "erasure"}
    # Another kind is a request of its own.
    assert browser.post("/portal/my-data/", {"do": "ask", "kind": "restriction"}).status_code == 302
    connection.set_tenant(alpha)
    assert sorted(RightsRequest.objects.values_list("kind", flat=True)) == ["erasure", "restriction"]


def test_a_correction_must_say_what_is_wrong(
    alpha: Association, staff: Staff, rumaila: PolicyVersion
) -> None:
    person_who_consented(staff)
    browser = browser_sign_in(alpha)
    bare = browser.post("/portal/my-data/", {"do": "ask", "kind": "correction", "details": "  "})
    assert bare.status_code == 400
    assert "اذكر ما الخطأ في بياناتك وما صوابه." in bare.content.decode()
    nothing = browser.post("/portal/my-data/", {"do": "ask"})
    assert nothing.status_code == 400
    assert "اختر ما تطلبه." in nothing.content.decode()
    connection.set_tenant(alpha)
    assert RightsRequest.objects.count() == 0
    said = "اسمي هند وليس هنادي، والمدينة جدة"
    assert (
        browser.post("/portal/my-data/", {"do": "ask", "kind": "correction", "details": said}).status_code
        == 302
    )
    connection.set_tenant(alpha)
    assert RightsRequest.objects.get().details == said
    assert said in page(browser)


def test_withdrawing_sms_on_the_portal_stops_texts_and_twice_is_refused(
    alpha: Association, staff: Staff, rumaila: PolicyVersion
) -> None:
    person = person_who_consented(staff)
    browser = browser_sign_in(alpha)
    assert "سحب هذه الموافقة" in page(browser)
    connection.set_tenant(alpha)
    assert privacy.sms_allowed(person) is True
    withdrawn = browser.post("/portal/my-data/", {"do": "withdraw", "kind": "sms", "person": str(person.pk)})
    assert withdrawn.status_code == 302 and withdrawn["Location"] == "/portal/my-data/?done=withdrawn"
    connection.set_tenant(alpha)
    consent = Consent.objects.get(beneficiary=person, kind="sms")
    assert consent.withdrawn_via == "portal" and consent.withdrawn_at is not None
    assert privacy.sms_allowed(person) is False
    assert (
        AuditEvent.objects.filter(action="privacy.consent_withdrawn", object_id=str(person.pk)).count() == 1
    )
    twice = browser.post("/portal/my-data/", {"do": "withdraw", "kind": "sms", "person": str(person.pk)})
    assert twice.status_code == 409
    assert "لا توجد موافقة قائمة من هذا النوع" in twice.content.decode()
    connection.set_tenant(alpha)
    refused = AuditEvent.objects.get(action="privacy.consent_not_withdrawn", object_id=str(person.pk))
    assert refused.changes["refused"] == {"old": None, "new": "consent_not_active"}
    # The cross-association check still stands: only what was withdrawn ended.
    assert Consent.objects.get(beneficiary=person, kind="cross_check").withdrawn_at is None


def test_withdrawing_the_cross_check_on_the_portal_removes_the_mark(
    alpha: Association, staff: Staff, rumaila: PolicyVersion
) -> None:
    person = person_who_consented(staff)
    connection.set_schema_to_public()
    assert CrossCheckEntry.objects.filter(id_hmac=id_hmac(person.national_id)).count() == 1
    browser = browser_sign_in(alpha)
    assert browser.post("/portal/my-data/", {"do": "withdraw", "kind": "cross_check"}).status_code == 302
    connection.set_schema_to_public()
    assert CrossCheckEntry.objects.filter(id_hmac=id_hmac(person.national_id)).count() == 0


def test_a_mobile_number_shared_by_two_records_must_say_whose_request_it_is(
    alpha: Association, staff: Staff, rumaila: PolicyVersion
) -> None:
    mother = person_who_consented(staff, name="هند بنت سعد العتيبي")
    daughter = register(staff.reception, name="لمى بنت ماجد العتيبي", phone=PHONE)
    browser = browser_sign_in(alpha)
    unsaid = browser.post("/portal/my-data/", {"do": "ask", "kind": "access"})
    assert unsaid.status_code == 400
    assert "يحمل رقم جوالك أكثر من سجل: اختر صاحب الطلب." in unsaid.content.decode()
    said = browser.post("/portal/my-data/", {"do": "ask", "kind": "access", "person": str(daughter.pk)})
    assert said.status_code == 302
    connection.set_tenant(alpha)
    assert list(RightsRequest.objects.values_list("beneficiary_id", flat=True)) == [daughter.pk]
    assert not RightsRequest.objects.filter(beneficiary=mother).exists()


def test_another_persons_record_is_out_of_reach(
    alpha: Association, staff: Staff, rumaila: PolicyVersion
) -> None:
    person_who_consented(staff)
    stranger = person_who_consented(staff, phone="0559998877", name="عبير بنت علي الشهري")
    browser = browser_sign_in(alpha)
    assert "عبير" not in page(browser)
    grab = browser.post("/portal/my-data/", {"do": "withdraw", "kind": "sms", "person": str(stranger.pk)})
    assert grab.status_code == 404
    token = sign_in(alpha)
    api = Api(alpha, token=token)
    assert (
        api.post(
            "/api/v1/public/privacy/rights-requests/", {"kind": "access", "person": stranger.pk}
        ).status_code
        == 404
    )
    connection.set_tenant(alpha)
    assert RightsRequest.objects.count() == 0
    assert Consent.objects.get(beneficiary=stranger, kind="sms").withdrawn_at is None


def test_the_portal_needs_a_sign_in_for_the_privacy_page_and_api(alpha: Association) -> None:
    answer = Client(HTTP_HOST=host_for(alpha)).get("/portal/my-data/")
    assert answer.status_code == 302 and answer["Location"] == "/portal/"
    assert Api(alpha).get("/api/v1/public/privacy/").status_code in (401, 403)
    assert Api(alpha, token="silap_not-a-token").get("/api/v1/public/privacy/").status_code == 401


def test_the_api_lists_asks_and_withdraws_in_the_persons_language(
    alpha: Association, staff: Staff, rumaila: PolicyVersion
) -> None:
    person = person_who_consented(staff)
    token = sign_in(alpha)
    api = Api(alpha, token=token, lang="en")
    listed = api.get("/api/v1/public/privacy/")
    assert listed.status_code == 200, listed.content
    [entry] = listed.json()
    assert entry["person"] == person.pk
    assert sorted(c["kind"] for c in entry["consents"]) == ["cross_check", "sms"]
    assert {c["withdrawn_at"] for c in entry["consents"]} == {None}
    assert entry["rights_requests"] == []

    asked = api.post(
        "/api/v1/public/privacy/rights-requests/", {"kind": "restriction", "details": "stop for now"}
    )
    assert asked.status_code == 201, asked.content
    body = asked.json()
    assert (body["kind"], body["status"], body["status_label"], body["label"]) == (
        "restriction",
        "open",
        "Being handled",
        "Restriction of my data",
    )
    due = dt.datetime.fromisoformat(body["due_at"])
    assert dt.timedelta(days=29, hours=23) < due - timezone.now() <= dt.timedelta(days=30)
    again = api.post("/api/v1/public/privacy/rights-requests/", {"kind": "restriction"})
    assert again.status_code == 409
    assert again.json()["code"] == "already_open"
    assert again.json()["detail"].startswith("The association already has an open request of this kind")
    arabic = Api(alpha, token=token, lang="ar").post(
        "/api/v1/public/privacy/rights-requests/", {"kind": "restriction"}
    )
    assert arabic.status_code == 409
    assert arabic.json()["detail"].startswith("لدى الجمعية طلب مفتوح من هذا النوع")
    bad = api.post("/api/v1/public/privacy/rights-requests/", {"kind": "delete_everything"})
    assert bad.status_code == 400 and "kind" in bad.json()["errors"]
    correction = api.post("/api/v1/public/privacy/rights-requests/", {"kind": "correction"})
    assert correction.status_code == 400
    assert correction.json()["errors"]["details"] == ["Say what is wrong in your data and what it should be."]

    withdrawn = api.post("/api/v1/public/privacy/consents/withdraw/", {"kind": "sms"})
    assert withdrawn.status_code == 200, withdrawn.content
    assert withdrawn.json()["kind"] == "sms" and withdrawn.json()["withdrawn_at"] is not None
    twice = api.post("/api/v1/public/privacy/consents/withdraw/", {"kind": "sms"})
    assert twice.status_code == 409 and twice.json()["code"] == "consent_not_active"
    listed = api.get("/api/v1/public/privacy/").json()[0]
    assert [r["kind"] for r in listed["rights_requests"]] == ["restriction"]
    assert {c["kind"]: c["withdrawn_at"] is not None for c in listed["consents"]} == {
        "sms": True,
        "cross_check": False,
    }
    connection.set_tenant(alpha)
    assert RightsRequest.objects.get().received_via == "portal"
    # The two refused repeats are on the record (the malformed ones never reached the service).
    assert AuditEvent.objects.filter(action="privacy.rights_request_not_opened").count() == 2
