"""The demo's year of history: spread over the months, through the policy's own channels and
steps, and the reports read it."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from accounts.models import User
from casework.models import CaseEvent, SupportCase
from casework.reports import selectors
from casework.reports.periods import range_period
from sila.demo_history import seed_history
from tenants.models import Association
from tests.casework.conftest import Staff, install_policy

pytestmark = pytest.mark.django_db
RIYADH = ZoneInfo("Asia/Riyadh")


def demo_staff(staff: Staff) -> dict[str, User]:
    return {
        "admin": staff.admin,
        "reception": staff.reception,
        "research": staff.officer,
        "manager": staff.administration,
        "committee1": staff.committee[0],
        "committee2": staff.committee[1],
        "committee3": staff.committee[2],
    }


def test_a_year_of_history_fills_every_month_and_is_made_once(alpha: Association, staff: Staff) -> None:
    version = install_policy(alpha, "jamoum")
    now = dt.datetime(2026, 11, 30, 12, tzinfo=RIYADH)
    made = seed_history(demo_staff(staff), seed=7, per_week=4, now=now)
    assert made > 150
    assert seed_history(demo_staff(staff), seed=7, per_week=4, now=now) == 0
    allowed = set(version.document["channels"])
    assert set(SupportCase.objects.values_list("channel", flat=True)) <= allowed
    # The answers are kept as opening a request keeps them: Jamoum's father's death date, typed in
    # the Hijri calendar, with its Gregorian day beside it (the case page shows both).
    death_dates = {case.intake["father_death_date"]["gregorian"] for case in SupportCase.objects.all()[:20]}
    assert death_dates == {"2022-01-18"}  # 15 Jumada al-Akhirah 1443
    # Every event goes forward through the policy's steps.
    steps = [s["step"] for s in version.document["procedure"]]
    moves = CaseEvent.objects.exclude(from_step="").exclude(to_step="").values_list("from_step", "to_step")
    assert all(steps.index(b) - steps.index(a) in (0, 1) for a, b in moves)

    period = range_period(start="2025-12-01", end="2026-11-30")
    summary = selectors.report_summary(period=period)
    assert (
        summary["opened"]["total"]
        == SupportCase.objects.filter(created_at__gte=dt.datetime(2025, 12, 1, tzinfo=RIYADH)).count()
    )
    assert all(month["opened"] > 0 for month in summary["months"])
    window = summary["window"]
    assert window["decided"] > 50
    assert 55 < window["within_window_percent"] < 100
    assert summary["satisfaction"]["count"] > 20
    assert summary["referrals"]["count"] > 10
    # Returning: served in the period, and served before it too.
    later = selectors.report_summary(period=range_period(start="2026-06-01", end="2026-11-30"))
    assert later["beneficiaries"]["returning"] > 0
