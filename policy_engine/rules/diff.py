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
from policy_engine.rules.durations import DurationError, describe_duration

ChangeKind = Literal["added", "removed", "changed", "reordered"]
Section = Literal[
    "beneficiary_term",
    "texts",
    "detailed_goals",
    "channels",
    "staff_tools",
    "procedure",
    "staff_acknowledgment_required",
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

    def describe(self, lang: Lang = "ar") -> str:
        return _describe(self, lang)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "kind": self.kind,
            "old": self.old,
            "new": self.new,
            "section": self.section,
            "attribute": self.attribute,
            "subject": self.subject.to_dict() if self.subject is not None else None,
            "description_ar": self.describe("ar"),
            "description_en": self.describe("en"),
        }


def _names(label: Callable[[Lang], str]) -> LocalizedText:
    return LocalizedText(ar=label("ar"), en=label("en"))


def _catalog_names(kind: CatalogKind, code: str) -> LocalizedText:
    entry = get_entry(kind, code)
    return LocalizedText(entry.label_ar, entry.label_en) if entry is not None else LocalizedText(code, code)


# --- Collections of coded entries --------------------------------------------------------------


def _reorder(
    section: Section, old: Sequence[str], new: Sequence[str], names: dict[str, LocalizedText]
) -> list[Change]:
    """One change when the entries kept in both versions are in a different order.

    ``old``/``new`` are the kept codes in each order; ``subject`` is the new order in words.
    """
    common = set(old) & set(new)
    old_order = [code for code in old if code in common]
    new_order = [code for code in new if code in common]
    if old_order == new_order:
        return []
    subject = LocalizedText(
        ar="، ".join(names[code].ar for code in new_order),
        en=", ".join(names[code].en for code in new_order),
    )
    return [Change(section, "reordered", old_order, new_order, section, subject=subject)]


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
        changes.append(Change(f"{path}.{name}", kind, before, after, section, name, subject))
    return changes


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
    changes += _reorder(
        section, [e.code for e in old], [e.code for e in new], {e.code: names(e) for e in new}
    )
    return changes


def _step_params(step: ProcedureStep) -> dict[str, Any]:
    params = step.params()
    # An absent business_days flag means calendar days: not a change worth showing.
    params["business_days"] = bool(step.business_days)
    return params


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
            subject=_catalog_names(CatalogKind.STEP, step.step),
        )
        for step in old.procedure
        if step.step not in new_by_code
    ]
    for step in new.procedure:
        subject = _catalog_names(CatalogKind.STEP, step.step)
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
    changes += _reorder(
        "procedure",
        old.step_codes(),
        new.step_codes(),
        {code: _catalog_names(CatalogKind.STEP, code) for code in new.step_codes()},
    )
    return changes


# --- Texts, flags ----------------------------------------------------------------------------------

_TEXT_FIELDS = (
    "preamble_ar",
    "preamble_en",
    "general_goal_ar",
    "general_goal_en",
    "responsibilities_ar",
    "responsibilities_en",
)


def _diff_texts(old: PolicyDocument, new: PolicyDocument) -> list[Change]:
    changes: list[Change] = []
    for name in _TEXT_FIELDS:
        before, after = getattr(old, name), getattr(new, name)
        if before == after:
            continue
        kind: ChangeKind = "added" if not before else "removed" if not after else "changed"
        changes.append(Change(name, kind, before, after, "texts", name))
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
            changes.append(
                Change(
                    f"detailed_goals[{j}]",
                    "changed",
                    old.detailed_goals[i].to_dict(),
                    new.detailed_goals[j].to_dict(),
                    "detailed_goals",
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
    """Every field-level difference from ``old`` to ``new``, in the order the policy reads."""
    return [
        *_diff_beneficiary_term(old, new),
        *_diff_texts(old, new),
        *_diff_goals(old, new),
        *_diff_channels(old, new),
        *_diff_tools(old, new),
        *_diff_procedure(old, new),
        *_diff_acknowledgment(old, new),
        *_diff_contacts(old, new),
        *_diff_accounts(old, new),
        *_intake_changes(old, new),
    ]


def _intake_changes(old: PolicyDocument, new: PolicyDocument) -> list[Change]:
    # Imported here: intake_diff builds Change objects, so it imports this module.
    from policy_engine.rules.intake_diff import intake_changes

    return intake_changes(old, new)


# --- Describing a change --------------------------------------------------------------------------

_TEXT_NAMES: dict[str, LocalizedText] = {
    "preamble_ar": LocalizedText("التمهيد (بالعربية)", "preamble (Arabic)"),
    "preamble_en": LocalizedText("التمهيد (بالإنجليزية)", "preamble (English)"),
    "general_goal_ar": LocalizedText("الهدف العام (بالعربية)", "general goal (Arabic)"),
    "general_goal_en": LocalizedText("الهدف العام (بالإنجليزية)", "general goal (English)"),
    "responsibilities_ar": LocalizedText("المسؤوليات (بالعربية)", "responsibilities (Arabic)"),
    "responsibilities_en": LocalizedText("المسؤوليات (بالإنجليزية)", "responsibilities (English)"),
}

_ATTRIBUTE_NAMES: dict[str, LocalizedText] = {
    "label_ar": LocalizedText("التسمية العربية", "Arabic label"),
    "label_en": LocalizedText("التسمية الإنجليزية", "English label"),
    "document": LocalizedText("المستند المرفق", "attached document"),
    "note_ar": LocalizedText("الملاحظة العربية", "Arabic note"),
    "note_en": LocalizedText("الملاحظة الإنجليزية", "English note"),
    "iban": LocalizedText("رقم الآيبان", "IBAN"),
    "account_number_as_printed": LocalizedText("رقم الحساب كما هو مطبوع", "account number as printed"),
}

# (Arabic noun for the thing, English noun, Arabic verbs for added/removed agreeing in gender)
_ENTRY_WORDS: dict[str, tuple[str, str, str, str]] = {
    "channels": ("قناة", "Channel", "أضيفت", "حذفت"),
    "staff_tools": ("أداة", "Staff tool", "أضيفت", "حذفت"),
    "procedure": ("خطوة", "Step", "أضيفت", "حذفت"),
    "contacts": ("وسيلة تواصل", "Contact", "أضيفت", "حذفت"),
    "bank_accounts": ("حساب بنكي", "Bank account", "أضيف", "حذف"),
}
_ORDER_WORDS: dict[str, LocalizedText] = {
    "channels": LocalizedText("تغيّر ترتيب القنوات", "Channel order changed"),
    "staff_tools": LocalizedText("تغيّر ترتيب الأدوات", "Staff tool order changed"),
    "procedure": LocalizedText("تغيّر ترتيب خطوات الإجراء", "Procedure step order changed"),
}


def _shorten(text: str, limit: int = 100) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _quote(text: str, lang: Lang) -> str:
    return f"«{text}»" if lang == "ar" else f"'{text}'"


def _party(code: object, lang: Lang) -> str:
    """A party's name for use inside a sentence ("the research committee")."""
    if not isinstance(code, str):
        return "—"
    name = _catalog_names(CatalogKind.PARTY, code).text(lang)
    return (
        name
        if lang == "ar" or get_entry(CatalogKind.PARTY, code) is None
        else f"the {name[:1].lower()}{name[1:]}"
    )


def _window_words(value: object, lang: Lang) -> str:
    if not isinstance(value, str):
        return "—"
    try:
        return describe_duration(value, lang, case="genitive")
    except DurationError:
        return value


def _entry_summary(change: Change, lang: Lang) -> str:
    """What was added or removed, in a few words."""
    value = change.new if change.kind == "added" else change.old
    name = change.subject.text(lang) if change.subject is not None else str(value)
    if change.section == "procedure" and isinstance(value, dict):
        step = ProcedureStep.from_dict(value)
        if step.target:
            name += f" ({'إلى' if lang == 'ar' else 'to'} {_party(step.target, lang)})"
        elif step.body and step.window:
            body, window = _party(step.body, lang), _window_words(step.window, lang)
            name += f" ({body}، {'خلال' if lang == 'ar' else 'within'} {window})"
            if lang == "en":
                name = name.replace("، ", ", ")
    elif change.section == "contacts" and isinstance(value, dict):
        name = f"{name} {value.get('value', '')}"
    elif change.section == "bank_accounts" and isinstance(value, dict):
        number = value.get("iban") or value.get("account_number_as_printed")
        if number:
            name = f"{name} ({number})"
    return name


def _describe_param(change: Change, lang: Lang) -> str:
    ar = lang == "ar"
    if change.attribute == "window":
        before, after = _window_words(change.old, lang), _window_words(change.new, lang)
        if ar:
            return f"تغيّرت مدة دراسة الطلب من {before} إلى {after}"
        return f"The review window changed from {before} to {after}"
    if change.attribute == "body":
        before, after = _party(change.old, lang), _party(change.new, lang)
        if ar:
            return f"تغيّرت الجهة التي تدرس الطلب وتبتّ فيه من {before} إلى {after}"
        return f"The deciding body changed from {before} to {after}"
    if change.attribute == "target":
        before, after = _party(change.old, lang), _party(change.new, lang)
        if ar:
            return f"تغيّرت جهة الإحالة من {before} إلى {after}"
        return f"The referral target changed from {before} to {after}"
    if change.new:
        if ar:
            return "أصبحت مدة دراسة الطلب تحسب بأيام العمل (من الأحد إلى الخميس)"
        return "The review window now counts business days (Sunday to Thursday)"
    return (
        "أصبحت مدة دراسة الطلب تحسب بالأيام التقويمية" if ar else "The review window now counts calendar days"
    )


def _describe_attribute(change: Change, lang: Lang) -> str:
    ar = lang == "ar"
    attribute = _ATTRIBUTE_NAMES.get(
        change.attribute or "", LocalizedText(str(change.attribute), str(change.attribute))
    )
    noun_ar, noun_en, _, _ = _ENTRY_WORDS[change.section]
    owner = change.subject.text(lang) if change.subject is not None else ""
    where = f"{noun_ar} {_quote(owner, lang)}" if ar else f"{noun_en.lower()} {_quote(owner, lang)}"
    if change.kind == "added":
        value = _quote(str(change.new), lang)
        return (
            f"إضافة {attribute.ar} إلى {where}: {value}"
            if ar
            else f"{attribute.en} added to {where}: {value}"
        )
    if change.kind == "removed":
        return f"حذف {attribute.ar} من {where}" if ar else f"{attribute.en} removed from {where}"
    before, after = _quote(str(change.old), lang), _quote(str(change.new), lang)
    if ar:
        return f"تعديل {attribute.ar} في {where} من {before} إلى {after}"
    return f"{attribute.en} of {where} changed from {before} to {after}"


def _describe(change: Change, lang: Lang) -> str:
    ar = lang == "ar"
    section = change.section
    if section in ("intake_form", "checklists"):
        from policy_engine.rules.intake_diff import describe_intake_change

        return describe_intake_change(change, lang)

    if section == "beneficiary_term":
        before = _catalog_names(CatalogKind.BENEFICIARY_TERM, str(change.old)).text(lang)
        after = _catalog_names(CatalogKind.BENEFICIARY_TERM, str(change.new)).text(lang)
        if ar:
            return f"تغيّرت تسمية المستفيد من {_quote(before, lang)} إلى {_quote(after, lang)}"
        return f"The term for the people served changed from {_quote(before, lang)} to {_quote(after, lang)}"

    if section == "staff_acknowledgment_required":
        if change.new:
            if ar:
                return "أصبح على جميع العاملين الاطلاع على السياسة والتوقيع عليها"
            return "All staff must now read and sign the policy"
        return (
            "لم يعد مطلوبًا من العاملين التوقيع على السياسة"
            if ar
            else "Staff no longer need to sign the policy"
        )

    if section == "texts":
        name = _TEXT_NAMES[change.attribute or ""].text(lang)
        verbs = {
            "added": ("أضيف نص", "text added"),
            "removed": ("حذف نص", "text removed"),
            "changed": ("تغيّر نص", "text changed"),
        }
        verb_ar, verb_en = verbs.get(change.kind, verbs["changed"])
        return f"{verb_ar} {name}" if ar else f"The {name} {verb_en}"

    if section == "detailed_goals":
        index = change.path[change.path.index("[") + 1 : -1]
        number = int(index) + 1
        value = change.new if change.kind != "removed" else change.old
        text = _shorten(str(value.get(lang, "")) if isinstance(value, dict) else "")
        if change.kind == "added":
            return f"أضيف هدف تفصيلي: {text}" if ar else f"Detailed goal added: {text}"
        if change.kind == "removed":
            return f"حذف هدف تفصيلي: {text}" if ar else f"Detailed goal removed: {text}"
        return (
            f"تغيّر نص الهدف التفصيلي رقم {number}: {text}"
            if ar
            else f"Detailed goal {number} changed: {text}"
        )

    if change.kind == "reordered":
        order = change.subject.text(lang) if change.subject is not None else ", ".join(change.new)
        return f"{_ORDER_WORDS[section].text(lang)}: {order}"

    if section == "procedure" and change.attribute is not None:
        return _describe_param(change, lang)

    if section == "contacts" and change.attribute == "value":
        old_value = change.old.get("value") if isinstance(change.old, dict) else change.old
        new_value = change.new.get("value") if isinstance(change.new, dict) else change.new
        name = change.subject.text(lang) if change.subject is not None else ""
        if ar:
            return f"تغيّر {name} من {old_value} إلى {new_value}"
        return f"The {name} changed from {old_value} to {new_value}"

    if change.attribute is not None:
        return _describe_attribute(change, lang)

    noun_ar, noun_en, added_ar, removed_ar = _ENTRY_WORDS[section]
    summary = _entry_summary(change, lang)
    if change.kind == "added":
        return f"{added_ar} {noun_ar}: {summary}" if ar else f"{noun_en} added: {summary}"
    return f"{removed_ar} {noun_ar}: {summary}" if ar else f"{noun_en} removed: {summary}"
