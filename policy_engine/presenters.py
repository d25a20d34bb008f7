"""What the staff and board screens show of a policy version, shared by the diff page, the vote page
and the editor: the changes grouped under the document's own section headings, prose word by word."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from policy_engine.models import PolicyVersion
from policy_engine.rendering.words import labels_for
from policy_engine.rules.catalog import Lang
from policy_engine.rules.diff import Change
from policy_engine.rules.worddiff import Piece, word_diff
from policy_engine.rules.wording import TERMS

# Each change's place in the document, in reading order, by the heading the document prints there.
_SECTION_ORDER: tuple[str, ...] = (
    "title",
    "preamble",
    "general_goal",
    "detailed_goals",
    "channels",
    "staff_tools",
    "procedure",
    "intake_form",
    "checklists",
    "responsibilities",
    "acknowledgment",
    "contacts",
    "bank_accounts",
    "approval",
)
# Headings the printed policy does not carry (what the applicant is asked is not printed).
_OWN_HEADINGS: dict[str, tuple[str, str]] = {
    "intake_form": ("ما يقدّمه مقدم الطلب (نموذج الطلب)", "What the applicant gives (the intake form)"),
    "checklists": ("ما تتحقق منه كل خطوة (قوائم التحقق)", "What each step checks (checklists)"),
}


def _heading_key(change: Change) -> str:
    if change.section == "texts":
        key = (change.attribute or "").removesuffix("_ar").removesuffix("_en")
        return "approval" if key == "approval_note" else key
    if change.section == "headings":
        return change.attribute or "title"
    return {
        "beneficiary_term": "title",
        "staff_acknowledgment_required": "acknowledgment",
        "approval_seal": "approval",
        "decision_reason_shared": "procedure",
    }.get(change.section, change.section)


@dataclass(frozen=True)
class ShownChange:
    kind: str
    text: str
    old_pieces: tuple[Piece, ...] = ()
    new_pieces: tuple[Piece, ...] = ()
    lang: str = "ar"  # the language of the prose shown side by side

    @property
    def side_by_side(self) -> bool:
        return bool(self.old_pieces or self.new_pieces)


@dataclass(frozen=True)
class ShownSection:
    heading: str
    changes: tuple[ShownChange, ...]


def _prose_lang(change: Change) -> str:
    attribute = change.attribute or ""
    return "en" if attribute.endswith("_en") or attribute == "en" else "ar"


def _shown(change: Change, lang: Lang) -> ShownChange:
    text = change.describe(lang)
    prose_lang = _prose_lang(change)
    if change.words is not None:
        return ShownChange(
            change.kind,
            text,
            tuple(p for p in change.words if p.op != "added"),
            tuple(p for p in change.words if p.op != "removed"),
            prose_lang,
        )
    if change.section == "texts" and change.kind in ("added", "removed"):
        # A whole text added or removed: shown in full on its side.
        pieces = word_diff(str(change.old or ""), str(change.new or ""))
        return ShownChange(
            change.kind,
            text,
            tuple(p for p in pieces if p.op != "added"),
            tuple(p for p in pieces if p.op != "removed"),
            prose_lang,
        )
    return ShownChange(change.kind, text)


def diff_sections(changes: list[Change], *, document: dict[str, Any], lang: Lang) -> list[ShownSection]:
    """The changes under the headings of ``document`` (the newer version), in its reading order."""
    term = TERMS.get(str(document.get("beneficiary_term") or ""), TERMS["beneficiary"])
    labels = labels_for(lang, term)
    grouped: dict[str, list[ShownChange]] = {}
    for change in changes:
        grouped.setdefault(_heading_key(change), []).append(_shown(change, lang))
    own = document.get("headings") or {}
    for key, value in own.items() if isinstance(own, dict) else ():
        if isinstance(value, dict) and str(value.get(lang) or "").strip():
            labels[key] = str(value[lang])  # the heading as this policy prints it
    for key, (ar, en) in _OWN_HEADINGS.items():
        labels.setdefault(key, ar if lang == "ar" else en)
    # A change whose place the order does not name still shows, last, under its own heading.
    order = [*_SECTION_ORDER, *(key for key in grouped if key not in _SECTION_ORDER)]
    return [ShownSection(labels.get(key, key), tuple(grouped[key])) for key in order if key in grouped]


def default_comparison(new: PolicyVersion, in_force: PolicyVersion | None) -> PolicyVersion | None:
    """What a version is compared with when no one says: the version in force, else the one it
    was started from; None when there is nothing earlier (the first version)."""
    if in_force is not None and in_force.pk != new.pk:
        return in_force
    return new.based_on
