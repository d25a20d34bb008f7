"""The diff a board reads: an untouched copy has none, prose word by word, lists by label, the API
gives the same changes as data, and the vote page shows them with the votes and the quorum."""

from __future__ import annotations

import pytest

from policy_engine import services
from policy_engine.models import PolicyVersion
from tenants.db import connection
from tenants.models import Association
from tests.policy.conftest import People, seed_document, vote

pytestmark = pytest.mark.django_db

BASE = "/api/v1/policy/versions"


def _approved_then_copied(tenant: Association, people: People) -> PolicyVersion:
    """Version 1 in force (Rumaila's seed, approved on paper), version 2 an untouched draft copy."""
    connection.set_tenant(tenant)
    services.policy_version_create_draft(actor=people.admin, document=seed_document("rumaila"))
    services.policy_approval_record_paper(
        actor=people.admin,
        number=1,
        signatories=[{"name": "منذر الرئيس", "role_ar": "رئيس مجلس الإدارة"}],
        date_hijri="1448-01-10",
    )
    return services.policy_version_create_draft(actor=people.admin, based_on=1)


def test_text_posted_with_crlf_and_trailing_spaces_is_stored_normalised(
    tenant_a: Association, people: People
) -> None:
    copy = _approved_then_copied(tenant_a, people)
    document = dict(copy.document)
    document["preamble_ar"] = document["preamble_ar"].replace("\n", "\r\n") + "   \r\n"
    saved = services.policy_version_update_draft(
        actor=people.admin, number=copy.number, document=document, revision=copy.revision
    )
    assert saved.document["preamble_ar"] == seed_document("rumaila")["preamble_ar"].strip()
    assert "\r" not in saved.document["preamble_ar"]


def test_an_untouched_copy_has_no_difference_on_screen_and_in_the_api(
    tenant_a: Association, people: People, api
) -> None:
    copy = _approved_then_copied(tenant_a, people)
    answer = api(people.admin).get(f"{BASE}/{copy.number}/diff", against="1")
    assert answer.status_code == 200
    assert answer.json() == {"from": 1, "to": 2, "changes": []}
    page = api(people.admin).get(f"/staff/policy/{copy.number}/diff")
    assert "لا توجد فروق: الإصداران يقولان الشيء نفسه تمامًا." in page.content.decode()
    assert page.context["diff_sections"] == []
    assert page.context["old"].number == 1


def test_a_version_against_itself_is_a_clear_answer(tenant_a: Association, people: People, api) -> None:
    _approved_then_copied(tenant_a, people)
    answer = api(people.admin, lang="en").get(f"{BASE}/1/diff", against="1")
    assert answer.status_code == 400
    assert "against" in answer.json()["errors"]
    screens = api(people.admin)
    screens.client.cookies["sila_language"] = "en"  # the screens follow the language switch
    page = screens.get("/staff/policy/1/diff", against="1")
    assert page.status_code == 200
    assert "has no differences with itself" in page.content.decode()
    first = screens.get("/staff/policy/1/diff")
    assert "This is the first version of the policy" in first.content.decode()


def test_changed_prose_and_a_moved_channel_in_the_api_and_on_the_vote_page(
    tenant_a: Association, people: People, api
) -> None:
    copy = _approved_then_copied(tenant_a, people)
    document = dict(copy.document)
    document["general_goal_ar"] = document["general_goal_ar"] + " وبشفافية"
    document["channels"] = [document["channels"][1], document["channels"][0], *document["channels"][2:]]
    connection.set_tenant(tenant_a)
    services.policy_version_update_draft(actor=people.admin, number=2, document=document, revision=1)
    services.policy_version_submit(actor=people.admin, number=2)
    vote(tenant_a, people.member1, 2)

    changes = api(people.admin, lang="en").get(f"{BASE}/2/diff", against="1").json()["changes"]
    assert [(c["path"], c["kind"]) for c in changes] == [
        ("general_goal_ar", "changed"),
        (f"channels.{seed_document('rumaila')['channels'][1]}", "moved"),
    ]
    assert [w for w in changes[0]["words"] if w["op"] != "same"] == [{"op": "added", "text": "وبشفافية"}]
    assert changes[1]["old"] == 2 and changes[1]["new"] == 1

    page = api(people.member2).get("/staff/policy/2/").content.decode()
    assert "<ins>وبشفافية</ins>" in page
    assert "الهدف العام" in page  # under the document's own heading
    assert "سلمى العضو" in page  # the vote so far
    assert "خالد العضو" in page  # not voted yet
    assert '<progress max="2" value="1">' in page


def test_another_association_cannot_read_the_diff(
    tenant_a: Association, tenant_b: Association, people: People, api
) -> None:
    _approved_then_copied(tenant_a, people)
    connection.set_tenant(tenant_b)
    from tests.policy.conftest import make_user

    other_admin = make_user(tenant_b, "admin@beta-diff.test", "association_admin")
    answer = api(other_admin, tenant=tenant_b).get(f"{BASE}/2/diff", against="1")
    assert answer.status_code == 404
