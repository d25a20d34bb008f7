"""A policy version as a readable document: an HTML fragment, a standalone HTML page, or a PDF.

The output follows the structure of the five seed policies (سياسة تنظيم العلاقة مع المستفيدين):
title with the association's name and licence number, preamble, general goal, detailed goals,
contact channels in the association's own order, staff tools, the case-handling procedure (its
parameters in words: who the referral goes to, who decides, the review window «خلال أسبوعين»),
responsibilities and the staff acknowledgment when required, contacts and fund bank accounts, and
the board approval, or a "draft awaiting board approval" banner when there is none.

Inputs are plain mappings, so this works with seed data and with model instances alike::

    association = {"slug", "name_ar", "name_en", "licence_number"}
    document    = a policy document in the canonical JSON form (see policy_engine.rules.document)
    version     = {"number", "status"} or None
    approval    = {"meeting_number", "term", "session", "date_hijri", "date_gregorian",
                   "signatories": [{"name", "role_ar", "role_en"}]} or None

``lang="ar"`` renders right-to-left Arabic; ``lang="en"`` renders English wherever the document
has English, and falls back to the Arabic text, marked ``lang="ar" dir="rtl"``, where it has none.

PDFs are made by WeasyPrint from the same HTML, with the shipped Noto Sans Arabic webfonts loaded
from ``file://`` URLs: rendering never touches the network (see docs/adr/0007-policy-pdf.md).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import re
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import themes
from policy_engine.rules.catalog import CatalogKind, Lang, get_entry
from policy_engine.rules.document import (
    ChannelEntry,
    PolicyDocument,
    ProcedureStep,
    StaffToolEntry,
)
from policy_engine.rules.durations import DurationError, describe_duration
from themes.dates import HIJRI_MONTHS_AR, HIJRI_MONTHS_EN, from_hijri, to_hijri

if TYPE_CHECKING:
    from weasyprint.urls import URLFetcher

__all__ = [
    "FONT_DIR",
    "TEMPLATE_NAME",
    "RenderError",
    "build_context",
    "local_files_only_fetcher",
    "render_policy_html",
    "render_policy_pdf",
]

TEMPLATE_NAME = "policy_engine/policy_document.html"
_PACKAGE_DIR = Path(__file__).resolve().parent
_TEMPLATE_DIR = _PACKAGE_DIR / "templates"
_CSS_PATH = _PACKAGE_DIR / "static" / "policy_engine" / "policy.css"
FONT_DIR = Path(themes.__file__).resolve().parent / "static" / "sila" / "fonts"

# The shipped webfont is split in two subsets (Arabic and Latin) that carry the same internal name.
# WeasyPrint keys the fonts it embeds by family and weight, so two subsets under one CSS family
# would be merged into one PDF font and draw the wrong glyphs: each subset gets its own family.
FONT_FAMILY_ARABIC = "Noto Sans Arabic"
FONT_FAMILY_LATIN = "Noto Sans Arabic Latin"
_FONT_FILES: tuple[tuple[str, str, int], ...] = (
    (FONT_FAMILY_ARABIC, "noto-sans-arabic-arabic-400-normal", 400),
    (FONT_FAMILY_ARABIC, "noto-sans-arabic-arabic-700-normal", 700),
    (FONT_FAMILY_LATIN, "noto-sans-arabic-latin-400-normal", 400),
    (FONT_FAMILY_LATIN, "noto-sans-arabic-latin-700-normal", 700),
)

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


class RenderError(ValueError):
    """The inputs cannot be rendered (unknown language, or a document that is not a policy)."""


# --- Words ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Term:
    """How the document calls the people it serves, in the forms the generated sentences need."""

    ar: str  # المستفيد
    ar_plural: str  # المستفيدين (genitive, after a preposition)
    ar_for: str  # للمستفيد
    en: str  # beneficiary
    en_plural: str  # beneficiaries


TERMS: Mapping[str, Term] = {
    "beneficiary": Term("المستفيد", "المستفيدين", "للمستفيد", "beneficiary", "beneficiaries"),
    "user": Term("المستخدم", "المستخدمين", "للمستخدم", "user", "users"),
    "client": Term("العميل", "العملاء", "للعميل", "client", "clients"),
}


def _labels(lang: Lang, term: Term) -> dict[str, str]:
    if lang == "ar":
        return {
            "title": f"سياسة تنظيم العلاقة مع {term.ar_plural}",
            "licence": "ترخيص رقم",
            "version": "الإصدار",
            "preamble": "تمهيد",
            "general_goal": "الهدف العام",
            "detailed_goals": "الأهداف التفصيلية",
            "channels": f"القنوات المستخدمة للتواصل مع {term.ar_plural}",
            "staff_tools": f"الأدوات المتاحة لموظف علاقات {term.ar_plural}",
            "procedure": f"ويتم التعامل مع {term.ar} على مختلف المستويات لإنهاء معاملاته بالشكل التالي",
            "responsibilities": "المسؤوليات",
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
        "staff_tools": f"Tools available to the {term.en}-relations employee",
        "procedure": f"How a {term.en} is dealt with, at every level, until their request is completed",
        "responsibilities": "Responsibilities",
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
        "draft": "Draft awaiting board approval",
        "draft_note": "The board has not approved this version yet; it does not apply until it is approved.",
        "watermark": "DRAFT",
        "superseded": "Earlier version: a newer version of the policy has replaced it.",
        "page": "Page",
        "of": "of",
    }


_CONTACT_KINDS: Mapping[str, tuple[str, str]] = {
    "email": ("البريد الإلكتروني", "Email"),
    "phone": ("الهاتف", "Phone"),
    "facebook": ("فيسبوك", "Facebook"),
    "website": ("الموقع الإلكتروني", "Website"),
    "address": ("العنوان", "Address"),
    "other": ("أخرى", "Other"),
}


def _digits(text: str, lang: Lang) -> str:
    return text.translate(_ARABIC_INDIC) if lang == "ar" else text


def _ordinal(value: object, lang: Lang) -> str:
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
    return _digits(str(value).strip(), lang)


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


def _pick(ar: str | None, en: str | None, lang: Lang) -> Text:
    """The text in ``lang`` if there is one, else the other language's (Arabic first)."""
    ar_text = (ar or "").strip()
    en_text = (en or "").strip()
    if lang == "en" and en_text:
        return Text(en_text, "en")
    if ar_text:
        return Text(ar_text, "ar")
    return Text(en_text, "en")


def _as_written(value: str) -> Text:
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
        return _nbsp(_digits(f"{day} {HIJRI_MONTHS_AR[month - 1]} {year} هـ", lang))
    return _nbsp(f"{day} {HIJRI_MONTHS_EN[month - 1]} {year} AH")


def format_gregorian_ymd(year: int, month: int, day: int, lang: Lang) -> str:
    if not 1 <= month <= 12:
        raise ValueError(f"no Gregorian month {month}")
    if lang == "ar":
        return _nbsp(_digits(f"{day} {GREGORIAN_MONTHS_AR[month - 1]} {year} م", lang))
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
            hijri_text = _digits(str(approval.get("date_hijri")), lang)
    if gregorian is not None:
        try:
            gregorian_text = format_gregorian_ymd(*gregorian, lang)
        except ValueError:
            gregorian_text = _digits(str(approval.get("date_gregorian")), lang)
    return hijri_text, gregorian_text


# --- The context the template reads ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Goal:
    text: Text
    children: tuple[Text, ...] = ()


@dataclass(frozen=True, slots=True)
class Tool:
    label: Text
    note: Text | None = None
    document: str | None = None  # an uploaded file's id, served at /policy/documents/<id>


@dataclass(frozen=True, slots=True)
class ContactLine:
    label: Text
    value: Text
    href: str | None = None
    ltr: bool = True


@dataclass(frozen=True, slots=True)
class BankLine:
    label: Text
    kind_label: str
    number: str


@dataclass(frozen=True, slots=True)
class Signatory:
    name: Text
    role: Text


@dataclass(frozen=True, slots=True)
class Segment:
    """Part of a sentence; ``nowrap`` keeps it on one line (a date: «١٥ جمادى الأولى ١٤٤٣ هـ»)."""

    text: str
    nowrap: bool = False


def _segments(sentence: str, keep_together: Iterable[str | None]) -> tuple[Segment, ...]:
    pieces = sorted({piece for piece in keep_together if piece}, key=len, reverse=True)
    if not pieces:
        return (Segment(sentence),)
    pattern = re.compile("(" + "|".join(re.escape(piece) for piece in pieces) + ")")
    return tuple(
        Segment(part, nowrap=index % 2 == 1) for index, part in enumerate(pattern.split(sentence)) if part
    )


@dataclass(frozen=True, slots=True)
class ApprovalBlock:
    sentence: Text
    segments: tuple[Segment, ...]
    meeting_number: str | None
    date_hijri: str | None
    date_gregorian: str | None
    signatories: tuple[Signatory, ...] = ()


@dataclass(frozen=True, slots=True)
class PolicyContext:
    lang: Lang
    dir: str
    labels: Mapping[str, str]
    title: Text
    association_name: Text
    association_other_name: Text | None
    licence_number: str | None
    version_label: str | None
    is_draft: bool
    is_superseded: bool
    preamble: Text
    general_goal: Text
    goals: tuple[Goal, ...]
    channels: tuple[Text, ...]
    staff_tools: tuple[Tool, ...]
    steps: tuple[Text, ...]
    responsibilities: Text | None
    acknowledgment_required: bool
    contacts: tuple[ContactLine, ...]
    bank_accounts: tuple[BankLine, ...]
    approval: ApprovalBlock | None
    slug: str = ""


def _channel_label(entry: ChannelEntry, lang: Lang) -> Text:
    catalog = get_entry(CatalogKind.CHANNEL, entry.code)
    return _pick(
        entry.label_ar or (catalog.label_ar if catalog else None) or entry.code,
        entry.label_en or (catalog.label_en if catalog else None),
        lang,
    )


def _tool(entry: StaffToolEntry, lang: Lang) -> Tool:
    catalog = get_entry(CatalogKind.STAFF_TOOL, entry.code)
    label = _pick(
        entry.label_ar or (catalog.label_ar if catalog else None) or entry.code,
        entry.label_en or (catalog.label_en if catalog else None),
        lang,
    )
    note = _pick(entry.note_ar, entry.note_en, lang) if (entry.note_ar or entry.note_en) else None
    return Tool(label=label, note=note, document=entry.document)


def _party(code: str | None, lang: Lang) -> str:
    if not code:
        return "الجهة المختصة" if lang == "ar" else "the competent body"
    entry = get_entry(CatalogKind.PARTY, code)
    if entry is None:
        return code
    if lang == "ar":
        return entry.label_ar
    return "the " + entry.label_en[:1].lower() + entry.label_en[1:]


def _window(step: ProcedureStep, lang: Lang) -> str:
    if not step.window:
        return ""
    try:
        words = describe_duration(step.window, lang, case="genitive")
    except DurationError:
        words = step.window
    if lang == "ar":
        return f"خلال {words}" + (" من أيام العمل" if step.business_days else "")
    return f"within {words}" + (" (working days only)" if step.business_days else "")


def _step_text(step: ProcedureStep, term: Term, lang: Lang) -> Text:
    """One procedure step as the sentence the seed policies print, its parameters in words."""
    code = step.step
    if lang == "ar":
        sentences = {
            "receive": (
                f"استقبال {term.ar} بلباقة واحترام، والإجابة على جميع استفساراته، وإعطاؤه الوقت الكافي."
            ),
            "verify": (
                "التأكد من تقديم المراجع كافة المعلومات المطلوبة، وعلى الموظف مطابقة البيانات "
                "والتأكد من صلاحيتها وقت التقديم."
            ),
            "refer": (
                f"في حالة عدم وضوح الإجراءات {term.ar_for} فعلى الموظف "
                f"إحالته إلى {_party(step.target, lang)} للإجابة على تساؤلاته وإيضاح الجوانب التنظيمية."
            ),
            "attest": (
                "التأكد من صحة البيانات المقدمة من طالب الدعم وتوقيعه عليها، "
                "وأنه مسؤول مسؤولية مباشرة عن صحة المعلومات."
            ),
            "committee_review": (
                f"التوضيح {term.ar_for} بأن طلبه سيُرفع إلى {_party(step.body, lang)} لدراسته والرد عليه "
                f"بشأن قبوله أو رفضه {_window(step, lang)}."
            ),
            "register": "استكمال إجراءات التسجيل مع اكتمال الطلبات.",
            "serve": "تقديم الخدمة اللازمة.",
        }
    else:
        sentences = {
            "receive": (
                f"Receive the {term.en} courteously and respectfully, answer all their enquiries "
                "and give them enough time."
            ),
            "verify": (
                "Make sure the applicant has provided all the required information; the employee matches "
                "the data and checks that it is valid at the time of submission."
            ),
            "refer": (
                f"If the procedures are not clear to the {term.en}, the employee refers them to "
                f"{_party(step.target, lang)} to answer their questions and explain the organisational side."
            ),
            "attest": (
                "Make sure the data supplied by the support applicant is correct and signed by them; "
                "the applicant is directly responsible for the correctness of the information."
            ),
            "committee_review": (
                f"Explain to the {term.en} that their request will be referred to {_party(step.body, lang)}, "
                f"which will study it and answer, accepting or rejecting it, {_window(step, lang)}."
            ),
            "register": "Complete the registration once the request is complete.",
            "serve": "Deliver the required service.",
        }
    if code in sentences:
        return Text(" ".join(sentences[code].split()), lang)
    entry = get_entry(CatalogKind.STEP, code)
    return _pick(entry.label_ar if entry else code, entry.label_en if entry else None, lang)


def _goals(document: PolicyDocument, lang: Lang) -> tuple[Goal, ...]:
    """Detailed goals; the items after one that ends with a colon («... عن طريق ما يلي:») are its
    sub-items, as the seed policies print them."""
    goals: list[Goal] = []
    parent: Text | None = None
    children: list[Text] = []
    for goal in document.detailed_goals:
        text = _pick(goal.ar, goal.en, lang)
        if parent is not None:
            children.append(text)
            continue
        if goal.ar.rstrip().endswith((":", "：")) or goal.en.rstrip().endswith(":"):
            parent = text
        else:
            goals.append(Goal(text))
    if parent is not None:
        goals.append(Goal(parent, tuple(children)))
    return tuple(goals)


def _contacts(document: PolicyDocument, lang: Lang) -> tuple[ContactLine, ...]:
    lines: list[ContactLine] = []
    for contact in document.contacts:
        default_ar, default_en = _CONTACT_KINDS.get(contact.kind, _CONTACT_KINDS["other"])
        label = _pick(contact.label_ar or default_ar, contact.label_en or default_en, lang)
        value = contact.value.strip()
        href = None
        if contact.kind == "email" and "@" in value:
            href = f"mailto:{value}"
        elif contact.kind == "phone":
            href = "tel:" + re.sub(r"[^0-9+]", "", value)
        arabic = has_arabic(value)
        lines.append(
            ContactLine(label=label, value=_as_written(value), href=href, ltr=not arabic),
        )
    return tuple(lines)


def _group_iban(iban: str) -> str:
    compact = re.sub(r"\s+", "", iban).upper()
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def _bank_accounts(document: PolicyDocument, lang: Lang, labels: Mapping[str, str]) -> tuple[BankLine, ...]:
    lines: list[BankLine] = []
    for account in document.bank_accounts:
        if account.iban:
            kind, number = labels["iban"], _group_iban(account.iban)
        else:
            kind, number = labels["account_number"], (account.account_number_as_printed or "").strip()
        lines.append(
            BankLine(label=_pick(account.label_ar, account.label_en, lang), kind_label=kind, number=number)
        )
    return tuple(lines)


def _approval(approval: Mapping[str, Any], lang: Lang) -> ApprovalBlock:
    meeting = str(approval.get("meeting_number") or "").strip() or None
    term = approval.get("term")
    session = approval.get("session")
    hijri, gregorian = approval_dates(approval, lang)
    if lang == "ar":
        parts = ["اعتمد مجلس إدارة الجمعية هذه السياسة"]
        parts.append(f"في اجتماعه رقم ({meeting})" if meeting else "في اجتماعه")
        if term not in (None, ""):
            parts.append(f"في دورته ({_ordinal(term, lang)})")
        if session not in (None, ""):
            parts.append(f"في جلسته ({_ordinal(session, lang)})")
        if hijri and gregorian:
            parts.append(f"بتاريخ {hijri} الموافق {gregorian}")
        elif hijri or gregorian:
            parts.append(f"بتاريخ {hijri or gregorian}")
        sentence = " ".join(parts) + "."
    else:
        parts = ["The board of directors approved this policy"]
        parts.append(f"at its meeting no. {meeting}" if meeting else "at its meeting")
        if term not in (None, ""):
            parts.append(f"in its {_ordinal(term, lang)} term")
        if session not in (None, ""):
            parts.append(f"in its {_ordinal(session, lang)} session")
        if hijri and gregorian:
            parts.append(f"on {hijri} ({gregorian})")
        elif hijri or gregorian:
            parts.append(f"on {hijri or gregorian}")
        sentence = parts[0] + " " + ", ".join(parts[1:]) + "."
    signatories = tuple(
        Signatory(
            name=_as_written(str(person.get("name") or "")),
            role=_pick(person.get("role_ar"), person.get("role_en"), lang),
        )
        for person in approval.get("signatories") or ()
        if isinstance(person, Mapping)
    )
    return ApprovalBlock(
        sentence=Text(sentence, lang),
        segments=_segments(sentence, (hijri, gregorian)),
        meeting_number=meeting,
        date_hijri=hijri,
        date_gregorian=gregorian,
        signatories=signatories,
    )


def normalise_lang(lang: str) -> Lang:
    code = (lang or "").strip().lower().replace("_", "-").split("-")[0]
    if code == "ar":
        return "ar"
    if code == "en":
        return "en"
    raise RenderError(f"unsupported language {lang!r}: expected 'ar' or 'en'")


def build_context(
    *,
    association: Mapping[str, Any],
    document: Mapping[str, Any] | PolicyDocument,
    version: Mapping[str, Any] | None,
    approval: Mapping[str, Any] | None,
    lang: str,
) -> PolicyContext:
    """Everything the template shows, as words in the right language (no formatting left to it)."""
    language = normalise_lang(lang)
    policy = document if isinstance(document, PolicyDocument) else _parse(document)
    term = TERMS.get(policy.beneficiary_term, TERMS["beneficiary"])
    labels = _labels(language, term)
    licence = str(association.get("licence_number") or "").strip() or None
    version_label = None
    if version is not None and version.get("number") not in (None, ""):
        version_label = f"{labels['version']} {_digits(str(version['number']), language)}"
    status = str(version.get("status") or "") if version is not None else ""
    # The association's name in the page's language, and its name in the other language beside it
    # (the seeds' letterheads print both; the Arabic one is the official name).
    name = _pick(association.get("name_ar"), association.get("name_en"), language)
    other = association.get("name_en") if name.lang == "ar" else association.get("name_ar")
    other_name = Text(str(other).strip(), "en" if name.lang == "ar" else "ar") if other else None
    if other_name is not None and other_name.text in ("", name.text):
        other_name = None
    responsibilities = None
    if (policy.responsibilities_ar or "").strip() or (policy.responsibilities_en or "").strip():
        responsibilities = _pick(policy.responsibilities_ar, policy.responsibilities_en, language)
    return PolicyContext(
        lang=language,
        dir="rtl" if language == "ar" else "ltr",
        labels=labels,
        title=Text(labels["title"], language),
        association_name=name,
        association_other_name=other_name,
        licence_number=licence,
        version_label=version_label,
        is_draft=approval is None,
        is_superseded=status == "superseded",
        preamble=_pick(policy.preamble_ar, policy.preamble_en, language),
        general_goal=_pick(policy.general_goal_ar, policy.general_goal_en, language),
        goals=_goals(policy, language),
        channels=tuple(_channel_label(entry, language) for entry in policy.channels),
        staff_tools=tuple(_tool(entry, language) for entry in policy.staff_tools),
        steps=tuple(_step_text(step, term, language) for step in policy.procedure),
        responsibilities=responsibilities,
        acknowledgment_required=policy.staff_acknowledgment_required,
        contacts=_contacts(policy, language),
        bank_accounts=_bank_accounts(policy, language, labels),
        approval=_approval(approval, language) if approval is not None else None,
        slug=str(association.get("slug") or ""),
    )


def _parse(document: Mapping[str, Any]) -> PolicyDocument:
    try:
        return PolicyDocument.from_dict(document)
    except ValueError as error:
        raise RenderError(f"not a policy document: {error}") from error


# --- Templates and styles ---------------------------------------------------------------------------


def _template() -> Any:
    """The project's template (so a theme may override it) when policy_engine is an installed app;
    otherwise the same file through a standalone engine, so rendering works without Django set up."""
    from django.apps import apps
    from django.conf import settings

    if settings.configured and apps.ready and apps.is_installed("policy_engine"):
        from django.template.loader import get_template

        return get_template(TEMPLATE_NAME)
    return _standalone_engine().get_template(TEMPLATE_NAME)


@cache
def _standalone_engine() -> Any:
    from django.template import Engine

    return Engine(dirs=[str(_TEMPLATE_DIR)], debug=False, autoescape=True)


def _render(template_context: dict[str, Any]) -> str:
    template = _template()
    from django.template import Context
    from django.template.base import Template as EngineTemplate

    if isinstance(template, EngineTemplate):
        return template.render(Context(template_context, autoescape=True, use_l10n=False))
    return template.render(template_context)


@cache
def policy_css() -> str:
    return _CSS_PATH.read_text(encoding="utf-8")


def font_face_css(url_for: Any, *, formats: Sequence[str] = ("woff2", "woff")) -> str:
    """@font-face rules for the shipped fonts; ``url_for(filename)`` gives each file's URL."""
    rules = []
    for family, stem, weight in _FONT_FILES:
        sources = ", ".join(f'url("{url_for(f"{stem}.{ext}")}") format("{ext}")' for ext in formats)
        rules.append(
            f'@font-face {{ font-family: "{family}"; font-style: normal; font-weight: {weight}; '
            f"font-display: swap; src: {sources}; }}"
        )
    return "\n".join(rules)


def _static_font_url(filename: str) -> str:
    from django.conf import settings

    if settings.configured:
        from django.templatetags.static import static

        return static(f"sila/fonts/{filename}")
    return (FONT_DIR / filename).as_uri()


def _file_font_url(filename: str) -> str:
    return (FONT_DIR / filename).as_uri()


def _page_css(context: PolicyContext) -> str:
    labels = context.labels
    style = "arabic-indic" if context.lang == "ar" else "decimal"
    page = f'"{labels["page"]} " counter(page, {style}) " {labels["of"]} " counter(pages, {style})'
    return f"@page {{ @bottom-center {{ content: {page}; }} }}"


def _template_context(context: PolicyContext, *, standalone: bool, for_pdf: bool) -> dict[str, Any]:
    styles = ""
    if standalone:
        fonts = (
            font_face_css(_file_font_url, formats=("woff",))
            if for_pdf
            else font_face_css(_static_font_url, formats=("woff2", "woff"))
        )
        styles = "\n".join((fonts, policy_css(), _page_css(context)))
    return {"policy": context, "standalone": standalone, "for_pdf": for_pdf, "styles": styles}


def render_policy_html(
    *,
    association: Mapping[str, Any],
    document: Mapping[str, Any] | PolicyDocument,
    version: Mapping[str, Any] | None,
    approval: Mapping[str, Any] | None,
    lang: str,
    standalone: bool,
) -> str:
    """The policy as HTML: an ``<article>`` fragment to put in a page that links
    ``policy_engine/policy.css``, or (``standalone``) a complete page with its styles and fonts."""
    context = build_context(
        association=association, document=document, version=version, approval=approval, lang=lang
    )
    return _render(_template_context(context, standalone=standalone, for_pdf=False))


# --- PDF ------------------------------------------------------------------------------------------------


def _weasyprint() -> Any:
    try:
        import weasyprint
    except OSError as error:  # pragma: no cover - depends on the machine's system libraries
        raise RenderError(f"WeasyPrint cannot load its system libraries (Pango): {error}") from error
    return weasyprint


@cache
def _local_fetcher_class() -> type[URLFetcher]:
    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    class _LocalFilesOnlyFetcher(URLFetcher):
        """Fetches ``file://`` URLs under the allowed folders and refuses everything else, fatally:
        a policy PDF never reaches the network."""

        def __init__(self, allowed_dirs: Sequence[Path] = (), **kwargs: Any) -> None:
            super().__init__(allowed_protocols={"file"}, **kwargs)
            self.allowed_dirs = tuple(Path(p).resolve() for p in (*allowed_dirs, FONT_DIR, _CSS_PATH.parent))
            self.fetched: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            if not url.startswith("file://"):
                raise FatalURLFetchingError(f"policy PDFs load local files only, refused {url!r}")
            from urllib.parse import unquote, urlsplit

            path = Path(unquote(urlsplit(url).path)).resolve()
            if not any(path.is_relative_to(folder) for folder in self.allowed_dirs):
                raise FatalURLFetchingError(f"policy PDFs load the shipped assets only, refused {url!r}")
            self.fetched.append(url)
            return super().fetch(url, headers)

    return _LocalFilesOnlyFetcher


def local_files_only_fetcher(allowed_dirs: Sequence[Path] = (), **kwargs: Any) -> URLFetcher:
    """A WeasyPrint URL fetcher that only reads the shipped fonts and styles (``file://``)."""
    fetcher: URLFetcher = _local_fetcher_class()(allowed_dirs, **kwargs)
    return fetcher


# Noto Sans Arabic draws a letter as a dotless skeleton plus its dots, and shares both among
# letters, so the PDF's glyph-to-text map cannot say which letter a glyph was: copied or searched
# Arabic text comes out wrong. While a policy PDF is drawn, each text run that holds Arabic is
# wrapped in a marked-content span whose /ActualText is the run's real text (ISO 32000-1, 14.9.4),
# which PDF readers use for copy, search and accessibility. English runs keep the glyph map.
_ACTUAL_TEXT = contextvars.ContextVar("sila_policy_actual_text", default=False)
_INSTALL_LOCK = threading.Lock()
_installed = False


def _install_actual_text() -> bool:
    global _installed
    with _INSTALL_LOCK:
        if _installed:
            return True
        try:
            import pydyf
            from weasyprint.formatting_structure.boxes import TextBox
            from weasyprint.pdf.stream import Stream
        except ImportError:  # pragma: no cover - another WeasyPrint layout
            return False
        original = getattr(Stream, "marked", None)
        if original is None:  # pragma: no cover - another WeasyPrint version
            return False

        @contextlib.contextmanager
        def marked(self: Any, box: Any, tag: str) -> Iterator[None]:
            text = getattr(box, "text", "") if isinstance(box, TextBox) else ""
            if not (_ACTUAL_TEXT.get() and text and has_arabic(text)):
                with original(self, box, tag):
                    yield
                return
            properties: dict[str, Any] = {"ActualText": pydyf.String(text)}
            tags = getattr(self, "_tags", None)
            if tags is not None:  # a tagged PDF: keep WeasyPrint's structure bookkeeping
                properties["MCID"] = len(tags)
                tags[box] = {"tag": tag, "mcid": properties["MCID"]}
            pydyf.Stream.begin_marked_content(self, tag, pydyf.Dictionary(properties))
            try:
                yield
            finally:
                pydyf.Stream.end_marked_content(self)

        marked.__wrapped__ = original  # type: ignore[attr-defined]
        Stream.marked = marked
        _installed = True
        return True


def render_policy_pdf(
    *,
    association: Mapping[str, Any],
    document: Mapping[str, Any] | PolicyDocument,
    version: Mapping[str, Any] | None,
    approval: Mapping[str, Any] | None,
    lang: str,
    url_fetcher: URLFetcher | None = None,
) -> bytes:
    """The policy as an A4 PDF (bytes starting with ``%PDF``), with the shipped fonts embedded.

    Nothing is fetched but the shipped font files; pass ``url_fetcher`` to watch or restrict that.
    """
    weasyprint = _weasyprint()
    context = build_context(
        association=association, document=document, version=version, approval=approval, lang=lang
    )
    html = _render(_template_context(context, standalone=True, for_pdf=True))
    fetcher = url_fetcher if url_fetcher is not None else local_files_only_fetcher()
    _install_actual_text()
    token = _ACTUAL_TEXT.set(True)
    try:
        document_pdf = weasyprint.HTML(
            string=html, base_url=_PACKAGE_DIR.as_uri() + "/", url_fetcher=fetcher
        ).write_pdf()
    finally:
        _ACTUAL_TEXT.reset(token)
    if not isinstance(document_pdf, bytes):  # pragma: no cover - write_pdf() without a target
        raise RenderError("WeasyPrint returned no PDF")
    return document_pdf
