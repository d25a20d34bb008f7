"""ISO 8601 review windows and due-date arithmetic (calendar and Saudi business days)."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from policy_engine.rules.durations import (
    Duration,
    DurationError,
    add_duration,
    describe_duration,
    is_valid_duration,
    parse_duration,
)

RIYADH = timezone(timedelta(hours=3), "AST")


def at(day: str, hour: int = 10) -> datetime:
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), tzinfo=RIYADH).replace(hour=hour)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("P1M", Duration(months=1)),
        ("P2W", Duration(weeks=2)),
        ("P1W", Duration(weeks=1)),
        ("P14D", Duration(days=14)),
        ("P1Y", Duration(years=1)),
        ("P1M2D", Duration(months=1, days=2)),
        ("P1Y2M3W4D", Duration(years=1, months=2, weeks=3, days=4)),
    ],
)
def test_parse_accepts_date_durations(text: str, expected: Duration) -> None:
    parsed = parse_duration(text)
    assert parsed == expected
    assert parsed.isoformat() == text
    assert is_valid_duration(text)


@pytest.mark.parametrize(
    "text",
    [
        "P1X",  # unknown designator
        "1M",  # no leading P
        "P0W",  # zero
        "P0M0D",  # zero, in parts
        "",
        "P",
        "PT1H",  # time part: not a review window
        "P1DT2H",
        "p1m",  # designators are upper case
        " P1M",
        "P1M ",
        "P1D1M",  # out of order
        "P1M1M",
        "P-1D",
        "P1.5M",
        "P\u0661M",  # Arabic-Indic digit one
        "P99999Y",
    ],
)
def test_parse_rejects_garbage(text: str) -> None:
    with pytest.raises(DurationError):
        parse_duration(text)
    assert not is_valid_duration(text)


def test_non_string_is_not_a_duration() -> None:
    assert not is_valid_duration(14)
    assert not is_valid_duration(None)


@pytest.mark.parametrize(
    ("start", "window", "due"),
    [
        ("2026-01-31", "P1M", "2026-02-28"),  # clamped to the end of February
        ("2024-01-31", "P1M", "2024-02-29"),  # leap year
        ("2026-03-31", "P1M", "2026-04-30"),
        ("2026-12-15", "P1M", "2027-01-15"),  # across the year end
        ("2026-11-30", "P3M", "2027-02-28"),
        ("2024-02-29", "P1Y", "2025-02-28"),
        ("2026-01-31", "P1M2D", "2026-03-02"),  # months first, then days
        ("2026-01-01", "P1W", "2026-01-08"),
        ("2026-01-01", "P2W", "2026-01-15"),
        ("2026-01-25", "P14D", "2026-02-08"),
    ],
)
def test_calendar_arithmetic(start: str, window: str, due: str) -> None:
    assert add_duration(at(start), window) == at(due)


def test_rumaila_month_from_31_january_is_28_february_same_time_and_zone() -> None:
    due = add_duration(datetime(2026, 1, 31, 10, 0, tzinfo=RIYADH), "P1M")
    assert due == datetime(2026, 2, 28, 10, 0, tzinfo=RIYADH)
    assert due.tzinfo is RIYADH
    assert due.isoformat() == "2026-02-28T10:00:00+03:00"


def test_accepts_a_parsed_duration() -> None:
    assert add_duration(at("2026-01-31"), Duration(months=1)) == at("2026-02-28")


def test_other_zones_keep_their_tzinfo() -> None:
    start = datetime(2026, 1, 31, 7, 0, tzinfo=UTC)
    due = add_duration(start, "P1M")
    assert due.tzinfo is UTC
    assert due == datetime(2026, 2, 28, 7, 0, tzinfo=UTC)


def test_naive_datetimes_are_rejected() -> None:
    naive = datetime(2026, 1, 31, 10, 0)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="timezone-aware"):
        add_duration(naive, "P1M")


def test_garbage_window_is_rejected_by_add_duration() -> None:
    with pytest.raises(DurationError):
        add_duration(at("2026-01-01"), "P1X")


# 2026-01-01 is a Thursday; 2026-01-02 Friday and 2026-01-03 Saturday are the weekend.
@pytest.mark.parametrize(
    ("start", "window", "due"),
    [
        ("2026-01-01", "P1W", "2026-01-08"),  # Thursday + 5 business days = next Thursday
        ("2026-01-01", "P2W", "2026-01-15"),  # 10 business days
        ("2026-01-01", "P1D", "2026-01-04"),  # Thursday + 1 = Sunday
        ("2026-01-01", "P3D", "2026-01-06"),  # Sunday, Monday, Tuesday
        ("2026-01-02", "P1D", "2026-01-04"),  # from Friday: Sunday
        ("2026-01-02", "P1W", "2026-01-08"),  # from Friday: Thursday
        ("2026-01-03", "P1W", "2026-01-08"),  # from Saturday: Thursday
        ("2026-01-04", "P4D", "2026-01-08"),  # Sunday + 4 = Thursday
        ("2026-01-04", "P5D", "2026-01-11"),  # Sunday + 5 = next Sunday
        ("2026-01-05", "P1W2D", "2026-01-14"),  # Monday + 7 business days = Wednesday week after
        ("2025-12-02", "P1M", "2026-01-04"),  # lands on Friday 2 Jan: rolls to Sunday
        ("2025-12-04", "P1M", "2026-01-04"),  # lands on Sunday: stays
    ],
)
def test_business_days_count_sunday_to_thursday(start: str, window: str, due: str) -> None:
    result = add_duration(at(start), window, business_days=True)
    assert result == at(due)
    assert result.weekday() not in (4, 5)


def test_business_days_differ_from_calendar_days_over_a_weekend() -> None:
    thursday = at("2026-01-01")
    assert add_duration(thursday, "P3D") == at("2026-01-04")
    assert add_duration(thursday, "P3D", business_days=True) == at("2026-01-06")


@pytest.mark.parametrize(
    ("text", "arabic", "arabic_genitive", "english"),
    [
        ("P1W", "أسبوع", "أسبوع", "one week"),
        ("P2W", "أسبوعان", "أسبوعين", "two weeks"),
        ("P1M", "شهر", "شهر", "one month"),
        ("P2M", "شهران", "شهرين", "two months"),
        ("P3W", "ثلاثة أسابيع", "ثلاثة أسابيع", "three weeks"),
        ("P10D", "عشرة أيام", "عشرة أيام", "ten days"),
        ("P3Y", "ثلاث سنوات", "ثلاث سنوات", "three years"),
        ("P11D", "11 يومًا", "11 يومًا", "11 days"),
        ("P1M2D", "شهر ويومان", "شهر ويومين", "one month and two days"),
        (
            "P1Y2M3D",
            "سنة وشهران وثلاثة أيام",
            "سنة وشهرين وثلاثة أيام",
            "one year, two months and three days",
        ),
    ],
)
def test_durations_in_words(text: str, arabic: str, arabic_genitive: str, english: str) -> None:
    assert describe_duration(text, "ar") == arabic
    assert describe_duration(text, "ar", case="genitive") == arabic_genitive
    assert describe_duration(text, "en") == english
    assert parse_duration(text).describe("en") == english


def test_negative_components_are_refused() -> None:
    with pytest.raises(DurationError):
        Duration(days=-1)
