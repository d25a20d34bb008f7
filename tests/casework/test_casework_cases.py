"""Opening cases and the one transition function: the pinned policy, refusals, conflicts, roles."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from casework import selectors, services
from casework.models import Attestation, CaseEvent, CommitteeVote, SupportCase
from casework.portal import selectors as portal_selectors
from core.errors import ServiceError
from policy_engine import services as policy_services
from policy_engine.models import PolicyStatus, PolicyVersion
from tenants.models import Association
from tests.casework.conftest import (
    SIGNATURE,
    TINY_PNG_B64,
    Api,
    Staff,
    install_policy,
    intake_answers,
    open_case,
    register,
)
from tests.casework.test_casework_flow import act, take_step
from tests.casework.test_casework_screens import body, browser

pytestmark = pytest.mark.django_db


def _problems(error: ServiceError) -> dict[str, str]:
    return {p.field: p.code for p in error.problems}


def _until(case: SupportCase, staff: Staff, step: str) -> SupportCase:
    while case.step != step:
        case = take_step(case, staff)
    return case


def test_a_channel_the_policy_does_not_allow_is_refused(staff: Staff, alpha: Association) -> None:
    install_policy(alpha, "tabuk")  # Tabuk has no help-request services
    beneficiary = register(staff.reception)
    with pytest.raises(ServiceError) as caught:
        services.case_open(
            actor=staff.reception,
            beneficiary_id=beneficiary.pk,
            channel="help_request",
            intake=intake_answers(),
        )
    assert caught.value.status == 400
    assert _problems(caught.value) == {"channel": "channel_not_allowed"}
    assert "branch_offices" in caught.value.problems[0].message_en
    assert not SupportCase.objects.exists()


def test_no_policy_in_force_is_a_clear_conflict(staff: Staff) -> None:
    beneficiary = register(staff.reception)
    with pytest.raises(ServiceError) as caught:
        services.case_open(
            actor=staff.reception, beneficiary_id=beneficiary.pk, channel="interview", intake={}
        )
    assert (caught.value.status, caught.value.code) == (409, "no_policy_in_force")


def _bring_into_force(document: dict[str, object]) -> PolicyVersion:
    draft = policy_services.policy_version_create_draft(actor=None, document=document)
    policy_services.policy_approval_record_paper(
        actor=None,
        number=draft.number,
        signatories=[{"name": "رئيس المجلس", "role_ar": "رئيس مجلس الإدارة"}],
        date_gregorian=draft.created_at.date(),
    )
    draft.refresh_from_db()
    return draft


def test_an_open_case_keeps_its_pinned_steps_and_deadline(staff: Staff, alpha: Association) -> None:
    v1 = install_policy(alpha, "rumaila")  # R V A C G S, one month, research committee
    pinned = open_case(staff.reception)
    in_review = _until(open_case(staff.reception), staff, "committee_review")
    due_before = in_review.decision_due

    # The board approves a new version: a referral to the administration, which also decides,
    # within one week, and no attestation or registration.
    document = dict(v1.document)
    document["procedure"] = [
        {"step": "receive"},
        {"step": "verify"},
        {"step": "refer", "target": "administration"},
        {"step": "committee_review", "body": "administration", "window": "P1W"},
        {"step": "serve"},
    ]
    v2 = _bring_into_force(document)
    v1.refresh_from_db()
    assert (v1.status, v2.status) == (PolicyStatus.SUPERSEDED, PolicyStatus.IN_FORCE)

    # The case in review keeps its one-month deadline and its committee.
    in_review.refresh_from_db()
    assert (in_review.decision_due, in_review.deciding_body) == (due_before, "research_committee")
    # The case opened under v1 still goes R V A C G S, with v1's window.
    visited = [pinned.step]
    # (submitted, due) as the case entered review
    entered_review: list[tuple[dt.datetime | None, dt.datetime | None]] = []
    while pinned.status == "open":
        pinned = take_step(pinned, staff)
        if pinned.step != visited[-1]:
            visited.append(pinned.step)
            entered_review += [(pinned.submitted_for_decision_at, pinned.decision_due)] * (
                pinned.step == "committee_review"
            )
    assert visited == ["receive", "verify", "attest", "committee_review", "register", "serve"]
    assert len(entered_review) == 1
    submitted, due = entered_review[0]
    assert submitted is not None and due is not None
    # Version 1's window (one calendar month), not version 2's week.
    assert dt.timedelta(days=28) <= due - submitted <= dt.timedelta(days=31)
    assert pinned.policy_version_id == v1.pk

    # A case opened now follows v2.
    fresh = open_case(staff.reception)
    assert (fresh.policy_version_id, fresh.referral_target, fresh.deciding_body) == (
        v2.pk,
        "administration",
        "administration",
    )
    fresh = _until(fresh, staff, "committee_review")
    assert fresh.submitted_for_decision_at is not None and fresh.decision_due is not None
    # Version 2's window: one week (whatever weekend it skips), not version 1's month.
    assert (
        dt.timedelta(days=5) <= fresh.decision_due - fresh.submitted_for_decision_at <= dt.timedelta(days=9)
    )


def test_two_employees_with_the_same_revision_one_wins_one_gets_409(staff: Staff, rumaila: object) -> None:
    case = open_case(staff.reception)
    item = case.checklist.filter(step="receive").first()
    assert item is not None
    seen = case.revision
    services.case_transition(
        actor=staff.reception,
        case_id=case.pk,
        action="verify_item",
        data={"code": item.code},
        expected_revision=seen,
    )
    with pytest.raises(ServiceError) as caught:
        services.case_transition(
            actor=staff.reception2,
            case_id=case.pk,
            action="note",
            data={"text": "ملاحظة"},
            expected_revision=seen,
        )
    assert (caught.value.status, caught.value.code) == (409, "stale_revision")
    assert _problems(caught.value) == {"revision": "stale_revision"}
    assert (
        CaseEvent.objects.filter(case=case).count() == 2
    )  # open + the winner: nothing lost, nothing doubled


def test_acting_on_a_step_that_moved_on_is_a_conflict(staff: Staff, rumaila: object) -> None:
    case = open_case(staff.reception)
    case = take_step(case, staff)  # receive -> verify
    with pytest.raises(ServiceError) as caught:
        services.case_transition(
            actor=staff.reception2, case_id=case.pk, action="complete", data={"step": "receive"}
        )
    assert (caught.value.status, caught.value.code) == (409, "step_moved_on")


def test_a_step_out_of_order_is_refused(staff: Staff, rumaila: object) -> None:
    case = open_case(staff.reception)
    for item in case.checklist.filter(step="receive"):
        case = act(staff.reception, case, "verify_item", code=item.code)
    with pytest.raises(ServiceError) as skip:
        act(staff.reception, case, "complete", to_step="committee_review")
    assert (skip.value.status, _problems(skip.value)) == (409, {"to_step": "step_out_of_order"})
    with pytest.raises(ServiceError) as unknown:
        act(staff.reception, case, "complete", to_step="refer")  # Rumaila has no referral step
    assert unknown.value.code == "step_out_of_order"
    with pytest.raises(ServiceError) as early:
        act(staff.committee[0], case, "vote", choice="accept", reason="x")
    assert early.value.status == 404  # the committee does not see cases before review
    with pytest.raises(ServiceError) as wrong_step:
        act(staff.admin, case, "decide", outcome="accepted")
    assert (wrong_step.value.status, _problems(wrong_step.value)) == (409, {"action": "not_at_this_step"})
    case.refresh_from_db()
    assert case.step == "receive"


def test_a_step_needs_its_checklist_verified(staff: Staff, rumaila: object) -> None:
    case = open_case(staff.reception)
    with pytest.raises(ServiceError) as caught:
        act(staff.reception, case, "complete")
    assert _problems(caught.value) == {
        "checklist.enquiries_answered": "not_verified",
        "checklist.identity_presented": "not_verified",
    }
    item = case.checklist.get(code="identity_presented")
    case = act(staff.reception, case, "verify_item", code="identity_presented", note="هوية أصلية")
    item.refresh_from_db()
    assert (item.verified_by, item.note) == (staff.reception, "هوية أصلية")
    assert item.verified_at is not None
    with pytest.raises(ServiceError) as twice:
        act(staff.reception, case, "verify_item", code="identity_presented")
    assert twice.value.code == "already_verified"


def test_attesting_stale_data_is_refused_and_a_change_voids_the_signature(
    staff: Staff, rumaila: object
) -> None:
    case = _until(open_case(staff.reception), staff, "attest")
    shown = selectors.payload_sha256(selectors.attestation_payload(case))
    services.beneficiary_update(
        actor=staff.reception, beneficiary_id=case.beneficiary_id, changes={"city": "تبوك"}
    )
    case.refresh_from_db()
    with pytest.raises(ServiceError) as stale:
        act(staff.reception, case, "attest", typed_name="محمد", signature=SIGNATURE, data_hash=shown)
    assert (stale.value.status, _problems(stale.value)) == (409, {"data_hash": "stale_data"})
    with pytest.raises(ServiceError) as unsigned:
        act(
            staff.reception,
            case,
            "attest",
            typed_name="",
            signature="data:image/gif;base64,R0lG",
            data_hash="",
        )
    assert _problems(unsigned.value) == {
        "typed_name": "required",
        "signature": "invalid_signature",
        "data_hash": "required",
    }

    fresh = selectors.payload_sha256(selectors.attestation_payload(case))
    case = act(staff.reception, case, "attest", typed_name="محمد", signature=SIGNATURE, data_hash=fresh)
    case = act(staff.reception, case, "complete")
    assert case.step == "committee_review"

    # The data changes after signing: the signature is void and the decision waits for a new one.
    services.beneficiary_update(
        actor=staff.reception, beneficiary_id=case.beneficiary_id, changes={"phone": "0560000000"}
    )
    attestation = Attestation.objects.get(case=case)
    assert (attestation.void_reason, attestation.voided_at is not None) == ("data_changed", True)
    assert CaseEvent.objects.filter(case=case, action="attestation_voided").exists()
    case.refresh_from_db()
    act(staff.committee[0], case, "vote", choice="accept", reason="مستحق")
    case.refresh_from_db()
    act(staff.committee[1], case, "vote", choice="accept", reason="مستحق")
    case.refresh_from_db()
    with pytest.raises(ServiceError) as void:
        act(staff.committee[2], case, "decide", minutes="قبول")
    assert void.value.code == "attestation_void"
    assert services.action_possible(case=case, action="attest", user=staff.reception)
    again = selectors.payload_sha256(selectors.attestation_payload(case))
    case = act(
        staff.reception,
        case,
        "attest",
        method="in_office",
        typed_name="محمد",
        signature=SIGNATURE,
        data_hash=again,
    )
    case = act(staff.committee[2], case, "decide", minutes="قبول")
    assert case.step == "register"


def test_voting_twice_and_deciding_without_quorum_are_refused(staff: Staff, rumaila: object) -> None:
    case = _until(open_case(staff.reception), staff, "committee_review")
    case = act(staff.committee[0], case, "vote", choice="accept", reason="مستحق")
    with pytest.raises(ServiceError) as twice:
        act(staff.committee[0], case, "vote", choice="reject", reason="غيرت رأيي")
    assert (twice.value.status, _problems(twice.value)) == (409, {"choice": "already_voted"})
    with pytest.raises(ServiceError) as no_quorum:
        act(staff.committee[1], case, "decide", minutes="محضر")
    assert (no_quorum.value.status, no_quorum.value.code) == (409, "quorum_not_met")
    assert "1 vote(s) of 2" in no_quorum.value.message_en
    case = act(staff.committee[1], case, "vote", choice="reject", reason="دخل كاف")
    with pytest.raises(ServiceError) as tie:
        act(staff.committee[1], case, "decide", minutes="محضر")
    assert tie.value.code == "tied_vote"
    with pytest.raises(ServiceError) as bad_vote:
        act(staff.committee[2], case, "vote", choice="maybe", reason="")
    assert _problems(bad_vote.value) == {"choice": "invalid_choice", "reason": "required"}
    assert CommitteeVote.objects.filter(case=case).count() == 2

    # A configured quorum replaces the majority rule.
    services.committee_quorum_set(actor=staff.admin, quorum=3)
    case = act(staff.committee[2], case, "vote", choice="accept", reason="مستحق")
    with pytest.raises(ServiceError) as no_minutes:
        act(staff.committee[2], case, "decide", outcome="rejected")
    assert _problems(no_minutes.value) == {"minutes": "required", "outcome": "contradicts_votes"}
    case = act(staff.committee[2], case, "decide", minutes="قبول بأغلبية ٢ من ٣")
    assert case.decision.quorum == 3


def test_each_role_does_only_what_it_may(staff: Staff, jamoum: object) -> None:
    beneficiary = register(staff.reception)
    for actor in (staff.officer, staff.committee[0], staff.administration, staff.outsider):
        with pytest.raises(ServiceError) as caught:
            services.case_open(
                actor=actor, beneficiary_id=beneficiary.pk, channel="interview", intake=intake_answers()
            )
        assert caught.value.status == 403
    case = _until(open_case(staff.reception, beneficiary), staff, "refer")
    case = act(staff.reception, case, "refer", question="ما شروط كفالة اليتيم؟")
    referral = case.referrals.get()
    # The administration sees every request, but is not this policy's referral target.
    with pytest.raises(ServiceError) as admin_view:
        act(staff.administration, case, "answer_referral", referral=referral.pk, answer="...")
    assert admin_view.value.status == 403
    assert list(selectors.cases_visible_to(staff.administration)) == [case]
    # The research officer sees it, but may not complete the step for reception.
    with pytest.raises(ServiceError) as officer_complete:
        act(staff.officer, case, "complete")
    assert officer_complete.value.status == 403
    case = act(staff.officer, case, "answer_referral", referral=referral.pk, answer="أن يكون دون ١٨ عامًا.")
    with pytest.raises(ServiceError) as answered:
        act(staff.officer, case, "answer_referral", referral=referral.pk, answer="مرة أخرى")
    assert answered.value.code == "already_answered"
    assert list(selectors.cases_visible_to(staff.officer)) == [case]
    assert list(selectors.cases_visible_to(staff.committee[0])) == []
    assert list(selectors.cases_visible_to(staff.outsider)) == []
    # Only the admin assigns to others; reception may take a case.
    with pytest.raises(ServiceError) as assign:
        act(staff.reception, case, "assign", user=staff.reception2.pk)
    assert assign.value.status == 403
    case = act(staff.reception, case, "assign", user="me")
    assert case.assigned_to == staff.reception
    case = act(staff.admin, case, "assign", user=staff.reception2.pk)
    assert case.assigned_to == staff.reception2


def test_a_referral_step_needs_an_answer_or_a_reason_not_to_refer(staff: Staff, jamoum: object) -> None:
    case = _until(open_case(staff.reception), staff, "refer")
    with pytest.raises(ServiceError) as nothing:
        act(staff.reception, case, "complete")
    assert _problems(nothing.value) == {"not_needed": "referral_missing"}
    case = act(staff.reception, case, "refer", question="سؤال")
    with pytest.raises(ServiceError) as pending:
        act(staff.reception, case, "complete")
    assert pending.value.code == "referral_pending"
    other = _until(open_case(staff.reception), staff, "refer")
    other = act(staff.reception, other, "complete", not_needed=True)
    assert other.step == "attest"


def test_listeners_see_each_event_in_the_same_transaction(staff: Staff, rumaila: object) -> None:
    from casework.hooks import case_event_listener, remove_case_event_listener

    seen: list[tuple[str, str]] = []

    def listener(event: CaseEvent) -> None:
        seen.append((event.action, event.to_step))

    case_event_listener(listener)
    try:
        case = open_case(staff.reception)
        act(staff.reception, case, "note", text="مرحبا")
    finally:
        remove_case_event_listener(listener)
    assert seen == [("open", "receive"), ("note", "receive")]


def test_the_system_actor_can_drive_a_case(alpha: Association, rumaila: object) -> None:
    """Demo data and jobs act without a user (``actor=None``)."""
    beneficiary = register(None)
    case = services.case_open(
        actor=None, beneficiary_id=beneficiary.pk, channel="phone", intake=intake_answers()
    )
    case = services.case_transition(actor=None, case_id=case.pk, action="withdraw", data={"reason": "تجربة"})
    assert case.outcome == "withdrawn"
    assert list(case.events.values_list("action", "actor")) == [("open", None), ("withdraw", None)]


def test_a_case_keeps_version_ones_form_and_checklist_after_version_two(
    alpha: Association, staff: Staff
) -> None:
    version_one = install_policy(alpha, "jamoum")
    first = open_case(staff.reception)
    document = copy.deepcopy(version_one.document)
    # Version 2 asks the mother for a document version 1 did not, and a new question.
    document["checklists"]["verify"].append(
        {"code": "custody_deed", "kind": "document", "label_ar": "صك الحضانة", "label_en": "Custody deed"}
    )
    document["intake_form"]["fields"].append(
        {
            "code": "school_name",
            "type": "text",
            "label_ar": "اسم المدرسة",
            "label_en": "School",
            "required": True,
        }
    )
    draft = policy_services.policy_version_create_draft(actor=None, document=document)
    policy_services.policy_approval_record_paper(
        actor=None,
        number=draft.number,
        signatories=[{"name": "رئيس المجلس", "role_ar": "رئيس مجلس الإدارة"}],
        date_gregorian=draft.created_at.date(),
    )
    second = open_case(staff.reception, intake=intake_answers() | {"school_name": "ابتدائية الجموم"})

    first.refresh_from_db()
    assert (first.policy_version.number, second.policy_version.number) == (1, 2)
    assert not first.checklist.filter(code="custody_deed").exists()
    assert second.checklist.filter(code="custody_deed").exists()
    # Version 1's case still moves by version 1's checklist: its items are all it needs.
    while first.step == "receive" or first.step == "verify":
        first = take_step(first, staff)
    assert first.step == "refer"
    # A request opened now must answer version 2's new question.
    with pytest.raises(ServiceError) as caught:
        open_case(staff.reception)
    assert [p.field for p in caught.value.problems] == ["intake.school_name"]


def test_a_listed_document_must_be_of_a_type_its_item_accepts(
    alpha: Association, staff: Staff, media_root: Path
) -> None:
    install_policy(alpha, "jamoum")
    case = open_case(staff.reception, intake=intake_answers() | {"applicant_relation": "guardian"})
    png = base64.b64decode(TINY_PNG_B64)  # a real image: uploads are checked whole (core.uploads)
    scan = services.beneficiary_document_upload(
        actor=staff.reception, beneficiary_id=case.beneficiary_id, upload=SimpleUploadedFile("deed.png", png)
    )
    while case.step != "verify":
        case = take_step(case, staff)
    with pytest.raises(ServiceError) as caught:
        services.case_transition(
            actor=staff.reception,
            case_id=case.pk,
            action="verify_item",
            data={"code": "guardianship_deed", "document": scan.pk},
        )
    assert [(p.field, p.code) for p in caught.value.problems] == [("document", "unsupported_type")]
    assert "PDF" in caught.value.problems[0].message_ar
    # The death certificate may be a photo.
    services.case_transition(
        actor=staff.reception,
        case_id=case.pk,
        action="verify_item",
        data={"code": "death_certificate", "document": scan.pk},
    )


def test_every_place_shows_a_withdrawn_case_as_stopped_with_the_steps_it_never_reached(
    alpha: Association, staff: Staff
) -> None:
    install_policy(alpha, "jamoum")  # receive, verify, refer, attest, committee_review, register, serve
    case = open_case(staff.reception)
    case = take_step(case, staff)  # receive
    case = take_step(case, staff)  # verify
    case = act(staff.reception, case, "complete", not_needed=True)  # refer: nothing to refer
    case = act(staff.reception, case, "withdraw", reason="استغنى عن الطلب")
    expected = [
        ("receive", "done"),
        ("verify", "done"),
        ("refer", "skipped"),
        ("attest", "closed"),
        ("committee_review", "not_reached"),
        ("register", "not_reached"),
        ("serve", "not_reached"),
    ]

    api = Api(alpha, staff.reception).get(f"/api/v1/cases/{case.pk}/").json()
    assert [(s["code"], s["state"]) for s in api["steps"]] == expected

    page = body(browser(alpha, staff.reception, "en").get(f"/staff/cases/{case.pk}/"))
    steps_list = re.search(r'<ol class="steps case-steps">(.*?)</ol>', page, re.S)
    assert steps_list is not None
    assert re.findall(r'<li class="(\w+)"', steps_list.group(1)) == [state for _code, state in expected]
    assert page.count("(Not reached)") == 3
    assert "(The request was closed here)" in page
    assert "(Not needed)" in page

    # The timeline says the same: the referral step left without a referral, and the withdrawal
    # closing the request at the attestation with the three steps it never reached.
    left_refer = next(e for e in api["timeline"] if e["from_step"] == "refer" and e["to_step"] == "attest")
    assert left_refer["from_step_state"] == "skipped"
    withdrawn = api["timeline"][-1]
    assert (withdrawn["action"], withdrawn["closed_at_step"], withdrawn["not_reached"]) == (
        "withdraw",
        "attest",
        ["committee_review", "register", "serve"],
    )
    assert [e["not_reached"] for e in api["timeline"][:-1]] == [[]] * (len(api["timeline"]) - 1)
    timeline = page[page.index('id="timeline"') :]
    assert '<small class="step-state">(Not needed)</small>' in timeline
    assert "<dt>Closed at the step</dt><dd>Applicant signs that the data is correct</dd>" in timeline
    assert (
        "<dt>Not reached</dt><dd>Study and decide (accept or reject), Complete the registration, "
        "Deliver the service</dd>" in timeline
    )

    # And the beneficiary's own view of their requests on the portal.
    [own] = portal_selectors.own_requests(phone=case.beneficiary.phone_e164, lang="en")
    assert [(s["code"], s["state"]) for s in own.steps] == expected
