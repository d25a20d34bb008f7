"""Hijri (Umm al-Qura) dates beside Gregorian ones."""

from __future__ import annotations

import datetime as dt

from hijridate import Gregorian, Hijri

HIJRI_MONTHS_AR = [
    "محرم",
    "صفر",
    "ربيع الأول",
    "ربيع الآخر",
    "جمادى الأولى",
    "جمادى الآخرة",
    "رجب",
    "شعبان",
    "رمضان",
    "شوال",
    "ذو القعدة",
    "ذو الحجة",
]
HIJRI_MONTHS_EN = [
    "Muharram",
    "Safar",
    "Rabi al-Awwal",
    "Rabi al-Thani",
    "Jumada al-Ula",
    "Jumada al-Akhirah",
    "Rajab",
    "Shaban",
    "Ramadan",
    "Shawwal",
    "Dhu al-Qadah",
    "Dhu al-Hijjah",
]
_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def to_hijri(value: dt.date) -> Hijri:
    return Gregorian(value.year, value.month, value.day).to_hijri()


def from_hijri(year: int, month: int, day: int) -> dt.date:
    """Gregorian date of an Umm al-Qura date; ValueError if that Hijri date does not exist."""
    return Hijri(year, month, day, validate=True).to_gregorian()


def format_hijri(value: dt.date, lang: str = "ar") -> str:
    h = to_hijri(value)
    if lang.startswith("ar"):
        return f"{h.day} {HIJRI_MONTHS_AR[h.month - 1]} {h.year} هـ".translate(_ARABIC_INDIC)
    return f"{h.day} {HIJRI_MONTHS_EN[h.month - 1]} {h.year} AH"
