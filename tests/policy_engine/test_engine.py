"""The engine's answers, table-driven over the five associations' seed policies."""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone

import pytest

from policy_engine.rules.document import PolicyDocument
from policy_engine.rules.engine import InvalidPolicyError, PolicyEngine, PolicyError, UnknownStepError
from policy_engine.rules.seeds import SEED_SLUGS, load_seed, load_seed_document
from policy_engine.rules.validation import validate

RIYADH = timezone(timedelta(hours=3))
LETTERS = {
    "R": "receive",
    "V": "verify",
    "F": "refer",
    "A": "attest",
    "C": "committee_review",
    "G": "register",
    "S": "serve",
}


def steps(letters: str) -> tuple[str, ...]:
    return tuple(LETTERS[letter] for letter in letters.split())


@dataclass(frozen=True)
class Expected:
    channels: tuple[str, ...]
    steps: tuple[str, ...]
    referral_target: str | None
    deciding_body: str
    review_window: str
    due_from_31_jan: datetime


SEVEN = ("interview", "phone", "social_media", "letters", "help_request", "volunteering", "website")
EIGHT = (*SEVEN, "branch_representatives")

EXPECTED = {
    "rumaila": Expected(
        SEVEN,
        steps("R V A C G S"),
        None,
        "research_committee",
        "P1M",
        datetime(2026, 2, 28, 10, 0, tzinfo=RIYADH),
    ),
    "jamoum": Expected(
        EIGHT,
        steps("R V F A C G S"),
        "social_research_officer",
        "research_committee",
        "P2W",
        datetime(2026, 2, 14, 10, 0, tzinfo=RIYADH),
    ),
    "mawsam": Expected(
        EIGHT,
        steps("R V F A C G S"),
        "social_research_officer",
        "research_committee",
        "P2W",
        datetime(2026, 2, 14, 10, 0, tzinfo=RIYADH),
    ),
    "tabuk": Expected(
        ("interview", "phone", "social_media", "letters", "volunteering", "website", "branch_offices"),
        steps("R V F C S"),
        "administration",
        "administration",
        "P1W",
        datetime(2026, 2, 7, 10, 0, tzinfo=RIYADH),
    ),
    "baraa": Expected(
        (
            "interview",
            "phone",
            "social_media",
            "letters",
            "help_request",
            "volunteering",
            "branch_representatives",
            "website",
        ),
        steps("R V F A C G S"),
        "social_research_officer",
        "research_committee",
        "P2W",
        datetime(2026, 2, 14, 10, 0, tzinfo=RIYADH),
    ),
}
SUBMITTED = datetime(2026, 1, 31, 10, 0, tzinfo=RIYADH)


def engine(slug: str) -> PolicyEngine:
    return PolicyEngine(load_seed_document(slug))


def test_every_seed_has_an_expectation() -> None:
    assert set(EXPECTED) == set(SEED_SLUGS)


@pytest.mark.parametrize("slug", SEED_SLUGS)
def test_channels_in_the_associations_own_order(slug: str) -> None:
    rules = engine(slug)
    assert rules.allowed_channels() == EXPECTED[slug].channels
    for code in EXPECTED[slug].channels:
        assert rules.is_channel_allowed(code)


@pytest.mark.parametrize(
    ("slug", "code", "allowed"),
    [
        ("tabuk", "help_request", False),
        ("tabuk", "branch_offices", True),
        ("tabuk", "branch_representatives", False),
        ("rumaila", "branch_representatives", False),
        ("jamoum", "branch_representatives", True),
        ("baraa", "letters", True),  # printed as «المخاطبة»
        ("mawsam", "custom:whatsapp", False),
        ("mawsam", "", False),
    ],
)
def test_is_channel_allowed(slug: str, code: str, allowed: bool) -> None:
    assert engine(slug).is_channel_allowed(code) is allowed


@pytest.mark.parametrize("slug", SEED_SLUGS)
def test_step_sequence(slug: str) -> None:
    rules = engine(slug)
    assert rules.steps() == EXPECTED[slug].steps
    assert rules.first_step() == "receive"


@pytest.mark.parametrize("slug", SEED_SLUGS)
def test_next_step_walks_the_procedure_and_ends_with_none(slug: str) -> None:
    rules = engine(slug)
    walked = [rules.first_step()]
    while (following := rules.next_step(walked[-1])) is not None:
        walked.append(following)
    assert tuple(walked) == EXPECTED[slug].steps


@pytest.mark.parametrize("slug", SEED_SLUGS)
def test_can_transition_only_to_the_next_step(slug: str) -> None:
    rules = engine(slug)
    sequence = rules.steps()
    for i, from_step in enumerate(sequence):
        for j, to_step in enumerate(sequence):
            assert rules.can_transition(from_step, to_step) is (j == i + 1), (from_step, to_step)


@pytest.mark.parametrize(
    ("slug", "from_step", "to_step", "allowed"),
    [
        ("rumaila", "verify", "attest", True),  # no referral step in between
        ("jamoum", "verify", "refer", True),
        ("jamoum", "verify", "attest", False),  # cannot skip the referral
        ("tabuk", "refer", "committee_review", True),  # no attestation at Tabuk
        ("tabuk", "committee_review", "serve", True),  # no separate registration
        ("baraa", "serve", "receive", False),  # never backwards
        ("baraa", "receive", "receive", False),
    ],
)
def test_transitions_follow_each_policy(slug: str, from_step: str, to_step: str, allowed: bool) -> None:
    assert engine(slug).can_transition(from_step, to_step) is allowed


@pytest.mark.parametrize(
    ("slug", "call"),
    [
        ("jamoum", lambda rules: rules.next_step("approve")),
        ("rumaila", lambda rules: rules.next_step("refer")),  # a catalog step Rumaila does not have
        ("tabuk", lambda rules: rules.can_transition("refer", "attest")),
        ("tabuk", lambda rules: rules.can_transition("attest", "committee_review")),
        ("mawsam", lambda rules: rules.step("closed")),
    ],
)
def test_unknown_steps_raise_policy_error(slug: str, call: Callable[[PolicyEngine], object]) -> None:
    rules = engine(slug)
    with pytest.raises(PolicyError) as caught:
        call(rules)
    assert isinstance(caught.value, UnknownStepError)
    assert caught.value.step in str(caught.value)


@pytest.mark.parametrize("slug", SEED_SLUGS)
def test_referral_target_deciding_body_and_window(slug: str) -> None:
    rules = engine(slug)
    expected = EXPECTED[slug]
    assert rules.referral_target() == expected.referral_target
    assert rules.has_step("refer") is (expected.referral_target is not None)
    assert rules.deciding_body() == expected.deciding_body
    assert rules.review_window() == expected.review_window
    assert rules.review_in_business_days() is False


@pytest.mark.parametrize("slug", SEED_SLUGS)
def test_decision_due(slug: str) -> None:
    due = engine(slug).decision_due(SUBMITTED)
    assert due == EXPECTED[slug].due_from_31_jan
    assert due.utcoffset() == timedelta(hours=3)


def test_overdue_flag_turns_on_after_the_due_time() -> None:
    rules = engine("rumaila")
    due = rules.decision_due(SUBMITTED)
    assert not rules.is_decision_overdue(SUBMITTED, now=due)
    assert rules.is_decision_overdue(SUBMITTED, now=due + timedelta(minutes=1))


def with_business_days(slug: str) -> PolicyEngine:
    document = load_seed_document(slug)
    procedure = tuple(
        replace(step, business_days=True) if step.step == "committee_review" else step
        for step in document.procedure
    )
    return PolicyEngine(replace(document, procedure=procedure))


@pytest.mark.parametrize(
    ("slug", "due"),
    [
        ("tabuk", datetime(2026, 1, 8, 10, 0, tzinfo=RIYADH)),  # P1W = 5 business days: next Thursday
        ("jamoum", datetime(2026, 1, 15, 10, 0, tzinfo=RIYADH)),  # P2W = 10 business days
    ],
)
def test_decision_due_in_business_days_from_a_thursday(slug: str, due: datetime) -> None:
    thursday = datetime(2026, 1, 1, 10, 0, tzinfo=RIYADH)
    assert thursday.weekday() == 3
    rules = with_business_days(slug)
    assert rules.review_in_business_days()
    assert rules.decision_due(thursday) == due


def test_business_days_matter_for_a_friday_submission() -> None:
    friday = datetime(2026, 1, 2, 10, 0, tzinfo=RIYADH)
    assert engine("tabuk").decision_due(friday) == datetime(2026, 1, 9, 10, 0, tzinfo=RIYADH)
    assert with_business_days("tabuk").decision_due(friday) == datetime(2026, 1, 8, 10, 0, tzinfo=RIYADH)


def test_decision_due_rejects_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        engine("jamoum").decision_due(datetime(2026, 1, 31, 10, 0))  # noqa: DTZ001


def test_staff_acknowledgment_only_at_mawsam() -> None:
    assert [slug for slug in SEED_SLUGS if engine(slug).staff_acknowledgment_required()] == ["mawsam"]


def test_staff_tools_in_order() -> None:
    assert engine("rumaila").staff_tools() == ()
    assert engine("mawsam").staff_tools() == ("bylaws", "support_regulation", "support_request_form")


def test_engine_refuses_an_invalid_document() -> None:
    data = load_seed("tabuk")["document"]
    data["procedure"] = [step for step in data["procedure"] if step["step"] != "committee_review"]
    with pytest.raises(InvalidPolicyError) as caught:
        PolicyEngine(PolicyDocument.from_dict(data))
    assert isinstance(caught.value, PolicyError)
    assert [(error.path, error.code) for error in caught.value.errors] == [
        ("procedure", "missing_committee_review")
    ]


def test_content_problems_outside_the_procedure_do_not_stop_the_engine() -> None:
    data = load_seed("mawsam")["document"]
    data["contacts"][0]["value"] = "almoassam@outlook"
    assert validate(data)
    assert PolicyEngine.from_dict(data).steps() == steps("R V F A C G S")


def test_engine_from_dict() -> None:
    rules = PolicyEngine.from_dict(load_seed("baraa")["document"])
    assert rules.deciding_body() == "research_committee"
