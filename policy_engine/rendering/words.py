"""The words a policy document is printed with: the beneficiary term's forms, section headings,
text tagged with its language, Arabic-Indic digits, ordinals and dates in words (Hijri and Gregorian).

Pure functions of their inputs; nothing here knows about templates or PDFs."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from policy_engine.rules.catalog import Lang
from policy_engine.rules.wording import Term
from themes.dates import HIJRI_MONTHS_AR, HIJRI_MONTHS_EN, from_hijri, to_hijri

_ARABIC_CHARS = re.compile("[\u0600-\u06ff\u0750-\u077f\u0870-\u08ff\ufb50-\ufdff\ufe70-\ufefc]")
_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
NBSP = "\u00a0"
_ISO_DATE = re.compile(r"^\s*(\d{1,4})-(\d{1,2})-(\d{1,2})\s*$")

GREGORIAN_MONTHS_AR = (
    "يناير",
    "فبراير",
    "مارس",
    "أبريل",
    "مايو",
    "يونيو",
    "يوليو",
    "أغسطس",
    "سبتمبر",
    "أكتوبر",
    "نوفمبر",
    "ديسمبر",
)
GREGORIAN_MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_ORDINALS_AR = (
    "الأولى",
    "الثانية",
    "الثالثة",
    "الرابعة",
    "الخامسة",
    "السادسة",
    "السابعة",
    "الثامنة",
    "التاسعة",
    "العاشرة",
)
_ORDINALS_EN = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")


# --- Words ------------------------------------------------------------------------------------


def labels_for(lang: Lang, term: Term) -> dict[str, str]:
    if lang == "ar":
        return {
            "title": f"سياسة تنظيم العلاقة مع {term.ar_plural}",
            "licence": "ترخيص رقم",
            "version": "الإصدار",
            "preamble": "تمهيد",
            "general_goal": "الهدف العام",
            "detailed_goals": "الأهداف التفصيلية",
            "channels": f"القنوات المستخدمة للتواصل مع {term.ar_plural}",
            "staff_tools": f"الأدوات المتاحة لموظف علاقات {term.ar_plural} للتواصل مع {term.ar_plural}",
            "procedure": f"ويتم التعامل مع {term.ar} على مختلف المستويات لإنهاء معاملاته بالشكل التالي",
            "responsibilities": "المسؤوليات",
            "decision_reason_shared": (
                f"إذا لم يُقبل طلب {term.ar}، ذكرت الرسالة النصية التي تبلغه بالقرار سبب عدم القبول باختصار."
            ),
            "acknowledgment": "إقرار الموظف بالاطلاع على السياسة",
            "acknowledgment_text": (
                "أُقرّ أنا الموظف الموقّع أدناه بأنني اطّلعت على هذه السياسة وأحطت بما ورد فيها، "
                "وألتزم بأحكامها عند أداء واجباتي ومسؤولياتي الوظيفية."
            ),
            "ack_name": "الاسم",
            "ack_job": "الوظيفة",
            "ack_signature": "التوقيع",
            "ack_date": "التاريخ",
            "contacts": "بيانات التواصل",
            "bank_accounts": "الحسابات البنكية",
            "iban": "الآيبان",
            "account_number": "رقم الحساب",
            "approval": "اعتماد مجلس الإدارة",
            "signatory_role": "الصفة",
            "signatory_name": "الاسم",
            "signature": "التوقيع",
            "seal": "الختم",
            "draft": "مسودة بانتظار اعتماد مجلس الإدارة",
            "draft_note": "هذه النسخة لم يعتمدها مجلس الإدارة بعد، ولا يُعمل بها قبل اعتمادها.",
            "watermark": "مسودة",
            "superseded": "نسخة سابقة: حلّت محلها نسخة أحدث من السياسة.",
            "page": "صفحة",
            "of": "من",
        }
    return {
        "title": f"{term.en.capitalize()} Relations Policy",
        "licence": "Licence no.",
        "version": "Version",
        "preamble": "Preamble",
        "general_goal": "General goal",
        "detailed_goals": "Detailed goals",
        "channels": f"Channels used to communicate with {term.en_plural}",
        "staff_tools": f"Tools available to the {term.en}-relations employee to communicate with {term.en_plural}",
        "procedure": f"How a {term.en} is dealt with, at every level, until their request is completed",
        "responsibilities": "Responsibilities",
        "decision_reason_shared": (
            f"If a {term.en}'s request is not accepted, the text message telling them of the decision "
            "gives the reason in short."
        ),
        "acknowledgment": "Staff acknowledgment",
        "acknowledgment_text": (
            "I, the undersigned employee, acknowledge that I have read this policy and understood what it "
            "contains, and I undertake to abide by its provisions when performing my duties and job "
            "responsibilities."
        ),
        "ack_name": "Name",
        "ack_job": "Job title",
        "ack_signature": "Signature",
        "ack_date": "Date",
        "contacts": "Contact details",
        "bank_accounts": "Bank accounts",
        "iban": "IBAN",
        "account_number": "Account number",
        "approval": "Board approval",
        "signatory_role": "Role",
        "signatory_name": "Name",
        "signature": "Signature",
        "seal": "Seal",
        "draft": "Draft awaiting board approval",
        "draft_note": "The board has not approved this version yet; it does not apply until it is approved.",
        "watermark": "DRAFT",
        "superseded": "Earlier version: a newer version of the policy has replaced it.",
        "page": "Page",
        "of": "of",
    }


CONTACT_KINDS: Mapping[str, tuple[str, str]] = {
    "email": ("البريد الإلكتروني", "Email"),
    "phone": ("الهاتف", "Phone"),
    "facebook": ("فيسبوك", "Facebook"),
    "website": ("الموقع الإلكتروني", "Website"),
    "address": ("العنوان", "Address"),
    "other": ("أخرى", "Other"),
}


def digits(text: str, lang: Lang) -> str:
    return text.translate(_ARABIC_INDIC) if lang == "ar" else text


def ordinal(value: object, lang: Lang) -> str:
    """1 → «الأولى» / "first"; a text that is not a small number is kept as written."""
    if isinstance(value, bool):
        return str(value)
    number: int | None = None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    if number is not None and 1 <= number <= len(_ORDINALS_AR):
        return _ORDINALS_AR[number - 1] if lang == "ar" else _ORDINALS_EN[number - 1]
    return digits(str(value).strip(), lang)


# --- Text with its language -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Text:
    """A piece of text and the language it is written in (it may differ from the page's)."""

    text: str
    lang: Lang

    @property
    def dir(self) -> str:
        return "rtl" if self.lang == "ar" else "ltr"

    def __str__(self) -> str:
        return self.text


def has_arabic(text: str) -> bool:
    return _ARABIC_CHARS.search(text) is not None


def pick(ar: str | None, en: str | None, lang: Lang) -> Text:
    """The text in ``lang`` if there is one, else the other language's (Arabic first)."""
    ar_text = (ar or "").strip()
    en_text = (en or "").strip()
    if lang == "en" and en_text:
        return Text(en_text, "en")
    if ar_text:
        return Text(ar_text, "ar")
    return Text(en_text, "en")


def as_written(value: str) -> Text:
    """A value with no language of its own (a name, an address): Arabic if it is written in Arabic."""
    return Text(value.strip(), "ar" if has_arabic(value) else "en")


# --- Dates ----------------------------------------------------------------------------------------


def _ymd(value: object) -> tuple[int, int, int] | None:
    if isinstance(value, dt.date):
        return value.year, value.month, value.day
    if isinstance(value, str):
        match = _ISO_DATE.match(value)
        if match:
            year, month, day = (int(part) for part in match.groups())
            return year, month, day
        return None
    if all(hasattr(value, part) for part in ("year", "month", "day")):
        return int(value.year), int(value.month), int(value.day)  # type: ignore[attr-defined]
    return None


def _nbsp(text: str) -> str:
    """Keep a date on one line."""
    return text.replace(" ", NBSP)


def format_hijri_ymd(year: int, month: int, day: int, lang: Lang) -> str:
    if not 1 <= month <= 12:
        raise ValueError(f"no Hijri month {month}")
    if lang == "ar":
        return _nbsp(digits(f"{day} {HIJRI_MONTHS_AR[month - 1]} {year} هـ", lang))
    return _nbsp(f"{day} {HIJRI_MONTHS_EN[month - 1]} {year} AH")


def format_gregorian_ymd(year: int, month: int, day: int, lang: Lang) -> str:
    if not 1 <= month <= 12:
        raise ValueError(f"no Gregorian month {month}")
    if lang == "ar":
        return _nbsp(digits(f"{day} {GREGORIAN_MONTHS_AR[month - 1]} {year} م", lang))
    return _nbsp(f"{day} {GREGORIAN_MONTHS_EN[month - 1]} {year}")


def approval_dates(approval: Mapping[str, Any], lang: Lang) -> tuple[str | None, str | None]:
    """(Hijri, Gregorian) in words. The printed date wins; a missing one is its Umm al-Qura conversion."""
    hijri = _ymd(approval.get("date_hijri"))
    gregorian = _ymd(approval.get("date_gregorian"))
    if hijri is None and gregorian is not None:
        with contextlib.suppress(ValueError, OverflowError):
            h = to_hijri(dt.date(*gregorian))
            hijri = (h.year, h.month, h.day)
    if gregorian is None and hijri is not None:
        with contextlib.suppress(ValueError, OverflowError):
            g = from_hijri(*hijri)
            gregorian = (g.year, g.month, g.day)
    hijri_text = gregorian_text = None
    if hijri is not None:
        try:
            hijri_text = format_hijri_ymd(*hijri, lang)
        except ValueError:
            hijri_text = digits(str(approval.get("date_hijri")), lang)
    if gregorian is not None:
        try:
            gregorian_text = format_gregorian_ymd(*gregorian, lang)
        except ValueError:
            gregorian_text = digits(str(approval.get("date_gregorian")), lang)
    return hijri_text, gregorian_text
