"""The casework API on an association's host: session or personal token, field-level errors,
another association's objects answer 404, idempotent creates, a constant-query inbox."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection as django_connection
from django.test.utils import CaptureQueriesContext

from accounts.models import RoleCode
from casework import services
from casework.models import ApiToken, Beneficiary, IdempotencyKey, SupportCase
from policy_engine import services as policy_services
from policy_engine.models import PolicyVersion
from tenants.db import connection
from tenants.models import Association
from tests.casework.conftest import (
    TINY_PDF,
    Api,
    Staff,
    install_policy,
    intake_answers,
    make_user,
    new_national_id,
    open_case,
    register,
)
from tests.casework.test_casework_flow import take_step
from tests.conftest import PASSWORD, admin_email

pytestmark = pytest.mark.django_db


def _new_beneficiary(**more: Any) -> dict[str, Any]:
    return {
        "national_id": new_national_id(),
        "full_name_ar": "خالد سعد العتيبي",
        "phone": "0551234567",
        **more,
    }


# --- authentication and scoping -----------------------------------------------------------------


def test_anonymous_requests_get_401_with_a_bearer_challenge(alpha: Association) -> None:
    response = Api(alpha).get("/api/v1/cases/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_personal_token_works_on_its_own_association_only(
    alpha: Association, tenant_b: Association, staff: Staff, rumaila: object
) -> None:
    token, plaintext = services.api_token_create(user=staff.reception, name="جهاز الاستقبال")
    assert plaintext.startswith(f"sila_{token.prefix}_")
    assert token.token_sha256 != plaintext and plaintext not in str(ApiToken.objects.values_list())

    response = Api(alpha, token=plaintext).post("/api/v1/beneficiaries/", _new_beneficiary())
    assert response.status_code == 201, response.json()
    connection.set_tenant(alpha)
    token.refresh_from_db()
    assert token.last_used_at is not None

    on_beta = Api(tenant_b, token=plaintext).get("/api/v1/cases/")
    assert on_beta.status_code == 401
    assert Api(alpha, token=plaintext + "x").get("/api/v1/cases/").status_code == 401
    assert Api(alpha, token="not-a-sila-token").get("/api/v1/cases/").status_code == 401

    connection.set_tenant(alpha)
    services.api_token_revoke(actor=staff.reception, token_id=token.pk)
    assert Api(alpha, token=plaintext).get("/api/v1/cases/").status_code == 401


def test_tokens_are_made_and_listed_by_their_owner(alpha: Association, staff: Staff) -> None:
    api = Api(alpha, staff.reception)
    refused = api.post("/api/v1/tokens/", {"name": "سكربت التقارير"})
    assert (refused.status_code, refused.json()["code"]) == (403, "reauthentication_required")
    wrong = api.post("/api/v1/tokens/", {"name": "سكربت التقارير", "password": "not-it"})
    assert wrong.status_code == 400
    created = api.post("/api/v1/tokens/", {"name": "سكربت التقارير", "password": PASSWORD})
    assert created.status_code == 201
    body = created.json()
    assert body["token"].startswith("sila_")
    listed = api.get("/api/v1/tokens/").json()
    assert [t["name"] for t in listed] == ["سكربت التقارير"] and "token" not in listed[0]
    assert Api(alpha, token=body["token"]).get("/api/v1/tokens/").status_code == 200


def test_another_associations_case_and_beneficiary_answer_404(
    alpha: Association, tenant_b: Association, staff: Staff, rumaila: object
) -> None:
    case = open_case(staff.reception)
    connection.set_tenant(tenant_b)
    from accounts.models import User

    beta_admin = User.objects.get(email=admin_email("beta"))
    beta = Api(tenant_b, beta_admin)
    for path in (
        f"/api/v1/cases/{case.pk}/",
        f"/api/v1/beneficiaries/{case.beneficiary_id}/",
        f"/api/v1/cases/{case.pk}/attestation/",
    ):
        response = beta.get(path)
        assert response.status_code == 404, path
    response = beta.post(f"/api/v1/cases/{case.pk}/transitions/", {"action": "withdraw", "reason": "x"})
    assert response.status_code == 404
    assert beta.get("/api/v1/cases/").json()["count"] == 0
    connection.set_tenant(alpha)
    case.refresh_from_db()
    assert case.status == "open"


def test_roles_are_enforced_by_the_api(alpha: Association, staff: Staff, rumaila: object) -> None:
    committee = Api(alpha, staff.committee[0])
    assert committee.get("/api/v1/beneficiaries/").status_code == 403
    assert committee.post("/api/v1/beneficiaries/", _new_beneficiary()).status_code == 403
    assert committee.post("/api/v1/cases/", {"beneficiary": 1, "channel": "phone"}).status_code == 403
    officer = Api(alpha, staff.officer)
    assert officer.get("/api/v1/beneficiaries/").status_code == 200
    assert officer.post("/api/v1/beneficiaries/", _new_beneficiary()).status_code == 403
    board = Api(alpha, staff.outsider)
    assert board.get("/api/v1/cases/").status_code == 403
    case = open_case(staff.reception)
    # A request at its first step is the reception's, not yet the committee's.
    assert Api(alpha, staff.reception).get("/api/v1/cases/").json()["count"] == 1
    assert committee.get("/api/v1/cases/").json()["count"] == 0
    forbidden = Api(alpha, staff.reception).post(
        f"/api/v1/cases/{case.pk}/transitions/", {"action": "assign", "user": staff.reception2.pk}
    )
    assert forbidden.status_code == 403


# --- registry -----------------------------------------------------------------------------------


def test_register_search_and_read_beneficiaries(alpha: Association, staff: Staff) -> None:
    api = Api(alpha, staff.reception)
    created = api.post(
        "/api/v1/beneficiaries/",
        _new_beneficiary(
            full_name_ar="فاطمة عبد الرحمن",
            phone="٠٥٠١٢٣٤٥٦٧",
            household=[{"full_name_ar": "ليان", "relation": "daughter"}],
        ),
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["phone"] == "+966501234567"
    assert [m["full_name_ar"] for m in body["household"]] == ["ليان"]

    same_id = api.post("/api/v1/beneficiaries/", {**_new_beneficiary(), "national_id": body["national_id"]})
    assert same_id.status_code == 400
    error = same_id.json()
    assert error["error_codes"] == {"national_id": "already_registered"}
    assert error["existing"] == {"id": body["id"], "url": f"/api/v1/beneficiaries/{body['id']}/"}
    assert error["errors"]["national_id"]

    bad = api.post("/api/v1/beneficiaries/", {"national_id": "٣٠١٢٣", "full_name_ar": "", "phone": "12"})
    assert bad.status_code == 400
    assert bad.json()["error_codes"] == {
        "national_id": "invalid_length",
        "full_name_ar": "required",
        "phone": "invalid_phone",
    }
    arabic = Api(alpha, staff.reception, lang="ar").post(
        "/api/v1/beneficiaries/", {**_new_beneficiary(), "phone": "1"}
    )
    assert "رقم الجوال" in arabic.json()["errors"]["phone"][0]

    for query in ("فاطمه", "عبدالرحمن", "0501234567"):
        page = api.get("/api/v1/beneficiaries/", q=query).json()
        assert [row["id"] for row in page["results"]] == [body["id"]], query
    assert api.get(f"/api/v1/beneficiaries/{body['id']}/").json()["full_name_ar"] == "فاطمة عبد الرحمن"
    patched = api.patch(f"/api/v1/beneficiaries/{body['id']}/", {"city": "جدة"})
    assert patched.status_code == 200 and patched.json()["city"] == "جدة"


def test_likely_duplicates_are_listed_and_merged_through_the_api(alpha: Association, staff: Staff) -> None:
    api = Api(alpha, staff.reception)
    first = api.post("/api/v1/beneficiaries/", _new_beneficiary(full_name_ar="محمد عبدالله الحماد")).json()
    second = api.post(
        "/api/v1/beneficiaries/", _new_beneficiary(full_name_ar="محمد بن عبد الله الحماد")
    ).json()
    assert second["likely_duplicates"][0]["beneficiary"] == first["id"]
    flags = api.get("/api/v1/duplicates/").json()["results"]
    assert len(flags) == 1
    unconfirmed = api.post(f"/api/v1/duplicates/{flags[0]['id']}/merge/", {"keep": second["id"]})
    assert (unconfirmed.status_code, unconfirmed.json()["error_codes"]) == (
        400,
        {"confirm": "confirmation_required"},
    )
    merged = api.post(f"/api/v1/duplicates/{flags[0]['id']}/merge/", {"keep": second["id"], "confirm": True})
    assert merged.status_code == 200 and merged.json()["id"] == second["id"]
    assert api.get("/api/v1/duplicates/").json()["count"] == 0


def test_uploads_are_checked_by_content_and_size(alpha: Association, staff: Staff, media_root: Path) -> None:
    api = Api(alpha, staff.reception)
    beneficiary = register(staff.reception)
    url = f"/api/v1/beneficiaries/{beneficiary.pk}/documents/"
    ok = api.multipart(url, {"file": SimpleUploadedFile("عقد.pdf", TINY_PDF), "kind": "lease"})
    assert ok.status_code == 201, ok.json()
    assert ok.json()["content_type"] == "application/pdf"
    fake = api.multipart(url, {"file": SimpleUploadedFile("photo.jpg", b"GIF89a not a jpeg")})
    assert (fake.status_code, fake.json()["error_codes"]) == (400, {"file": "unsupported_type"})
    huge = api.multipart(url, {"file": SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024))})
    assert (huge.status_code, huge.json()["error_codes"]) == (400, {"file": "too_large"})
    connection.set_tenant(alpha)
    assert beneficiary.documents.count() == 1


# --- cases --------------------------------------------------------------------------------------


def test_open_a_case_and_move_it_through_the_api(alpha: Association, staff: Staff) -> None:
    version = install_policy(alpha, "jamoum")
    api = Api(alpha, staff.reception)
    beneficiary = register(staff.reception)

    answers = intake_answers()

    refused = api.post("/api/v1/cases/", {"beneficiary": beneficiary.pk, "channel": "fax", "intake": answers})
    assert (refused.status_code, refused.json()["error_codes"]) == (400, {"channel": "channel_not_allowed"})

    created = api.post(
        "/api/v1/cases/",
        {"beneficiary": beneficiary.pk, "channel": "branch_representatives", "intake": answers},
    )
    assert created.status_code == 201, created.json()
    case = created.json()
    assert (case["status"], case["step"], case["policy_version"]) == ("open", "receive", version.number)
    assert case["decision_due"] is None and case["decision_due_hijri"] is None and case["overdue"] is False
    assert [e["action"] for e in case["timeline"]] == ["open"]
    assert "verify_item" in case["available_actions"] and "vote" not in case["available_actions"]

    url = f"/api/v1/cases/{case['id']}/transitions/"
    step = api.post(
        url, {"action": "verify_item", "code": "enquiries_answered", "revision": case["revision"]}
    )
    assert step.status_code == 200, step.json()
    stale = api.post(url, {"action": "note", "data": {"text": "x"}, "revision": case["revision"]})
    assert (stale.status_code, stale.json()["code"]) == (409, "stale_revision")
    early = api.post(url, {"action": "complete", "to_step": "committee_review"})
    assert early.status_code == 409
    unknown = api.post(url, {"action": "fly"})
    assert (unknown.status_code, list(unknown.json()["errors"])) == (400, ["action"])

    connection.set_tenant(alpha)
    model = SupportCase.objects.get(pk=case["id"])
    while model.step != "committee_review":
        model = take_step(model, staff)
    detail = Api(alpha, staff.committee[0]).get(f"/api/v1/cases/{case['id']}/").json()
    assert model.decision_due is not None
    assert detail["decision_due"] == model.decision_due.isoformat()
    assert detail["decision_due_hijri"] and len(detail["decision_due_hijri"]) == 10
    assert detail["overdue"] is False
    assert detail["review_window"] == "P2W"
    assert [s["state"] for s in detail["steps"]] == ["done"] * 4 + ["current", "pending", "pending"]
    assert detail["available_actions"] == ["vote", "decide", "note"]
    assert detail["timeline"][-1]["to_step"] == "committee_review"

    vote = Api(alpha, staff.committee[0]).post(url, {"action": "vote", "choice": "accept", "reason": "مستحق"})
    assert vote.status_code == 200, vote.json()
    again = Api(alpha, staff.committee[0]).post(
        url, {"action": "vote", "choice": "accept", "reason": "مستحق"}
    )
    assert (again.status_code, again.json()["error_codes"]) == (409, {"choice": "already_voted"})
    quorum = Api(alpha, staff.committee[0]).post(url, {"action": "decide", "minutes": "محضر"})
    assert (quorum.status_code, quorum.json()["code"]) == (409, "quorum_not_met")


def test_no_policy_in_force_answers_409(alpha: Association, staff: Staff) -> None:
    beneficiary = register(staff.reception)
    response = Api(alpha, staff.reception).post(
        "/api/v1/cases/", {"beneficiary": beneficiary.pk, "channel": "phone"}
    )
    assert (response.status_code, response.json()["code"]) == (409, "no_policy_in_force")


# --- idempotency --------------------------------------------------------------------------------


def test_a_retried_create_makes_nothing_new(alpha: Association, staff: Staff, rumaila: object) -> None:
    api = Api(alpha, staff.reception)
    key = str(uuid.uuid4())
    payload = _new_beneficiary()
    first = api.post("/api/v1/beneficiaries/", payload, **{"Idempotency-Key": key})
    retry = api.post("/api/v1/beneficiaries/", payload, **{"Idempotency-Key": key})
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    connection.set_tenant(alpha)
    assert Beneficiary.objects.count() == 1

    other = api.post("/api/v1/beneficiaries/", _new_beneficiary(), **{"Idempotency-Key": key})
    assert (other.status_code, other.json()["code"]) == (422, "idempotency_key_reused")

    case_key = str(uuid.uuid4())
    body = {"beneficiary": first.json()["id"], "channel": "phone", "intake": intake_answers()}
    opened = [api.post("/api/v1/cases/", body, **{"Idempotency-Key": case_key}) for _ in range(3)]
    assert {r.status_code for r in opened} == {201}
    assert len({r.json()["id"] for r in opened}) == 1
    connection.set_tenant(alpha)
    assert SupportCase.objects.count() == 1

    # A transition retried with its key is applied once.
    url = f"/api/v1/cases/{opened[0].json()['id']}/transitions/"
    note_key = str(uuid.uuid4())
    notes = [
        api.post(url, {"action": "note", "text": "اتصلنا به"}, **{"Idempotency-Key": note_key})
        for _ in range(2)
    ]
    assert notes[0].json() == notes[1].json()
    connection.set_tenant(alpha)
    assert SupportCase.objects.get().events.filter(action="note").count() == 1


def test_a_failed_create_stores_nothing_and_can_be_retried(alpha: Association, staff: Staff) -> None:
    api = Api(alpha, staff.reception)
    key = "retry-me"
    bad = api.post(
        "/api/v1/beneficiaries/", {**_new_beneficiary(), "phone": "12"}, **{"Idempotency-Key": key}
    )
    assert bad.status_code == 400
    connection.set_tenant(alpha)
    assert not IdempotencyKey.objects.exists()
    good = api.post("/api/v1/beneficiaries/", _new_beneficiary(), **{"Idempotency-Key": key})
    assert good.status_code == 201


def test_idempotency_keys_belong_to_their_user(alpha: Association, staff: Staff) -> None:
    payload = _new_beneficiary()
    first = Api(alpha, staff.reception).post("/api/v1/beneficiaries/", payload, **{"Idempotency-Key": "k"})
    assert first.status_code == 201
    # Another employee's key "k" is another key: the request runs (and finds the ID registered).
    second = Api(alpha, staff.reception2).post("/api/v1/beneficiaries/", payload, **{"Idempotency-Key": "k"})
    assert (second.status_code, second.json()["error_codes"]) == (400, {"national_id": "already_registered"})


# --- the inbox ----------------------------------------------------------------------------------


def _queries_for(api: Api, **params: Any) -> tuple[int, dict[str, Any]]:
    with CaptureQueriesContext(django_connection) as captured:
        response = api.get("/api/v1/cases/", **params)
    assert response.status_code == 200, response.content
    return len(captured.captured_queries), response.json()


def test_the_inbox_filters_and_paginates_with_constant_queries(
    alpha: Association, staff: Staff, rumaila: object, django_assert_num_queries: Any, settings: Any
) -> None:
    settings.SILA_ROUTING_RECHECK_SECONDS = 3600  # routing's periodic epoch check is not the inbox's cost
    manager = make_user(alpha, "boss@alpha.test", "association_admin")
    for index in range(30):
        case = open_case(
            staff.reception, register(staff.reception), channel="phone" if index % 3 else "website"
        )
        if index % 5 == 0:
            services.case_transition(
                actor=staff.reception, case_id=case.pk, action="assign", data={"user": "me"}
            )
    api = Api(alpha, staff.reception)

    api.get("/api/v1/cases/")  # warm up what a process loads once (content types, routes)
    count, page = _queries_for(api, page_size=5)
    # The session, its user, its roles (read once for permission and visibility), the count, the page,
    # and the access log's one row naming the cases shown (one insert, whatever the page size).
    assert count == 6
    with django_assert_num_queries(count):
        small = api.get("/api/v1/cases/", page_size=5).json()
    with django_assert_num_queries(count):
        full = api.get("/api/v1/cases/", page_size=25).json()
    assert (len(small["results"]), len(full["results"]), full["count"]) == (5, 25, 30)
    assert page == small
    # A step or channel filter reads the policy's codes once (one query), whatever the page size.
    with django_assert_num_queries(count + 1):
        api.get(
            "/api/v1/cases/", page_size=25, step="receive", channel="phone", overdue="false", assigned="me"
        )
    with django_assert_num_queries(count + 1):
        api.get("/api/v1/cases/", page_size=5, step="receive", channel="phone")

    default = api.get("/api/v1/cases/").json()
    assert len(default["results"]) == 25 and default["next"]
    assert api.get("/api/v1/cases/", channel="website").json()["count"] == 10
    assert api.get("/api/v1/cases/", assigned="me").json()["count"] == 6
    assert api.get("/api/v1/cases/", overdue="true").json()["count"] == 0
    assert api.get("/api/v1/cases/", step="verify").json()["count"] == 0
    assert Api(alpha, manager).get("/api/v1/cases/", assigned="me").json()["count"] == 0
    row = default["results"][0]
    assert set(row) >= {"id", "status", "step", "channel", "policy_version", "decision_due", "overdue"}


def test_list_filters_offer_only_the_codes_of_the_associations_policy(
    alpha: Association, staff: Staff, rumaila: PolicyVersion
) -> None:
    """Rumaila's policy has no referral step and no branch offices; both are catalogue codes."""
    api = Api(alpha, staff.admin)
    open_case(staff.reception, channel="phone")
    assert api.get("/api/v1/cases/", step="receive", channel="phone").json()["count"] == 1
    for name, code in (("step", "refer"), ("channel", "branch_offices"), ("step", "custom:home-visit")):
        refused = api.get("/api/v1/cases/", **{name: code})
        assert refused.status_code == 400, (name, code)
        assert refused.json()["error_codes"] == {name: f"unknown_{name}"}
    assert api.get("/api/v1/cases/", step="refer").json()["errors"]["step"] == [
        "This is not a step of the association's policy. One of: "
        "receive, verify, attest, committee_review, register, serve."
    ]
    arabic = Api(alpha, staff.admin, lang="ar").get("/api/v1/cases/", channel="branch_offices")
    assert arabic.json()["errors"]["channel"][0].startswith("ليست هذه قناة من قنوات سياسة الجمعية.")

    # Version 2 adds a referral and drops the attestation: the referral step is an option now, and
    # the attestation still is (a case opened under version 1 may rest there).
    document = dict(rumaila.document)
    document["procedure"] = [
        {"step": "receive"},
        {"step": "verify"},
        {"step": "refer", "target": "administration"},
        {"step": "committee_review", "body": "administration", "window": "P1W"},
        {"step": "serve"},
    ]
    draft = policy_services.policy_version_create_draft(actor=None, document=document)
    policy_services.policy_approval_record_paper(
        actor=None,
        number=draft.number,
        signatories=[{"name": "رئيس المجلس", "role_ar": "رئيس مجلس الإدارة"}],
        date_gregorian=draft.created_at.date(),
    )
    assert api.get("/api/v1/cases/", step="refer").json()["count"] == 0
    assert api.get("/api/v1/cases/", step="attest").json()["count"] == 0
    assert api.get("/api/v1/cases/", step="receive").json()["count"] == 1
    assert api.get("/api/v1/cases/", channel="branch_offices").status_code == 400


def test_the_api_is_in_the_openapi_schema(alpha: Association, staff: Staff) -> None:
    response = Api(alpha, staff.admin).get("/api/schema/", format="json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/beneficiaries/",
        "/api/v1/beneficiaries/{id}/",
        "/api/v1/cases/",
        "/api/v1/cases/{id}/",
        "/api/v1/cases/{id}/transitions/",
    ):
        assert path in paths, path
    params = {p["name"] for p in paths["/api/v1/cases/"]["post"]["parameters"]}
    assert "Idempotency-Key" in params
    schemes = response.json()["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())


def test_open_by_national_id_with_the_intake_form_and_field_level_errors(
    alpha: Association, tenant_b: Association, staff: Staff
) -> None:
    install_policy(alpha, "jamoum")
    api = Api(alpha, staff.reception, lang="ar")
    beneficiary = register(staff.reception)
    answers = intake_answers()

    bad = dict(answers, father_death_date="1445-10-30", applicant_relation="uncle")
    del bad["need_description"]
    refused = api.post(
        "/api/v1/cases/",
        {"beneficiary": {"national_id": beneficiary.national_id}, "channel": "interview", "intake": bad},
    )
    assert refused.status_code == 400
    assert refused.json()["error_codes"] == {
        "intake.father_death_date": "invalid_hijri_date",
        "intake.applicant_relation": "invalid_choice",
        "intake.need_description": "required",
    }
    assert "الهجري" in refused.json()["errors"]["intake.father_death_date"][0]
    connection.set_tenant(alpha)
    assert not SupportCase.objects.exists()  # nothing saved half-way

    unknown = api.post(
        "/api/v1/cases/",
        {"beneficiary": {"national_id": new_national_id()}, "channel": "interview", "intake": answers},
    )
    assert unknown.json()["error_codes"] == {"beneficiary.national_id": "not_registered"}

    # Arabic-Indic digits are the same ID number.
    arabic_digits = beneficiary.national_id.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    opened = api.post(
        "/api/v1/cases/",
        {
            "beneficiary": {"national_id": arabic_digits},
            "channel": "interview",
            "intake": dict(answers, applicant_relation="guardian"),
        },
    )
    assert opened.status_code == 201, opened.json()
    case = SupportCase.objects.get(pk=opened.json()["id"])
    assert case.beneficiary_id == beneficiary.pk
    assert case.intake["applicant_relation"] == "guardian"
    assert case.intake["father_death_date"] == {"gregorian": "2022-01-18", "hijri": "1443-06-15"}
    # The guardian is asked for the guardianship deed; a mother would not be.
    assert set(case.checklist.filter(step="verify").values_list("code", flat=True)) >= {
        "death_certificate",
        "guardianship_deed",
        "support_request_form",
    }

    # Another association does not know this person.
    install_policy(tenant_b, "jamoum")
    other = Api(tenant_b, make_user(tenant_b, "reception@beta.test", RoleCode.RECEPTION_EMPLOYEE))
    elsewhere = other.post(
        "/api/v1/cases/",
        {"beneficiary": {"national_id": beneficiary.national_id}, "channel": "interview", "intake": answers},
    )
    assert elsewhere.json()["error_codes"] == {"beneficiary.national_id": "not_registered"}


def test_rating_a_served_request_and_reading_the_summary(
    alpha: Association, tenant_b: Association, staff: Staff
) -> None:
    install_policy(alpha, "rumaila")
    case = open_case(staff.reception)
    url = f"/api/v1/cases/{case.pk}/rating/"
    reception = Api(alpha, staff.reception)
    early = reception.post(url, {"score": 5})
    assert (early.status_code, early.json()["error_codes"]) == (409, {"score": "not_served"})
    while case.status == "open":
        case = take_step(case, staff)

    connection.set_tenant(alpha)
    cash, in_kind = case.services.order_by("id")
    unsaid = reception.post(url, {"score": 4})  # two services delivered: which one?
    assert (unsaid.status_code, unsaid.json()["error_codes"]) == (400, {"service": "required"})
    bad = reception.post(url, {"score": 9, "service": cash.pk})
    assert (bad.status_code, bad.json()["error_codes"]) == (400, {"score": "invalid_score"})
    zero = reception.post(url, {"score": 0})
    assert (zero.status_code, zero.json()["error_codes"]) == (400, {"score": "invalid_score"})
    assert zero.json()["errors"] == {"score": ["The rating is 1 to 5."]}
    arabic = Api(alpha, staff.reception, lang="ar").post(url, {"score": 6})
    assert arabic.json()["errors"] == {"score": ["التقييم من ١ إلى ٥."]}
    beta_reception = make_user(tenant_b, "reception@beta.test", RoleCode.RECEPTION_EMPLOYEE)
    assert Api(tenant_b, beta_reception).post(url, {"score": 4, "service": cash.pk}).status_code == 404
    rated = reception.post(url, {"score": 4, "comment": "تعامل راقٍ", "service": cash.pk})
    assert (rated.status_code, rated.json()) == (201, {"rated": True})
    again = reception.post(url, {"score": 5, "service": cash.pk})
    assert (again.status_code, again.json()["error_codes"]) == (409, {"score": "already_rated"})
    detail = reception.get(f"/api/v1/cases/{case.pk}/").json()
    assert [(s["id"], s["rated"]) for s in detail["services"]] == [(cash.pk, True), (in_kind.pk, False)]
    assert detail["rated"] is False  # the in-kind service is still to rate

    assert reception.get("/api/v1/ratings/summary/").status_code == 403
    summary = Api(alpha, staff.admin).get("/api/v1/ratings/summary/").json()
    # One rating: the overall figure only; no employee is shown below five ratings.
    assert summary == {"count": 1, "average": 4.0, "minimum_per_employee": 5, "employees": []}


def test_revoking_a_token_stops_it_and_only_its_owner_or_an_admin_may(
    alpha: Association, tenant_b: Association, staff: Staff, rumaila: object
) -> None:
    token, plaintext = services.api_token_create(user=staff.reception, name="تطبيق الجوال")
    created = {"id": token.pk}
    assert Api(alpha, token=plaintext).get("/api/v1/cases/").status_code == 200

    stranger = Api(alpha, staff.reception2).delete(f"/api/v1/tokens/{created['id']}/")
    assert stranger.status_code == 404
    other_tenant_admin = make_user(tenant_b, "admin2@beta.test", RoleCode.ASSOCIATION_ADMIN)
    assert Api(tenant_b, other_tenant_admin).delete(f"/api/v1/tokens/{created['id']}/").status_code == 404
    assert Api(alpha, token=plaintext).get("/api/v1/cases/").status_code == 200

    revoked = Api(alpha, staff.reception).delete(f"/api/v1/tokens/{created['id']}/")
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert Api(alpha, token=plaintext).get("/api/v1/cases/").status_code == 401
    connection.set_tenant(alpha)
    assert ApiToken.objects.get(pk=created["id"]).revoked_at is not None


def test_the_schema_declares_the_rating_range_the_server_enforces() -> None:
    """Request schemas are as strict as validation: a score outside 1-5 is invalid by the schema."""
    schema = yaml.safe_load((Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml").read_text())
    score = schema["components"]["schemas"]["RatingInputRequest"]["properties"]["score"]
    assert (score["type"], score["minimum"], score["maximum"]) == ("integer", 1, 5)
