"""Every figure of the dashboard, over cases whose figures are known by construction.

Six Jamoum requests are taken through the real transition function at chosen moments (the clock
is set for each action), so each figure below is counted by hand from the story, not by the code
under test. The daily figures are then rebuilt from the cases and must equal what the transition
function kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import pytest
from django.utils import timezone

from accounts.models import User
from casework import selectors as case_selectors
from casework import services
from casework.models import SupportCase
from casework.reports import counters, selectors
from casework.reports.models import DailyFigure
from casework.reports.periods import calendar_period, range_period
from casework.reports.rollup import figures_rebuild
from tenants.models import Association
from tests.casework.conftest import SIGNATURE, Staff, install_policy, intake_answers, register

pytestmark = pytest.mark.django_db


def at(day: str, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.fromisoformat(f"{day}T{hour:02d}:00:00"))


@contextmanager
def clock(moment: dt.datetime) -> Iterator[None]:
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def act(actor: User, case: SupportCase, when: dt.datetime, action: str, **data: Any) -> SupportCase:
    with clock(when):
        return services.case_transition(actor=actor, case_id=case.pk, action=action, data=data)


def open_at(staff: Staff, when: dt.datetime, channel: str) -> SupportCase:
    with clock(when):
        beneficiary = register(staff.reception)
        return services.case_open(
            actor=staff.reception, beneficiary_id=beneficiary.pk, channel=channel, intake=intake_answers()
        )


def desk_steps(staff: Staff, case: SupportCase, when: dt.datetime, *, steps: tuple[str, ...]) -> SupportCase:
    """Receive, verify (every item), and the referral step without a referral, at ``when``."""
    for step in steps:
        assert case.step == step
        if step in ("receive", "verify"):
            for item in case.checklist.filter(step=step):
                case = act(staff.reception, case, when, "verify_item", code=item.code)
            case = act(staff.reception, case, when, "complete")
        elif step == "refer":
            case = act(staff.reception, case, when, "complete", not_needed=True)
        elif step == "attest":
            with clock(when):
                digest = case_selectors.payload_sha256(case_selectors.attestation_payload(case))
            case = act(
                staff.reception,
                case,
                when,
                "attest",
                typed_name="مقدم الطلب",
                signature=SIGNATURE,
                data_hash=digest,
            )
            case = act(staff.reception, case, when, "complete")
    return case


def build_march(staff: Staff) -> dict[str, SupportCase]:
    """The story (Jamoum: receive, verify, refer, attest, committee review within two weeks,
    register, serve; three committee members, so two votes make the quorum)."""
    c0, c1 = staff.committee[0], staff.committee[1]
    # A: interview, referred on 2 March and answered two days later; in review from 5 March 10:00;
    # votes 6 and 8 March (quorum after 3 days); accepted 9 March (4 days, within the window);
    # 1,500 SAR in cash on 10 March, served; rated 5 with a comment on 11 March.
    a = open_at(staff, at("2026-03-02", 9), "interview")
    a = desk_steps(staff, a, at("2026-03-02", 9), steps=("receive", "verify"))
    a = act(staff.reception, a, at("2026-03-02", 10), "refer", question="ما المستندات المطلوبة؟")
    a = act(staff.officer, a, at("2026-03-04", 10), "answer_referral", answer="الهوية وعقد الإيجار.")
    a = act(staff.reception, a, at("2026-03-04", 11), "complete")
    a = desk_steps(staff, a, at("2026-03-05", 10), steps=("attest",))
    assert a.step == "committee_review"
    a = act(c0, a, at("2026-03-06"), "vote", choice="accept", reason="الحاجة ثابتة")
    a = act(c1, a, at("2026-03-08"), "vote", choice="accept", reason="مستوفٍ")
    a = act(c1, a, at("2026-03-09"), "decide", minutes="قررت اللجنة القبول.")
    a = act(staff.reception, a, at("2026-03-09", 11), "complete")
    a = act(
        staff.reception,
        a,
        at("2026-03-10"),
        "record_service",
        kind="cash",
        amount="1500",
        delivered_on="2026-03-10",
    )
    a = act(staff.reception, a, at("2026-03-10", 11), "complete")
    with clock(at("2026-03-11")):
        services.satisfaction_record(actor=staff.reception, case_id=a.pk, score=5, comment="خدمة ممتازة")

    # B: phone; in review from 5 March 10:00; both votes reject on 10 March (quorum after 5
    # days); rejected 25 March (20 days: past the two weeks).
    b = open_at(staff, at("2026-03-03"), "phone")
    b = desk_steps(staff, b, at("2026-03-03"), steps=("receive", "verify", "refer"))
    b = desk_steps(staff, b, at("2026-03-05", 10), steps=("attest",))
    b = act(c0, b, at("2026-03-10"), "vote", choice="reject", reason="الدخل كافٍ")
    b = act(c1, b, at("2026-03-10"), "vote", choice="reject", reason="لا تنطبق الشروط")
    b = act(c0, b, at("2026-03-25"), "decide", minutes="قررت اللجنة الرفض.")

    # C: interview, withdrawn the day it came.  D: phone, waiting at verify.
    c = open_at(staff, at("2026-03-04"), "interview")
    c = act(staff.reception, c, at("2026-03-04", 12), "withdraw", reason="تراجع عن الطلب")
    d = open_at(staff, at("2026-03-05"), "phone")
    d = desk_steps(staff, d, at("2026-03-05"), steps=("receive",))

    # E: interview; in review from 7 March, due on 21 March, never decided: overdue now.
    e = open_at(staff, at("2026-03-06"), "interview")
    e = desk_steps(staff, e, at("2026-03-07"), steps=("receive", "verify", "refer", "attest"))

    # F: February (the previous month): interview, withdrawn.
    f = open_at(staff, at("2026-02-10"), "interview")
    f = act(staff.reception, f, at("2026-02-11"), "withdraw", reason="سافر")
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f}


@pytest.fixture
def march(alpha: Association, staff: Staff) -> dict[str, SupportCase]:
    install_policy(alpha, "jamoum")
    return build_march(staff)


def test_every_figure_of_the_month(march: dict[str, SupportCase], staff: Staff) -> None:
    period = calendar_period(kind="month", calendar="gregorian", year=2026, number=3)
    summary = selectors.report_summary(period=period, per_employee=True, comments_with_case=True)

    assert summary["period"] == {
        "from": dt.date(2026, 3, 1),
        "to": dt.date(2026, 3, 31),
        "kind": "month",
        "calendar": "gregorian",
    }
    assert summary["previous_period"] == {"from": dt.date(2026, 2, 1), "to": dt.date(2026, 2, 28)}
    assert summary["opened"] == {
        "total": 5,
        "by_channel": {"interview": 3, "phone": 2},
        "by_step": {"verify": 1, "committee_review": 1},
        "closed_by_outcome": {"served": 1, "rejected": 1, "withdrawn": 1},
    }
    assert summary["outcomes"] == {"decided": 2, "accepted": 1, "rejected": 1, "withdrawn": 1, "served": 1}
    assert summary["funnel"] == {
        "receive": 5,
        "verify": 4,
        "refer": 3,
        "attest": 3,
        "committee_review": 3,
        "register": 1,
        "serve": 1,
    }
    assert summary["window"] == {
        "decided": 2,
        "within_window": 1,
        "within_window_percent": 50.0,
        "median_days": 4.0,
        "p90_days": 20.0,
        "overdue_now": 1,
        "by_body": {
            "research_committee": {
                "decided": 2,
                "within_window": 1,
                "within_window_percent": 50.0,
                "median_days": 4.0,
                "p90_days": 20.0,
                "overdue_now": 1,
            }
        },
    }
    assert summary["referrals"] == {
        "count": 1,
        "by_target": {"social_research_officer": {"referred": 1, "answered": 1, "median_days": 2.0}},
        "median_days_to_answer": 2.0,
    }
    c0, c1 = staff.committee[0], staff.committee[1]
    assert summary["committee"] == {
        "decisions": 2,
        "median_days_to_quorum": 3.0,
        "p90_days_to_quorum": 5.0,
        "votes_by_member": [
            {"member_id": c0.pk, "name": c0.full_name, "votes": 2},
            {"member_id": c1.pk, "name": c1.full_name, "votes": 2},
        ]
        if c0.pk < c1.pk
        else [
            {"member_id": c1.pk, "name": c1.full_name, "votes": 2},
            {"member_id": c0.pk, "name": c0.full_name, "votes": 2},
        ],
    }
    satisfaction = summary["satisfaction"]
    assert (satisfaction["count"], satisfaction["average"]) == (1, 5.0)
    assert satisfaction["distribution"] == {"1": 0, "2": 0, "3": 0, "4": 0, "5": 1}
    assert satisfaction["comments"] == [
        {"score": 5, "comment": "خدمة ممتازة", "date": dt.date(2026, 3, 11), "case": march["a"].pk}
    ]
    assert satisfaction["employees"] == []  # one rating: fewer than five
    assert summary["beneficiaries"] == {"served": 1, "new": 1, "returning": 0}
    assert summary["services"] == {
        "count": 1,
        "amount": 1500.0,
        "by_kind": {"cash": {"count": 1, "amount": 1500.0}},
    }

    previous = summary["previous"]
    assert previous["opened"]["total"] == 1
    assert previous["outcomes"] == {"decided": 0, "accepted": 0, "rejected": 0, "withdrawn": 1, "served": 0}
    march_row = next(m for m in summary["months"] if m["start"] == dt.date(2026, 3, 1))
    assert (march_row["opened"], march_row["decided"], march_row["within_window"]) == (5, 2, 1)
    assert len(summary["months"]) == 1


def test_a_channel_filter_narrows_every_figure(march: dict[str, SupportCase]) -> None:
    period = calendar_period(kind="month", calendar="gregorian", year=2026, number=3)
    summary = selectors.report_summary(period=period, channel="phone")
    assert summary["opened"]["total"] == 2
    assert summary["opened"]["by_step"] == {"verify": 1}
    assert summary["outcomes"]["rejected"] == 1
    assert summary["outcomes"]["accepted"] == 0
    assert summary["window"]["median_days"] == 20.0
    assert summary["window"]["overdue_now"] == 0


def test_rebuilding_gives_the_figures_the_transitions_kept(march: dict[str, SupportCase]) -> None:
    def table() -> set[tuple[Any, ...]]:
        return set(
            DailyFigure.objects.exclude(n=0, amount=0).values_list(
                "day", "channel", "metric", "dim", "bucket", "n", "amount"
            )
        )

    kept = table()
    assert len(kept) > 20
    figures_rebuild()
    assert table() == kept


def test_the_counts_by_step_add_up_to_the_inbox(march: dict[str, SupportCase], staff: Staff) -> None:
    period = range_period(start="2026-03-01", end="2026-03-31")
    by_step = selectors.report_summary(period=period)["opened"]["by_step"]
    for step, count in by_step.items():
        inbox = case_selectors.case_inbox(
            user=staff.admin, step=step, status="open", opened_from=period.start, opened_to=period.end
        )
        assert inbox.count() == count, step
    everything = case_selectors.case_inbox(user=staff.admin, opened_from=period.start, opened_to=period.end)
    assert everything.count() == 5


def test_per_employee_only_from_five_ratings(alpha: Association, staff: Staff) -> None:
    install_policy(alpha, "rumaila")  # receive, verify, attest, review, register, serve
    shown_after_each: list[int] = []
    for index, score in enumerate([5, 4, 4, 3, 5]):
        day = f"2026-04-{index + 1:02d}"
        case = open_at(staff, at(day, 8), "interview")
        case = desk_steps(staff, case, at(day, 8), steps=("receive", "verify", "attest"))
        case = act(staff.committee[0], case, at(day, 9), "vote", choice="accept", reason="مستحق")
        case = act(staff.committee[1], case, at(day, 9), "vote", choice="accept", reason="مستحق")
        case = act(staff.committee[1], case, at(day, 10), "decide", minutes="قبول")
        case = act(staff.reception2, case, at(day, 11), "complete")
        case = act(
            staff.reception2,
            case,
            at(day, 11),
            "record_service",
            kind="in_kind",
            description="سلة",
            delivered_on=day,
        )
        case = act(staff.reception2, case, at(day, 12), "complete")
        with clock(at(day, 13)):
            services.satisfaction_record(actor=staff.reception, case_id=case.pk, score=score)
        period = range_period(start="2026-04-01", end="2026-04-30")
        employees = selectors.employee_ratings(period=period)
        shown_after_each.append(len(employees))
    assert shown_after_each == [0, 0, 0, 0, 1]
    assert employees == [
        {
            "employee_id": staff.reception2.pk,
            "name": staff.reception2.full_name,
            "count": 5,
            "average": 4.2,
            "distribution": {"1": 0, "2": 0, "3": 1, "4": 2, "5": 2},
        }
    ]
    # The same beneficiary is never served twice here: five new, none returning.
    summary = selectors.report_summary(period=range_period(start="2026-04-01", end="2026-04-30"))
    assert summary["beneficiaries"] == {"served": 5, "new": 5, "returning": 0}
    assert summary["window"]["within_window_percent"] == 100.0


def test_hijri_month_and_its_previous(alpha: Association) -> None:
    # Ramadan 1447 = 18 February - 19 March 2026 (Umm al-Qura); Shaban 1447 is the month before.
    period = calendar_period(kind="month", calendar="hijri", year=1447, number=9)
    assert (period.start, period.end) == (dt.date(2026, 2, 18), dt.date(2026, 3, 19))
    previous = period.previous()
    assert (previous.start, previous.end) == (dt.date(2026, 1, 20), dt.date(2026, 2, 17))
    quarter = calendar_period(kind="quarter", calendar="gregorian", year=2026, number=1)
    assert (quarter.previous().start, quarter.previous().end) == (dt.date(2025, 10, 1), dt.date(2025, 12, 31))


def test_periods_not_made_of_whole_months_read_the_days(march: dict[str, SupportCase]) -> None:
    # 10 February - 31 March: F (10 Feb) and the five March requests; 2-4 March: A's referral
    # answer falls on 4 March, B and C opened on 3 and 4 March.
    wide = selectors.report_summary(period=range_period(start="2026-02-10", end="2026-03-31"))
    assert wide["opened"]["total"] == 6
    assert wide["outcomes"]["withdrawn"] == 2
    narrow = selectors.report_summary(period=range_period(start="2026-03-03", end="2026-03-04"))
    assert narrow["opened"]["by_channel"] == {"phone": 1, "interview": 1}
    assert narrow["referrals"]["by_target"]["social_research_officer"]["answered"] == 1
    assert narrow["outcomes"]["withdrawn"] == 1
    # February from the 10th is most of February: its month row minus its first nine days.
    assert counters.signed_segments(dt.date(2026, 2, 10), dt.date(2026, 3, 31)) == [
        ("m", dt.date(2026, 2, 1), dt.date(2026, 3, 1), 1),
        ("d", dt.date(2026, 2, 1), dt.date(2026, 2, 9), -1),
    ]
    # 3-4 March is a little of March: its days.
    assert counters.signed_segments(dt.date(2026, 3, 3), dt.date(2026, 3, 4)) == [
        ("d", dt.date(2026, 3, 3), dt.date(2026, 3, 4), 1)
    ]


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2026-03-02", "2026-03-31"),  # March minus its first day
        ("2026-02-10", "2026-03-20"),  # most of February, most of March
        ("2026-02-20", "2026-03-09"),  # a little of each: days only
        ("2026-03-05", "2026-03-05"),
    ],
)
def test_month_rows_minus_days_sum_what_the_days_sum(
    march: dict[str, SupportCase], start: str, end: str
) -> None:
    """Whatever mix of month and day rows a period is read from, its counters are the sum of its
    day rows, summed here by hand."""
    period = range_period(start=start, end=end)
    expected: dict[str, dict[tuple[str, int], int]] = {}
    for metric, dim, bucket, n in (
        DailyFigure.objects.filter(grain="d", day__gte=period.start, day__lte=period.end)
        .exclude(metric__in=(*counters.DAY_METRICS, "awaiting"))
        .values_list("metric", "dim", "bucket", "n")
    ):
        totals = expected.setdefault(metric, {})
        totals[(dim, bucket)] = totals.get((dim, bucket), 0) + n
    read = {
        metric: {key: n for key, (n, _amount) in values.items()}
        for metric, values in counters.sums(period, None).items()
    }
    assert {m: {k: n for k, n in v.items() if n} for m, v in read.items() if any(v.values())} == {
        m: {k: n for k, n in v.items() if n} for m, v in expected.items() if any(v.values())
    }
    assert expected  # the period holds something


def test_overdue_now_counts_from_the_hour_the_request_falls_due(march: dict[str, SupportCase]) -> None:
    """E awaits its decision: not overdue a minute before it falls due, overdue a minute after (that
    day read from the cases), and the days after (read from the counters by due day)."""
    due = march["e"].decision_due
    assert due is not None
    minute = dt.timedelta(minutes=1)
    assert selectors.overdue_now(now=due - minute) == {}
    assert selectors.overdue_now(now=due + minute) == {"research_committee": 1}
    assert selectors.overdue_now(now=due + dt.timedelta(days=3)) == {"research_committee": 1}
    assert selectors.overdue_now(now=due + dt.timedelta(days=3), channel="phone") == {}
    # A and B fell due before E but were decided: neither counts, however late B was.
    assert selectors.overdue_now() == {"research_committee": 1}
