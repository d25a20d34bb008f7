"""Sample beneficiaries and requests for the demo: at least one request in every step of the
association's policy, each opened through the association's own intake form; some closed ones
(served and rated, served and awaiting the beneficiary's rating through its SMS link, rejected,
withdrawn); a request whose decision is overdue; and a likely duplicate in the registry. Each
request records the privacy notice its applicant was given and the consents they gave.

Everything goes through the casework services, as staff would do it, so the timelines, audit
rows and background jobs are the real ones."""

from __future__ import annotations

import random
from typing import Any

from django.utils import timezone

from accounts.models import User
from casework import selectors, services
from casework.models import Beneficiary, SupportCase
from casework.validators import luhn_valid
from policy_engine.rules.engine import PolicyEngine
from policy_engine.selectors import policy_version_in_force
from sila.demo_intake import sample_answers
from sila.demo_privacy import sample_consents, seed_privacy_notice

# A 1x1 PNG: stands in for the signature an applicant draws on the office tablet.
SIGNATURE = (
    "data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
NAMES = [
    "محمد بن عبدالله الحربي",
    "فاطمة بنت علي الزهراني",
    "عبدالرحمن بن سعد القحطاني",
    "نورة بنت محمد الشهري",
    "خالد بن إبراهيم العتيبي",
    "هيا بنت ناصر الدوسري",
    "سلمان بن فهد المطيري",
    "أمل بنت حسن الغامدي",
    "تركي بن عبدالعزيز السبيعي",
    "ريم بنت خالد العنزي",
    "يوسف بن أحمد البلوي",
    "منيرة بنت سالم الشمري",
]


def _national_id(rng: random.Random) -> str:
    body = f"1{rng.randrange(10**8):08d}"
    return next(body + d for d in "0123456789" if luhn_valid(body + d))


def _act(actor: User, case: SupportCase, action: str, **data: Any) -> SupportCase:
    return services.case_transition(
        actor=actor, case_id=case.pk, action=action, data=data, expected_revision=case.revision
    )


def advance_step(case: SupportCase, staff: dict[str, User]) -> SupportCase:
    """Do what the current step needs, as the role the policy names, and move on."""
    step = case.step
    reception = staff["reception"]
    if step in ("receive", "verify"):
        for item in case.checklist.filter(step=step, verified_at__isnull=True):
            case = _act(reception, case, "verify_item", code=item.code, note="تمت المطابقة")
        return _act(reception, case, "complete")
    if step == "refer":
        case = _act(reception, case, "refer", question="ما المستندات المطلوبة لإثبات الدخل؟")
        answerer = (
            staff["research"] if case.referral_target == "social_research_officer" else staff["manager"]
        )
        case = _act(answerer, case, "answer_referral", answer="تعريف بالراتب أو كشف حساب لآخر ثلاثة أشهر.")
        return _act(reception, case, "complete")
    if step == "attest":
        digest = selectors.payload_sha256(selectors.attestation_payload(case))
        case = _act(
            reception,
            case,
            "attest",
            typed_name=case.beneficiary.full_name_ar,
            signature=SIGNATURE,
            data_hash=digest,
        )
        return _act(reception, case, "complete")
    if step == "committee_review":
        if case.deciding_body == "research_committee":
            case = _act(staff["committee1"], case, "vote", choice="accept", reason="الحاجة ثابتة بالمستندات")
            case = _act(staff["committee2"], case, "vote", choice="accept", reason="مستوفٍ للشروط")
            return _act(
                staff["committee3"], case, "decide", minutes="اجتمعت اللجنة وقررت قبول الطلب بالأغلبية."
            )
        return _act(staff["manager"], case, "decide", outcome="accepted", reason="مستوفٍ للشروط")
    if step == "register":
        return _act(reception, case, "complete", registration_number=f"R-{case.pk:05d}")
    if step == "serve":
        case = _act(reception, case, "record_service", kind="cash", amount="1500.00")
        return _act(reception, case, "complete")
    raise ValueError(f"unexpected step {step}")


def seed_sample_cases(staff: dict[str, User], *, seed: int) -> int:
    """Fill an association that has no beneficiaries yet; returns the requests made (0 if it had
    some already, or has no policy in force)."""
    version = policy_version_in_force()
    if version is None or Beneficiary.objects.exists():
        return 0
    engine = PolicyEngine.from_dict(version.document)
    notice_version = seed_privacy_notice(staff["admin"])
    steps = list(engine.steps())
    channels = list(engine.allowed_channels())
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    made = 0
    # One open request resting in each step, then three closed ones.
    plans: list[tuple[str, int]] = [("open", i) for i in range(len(steps))]
    plans += [
        ("served", len(steps)),
        ("served_unrated", 0),
        ("overdue", 0),
        ("rejected", 0),
        ("withdrawn", 1),
    ]
    for index, (plan, target) in enumerate(plans):
        beneficiary = services.beneficiary_register(
            actor=staff["reception"],
            national_id=_national_id(rng),
            full_name_ar=NAMES[index % len(NAMES)],
            phone=f"05{rng.randrange(10**8):08d}",
            city=rng.choice(["جدة", "مكة المكرمة", "الجموم", "تبوك", "الأحساء", "جازان"]),
        )
        # Asked at intake, after the privacy notice in force was given (ADR 0019).
        case = services.case_open(
            actor=staff["reception"],
            beneficiary_id=beneficiary.pk,
            channel=channels[index % len(channels)],
            intake=sample_answers(engine.intake_form()),
            consents=sample_consents(index),
            notice_version=notice_version,
        )
        made += 1
        if plan == "open":
            while case.step != steps[target]:
                case = advance_step(case, staff)
        elif plan in ("served", "served_unrated"):
            while case.status == "open":
                case = advance_step(case, staff)
            if plan == "served":
                services.satisfaction_record(
                    actor=staff["reception"], case_id=case.pk, score=5, comment="خدمة ممتازة"
                )
            # Unrated: the worker texts the beneficiary a rating link (the console shows it).
        elif plan == "overdue":
            while case.step != "committee_review":
                case = advance_step(case, staff)
            # As if submitted for decision two review windows ago (the only write outside the
            # services: a demo cannot wait a month for its deadline to pass).
            submitted = timezone.now() - 2 * (engine.decision_due(timezone.now()) - timezone.now())
            SupportCase.objects.filter(pk=case.pk).update(
                submitted_for_decision_at=submitted, decision_due=engine.decision_due(submitted)
            )
        elif plan == "rejected":
            while case.step != "committee_review":
                case = advance_step(case, staff)
            if case.deciding_body == "research_committee":
                case = _act(staff["committee1"], case, "vote", choice="reject", reason="الدخل يتجاوز الحد")
                case = _act(staff["committee2"], case, "vote", choice="reject", reason="لا تنطبق الشروط")
                _act(staff["committee3"], case, "decide", minutes="قررت اللجنة رفض الطلب.")
            else:
                _act(staff["manager"], case, "decide", outcome="rejected", reason="لا تنطبق الشروط")
        else:
            _act(staff["reception"], case, "withdraw", reason="طلب المستفيد سحب الطلب")
    # A likely duplicate: the first applicant registered again, the name spelt differently, the
    # same mobile number (staff find it under Likely duplicates).
    first = Beneficiary.objects.order_by("pk").first()
    if first is not None:
        services.beneficiary_register(
            actor=staff["reception"],
            national_id=_national_id(rng),
            full_name_ar=first.full_name_ar.replace("عبدالله", "عبد الله").replace("محمد", "محمّد"),
            phone=first.phone_e164,
        )
    return made
