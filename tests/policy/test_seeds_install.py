"""The five founding policies, installed into an association and served by
``GET /api/v1/policy/effective`` exactly as ../shared/policy-profiles.md lists them.

One seed per test, installed in alpha and rolled back with the test.
"""

from __future__ import annotations

from typing import Any

import pytest

from audit.models import AuditEvent
from policy_engine import services
from policy_engine.models import (
    ApprovalMethod,
    BoardApproval,
    BoardMember,
    BoardRole,
    PolicyStatus,
    PolicyVersion,
)
from tenants.db import connection
from tenants.models import Association
from tests.conftest import totp_code

pytestmark = pytest.mark.django_db

STEP_LETTERS = {
    "R": "receive",
    "V": "verify",
    "F": "refer",
    "A": "attest",
    "C": "committee_review",
    "G": "register",
    "S": "serve",
}
SEVEN = ["interview", "phone", "social_media", "letters", "help_request", "volunteering", "website"]
CHAIR_AR = "رئيس مجلس الإدارة"
VICE_CHAIR_AR = "نائب رئيس مجلس الإدارة"

# policy-profiles.md, "Per association", one row per column of that table.
PROFILES: dict[str, dict[str, Any]] = {
    "rumaila": {
        "term": ("beneficiary", "المستفيد"),
        "channels": SEVEN,
        "tools": [],
        "steps": "RVACGS",
        "referral_target": None,
        "deciding_body": "research_committee",
        "review_window": "P1M",
        "acknowledgment": False,
        "approval": {
            "meeting_number": "2021/9",
            "term": None,
            "session": None,
            "date_gregorian": "2021-12-19",
            "date_hijri": "1443-05-15",
            "signatories": [
                {"name": "علي بن حسين النباط", "role": VICE_CHAIR_AR},
                {"name": "منذر بن عبدالله الحماد", "role": CHAIR_AR},
            ],
        },
        "bank_accounts": 0,
    },
    "jamoum": {
        "term": ("beneficiary", "المستفيد"),
        "channels": [*SEVEN, "branch_representatives"],
        "tools": ["bylaws", "social_research_guide", "support_policy_guide", "support_request_form"],
        "steps": "RVFACGS",
        "referral_target": "social_research_officer",
        "deciding_body": "research_committee",
        "review_window": "P2W",
        "acknowledgment": False,
        "approval": {
            "meeting_number": None,
            "term": None,
            "session": "2",
            "date_gregorian": "2024-03-06",
            "date_hijri": "1445-08-25",
            "signatories": [{"name": "د/ أنور بن حسين الحمراي", "role": CHAIR_AR}],
        },
        "bank_accounts": 5,
    },
    "mawsam": {
        "term": ("beneficiary", "المستفيد"),
        "channels": [*SEVEN, "branch_representatives"],
        "tools": ["bylaws", "support_regulation", "support_request_form"],
        "steps": "RVFACGS",
        "referral_target": "social_research_officer",
        "deciding_body": "research_committee",
        "review_window": "P2W",
        "acknowledgment": True,
        "approval": {
            "meeting_number": "12",
            "term": "1",
            "session": None,
            "date_gregorian": "2020-10-05",
            "date_hijri": "1442-02-18",
            "signatories": [],  # the source names no one
        },
        "bank_accounts": 0,
    },
    "baraa": {
        "term": ("user", "المستخدم"),
        "channels": [
            "interview",
            "phone",
            "social_media",
            "letters",
            "help_request",
            "volunteering",
            "branch_representatives",
            "website",
        ],
        "tools": ["bylaws", "social_research_guide", "support_request_form", "support_policy_guide"],
        "steps": "RVFACGS",
        "referral_target": "social_research_officer",
        "deciding_body": "research_committee",
        "review_window": "P2W",
        "acknowledgment": False,
        "approval": {
            "meeting_number": "2",
            "term": "1",
            "session": None,
            "date_gregorian": "2024-10-13",
            "date_hijri": "1446-04-10",
            "signatories": [{"name": "د. رزان علي العقلاء", "role": CHAIR_AR}],
        },
        "bank_accounts": 0,
    },
}
TABUK: dict[str, Any] = {
    "channels": [
        "interview",
        "phone",
        "social_media",
        "letters",
        "volunteering",
        "website",
        "branch_offices",
    ],
    "steps": "RVFCS",
}


def _steps(letters: str) -> list[str]:
    return [STEP_LETTERS[letter] for letter in letters]


@pytest.mark.parametrize("slug", sorted(PROFILES))
def test_effective_policy_of_each_approved_seed_matches_the_profile(
    slug: str, tenant_a: Association, api: Any
) -> None:
    expected = PROFILES[slug]
    connection.set_tenant(tenant_a)
    installed = services.policy_seed_install(slug=slug)
    assert (installed.number, installed.status) == (1, PolicyStatus.IN_FORCE)

    response = api().get("/api/v1/policy/effective")  # anonymous

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["association"] | {} == {
        "slug": "alpha",
        "name_ar": tenant_a.name_ar,
        "name_en": tenant_a.name_en,
        "licence_number": None,
    }
    assert (body["version"], body["status"]) == (1, "in_force")
    assert (body["beneficiary_term"]["code"], body["beneficiary_term"]["label_ar"]) == expected["term"]
    assert [c["code"] for c in body["channels"]] == expected["channels"]
    assert all(c["label_ar"] and c["label_en"] for c in body["channels"])
    assert [t["code"] for t in body["staff_tools"]] == expected["tools"]
    assert all(t["label_ar"] and t["label_en"] for t in body["staff_tools"])
    assert [step["step"] for step in body["procedure"]] == _steps(expected["steps"])
    assert body["review_window"] == expected["review_window"]
    assert body["referral_target"] == expected["referral_target"]
    assert body["deciding_body"] == expected["deciding_body"]
    assert body["staff_acknowledgment_required"] is expected["acknowledgment"]
    assert len(body["bank_accounts"]) == expected["bank_accounts"]

    approval = body["board_approval"]
    want = expected["approval"]
    assert approval["method"] == "paper"
    for key in ("meeting_number", "term", "session", "date_gregorian", "date_hijri"):
        assert approval[key] == want[key], key
    assert [{"name": s["name"], "role": s["role"]} for s in approval["signatories"]] == want["signatories"]


def test_rumaila_has_no_referral_and_a_month_for_the_research_committee(
    tenant_a: Association, api: Any
) -> None:
    connection.set_tenant(tenant_a)
    services.policy_seed_install(slug="rumaila")
    body = api().get("/api/v1/policy/effective").json()
    assert body["referral_target"] is None
    assert "refer" not in [step["step"] for step in body["procedure"]]
    review = next(step for step in body["procedure"] if step["step"] == "committee_review")
    assert review == {"step": "committee_review", "body": "research_committee", "window": "P1M"}


def test_jamoum_lists_its_five_fund_accounts_as_printed(tenant_a: Association, api: Any) -> None:
    connection.set_tenant(tenant_a)
    services.policy_seed_install(slug="jamoum")
    body = api(lang="en").get("/api/v1/policy/effective").json()
    assert [a["fund_code"] for a in body["bank_accounts"]] == [
        "programs_projects",
        "endowment",
        "sponsorship",
        "general",
        "zakat",
    ]
    assert body["bank_accounts"][0]["account_number_as_printed"] == "32400 0010 0060 8043 1046"
    assert all("iban" not in account for account in body["bank_accounts"])  # never derived
    assert {"kind": "email", "value": "aytaam.aljumum@gmail.com"} in body["contacts"]


def test_mawsam_keeps_the_note_of_its_support_request_tool(tenant_a: Association, api: Any) -> None:
    connection.set_tenant(tenant_a)
    services.policy_seed_install(slug="mawsam")
    tools = {t["code"]: t for t in api().get("/api/v1/policy/effective").json()["staff_tools"]}
    request_form = tools["support_request_form"]
    assert request_form["label_ar"] == "طلب دعم مستفيد"
    assert "زيارة مقر الجمعية" in request_form["note_ar"]
    assert "head office" in request_form["note_en"]


def test_baraa_keeps_its_own_wording_for_letters(tenant_a: Association, api: Any) -> None:
    connection.set_tenant(tenant_a)
    services.policy_seed_install(slug="baraa")
    channels = {c["code"]: c for c in api().get("/api/v1/policy/effective").json()["channels"]}
    assert (channels["letters"]["label_ar"], channels["letters"]["label_en"]) == (
        "المخاطبة",
        "Correspondence",
    )
    assert channels["phone"]["label_ar"] == "الاتصالات الهاتفية"  # the catalogue's


def test_tabuk_has_nothing_in_force_and_waits_for_the_board(
    tenant_a: Association, api: Any, people: Any
) -> None:
    connection.set_tenant(tenant_a)
    installed = services.policy_seed_install(slug="tabuk")
    assert (installed.number, installed.status) == (1, PolicyStatus.SUBMITTED)
    assert not BoardApproval.objects.exists()

    for lang, text in (("ar", "لا توجد سياسة نافذة"), ("en", "no policy in force")):
        response = api(lang=lang).get("/api/v1/policy/effective")
        assert response.status_code == 404
        assert response["Content-Type"].startswith("application/json")
        assert response.json()["code"] == "not_found"
        assert text in response.json()["detail"]

    detail = api(people.admin).get("/api/v1/policy/versions/1/").json()
    assert detail["status"] == "submitted"
    document = detail["document"]
    assert [c if isinstance(c, str) else c["code"] for c in document["channels"]] == TABUK["channels"]
    assert [s["step"] for s in document["procedure"]] == _steps(TABUK["steps"])
    assert (document["procedure"][2]["step"], document["procedure"][2]["target"]) == (
        "refer",
        "administration",
    )
    review = document["procedure"][3]
    assert (review["step"], review["body"], review["window"]) == ("committee_review", "administration", "P1W")
    assert detail["board_approval"] is None


def test_tabuk_demo_board_can_approve_its_waiting_policy(
    tenant_a: Association, api: Any, people: Any
) -> None:
    """The issue's demo: Tabuk's board members vote in the app and the chair closes the vote."""
    connection.set_tenant(tenant_a)
    services.policy_seed_install(slug="tabuk")

    for user in (people.chair, people.member1):
        response = api(user).post(
            "/api/v1/policy/versions/1/votes", {"choice": "approve", "code": totp_code()}
        )
        assert response.status_code == 201, response.content
    response = api(people.chair).post(
        "/api/v1/policy/versions/1/approve",
        {"meeting_number": "7", "date_hijri": "1446-04-10", "code": totp_code(offset=1)},
    )
    assert response.status_code == 200, response.content

    body = api().get("/api/v1/policy/effective").json()
    assert (body["version"], body["status"]) == (1, "in_force")
    assert (body["referral_target"], body["deciding_body"], body["review_window"]) == (
        "administration",
        "administration",
        "P1W",
    )
    approval = body["board_approval"]
    assert approval["method"] == ApprovalMethod.IN_APP
    assert (approval["date_hijri"], approval["date_gregorian"]) == ("1446-04-10", "2024-10-13")
    assert [s["name"] for s in approval["signatories"]] == ["منذر الرئيس", "سلمى العضو"]


def test_seed_install_creates_the_printed_signatories_as_board_members(tenant_a: Association) -> None:
    connection.set_tenant(tenant_a)
    services.policy_seed_install(slug="rumaila")
    seats = {m.name_ar: m.role for m in BoardMember.objects.all()}
    assert seats == {"علي بن حسين النباط": BoardRole.VICE_CHAIR, "منذر بن عبدالله الحماد": BoardRole.CHAIR}


def test_seed_install_is_idempotent_and_audited_as_a_system_action(tenant_a: Association) -> None:
    connection.set_tenant(tenant_a)
    first = services.policy_seed_install(slug="jamoum")
    again = services.policy_seed_install(slug="jamoum")
    assert again.pk == first.pk
    assert PolicyVersion.objects.count() == 1
    assert BoardApproval.objects.count() == 1
    actions = list(AuditEvent.objects.order_by("id").values_list("action", "actor_id"))
    assert actions == [
        ("policy.draft_created", None),
        ("policy.in_force", None),
        ("policy.approval_recorded", None),
    ]


def test_seed_install_does_not_touch_an_association_that_already_has_a_policy(
    tenant_a: Association,
) -> None:
    connection.set_tenant(tenant_a)
    services.policy_seed_install(slug="rumaila")
    kept = services.policy_seed_install(slug="baraa")
    assert kept.document["beneficiary_term"] == "beneficiary"  # still Rumaila's
    assert PolicyVersion.objects.count() == 1


def test_seed_install_in_one_association_leaves_the_other_empty(
    tenant_a: Association, tenant_b: Association, api: Any
) -> None:
    connection.set_tenant(tenant_a)
    services.policy_seed_install(slug="rumaila")
    connection.set_tenant(tenant_b)
    assert not PolicyVersion.objects.exists()
    assert not BoardMember.objects.exists()
    assert api(tenant=tenant_b).get("/api/v1/policy/effective").status_code == 404
