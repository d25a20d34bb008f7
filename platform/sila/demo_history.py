"""A year of plausible history for a demo association, so that its reports say something.

Requests arrive every week of the past twelve months (more of them around Ramadan and the start
of the school year), through the policy's channels, and go through its steps with the timeline
events, votes, decisions, referrals, services and ratings the case engine would have recorded,
at the moments they would have happened. Most decisions come within the review window; some
are late, a few are still waiting. The daily report figures are then rebuilt from these rows.

The rows are written in bulk (a year of requests through the transition function would take
minutes, and would send messages and schedule jobs for the past): only demo data is made here.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from accounts.models import User
from casework.models import (
    Beneficiary,
    CaseEvent,
    CaseOutcome,
    CaseStatus,
    CommitteeVote,
    Decision,
    Referral,
    SatisfactionRating,
    ServiceDelivery,
    SupportCase,
)
from casework.reports.rollup import figures_rebuild
from casework.validators import luhn_valid, name_search_form
from policy_engine.rules.engine import PolicyEngine
from policy_engine.selectors import policy_version_in_force
from sila.demo_intake import sample_answers
from themes.dates import to_hijri

FIRST = [
    "محمد",
    "عبدالله",
    "فاطمة",
    "نورة",
    "خالد",
    "سارة",
    "عبدالرحمن",
    "هيا",
    "سلمان",
    "أمل",
    "تركي",
    "ريم",
    "يوسف",
    "منيرة",
    "فهد",
    "لطيفة",
    "ناصر",
    "جواهر",
    "سعد",
    "مشاعل",
]
FAMILY = [
    "الحربي",
    "الزهراني",
    "القحطاني",
    "الشهري",
    "العتيبي",
    "الدوسري",
    "المطيري",
    "الغامدي",
    "السبيعي",
    "العنزي",
    "البلوي",
    "الشمري",
    "الجهني",
    "المالكي",
    "العمري",
    "الشريف",
]
CITIES = ["جدة", "مكة المكرمة", "الجموم", "تبوك", "الأحساء", "جازان", "الطائف", "المدينة المنورة"]
SERVICES: list[tuple[str, int, int]] = [  # kind, least and most in SAR (0: in kind)
    ("cash", 500, 3000),
    ("food_basket", 0, 0),
    ("rent", 2000, 9000),
    ("bills", 300, 1500),
    ("medical", 800, 6000),
    ("education", 400, 2500),
]
COMMENTS = {
    5: ["خدمة ممتازة وسريعة", "شكرًا على حسن التعامل", "جزاكم الله خيرًا", "تعامل راقٍ من الموظفين"],
    4: ["الخدمة جيدة", "تأخر الرد قليلًا لكن الخدمة جيدة", "شكرًا لكم"],
    3: ["الإجراءات طويلة", "كان الانتظار طويلًا"],
    2: ["لم يُرد على اتصالاتي", "الرد تأخر كثيرًا"],
    1: ["لم أستفد من الخدمة"],
}


@contextmanager
def _keeping_timestamps(*model_classes: type[models.Model]) -> Iterator[None]:
    """Lets bulk_create write the past moments given (auto_now(_add) would stamp them now)."""
    saved = []
    for model in model_classes:
        for field in model._meta.concrete_fields:
            if isinstance(field, models.DateTimeField | models.DateField) and (
                field.auto_now or field.auto_now_add
            ):
                saved.append((field, field.auto_now, field.auto_now_add))
                field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def _national_id(rng: random.Random, taken: set[str]) -> str:
    while True:
        body = f"{rng.choice('12')}{rng.randrange(10**8):08d}"
        number = next(body + d for d in "0123456789" if luhn_valid(body + d))
        if number not in taken:
            taken.add(number)
            return number


def _weight(day: dt.date) -> float:
    """More requests in Ramadan and in the weeks before school starts (Hijri month 9; August)."""
    hijri = to_hijri(day)
    return 1.0 + (0.9 if hijri.month == 9 else 0.0) + (0.4 if day.month == 8 else 0.0)


def _working_moment(rng: random.Random, day: dt.date) -> dt.datetime:
    """A moment in office hours (8:00-15:00) on ``day``, moved off Friday and Saturday."""
    while day.weekday() in (4, 5):
        day += dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(8 + rng.randrange(7), rng.randrange(60))))


class _Story:
    """The rows of one association's history, collected then written in bulk."""

    def __init__(self, staff: dict[str, User], engine: PolicyEngine, version_id: int) -> None:
        self.staff = staff
        self.engine = engine
        self.version_id = version_id
        self.events: list[CaseEvent] = []
        self.votes: list[CommitteeVote] = []
        self.decisions: list[Decision] = []
        self.referrals: list[Referral] = []
        self.services: list[ServiceDelivery] = []
        self.ratings: list[SatisfactionRating] = []

    def event(
        self, case: SupportCase, at: dt.datetime, actor: str, action: str, to_step: str, **data: Any
    ) -> None:
        # As the transition function records them: an action that moves nothing ends where it began.
        self.events.append(
            CaseEvent(
                case=case,
                actor=self.staff[actor],
                action=action,
                from_step=case.step,
                to_step=to_step or case.step,
                data=data,
                created_at=at,
            )
        )
        case.step = to_step or case.step
        case.revision += 1
        case.updated_at = at


def _close(case: SupportCase, at: dt.datetime, outcome: str, reason: str = "") -> None:
    case.status, case.outcome, case.closed_at, case.closed_reason = CaseStatus.CLOSED, outcome, at, reason


def _play(
    story: _Story, case: SupportCase, rng: random.Random, opened: dt.datetime, now: dt.datetime
) -> None:
    """Take ``case`` through the policy from ``opened``, stopping at ``now`` (so recent requests
    are still open), with a fate drawn for it."""
    engine, steps = story.engine, list(story.engine.steps())
    at = opened
    fate = rng.random()
    withdraw_at = rng.choice(steps[:3]) if fate < 0.07 else None

    def later(hours_lo: float, hours_hi: float) -> dt.datetime:
        nonlocal at
        at = at + dt.timedelta(hours=rng.uniform(hours_lo, hours_hi))
        return at

    for step in steps:
        if case.status != CaseStatus.OPEN or at > now:
            return
        nxt = engine.next_step(step)
        if step == withdraw_at:
            if later(2, 72) > now:
                return
            story.event(
                case,
                at,
                "reception",
                "withdraw",
                "",
                outcome=CaseOutcome.WITHDRAWN,
                reason="سحب المستفيد طلبه",
            )
            _close(case, at, CaseOutcome.WITHDRAWN, "سحب المستفيد طلبه")
            return
        if step in ("receive", "verify", "attest", "register"):
            if later(1, 30 if step == "verify" else 8) > now:
                return
            if step == "attest":
                story.event(case, at, "reception", "attest", "", attestation=None)
            story.event(case, at, "reception", "complete", nxt or "")
            if nxt == "committee_review":
                case.submitted_for_decision_at = at
                case.decision_due = engine.decision_due(at)
        elif step == "refer":
            if rng.random() < 0.45:
                asked = later(1, 6)
                if asked > now:
                    return
                target = case.referral_target
                answered = later(4, 96)
                referral = Referral(
                    case=case,
                    target=target,
                    question="ما المستندات المطلوبة لإثبات الدخل؟",
                    asked_by=story.staff["reception"],
                    asked_at=asked,
                )
                story.referrals.append(referral)
                story.event(case, asked, "reception", "refer", "", target=target)
                if answered > now:
                    return
                referral.answer, referral.answered_at = "تعريف بالراتب أو كشف حساب لآخر ثلاثة أشهر.", answered
                referral.answered_by = story.staff[
                    "research" if target == "social_research_officer" else "manager"
                ]
                story.event(
                    case,
                    answered,
                    "research" if target == "social_research_officer" else "manager",
                    "answer_referral",
                    "",
                )
                story.event(case, later(0.5, 4), "reception", "complete", nxt or "", referrals=1)
            else:
                story.event(case, later(0.2, 2), "reception", "complete", nxt or "", referrals=0)
        elif step == "committee_review":
            due = case.decision_due or at
            window = (due - at).total_seconds() / 3600
            late = rng.random() < 0.18
            span = (
                rng.uniform(window * 1.05, window * 1.8)
                if late
                else rng.uniform(window * 0.15, window * 0.95)
            )
            decided = at + dt.timedelta(hours=span)
            if decided > now:
                return  # still waiting (some past their due date: overdue now)
            accept = rng.random() < 0.78
            outcome = CaseOutcome.ACCEPTED if accept else CaseOutcome.REJECTED
            votes = (0, 0)
            quorum = None
            if case.deciding_body == "research_committee":
                members = ["committee1", "committee2", "committee3"]
                rng.shuffle(members)
                cast = sorted(at + dt.timedelta(hours=rng.uniform(2, span)) for _ in range(2))
                choice = "accept" if accept else "reject"
                for member, moment in zip(members[:2], cast, strict=True):
                    story.votes.append(
                        CommitteeVote(
                            case=case,
                            member=story.staff[member],
                            choice=choice,
                            reason="بعد دراسة المستندات",
                            cast_at=moment,
                        )
                    )
                    story.event(case, moment, member, "vote", "", choice=choice)
                votes, quorum = ((2, 0) if accept else (0, 2)), 2
                decider = members[rng.randrange(2)]
            else:
                decider = "manager"
            at = decided
            reason = "" if accept else "لا تنطبق شروط الدعم"
            story.decisions.append(
                Decision(
                    case=case,
                    body=case.deciding_body,
                    outcome=outcome,
                    reason=reason,
                    minutes="اجتمعت اللجنة ودرست الطلب." if quorum else "",
                    votes_accept=votes[0],
                    votes_reject=votes[1],
                    quorum=quorum,
                    decided_by=story.staff[decider],
                    decided_at=at,
                )
            )
            if not accept:
                story.event(case, at, decider, "decide", "", outcome=outcome, reason=reason)
                _close(case, at, CaseOutcome.REJECTED, reason)
                return
            story.event(case, at, decider, "decide", nxt or "", outcome=outcome)
        elif step == "serve":
            delivered = later(24, 24 * 10)
            if delivered > now:
                return
            kind, lo, hi = rng.choice(SERVICES)
            amount = Decimal(rng.randrange(lo, hi + 1, 50)) if hi else None
            employee = "reception" if rng.random() < 0.75 else "admin"
            story.services.append(
                ServiceDelivery(
                    case=case,
                    kind=kind,
                    amount=amount,
                    description="" if amount else "سلة غذائية",
                    delivered_on=timezone.localtime(delivered).date(),
                    employee=story.staff[employee],
                    created_at=delivered,
                )
            )
            story.event(
                case,
                delivered,
                employee,
                "record_service",
                "",
                kind=kind,
                amount=str(amount) if amount else None,
            )
            story.event(case, delivered, employee, "complete", "")
            _close(case, delivered, CaseOutcome.SERVED)
            rated = delivered + dt.timedelta(hours=rng.uniform(3, 72))
            if rng.random() < 0.7 and rated <= now:
                score = rng.choices([5, 4, 3, 2, 1], weights=[52, 28, 11, 6, 3])[0]
                comment = rng.choice(COMMENTS[score]) if rng.random() < 0.35 else ""
                story.ratings.append(
                    SatisfactionRating(
                        case=case,
                        service=story.services[-1],
                        score=score,
                        comment=comment,
                        employee=story.staff[employee],
                        created_at=rated,
                    )
                )
                story.events.append(
                    CaseEvent(
                        case=case,
                        action="rated",
                        from_step=case.step,
                        to_step=case.step,
                        data={},
                        created_at=rated,
                    )
                )
            return
    if case.status == CaseStatus.OPEN and engine.next_step(case.step) is None and case.step != "serve":
        _close(case, at, CaseOutcome.ACCEPTED)


def seed_history(
    staff: dict[str, User], *, seed: int, per_week: int = 6, now: dt.datetime | None = None
) -> int:
    """Write a year of requests for the current association (once: nothing is added if it has
    requests older than two months already). Returns the number of requests made."""
    now = now or timezone.now()
    version = policy_version_in_force()
    if version is None or SupportCase.objects.filter(created_at__lt=now - dt.timedelta(days=60)).exists():
        return 0
    engine = PolicyEngine.from_dict(version.document)
    # What an applicant typed in the intake form, kept as the engine keeps answers (a date with both
    # calendars), as case_open would have kept them.
    answers, _problems = engine.check_intake(sample_answers(engine.intake_form()))
    channels = list(engine.allowed_channels())
    channel_weights = [max(1, 10 - 2 * i) for i in range(len(channels))]  # the first channels more used
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    story = _Story(staff, engine, version.pk)
    taken = set(Beneficiary.objects.values_list("national_id", flat=True))
    beneficiaries: list[Beneficiary] = []
    cases: list[tuple[SupportCase, int, dt.datetime]] = []
    start = timezone.localdate(now) - dt.timedelta(days=365)
    for week in range(52):
        monday = start + dt.timedelta(weeks=week)
        for _ in range(max(1, round(per_week * _weight(monday) * rng.uniform(0.6, 1.4)))):
            opened = _working_moment(rng, monday + dt.timedelta(days=rng.randrange(7)))
            if opened >= now:
                continue
            returning = beneficiaries and rng.random() < 0.2
            if returning:
                index = rng.randrange(len(beneficiaries))
            else:
                name = f"{rng.choice(FIRST)} {rng.choice(['بن', 'بنت'])} {rng.choice(FIRST)} {rng.choice(FAMILY)}"
                beneficiaries.append(
                    Beneficiary(
                        national_id=_national_id(rng, taken),
                        full_name_ar=name,
                        full_name_normalized=name_search_form(name),
                        phone_e164=f"+9665{rng.randrange(10**8):08d}",
                        city=rng.choice(CITIES),
                        created_by=staff["reception"],
                        created_at=opened,
                        updated_at=opened,
                    )
                )
                index = len(beneficiaries) - 1
            case = SupportCase(
                channel=rng.choices(channels, weights=channel_weights)[0],
                policy_version_id=version.pk,
                step=engine.first_step(),
                referral_target=engine.referral_target() or "",
                deciding_body=engine.deciding_body(),
                opened_by=staff["reception"],
                created_at=opened,
                updated_at=opened,
                revision=0,
                intake=answers,
            )
            cases.append((case, index, opened))
    with (
        transaction.atomic(),
        _keeping_timestamps(
            Beneficiary,
            SupportCase,
            CaseEvent,
            Decision,
            CommitteeVote,
            Referral,
            ServiceDelivery,
            SatisfactionRating,
        ),
    ):
        Beneficiary.objects.bulk_create(beneficiaries)
        for case, index, _opened in cases:
            case.beneficiary = beneficiaries[index]
        SupportCase.objects.bulk_create([c for c, _i, _o in cases])
        for case, _index, opened in cases:
            story.event(case, opened, "reception", "open", case.step, channel=case.channel)
            story.events[-1].from_step = ""
            _play(story, case, rng, opened, now)
        SupportCase.objects.bulk_update(
            [c for c, _i, _o in cases],
            [
                "step",
                "status",
                "outcome",
                "closed_at",
                "closed_reason",
                "submitted_for_decision_at",
                "decision_due",
                "revision",
                "updated_at",
            ],
            batch_size=500,
        )
        CaseEvent.objects.bulk_create(story.events, batch_size=1000)
        Decision.objects.bulk_create(story.decisions, batch_size=500)
        CommitteeVote.objects.bulk_create(story.votes, batch_size=500)
        Referral.objects.bulk_create(story.referrals, batch_size=500)
        ServiceDelivery.objects.bulk_create(story.services, batch_size=500)
        SatisfactionRating.objects.bulk_create(story.ratings, batch_size=500)
        figures_rebuild()
    return len(cases)
