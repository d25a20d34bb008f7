"""What a report is asked for (period, filters, per-employee figures), parsed once from a query
string for the screen, the exports and the API, and who may ask it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.utils import timezone

from accounts.models import RoleCode, User
from casework.reports import selectors
from casework.reports.periods import CALENDARS, Period, calendar_period, range_period
from core.errors import FieldProblem, forbidden, invalid
from themes.dates import to_hijri

#: Who reads an association's reports: its admins and administration; the board reads them too.
READERS: tuple[str, ...] = (RoleCode.ASSOCIATION_ADMIN, RoleCode.ADMINISTRATION, RoleCode.BOARD_MEMBER)
#: Figures per employee are "a tool for improvement, not for punishment": association admins only.
EMPLOYEE_READERS: tuple[str, ...] = (RoleCode.ASSOCIATION_ADMIN,)
#: Who may follow a figure to the cases behind it (the inbox sees every case for them).
CASE_READERS: tuple[str, ...] = (RoleCode.ASSOCIATION_ADMIN, RoleCode.RECEPTION_EMPLOYEE)


def holds(user: User | None, codes: tuple[str, ...]) -> bool:
    """The one role check (``User.holds_any``), for a request's user who may be anonymous."""
    return bool(user is not None and user.is_authenticated and user.holds_any(codes))


@dataclass(frozen=True)
class ReportQuery:
    period: Period
    channel: str | None = None
    step: str | None = None
    per_employee: bool = False


def _flag(params: Mapping[str, str], name: str) -> bool:
    """A yes/no parameter (a checkbox's "on", or true/false); anything else is refused, not read as no."""
    raw = (params.get(name) or "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise invalid([FieldProblem(name, "invalid_flag", "اختر نعم أو لا.", "Choose yes or no.")])


def _int(params: Mapping[str, str], name: str, default: int) -> int:
    raw = (params.get(name) or "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()):
        raise invalid([FieldProblem(name, "invalid_number", "اكتب رقمًا.", "Enter a number.")])
    return int(raw)


def default_period(calendar: str = "gregorian") -> Period:
    """The current month, in the chosen calendar."""
    today = timezone.localdate()
    if calendar == "hijri":
        h = to_hijri(today)
        return calendar_period(kind="month", calendar="hijri", year=h.year, number=h.month)
    return calendar_period(kind="month", calendar="gregorian", year=today.year, number=today.month)


def report_query(params: Mapping[str, str], *, user: User | None) -> ReportQuery:
    """The report ``params`` ask for: ``from``/``to`` (a range, dates in either calendar), or
    ``period`` (month, quarter, year) with ``calendar``, ``year`` and ``number``; ``channel`` and
    ``step`` (the policy's codes); ``per_employee``. Refuses bad input with field-level 400s and
    per-employee figures to anyone but an association admin with 403."""
    start, end = params.get("from") or "", params.get("to") or ""
    kind = params.get("period") or ("range" if start or end else "")
    calendar = params.get("calendar") or "gregorian"
    if calendar not in CALENDARS:
        raise invalid(
            [
                FieldProblem(
                    "calendar",
                    "invalid_calendar",
                    "التقويم هجري أو ميلادي.",
                    "The calendar is Hijri or Gregorian.",
                )
            ]
        )
    # A year or number is checked even where the period does not use it: nothing sent is ignored.
    year = _int(params, "year", -1) if (params.get("year") or "").strip() else None
    number = _int(params, "number", 1)
    if year is not None and not 1 <= year <= 9999:
        raise invalid(
            [FieldProblem("year", "out_of_range", "السنة من ١ إلى ٩٩٩٩.", "The year is from 1 to 9999.")]
        )
    if not 1 <= number <= 12:
        raise invalid(
            [FieldProblem("number", "out_of_range", "الرقم من ١ إلى ١٢.", "The number is from 1 to 12.")]
        )
    if kind not in ("", "range", "month", "quarter", "year"):
        raise invalid(
            [
                FieldProblem(
                    "period",
                    "invalid_period",
                    "الفترة شهر أو ربع أو سنة.",
                    "The period is a month, quarter or year.",
                )
            ]
        )
    if kind == "range":
        period = range_period(start=start, end=end)
    elif kind:
        today = default_period(calendar).start
        year_now = to_hijri(today).year if calendar == "hijri" else today.year
        period = calendar_period(
            kind=kind, calendar=calendar, year=year_now if year is None else year, number=number
        )
    else:
        period = default_period(calendar)
    problems: list[FieldProblem] = []
    channel = (params.get("channel") or "").strip() or None
    if channel and channel not in selectors.known_channels():
        problems.append(
            FieldProblem(
                "channel", "unknown_channel", "قناة غير معروفة في سياسة الجمعية.", "Unknown channel."
            )
        )
    step = (params.get("step") or "").strip() or None
    if step and step not in selectors.known_steps():
        problems.append(FieldProblem("step", "unknown_step", "خطوة غير معروفة.", "Unknown step."))
    if problems:
        raise invalid(problems)
    per_employee = _flag(params, "per_employee")
    if per_employee and not holds(user, EMPLOYEE_READERS):
        raise forbidden(
            "تقييم كل موظف يطّلع عليه مدير الجمعية وحده: التقييم أداة للتحسين لا للمحاسبة.",
            "Figures per employee are for the association's admins only: evaluation is a tool for "
            "improvement, not for punishment.",
        )
    return ReportQuery(period=period, channel=channel, step=step, per_employee=per_employee)
