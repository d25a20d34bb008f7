"""Report periods: a Hijri or Gregorian month, quarter or year, or any range of days, and the
period just before it (the one a report compares with).

Dates are entered as YYYY-MM-DD in either calendar: a year before 1600 is read as Hijri (Umm
al-Qura), later years as Gregorian. A date that exists in neither is refused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from core.errors import FieldProblem, ServiceError, invalid
from themes.dates import format_hijri, from_hijri, to_hijri

#: The longest range a report covers (ten years of days, leap days included).
MAX_DAYS = 3653
HIJRI_BEFORE_YEAR = 1600
_ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
KINDS = ("month", "quarter", "year", "range")
CALENDARS = ("gregorian", "hijri")


@dataclass(frozen=True)
class Period:
    """Days ``start`` to ``end`` (both included), Gregorian dates; ``kind`` and ``calendar`` say
    how it was chosen, so that the previous period is the previous month, quarter or year."""

    start: dt.date
    end: dt.date
    kind: str = "range"
    calendar: str = "gregorian"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        if self.kind == "range":
            end = self.start - dt.timedelta(days=1)
            return Period(end - dt.timedelta(days=self.days - 1), end, "range", self.calendar)
        months = {"month": 1, "quarter": 3, "year": 12}[self.kind]
        if self.calendar == "hijri":
            h = to_hijri(self.start)
            year, month = _shift(h.year, h.month, -months)
            return calendar_period(
                kind=self.kind, calendar="hijri", year=year, number=_number(self.kind, month)
            )
        year, month = _shift(self.start.year, self.start.month, -months)
        return calendar_period(
            kind=self.kind, calendar="gregorian", year=year, number=_number(self.kind, month)
        )

    def label(self, lang: str) -> str:
        if self.calendar == "hijri":
            return f"{format_hijri(self.start, lang)} – {format_hijri(self.end, lang)}"
        # Isolated left-to-right, so that an Arabic line does not reorder the digits of a date.
        return f"\u2066{self.start.isoformat()}\u2069 – \u2066{self.end.isoformat()}\u2069"


def _shift(year: int, month: int, by: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + by
    return index // 12, index % 12 + 1


def _number(kind: str, month: int) -> int:
    return {"month": month, "quarter": (month - 1) // 3 + 1, "year": 1}[kind]


def _problem(field: str, code: str, ar: str, en: str) -> ServiceError:
    return invalid([FieldProblem(field, code, ar, en)])


def _month_start(calendar: str, year: int, month: int) -> dt.date:
    return from_hijri(year, month, 1) if calendar == "hijri" else dt.date(year, month, 1)


def calendar_period(*, kind: str, calendar: str, year: int, number: int = 1) -> Period:
    """The ``number``-th month (1-12) or quarter (1-4) of ``year``, or the year, in ``calendar``."""
    if kind not in ("month", "quarter", "year"):
        raise _problem(
            "period", "invalid_period", "اختر شهرًا أو ربعًا أو سنة.", "Choose a month, quarter or year."
        )
    if calendar not in CALENDARS:
        raise _problem(
            "calendar", "invalid_calendar", "التقويم هجري أو ميلادي.", "The calendar is Hijri or Gregorian."
        )
    limit = {"month": 12, "quarter": 4, "year": 1}[kind]
    if not 1 <= number <= limit:
        raise _problem(
            "number",
            "out_of_range",
            "الرقم من ١ إلى " + str(limit).translate(_ARABIC_DIGITS) + ".",
            f"The number is from 1 to {limit}.",
        )
    first_month = {"month": number, "quarter": (number - 1) * 3 + 1, "year": 1}[kind]
    months = {"month": 1, "quarter": 3, "year": 12}[kind]
    try:
        start = _month_start(calendar, year, first_month)
        next_year, next_month = _shift(year, first_month, months)
        end = _month_start(calendar, next_year, next_month) - dt.timedelta(days=1)
    except (ValueError, OverflowError):
        raise _problem(
            "year", "out_of_range", "السنة خارج نطاق التقويم.", "The year is outside the calendar."
        ) from None
    return Period(start, end, kind, calendar)


def parse_date(value: str, *, field: str) -> tuple[dt.date, str]:
    """A YYYY-MM-DD date in either calendar, as a Gregorian date and the calendar it was in."""
    parts = (value or "").strip().split("-")
    if len(parts) != 3 or not all(p.isascii() and p.isdigit() for p in parts):
        raise _problem(
            field, "invalid_date", "اكتب التاريخ بالشكل سنة-شهر-يوم.", "Write the date as YYYY-MM-DD."
        )
    year, month, day = (int(p) for p in parts)
    try:
        if year < HIJRI_BEFORE_YEAR:
            return from_hijri(year, month, day), "hijri"
        return dt.date(year, month, day), "gregorian"
    except (ValueError, OverflowError):
        raise _problem(
            field,
            "invalid_date",
            "هذا التاريخ غير موجود في التقويم الهجري ولا الميلادي.",
            "This date exists in neither the Hijri nor the Gregorian calendar.",
        ) from None


def range_period(*, start: str, end: str) -> Period:
    """The days from ``start`` to ``end`` (both included), refused when reversed or over ten years."""
    problems: list[FieldProblem] = []
    dates: dict[str, tuple[dt.date, str]] = {}
    for field, value in (("from", start), ("to", end)):
        try:
            dates[field] = parse_date(value, field=field)
        except ServiceError as exc:
            problems += exc.problems
    if problems:
        raise invalid(problems)
    (first, calendar), (last, _) = dates["from"], dates["to"]
    if last < first:
        raise _problem(
            "to", "reversed", "تاريخ النهاية قبل تاريخ البداية.", "The end date is before the start date."
        )
    if (last - first).days + 1 > MAX_DAYS:
        raise _problem("to", "too_long", "أقصى مدة للتقرير عشر سنوات.", "A report covers at most ten years.")
    return Period(first, last, "range", calendar)
