"""A request taken through every step of each founding policy, by the role each step needs, from
intake to service and rating. One seed per test, installed in alpha and rolled back."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEvent
from casework import selectors, services
from casework.models import CaseEvent, CaseOutcome, CaseStatus, SatisfactionRating, SupportCase
from core.errors import ServiceError
from policy_engine.rules.durations import add_duration, parse_duration
from policy_engine.rules.seeds import SEED_SLUGS, load_seed
from tenants.models import Association
from tests.casework.conftest import SIGNATURE, Staff, install_policy, open_case

pytestmark = pytest.mark.django_db


def act(actor: User, case: SupportCase, action: str, **data: object) -> SupportCase:
    return services.case_transition(
        actor=actor, case_id=case.pk, action=action, data=data, expected_revision=case.revision
    )


def take_step(case: SupportCase, staff: Staff) -> SupportCase:
    """Do what the current step needs, as the role the policy names, and move on."""
    step = case.step
    if step in ("receive", "verify"):
        for item in case.checklist.filter(step=step, verified_at__isnull=True):
            case = act(staff.reception, case, "verify_item", code=item.code, note="تمت المطابقة")
        return act(staff.reception, case, "complete")
    if step == "refer":
        case = act(staff.reception, case, "refer", question="ما المستندات المطلوبة لدعم الإيجار؟")
        answerer = (
            staff.officer if case.referral_target == "social_research_officer" else staff.administration
        )
        case = act(answerer, case, "answer_referral", answer="عقد الإيجار وإثبات الدخل.")
        return act(staff.reception, case, "complete")
    if step == "attest":
        digest = selectors.payload_sha256(selectors.attestation_payload(case))
        case = act(
            staff.reception, case, "attest", typed_name="محمد الحماد", signature=SIGNATURE, data_hash=digest
        )
        return act(staff.reception, case, "complete")
    if step == "committee_review":
        if case.deciding_body == "research_committee":
            case = act(staff.committee[0], case, "vote", choice="accept", reason="الحاجة ثابتة")
            case = act(staff.committee[1], case, "vote", choice="accept", reason="مستوفٍ للشروط")
            return act(staff.committee[2], case, "decide", minutes="اجتمعت اللجنة وقررت القبول بالأغلبية.")
        return act(staff.administration, case, "decide", outcome="accepted", reason="مستوفٍ")
    if step == "register":
        return act(staff.reception, case, "complete", registration_number="R-1447-001")
    if step == "serve":
        case = act(staff.reception, case, "record_service", kind="cash", amount="1500.00")
        case = act(staff.reception, case, "record_service", kind="in_kind", description="سلة غذائية")
        return act(staff.reception, case, "complete")
    raise AssertionError(f"unexpected step {step}")


@pytest.mark.parametrize("slug", SEED_SLUGS)
def test_a_request_goes_through_every_step_of_the_policy(slug: str, alpha: Association, staff: Staff) -> None:
    version = install_policy(alpha, slug)
    document = load_seed(slug)["document"]
    procedure = [step["step"] for step in document["procedure"]]
    review = next(step for step in document["procedure"] if step["step"] == "committee_review")
    case = open_case(staff.reception, channel=document["channels"][0])
    assert (case.policy_version_id, case.step, case.status) == (version.pk, procedure[0], CaseStatus.OPEN)
    assert case.deciding_body == review["body"]
    assert case.decision_due is None

    visited = [case.step]
    while case.step != "committee_review":
        before = timezone.now()
        case = take_step(case, staff)
        visited.append(case.step)
    # Entering review started the pinned version's window, counted from that moment.
    assert case.submitted_for_decision_at is not None
    assert before <= case.submitted_for_decision_at <= timezone.now()
    window = parse_duration(review["window"])
    expected_due = add_duration(
        case.submitted_for_decision_at, window, business_days=bool(review.get("business_days"))
    )
    assert case.decision_due == expected_due
    while case.status == CaseStatus.OPEN:
        case = take_step(case, staff)
        if case.step != visited[-1]:
            visited.append(case.step)
    assert visited == procedure
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, CaseOutcome.SERVED)
    assert case.services.count() == 2

    events = list(CaseEvent.objects.filter(case=case).order_by("id"))
    moves = [(e.from_step, e.to_step) for e in events if e.from_step != e.to_step]
    assert moves == [("", procedure[0]), *itertools.pairwise(procedure)]
    assert all(e.actor_id for e in events)
    assert case.revision == len(events)  # every action bumped it once
    audited = list(
        AuditEvent.objects.filter(object_type="casework.supportcase", object_id=str(case.pk)).values_list(
            "action", flat=True
        )
    )
    # One audit row per event, and the intake's privacy record (purpose, notice, consents).
    assert sorted(audited) == sorted(
        [f"case.{e.action}" for e in events if e.action != "open"]
        + ["case.opened"]
        + ["privacy.intake_recorded"]
    )

    # Each service delivered is rated once: the request's two, one after the other.
    cash, in_kind = case.services.order_by("id")
    with pytest.raises(ServiceError) as which:
        services.satisfaction_record(actor=staff.reception, case_id=case.pk, score=5)
    assert [(p.field, p.code) for p in which.value.problems] == [("service", "required")]
    rating = services.satisfaction_record(
        actor=staff.reception, case_id=case.pk, service_id=cash.pk, score=5, comment="شكرًا"
    )
    assert (rating.service, rating.case, rating.employee) == (cash, case, staff.reception)
    with pytest.raises(ServiceError) as twice:
        services.satisfaction_record(actor=staff.reception, case_id=case.pk, service_id=cash.pk, score=4)
    assert twice.value.code == "already_rated"
    services.satisfaction_record(actor=staff.reception, case_id=case.pk, service_id=in_kind.pk, score=3)
    assert sorted(SatisfactionRating.objects.filter(case=case).values_list("service_id", "score")) == [
        (cash.pk, 5),
        (in_kind.pk, 3),
    ]


def test_a_rejected_request_closes_with_its_reason(alpha: Association, staff: Staff) -> None:
    install_policy(alpha, "rumaila")
    case = open_case(staff.reception)
    while case.step != "committee_review":
        case = take_step(case, staff)
    case = act(staff.committee[0], case, "vote", choice="reject", reason="الدخل يتجاوز الحد")
    case = act(staff.committee[1], case, "vote", choice="reject", reason="لا تنطبق الشروط")
    case = act(staff.committee[2], case, "decide", minutes="قررت اللجنة الرفض.")
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, CaseOutcome.REJECTED)
    assert case.closed_reason == "الدخل يتجاوز الحد؛ لا تنطبق الشروط"
    assert case.decision.minutes == "قررت اللجنة الرفض."
    assert (case.decision.votes_accept, case.decision.votes_reject, case.decision.quorum) == (0, 2, 2)


def test_the_administration_decides_as_one_with_a_reason_to_reject(alpha: Association, staff: Staff) -> None:
    install_policy(alpha, "tabuk")
    case = open_case(staff.reception, channel="branch_offices")
    while case.step != "committee_review":
        case = take_step(case, staff)
    with pytest.raises(ServiceError) as caught:
        act(staff.committee[0], case, "vote", choice="accept", reason="x")
    assert caught.value.status == 404  # the committee does not see what the administration decides
    with pytest.raises(ServiceError) as no_reason:
        act(staff.administration, case, "decide", outcome="rejected")
    assert {p.field for p in no_reason.value.problems} == {"reason"}
    case = act(staff.administration, case, "decide", outcome="rejected", reason="خارج نطاق خدمات الجمعية")
    assert (case.outcome, case.closed_reason) == ("rejected", "خارج نطاق خدمات الجمعية")


def test_a_withdrawn_request_closes_with_its_reason(alpha: Association, staff: Staff) -> None:
    install_policy(alpha, "jamoum")
    case = take_step(open_case(staff.reception), staff)
    case = act(staff.reception, case, "withdraw", reason="طلب المستفيد سحب الطلب")
    assert (case.status, case.outcome, case.closed_reason) == (
        "closed",
        "withdrawn",
        "طلب المستفيد سحب الطلب",
    )
    with pytest.raises(ServiceError) as caught:
        act(staff.reception, case, "complete")
    assert caught.value.code == "case_closed"


def test_satisfaction_is_shown_per_employee_only_from_five_ratings(alpha: Association, staff: Staff) -> None:
    install_policy(alpha, "tabuk")
    for score in (5, 4, 5, 3):
        case = open_case(staff.reception, channel="phone")
        while case.status == CaseStatus.OPEN:
            case = take_step(case, staff)
        services.satisfaction_record(
            actor=staff.reception, case_id=case.pk, service_id=case.services.earliest("id").pk, score=score
        )
    assert selectors.employee_rating_summary(employee_id=staff.reception.pk) is None
    assert selectors.rating_summaries()["employees"] == []
    assert selectors.rating_summaries()["count"] == 4

    earlier = case
    case = open_case(staff.reception, channel="phone")
    while case.status == CaseStatus.OPEN:
        case = take_step(case, staff)
    first, second = case.services.order_by("id")
    services.satisfaction_record(actor=staff.reception, case_id=case.pk, service_id=first.pk, score=3)
    assert selectors.employee_rating_summary(employee_id=staff.reception.pk) == {
        "employee_id": staff.reception.pk,
        "count": 5,
        "average": 4.0,
    }
    with pytest.raises(ServiceError) as twice:
        services.satisfaction_record(actor=staff.reception, case_id=case.pk, service_id=first.pk, score=1)
    assert twice.value.code == "already_rated"
    with pytest.raises(ServiceError) as elsewhere:  # a service of another request
        services.satisfaction_record(actor=staff.reception, case_id=earlier.pk, service_id=second.pk, score=2)
    assert [(p.field, p.code) for p in elsewhere.value.problems] == [("service", "unknown_service")]
    with pytest.raises(ServiceError) as bad:
        services.satisfaction_record(actor=staff.reception, case_id=open_case(staff.reception).pk, score=9)
    assert bad.value.code == "not_served"
    assert SatisfactionRating.objects.count() == 5


def test_overdue_is_computed_from_the_pinned_window(alpha: Association, staff: Staff) -> None:
    install_policy(alpha, "tabuk")  # one week
    case = open_case(staff.reception)
    while case.step != "committee_review":
        case = take_step(case, staff)
    assert case.decision_due is not None
    assert not selectors.case_is_overdue(case)
    later = case.decision_due + dt.timedelta(minutes=1)
    assert selectors.case_is_overdue(case, now=later)
    assert list(selectors.case_inbox(user=staff.reception, overdue=True, now=later)) == [case]
    assert list(selectors.case_inbox(user=staff.reception, overdue=True)) == []
