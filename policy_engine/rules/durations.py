"""ISO 8601 calendar durations (``PnYnMnWnD``) and due-date arithmetic.

Only the date part of ISO 8601 is supported: a review window is "one month" or "two weeks",
never hours. Components must appear in the order Y, M, W, D (combinations such as ``P1M2D`` are
accepted, as ISO 8601-1:2019 allows) and at least one must be non-zero.

Business days follow the Saudi working week: Sunday to Thursday; Friday and Saturday are the
weekend.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

Lang = Literal["ar", "en"]
GrammaticalCase = Literal["nominative", "genitive"]

_PATTERN = re.compile(
    r"P(?:(?P<years>[0-9]{1,4})Y)?(?:(?P<months>[0-9]{1,4})M)?(?:(?P<weeks>[0-9]{1,4})W)?(?:(?P<days>[0-9]{1,5})D)?",
    re.ASCII,
)

FRIDAY = 4
SATURDAY = 5
WEEKEND: frozenset[int] = frozenset({FRIDAY, SATURDAY})
BUSINESS_DAYS_PER_WEEK = 5


class DurationError(ValueError):
    """The text is not a supported, positive ISO 8601 date duration."""


@dataclass(frozen=True, slots=True)
class Duration:
    years: int = 0
    months: int = 0
    weeks: int = 0
    days: int = 0

    def __post_init__(self) -> None:
        if min(self.years, self.months, self.weeks, self.days) < 0:
            raise DurationError("duration components cannot be negative")

    @property
    def total_months(self) -> int:
        return self.years * 12 + self.months

    @property
    def is_zero(self) -> bool:
        return not (self.years or self.months or self.weeks or self.days)

    def isoformat(self) -> str:
        parts = [(self.years, "Y"), (self.months, "M"), (self.weeks, "W"), (self.days, "D")]
        body = "".join(f"{n}{unit}" for n, unit in parts if n)
        return f"P{body or '0D'}"

    def __str__(self) -> str:
        return self.isoformat()

    def describe(self, lang: Lang, *, case: GrammaticalCase = "nominative") -> str:
        """The duration in words: ``P2W`` is «أسبوعان» / "two weeks" (genitive: «أسبوعين»)."""
        return describe_duration(self, lang, case=case)


def parse_duration(text: str) -> Duration:
    """Parse ``PnYnMnWnD``; raise :class:`DurationError` for anything else, or for a zero duration."""
    if not isinstance(text, str):
        raise DurationError(f"expected a string, got {type(text).__name__}")
    match = _PATTERN.fullmatch(text)
    if match is None or text == "P":
        raise DurationError(f"not an ISO 8601 date duration (PnYnMnWnD): {text!r}")
    duration = Duration(**{name: int(value) for name, value in match.groupdict().items() if value})
    if duration.is_zero:
        raise DurationError(f"duration must be longer than zero: {text!r}")
    return duration


def is_valid_duration(text: object) -> bool:
    if not isinstance(text, str):
        return False
    try:
        parse_duration(text)
    except DurationError:
        return False
    return True


def _add_months(start: datetime, months: int) -> datetime:
    month_index = start.month - 1 + months
    year = start.year + month_index // 12
    month = month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return start.replace(year=year, month=month, day=day)


def _is_business_day(moment: datetime) -> bool:
    return moment.weekday() not in WEEKEND


def _add_business_days(start: datetime, count: int) -> datetime:
    # Counting starts on the day after ``start``; each Sunday-Thursday day counts as one.
    current = start
    remaining = count
    while remaining > 0:
        current += timedelta(days=1)
        if _is_business_day(current):
            remaining -= 1
    return current


def _roll_to_business_day(moment: datetime) -> datetime:
    while not _is_business_day(moment):
        moment += timedelta(days=1)
    return moment


def add_duration(start: datetime, duration: Duration | str, *, business_days: bool = False) -> datetime:
    """Add a calendar duration to a timezone-aware datetime, keeping its ``tzinfo``.

    Years and months are calendar months, clamped to the end of the month (Jan 31 + P1M is
    Feb 28, or Feb 29 in a leap year). Weeks are seven days and days are days, unless
    ``business_days`` is set: then a week is five business days and only Sunday-Thursday count,
    starting from the day after ``start`` (P1W from a Thursday lands on the next Thursday), and a
    result that falls on the weekend rolls forward to Sunday.

    The weekday is read from ``start``'s own wall clock, so pass the association's local time.
    """
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError("add_duration needs a timezone-aware datetime")
    parsed = parse_duration(duration) if isinstance(duration, str) else duration
    result = _add_months(start, parsed.total_months) if parsed.total_months else start
    if not business_days:
        return result + timedelta(weeks=parsed.weeks, days=parsed.days)
    day_count = parsed.weeks * BUSINESS_DAYS_PER_WEEK + parsed.days
    if day_count:
        return _add_business_days(result, day_count)
    return _roll_to_business_day(result)


# --- Durations in words -------------------------------------------------------------------------

# Arabic counted nouns: (singular, dual nominative, dual genitive, plural 3-10, accusative 11+, is_feminine)
_AR_UNITS: dict[str, tuple[str, str, str, str, str, bool]] = {
    "years": ("سنة", "سنتان", "سنتين", "سنوات", "سنة", True),
    "months": ("شهر", "شهران", "شهرين", "أشهر", "شهرًا", False),
    "weeks": ("أسبوع", "أسبوعان", "أسبوعين", "أسابيع", "أسبوعًا", False),
    "days": ("يوم", "يومان", "يومين", "أيام", "يومًا", False),
}
# 3-10 agree in reverse gender: a masculine noun takes the feminine form of the number.
_AR_NUMBERS_FOR_MASCULINE = ("ثلاثة", "أربعة", "خمسة", "ستة", "سبعة", "ثمانية", "تسعة", "عشرة")
_AR_NUMBERS_FOR_FEMININE = ("ثلاث", "أربع", "خمس", "ست", "سبع", "ثماني", "تسع", "عشر")

_EN_UNITS = {"years": "year", "months": "month", "weeks": "week", "days": "day"}
_EN_NUMBERS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def _arabic_count(n: int, unit: str, case: GrammaticalCase) -> str:
    singular, dual_nom, dual_gen, plural, accusative, feminine = _AR_UNITS[unit]
    if n == 1:
        return singular
    if n == 2:
        return dual_nom if case == "nominative" else dual_gen
    if n <= 10:
        numbers = _AR_NUMBERS_FOR_FEMININE if feminine else _AR_NUMBERS_FOR_MASCULINE
        return f"{numbers[n - 3]} {plural}"
    return f"{n} {accusative}"


def _english_count(n: int, unit: str) -> str:
    number = _EN_NUMBERS[n - 1] if n <= len(_EN_NUMBERS) else str(n)
    noun = _EN_UNITS[unit] + ("" if n == 1 else "s")
    return f"{number} {noun}"


def describe_duration(duration: Duration | str, lang: Lang, *, case: GrammaticalCase = "nominative") -> str:
    """Render a duration in words, e.g. ``P1M2D`` as «شهر ويومان» / "one month and two days".

    ``case`` matters only in Arabic, where a dual after a preposition is genitive («من أسبوعين»).
    """
    parsed = parse_duration(duration) if isinstance(duration, str) else duration
    amounts = [
        (parsed.years, "years"),
        (parsed.months, "months"),
        (parsed.weeks, "weeks"),
        (parsed.days, "days"),
    ]
    present = [(n, unit) for n, unit in amounts if n]
    if not present:
        return "لا شيء" if lang == "ar" else "nothing"
    if lang == "ar":
        return " و".join(_arabic_count(n, unit, case) for n, unit in present)
    words = [_english_count(n, unit) for n, unit in present]
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " and " + words[-1]
