"""The items a case's receive and verify steps check, before anything is decided.

The policies say what the steps are for ("make sure the applicant supplied all required
information; match the data and check its validity at the time of submission"), not which
items: this is the sector's usual list. A step the pinned procedure lacks gets no items; the
support request form is asked for only where the policy lists it among the staff's tools.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ItemSpec:
    step: str
    code: str
    kind: str  # "info" or "document"
    label_ar: str
    label_en: str
    requires_tool: str | None = None


DEFAULT_ITEMS: tuple[ItemSpec, ...] = (
    ItemSpec(
        "receive",
        "enquiries_answered",
        "info",
        "أُجيب المستفيد عن جميع استفساراته ومُنح الوقت الكافي",
        "The beneficiary's enquiries were all answered, with enough time given",
    ),
    ItemSpec(
        "receive",
        "identity_presented",
        "document",
        "اطُّلع على الهوية الوطنية أو الإقامة",
        "The national ID or iqama was presented",
    ),
    ItemSpec(
        "verify",
        "personal_data_matches",
        "info",
        "البيانات الشخصية مطابقة للهوية",
        "The personal data matches the ID",
    ),
    ItemSpec("verify", "mobile_confirmed", "info", "رقم الجوال مؤكَّد", "The mobile number is confirmed"),
    ItemSpec(
        "verify",
        "household_complete",
        "info",
        "بيانات أفراد الأسرة مكتملة",
        "The household details are complete",
    ),
    ItemSpec("verify", "income_proof", "document", "ما يثبت الدخل", "Proof of income"),
    ItemSpec(
        "verify",
        "support_request_form",
        "document",
        "نموذج طلب دعم مستفيد معبأ",
        "The beneficiary support request form, filled in",
        requires_tool="support_request_form",
    ),
)


def items_for(steps: tuple[str, ...], staff_tools: tuple[str, ...]) -> list[ItemSpec]:
    return [
        item
        for item in DEFAULT_ITEMS
        if item.step in steps and (item.requires_tool is None or item.requires_tool in staff_tools)
    ]
