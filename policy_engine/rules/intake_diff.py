"""Differences in what the applicant is asked, for the board: intake fields and checklist items
added, removed or changed («أصبح حقل «الدخل الشهري» مطلوبًا»)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from policy_engine.rules.catalog import CatalogKind, Lang, get_entry
from policy_engine.rules.document import LocalizedText, PolicyDocument
from policy_engine.rules.intake import (
    CALENDAR_NAMES,
    DEFAULT_MAX_FILE_MB,
    FIELD_TYPE_NAMES,
    FILE_TYPES,
    ITEM_KIND_NAMES,
)

if TYPE_CHECKING:
    from policy_engine.rules.diff import Change

_FIELD_ATTRIBUTES = (
    "type",
    "label_ar",
    "label_en",
    "required",
    "help_ar",
    "help_en",
    "options",
    "calendar",
    "file_types",
    "max_size_mb",
    "fields",
    "max_rows",
    "when",
)
_ITEM_ATTRIBUTES = (
    "kind",
    "label_ar",
    "label_en",
    "required",
    "help_ar",
    "help_en",
    "file_types",
    "max_size_mb",
    "when",
)
_ATTRIBUTE_NAMES: dict[str, tuple[str, str]] = {
    "type": ("النوع", "type"),
    "kind": ("النوع", "kind"),
    "label_ar": ("التسمية العربية", "Arabic label"),
    "label_en": ("التسمية الإنجليزية", "English label"),
    "help_ar": ("الإرشاد بالعربية", "Arabic help text"),
    "help_en": ("الإرشاد بالإنجليزية", "English help text"),
    "options": ("الخيارات", "options"),
    "calendar": ("التقويم", "calendar"),
    "file_types": ("أنواع الملفات المقبولة", "accepted file types"),
    "max_size_mb": ("أكبر حجم للملف", "largest file size"),
    "fields": ("أعمدة المجموعة", "columns"),
    "max_rows": ("أكبر عدد للصفوف", "most rows"),
    "when": ("شرط الطلب", "condition"),
}


def _names(entry: dict[str, Any]) -> LocalizedText:
    return LocalizedText(str(entry.get("label_ar", "")), str(entry.get("label_en", "")))


def _condition_words(when: object, document: PolicyDocument) -> LocalizedText:
    """«إذا كانت إجابة «السكن» «إيجار» أو «مع الأقارب»», from the document the condition is in."""
    if not isinstance(when, dict):
        return LocalizedText("دائمًا", "always")
    code = str(when.get("field"))
    field = document.intake_form.field(code)
    tested = when.get("one_of") or [when.get("equals")]

    def answer(value: object, lang: Lang) -> str:
        if isinstance(value, bool):
            return ("نعم" if value else "لا") if lang == "ar" else ("yes" if value else "no")
        option = field.option(value) if field is not None else None
        return option.label(lang) if option is not None else str(value)

    name_ar = field.label_ar if field is not None else code
    name_en = field.label_en if field is not None else code
    return LocalizedText(
        f"إذا كانت إجابة «{name_ar}» " + " أو ".join(f"«{answer(v, 'ar')}»" for v in tested),
        f'when "{name_en}" is ' + " or ".join(f'"{answer(v, "en")}"' for v in tested),
    )


_CODE_NAMES = {"type": FIELD_TYPE_NAMES, "kind": ITEM_KIND_NAMES, "calendar": CALENDAR_NAMES}


def _worded(
    name: str, was: Any, now: Any, old: PolicyDocument, new: PolicyDocument
) -> tuple[LocalizedText, LocalizedText] | None:
    if name == "when":
        return _condition_words(was, old), _condition_words(now, new)
    names = _CODE_NAMES.get(name)
    if names is None:
        return None

    def words(value: Any) -> LocalizedText:
        ar, en = names.get(str(value or ""), (str(value), str(value)))
        return LocalizedText(ar, en)

    return words(was), words(now)


def _entries(
    section: Literal["intake_form", "checklists"],
    path: str,
    old: list[dict[str, Any]],
    new: list[dict[str, Any]],
    attributes: tuple[str, ...],
    documents: tuple[PolicyDocument, PolicyDocument],
) -> list[Change]:
    from policy_engine.rules.diff import Change

    before = {e["code"]: e for e in old}
    after = {e["code"]: e for e in new}
    changes: list[Change] = []
    for code, entry in before.items():
        if code not in after:
            changes.append(Change(f"{path}.{code}", "removed", entry, None, section, subject=_names(entry)))
    for code, entry in after.items():
        if code not in before:
            # Asked only for some answers: the board reads when, beside what was added.
            when = _condition_words(entry["when"], documents[1]) if entry.get("when") else None
            worded = (LocalizedText("", ""), when) if when is not None else None
            changes.append(
                Change(f"{path}.{code}", "added", None, entry, section, subject=_names(entry), worded=worded)
            )
            continue
        for name in attributes:
            was, now = before[code].get(name), entry.get(name)
            if was != now:
                changes.append(
                    Change(
                        f"{path}.{code}.{name}",
                        "changed",
                        was,
                        now,
                        section,
                        name,
                        _names(entry),
                        worded=_worded(name, was, now, *documents),
                    )
                )
    return changes


def intake_changes(old: PolicyDocument, new: PolicyDocument) -> list[Change]:
    changes = _entries(
        "intake_form",
        "intake_form",
        [f.to_dict() for f in old.intake_form.fields],
        [f.to_dict() for f in new.intake_form.fields],
        _FIELD_ATTRIBUTES,
        (old, new),
    )
    steps = list(dict(old.checklists)) + [s for s in dict(new.checklists) if s not in dict(old.checklists)]
    for step in steps:
        changes += _entries(
            "checklists",
            f"checklists.{step}",
            [i.to_dict() for i in old.checklist(step)],
            [i.to_dict() for i in new.checklist(step)],
            _ITEM_ATTRIBUTES,
            (old, new),
        )
    return changes


def _quote(text: str, lang: Lang) -> str:
    return f"«{text}»" if lang == "ar" else f"'{text}'"


def _step_name(path: str, lang: Lang) -> str:
    code = path.split(".")[1]
    entry = get_entry(CatalogKind.STEP, code)
    return entry.label(lang) if entry is not None else code


# What applies when a policy says nothing (answers.DEFAULT_MAX_ROWS, intake.DEFAULT_MAX_FILE_MB).
_DEFAULTS: dict[str, Any] = {
    "max_size_mb": DEFAULT_MAX_FILE_MB,
    "max_rows": 20,
    "file_types": list(FILE_TYPES),
}


def _value_words(name: str | None, value: Any, lang: Lang) -> str:
    ar = lang == "ar"
    if value is None:
        value = _DEFAULTS.get(name or "")
    if value is None:
        return "—"
    if name == "required":
        return ("مطلوب" if value else "اختياري") if ar else ("required" if value else "optional")
    if name == "options" and isinstance(value, list):
        return "، ".join(str(o.get("label_ar" if ar else "label_en")) for o in value if isinstance(o, dict))
    if name == "file_types" and isinstance(value, list):
        return " / ".join(str(v).upper() for v in value)
    if name == "fields" and isinstance(value, list):
        return "، ".join(str(f.get("label_ar" if ar else "label_en")) for f in value if isinstance(f, dict))
    if name == "max_size_mb":
        return f"{value} ميغابايت" if ar else f"{value} MB"
    return str(value)


def describe_intake_change(change: Change, lang: Lang) -> str:
    ar = lang == "ar"
    name = change.subject.text(lang) if change.subject is not None else ""
    entry = change.new if change.kind == "added" else change.old
    if change.section == "intake_form":
        where_ar, where_en = "نموذج الطلب", "the application form"
        noun_ar, noun_en = "حقل", "field"
    else:
        step = _step_name(change.path, lang)
        where_ar, where_en = (
            f"قائمة التحقق في خطوة {_quote(step, lang)}",
            f"the checklist of step {_quote(step, lang)}",
        )
        is_document = isinstance(entry, dict) and entry.get("kind") == "document"
        noun_ar, noun_en = ("مستند", "document") if is_document else ("بند", "item")
    if change.kind == "added":
        when = f" ({change.worded[1].text(lang)})" if change.worded is not None else ""
        return (
            f"أضيف {noun_ar} إلى {where_ar}: {name}{when}"
            if ar
            else f"A {noun_en} was added to {where_en}: {name}{when}"
        )
    if change.kind == "removed":
        return (
            f"حُذف {noun_ar} من {where_ar}: {name}"
            if ar
            else f"A {noun_en} was removed from {where_en}: {name}"
        )
    if change.attribute == "required":
        if ar:
            return f"أصبح {_quote(name, lang)} في {where_ar} {'مطلوبًا' if change.new else 'اختياريًا'}"
        return f"{_quote(name, lang)} in {where_en} is now {'required' if change.new else 'optional'}"
    label_ar, label_en = _ATTRIBUTE_NAMES.get(change.attribute or "", (change.attribute, change.attribute))
    if change.worded is not None:
        before, after = change.worded[0].text(lang), change.worded[1].text(lang)
    else:
        before = _value_words(change.attribute, change.old, lang)
        after = _value_words(change.attribute, change.new, lang)
    before, after, subject = _quote(before, lang), _quote(after, lang), _quote(name, lang)
    if ar:
        return f"تغيّر {label_ar} لـ {subject} في {where_ar} من {before} إلى {after}"
    return f"The {label_en} of {subject} in {where_en} changed from {before} to {after}"
