"""Field-level differences between two policy versions, readable by the board.

``diff(old, new)`` lists what an editor changed: channels, staff tools and steps added, removed or
reordered; step parameters (referral target, deciding body, review window); texts; the staff
acknowledgement flag; public contacts; bank accounts. Each :class:`Change` can describe itself in
Arabic or English («تغيّرت مدة دراسة الطلب من أسبوعين إلى شهر»).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any, Literal

from policy_engine.rules.catalog import CatalogKind, Lang, get_entry
from policy_engine.rules.document import (
    BankAccount,
    ChannelEntry,
    Contact,
    LocalizedText,
    PolicyDocument,
    ProcedureStep,
    StaffToolEntry,
)
from policy_engine.rules.normalise import normalise_document
from policy_engine.rules.worddiff import Piece, word_diff
from policy_engine.rules.wording import default_wording, to_words

ChangeKind = Literal["added", "removed", "changed", "moved"]
Section = Literal[
    "beneficiary_term",
    "texts",
    "detailed_goals",
    "channels",
    "staff_tools",
    "procedure",
    "staff_acknowledgment_required",
    "headings",
    "approval_seal",
    "decision_reason_shared",
    "contacts",
    "bank_accounts",
    "intake_form",
    "checklists",
]


@dataclass(frozen=True, slots=True)
class Change:
    """One difference. ``old``/``new`` are JSON values (None when absent); ``subject`` names the
    channel, tool, step, contact or account concerned; ``attribute`` the field of it that changed."""

    path: str
    kind: ChangeKind
    old: Any
    new: Any
    section: Section
    attribute: str | None = None
    subject: LocalizedText | None = None
    words: tuple[Piece, ...] | None = None  # changed prose, word by word
    # The old and new value in words, where the value itself is a code (a condition, a kind).
    worded: tuple[LocalizedText, LocalizedText] | None = None

    def describe(self, lang: Lang = "ar") -> str:
        from policy_engine.rules.diff_describe import describe

        return describe(self, lang)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "kind": self.kind,
            "old": self.old,
            "new": self.new,
            "section": self.section,
            "attribute": self.attribute,
            "subject": self.subject.to_dict() if self.subject is not None else None,
            "words": [piece.to_dict() for piece in self.words] if self.words is not None else None,
            "description_ar": self.describe("ar"),
            "description_en": self.describe("en"),
        }


def _names(label: Callable[[Lang], str]) -> LocalizedText:
    return LocalizedText(ar=label("ar"), en=label("en"))


def catalog_names(kind: CatalogKind, code: str) -> LocalizedText:
    entry = get_entry(kind, code)
    return LocalizedText(entry.label_ar, entry.label_en) if entry is not None else LocalizedText(code, code)


# --- Collections of coded entries --------------------------------------------------------------


def _moves(
    section: Section, old: Sequence[str], new: Sequence[str], names: dict[str, LocalizedText]
) -> list[Change]:
    """The entries kept in both versions that changed place, one change each, by name.

    The longest run of entries that kept their relative order stays put; every other kept entry
    moved. ``old``/``new`` of a move are its 1-based positions in each version's full list.
    """
    common = set(old) & set(new)
    old_order = [code for code in old if code in common]
    new_order = [code for code in new if code in common]
    if old_order == new_order:
        return []
    matcher = SequenceMatcher(a=old_order, b=new_order, autojunk=False)
    stayed = {
        code for block in matcher.get_matching_blocks() for code in old_order[block.a : block.a + block.size]
    }
    return [
        Change(
            f"{section}.{code}", "moved", list(old).index(code) + 1, index + 1, section, subject=names[code]
        )
        for index, code in enumerate(new)
        if code in common and code not in stayed
    ]


def _attribute_changes(
    path: str,
    section: Section,
    subject: LocalizedText,
    old: dict[str, Any],
    new: dict[str, Any],
    attributes: Sequence[str],
) -> list[Change]:
    changes: list[Change] = []
    for name in attributes:
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        kind: ChangeKind = "added" if before is None else "removed" if after is None else "changed"
        prose = kind == "changed" and name in _PROSE_ATTRIBUTES
        words = word_diff(str(before), str(after)) if prose else None
        changes.append(Change(f"{path}.{name}", kind, before, after, section, name, subject, words))
    return changes


_PROSE_ATTRIBUTES = frozenset({"label_ar", "label_en", "note_ar", "note_en", "text_ar", "text_en"})


def _diff_channels(old: PolicyDocument, new: PolicyDocument) -> list[Change]:
    return _diff_entries(
        "channels", old.channels, new.channels, ("label_ar", "label_en"), lambda entry: _names(entry.label)
    )


def _diff_tools(old: PolicyDocument, new: PolicyDocument) -> list[Change]:
    return _diff_entries(
        "staff_tools",
        old.staff_tools,
        new.staff_tools,
        ("label_ar", "label_en", "document", "note_ar", "note_en"),
        lambda entry: _names(entry.label),
    )


def _entry_attributes(entry: ChannelEntry | StaffToolEntry) -> dict[str, Any]:
    data = entry.to_dict()
    return {} if isinstance(data, str) else data


def _diff_entries(
    section: Literal["channels", "staff_tools"],
    old: Sequence[ChannelEntry | StaffToolEntry],
    new: Sequence[ChannelEntry | StaffToolEntry],
    attributes: Sequence[str],
    names: Callable[[Any], LocalizedText],
) -> list[Change]:
    old_by_code = {entry.code: entry for entry in old}
    new_by_code = {entry.code: entry for entry in new}
    changes = [
        Change(f"{section}.{entry.code}", "removed", entry.to_dict(), None, section, subject=names(entry))
        for entry in old
        if entry.code not in new_by_code
    ]
    for entry in new:
        before = old_by_code.get(entry.code)
        if before is None:
            changes.append(
                Change(
                    f"{section}.{entry.code}", "added", None, entry.to_dict(), section, subject=names(entry)
                )
            )
        else:
            changes += _attribute_changes(
                f"{section}.{entry.code}",
                section,
                names(before),
                _entry_attributes(before),
                _entry_attributes(entry),
                attributes,
            )
    changes += _moves(section, [e.code for e in old], [e.code for e in new], {e.code: names(e) for e in new})
    return changes


def _step_params(step: ProcedureStep) -> dict[str, Any]:
    params = step.params()
    # An absent business_days flag means calendar days: not a change worth showing.
    params["business_days"] = bool(step.business_days)
    return params


def _wording(step: ProcedureStep, lang: Lang) -> str:
    """The step's sentence as the editor shows it (the template's unless it has its own), with
    its placeholders in words («[لجهة البت]»), never as ``{to_body}``."""
    own = step.text_ar if lang == "ar" else step.text_en
    return " ".join(to_words(own or default_wording(step.step, lang), lang).split())


def _wording_changes(before: ProcedureStep, after: ProcedureStep, subject: LocalizedText) -> list[Change]:
    changes: list[Change] = []
    languages: tuple[Lang, ...] = ("ar", "en")
    for lang in languages:
        was, now = _wording(before, lang), _wording(after, lang)
        if was != now:
            changes.append(
                Change(
                    f"procedure.{after.step}.text_{lang}",
                    "changed",
                    was,
                    now,
                    "procedure",
                    f"text_{lang}",
                    subject,
                    words=word_diff(was, now),
                )
            )
    return changes


def _diff_procedure(old: PolicyDocument, new: PolicyDocument) -> list[Change]:
    old_by_code = {step.step: step for step in old.procedure}
    new_by_code = {step.step: step for step in new.procedure}
    changes = [
        Change(
            f"procedure.{step.step}",
            "removed",
            step.to_dict(),
            None,
            "procedure",
            subject=catalog_names(CatalogKind.STEP, step.step),
        )
        for step in old.procedure
        if step.step not in new_by_code
    ]
    for step in new.procedure:
        subject = catalog_names(CatalogKind.STEP, step.step)
        before = old_by_code.get(step.step)
        if before is None:
            changes.append(
                Change(f"procedure.{step.step}", "added", None, step.to_dict(), "procedure", subject=subject)
            )
        else:
            changes += _attribute_changes(
                f"procedure.{step.step}",
                "procedure",
                subject,
                _step_params(before),
                _step_params(step),
                ("target", "body", "window", "business_days"),
            )
            changes += _wording_changes(before, step, subject)
    changes += _moves(
        "procedure",
        old.step_codes(),
        new.step_codes(),
        {code: catalog_names(CatalogKind.STEP, code) for code in new.step_codes()},
    )
    return changes


# --- Texts, flags ----------------------------------------------------------------------------------

_TEXT_FIELDS = (
    "title_ar",
    "title_en",
    "preamble_ar",
    "preamble_en",
    "general_goal_ar",
    "general_goal_en",
    "responsibilities_ar",
    "responsibilities_en",
    "approval_note_ar",
    "approval_note_en",
)


def _diff_headings(old: PolicyDocument, new: PolicyDocument) -> list[Change]:
    """A heading the policy words in its own way, changed (``attribute``: the section it heads)."""
    before, after = dict(old.headings), dict(new.headings)
    changes: list[Change] = []
    for key in [*before, *(k for k in after if k not in before)]:
        was, now = before.get(key), after.get(key)
        if was == now:
            continue
        kind: ChangeKind = "added" if was is None else "removed" if now is None else "changed"
        changes.append(
            Change(
                f"headings.{key}",
                kind,
                was.to_dict() if was is not None else None,
                now.to_dict() if now is not None else None,
                "headings",
                key,
            )
        )
    return changes


def _diff_seal(old: PolicyDocument, new: PolicyDocument) -> list[Change]:
    if old.approval_seal == new.approval_seal:
        return []
    return [Change("approval_seal", "changed", old.approval_seal, new.approval_seal, "approval_seal")]


def _diff_texts(old: PolicyDocument, new: PolicyDocument) -> list[Change]:
    changes: list[Change] = []
    for name in _TEXT_FIELDS:
        before, after = getattr(old, name), getattr(new, name)
        if before == after:
            continue
        kind: ChangeKind = "added" if not before else "removed" if not after else "changed"
        words = word_diff(before or "", after or "") if kind == "changed" else None
        changes.append(Change(name, kind, before, after, "texts", name, words=words))
    return changes


def _diff_goals(old: PolicyDocument, new: PolicyDocument) -> list[Change]:
    before = [(goal.ar, goal.en) for goal in old.detailed_goals]
    after = [(goal.ar, goal.en) for goal in new.detailed_goals]
    changes: list[Change] = []

    def removed(i: int) -> Change:
        return Change(
            f"detailed_goals[{i}]", "removed", old.detailed_goals[i].to_dict(), None, "detailed_goals"
        )

    def added(j: int) -> Change:
        return Change(
            f"detailed_goals[{j}]", "added", None, new.detailed_goals[j].to_dict(), "detailed_goals"
        )

    for tag, i1, i2, j1, j2 in SequenceMatcher(a=before, b=after, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        paired = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for offset in range(paired):
            i, j = i1 + offset, j1 + offset
            before_goal, after_goal = old.detailed_goals[i], new.detailed_goals[j]
            # The goal's words in the language that changed (Arabic when both did).
            lang_changed: Lang = "ar" if before_goal.ar != after_goal.ar else "en"
            changes.append(
                Change(
                    f"detailed_goals[{j}]",
                    "changed",
                    before_goal.to_dict(),
                    after_goal.to_dict(),
                    "detailed_goals",
                    lang_changed,
                    words=word_diff(before_goal.text(lang_changed), after_goal.text(lang_changed)),
                )
            )
        changes += [removed(i) for i in range(i1 + paired, i2)]
        changes += [added(j) for j in range(j1 + paired, j2)]
    return changes


def _diff_beneficiary_term(old: PolicyDocument, new: PolicyDocument) -> list[Change]:
    if old.beneficiary_term == new.beneficiary_term:
        return []
    return [
        Change("beneficiary_term", "changed", old.beneficiary_term, new.beneficiary_term, "beneficiary_term")
    ]


def _diff_acknowledgment(old: PolicyDocument, new: PolicyDocument) -> list[Change]:
    before, after = old.staff_acknowledgment_required, new.staff_acknowledgment_required
    if before == after:
        return []
    return [
        Change("staff_acknowledgment_required", "changed", before, after, "staff_acknowledgment_required")
    ]


def _diff_reason_shared(old: PolicyDocument, new: PolicyDocument) -> list[Change]:
    before, after = old.decision_reason_shared, new.decision_reason_shared
    if before == after:
        return []
    return [Change("decision_reason_shared", "changed", before, after, "decision_reason_shared")]


# --- Contacts and bank accounts ------------------------------------------------------------------

_CONTACT_KIND_NAMES: dict[str, LocalizedText] = {
    "email": LocalizedText("البريد الإلكتروني", "email"),
    "phone": LocalizedText("رقم الهاتف", "phone"),
    "facebook": LocalizedText("حساب فيسبوك", "Facebook"),
    "website": LocalizedText("الموقع الإلكتروني", "website"),
    "address": LocalizedText("العنوان", "address"),
    "other": LocalizedText("بيان التواصل", "contact"),
}


def _contact_kind_name(kind: str) -> LocalizedText:
    return _CONTACT_KIND_NAMES.get(kind, LocalizedText(kind, kind))


def _contact_key(contact: Contact) -> tuple[str, str]:
    return contact.kind, contact.value.strip().casefold()


def _diff_contacts(old: PolicyDocument, new: PolicyDocument) -> list[Change]:
    old_keys = {_contact_key(c): c for c in old.contacts}
    new_keys = {_contact_key(c): c for c in new.contacts}
    gone = [c for c in old.contacts if _contact_key(c) not in new_keys]
    came = [c for c in new.contacts if _contact_key(c) not in old_keys]
    changes: list[Change] = []

    # One value of a kind replaced by another (a new email address) reads better as a change.
    for kind in dict.fromkeys(c.kind for c in gone):
        gone_of_kind = [c for c in gone if c.kind == kind]
        came_of_kind = [c for c in came if c.kind == kind]
        if len(gone_of_kind) == 1 and len(came_of_kind) == 1:
            before, after = gone_of_kind[0], came_of_kind[0]
            changes.append(
                Change(
                    f"contacts.{kind}",
                    "changed",
                    before.to_dict(),
                    after.to_dict(),
                    "contacts",
                    "value",
                    _contact_kind_name(kind),
                )
            )
            gone.remove(before)
            came.remove(after)

    changes += [
        Change(
            f"contacts.{c.kind}[{c.value}]",
            "removed",
            c.to_dict(),
            None,
            "contacts",
            None,
            _contact_kind_name(c.kind),
        )
        for c in gone
    ]
    changes += [
        Change(
            f"contacts.{c.kind}[{c.value}]",
            "added",
            None,
            c.to_dict(),
            "contacts",
            None,
            _contact_kind_name(c.kind),
        )
        for c in came
    ]
    for key, current in new_keys.items():
        previous = old_keys.get(key)
        if previous is not None:
            changes += _attribute_changes(
                f"contacts.{current.kind}[{current.value}]",
                "contacts",
                _contact_kind_name(current.kind),
                previous.to_dict(),
                current.to_dict(),
                ("label_ar", "label_en"),
            )
    return changes


def _account_names(account: BankAccount) -> LocalizedText:
    return LocalizedText(account.label_ar, account.label_en)


def _diff_accounts(old: PolicyDocument, new: PolicyDocument) -> list[Change]:
    old_by_fund = {a.fund_code: a for a in old.bank_accounts}
    new_by_fund = {a.fund_code: a for a in new.bank_accounts}
    changes = [
        Change(
            f"bank_accounts.{a.fund_code}",
            "removed",
            a.to_dict(),
            None,
            "bank_accounts",
            None,
            _account_names(a),
        )
        for a in old.bank_accounts
        if a.fund_code not in new_by_fund
    ]
    for account in new.bank_accounts:
        before = old_by_fund.get(account.fund_code)
        if before is None:
            changes.append(
                Change(
                    f"bank_accounts.{account.fund_code}",
                    "added",
                    None,
                    account.to_dict(),
                    "bank_accounts",
                    None,
                    _account_names(account),
                )
            )
        else:
            changes += _attribute_changes(
                f"bank_accounts.{account.fund_code}",
                "bank_accounts",
                _account_names(account),
                before.to_dict(),
                account.to_dict(),
                ("label_ar", "label_en", "iban", "account_number_as_printed"),
            )
    return changes


def diff(old: PolicyDocument, new: PolicyDocument) -> list[Change]:
    """Every field-level difference from ``old`` to ``new``, in the order the policy reads.

    Both are normalised first, so a copy that differs only in line endings, trailing spaces or
    Unicode form (versions stored before normalisation) shows no difference."""
    old, new = _normalised(old), _normalised(new)
    return [
        *_diff_beneficiary_term(old, new),
        *_diff_texts(old, new),
        *_diff_headings(old, new),
        *_diff_goals(old, new),
        *_diff_channels(old, new),
        *_diff_tools(old, new),
        *_diff_procedure(old, new),
        *_diff_reason_shared(old, new),
        *_diff_acknowledgment(old, new),
        *_diff_seal(old, new),
        *_diff_contacts(old, new),
        *_diff_accounts(old, new),
        *_intake_changes(old, new),
    ]


def _intake_changes(old: PolicyDocument, new: PolicyDocument) -> list[Change]:
    # Imported here: intake_diff builds Change objects, so it imports this module.
    from policy_engine.rules.intake_diff import intake_changes

    return intake_changes(old, new)


def _normalised(document: PolicyDocument) -> PolicyDocument:
    return PolicyDocument.from_dict(normalise_document(document.to_dict()))
