"""The beneficiary portal and its API: apply online, sign in with a code, follow one's own requests,
send a missing document, rate the service; and the bad input of the issue, each refused clearly."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase
from django.utils import timezone
from procrastinate.contrib.django.models import ProcrastinateJob

from casework import selectors, sms
from casework.models import (
    Attestation,
    BeneficiaryDocument,
    OtpChallenge,
    SmsDelivery,
    SupportCase,
    TrackingReference,
)
from casework.portal import otp
from casework.portal.tasks import sign_in_code_text
from casework.tasks import request_received
from tenants.db import connection
from tenants.models import Association
from tests.casework.conftest import TINY_PDF, Staff, install_policy, new_national_id, open_case, register
from tests.casework.test_casework_flow import take_step
from tests.conftest import host_for

pytestmark = pytest.mark.django_db

PHONE = "0551234567"
E164 = "+966551234567"
NAME = "نورة بنت سالم الحربي"


@pytest.fixture(autouse=True)
def _empty_outbox(media_root: Any) -> None:
    sms.outbox.clear()


def api(tenant: Association, lang: str = "ar") -> Client:
    return Client(HTTP_HOST=host_for(tenant), headers={"accept-language": lang})


_done_jobs: set[int] = set()


def run_jobs(task_suffix: str) -> int:
    """Run the queued jobs of one task as the worker would (in the schema each job carries)."""
    from casework.portal import tasks as portal_tasks

    tasks_by_suffix = {
        "sign_in_code_text": portal_tasks.sign_in_code_text,
        "request_received": request_received,
    }
    sent = 0
    for job in ProcrastinateJob.objects.filter(task_name__endswith=task_suffix).order_by("id"):
        if job.pk in _done_jobs:
            continue  # the queue is read-only from Django: remember what this test ran
        _done_jobs.add(job.pk)
        # Messages leave when the job's transaction commits.
        with TestCase.captureOnCommitCallbacks(execute=True):
            sent += int(tasks_by_suffix[task_suffix](**job.args))
    return sent


def code_from_outbox() -> str:
    match = re.search(r"(\d{6})", sms.outbox[-1].body)
    assert match is not None, sms.outbox[-1].body
    return match.group(1)


def sign_in(tenant: Association, phone: str = PHONE) -> str:
    assert api(tenant).post("/api/v1/public/otp/", {"phone": phone}).status_code == 202
    connection.set_tenant(tenant)
    assert run_jobs("sign_in_code_text") == 1
    answer = api(tenant).post("/api/v1/public/otp/verify/", {"phone": phone, "code": code_from_outbox()})
    assert answer.status_code == 200, answer.content
    return str(answer.json()["token"])


JAMOUM_ANSWERS = {
    "applicant_relation": "mother",
    "father_death_date": "1444-03-12",
    "orphans": [{"full_name": "سالم الحربي", "birth_date": "2015-04-02", "gender": "male"}],
    "monthly_income": "1800",
    "income_source": "social_security",
    "housing": "rented",
    "annual_rent": "14000",
    "need_description": "رسوم مدرسية للأيتام",
}


def application(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "intake": json.dumps(JAMOUM_ANSWERS, ensure_ascii=False),
        "national_id": new_national_id(),
        "full_name_ar": NAME,
        "phone": PHONE,
        "city": "الجموم",
        "attestation_name": NAME,
        "attestation_confirmed": "true",
        "doc_identity_presented": SimpleUploadedFile("id.pdf", TINY_PDF, content_type="application/pdf"),
        # The applicant agrees to be texted about the request (the tracking reference comes by SMS).
        "consents": ["sms"],
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- Applying ---------------------------------------------------------------------------------------


def test_applying_online_opens_a_request_through_the_website_with_documents_and_attestation(
    alpha: Association,
) -> None:
    install_policy(alpha, "jamoum")
    answer = api(alpha).post("/api/v1/public/applications/", application())
    assert answer.status_code == 201, answer.content
    reference = answer.json()["reference"]
    assert re.fullmatch(r"[2-9A-Z]{4}-[2-9A-Z]{4}", reference)
    connection.set_tenant(alpha)
    case = SupportCase.objects.get(tracking__reference=reference)
    assert (case.channel, case.step, case.opened_by) == ("website", "receive", None)
    assert case.intake["housing"] == "rented"  # the intake form's clean answers, on the case
    assert case.intake["orphans"][0]["full_name"] == "سالم الحربي"
    [document] = BeneficiaryDocument.objects.filter(case=case)
    assert (document.kind, document.content_type) == ("identity_presented", "application/pdf")
    assert case.checklist.get(code="identity_presented").document == document
    attestation = Attestation.objects.get(case=case)
    assert attestation.typed_name == NAME
    assert selectors.attestation_is_valid(case)  # bound to exactly the data given
    # The applicant is texted the tracking reference after the commit, by the worker.
    assert run_jobs("request_received") == 1
    assert reference in sms.outbox[-1].body
    assert sms.outbox[-1].to == E164


def test_the_same_id_cannot_apply_twice_while_a_request_is_open(alpha: Association) -> None:
    install_policy(alpha, "jamoum")
    national_id = new_national_id()
    first = api(alpha).post("/api/v1/public/applications/", application(national_id=national_id))
    assert first.status_code == 201
    again = api(alpha).post("/api/v1/public/applications/", application(national_id=national_id))
    assert again.status_code == 409
    body = again.json()
    assert body["error_codes"] == {"national_id": "request_already_open"}
    assert "لهذا الرقم طلب مفتوح" in body["errors"]["national_id"][0]
    connection.set_tenant(alpha)
    assert SupportCase.objects.count() == 1  # nothing opened twice


def test_an_id_registered_with_another_mobile_is_sent_to_the_office_without_saying_more(
    alpha: Association, staff: Staff
) -> None:
    install_policy(alpha, "jamoum")
    person = register(staff.reception, phone="0559999999")
    answer = api(alpha).post("/api/v1/public/applications/", application(national_id=person.national_id))
    assert answer.status_code == 409
    assert answer.json()["error_codes"] == {"national_id": "contact_association"}
    assert "0559999999" not in answer.content.decode() and "+966559999999" not in answer.content.decode()


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        (
            {
                "doc_identity_presented": SimpleUploadedFile(
                    "id.pdf", b"MZ\x90\x00 not a pdf", "application/pdf"
                )
            },
            "documents.identity_presented",
            "unsupported_type",
        ),
        (
            {
                "doc_identity_presented": SimpleUploadedFile(
                    "big.pdf", TINY_PDF + b"0" * (10 * 1024 * 1024), "application/pdf"
                )
            },
            "documents.identity_presented",
            "too_large",
        ),
        ({"doc_identity_presented": None}, "documents.identity_presented", "required"),
        ({"full_name_ar": "نورة \u202egnp.exe"}, "full_name_ar", "unsafe_characters"),
        ({"full_name_ar": "نورة <script>alert(1)</script>"}, "full_name_ar", "markup"),
        (
            {"intake": json.dumps({**JAMOUM_ANSWERS, "need_description": "<img src=x onerror=alert(1)>"})},
            "intake.need_description",
            "markup",
        ),
        (
            {"intake": json.dumps({**JAMOUM_ANSWERS, "housing": "castle"})},
            "intake.housing",
            "invalid_choice",
        ),
        (
            {"intake": json.dumps({**JAMOUM_ANSWERS, "father_death_date": "1444-13-40"})},
            "intake.father_death_date",
            "invalid_hijri_date",
        ),
        ({"intake": json.dumps({**JAMOUM_ANSWERS, "annual_rent": ""})}, "intake.annual_rent", "required"),
        ({"city": "جدة\u2066"}, "city", "unsafe_characters"),
        ({"national_id": "1234567890"}, "national_id", "invalid_checksum"),
        ({"phone": "12345"}, "phone", "invalid_phone"),
        ({"attestation_confirmed": "false"}, "attestation_confirmed", "required"),
    ],
    ids=[
        "not-what-it-claims",
        "oversize",
        "missing-id-document",
        "bidi-override-name",
        "script-name",
        "script-answer",
        "unknown-choice",
        "impossible-hijri-date",
        "rent-needed-when-renting",
        "bidi-isolate-city",
        "bad-national-id",
        "bad-phone",
        "no-attestation",
    ],
)
def test_bad_applications_get_a_field_error_in_arabic_and_open_nothing(
    alpha: Association, overrides: dict[str, Any], field: str, code: str
) -> None:
    install_policy(alpha, "jamoum")
    answer = api(alpha).post("/api/v1/public/applications/", application(**overrides))
    assert answer.status_code == 400, answer.content
    body = answer.json()
    assert field in body["errors"]
    assert body["error_codes"][field] == code
    assert re.search(r"[\u0600-\u06FF]", body["errors"][field][0])  # in the applicant's language
    connection.set_tenant(alpha)
    assert SupportCase.objects.count() == 0
    assert BeneficiaryDocument.objects.count() == 0


def test_a_channel_the_policy_lacks_is_refused(alpha: Association) -> None:
    install_policy(alpha, "tabuk")  # the website, but no help-request form
    answer = api(alpha, "en").post("/api/v1/public/applications/", application(channel="help_request"))
    assert answer.status_code == 400
    assert answer.json()["error_codes"] == {"channel": "channel_not_allowed"}
    assert "does not allow" in answer.json()["errors"]["channel"][0]
    tabuk_answers = {
        "applicant_is_patient": "yes",
        "diagnosis": "فشل كلوي",
        "treating_facility": "مستشفى الملك خالد بتبوك",
        "medical_need": "dialysis_transport",
        "has_insurance": "no",
        "monthly_income": "2500",
        "income_source": "pension",
        "need_description": "نقل إلى جلسات الغسيل",
    }
    ok = api(alpha).post(  # Tabuk asks its own questions and has no attest step
        "/api/v1/public/applications/", application(intake=json.dumps(tabuk_answers, ensure_ascii=False))
    )
    assert ok.status_code == 201, ok.content
    assert ok.json()["channel"] == "website"


def test_no_policy_in_force_no_applications(alpha: Association) -> None:
    answer = api(alpha).post("/api/v1/public/applications/", application())
    assert answer.status_code == 409
    assert answer.json()["code"] == "no_policy_in_force"


# --- Signing in with a code -------------------------------------------------------------------------


def test_asking_for_a_code_answers_the_same_whether_the_number_is_known_or_not(
    alpha: Association, staff: Staff
) -> None:
    register(staff.reception, phone=PHONE)
    known = api(alpha).post("/api/v1/public/otp/", {"phone": PHONE})
    unknown = api(alpha).post("/api/v1/public/otp/", {"phone": "0557654321"})
    assert (known.status_code, unknown.status_code) == (202, 202)
    assert known.json() == unknown.json()
    connection.set_tenant(alpha)
    assert ProcrastinateJob.objects.filter(task_name__endswith="sign_in_code_text").count() == 2
    assert run_jobs("sign_in_code_text") == 1  # only the known number is texted
    assert [m.to for m in sms.outbox] == [E164]
    delivery = SmsDelivery.objects.get()
    assert (delivery.purpose, delivery.status) == ("sign_in_code", "sent")


def test_the_code_is_six_digits_stored_only_as_an_hmac(alpha: Association, staff: Staff) -> None:
    register(staff.reception, phone=PHONE)
    api(alpha).post("/api/v1/public/otp/", {"phone": PHONE})
    connection.set_tenant(alpha)
    run_jobs("sign_in_code_text")
    code = code_from_outbox()
    assert re.fullmatch(r"\d{6}", code)
    challenge = OtpChallenge.objects.get()
    stored = " ".join(str(getattr(challenge, f.attname)) for f in OtpChallenge._meta.concrete_fields)
    assert code not in stored
    lifetime = challenge.expires_at - challenge.created_at
    assert dt.timedelta(minutes=9, seconds=59) < lifetime <= dt.timedelta(minutes=10)
    assert not [d for d in SmsDelivery.objects.values_list("error", "provider_id") if code in str(d)]


def test_a_right_code_gives_a_short_token_for_own_requests_only(
    alpha: Association, tenant_b: Association, staff: Staff
) -> None:
    install_policy(alpha, "jamoum")
    mine = open_case(staff.reception, register(staff.reception, phone=PHONE))
    open_case(staff.reception, register(staff.reception, name="سعد بن علي القحطاني", phone="0557777777"))
    token = sign_in(alpha)
    listed = api(alpha).get("/api/v1/public/requests/", headers={"authorization": f"Bearer {token}"})
    assert listed.status_code == 200
    [row] = listed.json()
    connection.set_tenant(alpha)
    assert row["reference"] == TrackingReference.objects.get(case=mine).reference
    assert row["step_label"] == "استقبال المستفيد والإجابة على استفساراته"
    assert row["status"] == "open"
    assert [(s["code"], s["state"]) for s in row["steps"]] == [
        ("receive", "current"),
        *(
            (code, "pending")
            for code in ("verify", "refer", "attest", "committee_review", "register", "serve")
        ),
    ]
    # The token is this association's: on another association's host it means nothing.
    other = api(tenant_b).get("/api/v1/public/requests/", headers={"authorization": f"Bearer {token}"})
    assert other.status_code == 401
    assert api(alpha).get("/api/v1/public/requests/").status_code == 401


def test_five_wrong_codes_lock_it_even_for_the_right_code(alpha: Association, staff: Staff) -> None:
    register(staff.reception, phone=PHONE)
    api(alpha).post("/api/v1/public/otp/", {"phone": PHONE})
    connection.set_tenant(alpha)
    run_jobs("sign_in_code_text")
    right = code_from_outbox()
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    answers = [
        api(alpha)
        .post("/api/v1/public/otp/verify/", {"phone": PHONE, "code": wrong})
        .json()["error_codes"]["code"]
        for _ in range(5)
    ]
    assert answers == ["wrong_code"] * 4 + ["code_locked"]
    locked = api(alpha).post("/api/v1/public/otp/verify/", {"phone": PHONE, "code": right})
    assert locked.status_code == 400
    assert locked.json()["error_codes"]["code"] == "code_locked"
    assert "خمس مرات" in locked.json()["errors"]["code"][0]


def test_an_expired_code_does_not_sign_in(alpha: Association, staff: Staff) -> None:
    register(staff.reception, phone=PHONE)
    api(alpha).post("/api/v1/public/otp/", {"phone": PHONE})
    connection.set_tenant(alpha)
    run_jobs("sign_in_code_text")
    OtpChallenge.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    answer = api(alpha).post("/api/v1/public/otp/verify/", {"phone": PHONE, "code": code_from_outbox()})
    assert answer.json()["error_codes"]["code"] == "wrong_code"


def test_codes_are_rate_limited_per_number_and_per_address(alpha: Association) -> None:
    answers = [api(alpha).post("/api/v1/public/otp/", {"phone": PHONE}).status_code for _ in range(4)]
    assert answers == [202, 202, 202, 429]
    many = [
        api(alpha).post("/api/v1/public/otp/", {"phone": f"05500000{i:02d}"}).status_code for i in range(20)
    ]
    assert many[:17] == [202] * 17  # 3 above + 17 = the address's 20 an hour
    assert many[17:] == [429] * 3
    other_address = Client(HTTP_HOST=host_for(alpha), REMOTE_ADDR="10.9.8.7")
    assert other_address.post("/api/v1/public/otp/", {"phone": "0501111111"}).status_code == 202


def test_a_code_asked_for_in_association_a_does_not_open_association_b(
    alpha: Association, tenant_b: Association, staff: Staff
) -> None:
    register(staff.reception, phone=PHONE)
    api(alpha).post("/api/v1/public/otp/", {"phone": PHONE})
    connection.set_tenant(alpha)
    run_jobs("sign_in_code_text")
    answer = api(tenant_b).post("/api/v1/public/otp/verify/", {"phone": PHONE, "code": code_from_outbox()})
    assert answer.status_code == 400


# --- The portal's pages -----------------------------------------------------------------------------


def browser_sign_in(tenant: Association, phone: str = PHONE) -> Client:
    browser = Client(HTTP_HOST=host_for(tenant))
    assert browser.post("/portal/", {"phone": phone}).status_code == 302
    connection.set_tenant(tenant)
    run_jobs("sign_in_code_text")
    answer = browser.post("/portal/code", {"code": code_from_outbox()})
    assert answer.status_code == 302 and answer["Location"] == "/portal/requests/"
    return browser


def test_follow_send_a_missing_document_and_rate_once(alpha: Association, staff: Staff) -> None:
    install_policy(alpha, "jamoum")
    case = open_case(staff.reception, register(staff.reception, phone=PHONE))
    browser = browser_sign_in(alpha)
    listing = browser.get("/portal/requests/").content.decode()
    connection.set_tenant(alpha)
    reference = TrackingReference.objects.get(case=case).reference
    assert reference in listing
    page = browser.get(f"/portal/requests/{reference}/").content.decode()
    assert "ما يثبت الدخل (مثل تعريف بالراتب أو كشف حساب)" in page  # a document still awaited
    sent = browser.post(
        f"/portal/requests/{reference}/",
        {
            "do": "document",
            "code": "income_proof",
            "file": SimpleUploadedFile("p.pdf", TINY_PDF, "application/pdf"),
        },
    )
    assert sent.status_code == 302
    connection.set_tenant(alpha)
    assert case.checklist.get(code="income_proof").document is not None
    fake = browser.post(
        f"/portal/requests/{reference}/",
        {
            "do": "document",
            "code": "identity_presented",
            "file": SimpleUploadedFile("x.pdf", b"<html>", "a/b"),
        },
    )
    assert fake.status_code == 400
    assert "يُقبل ملف PDF" in fake.content.decode()
    # Staff take it to the end; then the person rates it, once.
    connection.set_tenant(alpha)
    while case.status == "open":
        case = take_step(case, staff)
    # Two services were delivered (cash, then in kind): each has its own rating form, once.
    connection.set_tenant(alpha)
    cash, in_kind = case.services.order_by("id")
    page = browser.get(f"/portal/requests/{reference}/").content.decode()
    assert page.count('class="rating-form"') == 2
    assert f'name="service" value="{cash.pk}"' in page and f'name="service" value="{in_kind.pk}"' in page
    assert "دعم نقدي — 1,500.00 ريال" in page  # the service in words, with its amount
    rate = {"do": "rate", "service": str(cash.pk)}
    bad = browser.post(f"/portal/requests/{reference}/", {**rate, "score": "9", "comment": ""})
    assert bad.status_code == 400
    assert "التقييم من ١ إلى ٥" in bad.content.decode()
    unsaid = browser.post(f"/portal/requests/{reference}/", {"do": "rate", "score": "4", "comment": ""})
    assert unsaid.status_code == 400
    assert "اختر الخدمة التي تقيّمها" in unsaid.content.decode()
    good = browser.post(f"/portal/requests/{reference}/", {**rate, "score": "4", "comment": "شكرًا"})
    assert good.status_code == 302
    page = browser.get(f"/portal/requests/{reference}/").content.decode()
    assert page.count('class="rating-form"') == 1  # only the in-kind service is left to rate
    assert "قيّمت هذه الخدمة بـ ٤ من ٥" in page
    again = browser.post(f"/portal/requests/{reference}/", {**rate, "score": "5", "comment": ""})
    assert again.status_code == 400  # no form any more, and the service refuses a second rating
    assert "قُيّمت هذه الخدمة من قبل" in again.content.decode()
    second = browser.post(
        f"/portal/requests/{reference}/", {"do": "rate", "service": str(in_kind.pk), "score": "2"}
    )
    assert second.status_code == 302
    connection.set_tenant(alpha)
    assert sorted(case.ratings.values_list("service_id", "score", "comment")) == [
        (cash.pk, 4, "شكرًا"),
        (in_kind.pk, 2, ""),
    ]


def test_a_guessed_reference_shows_nothing(alpha: Association, staff: Staff) -> None:
    install_policy(alpha, "jamoum")
    theirs = open_case(staff.reception, register(staff.reception, phone="0558888888"))
    connection.set_tenant(alpha)
    from casework.portal.services import reference_for

    their_reference = reference_for(theirs).reference
    open_case(staff.reception, register(staff.reception, name="سارة بنت محمد", phone=PHONE))
    browser = browser_sign_in(alpha)
    assert browser.get(f"/portal/requests/{their_reference}/").status_code == 404
    assert browser.get("/portal/requests/ZZZZ-ZZZZ/").status_code == 404
    posted = browser.post(f"/portal/requests/{their_reference}/", {"do": "rate", "score": "5"})
    assert posted.status_code == 404


def test_the_portal_needs_a_sign_in(alpha: Association) -> None:
    answer = Client(HTTP_HOST=host_for(alpha)).get("/portal/requests/")
    assert answer.status_code == 302 and answer["Location"] == "/portal/"


def test_the_apply_page_offers_the_policy_documents_and_attestation(alpha: Association) -> None:
    install_policy(alpha, "jamoum")
    page = Client(HTTP_HOST=host_for(alpha)).get("/apply/").content.decode()
    assert "صورة الهوية الوطنية أو الإقامة" in page
    assert 'name="attestation_name"' in page
    assert "أسبوعين" in page  # Jamoum's committee answers within two weeks
    posted = Client(HTTP_HOST=host_for(alpha)).post(
        "/apply/", {"full_name_ar": "نورة \u202eأ", "national_id": "1", "phone": "05"}
    )
    assert posted.status_code == 400
    text = posted.content.decode()
    assert "رموز تحكم" in text and 'value="05"' in text  # what was typed is kept


def test_otp_helpers_refuse_a_code_of_the_wrong_shape(alpha: Association) -> None:
    connection.set_tenant(alpha)
    with pytest.raises(otp.ServiceError) as refused:
        otp.otp_verify(phone=PHONE, code="12")
    assert refused.value.problems[0].field == "code"


def test_sign_in_code_job_does_nothing_for_a_used_code(alpha: Association, staff: Staff) -> None:
    register(staff.reception, phone=PHONE)
    connection.set_tenant(alpha)
    challenge = otp.otp_request(phone=PHONE, client_address="1.2.3.4")
    OtpChallenge.objects.filter(pk=challenge.pk).update(used_at=timezone.now())
    assert sign_in_code_text(schema_name="alpha", challenge_id=challenge.pk) == 0


@pytest.mark.parametrize(
    "comment",
    ["خدمة ممتازة \u202eلا", "<script>alert(1)</script>", "جيد\u2067جدًا"],
    ids=["rlo", "script", "isolate"],
)
def test_a_rating_comment_with_script_or_direction_overrides_is_refused(
    alpha: Association, staff: Staff, comment: str
) -> None:
    install_policy(alpha, "jamoum")
    case = open_case(staff.reception, register(staff.reception, phone=PHONE))
    while case.status == "open":
        case = take_step(case, staff)
    browser = browser_sign_in(alpha)
    connection.set_tenant(alpha)
    from casework.portal.services import reference_for

    reference = reference_for(case).reference
    service = case.services.earliest("id")
    answer = browser.post(
        f"/portal/requests/{reference}/",
        {"do": "rate", "service": str(service.pk), "score": "5", "comment": comment},
    )
    assert answer.status_code == 400
    assert f'id="id_comment_{service.pk}"' in answer.content.decode()
    assert "<script>alert(1)</script>" not in answer.content.decode()
    connection.set_tenant(alpha)
    assert not SupportCase.objects.get(pk=case.pk).ratings.exists()


def test_a_mobile_client_lists_the_services_and_rates_each_once(
    alpha: Association, tenant_b: Association, staff: Staff
) -> None:
    install_policy(alpha, "jamoum")
    case = open_case(staff.reception, register(staff.reception, phone=PHONE))
    theirs = open_case(
        staff.reception, register(staff.reception, name="سعد بن علي القحطاني", phone="0557777777")
    )
    for one in (case, theirs):
        while one.status == "open":
            one = take_step(one, staff)
    connection.set_tenant(alpha)
    from casework.portal.services import reference_for

    reference, their_reference = reference_for(case).reference, reference_for(theirs).reference
    cash, in_kind = case.services.order_by("id")
    token = sign_in(alpha)
    auth = {"authorization": f"Bearer {token}"}
    [row] = api(alpha).get("/api/v1/public/requests/", headers=auth).json()
    assert [(s["id"], s["rated"], s["score"]) for s in row["services"]] == [
        (cash.pk, False, None),
        (in_kind.pk, False, None),
    ]
    assert row["services"][0]["title"].startswith("دعم نقدي — 1,500.00 ريال — ")
    url = f"/api/v1/public/requests/{reference}/rating/"
    unsaid = api(alpha).post(url, {"score": 4}, content_type="application/json", headers=auth)
    assert (unsaid.status_code, unsaid.json()["error_codes"]) == (400, {"service": "required"})
    rated = api(alpha).post(
        url,
        {"service": cash.pk, "score": 4, "comment": "شكرًا"},
        content_type="application/json",
        headers=auth,
    )
    assert (rated.status_code, rated.json()) == (201, {"rated": True})
    again = api(alpha).post(
        url, {"service": cash.pk, "score": 5}, content_type="application/json", headers=auth
    )
    assert (again.status_code, again.json()["error_codes"]) == (409, {"score": "already_rated"})
    # Someone else's request, by its reference, is not found; nor is anything without the token.
    other = f"/api/v1/public/requests/{their_reference}/rating/"
    assert (
        api(alpha).post(other, {"score": 5}, content_type="application/json", headers=auth).status_code == 404
    )
    assert (
        api(alpha).post(url, {"service": in_kind.pk, "score": 5}, content_type="application/json").status_code
        == 401
    )
    on_b = api(tenant_b).post(
        url, {"service": in_kind.pk, "score": 5}, content_type="application/json", headers=auth
    )
    assert on_b.status_code == 401
    [row] = api(alpha).get("/api/v1/public/requests/", headers=auth).json()
    assert [(s["rated"], s["score"]) for s in row["services"]] == [(True, 4), (False, None)]
    connection.set_tenant(alpha)
    assert list(theirs.ratings.all()) == []
