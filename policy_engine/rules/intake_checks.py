"""Whether an intake form and checklists can go to the board: every problem at once, each at the
path an editor should highlight (``intake_form.fields[2].options``), in both languages.

Reads the raw JSON-like data, like :func:`policy_engine.rules.validation.validate` (which calls
:func:`intake_problems`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from policy_engine.rules.catalog import CatalogKind, get_entry
from policy_engine.rules.errors import FieldError
from policy_engine.rules.intake import _FIELD_KEYS, _ITEM_KEYS, CALENDARS, FIELD_TYPES, FILE_TYPES, ITEM_KINDS

CODE = re.compile(r"[a-z][a-z0-9_]{0,39}", re.ASCII)
MAX_FILE_MB = 10

_TYPE_AR = {
    "text": "نص",
    "number": "رقم",
    "date": "تاريخ",
    "choice": "اختيار من قائمة",
    "yes_no": "نعم/لا",
    "phone": "رقم جوال",
    "national_id": "رقم هوية",
    "file": "ملف",
    "group": "مجموعة متكررة",
}

MESSAGES: Mapping[str, tuple[str, str]] = {
    "required": ("هذا الحقل مطلوب.", "This field is required."),
    "invalid_type": ("نوع القيمة غير صحيح.", "Wrong type of value."),
    "unknown_field": ("حقل غير معروف.", "Unknown field."),
    "invalid_code": (
        "الرمز حروف لاتينية صغيرة وأرقام و _ ويبدأ بحرف: {code}",
        "A code is lowercase letters, digits and _, starting with a letter: {code}",
    ),
    "duplicate_code": ("الرمز مستخدم أكثر من مرة: {code}", "This code is used more than once: {code}"),
    "unknown_field_type": (
        "نوع الحقل غير معروف: {code}. الأنواع: {known}",
        "Unknown field type: {code}. Known types: {known}",
    ),
    "no_options": (
        "حقل الاختيار يحتاج إلى خيار واحد على الأقل.",
        "A choice field needs at least one option.",
    ),
    "options_not_allowed": ("الخيارات لحقل الاختيار فقط.", "Options belong to choice fields only."),
    "unknown_calendar": ("التقويم هجري أو ميلادي: {code}", "The calendar is hijri or gregorian: {code}"),
    "calendar_not_allowed": ("التقويم لحقل التاريخ فقط.", "A calendar belongs to date fields only."),
    "unknown_file_type": (
        "نوع ملف غير معروف: {code}. المقبول: PDF وPNG وJPEG.",
        "Unknown file type: {code}. Accepted: pdf, png, jpeg.",
    ),
    "file_types_not_allowed": (
        "أنواع الملفات للحقول والمستندات التي هي ملفات فقط.",
        "File types belong to file fields and documents only.",
    ),
    "no_file_types": (
        "اختر نوعًا واحدًا من الملفات على الأقل.",
        "Tick at least one kind of file.",
    ),
    "invalid_max_size": (
        "الحد الأعلى لحجم الملف من ١ إلى ١٠ ميغابايت.",
        "The file size limit is 1 to 10 MB.",
    ),
    "group_needs_fields": ("المجموعة تحتاج إلى حقل واحد على الأقل.", "A group needs at least one field."),
    "fields_not_allowed": ("الحقول الفرعية للمجموعة فقط.", "Sub-fields belong to groups only."),
    "nested_group": ("لا تُوضع مجموعة داخل مجموعة.", "A group cannot contain another group."),
    "invalid_max_rows": ("عدد الصفوف من ١ إلى ٥٠.", "The number of rows is 1 to 50."),
    "condition_unknown_field": (
        "الشرط يشير إلى حقل غير موجود في النموذج: {code}",
        "The condition refers to a field the form does not have: {code}",
    ),
    "condition_on_itself": ("لا يُشترط الحقل على نفسه.", "A field cannot depend on itself."),
    "condition_field_type": (
        "يُشترط على حقل اختيار أو نعم/لا فقط: {code}",
        "A condition can only test a choice or yes/no field: {code}",
    ),
    "condition_unknown_answer": (
        "الإجابة المشروطة ليست من خيارات الحقل «{label}»: {code}",
        "The answer tested is not one of the options of '{label}': {code}",
    ),
    "condition_needs_answer": (
        "اختر الإجابة (أو الإجابات) التي يُسأل عندها.",
        "Choose the answer (or answers) that make it apply.",
    ),
    "step_not_in_procedure": (
        "الخطوة ليست في إجراءات هذه السياسة: {code}",
        "This step is not in the policy's procedure: {code}",
    ),
    "unknown_item_kind": (
        "نوع البند معلومة أو مستند: {code}",
        "An item is information or a document: {code}",
    ),
}


class _Collector:
    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, path: str, error_code: str, /, **params: str) -> None:
        template_ar, template_en = MESSAGES[error_code]
        params_ar = dict(params)
        if error_code == "unknown_field_type":
            params_ar["known"] = "، ".join(_TYPE_AR.values())
        self.errors.append(
            FieldError(path, error_code, template_ar.format(**params_ar), template_en.format(**params))
        )


def _at(path: str, key: str | int) -> str:
    return f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}"


def _text(c: _Collector, data: Mapping[str, Any], key: str, path: str, *, required: bool) -> None:
    value = data.get(key)
    if value is None:
        if required:
            c.add(_at(path, key), "required")
    elif not isinstance(value, str):
        c.add(_at(path, key), "invalid_type")
    elif required and not value.strip():
        c.add(_at(path, key), "required")


def _code(c: _Collector, data: Mapping[str, Any], path: str, seen: set[str]) -> str | None:
    code = data.get("code")
    if not isinstance(code, str) or not code:
        c.add(_at(path, "code"), "required")
        return None
    if not CODE.fullmatch(code):
        c.add(_at(path, "code"), "invalid_code", code=code)
    elif code in seen:
        c.add(_at(path, "code"), "duplicate_code", code=code)
    seen.add(code)
    return code


def _unknown_keys(c: _Collector, data: Mapping[str, Any], allowed: tuple[str, ...], path: str) -> None:
    for key in sorted(set(data) - set(allowed), key=str):
        c.add(_at(path, str(key)), "unknown_field")


def _files(c: _Collector, data: Mapping[str, Any], path: str, *, allowed: bool) -> None:
    types = data.get("file_types")
    if types is not None:
        if not allowed:
            c.add(_at(path, "file_types"), "file_types_not_allowed")
        elif not isinstance(types, list):
            c.add(_at(path, "file_types"), "invalid_type")
        elif not types:
            c.add(_at(path, "file_types"), "no_file_types")
        else:
            for index, value in enumerate(types):
                if value not in FILE_TYPES:
                    c.add(_at(_at(path, "file_types"), index), "unknown_file_type", code=str(value))
    size = data.get("max_size_mb")
    if size is not None and (
        not allowed or not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= MAX_FILE_MB
    ):
        c.add(_at(path, "max_size_mb"), "invalid_max_size" if allowed else "file_types_not_allowed")


def _options(c: _Collector, data: Mapping[str, Any], path: str, is_choice: bool) -> None:
    options = data.get("options")
    if not is_choice:
        if options:
            c.add(_at(path, "options"), "options_not_allowed")
        return
    if not isinstance(options, list) or not options:
        c.add(_at(path, "options"), "no_options")
        return
    seen: set[str] = set()
    for index, option in enumerate(options):
        where = _at(_at(path, "options"), index)
        if not isinstance(option, Mapping):
            c.add(where, "invalid_type")
            continue
        _unknown_keys(c, option, ("code", "label_ar", "label_en"), where)
        _code(c, option, where, seen)
        _text(c, option, "label_ar", where, required=True)
        _text(c, option, "label_en", where, required=True)


def _field(c: _Collector, data: object, path: str, seen: set[str], *, in_group: bool) -> None:
    if not isinstance(data, Mapping):
        c.add(path, "invalid_type")
        return
    _unknown_keys(c, data, _FIELD_KEYS, path)
    _code(c, data, path, seen)
    kind = data.get("type")
    if kind not in FIELD_TYPES:
        c.add(_at(path, "type"), "unknown_field_type", code=str(kind), known=", ".join(FIELD_TYPES))
    _text(c, data, "label_ar", path, required=True)
    _text(c, data, "label_en", path, required=True)
    _text(c, data, "help_ar", path, required=False)
    _text(c, data, "help_en", path, required=False)
    if data.get("required") is not None and not isinstance(data.get("required"), bool):
        c.add(_at(path, "required"), "invalid_type")
    _options(c, data, path, kind == "choice")
    calendar = data.get("calendar")
    if calendar is not None:
        if kind != "date":
            c.add(_at(path, "calendar"), "calendar_not_allowed")
        elif calendar not in CALENDARS:
            c.add(_at(path, "calendar"), "unknown_calendar", code=str(calendar))
    _files(c, data, path, allowed=kind == "file")
    fields, rows = data.get("fields"), data.get("max_rows")
    if kind == "group":
        if in_group:
            c.add(_at(path, "type"), "nested_group")
        if not isinstance(fields, list) or not fields:
            c.add(_at(path, "fields"), "group_needs_fields")
        else:
            inner: set[str] = set()
            for index, sub in enumerate(fields):
                _field(c, sub, _at(_at(path, "fields"), index), inner, in_group=True)
        if rows is not None and (not isinstance(rows, int) or isinstance(rows, bool) or not 1 <= rows <= 50):
            c.add(_at(path, "max_rows"), "invalid_max_rows")
    elif fields:
        c.add(_at(path, "fields"), "fields_not_allowed")


def _condition(
    c: _Collector, when: object, path: str, fields: Mapping[str, Mapping[str, Any]], own: str | None
) -> None:
    if when is None:
        return
    if not isinstance(when, Mapping):
        c.add(path, "invalid_type")
        return
    _unknown_keys(c, when, ("field", "equals", "one_of"), path)
    target = when.get("field")
    if not isinstance(target, str) or target not in fields:
        c.add(_at(path, "field"), "condition_unknown_field", code=str(target))
        return
    if target == own:
        c.add(_at(path, "field"), "condition_on_itself")
        return
    definition = fields[target]
    kind = definition.get("type")
    if kind not in ("choice", "yes_no"):
        c.add(_at(path, "field"), "condition_field_type", code=target)
        return
    tested = when.get("one_of") if when.get("one_of") is not None else [when.get("equals")]
    if not isinstance(tested, list) or not tested or tested == [None]:
        c.add(path, "condition_needs_answer")
        return
    if kind == "yes_no":
        allowed: list[Any] = [True, False]
    else:
        options = definition.get("options")
        allowed = (
            [o.get("code") for o in options if isinstance(o, Mapping)] if isinstance(options, list) else []
        )
    label = str(definition.get("label_ar") or target), str(definition.get("label_en") or target)
    for value in tested:
        if value not in allowed:
            c.errors.append(
                FieldError(
                    _at(path, "equals" if when.get("one_of") is None else "one_of"),
                    "condition_unknown_answer",
                    MESSAGES["condition_unknown_answer"][0].format(label=label[0], code=value),
                    MESSAGES["condition_unknown_answer"][1].format(label=label[1], code=value),
                )
            )


def _item(c: _Collector, data: object, path: str, seen: set[str], fields: Mapping[str, Any]) -> None:
    if not isinstance(data, Mapping):
        c.add(path, "invalid_type")
        return
    _unknown_keys(c, data, _ITEM_KEYS, path)
    _code(c, data, path, seen)
    kind = data.get("kind")
    if kind not in ITEM_KINDS:
        c.add(_at(path, "kind"), "unknown_item_kind", code=str(kind))
    _text(c, data, "label_ar", path, required=True)
    _text(c, data, "label_en", path, required=True)
    _text(c, data, "help_ar", path, required=False)
    _text(c, data, "help_en", path, required=False)
    if data.get("required") is not None and not isinstance(data.get("required"), bool):
        c.add(_at(path, "required"), "invalid_type")
    _files(c, data, path, allowed=kind == "document")
    _condition(c, data.get("when"), _at(path, "when"), fields, None)


def intake_problems(data: Mapping[str, Any]) -> list[FieldError]:
    """Problems of the document's ``intake_form`` and ``checklists`` (none when both are absent)."""
    c = _Collector()
    fields: dict[str, Mapping[str, Any]] = {}
    form = data.get("intake_form")
    if form is not None:
        if not isinstance(form, Mapping):
            c.add("intake_form", "invalid_type")
        else:
            _unknown_keys(c, form, ("fields",), "intake_form")
            raw = form.get("fields")
            if not isinstance(raw, list):
                c.add("intake_form.fields", "invalid_type")
                raw = []
            seen: set[str] = set()
            for index, field in enumerate(raw):
                _field(c, field, f"intake_form.fields[{index}]", seen, in_group=False)
            fields = {f["code"]: f for f in raw if isinstance(f, Mapping) and isinstance(f.get("code"), str)}
            for index, field in enumerate(raw):
                if isinstance(field, Mapping):
                    own = field.get("code") if isinstance(field.get("code"), str) else None
                    _condition(c, field.get("when"), f"intake_form.fields[{index}].when", fields, own)
    checklists = data.get("checklists")
    if checklists is not None:
        if not isinstance(checklists, Mapping):
            c.add("checklists", "invalid_type")
            return c.errors
        procedure = data.get("procedure")
        steps = {
            s.get("step")
            for s in (procedure if isinstance(procedure, list) else [])
            if isinstance(s, Mapping)
        }
        seen_items: set[str] = set()  # one code per case, whatever the step
        for step, items in checklists.items():
            where = f"checklists.{step}"
            if step not in steps:
                entry = get_entry(CatalogKind.STEP, str(step))  # named as the policy names it
                template_ar, template_en = MESSAGES["step_not_in_procedure"]
                name_ar, name_en = (entry.label_ar, entry.label_en) if entry else (str(step), str(step))
                c.errors.append(
                    FieldError(
                        where,
                        "step_not_in_procedure",
                        template_ar.format(code=f"«{name_ar}»"),
                        template_en.format(code=f"'{name_en}'"),
                    )
                )
            if not isinstance(items, list):
                c.add(where, "invalid_type")
                continue
            for index, item in enumerate(items):
                _item(c, item, f"{where}[{index}]", seen_items, fields)
    return c.errors
