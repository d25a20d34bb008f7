"""The standard code catalog shared by every association's policy.

A policy document refers to channels, staff tools, procedure steps and parties (referral targets
and deciding bodies) by these codes, so the case engine and reports can compare associations.
The Arabic labels use the wording of the five seed policies; an association that needs
something outside the catalog uses a custom entry (``custom:<slug>``) with its own labels.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Literal

Lang = Literal["ar", "en"]

CUSTOM_PREFIX = "custom:"
_CUSTOM_SLUG = re.compile(r"[a-z0-9]+(?:[_-][a-z0-9]+)*", re.ASCII)


class CatalogKind(StrEnum):
    CHANNEL = "channel"
    STAFF_TOOL = "staff_tool"
    STEP = "step"
    PARTY = "party"
    BENEFICIARY_TERM = "beneficiary_term"


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    code: str
    label_ar: str
    label_en: str

    def label(self, lang: Lang) -> str:
        return self.label_ar if lang == "ar" else self.label_en


class UnknownCodeError(KeyError):
    """A code that is neither in the catalog for its kind nor a custom code."""

    def __init__(self, kind: CatalogKind, code: str) -> None:
        super().__init__(f"unknown {kind.value} code: {code!r}")
        self.kind = kind
        self.code = code


def _table(*entries: CatalogEntry) -> Mapping[str, CatalogEntry]:
    return MappingProxyType({entry.code: entry for entry in entries})


CHANNELS: Mapping[str, CatalogEntry] = _table(
    CatalogEntry("interview", "المقابلة", "In-person interview"),
    CatalogEntry("phone", "الاتصالات الهاتفية", "Phone calls"),
    CatalogEntry("social_media", "وسائل التواصل الاجتماعي", "Social media"),
    CatalogEntry("letters", "الخطابات", "Letters"),
    CatalogEntry("help_request", "خدمات طلب المساعدة", "Help-request services"),
    CatalogEntry("volunteering", "خدمة التطوع", "Volunteering service"),
    CatalogEntry("website", "الموقع الإلكتروني للجمعية", "The association's website"),
    CatalogEntry("branch_representatives", "مناديب المكاتب الفرعية", "Branch-office representatives"),
    CatalogEntry("branch_offices", "فروع الجمعية ومكاتبها", "The association's branches and offices"),
)

STAFF_TOOLS: Mapping[str, CatalogEntry] = _table(
    CatalogEntry("bylaws", "اللائحة الأساسية للجمعية", "The association's basic bylaws"),
    CatalogEntry("social_research_guide", "دليل خدمات البحث الاجتماعي", "Social research services guide"),
    CatalogEntry("support_policy_guide", "دليل سياسة الدعم للمستفيدين", "Beneficiary support policy guide"),
    CatalogEntry("support_request_form", "طلب دعم مستفيد", "Beneficiary support request form"),
    CatalogEntry("support_regulation", "لائحة الدعم للمستفيدين", "Beneficiary support regulation"),
)

STEPS: Mapping[str, CatalogEntry] = _table(
    CatalogEntry("receive", "استقبال المستفيد والإجابة على استفساراته", "Receive the beneficiary"),
    CatalogEntry("verify", "التأكد من اكتمال المعلومات ومطابقة البيانات", "Check and match the information"),
    CatalogEntry("refer", "الإحالة لتوضيح الإجراءات", "Refer to explain the procedures"),
    CatalogEntry("attest", "توقيع مقدم الطلب على صحة البيانات", "Applicant signs that the data is correct"),
    CatalogEntry(
        "committee_review", "دراسة الطلب والرد بالقبول أو الرفض", "Study and decide (accept or reject)"
    ),
    CatalogEntry("register", "استكمال إجراءات التسجيل", "Complete the registration"),
    CatalogEntry("serve", "تقديم الخدمة اللازمة", "Deliver the service"),
)

PARTIES: Mapping[str, CatalogEntry] = _table(
    CatalogEntry("social_research_officer", "مسئول البحث الاجتماعي", "Social research officer"),
    CatalogEntry("administration", "الإدارة", "Administration"),
    CatalogEntry("research_committee", "لجنة البحث", "Research committee"),
)

BENEFICIARY_TERMS: Mapping[str, CatalogEntry] = _table(
    CatalogEntry("beneficiary", "المستفيد", "beneficiary"),
    CatalogEntry("user", "المستخدم", "user"),
    CatalogEntry("client", "العميل", "client"),
)

_TABLES: Mapping[CatalogKind, Mapping[str, CatalogEntry]] = MappingProxyType(
    {
        CatalogKind.CHANNEL: CHANNELS,
        CatalogKind.STAFF_TOOL: STAFF_TOOLS,
        CatalogKind.STEP: STEPS,
        CatalogKind.PARTY: PARTIES,
        CatalogKind.BENEFICIARY_TERM: BENEFICIARY_TERMS,
    }
)

# Only these kinds accept association-defined ("custom:<slug>") entries.
CUSTOMIZABLE_KINDS: frozenset[CatalogKind] = frozenset({CatalogKind.CHANNEL, CatalogKind.STAFF_TOOL})


def codes(kind: CatalogKind) -> tuple[str, ...]:
    """The standard codes of one kind, in catalog order."""
    return tuple(_TABLES[kind])


def get_entry(kind: CatalogKind, code: str) -> CatalogEntry | None:
    return _TABLES[kind].get(code)


def require_entry(kind: CatalogKind, code: str) -> CatalogEntry:
    entry = get_entry(kind, code)
    if entry is None:
        raise UnknownCodeError(kind, code)
    return entry


def is_standard(kind: CatalogKind, code: str) -> bool:
    return code in _TABLES[kind]


def is_custom_code(code: str) -> bool:
    """True for a well-formed ``custom:<slug>`` code (slug: lowercase ASCII, digits, ``_`` or ``-``)."""
    return code.startswith(CUSTOM_PREFIX) and _CUSTOM_SLUG.fullmatch(code[len(CUSTOM_PREFIX) :]) is not None


def looks_custom(code: str) -> bool:
    """True when the code claims to be custom, well-formed or not."""
    return code.startswith(CUSTOM_PREFIX)


def label(kind: CatalogKind, code: str, lang: Lang) -> str:
    """The catalog label of a standard code; raises :class:`UnknownCodeError` otherwise."""
    return require_entry(kind, code).label(lang)


def channel(code: str) -> CatalogEntry:
    return require_entry(CatalogKind.CHANNEL, code)


def staff_tool(code: str) -> CatalogEntry:
    return require_entry(CatalogKind.STAFF_TOOL, code)


def step(code: str) -> CatalogEntry:
    return require_entry(CatalogKind.STEP, code)


def party(code: str) -> CatalogEntry:
    return require_entry(CatalogKind.PARTY, code)


def beneficiary_term(code: str) -> CatalogEntry:
    return require_entry(CatalogKind.BENEFICIARY_TERM, code)
