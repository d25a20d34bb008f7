from __future__ import annotations

import datetime as dt

from django import template
from django.utils import formats, timezone
from django.utils.translation import get_language

from themes.dates import format_hijri

register = template.Library()
_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


@register.filter
def hijri(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    return format_hijri(_as_date(value), get_language() or "ar")


@register.filter
def dual_date(value: dt.date | dt.datetime | None) -> str:
    """«٢٥ شعبان ١٤٤٥ هـ — 6 مارس 2024»: Hijri first, Gregorian beside it."""
    if value is None:
        return ""
    day = _as_date(value)
    gregorian = formats.date_format(day, "DATE_FORMAT")
    if (get_language() or "ar").startswith("ar"):
        # One kind of digit in one date: the Hijri half is written in Arabic-Indic digits.
        gregorian = gregorian.translate(_ARABIC_INDIC)
    return f"{hijri(day)} — {gregorian}"


@register.filter
def digits(value: object) -> str:
    """A number in the page's digits: Arabic-Indic on an Arabic page («٤ من ٥»), as is otherwise."""
    text = "" if value is None else str(value)
    return text.translate(_ARABIC_INDIC) if (get_language() or "ar").startswith("ar") else text


@register.filter
def masked(value: object, shown: int = 4) -> str:
    """«••••••5678»: only the last digits of an ID or mobile number, for lists that need no more
    (the full number is on the record's page, whose reads are logged)."""
    text = str(value or "")
    if len(text) <= shown:
        return text
    return "•" * (len(text) - shown) + text[-shown:]
