"""Each difference between two policy versions as a sentence a board member reads, in Arabic or
English («تغيّرت مدة دراسة الطلب من أسبوعين إلى شهر»)."""

from __future__ import annotations

from policy_engine.rules.catalog import CatalogKind, Lang, get_entry
from policy_engine.rules.diff import Change, catalog_names
from policy_engine.rules.document import LocalizedText, ProcedureStep
from policy_engine.rules.durations import DurationError, describe_duration

_TEXT_NAMES: dict[str, LocalizedText] = {
    "title_ar": LocalizedText("عنوان السياسة (بالعربية)", "policy's title (Arabic)"),
    "title_en": LocalizedText("عنوان السياسة (بالإنجليزية)", "policy's title (English)"),
    "preamble_ar": LocalizedText("التمهيد (بالعربية)", "preamble (Arabic)"),
    "preamble_en": LocalizedText("التمهيد (بالإنجليزية)", "preamble (English)"),
    "general_goal_ar": LocalizedText("الهدف العام (بالعربية)", "general goal (Arabic)"),
    "general_goal_en": LocalizedText("الهدف العام (بالإنجليزية)", "general goal (English)"),
    "responsibilities_ar": LocalizedText("المسؤوليات (بالعربية)", "responsibilities (Arabic)"),
    "responsibilities_en": LocalizedText("المسؤوليات (بالإنجليزية)", "responsibilities (English)"),
    "approval_note_ar": LocalizedText(
        "العبارة تحت الاعتماد (بالعربية)", "sentence under the approval (Arabic)"
    ),
    "approval_note_en": LocalizedText(
        "العبارة تحت الاعتماد (بالإنجليزية)", "sentence under the approval (English)"
    ),
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


def _shorten(text: str, limit: int = 100) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _quote(text: str, lang: Lang) -> str:
    return f"«{text}»" if lang == "ar" else f"'{text}'"


def _party(code: object, lang: Lang) -> str:
    """A party's name for use inside a sentence ("the research committee")."""
    if not isinstance(code, str):
        return "—"
    name = catalog_names(CatalogKind.PARTY, code).text(lang)
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


def describe(change: Change, lang: Lang) -> str:
    ar = lang == "ar"
    section = change.section
    if section in ("intake_form", "checklists"):
        from policy_engine.rules.intake_diff import describe_intake_change

        return describe_intake_change(change, lang)

    if section == "beneficiary_term":
        before = catalog_names(CatalogKind.BENEFICIARY_TERM, str(change.old)).text(lang)
        after = catalog_names(CatalogKind.BENEFICIARY_TERM, str(change.new)).text(lang)
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

    if section == "approval_seal":
        if change.new:
            return (
                "أصبح يُطبع حقل لختم الجمعية بجانب التوقيعات"
                if ar
                else "A field for the association's seal is now printed beside the signatures"
            )
        return (
            "لم يعد يُطبع حقل لختم الجمعية"
            if ar
            else "The field for the association's seal is no longer printed"
        )

    if section == "headings":
        was = change.old.get(lang) if isinstance(change.old, dict) else None
        now = change.new.get(lang) if isinstance(change.new, dict) else None
        if now and was:
            if ar:
                return f"تغيّر عنوان القسم من {_quote(was, lang)} إلى {_quote(now, lang)}"
            return f"A section's heading changed from {_quote(was, lang)} to {_quote(now, lang)}"
        if now:
            return (
                f"أصبح عنوان القسم {_quote(now, lang)}"
                if ar
                else f"A section is now headed {_quote(now, lang)}"
            )
        return (
            f"عاد عنوان القسم {_quote(str(was), lang)} إلى العنوان المعتاد"
            if ar
            else f"The heading {_quote(str(was), lang)} is back to the usual one"
        )

    if section == "procedure" and change.attribute in ("text_ar", "text_en"):
        name = _quote(change.subject.text(lang) if change.subject is not None else "", lang)
        which = {"text_ar": ("بالعربية", "Arabic"), "text_en": ("بالإنجليزية", "English")}[change.attribute]
        if ar:
            return f"تغيّرت صياغة خطوة {name} ({which[0]})"
        return f"The wording of step {name} changed ({which[1]})"

    if section == "decision_reason_shared":
        if change.new:
            if ar:
                return "صارت رسالة القرار النصية إلى مقدم الطلب تذكر سببه باختصار"
            return "The applicant's text message about the decision now gives its reason in short"
        if ar:
            return "لم تعد رسالة القرار النصية إلى مقدم الطلب تذكر سببه"
        return "The applicant's text message about the decision no longer gives its reason"

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

    if change.kind == "moved":
        noun_ar, noun_en, _, _ = _ENTRY_WORDS[section]
        name = _quote(change.subject.text(lang) if change.subject is not None else "", lang)
        if ar:
            return f"تغيّر موضع {noun_ar} {name}: من {change.old} إلى {change.new}"
        return f"{noun_en} {name} moved from position {change.old} to {change.new}"

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
