"""The policy API as the board, the admin, the staff and the public use it.

Bad input gets a 4xx with a field-level error in the request's language, and nothing already
saved changes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection as django_connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from policy_engine import services
from policy_engine.models import (
    BoardApproval,
    BoardVote,
    PolicyAttachment,
    PolicyStatus,
    PolicyVersion,
    StaffAcknowledgment,
)
from tenants.db import connection
from tenants.models import Association
from tests.conftest import PASSWORD, totp_code
from tests.policy.conftest import TINY_PDF, People, seed_document, vote

pytestmark = pytest.mark.django_db

BASE = "/api/v1/policy"
VERSIONS = f"{BASE}/versions/"
EFFECTIVE_KEYS = {
    "association",
    "version",
    "status",
    "beneficiary_term",
    "channels",
    "staff_tools",
    "procedure",
    "review_window",
    "referral_target",
    "deciding_body",
    "staff_acknowledgment_required",
    "board_approval",
}
# (language, a phrase every message of that kind carries in that language)
INVALID_DETAIL = {"ar": "في البيانات أخطاء", "en": "Some fields are invalid"}


def url(number: int, action: str = "") -> str:
    return f"{VERSIONS}{number}/{action}"


def errors(response: Any) -> dict[str, list[str]]:
    body = response.json()
    assert body["code"] == "invalid", body
    return dict(body["errors"])


def state(tenant: Association) -> dict[str, Any]:
    """What is saved: every version's status, revision and document, approvals, votes, audit."""
    connection.set_tenant(tenant)
    return {
        "versions": list(
            PolicyVersion.objects.order_by("number").values("number", "status", "revision", "document")
        ),
        "approvals": BoardApproval.objects.count(),
        "votes": BoardVote.objects.count(),
        "attachments": PolicyAttachment.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def in_force_numbers(tenant: Association) -> list[int]:
    connection.set_tenant(tenant)
    return list(PolicyVersion.objects.filter(status=PolicyStatus.IN_FORCE).values_list("number", flat=True))


# --- GET /effective ------------------------------------------------------------------------------


def test_effective_is_public_and_has_every_documented_field(
    tenant_a: Association, api: Any, people: People
) -> None:
    connection.set_tenant(tenant_a)
    services.policy_seed_install(slug="rumaila")

    anonymous = api().get(f"{BASE}/effective")
    signed_in = api(people.reception).get(f"{BASE}/effective")

    assert anonymous.status_code == 200
    body = anonymous.json()
    assert set(body) >= EFFECTIVE_KEYS
    assert signed_in.json() == body
    assert set(body["association"]) >= {"slug", "name_ar", "name_en"}
    assert all(set(c) >= {"code", "label_ar", "label_en"} for c in body["channels"])
    assert set(body["board_approval"]) >= {
        "meeting_number",
        "term",
        "session",
        "date_gregorian",
        "date_hijri",
        "signatories",
    }
    assert all(set(s) >= {"name", "role"} for s in body["board_approval"]["signatories"])


def test_effective_carries_the_intake_form_and_checklists_a_client_builds_the_form_from(
    tenant_a: Association, api: Any
) -> None:
    connection.set_tenant(tenant_a)
    services.policy_seed_install(slug="jamoum")

    body = api().get(f"{BASE}/effective").json()

    fields = {f["code"]: f for f in body["intake_form"]["fields"]}
    assert fields["father_death_date"]["type"] == "date"
    assert fields["father_death_date"]["calendar"] == "hijri"
    assert fields["applicant_relation"]["type"] == "choice"
    assert {o["code"] for o in fields["applicant_relation"]["options"]} == {"mother", "guardian", "orphan"}
    assert [f["code"] for f in fields["orphans"]["fields"]] == [
        "full_name",
        "national_id",
        "birth_date",
        "gender",
        "school_grade",
    ]
    verify = {i["code"]: i for i in body["checklists"]["verify"]}
    assert verify["guardianship_deed"]["kind"] == "document"
    assert verify["guardianship_deed"]["file_types"] == ["pdf"]
    assert verify["guardianship_deed"]["when"] == {"field": "applicant_relation", "equals": "guardian"}
    # A document with no list of its own says which types it may be all the same.
    assert verify["death_certificate"]["file_types"] == ["pdf", "png", "jpeg"]
    assert verify["mobile_confirmed"]["kind"] == "info"
    assert "file_types" not in verify["mobile_confirmed"]


@pytest.mark.parametrize(("lang", "text"), [("ar", "لا توجد سياسة نافذة"), ("en", "no policy in force")])
def test_effective_is_a_json_404_when_nothing_is_in_force(
    api: Any, draft: PolicyVersion, lang: str, text: str
) -> None:
    response = api(lang=lang).get(f"{BASE}/effective")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "not_found"
    assert text in response.json()["detail"]


# --- The lifecycle, end to end ------------------------------------------------------------------


def test_draft_to_board_to_in_force_then_a_new_version_supersedes_it(
    tenant_a: Association, api: Any, people: People
) -> None:
    admin, chair = api(people.admin), api(people.chair)

    created = admin.post(VERSIONS, {"document": seed_document("rumaila")})
    assert created.status_code == 201, created.content
    assert (created.json()["number"], created.json()["status"], created.json()["revision"]) == (1, "draft", 1)
    assert created.json()["validation_errors"] == []

    document = seed_document("rumaila")
    document["channels"].append("branch_offices")
    saved = admin.put(url(1), {"document": document, "revision": 1})
    assert saved.status_code == 200, saved.content
    assert saved.json()["revision"] == 2
    assert saved.json()["document"]["channels"][-1] == "branch_offices"

    submitted = admin.post(url(1, "submit"))
    assert submitted.status_code == 200
    assert submitted.json()["status"] == "submitted"

    for user in (people.member1, people.member2):
        response = api(user).post(url(1, "votes"), {"choice": "approve", "code": totp_code()})
        assert response.status_code == 201, response.content
    assert [v["member"] for v in response.json()["votes"]] == ["سلمى العضو", "خالد العضو"]

    approved = chair.post(
        url(1, "approve"), {"meeting_number": "3", "term": "2", "session": "1", "code": totp_code()}
    )
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "in_force"
    approval = approved.json()["board_approval"]
    assert approval["method"] == "in_app"
    assert [s["name"] for s in approval["signatories"]] == ["سلمى العضو", "خالد العضو"]
    assert [s["role"] for s in approval["signatories"]] == ["عضو مجلس الإدارة"] * 2

    effective = api().get(f"{BASE}/effective").json()
    assert (effective["version"], effective["status"]) == (1, "in_force")
    assert effective["board_approval"]["meeting_number"] == "3"

    # Editing starts a new draft from the version in force: same document, new number.
    started = admin.post(VERSIONS, {"based_on": 1})
    assert started.status_code == 201, started.content
    v2 = started.json()
    assert (v2["number"], v2["status"], v2["based_on"], v2["revision"]) == (2, "draft", 1, 1)
    assert v2["document"] == saved.json()["document"]

    connection.set_tenant(tenant_a)
    services.policy_approval_record_paper(
        actor=people.admin,
        number=2,
        signatories=[{"name": "منذر الرئيس", "role_ar": "رئيس مجلس الإدارة"}],
        date_gregorian=None,
        date_hijri="1446-04-10",
    )
    assert in_force_numbers(tenant_a) == [2]
    connection.set_tenant(tenant_a)
    first = PolicyVersion.objects.get(number=1)
    assert first.status == PolicyStatus.SUPERSEDED
    assert first.superseded_at is not None
    assert api().get(f"{BASE}/effective").json()["version"] == 2

    listed = admin.get(VERSIONS)
    assert [(v["number"], v["status"]) for v in listed.json()] == [(2, "in_force"), (1, "superseded")]


def test_a_new_draft_defaults_to_a_copy_of_the_version_in_force(
    tenant_a: Association, api: Any, people: People
) -> None:
    connection.set_tenant(tenant_a)
    services.policy_seed_install(slug="baraa")
    response = api(people.admin).post(VERSIONS, {})
    assert response.status_code == 201
    assert response.json()["based_on"] == 1
    connection.set_tenant(tenant_a)
    assert response.json()["document"] == PolicyVersion.objects.get(number=1).document


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_based_on_a_version_that_does_not_exist_is_a_field_error(
    tenant_a: Association, api: Any, people: People, lang: str
) -> None:
    response = api(people.admin, lang).post(VERSIONS, {"based_on": 42})
    assert response.status_code == 400
    message = errors(response)["based_on"][0]
    assert message == {"ar": "لا يوجد إصدار بهذا الرقم.", "en": "No such policy version."}[lang]
    assert state(tenant_a)["versions"] == []


# --- Diff ----------------------------------------------------------------------------------------


def test_diff_lists_field_level_changes_described_in_arabic(
    tenant_a: Association, api: Any, people: People
) -> None:
    connection.set_tenant(tenant_a)
    services.policy_seed_install(slug="jamoum")  # P2W, eight channels, no branch offices
    admin = api(people.admin)
    draft = admin.post(VERSIONS, {"based_on": 1}).json()
    document = draft["document"]
    document["procedure"][4]["window"] = "P1M"
    document["channels"].append("branch_offices")
    assert admin.put(url(2), {"document": document, "revision": 1}).status_code == 200

    response = admin.get(url(2, "diff"))

    assert response.status_code == 200
    body = response.json()
    assert (body["from"], body["to"]) == (1, 2)
    by_path = {c["path"]: c for c in body["changes"]}
    assert set(by_path) == {"channels.branch_offices", "procedure.committee_review.window"}
    window = by_path["procedure.committee_review.window"]
    assert (window["kind"], window["old"], window["new"]) == ("changed", "P2W", "P1M")
    assert window["description_ar"] == "تغيّرت مدة دراسة الطلب من أسبوعين إلى شهر"
    assert window["description_en"] == "The review window changed from two weeks to one month"
    channel = by_path["channels.branch_offices"]
    assert channel["kind"] == "added"
    assert channel["description_ar"] == "أضيفت قناة: فروع الجمعية ومكاتبها"

    # Against an explicit version, and the other way round.
    back = admin.get(url(1, "diff"), against=2).json()
    assert (back["from"], back["to"]) == (2, 1)
    assert {c["path"]: c["kind"] for c in back["changes"]}["channels.branch_offices"] == "removed"


@pytest.mark.parametrize(
    ("lang", "message"), [("ar", "اكتب رقم إصدار."), ("en", "A version number is expected.")]
)
def test_diff_against_something_that_is_not_a_number_is_a_field_error(
    api: Any, people: People, draft: PolicyVersion, lang: str, message: str
) -> None:
    response = api(people.admin, lang).get(url(draft.number, "diff"), against="one")
    assert response.status_code == 400
    assert errors(response) == {"against": [message]}


def test_diff_against_a_missing_version_is_404(api: Any, people: People, draft: PolicyVersion) -> None:
    assert api(people.admin).get(url(draft.number, "diff"), against=99).status_code == 404


# --- Bad input: the document --------------------------------------------------------------------

BAD_DOCUMENTS: dict[str, tuple[Any, str, dict[str, str]]] = {
    # name: (how to spoil a Rumaila document, the field, {lang: words the message must contain})
    "unknown channel": (
        lambda d: d["channels"].append("pigeon_post"),
        "document.channels[7]",
        {"ar": "قناة تواصل غير معروفة: pigeon_post", "en": "Unknown contact channel: pigeon_post"},
    ),
    "malformed duration": (
        lambda d: d["procedure"][3].update(window="two weeks"),
        "document.procedure[3].window",
        {"ar": "المدة غير صحيحة", "en": "Invalid duration: 'two weeks'"},
    ),
    "invalid IBAN": (
        lambda d: d["bank_accounts"].append(
            {
                "fund_code": "zakat",
                "label_ar": "الزكاة",
                "label_en": "Zakat",
                "iban": "SA0380000000608010167518",
            }
        ),
        "document.bank_accounts[0].iban",
        {"ar": "رقم الآيبان غير صحيح", "en": "Invalid IBAN"},
    ),
    "referral without a target": (
        lambda d: d["procedure"].insert(2, {"step": "refer"}),
        "document.procedure[2].target",
        {"ar": "هذا الحقل مطلوب", "en": "This field is required"},
    ),
}


@pytest.mark.parametrize("lang", ["ar", "en"])
@pytest.mark.parametrize("case", sorted(BAD_DOCUMENTS))
def test_saving_a_bad_document_is_a_field_error_and_keeps_the_draft(
    tenant_a: Association, api: Any, people: People, draft: PolicyVersion, case: str, lang: str
) -> None:
    spoil, field, words = BAD_DOCUMENTS[case]
    document = seed_document("rumaila")
    spoil(document)
    before = state(tenant_a)

    response = api(people.admin, lang).put(url(draft.number), {"document": document, "revision": 1})

    assert response.status_code == 400
    assert INVALID_DETAIL[lang] in response.json()["detail"]
    assert any(words[lang] in message for message in errors(response)[field]), errors(response)
    assert state(tenant_a) == before


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_creating_a_draft_from_a_bad_document_saves_nothing(
    tenant_a: Association, api: Any, people: People, lang: str
) -> None:
    document = seed_document("tabuk")
    document["channels"][0] = "carrier_pigeon"
    response = api(people.admin, lang).post(VERSIONS, {"document": document})
    assert response.status_code == 400
    expected = {"ar": "قناة تواصل غير معروفة", "en": "Unknown contact channel"}[lang]
    assert expected in errors(response)["document.channels[0]"][0]
    assert state(tenant_a)["versions"] == []


@pytest.mark.parametrize(("lang", "words"), [("ar", "هذا الحقل مطلوب"), ("en", "This field is required")])
def test_a_save_without_its_revision_is_refused_by_the_serializer_in_the_same_shape(
    tenant_a: Association, api: Any, people: People, draft: PolicyVersion, lang: str, words: str
) -> None:
    before = state(tenant_a)
    response = api(people.admin, lang).put(url(draft.number), {"document": seed_document()})
    assert response.status_code == 400
    assert response.json()["error_codes"] == {"revision": "required"}
    assert words in errors(response)["revision"][0]
    assert state(tenant_a) == before


# --- Bad input: two admins, one draft ------------------------------------------------------------


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_the_second_of_two_admins_saving_the_same_revision_gets_a_conflict(
    tenant_a: Association, api: Any, people: People, draft: PolicyVersion, lang: str
) -> None:
    first, second = api(people.admin), api(people.admin2, lang)
    opened_by_first = first.get(url(draft.number)).json()
    opened_by_second = second.get(url(draft.number)).json()
    assert opened_by_first["revision"] == opened_by_second["revision"] == 1

    mine = opened_by_first["document"]
    mine["procedure"][3]["window"] = "P2W"
    theirs = opened_by_second["document"]
    theirs["channels"].remove("letters")

    assert first.put(url(draft.number), {"document": mine, "revision": 1}).status_code == 200
    after_first = state(tenant_a)
    response = second.put(url(draft.number), {"document": theirs, "revision": 1})

    assert response.status_code == 409
    assert response.json()["code"] == "stale_revision"
    assert {"ar": "حفظ شخص آخر هذه المسودة", "en": "Someone else saved this draft"}[lang] in response.json()[
        "detail"
    ]
    assert state(tenant_a) == after_first
    kept = first.get(url(draft.number)).json()
    assert (kept["revision"], kept["document"]) == (2, mine)


# --- Bad input: the board ------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "words"), [("ar", "الرمز غير صحيح"), ("en", "Wrong or already used code")])
def test_a_vote_needs_the_members_second_factor_again(
    tenant_a: Association, api: Any, people: People, submitted: PolicyVersion, lang: str, words: str
) -> None:
    member = api(people.member1, lang)
    # A member with a second factor: the password alone does not sign, nor does a wrong code.
    for body in ({"password": PASSWORD}, {"code": "000000"}):
        response = member.post(url(submitted.number, "votes"), {"choice": "approve", **body})
        assert response.status_code == 400
        assert words in errors(response)["code"][0]
        assert response.json()["error_codes"] == {"code": "incorrect_code"}
    missing = member.post(url(submitted.number, "votes"), {"choice": "approve"})
    assert (missing.status_code, missing.json()["code"]) == (403, "reauthentication_required")
    assert state(tenant_a)["votes"] == 0


def test_a_vote_records_how_the_member_reauthenticated(
    tenant_a: Association, api: Any, people: People, submitted: PolicyVersion
) -> None:
    assert (
        api(people.member1).post(url(1, "votes"), {"choice": "approve", "code": totp_code()}).status_code
        == 201
    )
    connection.set_tenant(tenant_a)
    assert list(BoardVote.objects.values_list("reauthenticated_by", flat=True)) == ["mfa:totp"]


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_voting_twice_is_a_conflict_and_keeps_the_first_vote(
    tenant_a: Association, api: Any, people: People, submitted: PolicyVersion, lang: str
) -> None:
    member = api(people.member1, lang)
    assert member.post(url(1, "votes"), {"choice": "approve", "code": totp_code()}).status_code == 201
    again = member.post(url(1, "votes"), {"choice": "reject", "code": totp_code()})
    assert again.status_code == 409
    assert again.json()["code"] == "already_voted"
    assert {"ar": "سبق أن صوّتَّ", "en": "already voted"}[lang] in again.json()["detail"]
    connection.set_tenant(tenant_a)
    assert list(BoardVote.objects.values_list("choice", flat=True)) == ["approve"]


def test_only_board_members_vote(api: Any, people: People, submitted: PolicyVersion) -> None:
    response = api(people.admin).post(url(1, "votes"), {"choice": "approve", "password": PASSWORD})
    assert response.status_code == 403


def test_a_draft_cannot_be_voted_on(api: Any, people: People, draft: PolicyVersion) -> None:
    response = api(people.member1).post(url(1, "votes"), {"choice": "approve", "password": PASSWORD})
    assert (response.status_code, response.json()["code"]) == (409, "not_submitted")


@pytest.mark.parametrize(
    ("lang", "words"), [("ar", "لم يكتمل النصاب: 1 موافقة من 2"), ("en", "1 approving vote(s) of 2")]
)
def test_approving_without_quorum_is_a_conflict(
    tenant_a: Association, api: Any, people: People, submitted: PolicyVersion, lang: str, words: str
) -> None:
    vote(tenant_a, people.member1, 1)
    vote(tenant_a, people.member2, 1, "reject")  # a rejection is no approval
    before = state(tenant_a)
    response = api(people.chair, lang).post(url(1, "approve"), {})
    assert response.status_code == 409
    assert response.json()["code"] == "quorum_not_met"
    assert words in response.json()["detail"]
    assert state(tenant_a) == before
    assert api().get(f"{BASE}/effective").status_code == 404


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_approving_twice_is_a_conflict(
    tenant_a: Association, api: Any, people: People, submitted: PolicyVersion, lang: str
) -> None:
    vote(tenant_a, people.member1, 1)
    vote(tenant_a, people.member2, 1)
    chair = api(people.chair, lang)
    assert (
        chair.post(url(1, "approve"), {"date_gregorian": "2024-10-13", "code": totp_code()}).status_code
        == 200
    )
    before = state(tenant_a)

    again = chair.post(url(1, "approve"), {"date_gregorian": "2025-01-01"})
    paper = api(people.admin, lang).post(
        url(1, "record-approval"),
        {"signatories": [{"name": "أحد", "role_ar": "عضو"}], "date_gregorian": "2025-01-01"},
    )

    for response in (again, paper):
        assert response.status_code == 409
        assert response.json()["code"] == "already_approved"
        assert {"ar": "اعتُمد هذا الإصدار من قبل", "en": "already been approved"}[lang] in response.json()[
            "detail"
        ]
    assert state(tenant_a) == before
    connection.set_tenant(tenant_a)
    assert BoardApproval.objects.get().date_gregorian.isoformat() == "2024-10-13"


def test_a_board_member_who_is_not_the_chair_cannot_close_the_vote(
    tenant_a: Association, api: Any, people: People, submitted: PolicyVersion
) -> None:
    vote(tenant_a, people.member1, 1)
    vote(tenant_a, people.member2, 1)
    assert api(people.member1).post(url(1, "approve"), {}).status_code == 403
    assert in_force_numbers(tenant_a) == []
    assert api(people.admin).post(url(1, "approve"), {}).status_code == 403  # not without re-authenticating
    assert in_force_numbers(tenant_a) == []
    assert (
        api(people.admin).post(url(1, "approve"), {"code": totp_code()}).status_code == 200
    )  # the admin may
    assert in_force_numbers(tenant_a) == [1]


@pytest.mark.parametrize(
    ("lang", "words"), [("ar", "غير موجود في تقويم أم القرى"), ("en", "does not exist in the Umm al-Qura")]
)
@pytest.mark.parametrize("path", ["approve", "record-approval"])
def test_a_hijri_date_that_does_not_exist_is_a_field_error(
    tenant_a: Association,
    api: Any,
    people: People,
    submitted: PolicyVersion,
    path: str,
    lang: str,
    words: str,
) -> None:
    vote(tenant_a, people.member1, 1)
    vote(tenant_a, people.member2, 1)
    before = state(tenant_a)
    user = people.chair if path == "approve" else people.admin
    payload: dict[str, Any] = {"date_hijri": "1445-01-30"}  # Muharram 1445 has 29 days
    if path == "record-approval":
        payload["signatories"] = [{"name": "منذر الرئيس", "role_ar": "رئيس مجلس الإدارة"}]

    response = api(user, lang).post(url(1, path), payload)

    assert response.status_code == 400
    assert words in errors(response)["date_hijri"][0]
    assert response.json()["error_codes"]["date_hijri"] == "invalid_hijri_date"
    assert state(tenant_a) == before


def test_hijri_and_gregorian_dates_that_disagree_are_refused(
    tenant_a: Association, api: Any, people: People, submitted: PolicyVersion
) -> None:
    response = api(people.admin, "en").post(
        url(1, "record-approval"),
        {
            "signatories": [{"name": "منذر الرئيس", "role_ar": "رئيس مجلس الإدارة"}],
            "date_hijri": "1443-05-15",
            "date_gregorian": "2021-12-20",
        },
    )
    assert response.status_code == 400
    assert errors(response)["date_hijri"] == ["The Hijri and Gregorian dates are not the same day."]
    assert in_force_numbers(tenant_a) == []


# --- Bad input: editing what the board approved -------------------------------------------------


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_an_approved_version_never_changes(
    tenant_a: Association, api: Any, people: People, lang: str
) -> None:
    connection.set_tenant(tenant_a)
    services.policy_seed_install(slug="rumaila")
    before = state(tenant_a)
    document = seed_document("rumaila")
    document["procedure"][3]["window"] = "P1W"
    admin = api(people.admin, lang)

    edit = admin.put(url(1), {"document": document, "revision": 1})
    resubmit = admin.post(url(1, "submit"))

    assert edit.status_code == 409
    assert edit.json()["code"] == "not_editable"
    assert {"ar": "لم يعد مسودة", "en": "no longer a draft"}[lang] in edit.json()["detail"]
    assert (resubmit.status_code, resubmit.json()["code"]) == (409, "not_a_draft")
    assert state(tenant_a) == before


def test_a_submitted_version_is_no_longer_editable(
    tenant_a: Association, api: Any, people: People, submitted: PolicyVersion
) -> None:
    response = api(people.admin).put(url(1), {"document": seed_document(), "revision": 1})
    assert (response.status_code, response.json()["code"]) == (409, "not_editable")


def test_saving_a_version_that_does_not_exist_is_404(api: Any, people: People) -> None:
    response = api(people.admin).put(url(5), {"document": seed_document(), "revision": 1})
    assert response.status_code == 404


# --- Paper approval -----------------------------------------------------------------------------


def test_paper_approval_with_a_scan_and_only_the_hijri_date(
    tenant_a: Association, api: Any, people: People, submitted: PolicyVersion, media_root: Path
) -> None:
    signatories = [
        {"name": "علي بن حسين النباط", "role_ar": "نائب رئيس مجلس الإدارة", "role_en": "Vice-chairman"},
        {"name": "منذر بن عبدالله الحماد", "role_ar": "رئيس مجلس الإدارة"},
    ]
    response = api(people.admin).multipart(
        url(1, "record-approval"),
        {
            "signatories": json.dumps(signatories, ensure_ascii=False),
            "meeting_number": "2021/9",
            "date_hijri": "1443-05-15",
            "date_gregorian": "",  # a form's empty field: not given
            "note": "تحل محل جميع السياسات السابقة",
            "scan": SimpleUploadedFile("signed.pdf", TINY_PDF, content_type="application/pdf"),
        },
    )

    assert response.status_code == 200, response.content
    approval = response.json()["board_approval"]
    assert approval["method"] == "paper"
    assert (approval["date_hijri"], approval["date_gregorian"]) == ("1443-05-15", "2021-12-19")
    assert approval["signatories"] == [
        {"name": "علي بن حسين النباط", "role": "نائب رئيس مجلس الإدارة", "role_en": "Vice-chairman"},
        {"name": "منذر بن عبدالله الحماد", "role": "رئيس مجلس الإدارة", "role_en": ""},
    ]
    assert approval["has_scan"] is True
    assert response.json()["status"] == "in_force"

    connection.set_tenant(tenant_a)
    scan = BoardApproval.objects.get().scan
    assert Path(scan.path).read_bytes() == TINY_PDF
    assert f"{media_root}/tenants/alpha/policy/approvals/" in scan.path


def test_paper_approval_with_only_the_gregorian_date_computes_the_hijri_one(
    api: Any, people: People, draft: PolicyVersion
) -> None:
    """A draft may be recorded directly: the board approved it on paper."""
    response = api(people.admin).post(
        url(1, "record-approval"),
        {
            "signatories": [{"name": "د. رزان علي العقلاء", "role_ar": "رئيس مجلس الإدارة"}],
            "meeting_number": "2",
            "term": "1",
            "date_gregorian": "2024-10-13",
        },
    )
    assert response.status_code == 200, response.content
    approval = response.json()["board_approval"]
    assert (approval["date_gregorian"], approval["date_hijri"]) == ("2024-10-13", "1446-04-10")
    assert (approval["meeting_number"], approval["term"], approval["session"]) == ("2", "1", None)
    assert response.json()["submitted_at"] is not None


@pytest.mark.parametrize(
    ("payload", "field", "lang", "words"),
    [
        ({"date_gregorian": "2024-10-13"}, "signatories", "en", "This field is required"),
        ({"signatories": [], "date_gregorian": "2024-10-13"}, "signatories", "en", "may not be empty"),
        (
            {"signatories": [{"name": "", "role_ar": "رئيس"}], "date_gregorian": "2024-10-13"},
            "signatories[0].name",
            "en",
            "may not be blank",
        ),
        (
            {"signatories": [{"name": "منذر"}], "date_gregorian": "2024-10-13"},
            "signatories[0].role_ar",
            "ar",
            "هذا الحقل مطلوب",
        ),
        (
            {"signatories": [{"name": "منذر", "role_ar": "رئيس"}]},
            "date_gregorian",
            "ar",
            "أدخل تاريخ الاعتماد",
        ),
        (
            {"signatories": [{"name": "منذر", "role_ar": "رئيس"}]},
            "date_gregorian",
            "en",
            "Enter the approval date",
        ),
    ],
)
def test_paper_approval_input_errors_are_field_level(
    tenant_a: Association,
    api: Any,
    people: People,
    submitted: PolicyVersion,
    payload: dict[str, Any],
    field: str,
    lang: str,
    words: str,
) -> None:
    before = state(tenant_a)
    response = api(people.admin, lang).post(url(1, "record-approval"), payload)
    assert response.status_code == 400
    assert any(words in message for message in errors(response)[field]), errors(response)
    assert state(tenant_a) == before


@pytest.mark.parametrize(("lang", "words"), [("ar", "قائمة JSON"), ("en", "JSON list")])
def test_paper_approval_signatories_must_be_json_in_a_form(
    tenant_a: Association, api: Any, people: People, submitted: PolicyVersion, lang: str, words: str
) -> None:
    response = api(people.admin, lang).multipart(
        url(1, "record-approval"), {"signatories": "منذر، رئيس", "date_gregorian": "2024-10-13"}
    )
    assert response.status_code == 400
    assert words in errors(response)["signatories"][0]
    assert in_force_numbers(tenant_a) == []


def test_paper_approval_scan_must_be_a_document(
    tenant_a: Association, api: Any, people: People, submitted: PolicyVersion, media_root: Path
) -> None:
    response = api(people.admin, "en").multipart(
        url(1, "record-approval"),
        {
            "signatories": json.dumps([{"name": "منذر", "role_ar": "رئيس"}]),
            "date_gregorian": "2024-10-13",
            "scan": SimpleUploadedFile("signed.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"),
        },
    )
    assert response.status_code == 400
    assert errors(response)["scan"] == ["Only a PDF, PNG or JPEG file is accepted."]
    assert in_force_numbers(tenant_a) == []
    assert not any(media_root.rglob("*.pdf"))


# --- Attachments ---------------------------------------------------------------------------------


def test_an_admin_uploads_a_pdf_for_a_staff_tool(
    tenant_a: Association, api: Any, people: People, media_root: Path
) -> None:
    response = api(people.admin).multipart(
        f"{BASE}/attachments/", {"file": SimpleUploadedFile("bylaws.pdf", TINY_PDF)}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["name"], body["size"]) == ("bylaws.pdf", len(TINY_PDF))
    connection.set_tenant(tenant_a)
    attachment = PolicyAttachment.objects.get(pk=body["id"])
    assert attachment.content_type == "application/pdf"
    assert attachment.sha256 == body["sha256"]
    assert Path(attachment.file.path).read_bytes() == TINY_PDF


@pytest.mark.parametrize(
    ("name", "content", "lang", "words"),
    [
        ("huge.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), "en", "larger than 10 MB"),
        ("huge.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), "ar", "أكبر من ١٠ ميغابايت"),
        ("notes.pdf", b"just some text, named like a PDF", "en", "Only a PDF, PNG or JPEG"),
        ("script.sh", b"#!/bin/sh\nrm -rf /\n", "ar", "يُقبل ملف PDF أو صورة PNG/JPEG فقط"),
        ("empty.pdf", b"", "en", "The submitted file is empty"),
    ],
)
def test_an_oversize_or_non_document_upload_is_refused_at_the_file_field(
    tenant_a: Association,
    api: Any,
    people: People,
    media_root: Path,
    name: str,
    content: bytes,
    lang: str,
    words: str,
) -> None:
    response = api(people.admin, lang).multipart(
        f"{BASE}/attachments/", {"file": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 400
    assert any(words in message for message in errors(response)["file"]), errors(response)
    assert state(tenant_a)["attachments"] == 0
    assert not [p for p in media_root.rglob("*") if p.is_file()]


# --- Staff acknowledgment ------------------------------------------------------------------------


def test_staff_sign_the_policy_in_force_and_a_new_version_resets_it(
    tenant_a: Association, api: Any, people: People
) -> None:
    connection.set_tenant(tenant_a)
    services.policy_seed_install(slug="mawsam")
    assert api().get(f"{BASE}/effective").json()["staff_acknowledgment_required"] is True

    signed = api(people.reception).post(url(1, "acknowledge"), {"signed_name": "  موظف الاستقبال "})
    assert signed.status_code == 201
    assert signed.json()["acknowledged_at"]
    # Signing again changes nothing.
    assert api(people.reception).post(url(1, "acknowledge"), {"signed_name": "x"}).status_code == 201
    connection.set_tenant(tenant_a)
    assert StaffAcknowledgment.objects.get().signed_name == "موظف الاستقبال"

    status = api(people.admin).get(url(1, "acknowledgments")).json()
    assert [row["email"] for row in status["signed"]] == ["reception@alpha.test"]
    assert status["signed"][0]["signed_name"] == "موظف الاستقبال"
    pending = {row["email"] for row in status["pending"]}
    assert {"admin@alpha.test", "admin2@alpha.test", "chair@alpha.test"} <= pending
    assert "reception@alpha.test" not in pending
    assert "nobody@alpha.test" not in pending  # not staff

    connection.set_tenant(tenant_a)
    draft = services.policy_version_create_draft(actor=people.admin, based_on=1)
    services.policy_approval_record_paper(
        actor=people.admin,
        number=draft.number,
        signatories=[{"name": "رئيس", "role_ar": "رئيس مجلس الإدارة"}],
        date_gregorian=None,
        date_hijri="1446-01-01",
    )

    reset = api(people.admin).get(url(2, "acknowledgments")).json()
    assert reset["signed"] == []
    assert "reception@alpha.test" in {row["email"] for row in reset["pending"]}
    stale = api(people.reception, "en").post(url(1, "acknowledge"), {"signed_name": "موظف"})
    assert (stale.status_code, stale.json()["code"]) == (409, "not_in_force")
    assert "Only the version in force" in stale.json()["detail"]


@pytest.mark.parametrize(("lang", "words"), [("ar", "لا يكفي فيه الفراغ"), ("en", "may not be blank")])
def test_acknowledging_needs_a_signed_name(
    tenant_a: Association, api: Any, people: People, lang: str, words: str
) -> None:
    connection.set_tenant(tenant_a)
    services.policy_seed_install(slug="mawsam")
    response = api(people.reception, lang).post(url(1, "acknowledge"), {"signed_name": "   "})
    assert response.status_code == 400
    assert words in errors(response)["signed_name"][0]
    connection.set_tenant(tenant_a)
    assert not StaffAcknowledgment.objects.exists()


# --- Roles: least privilege ----------------------------------------------------------------------


def test_reception_reads_and_acknowledges_but_cannot_write_drafts(
    tenant_a: Association, api: Any, people: People
) -> None:
    connection.set_tenant(tenant_a)
    services.policy_seed_install(slug="mawsam")
    draft = services.policy_version_create_draft(actor=people.admin, based_on=1)
    before = state(tenant_a)
    reception = api(people.reception)

    assert reception.post(VERSIONS, {"based_on": 1}).status_code == 403
    assert reception.put(url(draft.number), {"document": seed_document(), "revision": 1}).status_code == 403
    assert reception.post(url(draft.number, "submit")).status_code == 403
    assert reception.post(url(draft.number, "approve"), {}).status_code == 403
    assert (
        reception.post(
            url(draft.number, "record-approval"),
            {"signatories": [{"name": "x", "role_ar": "y"}], "date_gregorian": "2024-01-01"},
        ).status_code
        == 403
    )
    assert reception.get(url(1, "acknowledgments")).status_code == 403
    assert (
        reception.multipart(
            f"{BASE}/attachments/", {"file": SimpleUploadedFile("a.pdf", TINY_PDF)}
        ).status_code
        == 403
    )
    assert (
        reception.post(url(draft.number, "votes"), {"choice": "approve", "password": PASSWORD}).status_code
        == 403
    )
    assert state(tenant_a) == before

    assert [v["number"] for v in reception.get(VERSIONS).json()] == [2, 1]
    assert reception.get(url(1)).status_code == 200
    assert reception.get(url(draft.number, "diff")).status_code == 200
    assert reception.post(url(1, "acknowledge"), {"signed_name": "موظف الاستقبال"}).status_code == 201


def test_a_board_member_votes_but_does_not_edit(
    tenant_a: Association, api: Any, people: People, submitted: PolicyVersion
) -> None:
    member = api(people.member1)
    assert member.post(url(1, "votes"), {"choice": "approve", "code": totp_code()}).status_code == 201
    assert member.post(VERSIONS, {"based_on": 1}).status_code == 403
    assert member.post(url(1, "submit")).status_code == 403
    assert member.get(url(1)).status_code == 200


ANONYMOUS_REFUSED = [
    ("get", VERSIONS),
    ("post", VERSIONS),
    ("get", url(1)),
    ("put", url(1)),
    ("get", url(1, "diff")),
    ("post", url(1, "submit")),
    ("post", url(1, "votes")),
    ("post", url(1, "approve")),
    ("post", url(1, "record-approval")),
    ("post", url(1, "acknowledge")),
    ("get", url(1, "acknowledgments")),
    ("post", f"{BASE}/validate"),
    ("post", f"{BASE}/attachments/"),
]


@pytest.mark.parametrize(("method", "path"), ANONYMOUS_REFUSED)
def test_anonymous_gets_nothing_but_the_effective_policy(
    tenant_a: Association, api: Any, people: People, submitted: PolicyVersion, method: str, path: str
) -> None:
    before = state(tenant_a)
    client = api()
    response = client.get(path) if method == "get" else getattr(client, method)(path, {})
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert state(tenant_a) == before


def test_a_signed_in_user_without_a_role_is_refused(
    api: Any, people: People, submitted: PolicyVersion
) -> None:
    outsider = api(people.outsider)
    assert outsider.get(VERSIONS).status_code == 403
    assert outsider.get(url(1)).status_code == 403
    assert outsider.post(url(1, "acknowledge"), {"signed_name": "x"}).status_code == 403
    assert outsider.post(url(1, "votes"), {"choice": "approve", "password": PASSWORD}).status_code == 403


def test_live_validation_is_for_the_admin_and_the_board(api: Any, people: People) -> None:
    document = seed_document()
    document["procedure"][3]["window"] = "soon"
    response = api(people.chair, "en").post(f"{BASE}/validate", {"document": document})
    assert response.status_code == 200
    assert response.json()["valid"] is False
    assert [e["path"] for e in response.json()["errors"]] == ["procedure[3].window"]
    assert api(people.admin).post(f"{BASE}/validate", {"document": seed_document()}).json() == {
        "valid": True,
        "errors": [],
    }
    assert api(people.reception).post(f"{BASE}/validate", {"document": document}).status_code == 403


# --- Audit ---------------------------------------------------------------------------------------


def test_every_write_through_the_api_leaves_an_audit_row_with_its_actor(
    tenant_a: Association, api: Any, people: People, media_root: Path
) -> None:
    admin, chair = api(people.admin), api(people.chair)
    connection.set_tenant(tenant_a)
    AuditEvent.objects.all().delete()

    assert admin.post(VERSIONS, {"document": seed_document("rumaila")}).status_code == 201
    document = seed_document("rumaila")
    document["staff_acknowledgment_required"] = True
    assert admin.put(url(1), {"document": document, "revision": 1}).status_code == 200
    assert admin.post(url(1, "submit")).status_code == 200
    for user in (people.member1, people.chair):
        assert api(user).post(url(1, "votes"), {"choice": "approve", "code": totp_code()}).status_code == 201
    # The chair's vote spent the current code; the next period's code (accepted for clock drift) signs.
    assert chair.post(url(1, "approve"), {"code": totp_code(offset=1)}).status_code == 200
    assert api(people.reception).post(url(1, "acknowledge"), {"signed_name": "موظف"}).status_code == 201
    upload = admin.multipart(f"{BASE}/attachments/", {"file": SimpleUploadedFile("b.pdf", TINY_PDF)})
    assert upload.status_code == 201
    assert admin.post(VERSIONS, {"based_on": 1}).status_code == 201
    connection.set_tenant(tenant_a)
    services.policy_approval_record_paper(
        actor=people.admin,
        number=2,
        signatories=[{"name": "رئيس", "role_ar": "رئيس مجلس الإدارة"}],
        date_gregorian=None,
        date_hijri="1446-01-01",
    )

    connection.set_tenant(tenant_a)
    rows = list(
        AuditEvent.objects.order_by("id").values_list("action", "actor_email", "object_type", "object_id")
    )
    version = "policy_engine.policyversion"
    assert rows == [
        ("policy.draft_created", "admin@alpha.test", version, str(PolicyVersion.objects.get(number=1).pk)),
        ("policy.draft_saved", "admin@alpha.test", version, str(PolicyVersion.objects.get(number=1).pk)),
        ("policy.submitted", "admin@alpha.test", version, str(PolicyVersion.objects.get(number=1).pk)),
        ("policy.vote_cast", "member1@alpha.test", version, str(PolicyVersion.objects.get(number=1).pk)),
        ("policy.vote_cast", "chair@alpha.test", version, str(PolicyVersion.objects.get(number=1).pk)),
        ("policy.in_force", "chair@alpha.test", version, str(PolicyVersion.objects.get(number=1).pk)),
        ("policy.approved", "chair@alpha.test", version, str(PolicyVersion.objects.get(number=1).pk)),
        ("policy.acknowledged", "reception@alpha.test", version, str(PolicyVersion.objects.get(number=1).pk)),
        (
            "policy.attachment_uploaded",
            "admin@alpha.test",
            "policy_engine.policyattachment",
            upload.json()["id"],
        ),
        ("policy.draft_created", "admin@alpha.test", version, str(PolicyVersion.objects.get(number=2).pk)),
        ("policy.superseded", "admin@alpha.test", version, str(PolicyVersion.objects.get(number=1).pk)),
        ("policy.in_force", "admin@alpha.test", version, str(PolicyVersion.objects.get(number=2).pk)),
        (
            "policy.approval_recorded",
            "admin@alpha.test",
            version,
            str(PolicyVersion.objects.get(number=2).pk),
        ),
    ]
    assert set(AuditEvent.objects.values_list("actor_id", flat=True)) == {
        people.admin.pk,
        people.member1.pk,
        people.chair.pk,
        people.reception.pk,
    }
    saved = AuditEvent.objects.get(action="policy.draft_saved")
    assert saved.changes == {"revision": {"old": 1, "new": 2}, "fields": ["staff_acknowledgment_required"]}
    superseded = AuditEvent.objects.get(action="policy.superseded")
    assert superseded.changes == {"status": {"old": "in_force", "new": "superseded"}}


def test_a_refused_write_leaves_no_audit_row(
    tenant_a: Association, api: Any, people: People, submitted: PolicyVersion
) -> None:
    before = state(tenant_a)["audit"]
    api(people.member1).post(url(1, "votes"), {"choice": "approve", "password": "wrong"})
    api(people.chair).post(url(1, "approve"), {})
    api(people.admin).put(url(1), {"document": seed_document(), "revision": 1})
    assert state(tenant_a)["audit"] == before


# --- Query counts --------------------------------------------------------------------------------


def _list_queries(client: Any) -> list[str]:
    client.get(VERSIONS)  # the same starting point each time: schema selected, session warm
    with CaptureQueriesContext(django_connection) as queries:
        response = client.get(VERSIONS)
    assert response.status_code == 200
    return [query["sql"] for query in queries.captured_queries]


def test_the_versions_list_costs_the_same_queries_for_one_or_ten_versions(
    tenant_a: Association, api: Any, people: People, settings: Any
) -> None:
    settings.SILA_ROUTING_RECHECK_SECONDS = 3600  # routing's periodic epoch check is not the list's cost
    connection.set_tenant(tenant_a)
    services.policy_seed_install(slug="rumaila")  # approved, with signatories
    admin = api(people.admin)
    one = _list_queries(admin)

    connection.set_tenant(tenant_a)
    for _ in range(9):
        services.policy_version_create_draft(actor=people.admin, based_on=1)
    ten = _list_queries(admin)

    assert len(admin.get(VERSIONS).json()) == 10
    assert len(one) == len(ten), (one, ten)
    # the session, the user, the role check, the versions with what they were based on
    assert len(ten) <= 4, ten


# --- OpenAPI -------------------------------------------------------------------------------------


def test_the_schema_documents_the_policy_api(api: Any) -> None:
    response = api().get("/api/schema/", format="json")
    assert response.status_code == 200
    paths = json.loads(response.content)["paths"]
    assert "/api/v1/policy/effective" in paths
    effective = paths["/api/v1/policy/effective"]["get"]
    assert {"200", "404"} <= set(effective["responses"])
    assert "/api/v1/policy/versions/{number}/approve" in paths
    assert "/api/v1/policy/versions/{number}/record-approval" in paths
